; `await <callee>(...)`; rule.rs keeps those resolving to asyncio.wait_for.
(await
  (call
    function: [(identifier) (attribute)] @callee
    arguments: (argument_list) @args) @call) @await
