//! Every case under `transforms/<id>/cases/` runs through the engine: its findings and diff are
//! snapshotted, the output must compile under python3, and a second run must change nothing.
//!
//! Case names say what is expected: `positive_*` and `edge_*` cases are rewritten, `negative_*`
//! cases have no finding at all, `report_*` cases have findings and no fix.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use corral::diff::unified_diff;
use corral::engine::{self, Outcome};
use corral::registry::{self, RULES};
use corral::settings::Settings;
use corral::source::SourceText;

fn cases() -> Vec<(String, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("transforms");
    let mut found = Vec::new();
    for rule in RULES {
        let dir = root.join(rule.id).join("cases");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "py"))
            .collect();
        files.sort();
        assert!(!files.is_empty(), "{} has no cases", rule.id);
        found.extend(files.into_iter().map(|f| (rule.id.to_string(), f)));
    }
    found
}

/// Settings for a case: the defaults, changed by a first line such as
/// `# corral-case: timeout=5 target=py38 max-concurrency=3`.
fn case_settings(text: &str) -> Settings {
    let mut settings = Settings::default();
    let Some(directive) = text
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("# corral-case:"))
    else {
        return settings;
    };
    for pair in directive.split_whitespace() {
        let (key, value) = pair.split_once('=').expect("key=value");
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
                    "httpx" => corral::settings::HttpClient::Httpx,
                    "to-thread" => corral::settings::HttpClient::ToThread,
                    _ => panic!("http-client is httpx or to-thread"),
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

fn run(source: &SourceText, rule: &str, settings: &Settings) -> Outcome {
    let rules = [registry::find(rule).unwrap()];
    engine::run(source, &rules, settings, engine::Fixing::All).expect("case parses")
}

fn python_compiles(text: &str, name: &str) -> Result<(), String> {
    let mut child = Command::new("python3")
        .args([
            "-c",
            "import sys; compile(sys.stdin.read(), sys.argv[1], 'exec')",
            name,
        ])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 is on PATH");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

fn render(path: &Path, outcome: &Outcome, source: &SourceText) -> String {
    let mut text = String::from("findings:\n");
    for f in &outcome.findings {
        let marker = if f.fix.is_some() { " [*]" } else { "" };
        text.push_str(&format!(
            "  {}:{} {} {}{marker} {}\n",
            f.line, f.column, f.code, f.rule, f.message
        ));
        // The behaviour each fix changes, as the user reads it: part of what is reviewed.
        for change in f.fix.iter().flat_map(|fix| &fix.changes) {
            text.push_str(&format!("      behaviour change: {change}\n"));
        }
    }
    text.push_str(&format!("fixes applied: {}\n", outcome.fixes_applied()));
    if let Some(fixed) = &outcome.fixed {
        let name = Path::new(path.file_name().unwrap());
        text.push_str("diff:\n");
        text.push_str(&unified_diff(name, source, fixed));
    }
    text
}

#[test]
fn every_case_snapshots_compiles_and_is_idempotent() {
    let mut failures = Vec::new();
    for (rule, path) in cases() {
        let case = path.file_stem().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(&path).unwrap();
        let source = SourceText::decode(&bytes).unwrap();
        python_compiles(&source.text, &case).unwrap_or_else(|e| panic!("{case} input: {e}"));
        let settings = case_settings(&source.text);
        let outcome = run(&source, &rule, &settings);
        assert!(
            outcome.problems.is_empty(),
            "{case}: {:?}",
            outcome.problems
        );

        let fixable = outcome.findings.iter().filter(|f| f.fix.is_some()).count();
        if !outcome.findings.is_empty() {
            let rule = registry::find(&rule).unwrap();
            assert!(
                !corral::prefilter::candidates_with(&bytes, &[rule], &settings.network_modules())
                    .is_empty(),
                "{case}: the trigger-word prefilter would hide these findings"
            );
        }
        if case.starts_with("positive_") || case.starts_with("edge_") {
            assert!(
                outcome.fixed.is_some() && fixable > 0,
                "{case}: expected a rewrite"
            );
        } else if case.starts_with("negative_") {
            assert!(
                outcome.findings.is_empty(),
                "{case}: expected no finding, got {:?}",
                outcome.findings
            );
        } else if case.starts_with("report_") {
            assert!(!outcome.findings.is_empty(), "{case}: expected findings");
            assert_eq!(
                fixable, 0,
                "{case}: report-only findings must not carry a fix"
            );
            assert!(outcome.fixed.is_none());
        } else {
            panic!("{case}: a case name starts with positive_, negative_, edge_ or report_");
        }

        if let Some(fixed) = &outcome.fixed {
            let mut imports: Vec<&str> =
                fixed.lines().filter(|l| l.starts_with("import ")).collect();
            let count = imports.len();
            imports.sort();
            imports.dedup();
            if imports.len() != count {
                failures.push(format!(
                    "{case}: the rewrite imports a module twice:\n{fixed}"
                ));
            }
            if let Err(e) = python_compiles(fixed, &case) {
                failures.push(format!(
                    "{case}: rewritten output does not compile:\n{e}\n{fixed}"
                ));
            }
            let again = run(
                &SourceText::decode(fixed.as_bytes()).unwrap(),
                &rule,
                &settings,
            );
            if again.fixed.is_some() {
                failures.push(format!("{case}: a second run changed the output again"));
            }
        }

        insta::with_settings!({
            snapshot_path => Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(format!("{rule}__{case}"), render(&path, &outcome, &source));
        });
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Code no transform reads, appended to each case so that the file is worth cutting.
fn filler() -> String {
    (0..12)
        .map(|k| {
            format!(
                "\n\ndef _filler_{k}(values):\n    \"\"\"Unrelated code.\"\"\"\n    total = 0\n    \
                 for item in values:\n        total += item\n    return total\n"
            )
        })
        .collect()
}

/// Parsing only the parts a transform reads finds exactly what parsing the whole file finds.
#[test]
fn regions_find_what_whole_files_find() {
    let mut cut = 0;
    let all = cases();
    // Each case padded after its code, and before its first definition (after its header).
    let padded = all.iter().flat_map(|(rule, path)| {
        let mut text = std::fs::read_to_string(path).unwrap();
        if !text.ends_with('\n') {
            text.push('\n');
        }
        let first_def = ["\ndef ", "\nasync def ", "\nclass ", "\n@"]
            .iter()
            .filter_map(|d| text.find(d))
            .min();
        let before = first_def.map(|at| {
            let mut t = text.clone();
            t.insert_str(at + 1, &format!("{}\n\n", filler().trim_start()));
            t
        });
        let after = format!("{text}{}", filler());
        [Some(after), before]
            .into_iter()
            .flatten()
            .map(move |t| (rule.clone(), path.clone(), t))
    });
    let padded: Vec<(String, PathBuf, String)> = padded.collect();
    for (rule, path, text) in &padded {
        let case = path.file_stem().unwrap().to_string_lossy().into_owned();
        let source = SourceText::decode(text.as_bytes()).unwrap();
        let rules = [registry::find(rule).unwrap()];
        let mut settings = case_settings(&source.text);
        let check = |settings: &Settings| {
            let outcome =
                engine::run(&source, &rules, settings, engine::Fixing::No).expect("case parses");
            serde_json::to_string_pretty(&(&outcome.findings, &outcome.unused_suppressions))
                .unwrap()
        };
        let fix = |settings: &Settings| {
            engine::run(&source, &rules, settings, engine::Fixing::All)
                .expect("case parses")
                .fixed
        };
        let (regions, regions_fixed) = (check(&settings), fix(&settings));
        settings.whole_files = true;
        let (whole, whole_fixed) = (check(&settings), fix(&settings));
        assert_eq!(regions, whole, "{case}: regions and whole files disagree");
        assert_eq!(
            regions_fixed, whole_fixed,
            "{case}: rewrites after a partial parse differ"
        );
        if corral::regions::select(&source.text, &rules)
            .filter(|r| r.worth_parsing(source.text.len()))
            .and_then(|r| r.parse(&source.text))
            .is_some()
        {
            cut += 1;
        }
    }
    let cuttable = padded
        .iter()
        .filter(|(rule, _, _)| {
            matches!(
                registry::find(rule).unwrap().reads,
                corral::rule::Reads::Calls { .. }
            )
        })
        .count();
    assert!(
        cut * 10 >= cuttable * 9,
        "only {cut} of {cuttable} cases were cut into regions"
    );
}
