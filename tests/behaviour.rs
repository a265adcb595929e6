//! Behaviour tests: a program and its rewrite both run under python3 against a loopback HTTP
//! server that counts requests in flight. The results must be the same, and the rewrite must keep
//! to its bound.
//!
//! Needs python3 on PATH. httpx is taken from it when importable, otherwise installed once into a
//! virtualenv under `target/` (the package index is the only network used).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A python3 that can import httpx.
fn python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let system = PathBuf::from("python3");
        if imports_httpx(&system) {
            return system;
        }
        let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("behaviour-venv");
        let bin = venv.join("bin").join("python3");
        if !imports_httpx(&bin) {
            let made = Command::new("python3")
                .args(["-m", "venv"])
                .arg(&venv)
                .status()
                .expect("python3 is on PATH");
            assert!(made.success(), "python3 -m venv failed");
            let installed = Command::new(&bin)
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    "httpx",
                ])
                .status()
                .expect("pip runs");
            assert!(installed.success(), "pip install httpx failed");
        }
        assert!(imports_httpx(&bin), "httpx is still not importable");
        bin
    })
}

fn imports_httpx(python: &Path) -> bool {
    Command::new(python)
        .args(["-c", "import httpx"])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[derive(Debug)]
struct Run {
    result: serde_json::Value,
    peak: u64,
    served: u64,
}

fn run_program(program: &Path, n: u32) -> Run {
    let out = Command::new(python())
        .arg(manifest_dir().join("tests/behaviour/harness.py"))
        .arg(program)
        .arg(n.to_string())
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "{} failed:\n{}",
        program.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("harness prints JSON");
    Run {
        result: json["result"].clone(),
        peak: json["peak"].as_u64().unwrap(),
        served: json["served"].as_u64().unwrap(),
    }
}

/// Copies `program` into a fresh directory and rewrites it with `corral apply --select <rule>`.
fn rewritten(program: &Path, rule: &str, extra: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join(program.file_name().unwrap());
    std::fs::copy(program, &copy).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_corral"))
        .args(["apply", "--select", rule])
        .args(extra)
        .arg(&copy)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_ne!(
        std::fs::read(&copy).unwrap(),
        std::fs::read(program).unwrap(),
        "corral rewrote the program"
    );
    (dir, copy)
}

#[test]
fn unbounded_gather_keeps_results_and_holds_the_bound() {
    let before = manifest_dir().join("tests/behaviour/unbounded-gather/fan_out.py");
    let n = 60;
    let original = run_program(&before, n);
    assert!(
        original.peak > 30,
        "the original fans out without a bound (peak {}), or the test proves nothing",
        original.peak
    );

    for (limit, args) in [(10, vec![]), (3, vec!["--max-concurrency", "3"])] {
        let (_dir, after) = rewritten(&before, "unbounded-gather", &args);
        let bounded = run_program(&after, n);
        eprintln!(
            "unbounded-gather, limit {limit}: peak in flight {} before, {} after",
            original.peak, bounded.peak
        );
        assert_eq!(
            bounded.result, original.result,
            "limit {limit}: same results"
        );
        assert!(
            bounded.peak <= limit,
            "limit {limit}: peak in flight was {}",
            bounded.peak
        );
        assert!(bounded.peak >= 2, "still concurrent: peak {}", bounded.peak);
        assert!(bounded.served >= u64::from(n), "every request was made");
    }
    assert_eq!(original.result["failed"], 503);
    assert_eq!(original.result["mixed"][7], "HTTPStatusError");
}
