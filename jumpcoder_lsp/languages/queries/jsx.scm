; JSX (JavaScript and TSX): lower-case tags are intrinsic elements (<div>), not names
(jsx_opening_element name: (identifier) @local.ignore (#match? @local.ignore "^[a-z]"))
(jsx_self_closing_element name: (identifier) @local.ignore (#match? @local.ignore "^[a-z]"))
(jsx_closing_element) @local.ignore
(jsx_namespace_name) @local.ignore
