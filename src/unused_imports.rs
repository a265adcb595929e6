//! Imports that corral's rewrites left without a use are removed (catalog §S7).
//!
//! A name bound by a module-level import is removed when the original file used it and the
//! rewritten file no longer mentions it anywhere outside its import: not in code, strings,
//! comments or `__all__`. Names the file never used (re-exports, side-effect imports) are kept.

use tree_sitter::Node;

use crate::engine::apply_edits;
use crate::parse::{first_syntax_error, parse};
use crate::rule::Edit;

/// The rewritten text without the imports the rewrite made unused, or `None` when there are none.
/// `original_imports` are the original's module-level import statements, `root` the rewritten
/// text's tree.
pub fn remove_newly_unused(
    original: &str,
    original_imports: &[std::ops::Range<usize>],
    fixed: &str,
    root: Node,
) -> Option<String> {
    let mut edits = Vec::new();
    // Every import statement with the names it binds: `from m.pool import ThreadPool as T`
    // mentions `ThreadPool` without using it.
    let mut cursor = root.walk();
    let imports: Vec<(std::ops::Range<usize>, Vec<&str>)> = root
        .named_children(&mut cursor)
        .filter(|s| matches!(s.kind(), "import_statement" | "import_from_statement"))
        .map(|s| {
            let bound = imported_items(s)
                .iter()
                .map(|(_, name)| &fixed[name.byte_range()])
                .collect();
            (s.byte_range(), bound)
        })
        .collect();
    let mut cursor = root.walk();
    for statement in root.named_children(&mut cursor) {
        let items = match statement.kind() {
            "import_statement" | "import_from_statement" => imported_items(statement),
            _ => continue,
        };
        if items.is_empty() {
            continue;
        }
        let unused: Vec<bool> = items
            .iter()
            .map(|(_, name)| {
                let name = &fixed[name.byte_range()];
                let imports_elsewhere: Vec<std::ops::Range<usize>> = imports
                    .iter()
                    .filter(|(range, bound)| {
                        *range == statement.byte_range() || !bound.contains(&name)
                    })
                    .map(|(range, _)| range.clone())
                    .collect();
                mentions_outside(fixed, name, &imports_elsewhere) == 0
                    && mentions_outside(original, name, original_imports) > 0
            })
            .collect();
        if !unused.iter().any(|u| *u) {
            continue;
        }
        let kept: Vec<&str> = items
            .iter()
            .zip(&unused)
            .filter(|(_, unused)| !**unused)
            .map(|((item, _), _)| &fixed[item.byte_range()])
            .collect();
        // An import laid out one name per line loses the lines of the names it drops, so that
        // its layout stays what the formatter made it.
        let own_lines: Option<Vec<Edit>> = items
            .iter()
            .zip(&unused)
            .filter(|(_, unused)| **unused)
            .map(|((item, _), _)| item_line(fixed, *item))
            .collect();
        if !kept.is_empty() && fixed[statement.byte_range()].contains('\n') {
            if let Some(lines) = own_lines {
                edits.extend(lines);
                continue;
            }
        }
        edits.push(if kept.is_empty() {
            if shares_its_lines(fixed, statement) {
                // `x = 1; import requests`: removing the lines would take `x = 1` along.
                continue;
            }
            remove_lines(fixed, statement)
        } else {
            let text = match statement.kind() {
                "import_from_statement" => {
                    let module = statement.child_by_field_name("module_name")?;
                    format!(
                        "from {} import {}",
                        &fixed[module.byte_range()],
                        kept.join(", ")
                    )
                }
                _ => format!("import {}", kept.join(", ")),
            };
            Edit::replace(statement, text)
        });
    }
    if edits.is_empty() {
        return None;
    }
    let cleaned = apply_edits(fixed, &edits);
    let tree = parse(&cleaned)?;
    first_syntax_error(&tree, &cleaned)
        .is_none()
        .then_some(cleaned)
}

/// Removing the line an imported item stands on alone (with its comma).
fn item_line(text: &str, item: Node) -> Option<Edit> {
    let start = text[..item.start_byte()].rfind('\n').map_or(0, |i| i + 1);
    let end = text[item.end_byte()..]
        .find('\n')
        .map_or(text.len(), |i| item.end_byte() + i + 1);
    let before = &text[start..item.start_byte()];
    let after = text[item.end_byte()..end].trim_end_matches(['\n', '\r']);
    let alone = before.trim().is_empty() && matches!(after.trim(), "," | "");
    alone.then(|| Edit {
        range: start..end,
        text: String::new(),
    })
}

/// Each imported item of a statement and the name it binds: `a.b` binds `a`, `x as y` binds `y`.
fn imported_items(statement: Node) -> Vec<(Node, Node)> {
    let mut items = Vec::new();
    let mut cursor = statement.walk();
    for item in statement.children_by_field_name("name", &mut cursor) {
        let bound = match item.kind() {
            "aliased_import" => item.child_by_field_name("alias"),
            "dotted_name" if statement.kind() == "import_statement" => item.named_child(0),
            "dotted_name" => item.named_child(item.named_child_count().saturating_sub(1)),
            _ => None,
        };
        if let Some(bound) = bound {
            items.push((item, bound));
        }
    }
    items
}

/// The byte ranges of a module's import statements.
pub fn import_ranges(root: Node) -> Vec<std::ops::Range<usize>> {
    let mut cursor = root.walk();
    let ranges = root
        .named_children(&mut cursor)
        .filter(|s| matches!(s.kind(), "import_statement" | "import_from_statement"))
        .map(|s| s.byte_range())
        .collect();
    ranges
}

/// How often `name` occurs as a whole word in `text` outside `skip`.
fn mentions_outside(text: &str, name: &str, skip: &[std::ops::Range<usize>]) -> usize {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(name)
        .filter(|(at, _)| {
            let before = text[..*at].chars().next_back();
            let after = text[at + name.len()..].chars().next();
            !before.is_some_and(is_word)
                && !after.is_some_and(is_word)
                && !skip.iter().any(|r| r.contains(at))
        })
        .count()
}

/// An edit deleting a statement's lines, and one blank line after it when it stood between two.
/// Whether code other than `statement` (and a trailing comment) stands on its lines.
fn shares_its_lines(text: &str, statement: Node) -> bool {
    let start = text[..statement.start_byte()]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let end = text[statement.end_byte()..]
        .find('\n')
        .map_or(text.len(), |i| statement.end_byte() + i);
    let after = text[statement.end_byte()..end].trim_start();
    !text[start..statement.start_byte()].trim().is_empty()
        || !(after.is_empty() || after.starts_with('#'))
}

fn remove_lines(text: &str, statement: Node) -> Edit {
    let start = text[..statement.start_byte()]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let mut end = text[statement.end_byte()..]
        .find('\n')
        .map_or(text.len(), |i| statement.end_byte() + i + 1);
    let blank_before = start == 0 || text[..start.saturating_sub(1)].ends_with('\n');
    let next_line_end = text[end..].find('\n').map(|i| end + i + 1);
    if let Some(next) = next_line_end {
        if blank_before && text[end..next].trim().is_empty() {
            end = next;
        }
    }
    Edit {
        range: start..end,
        text: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn remove(original: &str, fixed: &str) -> Option<String> {
        let before = parse(original).unwrap();
        let after = parse(fixed).unwrap();
        remove_newly_unused(
            original,
            &import_ranges(before.root_node()),
            fixed,
            after.root_node(),
        )
    }

    #[test]
    fn removes_only_what_the_rewrite_left_unused() {
        let original = "import os\nfrom concurrent.futures import ThreadPoolExecutor, wait\n\nimport requests\n\n\ndef f(urls):\n    with ThreadPoolExecutor() as p:\n        return requests.get(os.sep), wait\n";
        let fixed = "import os\nfrom concurrent.futures import ThreadPoolExecutor, wait\n\nimport requests\n\n\ndef f(urls):\n    return os.sep, wait\n";
        assert_eq!(
            remove(original, fixed).unwrap(),
            "import os\nfrom concurrent.futures import wait\n\n\ndef f(urls):\n    return os.sep, wait\n"
        );
    }

    #[test]
    fn a_parenthesized_import_keeps_its_layout() {
        assert_eq!(
            remove(
                "from asyncio import (\n    Task,\n    wait_for,\n)\n\nasync def f(t: Task, c):\n    return await wait_for(c, 1)\n",
                "from asyncio import (\n    Task,\n    wait_for,\n)\n\nasync def f(t: Task, c):\n    return await c\n",
            )
            .as_deref(),
            Some("from asyncio import (\n    Task,\n)\n\nasync def f(t: Task, c):\n    return await c\n")
        );
    }

    #[test]
    fn never_takes_other_statements_on_the_line_along() {
        let original = "x = 1; import requests\nimport json; requests.get('u')\n";
        let fixed = "x = 1; import requests\nimport json; print()\n";
        // `requests` is no longer used, but its line holds `x = 1` too; `json` never was used.
        assert_eq!(remove(original, fixed), None);
    }

    #[test]
    fn keeps_names_never_used_and_names_still_mentioned() {
        let original = "import json  # re-exported\nimport requests\n__all__ = ['requests']\nrequests.get('x')\n";
        let fixed = "import json  # re-exported\nimport requests\n__all__ = ['requests']\n";
        assert_eq!(remove(original, fixed), None);
    }
}
