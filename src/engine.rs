//! Runs transforms over one file's text and applies their fixes to a fixed point.
//!
//! Each pass parses the text, runs every selected transform, applies the fixes that do not overlap
//! (left to right, as ruff does), adds the imports they ask for once, and parses the result again.
//! A pass whose output does not parse is rolled back and reported; the loop stops when a pass
//! yields no fix, or reports non-convergence after `MAX_PASSES`. The engine knows no transform.

use std::collections::BTreeSet;

use crate::imports::header_edits;
use crate::parse::{first_syntax_error, line_col, parse, SyntaxError};
use crate::rule::{Context, Edit, Finding, Fix, Rule};
use crate::semantic::Semantic;
use crate::settings::Settings;
use crate::source::SourceText;

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

/// What happened to one file's text.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Findings on the original text, in source order.
    pub findings: Vec<Reported>,
    /// The rewritten text, when any fix was applied.
    pub fixed: Option<String>,
    /// How many fixes were applied, over all passes.
    pub fixes_applied: usize,
    /// Things the user must know: rolled-back passes, non-convergence.
    pub problems: Vec<String>,
}

/// Why a file was not processed at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    Syntax(SyntaxError),
    Unparseable,
}

impl std::fmt::Display for Skip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Skip::Syntax(e) => e.fmt(f),
            Skip::Unparseable => f.write_str("tree-sitter could not parse the file"),
        }
    }
}

/// Checks `source` with `rules`; with `fix`, also applies every fix to a fixed point.
pub fn run(
    source: &SourceText,
    rules: &[&'static Rule],
    settings: &Settings,
    fix: bool,
) -> Result<Outcome, Skip> {
    let mut outcome = Outcome::default();
    let mut text = source.text.clone();
    for pass in 0..MAX_PASSES {
        let tree = parse(&text).ok_or(Skip::Unparseable)?;
        if let Some(err) = first_syntax_error(&tree, &text) {
            // Only the original can fail here: a rewritten pass is checked before it is kept.
            return Err(Skip::Syntax(err));
        }
        let semantic = Semantic::build(tree.root_node(), &text);
        let ctx = Context {
            src: &text,
            tree: &tree,
            semantic: &semantic,
            settings,
        };
        let mut findings: Vec<Finding> = rules.iter().flat_map(|rule| (rule.check)(&ctx)).collect();
        findings.sort_by(|a, b| {
            (a.range.start, a.range.end, a.rule.id).cmp(&(b.range.start, b.range.end, b.rule.id))
        });
        if pass == 0 {
            outcome.findings = findings.iter().map(|f| report(f, &text)).collect();
        }
        if !fix {
            return Ok(outcome);
        }
        let chosen = non_overlapping(&findings);
        if chosen.is_empty() {
            break;
        }
        let applied = findings
            .iter()
            .filter(|f| f.fix.as_ref().is_some_and(|fix| chosen.contains(&fix)))
            .count();
        let edits = pass_edits(&chosen, &semantic, &text, source);
        let rewritten = apply_edits(&text, &edits);
        match parse(&rewritten).map(|t| first_syntax_error(&t, &rewritten)) {
            Some(None) => {
                outcome.fixes_applied += applied;
                text = rewritten;
            }
            Some(Some(err)) => {
                let rules: BTreeSet<&str> = findings
                    .iter()
                    .filter(|f| f.fix.as_ref().is_some_and(|fix| chosen.contains(&fix)))
                    .map(|f| f.rule.id)
                    .collect();
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
        outcome.fixed = Some(text);
    }
    Ok(outcome)
}

/// The fixes to apply in one pass: left to right, skipping any that touches one already taken.
/// Findings that share one fix (a transform may fix several places together) count as one.
fn non_overlapping(findings: &[Finding]) -> Vec<&Fix> {
    let mut fixes: Vec<&Fix> = findings.iter().filter_map(|f| f.fix.as_ref()).collect();
    fixes.sort_by_key(|fix| {
        let span = fix.span();
        (span.start, span.end)
    });
    let mut chosen: Vec<&Fix> = Vec::new();
    for fix in fixes {
        let span = fix.span();
        let free = chosen.iter().all(|taken| {
            let t = taken.span();
            span.end < t.start || t.end < span.start
        });
        if free {
            chosen.push(fix);
        }
    }
    chosen
}

/// All edits of a pass: the fixes' own, then the imports and module statements they need, once.
fn pass_edits(chosen: &[&Fix], semantic: &Semantic, text: &str, source: &SourceText) -> Vec<Edit> {
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
    edits.extend(header_edits(semantic.root(), text, &modules, &statements));
    for edit in &mut edits {
        edit.text = source.with_newlines(&edit.text).into_owned();
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

fn position(text: &str, offset: usize) -> Position {
    let (line, column) = line_col(text, offset);
    Position { line, column }
}

fn report(finding: &Finding, text: &str) -> Reported {
    let start = position(text, finding.range.start);
    let end = position(text, finding.range.end);
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
                    start: position(text, e.range.start),
                    end: position(text, e.range.end),
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
