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

/// Parses `new`, the text `old` became through `edits` (ranges of `old` and what replaced them,
/// not overlapping), reusing the parts of `old_tree` the edits left alone: tree-sitter's
/// incremental parsing, which gives the tree a fresh parse of `new` would.
pub fn reparse<'e>(
    old_tree: &Tree,
    old: &str,
    edits: impl IntoIterator<Item = (std::ops::Range<usize>, &'e str)>,
    new: &str,
) -> Option<Tree> {
    let mut edits: Vec<(std::ops::Range<usize>, &str)> = edits.into_iter().collect();
    // Each edit of a tree walks it from the root, along every statement before the edit: past a
    // few edits, parsing afresh (which gives the same tree) costs less.
    if edits.len() > MAX_TREE_EDITS {
        return parse(new);
    }
    edits.sort_by_key(|(range, _)| (range.start, range.end));
    let mut points = Points::new(old);
    let positions: Vec<_> = edits
        .iter()
        .map(|(range, _)| (points.at(range.start), points.at(range.end)))
        .collect();
    let mut tree = old_tree.clone();
    // From the last to the first, so that each edit's offsets still hold in the tree it edits.
    for ((range, text), (start_position, old_end_position)) in edits.iter().zip(positions).rev() {
        let new_end_position = match text.rfind('\n') {
            Some(last) => tree_sitter::Point::new(
                start_position.row + text.matches('\n').count(),
                text.len() - last - 1,
            ),
            None => tree_sitter::Point::new(start_position.row, start_position.column + text.len()),
        };
        tree.edit(&tree_sitter::InputEdit {
            start_byte: range.start,
            old_end_byte: range.end,
            new_end_byte: range.start + text.len(),
            start_position,
            old_end_position,
            new_end_position,
        });
    }
    PARSER.with(|parser| parser.borrow_mut().parse(new, Some(&tree)))
}

/// The most edits a tree is edited with for an incremental parse.
const MAX_TREE_EDITS: usize = 64;

/// The 0-based rows and byte columns of offsets of one text, as tree-sitter counts them. Asked
/// in increasing order, each row is counted on from the previous offset.
pub struct Points<'s> {
    src: &'s [u8],
    offset: usize,
    row: usize,
}

impl<'s> Points<'s> {
    pub fn new(src: &'s str) -> Self {
        Points {
            src: src.as_bytes(),
            offset: 0,
            row: 0,
        }
    }

    pub fn at(&mut self, offset: usize) -> tree_sitter::Point {
        if offset < self.offset {
            (self.offset, self.row) = (0, 0);
        }
        self.row += memchr::memchr_iter(b'\n', &self.src[self.offset..offset]).count();
        self.offset = offset;
        let line_start = memchr::memrchr(b'\n', &self.src[..offset]).map_or(0, |i| i + 1);
        tree_sitter::Point::new(self.row, offset - line_start)
    }
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

/// The first ERROR or MISSING node in source order, looking only into subtrees that hold one.
/// Iterative, so that a deeply nested tree cannot overflow the stack.
fn find_error(root: Node) -> Option<Node> {
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node.is_error() || node.is_missing() {
            return Some(node);
        }
        let mut cursor = node.walk();
        let children: Vec<Node> = node
            .children(&mut cursor)
            .filter(|child| child.has_error())
            .collect();
        stack.extend(children.into_iter().rev());
    }
    None
}

/// 1-based line and character column of a byte offset.
pub fn line_col(src: &str, offset: usize) -> (usize, usize) {
    LineIndex::new(src).line_col(offset)
}

/// Where each line of a text starts, found once, so that the position of each of many offsets
/// costs a binary search rather than a count from the start of the text.
pub struct LineIndex<'s> {
    src: &'s str,
    starts: Vec<usize>,
}

impl<'s> LineIndex<'s> {
    pub fn new(src: &'s str) -> Self {
        let starts = std::iter::once(0)
            .chain(memchr::memchr_iter(b'\n', src.as_bytes()).map(|i| i + 1))
            .collect();
        LineIndex { src, starts }
    }

    /// 1-based line and character column of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let line = self.starts.partition_point(|&s| s <= offset);
        let line_start = self.starts[line - 1];
        let column = self.src[line_start..offset].chars().count() + 1;
        (line, column)
    }
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
    fn reparsing_after_edits_gives_the_tree_of_a_fresh_parse() {
        let old = "import a\n\ndef f(x):\n    return g(x)\n\nvalue = f(1)\n";
        let new = "import a\nimport b\n\ndef f(x, y=2):\n    return await_it(\n        g(x))\n\nvalue = f(1)\n";
        let edits = [
            (9..9, "import b\n"),
            (16..17, "x, y=2"),
            (31..35, "await_it(\n        g(x))"),
        ];
        let mut rebuilt = old.to_string();
        for (range, text) in edits.iter().rev() {
            rebuilt.replace_range(range.clone(), text);
        }
        assert_eq!(rebuilt, new);
        let old_tree = parse(old).unwrap();
        let tree = reparse(&old_tree, old, edits.iter().cloned(), new).unwrap();
        assert_eq!(
            tree.root_node().to_sexp(),
            parse(new).unwrap().root_node().to_sexp()
        );
        let broken = "import a\n\ndef f(x:\n    return g(x)\n\nvalue = f(1)\n";
        let tree = reparse(&old_tree, old, [(16..17, "x:")], broken).unwrap();
        assert!(first_syntax_error(&tree, broken).is_some());
    }

    #[test]
    fn a_whole_reparse_of_a_tree_of_pieces_equals_a_fresh_parse() {
        let src = "import a\n\ndef f():\n    return 1\n\ndef g(:\n    pass\n";
        // Lines 0-1 and 2-4 (the import and `f`), leaving out the broken `g`.
        let piece = |start: usize, end: usize, rows: (usize, usize)| tree_sitter::Range {
            start_byte: start,
            end_byte: end,
            start_point: tree_sitter::Point::new(rows.0, 0),
            end_point: tree_sitter::Point::new(rows.1, 0),
        };
        assert_eq!(&src[33..38], "def g");
        let pieces = parse_ranges(src, &[piece(0, 10, (0, 2)), piece(10, 33, (2, 5))]).unwrap();
        assert!(!pieces.root_node().has_error());
        // No edit: only the change of ranges, from the pieces to the whole text.
        let whole = reparse(&pieces, src, [], src).unwrap();
        assert_eq!(
            whole.root_node().to_sexp(),
            parse(src).unwrap().root_node().to_sexp()
        );
        assert_eq!(first_syntax_error(&whole, src).map(|e| e.line), Some(6));
    }

    #[test]
    fn line_index_positions_match_a_count_from_the_start() {
        let src = "a\n\u{e9}t\u{e9} = 1\r\n\nlast";
        let index = LineIndex::new(src);
        for (offset, _) in src.char_indices().chain([(src.len(), ' ')]) {
            let before = &src[..offset];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().unwrap().chars().count() + 1;
            assert_eq!(index.line_col(offset), (line, column), "at {offset}");
        }
    }

    #[test]
    fn clean_source_has_no_error() {
        let src = "async def f():\n    await g()\n";
        assert_eq!(first_syntax_error(&parse(src).unwrap(), src), None);
    }
}
