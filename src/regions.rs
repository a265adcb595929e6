//! Parsing only the parts of a file the selected checks can need.
//!
//! Most of a file that contains a trigger word cannot hold a finding: a finding lies in a `def`
//! that calls one of its transform's API names. So a file is cut into module-level statements and
//! definitions, and class bodies into their members (`outline.rs`); tree-sitter then parses only
//! the pieces a check reads (its included ranges), with every node at its true offset:
//!
//! - every definition or statement holding a call of one of the checks' names (or of an import
//!   alias of one) on a receiver the checks could resolve: `session.get(...)` or
//!   `self.session.get(...)` for a method, `requests.get(...)` or an imported `get(...)` for a
//!   module function, but not `make().get(...)` or `self.a.b.get(...)`;
//! - every import and compound statement at module level, and every simple one that may bind a
//!   name a read piece mentions (or a constant the fixes reuse);
//! - the class header, class-level statements and `__init__` of a class a read member is in;
//! - the definitions whose `self.x` assignments decide an attribute a read definition uses;
//! - for checks that look into callees or callers, those definitions too;
//! - any definition holding a suppression comment or a `global`/`nonlocal` statement.
//!
//! The pieces are checked against the tree (each must start a statement there, and nothing may
//! fail to parse), and a definition left out whose name a read part also binds sends the file to
//! a whole parse. Whatever does not fit, including any check that reads everything, parses the
//! whole file. The checks' queries then run only over the pieces holding calls, where every
//! finding lies. `tests/cases.rs` and `bench/run.py --verify` compare both ways finding for
//! finding.

use std::collections::HashSet;
use std::ops::Range;
use std::sync::LazyLock;

use aho_corasick::MatchKind;
use tree_sitter::{Node, Tree};

use crate::outline::{self, has_word, is_word, is_word_byte, words, Kind, Unit};
use crate::prefilter::RuleWords;
use crate::registry::RULES;
use crate::rule::{Reads, Rule};
use crate::semantic::Semantic;

/// The pieces of one file to parse, and what the tree must show for the cut to be sound.
#[derive(Debug)]
pub struct Regions {
    pub ranges: Vec<Range<usize>>,
    /// The pieces holding a call the checks read: every finding lies in one of them, so the
    /// checks' queries need run only there.
    pub focus: Vec<Range<usize>>,
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
    /// Its words are in `Chooser::words`.
    counted: bool,
    /// Holds a call one of the checks reads: findings can only lie in such pieces.
    calls: bool,
    /// Holds a call of a name of a check that looks into its callees / callers.
    for_callees: bool,
    for_callers: bool,
    /// Its callees or callers are read already: pieces are only ever added, so once is enough.
    linked: bool,
}

/// Every `Reads::Calls` name. Leftmost-longest finds every call: a name that starts inside
/// another match cannot have a word boundary before it, and of names starting at one offset only
/// the longest can end at a word boundary.
static CALLS: LazyLock<RuleWords> = LazyLock::new(|| {
    RuleWords::build(
        |rule| match rule.reads {
            Reads::Calls {
                functions, methods, ..
            } => {
                let mut words: Vec<&'static str> = functions.to_vec();
                words.extend(
                    methods
                        .iter()
                        .map(|(m, _)| *m)
                        .filter(|m| !functions.contains(m)),
                );
                words
            }
            Reads::Everything => Vec::new(),
        },
        MatchKind::LeftmostLongest,
    )
});

/// Chooses the pieces of `src` that `rules` read; `None` when the whole file must be parsed.
pub fn select(src: &str, rules: &[&'static Rule]) -> Option<Regions> {
    select_for(src, rules, false)
}

/// As `select`; `for_fixes` also reads the module's header up to its first statement that is not
/// a docstring or an import, which is where fixes place the imports and constants they add.
pub fn select_for(src: &str, rules: &[&'static Rule], for_fixes: bool) -> Option<Regions> {
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
    if units.is_empty() {
        return None; // only comments and blank lines: nothing to cut
    }
    let mut chooser = Chooser::new(bytes, &units);

    // Calls of the checks' names, where their receiver can resolve to what the checks look for.
    let imports = Imports::of(bytes, &lines);
    let imported = &imports.words;
    let in_file = Words::new(bytes);
    let calls = &*CALLS;
    let mut names: HashSet<&str> = HashSet::new();
    for m in calls.automaton.find_iter(bytes) {
        let word = calls.words[m.pattern().as_usize()];
        let owners: Vec<&Rule> = calls.owners[m.pattern().as_usize()]
            .iter()
            .filter(|&&i| wanted[i])
            .map(|&i| RULES[i])
            .collect();
        if owners.is_empty() {
            continue;
        }
        names.insert(word);
        if !is_call(bytes, m.start(), m.end()) {
            continue;
        }
        let receiver = receiver(bytes, m.start());
        let as_function = receiver.can_reach_a_function(word, imported);
        let as_method = receiver.can_hold_a_client();
        let reading: Vec<&Rule> = owners
            .into_iter()
            .filter(|rule| {
                let Reads::Calls {
                    functions,
                    methods,
                    settled_by,
                    ..
                } = rule.reads
                else {
                    return false;
                };
                let reads = (as_function && functions.contains(&word))
                    || (as_method
                        && methods.iter().any(|(m, origins)| {
                            *m == word && origins.iter().any(|o| in_file.holds(o))
                        }));
                reads && !settled_by.iter().any(|k| gives_keyword(bytes, m.end(), k))
            })
            .collect();
        if !reading.is_empty() {
            let e = reading
                .iter()
                .any(|r| matches!(r.reads, Reads::Calls { callees: true, .. }));
            let r = reading
                .iter()
                .any(|r| matches!(r.reads, Reads::Calls { callers: true, .. }));
            chooser.hit(m.start(), e, r);
        }
    }
    // Calls through an import alias: `from asyncio import gather as g` makes `g(` a call too.
    for alias in imports.aliases(&names) {
        let e = callees.iter().any(|x| *x);
        let r = callers.iter().any(|x| *x);
        for at in memchr::memmem::find_iter(bytes, alias.as_bytes()) {
            if is_call(bytes, at, at + alias.len())
                && receiver(bytes, at).can_reach_a_function(alias, imported)
            {
                chooser.hit(at, e, r);
            }
        }
    }
    // Suppression comments, and statements that bind module-level names from inside a def.
    for at in memchr::memmem::find_iter(bytes, crate::suppress::MARKER.as_bytes()) {
        chooser.need(at);
    }
    for word in ["global", "nonlocal"] {
        for at in memchr::memmem::find_iter(bytes, word.as_bytes()) {
            if is_word(bytes, at, at + word.len()) {
                chooser.need(at);
            }
        }
    }
    if for_fixes {
        chooser.read_header();
    }
    let (callees, callers) = (callees.iter().any(|x| *x), callers.iter().any(|x| *x));
    chooser.close(callees, callers);
    let mut regions = chooser.regions()?;
    // tree-sitter's lexer looks for the range a position is in from the first range on, at
    // every token: many ranges make parsing quadratic. Past a few, the smallest gaps between
    // them are read too, which only brings the parse nearer to a whole one.
    while regions.ranges.len() > MAX_RANGES {
        chooser.fill_smallest_gaps(&regions.ranges, regions.ranges.len() - MAX_RANGES);
        chooser.close(callees, callers);
        regions = chooser.regions()?;
    }
    Some(regions)
}

/// The most pieces tree-sitter is given to parse apart.
const MAX_RANGES: usize = 64;

/// Whether a text holds a word, each word looked for once.
struct Words<'s> {
    text: &'s [u8],
    seen: std::cell::RefCell<std::collections::HashMap<&'static str, bool>>,
}

impl<'s> Words<'s> {
    fn new(text: &'s [u8]) -> Self {
        Words {
            text,
            seen: Default::default(),
        }
    }

    /// Whether the text holds `word` anywhere (not only as a whole word: `ThreadPoolExecutor`
    /// holds `Thread`, which only makes a piece more likely to be read).
    fn holds(&self, word: &'static str) -> bool {
        *self
            .seen
            .borrow_mut()
            .entry(word)
            .or_insert_with(|| memchr::memmem::find(self.text, word.as_bytes()).is_some())
    }
}

/// What the file's import statements say: every word in them (a superset of the names they
/// bind), and each `name as alias` rename.
struct Imports<'s> {
    words: HashSet<&'s str>,
    renames: Vec<(&'s str, &'s str)>,
}

impl<'s> Imports<'s> {
    fn of(bytes: &'s [u8], lines: &[outline::Line]) -> Self {
        let mut imports = Imports {
            words: HashSet::new(),
            renames: Vec::new(),
        };
        for line in lines {
            let text = &bytes[line.token..line.end];
            if !(text.starts_with(b"from ") || text.starts_with(b"import ")) {
                continue;
            }
            let words = identifiers(text);
            for w in words.windows(3) {
                if w[1] == "as" {
                    imports.renames.push((w[0], w[2]));
                }
            }
            imports.words.extend(words);
        }
        imports
    }

    /// The names imports bind for one of `names`: `x` in `from m import name as x`.
    fn aliases(&self, names: &HashSet<&str>) -> Vec<&'s str> {
        self.renames
            .iter()
            .filter(|(name, alias)| names.contains(name) && !names.contains(alias))
            .map(|(_, alias)| *alias)
            .collect()
    }
}

/// What a call's callee is called on, as far as the text before its name shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Receiver<'s> {
    /// `name(...)`
    Nothing,
    /// `a.name(...)`: a single name.
    Name(&'s [u8]),
    /// `self.a.name(...)`
    SelfAttribute,
    /// `a.b.name(...)`, whose first name is not `self` or `cls`.
    Chain(&'s [u8]),
    /// A call, subscript, literal, `self.a.b`, and the like: nothing an import or a value origin
    /// resolves.
    Other,
    /// The text is not plain enough to tell (it spans lines).
    Unknown,
}

impl Receiver<'_> {
    /// Whether `word` called on this can be a module function the checks know, which needs an
    /// import: of the name itself, or of the chain's first name.
    fn can_reach_a_function(&self, word: &str, imported: &HashSet<&str>) -> bool {
        let root = match self {
            Receiver::Nothing => word.as_bytes(),
            Receiver::Name(root) | Receiver::Chain(root) => root,
            Receiver::SelfAttribute | Receiver::Other => return false,
            Receiver::Unknown => return true,
        };
        std::str::from_utf8(root).is_ok_and(|r| imported.contains(r))
    }

    /// Whether a method called on this can be one of a client, session, stream or future whose
    /// origin the checks follow: those of a name or of `self.name`.
    fn can_hold_a_client(&self) -> bool {
        matches!(
            self,
            Receiver::Name(_) | Receiver::SelfAttribute | Receiver::Unknown
        )
    }
}

/// The receiver of the callee name starting at `start`.
fn receiver(bytes: &[u8], start: usize) -> Receiver<'_> {
    // Back over blanks and backslash continuations; `None` when a line break is crossed.
    fn back(bytes: &[u8], mut i: usize) -> Option<usize> {
        loop {
            match bytes[..i] {
                [.., b' ' | b'\t'] => i -= 1,
                [.., b'\\', b'\n'] => i -= 2,
                [.., b'\\', b'\r', b'\n'] => i -= 3,
                [.., b'\n'] => return None,
                _ => return Some(i),
            }
        }
    }
    let Some(mut i) = back(bytes, start) else {
        return Receiver::Unknown;
    };
    if i == 0 || bytes[i - 1] != b'.' {
        return Receiver::Nothing;
    }
    let mut parts = 0;
    let mut root: &[u8];
    loop {
        let Some(end) = back(bytes, i - 1) else {
            return Receiver::Unknown;
        };
        let mut begin = end;
        while begin > 0 && is_word_byte(bytes[begin - 1]) {
            begin -= 1;
        }
        if begin == end || bytes[begin].is_ascii_digit() {
            return Receiver::Other;
        }
        parts += 1;
        root = &bytes[begin..end];
        let Some(before) = back(bytes, begin) else {
            return Receiver::Unknown;
        };
        if before > 0 && bytes[before - 1] == b'.' {
            i = before;
            continue;
        }
        break;
    }
    match (parts, root) {
        (1, _) => Receiver::Name(root),
        (2, b"self") => Receiver::SelfAttribute,
        (_, b"self" | b"cls") => Receiver::Other,
        _ => Receiver::Chain(root),
    }
}

/// The identifier-like words of `text`, in order.
fn identifiers(text: &[u8]) -> Vec<&str> {
    words(text)
        .filter_map(|w| std::str::from_utf8(w).ok())
        .collect()
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

/// Whether the call whose callee name ends at `name_end` gives `keyword` a value other than
/// `None` among its own arguments. `false` when the scan cannot tell, which reads the call.
fn gives_keyword(bytes: &[u8], name_end: usize, keyword: &str) -> bool {
    let Some(open) = bytes[name_end..]
        .iter()
        .position(|&c| c == b'(')
        .map(|k| name_end + k)
    else {
        return false;
    };
    let mut depth = 0usize;
    let mut given = false;
    let mut i = open;
    while i < bytes.len() {
        match bytes[i] {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                depth -= 1;
                if depth == 0 {
                    return given;
                }
            }
            b'#' => return false, // a comment among the arguments: leave it to the parser
            b'\'' | b'"' => {
                let Some(end) = outline::string_end(bytes, i) else {
                    return false;
                };
                i = end;
                continue;
            }
            c if depth == 1 && is_word_byte(c) && !is_word_byte(bytes[i - 1]) => {
                let end = i + bytes[i..].iter().take_while(|&&c| is_word_byte(c)).count();
                if &bytes[i..end] == keyword.as_bytes() {
                    let rest = bytes[end..].trim_ascii_start();
                    if let Some(value) = rest.strip_prefix(b"=") {
                        let value = value.trim_ascii_start();
                        let none = value.starts_with(b"None")
                            && value.get(4).is_none_or(|&c| !is_word_byte(c));
                        if value.starts_with(b"=") || none {
                            return false;
                        }
                        given = true;
                    }
                }
                i = end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    false
}

/// The names of the `async def`s in `text`.
fn async_def_names(text: &[u8]) -> Vec<&str> {
    let mut names = Vec::new();
    for at in memchr::memmem::find_iter(text, b"async") {
        if !is_word(text, at, at + 5) {
            continue;
        }
        let words: Vec<&[u8]> = text[at + 5..]
            .split(|c| matches!(c, b' ' | b'\t'))
            .filter(|w| !w.is_empty())
            .take(2)
            .collect();
        if let [b"def", name] = words.as_slice() {
            let end = name
                .iter()
                .position(|&c| !is_word_byte(c))
                .unwrap_or(name.len());
            if let Ok(name) = std::str::from_utf8(&name[..end]) {
                names.push(name);
            }
        }
    }
    names
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

/// The names a module-level simple statement may bind: the words before its first `=` (or the
/// `:` of an annotation), none for an expression statement. `None` when it must always be read:
/// imports, compound statements, `:=`, `;`, and whatever this scan cannot follow.
fn bound_names(text: &[u8]) -> Option<Vec<&str>> {
    let first = outline::first_word(text);
    if matches!(
        first,
        Some(
            "import"
                | "from"
                | "if"
                | "try"
                | "with"
                | "for"
                | "while"
                | "match"
                | "async"
                | "type"
                | "global"
                | "nonlocal"
                | "del"
        )
    ) {
        return None;
    }
    let mut depth = 0usize;
    // The targets end at the last `=` of the statement (`a = b = f()` binds both), or else at
    // the `:` of a bare annotation.
    let mut last_assignment = None;
    let mut first_colon = None;
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'#' => {
                i = memchr::memchr(b'\n', &text[i..]).map_or(text.len(), |k| i + k);
                continue;
            }
            b'\'' | b'"' => {
                i = outline::string_end(text, i)?;
                continue;
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.checked_sub(1)?,
            b';' if depth == 0 => return None,
            b':' if text.get(i + 1) == Some(&b'=') => return None,
            b'=' if depth == 0 => {
                if text.get(i + 1) == Some(&b'=') {
                    i += 1; // `==`: a comparison
                } else if !(i > 0 && matches!(text[i - 1], b'<' | b'>' | b'!')) {
                    last_assignment = Some(i);
                }
            }
            b':' if depth == 0 && first_colon.is_none() => first_colon = Some(i),
            _ => {}
        }
        i += 1;
    }
    let target_end = last_assignment.or(first_colon);
    Some(target_end.map_or_else(Vec::new, |end| identifiers(&text[..end])))
}

/// Appends `range` to sorted, disjoint `ranges`, joining it to the last one when they touch.
fn push_merged(ranges: &mut Vec<Range<usize>>, range: Range<usize>) {
    match ranges.last_mut() {
        Some(last) if last.end == range.start => last.end = range.end,
        _ => ranges.push(range),
    }
}

/// Module-level names the transforms look up whether or not a read piece mentions them.
const LOOKED_UP: &[&str] = &["TIMEOUT_SECONDS", "MAX_CONCURRENCY"];

struct Chooser<'s> {
    src: &'s [u8],
    units: &'s [Unit],
    top: Vec<Mark>,
    members: Vec<Vec<Mark>>,
    /// For each module-level simple statement, the names it may bind (see `bound_names`).
    binds: Vec<Option<Vec<&'s str>>>,
    /// The words of the pieces read so far, as `close` needs them.
    words: rustc_hash::FxHashSet<&'s [u8]>,
    /// Each name, and the module-level statements that may bind it (made when first needed).
    binders: Option<rustc_hash::FxHashMap<&'s [u8], Vec<usize>>>,
    /// Each word, and the pieces whose text holds it (made when callers are looked for).
    mentions: Option<rustc_hash::FxHashMap<&'s [u8], Vec<Piece>>>,
    /// Each name, and the definitions (and classes) of that name (made when callees are).
    definitions: Option<rustc_hash::FxHashMap<&'s [u8], Vec<Piece>>>,
}

impl<'s> Chooser<'s> {
    fn new(src: &'s [u8], units: &'s [Unit]) -> Self {
        let binds: Vec<Option<Vec<&'s str>>> = units
            .iter()
            .map(|u| match u.kind {
                Kind::Statement => bound_names(&src[u.token..u.range.end]),
                _ => None,
            })
            .collect();
        let top = units
            .iter()
            .zip(&binds)
            .map(|(u, binds)| Mark {
                read: matches!(u.kind, Kind::Statement)
                    && binds
                        .as_ref()
                        .is_none_or(|names| names.iter().any(|n| LOOKED_UP.contains(n))),
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
            binds,
            words: Default::default(),
            binders: None,
            mentions: None,
            definitions: None,
        }
    }

    /// Each word, and the pieces whose text holds it as a whole word, in piece order.
    fn mentions(&mut self) -> &rustc_hash::FxHashMap<&'s [u8], Vec<Piece>> {
        if self.mentions.is_none() {
            let mut index: rustc_hash::FxHashMap<&'s [u8], Vec<Piece>> = Default::default();
            for piece in self.pieces() {
                let distinct: rustc_hash::FxHashSet<&'s [u8]> = words(self.text(piece)).collect();
                for word in distinct {
                    index.entry(word).or_default().push(piece);
                }
            }
            self.mentions = Some(index);
        }
        self.mentions.as_ref().expect("made above")
    }

    /// Each name, and the pieces that define a function or class of that name.
    fn definitions(&mut self) -> &rustc_hash::FxHashMap<&'s [u8], Vec<Piece>> {
        if self.definitions.is_none() {
            let mut index: rustc_hash::FxHashMap<&'s [u8], Vec<Piece>> = Default::default();
            for piece in self.pieces() {
                let unit = self.unit(piece);
                if let Kind::Def { name, .. } | Kind::Class { name, .. } = &unit.kind {
                    index.entry(name.as_bytes()).or_default().push(piece);
                }
            }
            self.definitions = Some(index);
        }
        self.definitions.as_ref().expect("made above")
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

    /// Where a piece lies: a class's header stands for the class when its body is split.
    fn range(&self, piece: Piece) -> Range<usize> {
        match (&self.units[piece.unit].kind, piece.member) {
            (
                Kind::Class {
                    header, members, ..
                },
                None,
            ) if !members.is_empty() => header.clone(),
            _ => self.unit(piece).range.clone(),
        }
    }

    fn text(&self, piece: Piece) -> &'s [u8] {
        &self.src[self.range(piece)]
    }

    /// Reads every piece in the `count` smallest gaps between `ranges` (sorted and disjoint).
    fn fill_smallest_gaps(&mut self, ranges: &[Range<usize>], count: usize) {
        let mut gaps: Vec<Range<usize>> = ranges.windows(2).map(|w| w[0].end..w[1].start).collect();
        gaps.sort_by_key(|gap| (gap.len(), gap.start));
        gaps.truncate(count);
        gaps.sort_by_key(|gap| gap.start);
        for piece in self.pieces() {
            let range = self.range(piece);
            let at = gaps.partition_point(|gap| gap.end <= range.start);
            if gaps
                .get(at)
                .is_some_and(|gap| gap.start <= range.start && range.end <= gap.end)
            {
                self.read(piece);
            }
        }
    }

    /// Reads `piece`, and the class around it.
    fn read(&mut self, piece: Piece) -> bool {
        let changed = !self.mark(piece).read || !self.top[piece.unit].read;
        self.mark(piece).read = true;
        self.top[piece.unit].read = true;
        changed
    }

    /// Reads the module-level units up to and including the first that is not a docstring or an
    /// import: the part of the module `imports::Layout` reads.
    fn read_header(&mut self) {
        // Constants go after the last import above the first definition (`imports::Layout`),
        // so every module-level statement up to that definition is read.
        // The definition that ends the scan is read too, so that the tree shows where it stops.
        for (u, unit) in self.units.iter().enumerate() {
            self.top[u].read = true;
            if !matches!(unit.kind, Kind::Statement) {
                break;
            }
        }
    }

    /// Reads the piece holding `offset`, for what it holds (a suppression, a `global`).
    fn need(&mut self, offset: usize) {
        let piece = self.piece_at(offset);
        self.read(piece);
    }

    /// Reads the piece holding a call at `offset`.
    fn hit(&mut self, offset: usize, for_callees: bool, for_callers: bool) {
        let piece = self.piece_at(offset);
        self.read(piece);
        let mark = self.mark(piece);
        mark.calls = true;
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

    fn marked(&self, piece: Piece) -> Mark {
        match piece.member {
            Some(m) => self.members[piece.unit][m],
            None => self.top[piece.unit],
        }
    }

    fn is_read(&self, piece: Piece) -> bool {
        self.marked(piece).read
    }

    /// Adds what the pieces read so far depend on, until nothing changes.
    fn close(&mut self, callees: bool, callers: bool) {
        loop {
            let mut changed = false;
            // A module-level statement binding a name a read piece mentions, and so on from
            // the statements read for it: a worklist, so that a chain of statements each using
            // the last is followed in one round.
            let unread_binders = (0..self.units.len()).any(|u| {
                !self.top[u].read && self.binds[u].as_ref().is_some_and(|b| !b.is_empty())
            });
            if unread_binders {
                if self.binders.is_none() {
                    let mut index: rustc_hash::FxHashMap<&'s [u8], Vec<usize>> = Default::default();
                    for (unit, names) in self.binds.iter().enumerate() {
                        for name in names.iter().flatten() {
                            index.entry(name.as_bytes()).or_default().push(unit);
                        }
                    }
                    self.binders = Some(index);
                }
                // The words of the read pieces, each piece counted once over all rounds.
                let mut work: Vec<Piece> = self
                    .pieces()
                    .into_iter()
                    .filter(|&p| self.is_read(p) && !self.marked(p).counted)
                    .collect();
                while let Some(piece) = work.pop() {
                    if self.marked(piece).counted {
                        continue;
                    }
                    self.mark(piece).counted = true;
                    for word in words(self.text(piece)) {
                        if !self.words.insert(word) {
                            continue;
                        }
                        let binders = self.binders.as_ref().expect("made above");
                        for &unit in binders.get(word).into_iter().flatten() {
                            if !self.top[unit].read {
                                self.top[unit].read = true;
                                // `session = make_session()`: a callee-minded check follows
                                // the value into the function that made it.
                                self.top[unit].for_callees = callees;
                                changed = true;
                                work.push(Piece { unit, member: None });
                            }
                        }
                    }
                }
            }
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
            // Callers of an async def that holds a call a caller-minded check reads, and callees
            // of a piece holding a call a callee-minded check reads: looked up by name in indexes
            // made once, so that each piece is not searched once per name.
            if callers || callees {
                for piece in self.pieces() {
                    let m = self.marked(piece);
                    if !m.read || m.linked || !(m.for_callers || m.for_callees) {
                        continue;
                    }
                    self.mark(piece).linked = true;
                    let text = self.text(piece);
                    let mut found: Vec<Piece> = Vec::new();
                    if callers && m.for_callers {
                        // Every async def in the piece, nested ones and methods of classes in it
                        // included: a method's callers are `self.name(...)` in any class.
                        let mentions = self.mentions();
                        for name in async_def_names(text) {
                            found.extend(mentions.get(name.as_bytes()).into_iter().flatten());
                        }
                    }
                    if callees && m.for_callees {
                        let definitions = self.definitions();
                        let words: rustc_hash::FxHashSet<&[u8]> = words(text).collect();
                        for word in words {
                            found.extend(definitions.get(word).into_iter().flatten().filter(
                                |other| other.member.is_none() || other.unit == piece.unit,
                            ));
                        }
                    }
                    for other in found {
                        if !self.is_read(other) {
                            changed |= self.read(other);
                            // Checks follow calls more than one call deep: a callee's callees.
                            self.mark(other).for_callees = true;
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
        let mut focus: Vec<Range<usize>> = Vec::new();
        for piece in self.pieces() {
            if self.marked(piece).calls {
                push_merged(&mut focus, self.range(piece));
            }
        }
        let mut ranges: Vec<Range<usize>> = Vec::new();
        let mut top = Vec::new();
        let mut classes = Vec::new();
        let mut left_out = Vec::new();
        let mut push = |range: Range<usize>| push_merged(&mut ranges, range);
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
        Some(Regions {
            ranges,
            focus,
            top,
            classes,
            left_out,
        })
    }
}

impl Regions {
    /// Whether parsing the pieces apart pays: they leave out a good part of a file of `len`
    /// bytes. (Their `focus` is worth using either way.)
    pub fn worth_parsing(&self, len: usize) -> bool {
        let kept: usize = self.ranges.iter().map(|r| r.len()).sum();
        kept * 20 <= len * 19
    }

    /// The ranges as tree-sitter takes them, with their rows and columns.
    fn ts_ranges(&self, src: &str) -> Vec<tree_sitter::Range> {
        let mut points = crate::parse::Points::new(src);
        self.ranges
            .iter()
            .map(|r| {
                let start_point = points.at(r.start);
                let end_point = points.at(r.end);
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
        let tree = crate::parse::parse_ranges(src, &self.ts_ranges(src))?;
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

    /// `code` followed by defs no transform reads, so that the file is worth cutting.
    fn with_filler(code: &str) -> String {
        let filler: String = (1..=4)
            .map(|k| format!("\n\ndef f{k}():\n    return {k}\n"))
            .collect();
        format!("{code}{filler}")
    }

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
        let src = &with_filler(
            "import asyncio\n\n\
            async def fetch(h):\n    r, w = await asyncio.open_connection(h, 1)\n    return await r.read()\n\n\
            async def caller(c):\n    return await fetch(c)\n",
        );
        let kept = kept(src, &["await-without-deadline"]).unwrap();
        assert!(kept.contains("async def caller"), "{kept}");
        assert!(!kept.contains("def f1("), "{kept}");
    }

    #[test]
    fn a_method_counts_only_when_the_file_names_an_origin_it_could_have() {
        let body = with_filler("\n\ndef read(d):\n    return d.get('k')\n");
        let without = format!("import threading\n{body}");
        let no_queue = kept(&without, &["blocking-wait-without-timeout"]).unwrap();
        assert!(!no_queue.contains("def read"), "{no_queue}");
        let with = format!("import queue\nQ = queue.Queue()\n{body}");
        let queue = kept(&with, &["blocking-wait-without-timeout"]).unwrap();
        assert!(queue.contains("def read"), "{queue}");
    }

    #[test]
    fn callers_of_an_async_method_are_read_in_any_class() {
        let src = &with_filler(
            "import asyncio\n\n\
            class A:\n    def __init__(self):\n        self.h = 'h'\n\n\
            \x20   async def fetch(self, u):\n        r, w = await asyncio.open_connection(self.h, u)\n        return await r.read()\n\n\
            class B:\n    def go(self):\n        return self.fetch(1)\n\n\
            \x20   def other(self):\n        return 2\n",
        );
        let kept = kept(src, &["await-without-deadline"]).unwrap();
        assert!(kept.contains("def go"), "{kept}");
        assert!(!kept.contains("def other"), "{kept}");
        assert_eq!(
            async_def_names(b"async  def f(x):\n    async def g(): pass\n"),
            ["f", "g"]
        );
    }

    #[test]
    fn a_call_settled_by_a_keyword_is_told_from_one_that_is_not() {
        let given = |call: &str| gives_keyword(call.as_bytes(), call.find('(').unwrap(), "timeout");
        assert!(given("get(url, timeout=3)"));
        assert!(given("get(url,\n    timeout = (3, 5))"));
        assert!(given("get(f(x), 'a)', timeout=t)"));
        assert!(!given("get(url, timeout=None)"));
        assert!(!given("get(url, timeout == 3)"));
        assert!(!given("get(url, f(timeout=3))"));
        assert!(!given("get(url, my_timeout=3)"));
        assert!(!given("get(url)  # timeout=3"));
        assert!(!given("get(url, 'timeout=3')"));
        assert!(!given("get(url, timeout=3"));
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
    fn module_statements_say_what_they_may_bind() {
        let names = |src: &'static str| bound_names(src.as_bytes());
        assert_eq!(names("x = f(a=1)\n"), Some(vec!["x"]));
        assert_eq!(names("a = b = make()\n"), Some(vec!["a", "b"]));
        assert_eq!(names("n += 1\n"), Some(vec!["n"]));
        assert_eq!(names("ok = a <= b\n"), Some(vec!["ok"]));
        assert_eq!(names("x: Session = make()\n"), Some(vec!["x", "Session"]));
        // Words inside strings count too: reading one more statement is always safe.
        assert_eq!(names("d['k=v'] = 1\n"), Some(vec!["d", "k", "v"]));
        assert_eq!(names("\"\"\"Doc = string.\"\"\"\n"), Some(vec![]));
        assert_eq!(names("logging.basicConfig(level=1)\n"), Some(vec![]));
        assert_eq!(names("assert a == b\n"), Some(vec![]));
        assert_eq!(names("import requests\n"), None);
        assert_eq!(names("if TYPE_CHECKING:\n    import x\n"), None);
        assert_eq!(names("x = 1; y = 2\n"), None);
        assert_eq!(names("print(y := 2)\n"), None);
    }

    #[test]
    fn a_chained_assignment_is_read_for_its_last_target() {
        let src = &with_filler(
            "import requests\n\nA = B = requests.Session()\nUNUSED = 1\n\n\
            def fetch(u):\n    return B.get(u)\n",
        );
        let kept = kept(src, &["missing-timeout"]).unwrap();
        assert!(kept.contains("A = B = requests.Session()"), "{kept}");
        assert!(!kept.contains("UNUSED"), "{kept}");
    }

    #[test]
    fn receivers_are_read_back_from_the_name() {
        let at = |src: &'static str, name: &str| receiver(src.as_bytes(), src.rfind(name).unwrap());
        assert_eq!(at("x = get(1)", "get"), Receiver::Nothing);
        assert_eq!(at("x = s.get(1)", "get"), Receiver::Name(b"s"));
        assert_eq!(at("x = s . get(1)", "get"), Receiver::Name(b"s"));
        assert_eq!(at("self.s.get(1)", "get"), Receiver::SelfAttribute);
        assert_eq!(at("self.a.b.get(1)", "get"), Receiver::Other);
        assert_eq!(
            at("requests.api.get(1)", "get"),
            Receiver::Chain(b"requests")
        );
        assert_eq!(at("make().get(1)", "get"), Receiver::Other);
        assert_eq!(at("d[0].get(1)", "get"), Receiver::Other);
        assert_eq!(at("', '.join(x)", "join"), Receiver::Other);
        assert_eq!(at("(s\n .get(1))", "get"), Receiver::Unknown);
        assert_eq!(at("x = s.\\\n  get(1)", "get"), Receiver::Name(b"s"));
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
