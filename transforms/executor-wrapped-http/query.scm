; Every call; rule.rs resolves the callee through imports and value origins.
(call
  function: [(identifier) (attribute)] @callee) @call
