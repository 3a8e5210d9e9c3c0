; TypeScript (and TSX) on top of ecma.scm

; ---------------------------------------------------------------- scopes
[
  (interface_declaration)
  (type_alias_declaration)
  (abstract_class_declaration)
  (conditional_type)
  (enum_body)
] @local.scope
; parameter names of signatures (`infer U` in them binds in the conditional type around)
[
  (method_signature)
  (call_signature)
  (construct_signature)
  (function_type)
  (constructor_type)
  (function_signature)
  (abstract_method_signature)
  (index_signature)
] @local.scope.signature
; `declare module "m" { ... }` merges with the module's own declarations: its bare names may
; come from there. A namespace merges with same-named namespaces of other files only in a
; script (a file without top-level import/export); in a module it is the file's own.
(module body: (_) @local.scope.open)
(internal_module body: (_) @local.scope.open.script)
(program [(import_statement) (export_statement)] @local.module)

; types are resolved lazily: order does not matter in them
(type_annotation) @local.deferred
(type_arguments) @local.deferred
(type_parameters) @local.deferred
(type_alias_declaration) @local.deferred
(interface_declaration) @local.deferred
(implements_clause) @local.deferred
(type_query) @local.deferred
(as_expression (_) @local.deferred .)
(satisfies_expression (_) @local.deferred .)
(type_predicate_annotation) @local.deferred
(asserts_annotation) @local.deferred
(function_signature) @local.deferred
(ambient_declaration) @local.deferred

; ---------------------------------------------------------------- definitions
(interface_declaration name: (_) @local.definition.outer.hoisted)
(type_alias_declaration name: (_) @local.definition.outer.hoisted)
(abstract_class_declaration name: (_) @local.definition.outer)
(enum_declaration name: (_) @local.definition)
(enum_body name: (property_identifier) @local.definition.hoisted)
(enum_assignment name: (property_identifier) @local.definition.hoisted)
(internal_module name: (identifier) @local.definition.hoisted)
(internal_module name: (nested_identifier . (identifier) @local.definition.hoisted))
(module name: (identifier) @local.definition.hoisted)
(function_signature name: (identifier) @local.definition.outer.var)
(type_parameter name: (type_identifier) @local.definition.hoisted)
(infer_type (type_identifier) @local.definition.hoisted.through)
(mapped_type_clause name: (type_identifier) @local.definition.hoisted)
(required_parameter pattern: (identifier) @local.definition.hoisted)
(optional_parameter pattern: (identifier) @local.definition.hoisted)
(index_signature name: (identifier) @local.definition.hoisted)
(import_require_clause (identifier) @local.definition.hoisted)
(import_alias . (identifier) @local.definition.hoisted)

; ---------------------------------------------------------------- references
(type_identifier) @local.reference.type

; ---------------------------------------------------------------- not references
; `React.FC`: only `React` is a name here
(nested_type_identifier name: (_) @local.ignore)
; labels of tuple members: [start: number, end?: number]
(tuple_type (required_parameter name: (_) @local.ignore))
(tuple_type (optional_parameter name: (_) @local.ignore))
; `{ [K in keyof readonly T[]]: ... }` the grammar misreads: K is a mapped type's key
(computed_property_name (identifier) @local.ignore . (ERROR))
; `export as namespace preact;` (a UMD global) binds the name for the file
(export_statement "namespace" . (identifier) @local.definition.hoisted)
; `/// <reference path="global.d.ts" />`, `/// <reference types="node" />`: the file's names may
; come from the file or package it references (`lib="..."` references are in the globals list)
((program (comment) @_ref) @local.scope.open (#match? @_ref "^///[ ]*<reference[ ]+(path|types)="))
