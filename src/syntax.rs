//! Small questions about tree-sitter-python nodes that several transforms ask.

use tree_sitter::Node;

/// The nearest proper ancestor of `node` of the given kind.
pub fn ancestor<'t>(node: Node<'t>, kind: &str) -> Option<Node<'t>> {
    let mut current = node.parent();
    while let Some(n) = current {
        if n.kind() == kind {
            return Some(n);
        }
        current = n.parent();
    }
    None
}

/// Whether `node` lies inside an ancestor of the given kind, looking no further up than `stop`.
pub fn inside(node: Node, kind: &str, stop: Node) -> bool {
    let mut current = node.parent();
    while let Some(n) = current {
        if n == stop {
            return false;
        }
        if n.kind() == kind {
            return true;
        }
        current = n.parent();
    }
    false
}

/// Whether a node of the given kind occurs in `root`, outside nested functions, lambdas and
/// classes (whose code runs elsewhere).
pub fn contains_kind(root: Node, kind: &str) -> bool {
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node.kind() == kind {
            return true;
        }
        if node != root && is_nested_scope(node) {
            continue;
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    false
}

pub fn is_nested_scope(node: Node) -> bool {
    matches!(
        node.kind(),
        "function_definition" | "lambda" | "class_definition"
    )
}

/// Whether a `with_statement` is `async with`.
pub fn is_async_with(with: Node) -> bool {
    with.kind() == "with_statement" && with.child(0).is_some_and(|c| c.kind() == "async")
}

/// The context expressions of a `with` statement, seen through `as`: `async with a as b, c:`
/// gives `a` and `c`.
pub fn with_items<'t>(with: Node<'t>) -> Vec<Node<'t>> {
    let Some(clause) = with.named_child(0).filter(|c| c.kind() == "with_clause") else {
        return Vec::new();
    };
    let mut cursor = clause.walk();
    let items: Vec<Node> = clause
        .named_children(&mut cursor)
        .filter_map(|item| item.child_by_field_name("value"))
        .map(|value| {
            if value.kind() == "as_pattern" {
                value.named_child(0).unwrap_or(value)
            } else {
                value
            }
        })
        .collect();
    items
}

/// The exception types an `except` clause names: `except (A, B) as e:` gives `A` and `B`;
/// `None` for a bare `except:`.
pub fn except_types<'t>(clause: Node<'t>) -> Option<Vec<Node<'t>>> {
    let mut value = clause.child_by_field_name("value")?;
    // `except E as e`: the grammar wraps the type in an as_pattern.
    if value.kind() == "as_pattern" {
        value = value.named_child(0)?;
    }
    if value.kind() == "tuple" || value.kind() == "parenthesized_expression" {
        let mut cursor = value.walk();
        let items: Vec<Node> = value.named_children(&mut cursor).collect();
        Some(items)
    } else {
        Some(vec![value])
    }
}

/// The `except` clauses of the `try` statements whose body holds `node`, innermost first,
/// looking no further up than `stop`.
pub fn enclosing_handlers<'t>(node: Node<'t>, stop: Node<'t>) -> Vec<Node<'t>> {
    let mut handlers = Vec::new();
    let mut current = node;
    while let Some(parent) = current.parent() {
        if parent == stop {
            break;
        }
        if parent.kind() == "try_statement" && parent.child_by_field_name("body") == Some(current) {
            let mut cursor = parent.walk();
            handlers.extend(
                parent
                    .named_children(&mut cursor)
                    .filter(|c| c.kind() == "except_clause"),
            );
        }
        current = parent;
    }
    handlers
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse;

    fn find<'t>(root: Node<'t>, kind: &str) -> Node<'t> {
        let mut stack = vec![root];
        while let Some(node) = stack.pop() {
            if node.kind() == kind {
                return node;
            }
            let mut cursor = node.walk();
            stack.extend(node.named_children(&mut cursor));
        }
        panic!("no {kind}")
    }

    #[test]
    fn with_items_and_handlers() {
        let src = "async def f():\n    try:\n        async with a as b, c:\n            await g()\n    except (A, B):\n        pass\n    except:\n        pass\n";
        let tree = parse(src).unwrap();
        let root = tree.root_node();
        let with = find(root, "with_statement");
        assert!(is_async_with(with));
        let items: Vec<&str> = with_items(with)
            .iter()
            .map(|n| &src[n.byte_range()])
            .collect();
        assert_eq!(items, ["a", "c"]);
        let await_ = find(root, "await");
        let function = find(root, "function_definition");
        let handlers = enclosing_handlers(await_, function);
        assert_eq!(handlers.len(), 2);
        let types: Vec<&str> = except_types(handlers[0])
            .unwrap()
            .iter()
            .map(|n| &src[n.byte_range()])
            .collect();
        assert_eq!(types, ["A", "B"]);
        assert!(except_types(handlers[1]).is_none());
        assert!(inside(await_, "try_statement", function));
        assert!(contains_kind(function, "await"));
        assert_eq!(ancestor(await_, "function_definition"), Some(function));
    }
}

#[cfg(test)]
mod except_as_tests {
    use super::*;
    use crate::parse::parse;

    #[test]
    fn except_with_alias() {
        let src = "try:\n    pass\nexcept requests.RequestException as exc:\n    pass\n";
        let tree = parse(src).unwrap();
        let mut stack = vec![tree.root_node()];
        while let Some(node) = stack.pop() {
            if node.kind() == "except_clause" {
                let types = except_types(node).unwrap();
                let texts: Vec<&str> = types.iter().map(|t| &src[t.byte_range()]).collect();
                assert_eq!(texts, ["requests.RequestException"]);
            }
            let mut cursor = node.walk();
            stack.extend(node.named_children(&mut cursor));
        }
    }
}
