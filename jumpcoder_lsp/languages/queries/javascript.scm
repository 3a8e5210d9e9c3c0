; JavaScript only: parameters are bare identifiers in the parameter list
(formal_parameters (identifier) @local.definition.hoisted)
