; Scopes, definitions and references shared by JavaScript and TypeScript (tree-sitter-javascript
; and tree-sitter-typescript, which extends it). Captures: see engine.py.

; ---------------------------------------------------------------- scopes
(statement_block) @local.scope
(for_statement) @local.scope
(for_in_statement) @local.scope
(switch_body) @local.scope
(catch_clause) @local.scope
(class_declaration) @local.scope
(class) @local.scope
(class_static_block) @local.scope
; field initializers and methods run later (when the class is instantiated or called)
(class_body) @local.scope.function
[
  (function_declaration)
  (function_expression)
  (generator_function_declaration)
  (generator_function)
  (arrow_function)
  (method_definition)
] @local.scope.function
; `with (o) { x }`: x may be a property of o
(with_statement body: (_) @local.scope.open)

; ---------------------------------------------------------------- definitions
; function declarations are hoisted (to the function around them: sloppy-mode block functions)
(function_declaration name: (identifier) @local.definition.outer.var)
(generator_function_declaration name: (identifier) @local.definition.outer.var)
; a named function/class expression's name is visible inside it only
(function_expression name: (identifier) @local.definition.hoisted)
(generator_function name: (identifier) @local.definition.hoisted)
(class name: (_) @local.definition.hoisted)
; a class declaration binds its name in the scope around it (temporal dead zone above it)
(class_declaration name: (_) @local.definition.outer)

; declarations that give destructuring patterns their kind
(variable_declaration) @local.declaration.var
(lexical_declaration) @local.declaration.let
(formal_parameters) @local.declaration.param
(catch_clause parameter: (_) @local.declaration.param)
((for_in_statement kind: _ @_kind) @local.declaration.var (#eq? @_kind "var"))
((for_in_statement kind: _ @_kind) @local.declaration.let (#any-of? @_kind "let" "const" "using" "await"))
; `[a, b] = [b, a]`, `({x} = o)`: assignment targets, not declarations
(assignment_expression) @local.declaration.none

(variable_declarator name: (identifier) @local.definition.pattern)
(for_in_statement left: (identifier) @local.definition.pattern)
(catch_clause parameter: (identifier) @local.definition.hoisted)
(arrow_function parameter: (identifier) @local.definition.hoisted)
(object_pattern (shorthand_property_identifier_pattern) @local.definition.pattern)
(object_assignment_pattern left: (shorthand_property_identifier_pattern) @local.definition.pattern)
(pair_pattern value: (identifier) @local.definition.pattern)
(array_pattern (identifier) @local.definition.pattern)
(assignment_pattern left: (identifier) @local.definition.pattern)
(rest_pattern (identifier) @local.definition.pattern)

; imports bind for the whole file
(import_clause (identifier) @local.definition.hoisted)
(namespace_import (identifier) @local.definition.hoisted)
(import_specifier alias: (identifier) @local.definition.hoisted)
(import_specifier !alias name: (identifier) @local.definition.hoisted)

; ---------------------------------------------------------------- references
(identifier) @local.reference
(shorthand_property_identifier) @local.reference
(shorthand_property_identifier_pattern) @local.reference

; ---------------------------------------------------------------- not references
(import_statement) @local.ignore
; `export { a } from "m"` re-exports names of another module
(export_statement source: (_)) @local.ignore
(export_specifier alias: (_) @local.ignore)
; `if (typeof define === "function") define(...)`: code that tests whether a global exists
; may use it anywhere in the file
(unary_expression operator: "typeof" argument: (identifier) @local.definition.global)
; `0 && (module.exports = {...})`: dead code (bundlers' annotations for CommonJS lexers)
(binary_expression left: (number) @_zero operator: "&&" right: (_) @local.ignore (#eq? @_zero "0"))
