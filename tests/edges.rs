//! Files at the edges a user's tree holds: binary files named `.py`, broken or unusual encodings,
//! NUL bytes, empty files, very long lines, and files nested too deep to analyse. Each gets a
//! clear skip or a correct result, and never costs the run its other files.

mod common;

use common::{corral, stderr, stdout};

const FANOUT: &str = "import asyncio\n\n\nasync def fetch(session, u):\n    return await session.get(u)\n\n\nasync def main(session, urls):\n    return await asyncio.gather(*[fetch(session, u) for u in urls])\n";

fn project(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in files {
        std::fs::write(dir.path().join(name), content).unwrap();
    }
    dir
}

/// Bytes that look like a compiled or compressed file, with a trigger word in them.
fn binary() -> Vec<u8> {
    let mut state: u32 = 7;
    let mut bytes: Vec<u8> = (0..4096)
        .map(|_| {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (state >> 16) as u8
        })
        .collect();
    bytes.extend_from_slice(b"import requests\nrequests.get(u)\n");
    bytes
}

#[test]
fn odd_files_are_skipped_with_their_reason_and_the_rest_is_checked() {
    let mut nul = FANOUT.as_bytes().to_vec();
    nul.extend_from_slice(b"\0\0");
    let dir = project(&[
        ("binary.py", &binary()),
        (
            "invalid_utf8.py",
            b"import requests\nrequests.get('\xff\xfe')\n",
        ),
        ("nul.py", &nul),
        ("old_mac.py", FANOUT.replace('\n', "\r").as_bytes()),
        ("empty.py", b""),
        (
            "comment_only.py",
            b"# import asyncio; asyncio.gather(*xs)\n",
        ),
        ("fanout.py", FANOUT.as_bytes()),
    ]);
    for command in ["check", "diff"] {
        let out = corral(dir.path(), &[command]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{command}: {err}");
        assert!(
            err.contains("skipped binary.py: not valid UTF-8 at byte"),
            "{command}: {err}"
        );
        assert!(
            err.contains("skipped invalid_utf8.py: not valid UTF-8 at byte 30"),
            "{err}"
        );
        assert!(
            err.contains(&format!(
                "skipped nul.py: a NUL byte at byte {}; Python does not accept source with NUL bytes",
                FANOUT.len()
            )),
            "{err}"
        );
        assert!(
            err.contains("skipped old_mac.py: a carriage return alone ends a line at byte 14"),
            "{err}"
        );
        // An empty file and a comment hold no code: nothing to say about them.
        assert!(
            !err.contains("empty.py") && !err.contains("comment_only.py"),
            "{err}"
        );
        assert!(err.contains("7 files scanned"), "{err}");
        assert!(err.contains("4 skipped (4 encoding)"), "{err}");
        assert!(
            stdout(&out).contains("fanout.py"),
            "{command}: the run goes on"
        );
    }
}

#[test]
fn a_bom_crlf_and_a_latin1_declaration_are_read_and_kept() {
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(FANOUT.as_bytes());
    let mut latin1 = b"# -*- coding: latin-1 -*-\n".to_vec();
    latin1.extend_from_slice(FANOUT.as_bytes());
    latin1.extend_from_slice(b"\n\nGREETING = '\xe9t\xe9'\n");
    let dir = project(&[
        ("bom.py", &bom),
        ("crlf.py", FANOUT.replace('\n', "\r\n").as_bytes()),
        ("latin1.py", &latin1),
    ]);
    let check = corral(dir.path(), &["check"]);
    assert_eq!(
        stdout(&check)
            .lines()
            .map(|l| l.split(' ').next().unwrap())
            .collect::<Vec<_>>(),
        ["bom.py:9:18:", "crlf.py:9:18:", "latin1.py:10:18:"],
        "{}",
        stderr(&check)
    );
    let diff = stdout(&corral(dir.path(), &["diff"]));
    assert!(
        diff.contains("+++ b/bom.py\n@@ -1,9 +1,17 @@\n \u{feff}import asyncio\n"),
        "{diff}"
    );
    assert!(
        diff.contains("+    _limiter = asyncio.Semaphore(MAX_CONCURRENCY)\r\n"),
        "{diff}"
    );
    let applied = corral(dir.path(), &["apply"]);
    assert_eq!(applied.status.code(), Some(0), "{}", stderr(&applied));
    let latin1_after = std::fs::read(dir.path().join("latin1.py")).unwrap();
    assert!(
        latin1_after.ends_with(b"GREETING = '\xe9t\xe9'\n"),
        "still latin-1"
    );
}

#[test]
fn very_long_lines_get_positions_and_fixes() {
    // One line of 200,000 list items before the call, and one line of 2,000 calls.
    let items: Vec<String> = (0..200_000).map(|i| format!("\"{i}\"")).collect();
    let calls: Vec<String> = (0..2_000).map(|i| format!("requests.get(u{i})")).collect();
    let text = format!(
        "import requests\nX = [{}]\n\n\ndef f(u):\n    return requests.get(u)\n\n\ndef g():\n    return [{}]\n",
        items.join(", "),
        calls.join(", ")
    );
    let dir = project(&[("long.py", text.as_bytes())]);
    let check = corral(dir.path(), &["check"]);
    let found = stdout(&check);
    assert_eq!(found.lines().count(), 2_001, "{}", stderr(&check));
    assert!(
        found.starts_with("long.py:6:12: CONC401 missing-timeout"),
        "{found}"
    );
    // The last call on the long line: 15 bytes of `    return [`, then 2,000 calls.
    let last = format!(
        "long.py:10:{}: CONC401",
        13 + calls[..1_999].join(", ").len() + 2
    );
    assert!(
        found.contains(&last),
        "{last} in {}",
        found.lines().last().unwrap()
    );
    let applied = corral(dir.path(), &["apply", "--timeout", "5"]);
    assert_eq!(applied.status.code(), Some(0), "{}", stderr(&applied));
    let after = std::fs::read_to_string(dir.path().join("long.py")).unwrap();
    assert_eq!(after.matches("timeout=TIMEOUT_SECONDS").count(), 2_001);
}

/// Python that nests `depth` levels: a chain of additions and of brackets.
fn deep(depth: usize) -> (String, String) {
    let chain = vec!["\"a\""; depth].join(" + ");
    let brackets = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    (
        format!("import requests\n\n\ndef f(u):\n    s = {chain}\n    return requests.get(u)\n"),
        format!("import requests\n\n\ndef f(u):\n    s = {brackets}\n    return requests.get(u)\n"),
    )
}

#[test]
fn a_file_nested_too_deep_is_skipped_and_the_run_goes_on() {
    let (chain, brackets) = deep(20_000);
    let dir = project(&[
        ("chain.py", chain.as_bytes()),
        ("brackets.py", brackets.as_bytes()),
        ("fanout.py", FANOUT.as_bytes()),
    ]);
    for command in ["check", "diff"] {
        let out = corral(dir.path(), &[command]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{command}: {err}");
        for name in ["brackets.py", "chain.py"] {
            assert!(
                err.contains(&format!("skipped {name}: nesting deeper than 4000 levels")),
                "{command}: {err}"
            );
        }
        assert!(err.contains("2 skipped (2 too deep)"), "{err}");
        assert!(
            stdout(&out).contains("fanout.py"),
            "{command}: the run goes on"
        );
    }
}

#[test]
fn a_file_just_within_the_depth_bound_is_fixed() {
    // 3,000 additions: about as many as CPython compiles, within the bound.
    let (chain, _) = deep(3_000);
    let dir = project(&[("chain.py", chain.as_bytes())]);
    let out = corral(dir.path(), &["diff", "--timeout", "5"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stdout(&out).contains("+    return requests.get(u, timeout=TIMEOUT_SECONDS)"));
}

#[test]
fn a_panic_in_one_file_becomes_its_error() {
    let ok = corral::files::contain_panic(|| 1 + 1);
    assert_eq!(ok, Ok(2));
    let line = line!() + 1;
    let caught = corral::files::contain_panic(|| -> u8 { panic!("index 7 out of range") });
    assert_eq!(
        caught,
        Err(format!(
            "index 7 out of range (at tests/edges.rs:{line}; please report it)"
        ))
    );
    let formatted = corral::files::contain_panic(|| -> u8 { panic!("{} at {}", "bad", 3) });
    assert!(formatted
        .unwrap_err()
        .starts_with("bad at 3 (at tests/edges.rs:"));
}
