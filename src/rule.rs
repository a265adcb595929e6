//! What a transform is to the engine: a check that turns a parsed file into findings, each with an
//! optional fix made of byte-range edits plus the imports and module-level statements it needs.

use std::ops::Range;

use tree_sitter::{Node, Tree};

use crate::semantic::Semantic;
use crate::settings::Settings;

/// A transform, as registered in `registry.rs`. Its code lives in `transforms/<id>/`.
pub struct Rule {
    /// The user-facing name: `unbounded-gather`.
    pub id: &'static str,
    /// The catalog code: `CONC101`.
    pub code: &'static str,
    /// One line for `corral rules`.
    pub summary: &'static str,
    /// Why the transform runs only when selected by name (`--select`, `--extend-select`), as
    /// ruff's preview rules do: `None` for a transform that is on by default. A transform is on
    /// by default only when it is right at least 90% of the time on the labelled corpus sample.
    pub opt_in: Option<&'static str>,
    /// The documentation `corral explain` prints (What it does / Why is this bad / Example /
    /// Use instead / Fix safety).
    pub doc: &'static str,
    /// Words a file must contain for this transform to find anything in it. The file walker
    /// skips parsing files that contain none of the selected transforms' words.
    pub triggers: &'static [&'static str],
    /// Words one of which a file must also hold, whatever trigger word it has: what every
    /// finding needs (empty: nothing more).
    pub requires: &'static [&'static str],
    /// Which parts of a file the check needs, so that the rest need not be parsed.
    pub reads: Reads,
    pub check: fn(&Context) -> Vec<Finding>,
}

/// The parts of a file a check reads (see `regions.rs`, which also adds what those parts depend
/// on: imports, the module-level statements binding names they use, `__init__`, and so on).
#[derive(Debug, Clone, Copy)]
pub enum Reads {
    /// The whole file: the check follows names into other definitions in ways the region
    /// selection does not model.
    Everything,
    /// Only the definitions that call one of its API names: every finding lies in such a
    /// definition.
    Calls {
        /// Names called as functions, `name(...)` or `module.name(...)`: the name itself or the
        /// chain's first name must be bound by an import (an alias of the name counts too).
        functions: &'static [&'static str],
        /// Names that matter only as methods of a name or of `self.name` (`client.get(...)`),
        /// each with the words one of which the file must hold for such a receiver to have an
        /// origin the check follows: the class that made it, or the method that returned it.
        methods: &'static [(&'static str, &'static [&'static str])],
        /// Also the definitions those call by name (the check looks into its callees).
        callees: bool,
        /// Also the definitions that call an `async def` it reads (the check looks at callers).
        callers: bool,
        /// Keywords that, given a value other than `None` in a call, leave the check nothing
        /// to find in it (`timeout` for missing-timeout): such a call alone is not read.
        settled_by: &'static [&'static str],
    },
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id)
    }
}

/// Everything a check may look at for one file. It knows nothing of paths, threads or output.
pub struct Context<'a, 't> {
    pub src: &'t str,
    pub tree: &'t Tree,
    pub semantic: &'a Semantic<'t>,
    pub settings: &'a Settings,
    /// Query results of this pass, shared by transforms whose queries are the same text.
    pub queries: &'a QueryCache<'t>,
}

/// Matches of each query text over one tree, so that a query several transforms share runs once.
#[derive(Default)]
pub struct QueryCache<'t> {
    results: std::cell::RefCell<
        std::collections::HashMap<&'static str, std::rc::Rc<Vec<Captures<'static, 't>>>>,
    >,
    /// The byte ranges outside which no match can matter, when known: queries run only there
    /// (see `regions.rs`).
    focus: Option<Vec<std::ops::Range<usize>>>,
}

impl QueryCache<'_> {
    /// A cache whose queries run only within `focus`.
    pub fn within(focus: Vec<std::ops::Range<usize>>) -> Self {
        QueryCache {
            results: Default::default(),
            focus: Some(focus),
        }
    }
}

impl<'t> Context<'_, 't> {
    pub fn text(&self, node: Node) -> &'t str {
        &self.src[node.byte_range()]
    }

    pub fn text_range(&self, range: std::ops::Range<usize>) -> &'t str {
        &self.src[range]
    }

    /// The whitespace that starts the line holding `offset`.
    pub fn line_indent(&self, offset: usize) -> &'t str {
        let start = self.line_start(offset);
        let rest = &self.src[start..];
        let width = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        &rest[..width]
    }

    pub fn line_start(&self, offset: usize) -> usize {
        self.src[..offset].rfind('\n').map_or(0, |i| i + 1)
    }

    /// Where the line holding `offset` ends: just after its newline, or the end of the file.
    pub fn line_end(&self, offset: usize) -> usize {
        self.src[offset..]
            .find('\n')
            .map_or(self.src.len(), |i| offset + i + 1)
    }

    /// The whole lines a node stands on.
    pub fn node_lines(&self, node: Node<'t>) -> std::ops::Range<usize> {
        self.line_start(node.start_byte())..self.line_end(node.end_byte())
    }

    /// Whether only whitespace precedes `offset` on its line.
    pub fn starts_line(&self, offset: usize) -> bool {
        self.src[self.line_start(offset)..offset]
            .chars()
            .all(|c| c == ' ' || c == '\t')
    }

    /// The file's unit of indentation as seen in a block: the block's indent minus its owner's.
    pub fn indent_unit(&self, owner: Node, block: Node) -> String {
        let outer = self.line_indent(owner.start_byte());
        let inner = self.line_indent(block.start_byte());
        match inner.strip_prefix(outer) {
            Some(unit) if !unit.is_empty() && self.starts_line(block.start_byte()) => {
                unit.to_string()
            }
            _ => "    ".to_string(),
        }
    }
}

/// Helpers for rewrites that many transforms share.
impl<'t> Context<'_, 't> {
    /// A module-level constant `base = value`: an existing single `base = value` at module level
    /// is reused; otherwise a collision-free name is chosen and the statement to add is returned.
    pub fn module_constant(
        &self,
        base: &str,
        value: &str,
        comment: &str,
        at: Node<'t>,
    ) -> (String, Vec<String>) {
        let sem = self.semantic;
        let existing = sem.module_bindings(base);
        let reusable = matches!(existing, [only] if only.kind == crate::semantic::BindingKind::Assignment
            && only.node.child_by_field_name("right").is_some_and(|v| self.text(v) == value)
            && sem.lookup(base, at).map(<[_]>::as_ptr) == Some(existing.as_ptr()));
        if reusable {
            return (base.to_string(), Vec::new());
        }
        let name = sem.fresh_name(base);
        let line = format!("{name} = {value}  # {comment}");
        // The comment goes when it would push the line past the formatter's length.
        let statement = if line.chars().count() <= self.settings.line_length {
            line
        } else {
            format!("{name} = {value}")
        };
        (name.clone(), vec![statement])
    }

    /// The constant every deadline transform uses for `--timeout`: one name per module.
    pub fn timeout_constant(&self, at: Node<'t>) -> (String, Vec<String>) {
        self.module_constant(
            "TIMEOUT_SECONDS",
            &seconds(self.settings.timeout),
            "corral: seconds a network call may wait; from --timeout",
            at,
        )
    }

    /// The constant waits on futures, queues and pools get, from `--wait-timeout`.
    pub fn wait_timeout_constant(&self, seconds: f64, at: Node<'t>) -> (String, Vec<String>) {
        self.module_constant(
            "WAIT_TIMEOUT_SECONDS",
            &crate::rule::seconds(seconds),
            "corral: seconds a wait may block; from --wait-timeout",
            at,
        )
    }

    /// The constant subprocess waits get, from `--subprocess-timeout`.
    pub fn subprocess_timeout_constant(&self, seconds: f64, at: Node<'t>) -> (String, Vec<String>) {
        self.module_constant(
            "SUBPROCESS_TIMEOUT_SECONDS",
            &crate::rule::seconds(seconds),
            "corral: seconds a child process may run",
            at,
        )
    }

    /// The constant every fan-out transform bounds concurrency with, from `--max-concurrency`.
    pub fn limit_constant(&self, at: Node<'t>) -> (String, Vec<String>) {
        self.module_constant(
            "MAX_CONCURRENCY",
            &self.settings.max_concurrency.to_string(),
            "corral: most calls a fan-out runs at once",
            at,
        )
    }

    /// The `keyword_argument` named `name` in a call, if any.
    pub fn keyword(&self, call: Node<'t>, name: &str) -> Option<Node<'t>> {
        let args = call.child_by_field_name("arguments")?;
        let mut cursor = args.walk();
        let found = args.named_children(&mut cursor).find(|a| {
            a.kind() == "keyword_argument"
                && a.child_by_field_name("name")
                    .is_some_and(|n| self.text(n) == name)
        });
        found
    }

    /// A call's arguments, without comments, split into positional and keyword ones.
    pub fn split_arguments(&self, call: Node<'t>) -> (Vec<Node<'t>>, Vec<Node<'t>>) {
        let Some(args) = call.child_by_field_name("arguments") else {
            return (Vec::new(), Vec::new());
        };
        let mut cursor = args.walk();
        args.named_children(&mut cursor)
            .filter(|a| a.kind() != "comment")
            .partition(|a| a.kind() != "keyword_argument")
    }

    /// The lines of a compound statement's block, from the line after its header (so comments
    /// above the first statement come along) to the end of its last line.
    pub fn block_lines(&self, block: Node<'t>) -> std::ops::Range<usize> {
        let header = block.parent().unwrap_or(block);
        // The header ends with the `:` before the block, perhaps lines below its start when it
        // is continued (`for x in \` / `items:`).
        let mut cursor = header.walk();
        let colon = header
            .children(&mut cursor)
            .filter(|c| c.kind() == ":" && c.end_byte() <= block.start_byte())
            .last();
        let header_end = colon.map_or(header.start_byte(), |c| c.start_byte());
        let start = self
            .line_end(header_end)
            .min(self.line_start(block.start_byte()));
        start..self.line_end(block.end_byte())
    }

    /// The text of `range` with `edits` (given against the whole file) applied.
    pub fn rewrite_range(&self, range: std::ops::Range<usize>, edits: &[Edit]) -> String {
        let local: Vec<Edit> = edits
            .iter()
            .map(|e| Edit {
                range: e.range.start - range.start..e.range.end - range.start,
                text: e.text.clone(),
            })
            .collect();
        crate::engine::apply_edits(&self.src[range], &local)
    }

    /// How many plain positional arguments a call has, and whether it has `*args` / `**kwargs`.
    pub fn arguments_shape(&self, call: Node<'t>) -> ArgumentsShape {
        let mut shape = ArgumentsShape::default();
        let Some(args) = call.child_by_field_name("arguments") else {
            return shape;
        };
        if args.kind() == "generator_expression" {
            shape.positional = 1;
            return shape;
        }
        let mut cursor = args.walk();
        for arg in args.named_children(&mut cursor) {
            match arg.kind() {
                "keyword_argument" | "comment" => {}
                "list_splat" => shape.star_args = true,
                "dictionary_splat" => shape.star_kwargs = true,
                _ => shape.positional += 1,
            }
        }
        shape
    }

    /// Edits that add `name=value` as the call's last argument. In a call laid out one argument
    /// per line, the new argument gets a line of its own.
    pub fn add_keyword(&self, call: Node<'t>, name: &str, value: &str) -> Option<Vec<Edit>> {
        let args = call.child_by_field_name("arguments")?;
        if args.kind() != "argument_list" {
            return None;
        }
        let mut cursor = args.walk();
        let last = args
            .named_children(&mut cursor)
            .filter(|a| a.kind() != "comment")
            .last();
        let Some(last) = last else {
            return Some(vec![Edit::insert(
                args.start_byte() + 1,
                format!("{name}={value}"),
            )]);
        };
        let close = args.end_byte() - 1;
        let one_per_line = self.starts_line(last.start_byte())
            && args.end_position().row > last.end_position().row;
        if !one_per_line {
            return Some(vec![Edit::insert(
                last.end_byte(),
                format!(", {name}={value}"),
            )]);
        }
        let after = last.end_byte();
        let rest = &self.src[after..close];
        let has_comma = rest.trim_start_matches([' ', '\t']).starts_with(',');
        let line_end = after + rest.find('\n').unwrap_or(rest.len());
        let line_end = if self.src[..line_end].ends_with('\r') {
            line_end - 1
        } else {
            line_end
        };
        let indent = self.line_indent(last.start_byte());
        let mut edits = Vec::new();
        if !has_comma {
            edits.push(Edit::insert(after, ","));
        }
        edits.push(Edit::insert(line_end, format!("\n{indent}{name}={value},")));
        Some(edits)
    }

    /// Edits that indent every line from `start` (a line start) up to `end` by `unit`, leaving
    /// blank lines and the inside of multi-line strings alone (catalog §S8).
    pub fn indent_lines(&self, start: usize, end: usize, unit: &str) -> Vec<Edit> {
        let mut protected: Vec<std::ops::Range<usize>> = Vec::new();
        // Only the strings in the smallest node holding the lines, or around it, can hold
        // them: not every statement of the file, once per fix.
        let root = self.tree.root_node();
        // The code on the lines, without the whitespace around it that no node holds.
        let text = &self.src.as_bytes()[start..end];
        let first = text.iter().position(|c| !c.is_ascii_whitespace());
        let last = text.iter().rposition(|c| !c.is_ascii_whitespace());
        let cover = match (first, last) {
            (Some(first), Some(last)) => root
                .descendant_for_byte_range(start + first, start + last + 1)
                .unwrap_or(root),
            _ => root,
        };
        // A block or a statement is never inside a string; anything else may be.
        let kind = cover.kind();
        let in_code = matches!(kind, "module" | "block")
            || kind.ends_with("_statement")
            || kind.ends_with("definition");
        let mut around = if in_code { None } else { cover.parent() };
        while let Some(node) = around {
            if node.kind() == "string" && node.start_position().row != node.end_position().row {
                protected.push(node.start_byte() + 1..node.end_byte());
            }
            around = node.parent();
        }
        let mut stack = vec![cover];
        while let Some(node) = stack.pop() {
            if node.end_byte() <= start || node.start_byte() >= end {
                continue;
            }
            if node.kind() == "string" && node.start_position().row != node.end_position().row {
                protected.push(node.start_byte() + 1..node.end_byte());
                continue;
            }
            let mut cursor = node.walk();
            stack.extend(node.children(&mut cursor));
        }
        let mut edits = Vec::new();
        let mut line = start;
        while line < end {
            let next = self.src[line..]
                .find('\n')
                .map_or(self.src.len(), |i| line + i + 1);
            let blank = self.src[line..next].trim().is_empty();
            if !blank && !protected.iter().any(|r| r.contains(&line)) {
                edits.push(Edit::insert(line, unit));
            }
            line = next;
        }
        edits
    }
}

/// `text` with each non-blank line's leading `old` indentation replaced by `new`; a line that does
/// not start with `old` (inside a multi-line string, say) is kept as it is.
pub fn reindent(text: &str, old: &str, new: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        match line.strip_prefix(old) {
            Some(rest) if !line.trim().is_empty() => {
                out.push_str(new);
                out.push_str(rest);
            }
            _ => out.push_str(line),
        }
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// The positional and splatted arguments of a call.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ArgumentsShape {
    pub positional: usize,
    pub star_args: bool,
    pub star_kwargs: bool,
}

/// Seconds as a Python literal: `10`, `2.5`.
pub fn seconds(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}

/// One place a transform has something to say about.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: &'static Rule,
    pub range: Range<usize>,
    pub message: String,
    /// `None` for a report-only finding: it is never applied.
    pub fix: Option<Fix>,
}

/// A rewrite: edits that must be applied together, and what it needs at module level.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fix {
    pub edits: Vec<Edit>,
    /// Modules to `import` (`asyncio`), added once per file among the existing imports.
    pub imports: Vec<String>,
    /// Statements to place once after the imports, such as a named constant.
    pub module_statements: Vec<String>,
    /// The observable behaviour the rewrite changes, one sentence each.
    pub changes: Vec<String>,
}

/// Replace `range` of the source with `text`; text uses `\n` and is converted to the file's newlines.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Edit {
    pub range: Range<usize>,
    pub text: String,
}

impl Edit {
    pub fn replace(node: Node, text: impl Into<String>) -> Edit {
        Edit {
            range: node.byte_range(),
            text: text.into(),
        }
    }

    pub fn insert(at: usize, text: impl Into<String>) -> Edit {
        Edit {
            range: at..at,
            text: text.into(),
        }
    }
}

impl Fix {
    /// The span the fix touches, used to keep overlapping fixes out of one pass.
    pub fn span(&self) -> Range<usize> {
        let start = self.edits.iter().map(|e| e.range.start).min().unwrap_or(0);
        let end = self.edits.iter().map(|e| e.range.end).max().unwrap_or(0);
        start..end
    }
}

/// A compiled transform query, built once on first use; transforms whose queries are the same
/// text share one compiled query.
pub struct LazyQuery {
    source: &'static str,
    cell: std::sync::OnceLock<&'static tree_sitter::Query>,
}

impl LazyQuery {
    pub const fn new(source: &'static str) -> LazyQuery {
        LazyQuery {
            source,
            cell: std::sync::OnceLock::new(),
        }
    }

    pub fn get(&self) -> &'static tree_sitter::Query {
        type Compiled = std::collections::HashMap<&'static str, &'static tree_sitter::Query>;
        static COMPILED: std::sync::LazyLock<std::sync::Mutex<Compiled>> =
            std::sync::LazyLock::new(Default::default);
        self.cell.get_or_init(|| {
            let mut compiled = COMPILED.lock().expect("not poisoned");
            compiled.entry(self.source).or_insert_with(|| {
                let query =
                    tree_sitter::Query::new(&tree_sitter_python::LANGUAGE.into(), self.source)
                        .unwrap_or_else(|e| panic!("a transform's query does not compile: {e}"));
                // Lives as long as the program, as the transforms do.
                Box::leak(Box::new(query))
            })
        })
    }

    /// Every match over the whole file, each as its named captures.
    pub fn matches<'t>(
        &'static self,
        ctx: &Context<'_, 't>,
    ) -> std::rc::Rc<Vec<Captures<'static, 't>>> {
        if let Some(found) = ctx.queries.results.borrow().get(self.source) {
            return found.clone();
        }
        let found = std::rc::Rc::new(self.run(ctx));
        ctx.queries
            .results
            .borrow_mut()
            .insert(self.source, found.clone());
        found
    }

    fn run<'t>(&'static self, ctx: &Context<'_, 't>) -> Vec<Captures<'static, 't>> {
        use tree_sitter::StreamingIterator;
        let query = self.get();
        let mut cursor = tree_sitter::QueryCursor::new();
        let root = ctx.tree.root_node();
        let everything = 0..ctx.src.len();
        let ranges = ctx
            .queries
            .focus
            .as_deref()
            .unwrap_or(std::slice::from_ref(&everything));
        // From the root, the cursor steps over every statement before a range to reach it:
        // for many ranges, quadratic. Then each range starts at the statements it overlaps,
        // found by binary search, which gives the same matches when no pattern is rooted at a
        // node above a statement.
        let mut statements = (ranges.len() > FEW_RANGES
            && starts_at_statements(query, self.source))
        .then(|| Statements::of(root));
        let mut out = Vec::new();
        for range in ranges {
            cursor.set_byte_range(range.clone());
            let starts = match &mut statements {
                Some(statements) => statements.overlapping(range),
                None => vec![root],
            };
            for start in starts {
                let mut matches = cursor.matches(query, start, ctx.src.as_bytes());
                while let Some(m) = matches.next() {
                    out.push(Captures {
                        nodes: m
                            .captures
                            .iter()
                            .map(|c| (query.capture_names()[c.index as usize], c.node))
                            .collect(),
                    });
                }
            }
        }
        out
    }
}

/// Up to how many ranges a query runs from the root for each.
const FEW_RANGES: usize = 16;

/// Whether no pattern of `query` (compiled from `source`) can match a node above a statement
/// (the module, a block, a class), so that running it from the statements a range overlaps
/// finds all it would find from the root.
fn starts_at_statements(query: &tree_sitter::Query, source: &str) -> bool {
    const ABOVE: &[&str] = &[
        "module",
        "block",
        "class_definition",
        "decorated_definition",
        "_",
    ];
    (0..query.pattern_count()).all(|i| {
        let pattern = source
            .get(query.start_byte_for_pattern(i)..query.end_byte_for_pattern(i))
            .unwrap_or("");
        let Some(rest) = pattern.trim_start().strip_prefix('(') else {
            return false; // an alternation or a wildcard: could be anything
        };
        let root: String = rest
            .trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        !root.is_empty() && !ABOVE.contains(&root.as_str())
    })
}

/// The statements of a tree a range can overlap: the module's, and those of a class body when
/// the range lies within it (a member read alone).
struct Statements<'t> {
    top: Vec<Node<'t>>,
    bodies: std::collections::HashMap<usize, Vec<Node<'t>>>,
}

impl<'t> Statements<'t> {
    fn of(root: Node<'t>) -> Self {
        let mut cursor = root.walk();
        Statements {
            top: root.children(&mut cursor).collect(),
            bodies: Default::default(),
        }
    }

    fn overlapping(&mut self, range: &std::ops::Range<usize>) -> Vec<Node<'t>> {
        let mut found = Vec::new();
        for node in overlapping(&self.top, range) {
            let class = if node.kind() == "decorated_definition" {
                node.child_by_field_name("definition")
            } else {
                Some(node)
            };
            let body = class
                .filter(|c| c.kind() == "class_definition")
                .and_then(|c| c.child_by_field_name("body"))
                .filter(|b| b.start_byte() <= range.start && range.end <= b.end_byte());
            match body {
                Some(body) => {
                    let members = self.bodies.entry(body.id()).or_insert_with(|| {
                        let mut cursor = body.walk();
                        body.children(&mut cursor).collect()
                    });
                    found.extend(overlapping(members, range));
                }
                None => found.push(node),
            }
        }
        found
    }
}

/// The nodes of `nodes` (in order, disjoint) that overlap `range` as a query cursor's byte range
/// counts it.
fn overlapping<'t>(nodes: &[Node<'t>], range: &std::ops::Range<usize>) -> Vec<Node<'t>> {
    let first = nodes.partition_point(|n| n.end_byte() <= range.start);
    nodes[first..]
        .iter()
        .take_while(|n| n.start_byte() < range.end)
        .copied()
        .collect()
}

/// The named captures of one query match.
pub struct Captures<'q, 't> {
    nodes: Vec<(&'q str, Node<'t>)>,
}

impl<'t> Captures<'_, 't> {
    pub fn get(&self, name: &str) -> Option<Node<'t>> {
        self.nodes
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, node)| *node)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_rooted_at_statements_or_below_can_start_there() {
        let language = tree_sitter_python::LANGUAGE.into();
        let compiled = |source: &str| tree_sitter::Query::new(&language, source).unwrap();
        let local = "(call function: (identifier) @f)\n\n(function_definition) @def";
        assert!(starts_at_statements(&compiled(local), local));
        for above in [
            "(call) @c\n(class_definition body: (block) @b)",
            "(module (expression_statement) @s)",
            "(_ (call) @c)",
            "[(call) (await)] @x",
        ] {
            assert!(!starts_at_statements(&compiled(above), above), "{above}");
        }
    }
}
