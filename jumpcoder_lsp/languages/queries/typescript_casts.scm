; TypeScript without JSX only (TSX has no `<T>x` casts).
; A statement whose text starts with `<` (a `<T>x` cast, discarded) is what the grammar makes of
; the type arguments after an `import("m").T` type that spans lines
; (`import("./types").Fn<\n  A,\n  number\n>`): no uses in it
((expression_statement) @local.ignore (#match? @local.ignore "^<"))
