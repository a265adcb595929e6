//! Running the corral binary and git in test directories.
#![allow(dead_code)] // each test crate uses a different part

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub fn corral(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_corral"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("corral runs")
}

pub fn corral_stdin(dir: &Path, args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_corral"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

/// Runs git with a fixed identity and fails the test if git fails.
pub fn git(dir: &Path, args: &[&str]) -> Output {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=corral",
            "-c",
            "user.email=corral@example.invalid",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub fn stdout(out: &Output) -> String {
    text(&out.stdout)
}

pub fn stderr(out: &Output) -> String {
    text(&out.stderr)
}

/// `bin/<program>` of a virtualenv `name` under the test target directory, with `packages`
/// installed from the package index unless `ready` already holds for it.
pub fn virtualenv_with(
    name: &str,
    packages: &[&str],
    program: &str,
    ready: impl Fn(&Path) -> bool,
) -> PathBuf {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let bin = venv.join("bin").join(program);
    if !ready(&bin) {
        let made = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .expect("python3 is on PATH");
        assert!(made.success(), "python3 -m venv failed");
        let installed = Command::new(venv.join("bin").join("python3"))
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ])
            .args(packages)
            .status()
            .expect("pip runs");
        assert!(
            installed.success(),
            "pip install {} failed",
            packages.join(" ")
        );
    }
    assert!(ready(&bin), "{} is still not installed", packages.join(" "));
    bin
}
