//! `# corral: ignore[<id>, ...]` comments.
//!
//! On a line, the comment silences those transforms for findings that start or end on that line.
//! Standing alone on a line before the module's first statement, it silences them in the whole
//! file. `# corral: ignore` without a list silences every transform.

use std::cell::Cell;

use tree_sitter::{Node, Tree};

use crate::registry;

pub const MARKER: &str = "corral:";

#[derive(Debug)]
pub struct Suppression {
    /// 1-based line of the comment.
    pub line: usize,
    pub column: usize,
    pub file_level: bool,
    /// Transform names; `None` silences all.
    rules: Option<Vec<&'static str>>,
    /// Names in the list that are not transforms.
    pub unknown: Vec<String>,
    pub text: String,
    used: Cell<bool>,
}

impl Suppression {
    pub fn used(&self) -> bool {
        self.used.get()
    }

    /// Whether every transform this comment names ran, so that its silence means something.
    pub fn named_rules_ran(&self, ran: &[&'static crate::rule::Rule]) -> bool {
        match &self.rules {
            None => true,
            Some(names) => names.iter().all(|n| ran.iter().any(|r| r.id == *n)),
        }
    }

    fn covers(&self, rule: &str, start_line: usize, end_line: usize) -> bool {
        let here = self.file_level || self.line == start_line || self.line == end_line;
        here && self.rules.as_ref().is_none_or(|r| r.contains(&rule))
    }
}

/// Every suppression comment of a file.
pub fn collect(tree: &Tree, src: &str) -> Vec<Suppression> {
    if !src.contains(MARKER) {
        return Vec::new();
    }
    let root = tree.root_node();
    let first_statement = {
        let mut cursor = root.walk();
        let first = root
            .named_children(&mut cursor)
            .find(|n| n.kind() != "comment")
            .map_or(src.len(), |n| n.start_byte());
        first
    };
    let mut found = Vec::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node.kind() == "comment" {
            if let Some(s) = parse(node, src, first_statement) {
                found.push(s);
            }
            continue;
        }
        if !src[node.byte_range()].contains(MARKER) {
            continue;
        }
        let mut cursor = node.walk();
        stack.extend(node.children(&mut cursor));
    }
    found.sort_by_key(|s| (s.line, s.column));
    found
}

fn parse(comment: Node, src: &str, first_statement: usize) -> Option<Suppression> {
    let text = &src[comment.byte_range()];
    let body = text.trim_start_matches('#').trim_start();
    let rest = body.strip_prefix(MARKER)?.trim_start();
    let rest = rest.strip_prefix("ignore")?;
    let (rules, unknown) = match rest.trim_start().strip_prefix('[') {
        Some(list) => {
            let list = list.split(']').next().unwrap_or_default();
            let mut rules = Vec::new();
            let mut unknown = Vec::new();
            for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                match registry::find(name) {
                    Some(rule) => rules.push(rule.id),
                    None => unknown.push(name.to_string()),
                }
            }
            (Some(rules), unknown)
        }
        None if rest.trim().is_empty() || rest.starts_with(char::is_whitespace) => {
            (None, Vec::new())
        }
        None => return None,
    };
    let line_start = src[..comment.start_byte()].rfind('\n').map_or(0, |i| i + 1);
    let alone = src[line_start..comment.start_byte()].trim().is_empty();
    Some(Suppression {
        line: comment.start_position().row + 1,
        column: comment.start_position().column + 1,
        file_level: alone && comment.start_byte() < first_statement,
        rules,
        unknown,
        text: text.to_string(),
        used: Cell::new(false),
    })
}

/// Whether a finding of `rule` spanning `start_line..=end_line` is silenced; marks the
/// suppression used.
pub fn is_suppressed(
    suppressions: &[Suppression],
    rule: &str,
    start_line: usize,
    end_line: usize,
) -> bool {
    let mut silenced = false;
    for s in suppressions
        .iter()
        .filter(|s| s.covers(rule, start_line, end_line))
    {
        s.used.set(true);
        silenced = true;
    }
    silenced
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse as parse_tree;

    #[test]
    fn line_and_file_level_comments() {
        let src = "# corral: ignore[missing-timeout]\nimport requests\nx = 1  # corral: ignore[CONC101, nope]\ny = 2  # corral: ignore\n# corral: ignore[unbounded-gather]\nz = 3\ns = '# corral: ignore'\n";
        let tree = parse_tree(src).unwrap();
        let found = collect(&tree, src);
        assert_eq!(found.len(), 4, "{found:?}");
        assert!(found[0].file_level);
        assert!(is_suppressed(&found, "missing-timeout", 40, 40));
        assert!(is_suppressed(&found, "unbounded-gather", 3, 3));
        assert_eq!(found[1].unknown, vec!["nope".to_string()]);
        assert!(is_suppressed(&found, "legacy-wait-for", 4, 4));
        assert!(!is_suppressed(&found, "legacy-wait-for", 3, 3));
        assert!(
            !found[3].file_level,
            "a comment after the first statement is not file level"
        );
        assert!(!found[3].used());
    }
}
