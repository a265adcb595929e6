//! The command line as users and CI scripts use it, over temporary directories and real git.

mod common;

use std::path::Path;
use std::process::Command;

use common::{corral, corral_stdin, git, stderr, stdout};

const FANOUT: &str = "import asyncio\n\n\nasync def fetch(session, u):\n    return await session.get(u)\n\n\nasync def main(session, urls):\n    return await asyncio.gather(*[fetch(session, u) for u in urls])\n";
const CLEAN: &str =
    "import asyncio\n\n\nasync def main(a, b):\n    return await asyncio.gather(a, b)\n";

/// A temporary directory holding `files`, optionally committed to a fresh git repository.
fn project(files: &[(&str, &[u8])], repo: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    if repo {
        git(dir.path(), &["init", "-q"]);
        git(dir.path(), &["add", "-A"]);
        git(dir.path(), &["commit", "-qm", "initial"]);
    }
    dir
}

fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap()
}

#[test]
fn exit_codes_follow_the_contract() {
    let dir = project(&[("clean.py", CLEAN.as_bytes())], false);
    assert_eq!(corral(dir.path(), &["check"]).status.code(), Some(0));
    assert_eq!(corral(dir.path(), &["diff"]).status.code(), Some(0));

    std::fs::write(dir.path().join("fanout.py"), FANOUT).unwrap();
    let check = corral(dir.path(), &["check"]);
    assert_eq!(check.status.code(), Some(1));
    assert!(
        stdout(&check).starts_with("fanout.py:9:18: CONC101 unbounded-gather [*] "),
        "{}",
        stdout(&check)
    );
    assert_eq!(corral(dir.path(), &["diff"]).status.code(), Some(1));

    let unknown = corral(dir.path(), &["check", "--select", "no-such-rule"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("no transform named `no-such-rule`"));

    let missing = corral(dir.path(), &["check", "missing_dir", "fanout.py"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("missing_dir: no such file or directory"));
    assert!(
        stdout(&missing).contains("fanout.py:9:18"),
        "the run goes on"
    );

    let ignored = corral(dir.path(), &["check", "--ignore", "CONC101"]);
    assert_eq!(ignored.status.code(), Some(0));
}

#[test]
fn diff_output_is_accepted_by_git_apply_and_equals_apply() {
    let items = FANOUT.replace("urls", "items");
    let files: &[(&str, &[u8])] = &[
        ("pkg/a.py", FANOUT.as_bytes()),
        ("pkg/b.py", CLEAN.as_bytes()),
        ("c.py", items.as_bytes()),
    ];
    let via_patch = project(files, true);
    let via_apply = project(files, true);

    let diff = corral(via_patch.path(), &["diff", "."]);
    assert_eq!(diff.status.code(), Some(1));
    assert!(stdout(&diff).contains("--- a/c.py\n+++ b/c.py\n"));
    assert!(
        stderr(&diff).contains("behaviour change: at most 10 of the awaitables run at once"),
        "every fix says which behaviour it changes: {}",
        stderr(&diff)
    );
    let patch = via_patch.path().join("corral.patch");
    std::fs::write(&patch, &diff.stdout).unwrap();
    git(via_patch.path(), &["apply", "corral.patch"]);
    std::fs::remove_file(&patch).unwrap();

    let apply = corral(via_apply.path(), &["apply", "."]);
    assert_eq!(apply.status.code(), Some(0), "{}", stderr(&apply));
    assert!(
        stderr(&apply).contains("2 changed, 1 unchanged, 0 skipped"),
        "{}",
        stderr(&apply)
    );
    for name in ["pkg/a.py", "pkg/b.py", "c.py"] {
        assert_eq!(
            read(via_patch.path(), name),
            read(via_apply.path(), name),
            "{name}"
        );
    }
    assert_ne!(read(via_apply.path(), "pkg/a.py"), FANOUT.as_bytes());

    // Nothing is left to change, and the rewritten code compiles.
    let again = corral(via_apply.path(), &["diff", "."]);
    assert_eq!(again.status.code(), Some(0));
    assert!(again.stdout.is_empty());
    let compiled = Command::new("python3")
        .args(["-m", "py_compile", "pkg/a.py", "c.py"])
        .current_dir(via_apply.path())
        .status()
        .unwrap();
    assert!(compiled.success());
}

#[test]
fn apply_refuses_a_dirty_tree_unless_allowed() {
    let dir = project(&[("a.py", FANOUT.as_bytes())], true);
    let edited = format!("{FANOUT}\n# local edit\n");
    std::fs::write(dir.path().join("a.py"), &edited).unwrap();

    let refused = corral(dir.path(), &["apply"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(stderr(&refused).contains("uncommitted changes"));
    assert!(stderr(&refused).contains("a.py"));
    assert!(stderr(&refused).contains("--allow-dirty"));
    assert_eq!(read(dir.path(), "a.py"), edited.as_bytes());

    // An untracked file is dirty too: git could not restore it.
    std::fs::write(dir.path().join("new.py"), FANOUT).unwrap();
    let refused = corral(dir.path(), &["apply", "new.py"]);
    assert_eq!(refused.status.code(), Some(2));

    let allowed = corral(dir.path(), &["apply", "--allow-dirty"]);
    assert_eq!(allowed.status.code(), Some(0), "{}", stderr(&allowed));
    assert!(String::from_utf8(read(dir.path(), "a.py"))
        .unwrap()
        .contains("# local edit"));
    assert!(String::from_utf8(read(dir.path(), "a.py"))
        .unwrap()
        .contains("_bounded(fetch, session, u)"));
}

#[test]
fn apply_outside_git_proceeds_and_says_so_once() {
    let dir = project(
        &[("a.py", FANOUT.as_bytes()), ("b.py", FANOUT.as_bytes())],
        false,
    );
    let out = corral(dir.path(), &["apply"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stderr(&out).matches("outside a git work tree").count(), 1);
    assert!(stderr(&out).contains("2 changed"), "{}", stderr(&out));
}

#[test]
fn layout_and_encoding_are_preserved() {
    let crlf = FANOUT.replace('\n', "\r\n");
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(FANOUT.as_bytes());
    let tabs = FANOUT.replace("    ", "\t");
    let mut latin1 = b"# -*- coding: latin-1 -*-\n".to_vec();
    latin1.extend_from_slice(FANOUT.as_bytes());
    latin1.extend_from_slice(b"\n\nGREETING = '\xe9t\xe9'\n");
    let dir = project(
        &[
            ("crlf.py", crlf.as_bytes()),
            ("bom.py", &bom),
            ("tabs.py", tabs.as_bytes()),
            ("latin1.py", &latin1),
        ],
        true,
    );
    let out = corral(dir.path(), &["apply"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("4 changed"), "{}", stderr(&out));

    let crlf_after = String::from_utf8(read(dir.path(), "crlf.py")).unwrap();
    assert!(crlf_after.contains("_bounded(fetch, session, u)"));
    assert_eq!(
        crlf_after.matches('\n').count(),
        crlf_after.matches("\r\n").count(),
        "every line ends in CRLF"
    );
    assert!(!crlf_after.contains("\r\r"));

    let bom_after = read(dir.path(), "bom.py");
    assert!(bom_after.starts_with(b"\xEF\xBB\xBF"));
    assert_eq!(
        bom_after
            .windows(3)
            .filter(|w| w == b"\xEF\xBB\xBF")
            .count(),
        1
    );

    let tabs_after = String::from_utf8(read(dir.path(), "tabs.py")).unwrap();
    assert!(tabs_after.contains("\n\t_limiter = asyncio.Semaphore(MAX_CONCURRENCY)\n"));
    assert!(tabs_after.contains("\n\t\tasync with _limiter:\n\t\t\treturn await fn(*args)\n"));
    assert!(
        !tabs_after.contains("    "),
        "no space indentation mixed in"
    );

    let latin1_after = read(dir.path(), "latin1.py");
    assert!(latin1_after.starts_with(b"# -*- coding: latin-1 -*-\nimport asyncio\n"));
    assert!(latin1_after.ends_with(b"\n\nGREETING = '\xe9t\xe9'\n"));
    assert!(
        std::str::from_utf8(&latin1_after).is_err(),
        "still latin-1, not UTF-8"
    );

    for name in ["crlf.py", "bom.py", "tabs.py", "latin1.py"] {
        let status = Command::new("python3")
            .args(["-m", "py_compile", name])
            .current_dir(dir.path())
            .status()
            .unwrap();
        assert!(status.success(), "{name} compiles");
    }
    assert_eq!(corral(dir.path(), &["diff"]).status.code(), Some(0));
}

#[test]
fn a_file_with_a_syntax_error_is_reported_and_left_alone() {
    let broken = b"import asyncio\n\nasync def main(urls):\n    return await asyncio.gather(*[f(client, u) for u in urls]\n";
    let dir = project(
        &[("broken.py", broken), ("good.py", FANOUT.as_bytes())],
        true,
    );
    let out = corral(dir.path(), &["apply"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("skipped broken.py: syntax error at"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("1 changed, 0 unchanged, 1 skipped (1 syntax error)"),
        "{}",
        stderr(&out)
    );
    assert_eq!(read(dir.path(), "broken.py"), broken);
    assert_ne!(read(dir.path(), "good.py"), FANOUT.as_bytes());
}

#[test]
fn a_file_that_is_not_utf8_is_skipped_with_the_reason() {
    let dir = project(&[("bad.py", b"import requests\nx = '\xff'\n")], false);
    let out = corral(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stderr(&out).contains("skipped bad.py: not valid UTF-8 at byte 21"));
}

#[test]
fn stdin_is_read_with_its_filename() {
    let dir = project(&[], false);
    let check = corral_stdin(
        dir.path(),
        &["check", "-", "--stdin-filename", "svc/io.py"],
        FANOUT.as_bytes(),
    );
    assert_eq!(check.status.code(), Some(1));
    assert!(stdout(&check).starts_with("svc/io.py:9:18: CONC101"));

    let diff = corral_stdin(
        dir.path(),
        &["diff", "-", "--stdin-filename", "svc/io.py"],
        FANOUT.as_bytes(),
    );
    assert!(stdout(&diff).starts_with("--- a/svc/io.py\n+++ b/svc/io.py\n"));

    let apply = corral_stdin(dir.path(), &["apply", "-"], FANOUT.as_bytes());
    assert_eq!(apply.status.code(), Some(0));
    assert!(stdout(&apply).contains("_bounded(fetch, session, u)"));
}

#[test]
fn json_findings_carry_the_fix_and_its_behaviour_changes() {
    let dir = project(&[("a.py", FANOUT.as_bytes())], false);
    let out = corral(
        dir.path(),
        &["check", "--format", "json", "--max-concurrency", "4"],
    );
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let finding = &json[0];
    assert_eq!(finding["path"], "a.py");
    assert_eq!(finding["code"], "CONC101");
    assert_eq!(finding["rule"], "unbounded-gather");
    assert_eq!(finding["line"], 9);
    assert_eq!(finding["fix"]["applicability"], "unsafe");
    assert_eq!(finding["fix"]["imports"], serde_json::json!([]));
    assert!(finding["fix"]["module_statements"][0]
        .as_str()
        .unwrap()
        .starts_with("MAX_CONCURRENCY = 4  #"));
    assert!(finding["fix"]["changes"][0]
        .as_str()
        .unwrap()
        .contains("at most 4"));
    assert!(!finding["fix"]["edits"].as_array().unwrap().is_empty());
}

#[test]
fn target_version_comes_from_the_nearest_pyproject() {
    let dir = project(
        &[
            (
                "pkg/pyproject.toml",
                b"[project]\nrequires-python = \">=3.12\"\n",
            ),
            ("pkg/a.py", FANOUT.as_bytes()),
            ("broken/pyproject.toml", b"[project\n"),
            ("broken/b.py", FANOUT.as_bytes()),
        ],
        false,
    );
    let out = corral(dir.path(), &["check", "pkg", "broken"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("pyproject.toml is not valid TOML"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).contains("pkg/a.py:9:18"));

    let bad = corral(dir.path(), &["check", "--target-version", "py37"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("py38..py314"));
}

#[test]
fn with_no_metadata_a_files_syntax_raises_its_target() {
    // `type` statements need 3.12: no `wait_for` fallback, no `asyncio.TimeoutError`.
    let probe = "import asyncio\n\ntype Port = int\n\n\nasync def probe(host: str, port: Port) -> bytes:\n    reader, writer = await asyncio.open_connection(host, port)\n    return await reader.readline()\n";
    let plain = probe.replace("type Port = int\n\n", "Port = int\n\n");
    let dir = project(
        &[("new.py", probe.as_bytes()), ("old.py", plain.as_bytes())],
        false,
    );
    let out = corral(dir.path(), &["diff", "--timeout", "5", "new.py", "old.py"]);
    let diff = stdout(&out);
    let section = |name: &str| {
        let start = diff.find(&format!("--- a/{name}")).expect(&diff);
        let rest = &diff[start + 4..];
        rest[..rest.find("--- a/").unwrap_or(rest.len())].to_string()
    };
    assert!(
        section("new.py").contains("async with asyncio.timeout(TIMEOUT_SECONDS):"),
        "{diff}"
    );
    assert!(section("old.py").contains("asyncio.wait_for("), "{diff}");
}

#[test]
fn output_is_the_same_whatever_the_thread_count() {
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for i in 0..40 {
        files.push((
            format!("m{i:02}/mod.py"),
            FANOUT.replace("urls", &format!("urls{i}")).into_bytes(),
        ));
    }
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, c)| (n.as_str(), c.as_slice()))
        .collect();
    let dir = project(&refs, false);
    let run = |threads: &str| {
        Command::new(env!("CARGO_BIN_EXE_corral"))
            .arg("diff")
            .env("RAYON_NUM_THREADS", threads)
            .current_dir(dir.path())
            .output()
            .unwrap()
            .stdout
    };
    let one = run("1");
    assert_eq!(String::from_utf8_lossy(&one).matches("--- a/").count(), 40);
    assert_eq!(one, run("2"));
    assert_eq!(one, run("8"));
}

#[test]
fn rules_and_explain_print_the_documentation() {
    let dir = project(&[], false);
    let rules = corral(dir.path(), &["rules"]);
    assert!(stdout(&rules).contains("unbounded-gather"));
    assert!(stdout(&rules).contains("CONC101"));
    for id in ["unbounded-gather", "CONC101", "conc101"] {
        let explain = corral(dir.path(), &["explain", id]);
        assert_eq!(explain.status.code(), Some(0));
        let text = stdout(&explain);
        for section in [
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "## Use instead",
            "## Fix safety",
        ] {
            assert!(text.contains(section), "{id}: {section}");
        }
    }
    assert_eq!(
        corral(dir.path(), &["explain", "nope"]).status.code(),
        Some(2)
    );
}

#[test]
fn one_apply_reaches_what_a_second_run_would_do_across_transforms() {
    // The executor rewrite brings in an httpx.AsyncClient with an explicit timeout: no second
    // deadline is stacked on it, and the output is clean under corral's own check.
    let hop = "import asyncio\n\nimport requests\n\n\nasync def fetch_statuses(urls):\n    loop = asyncio.get_running_loop()\n    futures = [loop.run_in_executor(None, requests.get, u) for u in urls]\n    responses = await asyncio.gather(*futures)\n    return {u: r.status_code for u, r in zip(urls, responses)}\n";
    let dir = project(&[("hop.py", hop.as_bytes())], true);
    let args = ["--timeout", "5", "--target-version", "py311"];
    let apply = corral(dir.path(), &[&["apply"][..], &args].concat());
    assert_eq!(apply.status.code(), Some(0), "{}", stderr(&apply));
    let text = String::from_utf8(read(dir.path(), "hop.py")).unwrap();
    assert!(
        text.contains(
            "httpx.AsyncClient(\n        follow_redirects=True, timeout=TIMEOUT_SECONDS\n    )"
        ),
        "{text}"
    );
    assert!(!text.contains("asyncio.timeout("), "{text}");
    let again = corral(dir.path(), &[&["diff"][..], &args].concat());
    assert_eq!(again.status.code(), Some(0), "{}", stdout(&again));
    let check = corral(dir.path(), &[&["check"][..], &args].concat());
    assert_eq!(check.status.code(), Some(0), "{}", stdout(&check));
}

#[test]
fn newer_syntax_the_parser_does_not_know_is_listed_and_counted() {
    // PEP 696 type-parameter defaults (3.13) are valid Python that tree-sitter-python 0.25 rejects.
    let pep696 = "import asyncio\n\n\ndef first[T = int](items: list[T]) -> T:\n    return items[0]\n\n\nasync def main(client, xs):\n    return await asyncio.gather(*[client.get(x) for x in xs])\n";
    // Here the new syntax is in the function that holds the finding, so every command parses it.
    let in_finding = "import asyncio\n\n\nasync def main[T = int](client, xs: list[T]):\n    return await asyncio.gather(*[client.get(x) for x in xs])\n";
    let dir = project(
        &[
            ("new_syntax.py", pep696.as_bytes()),
            ("new_main.py", in_finding.as_bytes()),
            ("ok.py", FANOUT.as_bytes()),
        ],
        false,
    );
    let whole = corral(dir.path(), &["check", "--parse-whole-files"]);
    assert_eq!(whole.status.code(), Some(1), "ok.py still has its finding");
    let err = stderr(&whole);
    assert!(
        err.contains("skipped new_syntax.py: syntax error at 4:11 (or syntax newer"),
        "{err}"
    );
    assert!(err.contains("2 skipped (2 syntax error)"), "{err}");

    // check parses only what the transforms read: `first` is not, so new_syntax.py's finding is
    // reported; diff must parse the file whole to rewrite it, so it skips it and says why.
    let check = corral(dir.path(), &["check"]);
    let (out, err) = (stdout(&check), stderr(&check));
    assert!(out.contains("new_syntax.py:9:18: CONC101"), "{out}");
    assert!(
        err.contains("skipped new_main.py: syntax error at 4"),
        "{err}"
    );
    assert!(err.contains("1 skipped (1 syntax error)"), "{err}");
    let diff = corral(dir.path(), &["diff"]);
    let (out, err) = (stdout(&diff), stderr(&diff));
    assert!(!out.contains("new_syntax.py"), "{out}");
    assert!(
        err.contains("skipped new_syntax.py: syntax error at 4:11 (or syntax newer"),
        "{err}"
    );
}

/// What pre-commit and editors do: name the files. Only those are reported, each under the
/// configuration nearest to it, and `exclude` (configuration or `--exclude`) still leaves a named
/// file out, as a walk would.
#[test]
fn named_files_are_reported_alone_each_under_its_nearest_configuration() {
    let dir = project(
        &[
            ("top.py", FANOUT.as_bytes()),
            ("not_named.py", FANOUT.as_bytes()),
            (
                "quiet/pyproject.toml",
                b"[tool.corral]\nignore = [\"unbounded-gather\"]\n",
            ),
            ("quiet/src/x.py", FANOUT.as_bytes()),
            (
                "tight/corral.toml",
                b"exclude = [\"legacy\"]\nmax-concurrency = 3\n",
            ),
            ("tight/y.py", FANOUT.as_bytes()),
            ("tight/legacy/z.py", FANOUT.as_bytes()),
        ],
        false,
    );
    let lines = |out: &std::process::Output| -> Vec<String> {
        stdout(out)
            .lines()
            .map(|l| {
                let (place, rest) = l.split_once(": CONC101 unbounded-gather [*] ").unwrap();
                let bound = rest.split_once("MAX_CONCURRENCY (").unwrap().1;
                format!("{place} {}", bound.trim_end_matches(") at once"))
            })
            .collect()
    };

    let named = [
        "top.py",
        "quiet/src/x.py",
        "tight/y.py",
        "tight/legacy/z.py",
    ];
    let check = corral(dir.path(), &[&["check"], &named[..]].concat());
    assert_eq!(check.status.code(), Some(1), "{}", stderr(&check));
    assert_eq!(lines(&check), ["tight/y.py:9:18 3", "top.py:9:18 10"]);

    let excluded = corral(
        dir.path(),
        &["check", "--exclude", "tight", "top.py", "tight/y.py"],
    );
    assert_eq!(lines(&excluded), ["top.py:9:18 10"]);

    // From inside a package, a file named through `..` belongs where it lies, not to the
    // directory the run started in.
    let from_inside = corral(&dir.path().join("tight"), &["check", "y.py", "../top.py"]);
    assert_eq!(lines(&from_inside), ["../top.py:9:18 10", "y.py:9:18 3"]);
    let diff = corral(&dir.path().join("tight"), &["diff", "../top.py"]);
    assert!(
        stdout(&diff).contains("+MAX_CONCURRENCY = 10  "),
        "{}",
        stdout(&diff)
    );
}
