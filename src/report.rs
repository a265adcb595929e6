//! Output: findings as text, JSON, SARIF or GitHub annotations; the per-fix explanations on
//! stderr; and the closing summary.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;
use std::time::Duration;

use anyhow::Result;
use clap::ValueEnum;
use serde_json::json;

use crate::engine::{Reported, UnusedSuppression};
use crate::files::{FileResult, Status};
use crate::registry::RULES;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// path:line:col: CODE name [*] message
    Text,
    /// An array of findings, each with its fix (edits and behaviour changes)
    Json,
    /// SARIF 2.1.0, for code-scanning dashboards
    Sarif,
    /// GitHub Actions workflow annotations
    Github,
}

pub type Located<'a, T> = (&'a Path, &'a T);

/// Every finding of the processed files, in file order.
pub fn findings(results: &[FileResult]) -> Vec<Located<'_, Reported>> {
    results
        .iter()
        .filter_map(|r| match &r.status {
            Status::Processed { outcome, .. } => Some((r.path.as_path(), outcome)),
            _ => None,
        })
        .flat_map(|(path, outcome)| outcome.findings.iter().map(move |f| (path, f)))
        .collect()
}

pub fn unused_suppressions(results: &[FileResult]) -> Vec<Located<'_, UnusedSuppression>> {
    results
        .iter()
        .filter_map(|r| match &r.status {
            Status::Processed { outcome, .. } => Some((r.path.as_path(), outcome)),
            _ => None,
        })
        .flat_map(|(path, outcome)| outcome.unused_suppressions.iter().map(move |u| (path, u)))
        .collect()
}

fn unused_message(u: &UnusedSuppression) -> String {
    if u.unknown.is_empty() {
        format!("`{}` silences nothing; remove it", u.comment)
    } else {
        format!(
            "`{}` names {}, which {} not a transform",
            u.comment,
            u.unknown.join(", "),
            if u.unknown.len() == 1 { "is" } else { "are" }
        )
    }
}

pub fn print(
    out: &mut impl Write,
    format: Format,
    findings: &[Located<Reported>],
    unused: &[Located<UnusedSuppression>],
) -> Result<()> {
    match format {
        Format::Text => {
            for (path, f) in findings {
                let marker = if f.fix.is_some() { " [*]" } else { "" };
                writeln!(
                    out,
                    "{}:{}:{}: {} {}{marker} {}",
                    path.display(),
                    f.line,
                    f.column,
                    f.code,
                    f.rule,
                    f.message
                )?;
            }
            for (path, u) in unused {
                writeln!(
                    out,
                    "{}:{}:{}: unused-suppression {}",
                    path.display(),
                    u.line,
                    u.column,
                    unused_message(u)
                )?;
            }
            if !findings.is_empty() {
                let fixable = findings.iter().filter(|(_, f)| f.fix.is_some()).count();
                eprintln!(
                    "corral: {} finding{} ({fixable} fixable with `corral apply`)",
                    findings.len(),
                    if findings.len() == 1 { "" } else { "s" }
                );
            }
        }
        Format::Json => {
            let mut entries: Vec<serde_json::Value> = findings
                .iter()
                .map(|(path, f)| {
                    let mut value = serde_json::to_value(f).expect("findings serialize");
                    value["path"] = json!(display(path));
                    value
                })
                .collect();
            entries.extend(unused.iter().map(|(path, u)| {
                json!({
                    "path": display(path),
                    "rule": "unused-suppression",
                    "code": null,
                    "line": u.line,
                    "column": u.column,
                    "message": unused_message(u),
                    "fix": null,
                })
            }));
            serde_json::to_writer_pretty(&mut *out, &entries)?;
            writeln!(out)?;
        }
        Format::Sarif => {
            serde_json::to_writer_pretty(&mut *out, &sarif(findings, unused))?;
            writeln!(out)?;
        }
        Format::Github => {
            for (path, f) in findings {
                writeln!(
                    out,
                    "::warning file={},line={},col={},endLine={},endColumn={},title={}::{}",
                    escape_property(&display(path)),
                    f.line,
                    f.column,
                    f.end_line,
                    f.end_column,
                    escape_property(&format!("{} {}", f.code, f.rule)),
                    escape_data(&f.message)
                )?;
            }
            for (path, u) in unused {
                writeln!(
                    out,
                    "::notice file={},line={},col={},title=unused-suppression::{}",
                    escape_property(&display(path)),
                    u.line,
                    u.column,
                    escape_data(&unused_message(u))
                )?;
            }
        }
    }
    Ok(())
}

fn display(path: &Path) -> String {
    path.display().to_string().replace('\\', "/")
}

/// GitHub's workflow-command escaping for a message.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// GitHub's workflow-command escaping for a property value.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

fn sarif(
    findings: &[Located<Reported>],
    unused: &[Located<UnusedSuppression>],
) -> serde_json::Value {
    let rules: Vec<serde_json::Value> = RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.code,
                "name": r.id,
                "shortDescription": {"text": r.summary},
                "help": {"text": r.doc, "markdown": r.doc},
            })
        })
        .collect();
    let mut results: Vec<serde_json::Value> = findings
        .iter()
        .map(|(path, f)| {
            let mut result = json!({
                "ruleId": f.code,
                "level": "warning",
                "message": {"text": f.message},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": display(path)},
                    "region": {
                        "startLine": f.line, "startColumn": f.column,
                        "endLine": f.end_line, "endColumn": f.end_column,
                    },
                }}],
            });
            if let Some(fix) = &f.fix {
                let replacements: Vec<serde_json::Value> = fix
                    .edits
                    .iter()
                    .map(|e| {
                        json!({
                            "deletedRegion": {
                                "startLine": e.start.line, "startColumn": e.start.column,
                                "endLine": e.end.line, "endColumn": e.end.column,
                            },
                            "insertedContent": {"text": e.content},
                        })
                    })
                    .collect();
                result["fixes"] = json!([{
                    "description": {"text": fix.changes.join("; ")},
                    "artifactChanges": [{
                        "artifactLocation": {"uri": display(path)},
                        "replacements": replacements,
                    }],
                }]);
            }
            result
        })
        .collect();
    results.extend(unused.iter().map(|(path, u)| {
        json!({
            "ruleId": "unused-suppression",
            "level": "note",
            "message": {"text": unused_message(u)},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": display(path)},
                "region": {"startLine": u.line, "startColumn": u.column},
            }}],
        })
    }));
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "corral",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
        }],
    })
}

/// On stderr, what each finding is and what each fix changes, so that stdout stays a clean
/// patch and no code is left alone without a reason.
pub fn explain(results: &[FileResult]) {
    let mut stderr = io::stderr().lock();
    for result in results {
        let Status::Processed { outcome, .. } = &result.status else {
            continue;
        };
        let mut said: std::collections::HashSet<&[String]> = std::collections::HashSet::new();
        for f in &outcome.findings {
            let _ = writeln!(
                stderr,
                "{}:{}:{}: {} {}{} {}",
                result.path.display(),
                f.line,
                f.column,
                f.code,
                f.rule,
                if f.fix.is_some() { " [*]" } else { "" },
                f.message
            );
            if let Some(fix) = &f.fix {
                // Each list of behaviour changes once per file (they often name the function).
                if said.insert(fix.changes.as_slice()) {
                    for change in &fix.changes {
                        let _ = writeln!(stderr, "    behaviour change: {change}");
                    }
                }
            }
        }
    }
}

/// Counts for the closing summary.
#[derive(Debug, Default)]
pub struct Summary {
    pub scanned: usize,
    pub parsed: usize,
    pub changed: usize,
    pub skipped: BTreeMap<&'static str, usize>,
    pub failed: usize,
    /// Per transform: findings, fixable findings, fixes applied.
    pub per_rule: BTreeMap<&'static str, (usize, usize, usize)>,
    pub write_failures: usize,
    /// Packages where a move to asyncio used to_thread because httpx is not declared.
    pub without_httpx: std::collections::BTreeSet<String>,
}

impl Summary {
    pub fn new(results: &[FileResult]) -> Summary {
        let mut summary = Summary {
            scanned: results
                .iter()
                .filter(|r| !matches!(r.status, Status::Excluded))
                .count(),
            ..Summary::default()
        };
        for result in results {
            match &result.status {
                Status::Processed { outcome, .. } => {
                    summary.parsed += 1;
                    summary.changed += usize::from(outcome.fixed.is_some());
                    for f in &outcome.findings {
                        let entry = summary.per_rule.entry(f.rule).or_default();
                        entry.0 += 1;
                        entry.1 += usize::from(f.fix.is_some());
                    }
                    for (rule, n) in &outcome.fixes_by_rule {
                        summary.per_rule.entry(rule).or_default().2 += n;
                    }
                    let moved = outcome
                        .findings
                        .iter()
                        .any(|f| f.code == "CONC201" && f.fix.is_some());
                    if result.httpx_missing && moved {
                        let package = result.package.as_ref().map_or_else(
                            || ".".to_string(),
                            |p| {
                                let cwd = std::env::current_dir().unwrap_or_default();
                                let shown = p.strip_prefix(&cwd).unwrap_or(p).display().to_string();
                                if shown.is_empty() {
                                    ".".to_string()
                                } else {
                                    shown
                                }
                            },
                        );
                        summary.without_httpx.insert(package);
                    }
                }
                Status::NoCandidates | Status::Excluded => {}
                Status::Skipped(skip) => *summary.skipped.entry(skip.kind).or_default() += 1,
                Status::Failed(_) => summary.failed += 1,
            }
        }
        summary
    }

    /// `fixing` is `None` for `check`, `Some(false)` for `diff`, `Some(true)` for `apply`.
    pub fn print(&self, fixing: Option<bool>, elapsed: Duration) {
        let applied = fixing == Some(true);
        let skipped: usize = self.skipped.values().sum();
        let reasons: Vec<String> = self
            .skipped
            .iter()
            .map(|(kind, n)| format!("{n} {kind}"))
            .collect();
        let changed = self.changed - self.write_failures.min(self.changed);
        let unchanged = self.scanned - self.changed - skipped - self.failed;
        let outcome = match fixing {
            None => String::new(),
            Some(applied) => format!(
                "{changed} {}, {unchanged} unchanged, ",
                if applied { "changed" } else { "would change" }
            ),
        };
        eprintln!(
            "corral: {} file{} scanned ({} parsed) in {:.2} s: {outcome}{} skipped{}{}",
            self.scanned,
            if self.scanned == 1 { "" } else { "s" },
            self.parsed,
            elapsed.as_secs_f64(),
            skipped + self.write_failures,
            if reasons.is_empty() {
                String::new()
            } else {
                format!(" ({})", reasons.join(", "))
            },
            if self.failed > 0 {
                format!(", {} failed", self.failed)
            } else {
                String::new()
            }
        );
        if !self.without_httpx.is_empty() {
            eprintln!(
                "corral: httpx is not declared in {}: thread pools there move to asyncio.to_thread; \
                 declare httpx for the full conversion",
                self.without_httpx.iter().cloned().collect::<Vec<_>>().join(", ")
            );
        }
        for (rule, (found, fixable, fixed)) in &self.per_rule {
            eprintln!(
                "  {rule:<30} {found} finding{}, {fixable} fixable{}",
                if *found == 1 { "" } else { "s" },
                if applied {
                    format!(
                        ", {fixed} fix{} applied",
                        if *fixed == 1 { "" } else { "es" }
                    )
                } else {
                    String::new()
                }
            );
        }
    }
}
