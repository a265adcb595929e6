//! The guard `apply` shares with `cargo fix`: never rewrite a file whose uncommitted changes a bad
//! rewrite could destroy. Asks the real `git` which files are dirty.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Which of the files are guarded by git, and which of those have uncommitted changes.
#[derive(Debug, Default)]
pub struct Guard {
    /// Files with staged, unstaged or untracked changes.
    pub dirty: Vec<PathBuf>,
    /// Files outside any git work tree.
    pub unguarded: Vec<PathBuf>,
}

pub fn guard(files: &[PathBuf]) -> Guard {
    let mut result = Guard::default();
    let mut toplevels: HashMap<PathBuf, Option<PathBuf>> = HashMap::new();
    let mut dirty_in: HashMap<PathBuf, HashSet<PathBuf>> = HashMap::new();
    for file in files {
        let Ok(absolute) = std::fs::canonicalize(file) else {
            result.unguarded.push(file.clone());
            continue;
        };
        let dir = absolute.parent().unwrap_or(Path::new("/")).to_path_buf();
        let top = toplevels
            .entry(dir.clone())
            .or_insert_with(|| toplevel(&dir))
            .clone();
        let Some(top) = top else {
            result.unguarded.push(file.clone());
            continue;
        };
        let dirty = dirty_in
            .entry(top.clone())
            .or_insert_with(|| dirty_files(&top));
        if dirty.contains(&absolute) {
            result.dirty.push(file.clone());
        }
    }
    result
}

fn toplevel(dir: &Path) -> Option<PathBuf> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["rev-parse", "--show-toplevel"])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let top = String::from_utf8(out.stdout).ok()?;
    std::fs::canonicalize(top.trim_end_matches(['\n', '\r'])).ok()
}

/// Every path `git status` reports under `top`, as canonical absolute paths.
fn dirty_files(top: &Path) -> HashSet<PathBuf> {
    let out = Command::new("git")
        .arg("-C")
        .arg(top)
        .args(["status", "--porcelain=v1", "-z", "--untracked-files=all"])
        .output();
    let out = match out {
        Ok(out) if out.status.success() => out,
        _ => return HashSet::new(),
    };
    let mut dirty = HashSet::new();
    let mut entries = out.stdout.split(|&b| b == 0);
    while let Some(entry) = entries.next() {
        if entry.len() < 4 {
            continue;
        }
        let status = &entry[..2];
        let path = String::from_utf8_lossy(&entry[3..]);
        dirty.insert(top.join(path.as_ref()));
        // A rename or copy is followed by its source path, which is not a file of its own.
        if status.contains(&b'R') || status.contains(&b'C') {
            entries.next();
        }
    }
    dirty
}
