; asyncio.gather(*<comprehension, name or map(...)>) — the callee is resolved through imports in rule.rs.
(call
  function: [(identifier) (attribute)] @callee
  arguments: (argument_list
    (list_splat
      [(list_comprehension) (generator_expression) (identifier) (call)] @splat))) @call
