; Go (tree-sitter-go). A Go file sees the package-level names of its package's other files, so
; the engine judges only qualifiers (ScopeEngine's `qualifiers`: the standard packages' names):
; `strings.Split` without `import "strings"` and no local `strings`. The definitions below keep
; a local variable, parameter or type named like a package (`url := ...; url.Path`) from being
; taken for it. Order does not matter for such a use, so every definition is hoisted.

; ---------------------------------------------------------------- scopes
(block) @local.scope
[(function_declaration) (method_declaration) (func_literal)] @local.scope.function
[(for_statement) (if_statement) (expression_switch_statement) (type_switch_statement)
 (select_statement) (expression_case) (type_case) (default_case) (communication_case)] @local.scope

; ---------------------------------------------------------------- definitions
(function_declaration name: (identifier) @local.definition.outer.hoisted)
(parameter_declaration name: (identifier) @local.definition.hoisted)
(variadic_parameter_declaration name: (identifier) @local.definition.hoisted)
(type_parameter_declaration name: (identifier) @local.definition.hoisted)
(short_var_declaration left: (expression_list (identifier) @local.definition.hoisted))
(range_clause left: (expression_list (identifier) @local.definition.hoisted))
(receive_statement left: (expression_list (identifier) @local.definition.hoisted))
(var_spec name: (identifier) @local.definition.hoisted)
(const_spec name: (identifier) @local.definition.hoisted)
(type_spec name: (type_identifier) @local.definition.hoisted)
(type_alias name: (type_identifier) @local.definition.hoisted)
(type_switch_statement alias: (expression_list (identifier) @local.definition.hoisted))
(import_spec name: (package_identifier) @local.definition.hoisted)

; ---------------------------------------------------------------- references (qualifiers)
; `pkg.Name`: only an exported name can be a package's member (`debug.malloc` is a field of a
; package-level `debug` variable of another file, as in package runtime)
((selector_expression operand: (identifier) @local.reference field: (field_identifier) @_field)
 (#match? @_field "^[A-Z]"))
(qualified_type package: (package_identifier) @local.reference)
