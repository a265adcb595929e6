//! corral installed the way Python developers install their tools, from this checkout:
//!
//! - `pip install` into a fresh virtualenv, which builds the wheel with maturin from the package
//!   index, gives a `corral` that prints the crate's version and shows the demo's diff;
//! - real pre-commit, with a `.pre-commit-config.yaml` naming this checkout's hooks, blocks a
//!   commit that adds an unbounded gather, lets `corral-fix` rewrite it, and passes clean code.
//!
//! pre-commit installs a hook repository from a commit, so the tests commit a snapshot of the
//! working tree (tracked and untracked files, as they are on disk) into a repository of its own:
//! they test the code as it is, committed or not. The snapshot's commit has a fixed date, so the
//! same files give the same commit and pre-commit reuses the hook it installed for them.
//!
//! Needs python3 with venv, git, cargo and the package index. What they download, cache or build
//! stays under cargo's target directory: pip's, virtualenv's and pre-commit's caches, and one
//! release build, which pre-commit's install and pip's share.
//!
//! That build has a target directory of its own (`CARGO_TARGET_DIR`), beside pre-commit's clones
//! rather than around them: cargo records the sources of a crate built inside its target
//! directory by their place there, so a new clone would be checked against an older clone's
//! files and the hook would run a stale corral. It also leaves `target/release` to the
//! developer's own `cargo run --release`.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::Instant;

use common::{stderr, stdout};

/// The pre-commit the tests run: pinned, so that a new release cannot change what they see.
const PRE_COMMIT: &str = "pre-commit==4.7.0";

const FANOUT: &str = "import asyncio\n\n\nasync def fetch(session, u):\n    return await session.get(u)\n\n\nasync def main(session, urls):\n    return await asyncio.gather(*[fetch(session, u) for u in urls])\n";
const CLEAN: &str =
    "import asyncio\n\n\nasync def main(a, b):\n    return await asyncio.gather(a, b)\n";

fn checkout() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Cargo's target directory: `CARGO_TARGET_TMPDIR` is its `tmp/`.
fn target_dir() -> &'static Path {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR is inside the target directory")
}

/// Where these tests keep their virtualenvs, caches and the hook repository.
fn work() -> PathBuf {
    target_dir().join("packaging")
}

/// `program` with every cache and build inside `work()`, and git without the machine's own
/// configuration.
fn isolated(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let work = work();
    let mut command = Command::new(program);
    command
        .env("XDG_CACHE_HOME", work.join("cache"))
        .env("XDG_DATA_HOME", work.join("data"))
        .env("PIP_CACHE_DIR", work.join("cache/pip"))
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .env("PRE_COMMIT_HOME", work.join("pre-commit"))
        .env("CARGO_TARGET_DIR", work.join("cargo"))
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "corral")
        .env("GIT_AUTHOR_EMAIL", "corral@example.invalid")
        .env("GIT_COMMITTER_NAME", "corral")
        .env("GIT_COMMITTER_EMAIL", "corral@example.invalid");
    command
}

/// Runs `command` and fails the test, with everything it printed, unless it succeeds.
fn succeed(command: &mut Command, what: &str) -> Output {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}\n{}",
        out.status,
        stdout(&out),
        stderr(&out)
    );
    out
}

fn git(dir: &Path, args: &[&str]) -> Output {
    let mut command = isolated("git");
    command.args(args).current_dir(dir);
    succeed(&mut command, &format!("git {args:?}"))
}

fn new_virtualenv(dir: &Path) -> PathBuf {
    succeed(
        Command::new("python3").args(["-m", "venv"]).arg(dir),
        "python3 -m venv",
    );
    dir.join("bin")
}

/// A virtualenv under `work()` with pre-commit, installed when missing.
fn pre_commit() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let venv = work().join("tools");
        let bin = venv.join("bin");
        let version = PRE_COMMIT.split_once("==").unwrap().1;
        let installed = Command::new(bin.join("pre-commit"))
            .arg("--version")
            .output()
            .is_ok_and(|o| stdout(&o).trim() == format!("pre-commit {version}"));
        if !installed {
            new_virtualenv(&venv);
            succeed(
                isolated(bin.join("python")).args(["-m", "pip", "install", "--quiet", PRE_COMMIT]),
                &format!("pip install {PRE_COMMIT}"),
            );
        }
        bin.join("pre-commit")
    })
}

/// The snapshot of the working tree that pre-commit installs the hooks from.
struct HookRepo {
    path: PathBuf,
    rev: String,
}

/// Commits the snapshot and has pre-commit install both hooks from it, once per run.
///
/// The pip test calls this first. Cargo rebuilds a crate whose sources are newer than its last
/// build: pre-commit's clone of the snapshot is always newer than this checkout, so building
/// the clone first and the checkout second compiles corral once and only relinks the second
/// time, where the other order compiles it twice.
fn hook_repo() -> &'static HookRepo {
    static REPO: OnceLock<HookRepo> = OnceLock::new();
    REPO.get_or_init(|| {
        let path = work().join("hook-repo");
        if path.exists() {
            std::fs::remove_dir_all(&path).unwrap();
        }
        std::fs::create_dir_all(&path).unwrap();
        let listed = git(
            checkout(),
            &[
                "ls-files",
                "-z",
                "--cached",
                "--others",
                "--exclude-standard",
            ],
        );
        let mut copied = 0;
        for name in listed.stdout.split(|&b| b == 0).filter(|n| !n.is_empty()) {
            let name = std::str::from_utf8(name).expect("UTF-8 file names");
            let from = checkout().join(name);
            if !from.is_file() {
                continue; // deleted in the working tree, not yet in git
            }
            let to = path.join(name);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(&from, &to).unwrap();
            copied += 1;
        }
        assert!(
            path.join(".pre-commit-hooks.yaml").is_file() && path.join("pyproject.toml").is_file(),
            "the snapshot ({copied} files) has the hook definitions and the package"
        );
        git(&path, &["init", "-q"]);
        git(&path, &["add", "-A"]);
        let mut commit = isolated("git");
        commit
            .args(["commit", "-q", "--no-verify", "-m", "snapshot"])
            .env("GIT_AUTHOR_DATE", "2000-01-01T00:00:00Z")
            .env("GIT_COMMITTER_DATE", "2000-01-01T00:00:00Z")
            .current_dir(&path);
        succeed(&mut commit, "committing the snapshot");
        let rev = stdout(&git(&path, &["rev-parse", "HEAD"]))
            .trim()
            .to_string();

        // A repository of its own that keeps a configuration naming this snapshot, so that
        // `pre-commit gc` keeps this hook and drops those of older snapshots.
        let user = work().join("hook-user");
        if !user.join(".git").exists() {
            std::fs::create_dir_all(&user).unwrap();
            git(&user, &["init", "-q"]);
        }
        let repo = HookRepo { path, rev };
        std::fs::write(
            user.join(".pre-commit-config.yaml"),
            config(&repo, "- id: corral\n      - id: corral-fix"),
        )
        .unwrap();
        let started = Instant::now();
        succeed(
            isolated(pre_commit())
                .arg("install-hooks")
                .current_dir(&user),
            "pre-commit install-hooks",
        );
        eprintln!(
            "pre-commit installed the hooks in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        succeed(
            isolated(pre_commit()).arg("gc").current_dir(&user),
            "pre-commit gc",
        );
        repo
    })
}

/// A `.pre-commit-config.yaml` with `hooks` (YAML list items) from the snapshot.
fn config(repo: &HookRepo, hooks: &str) -> String {
    format!(
        "repos:\n  - repo: {}\n    rev: {}\n    hooks:\n      {hooks}\n",
        repo.path.display(),
        repo.rev
    )
}

#[test]
fn pip_installs_a_working_corral_into_a_fresh_virtualenv() {
    hook_repo();
    let dir = tempfile::tempdir_in(target_dir()).unwrap();
    let bin = new_virtualenv(&dir.path().join("venv"));
    let started = Instant::now();
    succeed(
        isolated(bin.join("python"))
            .args(["-m", "pip", "install", "--quiet"])
            .arg(checkout()),
        "pip install of this checkout",
    );
    eprintln!(
        "pip install of this checkout took {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let corral = bin.join("corral");
    let version = succeed(Command::new(&corral).arg("--version"), "corral --version");
    assert_eq!(
        stdout(&version),
        format!("corral {}\n", env!("CARGO_PKG_VERSION"))
    );
    let metadata = succeed(
        Command::new(bin.join("python")).args([
            "-c",
            "from importlib.metadata import metadata\n\
             m = metadata('corral')\n\
             print(m['Version'], m['Requires-Python'], m['License-Expression'], sep='|')",
        ]),
        "reading the installed metadata",
    );
    assert_eq!(
        stdout(&metadata).trim(),
        format!("{}|>=3.9|MIT", env!("CARGO_PKG_VERSION"))
    );

    let installed = succeed_or_one(&corral, &["diff", "examples/demo"]);
    let built = succeed_or_one(
        Path::new(env!("CARGO_BIN_EXE_corral")),
        &["diff", "examples/demo"],
    );
    let diff = stdout(&installed);
    assert!(
        diff.contains("+++ b/examples/demo/src/demo/profiles.py")
            && diff.contains("+MAX_CONCURRENCY = 10  "),
        "{diff}"
    );
    assert_eq!(
        diff,
        stdout(&built),
        "the same diff as the corral cargo built"
    );
    assert!(
        stderr(&installed).contains("3 would change, 2 unchanged, 0 skipped"),
        "{}",
        stderr(&installed)
    );
}

/// Runs corral in the checkout and expects exit code 1 (`diff`: something would change).
fn succeed_or_one(corral: &Path, args: &[&str]) -> Output {
    let out = Command::new(corral)
        .args(args)
        .current_dir(checkout())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    out
}

/// `git commit` in `dir`, with the hooks pre-commit installed there: its output, and whether the
/// commit was made.
fn commit(dir: &Path, message: &str) -> (String, bool) {
    let before = head(dir);
    let out = isolated("git")
        .args(["commit", "-m", message])
        .current_dir(dir)
        .output()
        .unwrap();
    let made = head(dir) != before;
    assert_eq!(made, out.status.success(), "git's exit code says the same");
    (format!("{}{}", stdout(&out), stderr(&out)), made)
}

fn head(dir: &Path) -> Option<String> {
    let out = isolated("git")
        .args(["rev-parse", "-q", "--verify", "HEAD"])
        .current_dir(dir)
        .output()
        .unwrap();
    out.status.success().then(|| stdout(&out))
}

#[test]
fn pre_commit_blocks_an_unbounded_gather_fixes_it_and_passes_clean_code() {
    let repo = hook_repo();
    // Outside this checkout, whose pyproject.toml would otherwise govern the files.
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    git(dir, &["init", "-q"]);
    std::fs::write(
        dir.join(".pre-commit-config.yaml"),
        config(repo, "- id: corral"),
    )
    .unwrap();
    succeed(
        isolated(pre_commit()).arg("install").current_dir(dir),
        "pre-commit install",
    );
    git(dir, &["add", ".pre-commit-config.yaml"]);
    let (out, made) = commit(dir, "configuration");
    assert!(made, "{out}");

    std::fs::write(dir.join("clean.py"), CLEAN).unwrap();
    git(dir, &["add", "clean.py"]);
    let (out, made) = commit(dir, "clean code");
    assert!(made, "a clean commit passes: {out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("corral.") && l.ends_with("Passed")),
        "{out}"
    );

    std::fs::write(dir.join("fanout.py"), FANOUT).unwrap();
    git(dir, &["add", "fanout.py"]);
    let (out, made) = commit(dir, "fan-out");
    assert!(!made, "the check blocks the commit: {out}");
    assert!(
        out.contains("fanout.py:9:18: CONC101 unbounded-gather [*] "),
        "with the finding: {out}"
    );
    assert!(!out.contains("clean.py:"), "only the staged files: {out}");

    // corral-fix, with args, rewrites the staged file; pre-commit fails the hook because files
    // changed, and the rewrite goes in once it is staged.
    std::fs::write(
        dir.join(".pre-commit-config.yaml"),
        config(
            repo,
            "- id: corral-fix\n        args: [--max-concurrency, \"4\"]",
        ),
    )
    .unwrap();
    git(dir, &["add", ".pre-commit-config.yaml"]);
    let (out, made) = commit(dir, "fan-out");
    assert!(!made, "{out}");
    assert!(out.contains("files were modified by this hook"), "{out}");
    let fixed = std::fs::read_to_string(dir.join("fanout.py")).unwrap();
    assert!(
        fixed.contains("MAX_CONCURRENCY = 4  ")
            && fixed.contains("asyncio.Semaphore(MAX_CONCURRENCY)"),
        "{fixed}"
    );
    assert_eq!(
        stdout(&git(dir, &["show", ":fanout.py"])),
        FANOUT,
        "the staged text is untouched"
    );
    git(dir, &["add", "fanout.py"]);
    let (out, made) = commit(dir, "fan-out, bounded");
    assert!(made, "{out}");
    assert_eq!(stdout(&git(dir, &["show", "HEAD:fanout.py"])), fixed);
}
