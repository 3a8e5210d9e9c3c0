; Rust (tree-sitter-rust). A Rust file sees only what it declares, `use`s, the prelude and what
; macros expand to, so the engine judges only the standard library's path roots (ScopeEngine's
; `qualifiers`: queries/rust_std_names.txt): `HashMap::new()`, `HashMap<K, V>` in a type,
; `fs::read_to_string(..)` without `use` and no declaration of that name. rust.py binds what the
; file's `use` declarations and item-level macros bring in; a glob `use x::*;`, an `extern crate`
; or an item-level `include!` makes it report nothing. Order does not matter for items, so they
; are bound for the whole file (a local or parameter for its scope, from its start: conservative).

; ---------------------------------------------------------------- scopes
(block) @local.scope
[(function_item) (closure_expression)] @local.scope.function

; ---------------------------------------------------------------- definitions
(function_item name: (identifier) @local.definition.global)
(function_signature_item name: (identifier) @local.definition.global)
(struct_item name: (type_identifier) @local.definition.global)
(enum_item name: (type_identifier) @local.definition.global)
(union_item name: (type_identifier) @local.definition.global)
(trait_item name: (type_identifier) @local.definition.global)
(type_item name: (type_identifier) @local.definition.global)
(associated_type name: (type_identifier) @local.definition.global)
(mod_item name: (identifier) @local.definition.global)
(const_item name: (identifier) @local.definition.global)
(static_item name: (identifier) @local.definition.global)
(macro_definition name: (identifier) @local.definition.global)
(enum_variant name: (identifier) @local.definition.global)
(type_parameter name: (type_identifier) @local.definition.hoisted)
(const_parameter name: (identifier) @local.definition.hoisted)
; let, parameters, closures, for, if let / while let: the names in their patterns
(identifier) @local.definition.pattern
(let_declaration pattern: (_) @local.declaration.param)
(parameter pattern: (_) @local.declaration.param)
(closure_parameters (identifier) @local.declaration.param)
(closure_parameters (tuple_pattern) @local.declaration.param)
(for_expression pattern: (_) @local.declaration.param)
(let_condition pattern: (_) @local.declaration.param)

; ---------------------------------------------------------------- references (path roots)
(scoped_identifier path: (identifier) @local.reference)
(scoped_type_identifier path: (identifier) @local.reference)
(type_identifier) @local.reference
(scoped_type_identifier name: (type_identifier) @local.ignore)
; an associated type's name in `Add<Output = T>`, `IntoIterator<IntoIter = I>`: no use of a type
(type_binding name: (type_identifier) @local.ignore)

; ---------------------------------------------------------------- never uses
[(use_declaration) (extern_crate_declaration) (attribute_item) (inner_attribute_item)
 (macro_definition)] @local.ignore
(macro_invocation (token_tree) @local.ignore)
