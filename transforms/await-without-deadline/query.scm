; Every function; rule.rs keeps the async ones and looks for network awaits in their bodies.
(function_definition
  name: (identifier) @name
  body: (block) @body) @function
