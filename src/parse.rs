//! Parsing with one tree-sitter parser per thread, and the "does it parse cleanly" check.

use std::cell::RefCell;

use tree_sitter::{Node, Parser, Tree};

thread_local! {
    static PARSER: RefCell<Parser> = RefCell::new({
        let mut parser = Parser::new();
        parser
            .set_language(&tree_sitter_python::LANGUAGE.into())
            .expect("the bundled grammar matches the tree-sitter runtime");
        parser
    });
}

/// Parses `src`; `None` only if tree-sitter gives up entirely (it normally returns a tree with
/// ERROR nodes instead).
pub fn parse(src: &str) -> Option<Tree> {
    PARSER.with(|parser| parser.borrow_mut().parse(src, None))
}

/// Parses only `ranges` of `src` (tree-sitter's included ranges): nodes keep their offsets in the
/// whole text.
pub fn parse_ranges(src: &str, ranges: &[tree_sitter::Range]) -> Option<Tree> {
    PARSER.with(|parser| {
        let mut parser = parser.borrow_mut();
        parser.set_included_ranges(ranges).ok()?;
        let tree = parser.parse(src, None);
        parser
            .set_included_ranges(&[])
            .expect("the whole text is a valid range");
        tree
    })
}

/// Where a tree first fails to parse cleanly: the first ERROR or MISSING node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    pub missing: Option<String>,
}

impl std::fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.missing {
            Some(what) => write!(
                f,
                "syntax error at {}:{} (missing `{what}`)",
                self.line, self.column
            ),
            None => write!(
                f,
                "syntax error at {}:{} (or syntax newer than tree-sitter-python 0.25 parses)",
                self.line, self.column
            ),
        }
    }
}

pub fn first_syntax_error(tree: &Tree, src: &str) -> Option<SyntaxError> {
    let root = tree.root_node();
    if !root.has_error() {
        return None;
    }
    let node = find_error(root).unwrap_or(root);
    let (line, column) = line_col(src, node.start_byte());
    Some(SyntaxError {
        line,
        column,
        missing: node.is_missing().then(|| node.kind().to_string()),
    })
}

fn find_error(node: Node) -> Option<Node> {
    if node.is_error() || node.is_missing() {
        return Some(node);
    }
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        if child.has_error() {
            if let Some(found) = find_error(child) {
                return Some(found);
            }
        }
    }
    None
}

/// 1-based line and character column of a byte offset.
pub fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let before = &src[..offset];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_first_error_position() {
        let src = "x = 1\ndef f(:\n    pass\n";
        let tree = parse(src).unwrap();
        let err = first_syntax_error(&tree, src).unwrap();
        assert_eq!(err.line, 2);
    }

    #[test]
    fn clean_source_has_no_error() {
        let src = "async def f():\n    await g()\n";
        assert_eq!(first_syntax_error(&parse(src).unwrap(), src), None);
    }
}
