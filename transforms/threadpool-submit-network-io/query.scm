; `with <Executor>(...) as <pool>:`; rule.rs resolves the constructor and reads the body.
(with_statement
  (with_clause
    (with_item
      value: (as_pattern
        (call function: [(identifier) (attribute)] @ctor) @executor
        alias: (as_pattern_target (identifier) @pool))))
  body: (block) @body) @with
