//! Parsing only the parts of a file the selected checks can need.
//!
//! Most of a file that contains a trigger word cannot hold a finding: a finding lies in a `def`
//! that calls one of its transform's API names. So a file is cut into module-level statements and
//! definitions, and class bodies into their members (`outline.rs`); tree-sitter then parses only
//! the pieces a check reads (its included ranges), with every node at its true offset:
//!
//! - every module-level statement, and every class header and class-level statement of a class
//!   that is read: the imports, constants and names the checks resolve;
//! - every definition holding a call of one of the checks' names, or of an import alias of one,
//!   plus `__init__` of its class;
//! - the definitions whose `self.x` assignments decide an attribute a read definition uses;
//! - for checks that look into callees or callers, those definitions too;
//! - any definition holding a suppression comment or a `global`/`nonlocal` statement.
//!
//! The pieces are checked against the tree (each must start a statement there, and nothing may
//! fail to parse), and a definition left out whose name a read part also binds sends the file to
//! a whole parse. Whatever does not fit, including any check that reads everything, parses the
//! whole file. `tests/cases.rs` and `bench/run.py --verify` compare both ways finding for finding.

use std::collections::HashSet;
use std::ops::Range;
use std::sync::LazyLock;

use aho_corasick::MatchKind;
use tree_sitter::{Node, Point, Tree};

use crate::outline::{self, is_word_byte, Kind, Unit};
use crate::prefilter::RuleWords;
use crate::registry::RULES;
use crate::rule::{Reads, Rule};
use crate::semantic::Semantic;

/// The pieces of one file to parse, and what the tree must show for the cut to be sound.
#[derive(Debug)]
pub struct Regions {
    pub ranges: Vec<Range<usize>>,
    /// Where each module-level statement that is read starts.
    top: Vec<usize>,
    /// For each class that is read only in part: where it starts, and where its members that are
    /// read start.
    classes: Vec<(usize, Vec<usize>)>,
    /// Names of the module-level definitions left out.
    left_out: Vec<String>,
}

/// A leaf of the outline: a module-level unit, or a member of a split class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Piece {
    unit: usize,
    member: Option<usize>,
}

/// What is known of a piece while choosing.
#[derive(Debug, Default, Clone, Copy)]
struct Mark {
    read: bool,
    /// Holds a call of a name of a check that looks into its callees / callers.
    for_callees: bool,
    for_callers: bool,
}

/// Every `Reads::Calls` name. Leftmost-longest finds every call: a name that starts inside
/// another match cannot have a word boundary before it, and of names starting at one offset only
/// the longest can end at a word boundary.
static CALLS: LazyLock<RuleWords> = LazyLock::new(|| {
    RuleWords::build(
        |rule| match rule.reads {
            Reads::Calls { calls, .. } => calls,
            Reads::Everything => &[],
        },
        MatchKind::LeftmostLongest,
    )
});

/// Chooses the pieces of `src` that `rules` read; `None` when the whole file must be parsed.
pub fn select(src: &str, rules: &[&'static Rule]) -> Option<Regions> {
    let mut wanted = vec![false; RULES.len()];
    let (mut callees, mut callers) = (vec![false; RULES.len()], vec![false; RULES.len()]);
    for rule in rules {
        let index = RULES.iter().position(|r| std::ptr::eq(*r, *rule))?;
        match rule.reads {
            Reads::Everything => return None,
            Reads::Calls {
                callees: e,
                callers: r,
                ..
            } => {
                wanted[index] = true;
                callees[index] = e;
                callers[index] = r;
            }
        }
    }
    let bytes = src.as_bytes();
    let lines = outline::logical_lines(bytes)?;
    let units = outline::units_of(bytes, &lines)?;
    let mut chooser = Chooser::new(bytes, &units);

    // Calls of the checks' names.
    let calls = &*CALLS;
    let mut names: HashSet<&str> = HashSet::new();
    for m in calls.automaton.find_iter(bytes) {
        let owners = &calls.owners[m.pattern().as_usize()];
        if !owners.iter().any(|&i| wanted[i]) {
            continue;
        }
        names.insert(calls.words[m.pattern().as_usize()]);
        if is_call(bytes, m.start(), m.end()) {
            let e = owners.iter().any(|&i| wanted[i] && callees[i]);
            let r = owners.iter().any(|&i| wanted[i] && callers[i]);
            chooser.hit(m.start(), e, r);
        }
    }
    // Calls through an import alias: `from asyncio import gather as g` makes `g(` a call too.
    for alias in aliases(bytes, &lines, &names) {
        let e = callees.iter().any(|x| *x);
        let r = callers.iter().any(|x| *x);
        for at in memchr::memmem::find_iter(bytes, alias.as_bytes()) {
            if is_call(bytes, at, at + alias.len()) {
                chooser.hit(at, e, r);
            }
        }
    }
    // Suppression comments, and statements that bind module-level names from inside a def.
    for at in memchr::memmem::find_iter(bytes, crate::suppress::MARKER.as_bytes()) {
        chooser.hit(at, false, false);
    }
    for word in ["global", "nonlocal"] {
        for at in memchr::memmem::find_iter(bytes, word.as_bytes()) {
            if is_word(bytes, at, at + word.len()) {
                chooser.hit(at, false, false);
            }
        }
    }
    chooser.close(callees.iter().any(|x| *x), callers.iter().any(|x| *x));
    chooser.regions()
}

/// The names import statements bind for one of `names`: `x` in `from m import name as x`.
fn aliases(bytes: &[u8], lines: &[outline::Line], names: &HashSet<&str>) -> Vec<String> {
    let mut found = Vec::new();
    if memchr::memmem::find(bytes, b" as ").is_none() {
        return found;
    }
    for line in lines {
        let text = &bytes[line.token..line.end];
        if !(text.starts_with(b"from ") || text.starts_with(b"import ")) {
            continue;
        }
        let words = identifiers(text);
        for w in words.windows(3) {
            if w[1] == "as" && names.contains(w[0]) && !names.contains(w[2]) {
                found.push(w[2].to_string());
            }
        }
    }
    found
}

/// The identifier-like words of `text`, in order.
fn identifiers(text: &[u8]) -> Vec<&str> {
    let mut words = Vec::new();
    let mut i = 0;
    while i < text.len() {
        if is_word_byte(text[i]) {
            let start = i;
            while i < text.len() && is_word_byte(text[i]) {
                i += 1;
            }
            if let Ok(word) = std::str::from_utf8(&text[start..i]) {
                words.push(word);
            }
        } else {
            i += 1;
        }
    }
    words
}

/// `bytes[start..end]` is a whole word.
fn is_word(bytes: &[u8], start: usize, end: usize) -> bool {
    (start == 0 || !is_word_byte(bytes[start - 1]))
        && bytes.get(end).is_none_or(|&c| !is_word_byte(c))
}

/// `bytes[start..end]` is a whole word followed by `(`, with only blanks or line continuations
/// between them.
fn is_call(bytes: &[u8], start: usize, end: usize) -> bool {
    if !is_word(bytes, start, end) {
        return false;
    }
    // `def name(` defines, it does not call.
    let before = bytes[..start].trim_ascii_end();
    if before.len() < start
        && before.ends_with(b"def")
        && is_word(bytes, before.len() - 3, before.len())
    {
        return false;
    }
    bytes[end..]
        .iter()
        .find(|&&c| !matches!(c, b' ' | b'\t' | b'\\' | b'\r' | b'\n'))
        == Some(&b'(')
}

/// Whether `text` holds `word` as a whole word.
fn has_word(text: &[u8], word: &str) -> bool {
    memchr::memmem::find_iter(text, word.as_bytes()).any(|at| is_word(text, at, at + word.len()))
}

/// Whether `text` assigns `self.<attr>` for one of `attrs` (`self.x = ...`, `self.x: T = ...`).
/// Over-approximate on purpose: reading one more definition is always safe.
fn assigns_self_attribute(text: &[u8], attrs: &HashSet<&str>) -> bool {
    memchr::memmem::find_iter(text, b"self.").any(|at| {
        if at > 0 && is_word_byte(text[at - 1]) {
            return false;
        }
        let name_start = at + 5;
        let mut i = name_start;
        while i < text.len() && is_word_byte(text[i]) {
            i += 1;
        }
        let Ok(name) = std::str::from_utf8(&text[name_start..i]) else {
            return true;
        };
        if !attrs.contains(name) {
            return false;
        }
        while i < text.len() && matches!(text[i], b' ' | b'\t') {
            i += 1;
        }
        match text.get(i) {
            Some(b':') => true,
            Some(b'=') => text.get(i + 1) != Some(&b'='),
            _ => false,
        }
    })
}

/// The attribute names `text` uses as `self.<name>`.
fn self_attributes(text: &[u8]) -> HashSet<&str> {
    memchr::memmem::find_iter(text, b"self.")
        .filter(|&at| at == 0 || !is_word_byte(text[at - 1]))
        .filter_map(|at| {
            let start = at + 5;
            let end = text[start..]
                .iter()
                .position(|&c| !is_word_byte(c))
                .map_or(text.len(), |k| start + k);
            std::str::from_utf8(&text[start..end]).ok()
        })
        .filter(|name| !name.is_empty())
        .collect()
}

struct Chooser<'s> {
    src: &'s [u8],
    units: &'s [Unit],
    top: Vec<Mark>,
    members: Vec<Vec<Mark>>,
}

impl<'s> Chooser<'s> {
    fn new(src: &'s [u8], units: &'s [Unit]) -> Self {
        let top = units
            .iter()
            .map(|u| Mark {
                read: matches!(u.kind, Kind::Statement),
                ..Mark::default()
            })
            .collect();
        let members = units
            .iter()
            .map(|u| match &u.kind {
                Kind::Class { members, .. } => vec![Mark::default(); members.len()],
                _ => Vec::new(),
            })
            .collect();
        Chooser {
            src,
            units,
            top,
            members,
        }
    }

    fn piece_at(&self, offset: usize) -> Piece {
        let unit = self
            .units
            .partition_point(|u| u.range.start <= offset)
            .saturating_sub(1);
        let member = match &self.units[unit].kind {
            Kind::Class {
                header, members, ..
            } if !members.is_empty() && offset >= header.end => {
                Some(members.partition_point(|m| m.range.start <= offset) - 1)
            }
            _ => None,
        };
        Piece { unit, member }
    }

    fn mark(&mut self, piece: Piece) -> &mut Mark {
        match piece.member {
            Some(m) => &mut self.members[piece.unit][m],
            None => &mut self.top[piece.unit],
        }
    }

    fn unit(&self, piece: Piece) -> &'s Unit {
        let unit = &self.units[piece.unit];
        match (piece.member, &unit.kind) {
            (Some(m), Kind::Class { members, .. }) => &members[m],
            _ => unit,
        }
    }

    fn text(&self, piece: Piece) -> &'s [u8] {
        &self.src[self.unit(piece).range.clone()]
    }

    /// Reads `piece`, and the class around it.
    fn read(&mut self, piece: Piece) -> bool {
        let changed = !self.mark(piece).read || !self.top[piece.unit].read;
        self.mark(piece).read = true;
        self.top[piece.unit].read = true;
        changed
    }

    fn hit(&mut self, offset: usize, for_callees: bool, for_callers: bool) {
        let piece = self.piece_at(offset);
        self.read(piece);
        let mark = self.mark(piece);
        mark.for_callees |= for_callees;
        mark.for_callers |= for_callers;
    }

    /// Every piece: module-level units, and the members of split classes.
    fn pieces(&self) -> Vec<Piece> {
        let mut all = Vec::new();
        for (unit, members) in self.members.iter().enumerate() {
            all.push(Piece { unit, member: None });
            all.extend((0..members.len()).map(|m| Piece {
                unit,
                member: Some(m),
            }));
        }
        all
    }

    fn is_read(&self, piece: Piece) -> bool {
        match piece.member {
            Some(m) => self.members[piece.unit][m].read,
            None => self.top[piece.unit].read,
        }
    }

    /// Adds what the pieces read so far depend on, until nothing changes.
    fn close(&mut self, callees: bool, callers: bool) {
        loop {
            let mut changed = false;
            // A class that is read: its class-level statements and `__init__`.
            for unit in 0..self.units.len() {
                if !self.top[unit].read {
                    continue;
                }
                if let Kind::Class { members, .. } = &self.units[unit].kind {
                    for (m, member) in members.iter().enumerate() {
                        let needed = matches!(member.kind, Kind::Statement)
                            || member.name() == Some("__init__");
                        if needed && !self.members[unit][m].read {
                            self.members[unit][m].read = true;
                            changed = true;
                        }
                    }
                }
            }
            // `self.x` origins: every assignment to an attribute a read method uses.
            for unit in 0..self.units.len() {
                let Kind::Class { members, .. } = &self.units[unit].kind else {
                    continue;
                };
                if !self.top[unit].read {
                    continue;
                }
                let mut attrs: HashSet<&str> = HashSet::new();
                for (m, member) in members.iter().enumerate() {
                    if self.members[unit][m].read {
                        attrs.extend(self_attributes(&self.src[member.range.clone()]));
                    }
                }
                for (m, member) in members.iter().enumerate() {
                    if !self.members[unit][m].read
                        && assigns_self_attribute(&self.src[member.range.clone()], &attrs)
                    {
                        self.members[unit][m].read = true;
                        changed = true;
                    }
                }
            }
            let pieces = self.pieces();
            // Callers of an async def that holds a call a caller-minded check reads.
            if callers {
                for &piece in &pieces {
                    let unit = self.unit(piece);
                    let is_async = matches!(unit.kind, Kind::Def { is_async: true, .. });
                    let m = *self.mark(piece);
                    if !(m.read && m.for_callers && is_async) {
                        continue;
                    }
                    let name = unit.name().unwrap_or_default();
                    for &other in &pieces {
                        let scope_ok = piece.member.is_none() || other.unit == piece.unit;
                        if scope_ok && !self.is_read(other) && has_word(self.text(other), name) {
                            changed |= self.read(other);
                        }
                    }
                }
            }
            // Callees of a piece holding a call a callee-minded check reads.
            if callees {
                for &piece in &pieces {
                    let m = *self.mark(piece);
                    if !(m.read && m.for_callees) {
                        continue;
                    }
                    let words: HashSet<&str> = identifiers(self.text(piece)).into_iter().collect();
                    for &other in &pieces {
                        let is_def =
                            matches!(self.unit(other).kind, Kind::Def { .. } | Kind::Class { .. });
                        let scope_ok = other.member.is_none() || other.unit == piece.unit;
                        if is_def
                            && scope_ok
                            && !self.is_read(other)
                            && self.unit(other).name().is_some_and(|n| words.contains(n))
                        {
                            changed |= self.read(other);
                        }
                    }
                }
            }
            // A member left out whose name the class's own statements use.
            for unit in 0..self.units.len() {
                let Kind::Class {
                    header, members, ..
                } = &self.units[unit].kind
                else {
                    continue;
                };
                if !self.top[unit].read {
                    continue;
                }
                for (m, member) in members.iter().enumerate() {
                    let Some(name) = member.name() else { continue };
                    if self.members[unit][m].read {
                        continue;
                    }
                    let used = has_word(&self.src[header.clone()], name)
                        || members.iter().any(|other| {
                            matches!(other.kind, Kind::Statement)
                                && has_word(&self.src[other.range.clone()], name)
                        });
                    if used {
                        self.members[unit][m].read = true;
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
    }

    fn regions(&self) -> Option<Regions> {
        let mut ranges: Vec<Range<usize>> = Vec::new();
        let mut top = Vec::new();
        let mut classes = Vec::new();
        let mut left_out = Vec::new();
        let mut push = |range: Range<usize>| match ranges.last_mut() {
            Some(last) if last.end == range.start => last.end = range.end,
            _ => ranges.push(range),
        };
        for (u, unit) in self.units.iter().enumerate() {
            if !self.top[u].read {
                if let Some(name) = unit.name() {
                    left_out.push(name.to_string());
                }
                continue;
            }
            top.push(unit.token);
            match &unit.kind {
                Kind::Class {
                    header, members, ..
                } if !members.is_empty() && !self.members[u].iter().all(|m| m.read) => {
                    if !self.members[u].iter().any(|m| m.read) {
                        return None; // an empty body would not parse
                    }
                    push(header.clone());
                    let mut read = Vec::new();
                    for (m, member) in members.iter().enumerate() {
                        if self.members[u][m].read {
                            push(member.range.clone());
                            read.push(member.token);
                        }
                    }
                    classes.push((unit.token, read));
                }
                _ => push(unit.range.clone()),
            }
        }
        let kept: usize = ranges.iter().map(|r| r.len()).sum();
        // Cutting pays only when it leaves out a good part of the file.
        if kept * 20 > self.src.len() * 19 {
            return None;
        }
        Some(Regions {
            ranges,
            top,
            classes,
            left_out,
        })
    }
}

impl Regions {
    /// The ranges as tree-sitter takes them, with their rows and columns.
    fn ts_ranges(&self, src: &[u8]) -> Vec<tree_sitter::Range> {
        let mut row = 0;
        let mut counted = 0;
        let mut point = |offset: usize| {
            row += memchr::memchr_iter(b'\n', &src[counted..offset]).count();
            counted = offset;
            let line_start = memchr::memrchr(b'\n', &src[..offset]).map_or(0, |k| k + 1);
            Point::new(row, offset - line_start)
        };
        self.ranges
            .iter()
            .map(|r| {
                let start_point = point(r.start);
                let end_point = point(r.end);
                tree_sitter::Range {
                    start_byte: r.start,
                    end_byte: r.end,
                    start_point,
                    end_point,
                }
            })
            .collect()
    }

    /// Parses the pieces. `None` when the tree does not bear the cut out: a syntax error, or a
    /// piece that does not start a statement there.
    pub fn parse(&self, src: &str) -> Option<Tree> {
        let tree = crate::parse::parse_ranges(src, &self.ts_ranges(src.as_bytes()))?;
        let root = tree.root_node();
        if root.has_error() {
            return None;
        }
        let starts = statement_starts(root);
        if !self.top.iter().all(|t| starts.contains(t)) {
            return None;
        }
        for (class, members) in &self.classes {
            let mut cursor = root.walk();
            let node = root
                .named_children(&mut cursor)
                .find(|n| n.start_byte() == *class)?;
            let node = if node.kind() == "decorated_definition" {
                node.child_by_field_name("definition")?
            } else {
                node
            };
            if node.kind() != "class_definition" {
                return None;
            }
            let body = statement_starts(node.child_by_field_name("body")?);
            if !members.iter().all(|m| body.contains(m)) {
                return None;
            }
        }
        Some(tree)
    }

    /// Whether a definition left out binds a name the parsed pieces bind at module level too, so
    /// that names would resolve differently without it.
    pub fn hides_a_binding(&self, semantic: &Semantic) -> bool {
        self.left_out
            .iter()
            .any(|name| !semantic.module_bindings(name).is_empty())
    }
}

fn statement_starts(node: Node) -> HashSet<usize> {
    let mut cursor = node.walk();
    let starts = node
        .named_children(&mut cursor)
        .filter(|n| n.kind() != "comment")
        .map(|n| n.start_byte())
        .collect();
    starts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(ids: &[&str]) -> Vec<&'static Rule> {
        ids.iter()
            .map(|id| crate::registry::find(id).unwrap())
            .collect()
    }

    fn kept(src: &str, ids: &[&str]) -> Option<String> {
        let regions = select(src, &rules(ids))?;
        Some(regions.ranges.iter().map(|r| &src[r.clone()]).collect())
    }

    const MODULE: &str = "import asyncio\nfrom asyncio import gather as g\n\n\
        def helper(x):\n    return x\n\n\
        def unrelated():\n    return 1\n\n\
        def other():\n    return 2\n\n\
        def more():\n    return 3\n\n\
        def still_more():\n    return 4\n\n\
        async def main(xs):\n    return await g(*[helper(x) for x in xs])\n";

    #[test]
    fn reads_the_calling_def_its_callees_and_the_module_statements() {
        let kept = kept(MODULE, &["unbounded-gather"]).unwrap();
        assert!(kept.contains("import asyncio\n"), "{kept}");
        assert!(kept.contains("async def main"), "{kept}");
        assert!(kept.contains("def helper"), "callee: {kept}");
        assert!(!kept.contains("def unrelated"), "{kept}");
        let tree = select(MODULE, &rules(&["unbounded-gather"]))
            .unwrap()
            .parse(MODULE)
            .unwrap();
        assert!(!tree.root_node().has_error());
        // Nodes keep their offsets in the whole file.
        let last = tree
            .root_node()
            .named_child(tree.root_node().named_child_count() - 1);
        assert_eq!(
            last.unwrap().start_byte(),
            MODULE.find("async def main").unwrap()
        );
    }

    #[test]
    fn a_check_that_reads_everything_parses_the_whole_file() {
        assert!(select(MODULE, &rules(&["threadpool-network-io"])).is_none());
    }

    #[test]
    fn class_members_are_read_with_init_and_attribute_writers() {
        let src = "import requests\n\n\
            class Api:\n    base = 'x'\n\n\
            \x20   def __init__(self):\n        self.s = requests.Session()\n\n\
            \x20   def reset(self):\n        self.s = object()\n\n\
            \x20   def fetch(self, u):\n        return self.s.get(u)\n\n\
            \x20   def a(self):\n        return 1\n\n\
            \x20   def b(self):\n        return 2\n\n\
            \x20   def c(self):\n        return 3\n\n\
            \x20   def d(self):\n        return 4\n";
        let kept = kept(src, &["missing-timeout"]).unwrap();
        for wanted in ["base = 'x'", "def __init__", "def reset", "def fetch"] {
            assert!(kept.contains(wanted), "{wanted} in {kept}");
        }
        assert!(!kept.contains("def a("), "{kept}");
        let regions = select(src, &rules(&["missing-timeout"])).unwrap();
        assert!(regions.parse(src).is_some());
    }

    #[test]
    fn callers_of_an_async_def_are_read_for_deadline_checks() {
        let src = "import httpx\n\n\
            async def fetch(client: httpx.AsyncClient, u):\n    return await client.get(u)\n\n\
            async def caller(c):\n    return await fetch(c, 'u')\n\n\
            def a():\n    return 1\n\n\
            def b():\n    return 2\n\n\
            def c():\n    return 3\n\n\
            def d():\n    return 4\n";
        let kept = kept(src, &["await-without-deadline"]).unwrap();
        assert!(kept.contains("async def caller"), "{kept}");
        assert!(!kept.contains("def a("), "{kept}");
    }

    #[test]
    fn calls_are_names_followed_by_a_parenthesis() {
        assert!(is_call(b"x.get (1)", 2, 5));
        assert!(is_call(b"x.get\\\n(1)", 2, 5));
        assert!(!is_call(b"x.get_all(1)", 2, 5));
        assert!(!is_call(b"target(1)", 3, 6));
        assert!(!is_call(b"x.get", 2, 5));
        assert!(!is_call(b"def get(self)", 4, 7));
    }

    #[test]
    fn a_left_out_definition_that_rebinds_an_imported_name_is_detected() {
        let src = "from asyncio import wait_for\n\n\
            async def main(x):\n    return await wait_for(x, 1)\n\n\
            def a():\n    return 1\n\n\
            def b():\n    return 2\n\n\
            def c():\n    return 3\n\n\
            def wait_for_all():\n    return 4\n\n\
            def wait_for(x, t):\n    return 5\n";
        let regions = select(src, &rules(&["legacy-wait-for"])).unwrap();
        assert!(regions.left_out.contains(&"wait_for".to_string()));
        let tree = regions.parse(src).unwrap();
        let semantic = Semantic::build(tree.root_node(), src);
        assert!(regions.hides_a_binding(&semantic));
    }
}
