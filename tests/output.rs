//! What corral writes is what a maintainer would merge, and what it writes is clean under its
//! own check:
//!
//! - every case whose input is clean under `ruff format --check` (line length 88) is clean after
//!   its rewrite, and the rewrite adds no E402, E501, F401, F811 or F821 finding of `ruff check`;
//! - `corral check` on a rewrite, with the same settings and every transform selected, reports
//!   nothing that it did not report on the input;
//! - the catalog's `after` files (the `negative_catalog_after*` cases) give no finding from any
//!   transform.
//!
//! ruff is taken from PATH when it is the pinned version, otherwise installed once into a
//! virtualenv under `target/` (the package index is the only network used).

use std::collections::BTreeMap;
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use corral::engine::{self, Fixing, Reported};
use corral::registry::RULES;
use corral::settings::Settings;
use corral::source::SourceText;

const RUFF: &str = "ruff==0.17.6";

/// A ruff binary of the pinned version.
fn ruff() -> &'static Path {
    static RUFF_BIN: OnceLock<PathBuf> = OnceLock::new();
    RUFF_BIN.get_or_init(|| {
        let version = RUFF.trim_start_matches("ruff==");
        let pinned = |bin: &Path| {
            Command::new(bin)
                .arg("--version")
                .output()
                .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains(version))
        };
        let system = PathBuf::from("ruff");
        if pinned(&system) {
            return system;
        }
        common::virtualenv_with("ruff-venv", &[RUFF], "ruff", pinned)
    })
}

/// Every case of every transform: its transform, name and text.
fn cases() -> Vec<(&'static str, String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("transforms");
    let mut found = Vec::new();
    for rule in RULES {
        let dir = root.join(rule.id).join("cases");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "py"))
            .collect();
        files.sort();
        for file in files {
            let name = file.file_stem().unwrap().to_string_lossy().into_owned();
            found.push((rule.id, name, std::fs::read_to_string(&file).unwrap()));
        }
    }
    found
}

/// The case's settings, from its first line (`# corral-case: timeout=5 target=py38 ...`).
fn settings(text: &str) -> Settings {
    let mut settings = Settings::default();
    let directive = text
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("# corral-case:"))
        .unwrap_or("");
    for pair in directive.split_whitespace() {
        let (key, value) = pair.split_once('=').unwrap();
        match key {
            "timeout" => {
                settings.timeout = value.parse().unwrap();
                settings.timeout_chosen = true;
            }
            "wait-timeout" => settings.wait_timeout = Some(value.parse().unwrap()),
            "subprocess-timeout" => settings.subprocess_timeout = Some(value.parse().unwrap()),
            "target" => settings.target = value.parse().unwrap(),
            "max-concurrency" => settings.max_concurrency = value.parse().unwrap(),
            "http-client" => {
                settings.http_client = match value {
                    "to-thread" => corral::settings::HttpClient::ToThread,
                    _ => corral::settings::HttpClient::Httpx,
                }
            }
            "library-variants" => settings.library_variants = value.parse().unwrap(),
            "network-calls" => {
                settings.network_calls = value.split(',').map(str::to_string).collect()
            }
            _ => panic!("unknown case setting {key}"),
        }
    }
    settings
}

fn run(rule: &str, text: &str, fixing: Fixing) -> engine::Outcome {
    let source = SourceText::decode(text.as_bytes()).unwrap();
    let rules = [corral::registry::find(rule).unwrap()];
    engine::run(&source, &rules, &settings(text), fixing).unwrap()
}

/// Findings of every transform, opt-in ones too, as (transform, message) counts.
fn all_findings(text: &str, settings: &Settings) -> BTreeMap<(String, String), usize> {
    let source = SourceText::decode(text.as_bytes()).unwrap();
    let outcome = engine::run(&source, RULES, settings, Fixing::No).unwrap();
    let mut counts = BTreeMap::new();
    for Reported { rule, message, .. } in outcome.findings {
        *counts.entry((rule.to_string(), message)).or_default() += 1;
    }
    counts
}

/// The files of `dir` that `ruff <args>` reports, by file name.
fn ruff_reports(dir: &Path, args: &[&str]) -> BTreeMap<String, String> {
    let out = Command::new(ruff())
        .args(args)
        .args(["--isolated", "--no-cache", "--line-length", "88"])
        .arg(dir)
        .output()
        .unwrap();
    let mut reports: BTreeMap<String, String> = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout)
        .lines()
        .chain(String::from_utf8_lossy(&out.stderr).lines())
    {
        for (name, _) in std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .map(|n| (n.clone(), n))
        {
            if line.contains(&name) {
                reports
                    .entry(name)
                    .or_default()
                    .push_str(&format!("{line}\n"));
            }
        }
    }
    reports
}

#[test]
fn rewrites_of_formatted_cases_stay_formatted_and_lint_clean() {
    let before = tempfile::tempdir().unwrap();
    let after = tempfile::tempdir().unwrap();
    let mut rewritten = 0;
    for (rule, name, text) in cases() {
        let Some(fixed) = run(rule, &text, Fixing::All).fixed else {
            continue;
        };
        let file = format!("{rule}__{name}.py");
        std::fs::write(before.path().join(&file), &text).unwrap();
        std::fs::write(after.path().join(&file), fixed).unwrap();
        rewritten += 1;
    }
    assert!(rewritten > 30, "only {rewritten} cases were rewritten");
    let unformatted_before = ruff_reports(before.path(), &["format", "--check"]);
    let unformatted_after = ruff_reports(after.path(), &["format", "--check"]);
    let mut failures = Vec::new();
    for (file, report) in &unformatted_after {
        if !unformatted_before.contains_key(file) {
            let diff = Command::new(ruff())
                .args(["format", "--diff", "--isolated", "--line-length", "88"])
                .arg(after.path().join(file))
                .output()
                .unwrap();
            failures.push(format!(
                "{file}: formatted before, not after:\n{report}{}",
                String::from_utf8_lossy(&diff.stdout)
            ));
        }
    }
    let lint = [
        "check",
        "--select",
        "E402,E501,F401,F811,F821",
        "--output-format",
        "concise",
    ];
    let lint_before = ruff_reports(before.path(), &lint);
    let lint_after = ruff_reports(after.path(), &lint);
    for (file, report) in &lint_after {
        let count = |r: &str| r.lines().filter(|l| l.contains(".py:")).count();
        let was = lint_before.get(file).map_or(0, |r| count(r));
        if count(report) > was {
            failures.push(format!("{file}: the rewrite adds lint findings:\n{report}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn corrals_own_output_is_clean_under_its_own_check() {
    let mut failures = Vec::new();
    for (rule, name, text) in cases() {
        let Some(fixed) = run(rule, &text, Fixing::All).fixed else {
            continue;
        };
        let settings = settings(&text);
        let before = all_findings(&text, &settings);
        for ((finding_rule, message), count) in all_findings(&fixed, &settings) {
            let had = before
                .get(&(finding_rule.clone(), message.clone()))
                .copied()
                .unwrap_or(0);
            if count > had {
                failures.push(format!(
                    "{rule}/{name}: the rewrite brings a new {finding_rule} finding: {message}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_catalogs_after_files_give_no_finding() {
    let mut checked = 0;
    for (rule, name, text) in cases() {
        if !name.starts_with("negative_catalog_after") {
            continue;
        }
        checked += 1;
        let findings = all_findings(&text, &settings(&text));
        assert!(
            findings.is_empty(),
            "{rule}/{name}: every transform should leave it alone: {findings:?}"
        );
    }
    assert!(checked >= 8, "only {checked} catalog after files");
}
