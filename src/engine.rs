//! Runs transforms over one file's text and applies their fixes to a fixed point.
//!
//! Each pass parses the text, runs every selected transform, applies the fixes that do not overlap
//! (left to right, as ruff does), adds the imports they ask for once, and parses the result again.
//! A pass whose output does not parse is rolled back and reported; the loop stops when a pass
//! yields no fix, or reports non-convergence after `MAX_PASSES`. The engine knows no transform.

use std::collections::BTreeSet;

use crate::imports::header_edits;
use crate::parse::{first_syntax_error, parse, LineIndex, SyntaxError};
use crate::rule::{Context, Edit, Finding, Fix, QueryCache, Rule};
use crate::semantic::Semantic;
use crate::settings::Settings;
use crate::source::SourceText;
use crate::suppress;

const MAX_PASSES: usize = 8;

/// A finding as the user sees it: positions are 1-based lines and character columns.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Reported {
    pub rule: &'static str,
    pub code: &'static str,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub message: String,
    pub fix: Option<FixView>,
}

/// A fix in the output: its edits against the original text and the behaviour it changes.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FixView {
    pub applicability: &'static str,
    pub edits: Vec<EditView>,
    pub imports: Vec<String>,
    pub module_statements: Vec<String>,
    pub changes: Vec<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct EditView {
    pub start: Position,
    pub end: Position,
    pub content: String,
}

#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// A suppression comment that silenced nothing.
#[derive(Debug, Clone, serde::Serialize)]
pub struct UnusedSuppression {
    pub line: usize,
    pub column: usize,
    pub comment: String,
    /// Names in it that are not transforms.
    pub unknown: Vec<String>,
}

/// What happened to one file's text.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Suppression comments that silenced nothing in this run.
    pub unused_suppressions: Vec<UnusedSuppression>,
    /// Findings on the original text, in source order.
    pub findings: Vec<Reported>,
    /// The rewritten text, when any fix was applied.
    pub fixed: Option<String>,
    /// How many fixes each transform applied, over all passes.
    pub fixes_by_rule: std::collections::BTreeMap<&'static str, usize>,
    /// Things the user must know: rolled-back passes, non-convergence.
    pub problems: Vec<String>,
}

impl Outcome {
    /// How many fixes were applied, over all passes.
    pub fn fixes_applied(&self) -> usize {
        self.fixes_by_rule.values().sum()
    }
}

/// How deep a file's syntax tree may go. CPython compiles none much deeper (a chain of about
/// 3,000 `+` is its limit; 200 nested brackets are), and below it every walk over the tree is
/// safe on the stack a file's thread has.
pub const MAX_DEPTH: usize = 4_000;

/// Why a file was not processed at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    Syntax(SyntaxError),
    Unparseable,
    /// Its tree is deeper than `MAX_DEPTH`.
    TooDeep,
}

impl std::fmt::Display for Skip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Skip::Syntax(e) => e.fmt(f),
            Skip::Unparseable => f.write_str("tree-sitter could not parse the file"),
            Skip::TooDeep => write!(f, "nesting deeper than {MAX_DEPTH} levels"),
        }
    }
}

/// The file's semantic model, unless its tree is too deep to analyse.
fn semantic<'t>(tree: &'t tree_sitter::Tree, text: &'t str) -> Result<Semantic<'t>, Skip> {
    let semantic = Semantic::build(tree.root_node(), text);
    if semantic.depth() > MAX_DEPTH {
        return Err(Skip::TooDeep);
    }
    Ok(semantic)
}

/// Whether and how fixes are applied.
pub enum Fixing<'a> {
    /// Only report findings.
    No,
    /// Apply every fix.
    All,
    /// Ask about each fix, with a preview of its rewrite.
    Approve(&'a mut dyn FnMut(&Proposal) -> Approval),
}

/// One fix offered for approval: the text before and after it alone.
pub struct Proposal<'a> {
    pub rule: &'static Rule,
    pub message: &'a str,
    pub changes: &'a [String],
    pub before: &'a str,
    pub after: String,
}

/// An answer to a proposal, as `git add -p` takes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Approval {
    Yes,
    No,
    /// This one and every later one.
    All,
    /// Not this one nor any later one; keep what was approved.
    Quit,
}

/// Checks `source` with those of `rules` whose trigger words it contains, and applies fixes as
/// `fixing` says, to a fixed point.
pub fn run(
    source: &SourceText,
    rules: &[&'static Rule],
    settings: &Settings,
    mut fixing: Fixing,
) -> Result<Outcome, Skip> {
    // With no version named anywhere, the file's own syntax says what it needs at least.
    let floor = settings
        .target_from_syntax
        .then(|| crate::settings::syntax_floor(&source.text))
        .flatten()
        .filter(|floor| *floor > settings.target);
    let raised;
    let settings = match floor {
        Some(floor) => {
            raised = Settings {
                target: floor,
                ..settings.clone()
            };
            &raised
        }
        None => settings,
    };
    let mut outcome = Outcome::default();
    let mut text = source.text.clone();
    // Fixes declined interactively, by transform and message, so later passes do not ask again.
    let mut declined: BTreeSet<(&'static str, String)> = BTreeSet::new();
    let mut quit = false;
    // When the file can be cut, the first pass has already run on a tree of only the pieces
    // the transforms read; every later pass works on a whole tree.
    let mut first_pass = None;
    let mut tree = None;
    if !settings.whole_files {
        match check_regions(source, rules, settings, &fixing)? {
            Regions::Done(outcome) => return Ok(outcome),
            Regions::Fix(pieces, checked) => {
                tree = Some(pieces);
                first_pass = Some(checked);
            }
            Regions::Whole => {}
        }
    }
    let from_pieces = tree.is_some();
    let mut tree = match tree {
        Some(pieces) => pieces,
        None => whole_tree(&text)?,
    };
    let original_imports = crate::unused_imports::import_ranges(tree.root_node());
    for pass in 0..MAX_PASSES {
        let (mut findings, suppressions, active) = match first_pass.take() {
            Some(checked) => checked,
            None => {
                // Each pass works on the tree the previous one checked its output with. Only
                // the pieces holding calls can hold findings, so the queries run only there.
                // A rewrite can bring in words another transform looks for, so the transforms
                // are chosen again on every pass.
                let active = crate::prefilter::candidates_with(
                    text.as_bytes(),
                    rules,
                    &settings.network_modules(),
                );
                let semantic = semantic(&tree, &text)?;
                let focus = (!settings.whole_files)
                    .then(|| crate::regions::select(&text, &active))
                    .flatten();
                let queries =
                    focus.map_or_else(QueryCache::default, |r| QueryCache::within(r.focus));
                check_text(&text, &tree, &semantic, active, settings, queries)
            }
        };
        if pass == 0 {
            outcome.findings = report_all(&findings, &text);
            outcome.unused_suppressions = unused(&suppressions, &active);
        }
        if matches!(fixing, Fixing::No) || quit {
            break;
        }
        findings.retain(|f| !declined.contains(&(f.rule.id, f.message.clone())));
        let mut chosen = non_overlapping(&findings, &text);
        if let Fixing::Approve(ask) = &mut fixing {
            let mut approved = Vec::new();
            for fix in chosen {
                let finding = findings
                    .iter()
                    .find(|f| f.fix.as_ref() == Some(fix))
                    .expect("a chosen fix belongs to a finding");
                let edits = pass_edits(&[fix], tree.root_node(), &text, source);
                let proposal = Proposal {
                    rule: finding.rule,
                    message: &finding.message,
                    changes: &fix.changes,
                    before: &text,
                    after: apply_edits(&text, &edits),
                };
                match if quit { Approval::No } else { ask(&proposal) } {
                    Approval::Yes => approved.push(fix),
                    Approval::All => {
                        approved.push(fix);
                        fixing = Fixing::All;
                        break;
                    }
                    Approval::No => {
                        declined.insert((finding.rule.id, finding.message.clone()));
                    }
                    Approval::Quit => quit = true,
                }
            }
            if matches!(fixing, Fixing::All) {
                // "All": take every fix of this pass from here on, as if no question was asked.
                let rest: Vec<&Fix> = non_overlapping(&findings, &text)
                    .into_iter()
                    .filter(|f| {
                        !findings.iter().any(|x| {
                            x.fix.as_ref() == Some(*f)
                                && declined.contains(&(x.rule.id, x.message.clone()))
                        })
                    })
                    .collect();
                approved = rest;
            }
            chosen = approved;
        }
        if chosen.is_empty() {
            break;
        }
        // Every finding whose fix is one of those chosen (findings may share a fix), looked up
        // by span before the fixes are compared whole.
        let mut by_span: std::collections::HashMap<(usize, usize), Vec<&Fix>> = Default::default();
        for fix in &chosen {
            let span = fix.span();
            by_span.entry((span.start, span.end)).or_default().push(fix);
        }
        let applied: Vec<&'static str> = findings
            .iter()
            .filter(|f| {
                f.fix.as_ref().is_some_and(|fix| {
                    let span = fix.span();
                    by_span
                        .get(&(span.start, span.end))
                        .is_some_and(|same| same.contains(&fix))
                })
            })
            .map(|f| f.rule.id)
            .collect();
        let edits = pass_edits(&chosen, tree.root_node(), &text, source);
        let rewritten = apply_edits(&text, &edits);
        let checked = crate::parse::reparse(
            &tree,
            &text,
            edits.iter().map(|e| (e.range.clone(), e.text.as_str())),
            &rewritten,
        )
        .map(|t| {
            let err = first_syntax_error(&t, &rewritten);
            (t, err)
        });
        match checked {
            Some((new_tree, None)) => {
                for rule in applied {
                    *outcome.fixes_by_rule.entry(rule).or_default() += 1;
                }
                text = rewritten;
                tree = new_tree;
            }
            Some((_, Some(err))) => {
                // A tree of pieces does not show a syntax error elsewhere in the file: the
                // output has it because the input had it.
                if from_pieces && pass == 0 {
                    whole_tree(&source.text)?;
                }
                let rules: BTreeSet<&str> = applied.into_iter().collect();
                outcome.problems.push(format!(
                    "fixes by {} were rolled back: their output would have a {err}",
                    rules.into_iter().collect::<Vec<_>>().join(", ")
                ));
                break;
            }
            None => break,
        }
        if pass == MAX_PASSES - 1 {
            outcome.problems.push(format!(
                "fixes did not converge after {MAX_PASSES} passes; the last pass was kept"
            ));
        }
    }
    if text != source.text {
        // Lines the rewrites made too long are laid out as the project's formatter would.
        let changed = changed_lines(&source.text, &text);
        let laid =
            crate::layout::fit_lines(&text, tree.root_node(), &changed, settings.line_length);
        if let Some(laid) = crate::layout::apply_if_parses(&text, &laid) {
            if let Some(new_tree) = parse(&laid) {
                text = laid;
                tree = new_tree;
            }
        }
        if let Some(cleaned) = crate::unused_imports::remove_newly_unused(
            &source.text,
            &original_imports,
            &text,
            tree.root_node(),
        ) {
            text = cleaned;
        }
        outcome.fixed = Some(text);
    }
    Ok(outcome)
}

/// The byte ranges of the lines of `after` that are not lines of `before`.
fn changed_lines(before: &str, after: &str) -> Vec<std::ops::Range<usize>> {
    let diff = similar::TextDiff::from_lines(before, after);
    let mut ranges = Vec::new();
    let mut offset = 0;
    for change in diff.iter_all_changes() {
        let len = change.value().len();
        match change.tag() {
            similar::ChangeTag::Insert => {
                ranges.push(offset..offset + len);
                offset += len;
            }
            similar::ChangeTag::Equal => offset += len,
            similar::ChangeTag::Delete => {}
        }
    }
    ranges
}

/// The whole tree of `text`, or why the file is skipped.
fn whole_tree(text: &str) -> Result<tree_sitter::Tree, Skip> {
    let tree = parse(text).ok_or(Skip::Unparseable)?;
    match first_syntax_error(&tree, text) {
        Some(err) => Err(Skip::Syntax(err)),
        None => Ok(tree),
    }
}

/// What one pass's check found: findings, suppression comments, the transforms that ran.
type Checked = (Vec<Finding>, Vec<suppress::Suppression>, Vec<&'static Rule>);

/// Runs `active` (the selected transforms the prefilter keeps for `text`) over `tree`: their
/// findings, minus suppressed ones, in source order; the suppression comments; the transforms
/// that ran.
fn check_text<'t>(
    text: &'t str,
    tree: &'t tree_sitter::Tree,
    semantic: &Semantic<'t>,
    active: Vec<&'static Rule>,
    settings: &Settings,
    queries: QueryCache<'t>,
) -> Checked {
    let mut findings: Vec<Finding> = Vec::new();
    for rule in &active {
        let ctx = Context {
            src: text,
            tree,
            semantic,
            settings: &settings.for_rule(rule.id),
            queries: &queries,
        };
        findings.extend((rule.check)(&ctx));
    }
    let suppressions = suppress::collect(tree, text);
    if !suppressions.is_empty() {
        let lines = LineIndex::new(text);
        findings.retain(|f| {
            let start = lines.line_col(f.range.start).0;
            let end = lines.line_col(f.range.end).0;
            !suppress::is_suppressed(&suppressions, f.rule.id, start, end)
        });
    }
    findings.sort_by(|a, b| {
        (a.range.start, a.range.end, a.rule.id).cmp(&(b.range.start, b.range.end, b.rule.id))
    });
    (findings, suppressions, active)
}

/// What checking only the parts of a file the transforms read came to.
enum Regions {
    /// The outcome: nothing to fix.
    Done(Outcome),
    /// There are fixes: the pieces' tree, and what checking it found.
    Fix(tree_sitter::Tree, Checked),
    /// The file cannot be cut soundly.
    Whole,
}

/// Checks only the parts of the file the transforms read (`regions.rs`).
fn check_regions(
    source: &SourceText,
    rules: &[&'static Rule],
    settings: &Settings,
    fixing: &Fixing,
) -> Result<Regions, Skip> {
    let text = &source.text;
    let active =
        crate::prefilter::candidates_with(text.as_bytes(), rules, &settings.network_modules());
    // Fixes place imports and constants in the module's header, so they read it too.
    let for_fixes = !matches!(fixing, Fixing::No);
    let Some(regions) = crate::regions::select_for(text, &active, for_fixes) else {
        return Ok(Regions::Whole);
    };
    if !regions.worth_parsing(text.len()) {
        return Ok(Regions::Whole);
    }
    let Some(tree) = regions.parse(text) else {
        return Ok(Regions::Whole);
    };
    let semantic = semantic(&tree, text)?;
    if regions.hides_a_binding(&semantic) {
        return Ok(Regions::Whole);
    }
    let queries = QueryCache::within(regions.focus);
    let (findings, suppressions, active) =
        check_text(text, &tree, &semantic, active, settings, queries);
    if for_fixes && findings.iter().any(|f| f.fix.is_some()) {
        drop(semantic);
        return Ok(Regions::Fix(tree, (findings, suppressions, active)));
    }
    Ok(Regions::Done(Outcome {
        findings: report_all(&findings, text),
        unused_suppressions: unused(&suppressions, &active),
        ..Outcome::default()
    }))
}

/// Suppressions that silenced nothing, judged only against the transforms that ran.
fn unused(
    suppressions: &[suppress::Suppression],
    rules: &[&'static Rule],
) -> Vec<UnusedSuppression> {
    suppressions
        .iter()
        .filter(|s| !s.unknown.is_empty() || (!s.used() && s.named_rules_ran(rules)))
        .map(|s| UnusedSuppression {
            line: s.line,
            column: s.column,
            comment: s.text.clone(),
            unknown: s.unknown.clone(),
        })
        .collect()
}

/// The fixes to apply in one pass: left to right, skipping any that touches one already taken.
/// Findings that share one fix (a transform may fix several places together) count as one.
fn non_overlapping<'f>(findings: &'f [Finding], text: &str) -> Vec<&'f Fix> {
    let mut fixes: Vec<&Fix> = findings.iter().filter_map(|f| f.fix.as_ref()).collect();
    fixes.sort_by_key(|fix| {
        let span = fix.span();
        (span.start, span.end)
    });
    let mut chosen: Vec<&Fix> = Vec::new();
    // The furthest end of a chosen span: spans come in order of their start, so a span is free
    // when it starts after every chosen one ends.
    let mut reach: Option<usize> = None;
    for fix in fixes {
        if !edits_are_disjoint(&fix.edits) {
            // A transform's own edits must not overlap; such a fix is never applied.
            continue;
        }
        if fix.edits.iter().any(|e| {
            continues_a_blank_line(text, e.range.start)
                || holds_a_continued_blank_line(text, &e.range)
                || (e.text.contains('\n') && indent_mixes_tabs_and_spaces(text, e.range.start))
        }) {
            continue;
        }
        let span = fix.span();
        if reach.is_none_or(|end| end < span.start) {
            reach = Some(reach.map_or(span.end, |end| end.max(span.end)));
            chosen.push(fix);
        }
    }
    chosen
}

/// Whether `offset` is in the indentation of a line that a blank line continues (`  \`). The
/// line's indentation is then the blank line's for Python, and its own for tree-sitter, so lines
/// inserted there would be indented for neither; a fix that edits there is not applied.
fn continues_a_blank_line(text: &str, offset: usize) -> bool {
    let bytes = text.as_bytes();
    let line = memchr::memrchr(b'\n', &bytes[..offset]).map_or(0, |i| i + 1);
    if !bytes[line..offset]
        .iter()
        .all(|c| matches!(c, b' ' | b'\t' | b'\x0c'))
        || line == 0
    {
        return false;
    }
    let previous = &bytes[..line - 1];
    let previous = previous.strip_suffix(b"\r").unwrap_or(previous);
    let Some(before) = previous.strip_suffix(b"\\") else {
        return false;
    };
    let start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
    before[start..]
        .iter()
        .all(|c| matches!(c, b' ' | b'\t' | b'\x0c'))
}

/// Whether the text an edit replaces holds a blank line continued with a backslash (`  \`):
/// re-indented, such a line would lend the statement after it an indentation of its own.
fn holds_a_continued_blank_line(text: &str, range: &std::ops::Range<usize>) -> bool {
    let bytes = text.as_bytes();
    let end = range.end.min(bytes.len());
    memchr::memchr_iter(b'\\', &bytes[range.start..end]).any(|i| {
        let at = range.start + i;
        let ends_line = matches!(bytes.get(at + 1), Some(b'\n'))
            || (bytes.get(at + 1) == Some(&b'\r') && bytes.get(at + 2) == Some(&b'\n'));
        let line = memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |j| j + 1);
        ends_line
            && bytes[line..at]
                .iter()
                .all(|c| matches!(c, b' ' | b'\t' | b'\x0c'))
    })
}

/// Whether the line holding `offset` is indented with both tabs and spaces: Python reads such
/// indentation by tab stops, so lines a fix adds there could not be indented to match it.
fn indent_mixes_tabs_and_spaces(text: &str, offset: usize) -> bool {
    let bytes = text.as_bytes();
    let line = memchr::memrchr(b'\n', &bytes[..offset.min(bytes.len())]).map_or(0, |i| i + 1);
    let indent = &bytes[line..];
    let width = indent
        .iter()
        .take_while(|c| matches!(c, b' ' | b'\t'))
        .count();
    indent[..width].contains(&b' ') && indent[..width].contains(&b'\t')
}

fn edits_are_disjoint(edits: &[Edit]) -> bool {
    let mut ranges: Vec<&std::ops::Range<usize>> = edits.iter().map(|e| &e.range).collect();
    ranges.sort_by_key(|r| (r.start, r.end));
    ranges.windows(2).all(|w| w[0].end <= w[1].start)
}

/// All edits of a pass: the fixes' own, then the imports and module statements they need, once.
fn pass_edits(
    chosen: &[&Fix],
    root: tree_sitter::Node,
    text: &str,
    source: &SourceText,
) -> Vec<Edit> {
    let mut edits = Vec::new();
    let mut modules: Vec<String> = Vec::new();
    let mut statements: Vec<String> = Vec::new();
    for fix in chosen {
        edits.extend(fix.edits.iter().cloned());
        for module in &fix.imports {
            if !modules.contains(module) {
                modules.push(module.clone());
            }
        }
        for statement in &fix.module_statements {
            if !statements.contains(statement) {
                statements.push(statement.clone());
            }
        }
    }
    modules.sort();
    let first_edit = edits
        .iter()
        .map(|e| e.range.start)
        .min()
        .unwrap_or(text.len());
    edits.extend(header_edits(root, text, &modules, &statements, first_edit));
    for edit in &mut edits {
        edit.text = source.with_newlines(&edit.text).into_owned();
        // A node can end between a CR and its LF (a comment takes the CR in): where an edit
        // meets the other half of a CRLF, it must not bring a CR of its own.
        let bytes = text.as_bytes();
        if edit.text.ends_with('\r') && bytes.get(edit.range.end) == Some(&b'\r') {
            edit.text.pop();
        }
        if edit.text.starts_with("\r\n")
            && edit.range.start > 0
            && bytes.get(edit.range.start - 1) == Some(&b'\r')
        {
            edit.text.remove(0);
        }
    }
    edits
}

/// Applies edits that do not overlap; insertions at one offset keep their given order.
pub fn apply_edits(text: &str, edits: &[Edit]) -> String {
    let mut order: Vec<usize> = (0..edits.len()).collect();
    order.sort_by_key(|&i| (edits[i].range.start, edits[i].range.end, i));
    let mut out = String::with_capacity(text.len() + 256);
    let mut cursor = 0;
    for i in order {
        let edit = &edits[i];
        debug_assert!(edit.range.start >= cursor, "overlapping edits");
        out.push_str(&text[cursor..edit.range.start]);
        out.push_str(&edit.text);
        cursor = edit.range.end.max(cursor);
    }
    out.push_str(&text[cursor..]);
    out
}

fn position(lines: &LineIndex, offset: usize) -> Position {
    let (line, column) = lines.line_col(offset);
    Position { line, column }
}

/// The findings as the user sees them, with the lines of `text` counted once for all.
fn report_all(findings: &[Finding], text: &str) -> Vec<Reported> {
    let lines = LineIndex::new(text);
    findings.iter().map(|f| report(f, &lines)).collect()
}

fn report(finding: &Finding, lines: &LineIndex) -> Reported {
    let start = position(lines, finding.range.start);
    let end = position(lines, finding.range.end);
    Reported {
        rule: finding.rule.id,
        code: finding.rule.code,
        line: start.line,
        column: start.column,
        end_line: end.line,
        end_column: end.column,
        message: finding.message.clone(),
        fix: finding.fix.as_ref().map(|fix| FixView {
            applicability: if fix.changes.is_empty() {
                "safe"
            } else {
                "unsafe"
            },
            edits: fix
                .edits
                .iter()
                .map(|e| EditView {
                    start: position(lines, e.range.start),
                    end: position(lines, e.range.end),
                    content: e.text.clone(),
                })
                .collect(),
            imports: fix.imports.clone(),
            module_statements: fix.module_statements.clone(),
            changes: fix.changes.clone(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_continued_from_a_blank_line_is_found() {
        let text = "def f():\n  \\\n   return 1\n";
        let at = text.find("return").unwrap();
        assert!(continues_a_blank_line(text, at));
        assert!(continues_a_blank_line(text, at - 3));
        assert!(!continues_a_blank_line(text, text.find("def").unwrap()));
        let joined = "x = 1 + \\\n    2\n";
        assert!(!continues_a_blank_line(joined, joined.find('2').unwrap()));
    }

    #[test]
    fn insertions_at_one_offset_keep_their_order() {
        let edits = vec![
            Edit::insert(1, "b"),
            Edit::insert(1, "c"),
            Edit {
                range: 0..1,
                text: "A".into(),
            },
        ];
        assert_eq!(apply_edits("xy", &edits), "Abcy");
    }
}
