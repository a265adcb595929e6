//! Finding the files to process, resolving each one's settings, and running the engine on them in
//! parallel with results in a stable order.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rayon::prelude::*;

use crate::engine::{self, Outcome};
use crate::rule::Rule;
use crate::settings::{nearest_pyproject, target_from_pyproject, PyVersion, Settings};
use crate::source::SourceText;

/// The Python files under `paths`, sorted, honouring `.gitignore`, `.ignore` and hidden files in
/// directories. A file named explicitly is always taken. Paths that do not exist are returned
/// as errors, and the rest still runs.
pub fn discover(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<String>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for root in paths {
        if root.is_file() {
            files.push(clean(root));
            continue;
        }
        if !root.is_dir() {
            errors.push(format!("{}: no such file or directory", root.display()));
            continue;
        }
        for entry in ignore::WalkBuilder::new(root).follow_links(false).build() {
            match entry {
                Ok(entry) => {
                    let path = entry.path();
                    let is_file = entry.file_type().is_some_and(|t| t.is_file());
                    if is_file && is_python(path) {
                        files.push(clean(path));
                    }
                }
                Err(err) => errors.push(err.to_string()),
            }
        }
    }
    files.sort();
    files.dedup();
    (files, errors)
}

fn is_python(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("py" | "pyi")
    )
}

/// `./pkg/a.py` as `pkg/a.py`, and an absolute path under the current directory as relative.
fn clean(path: &Path) -> PathBuf {
    let path = path.strip_prefix(".").unwrap_or(path);
    if path.is_absolute() {
        if let Ok(cwd) = std::env::current_dir() {
            if let Ok(rel) = path.strip_prefix(&cwd) {
                return rel.to_path_buf();
            }
        }
    }
    path.to_path_buf()
}

/// Settings for each file: the command line's, with the target version from the nearest
/// `pyproject.toml` unless `--target-version` was given.
pub struct SettingsResolver {
    base: Settings,
    target_flag: Option<PyVersion>,
    targets: Mutex<HashMap<PathBuf, Result<Option<PyVersion>, String>>>,
}

impl SettingsResolver {
    pub fn new(base: Settings, target_flag: Option<PyVersion>) -> SettingsResolver {
        SettingsResolver {
            base,
            target_flag,
            targets: Mutex::new(HashMap::new()),
        }
    }

    pub fn for_file(&self, path: &Path) -> Result<Settings, String> {
        let mut settings = self.base.clone();
        if let Some(target) = self.target_flag {
            settings.target = target;
            return Ok(settings);
        }
        let dir = std::path::absolute(path)
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .unwrap_or_default();
        let Some(pyproject) = nearest_pyproject(&dir) else {
            return Ok(settings);
        };
        let mut cache = self
            .targets
            .lock()
            .expect("no panic while holding the lock");
        let target = cache
            .entry(pyproject.clone())
            .or_insert_with(|| target_from_pyproject(&pyproject).map_err(|e| format!("{e:#}")))
            .clone()?;
        settings.target = target.unwrap_or(settings.target);
        Ok(settings)
    }
}

/// What became of one file.
#[derive(Debug)]
pub enum Status {
    Processed {
        source: SourceText,
        original: Vec<u8>,
        outcome: Outcome,
    },
    /// Not processed, and never modified: it did not decode or parse.
    Skipped(String),
    /// An error the user must fix: unreadable file, bad configuration.
    Failed(String),
}

#[derive(Debug)]
pub struct FileResult {
    pub path: PathBuf,
    pub status: Status,
}

/// Runs the engine on one file's bytes.
pub fn process_bytes(
    path: &Path,
    bytes: Vec<u8>,
    rules: &[&'static Rule],
    settings: &SettingsResolver,
    fix: bool,
) -> FileResult {
    let status = match settings.for_file(path) {
        Err(err) => Status::Failed(err),
        Ok(settings) => match SourceText::decode(&bytes) {
            Err(err) => Status::Skipped(err.to_string()),
            Ok(source) => match engine::run(&source, rules, &settings, fix) {
                Err(skip) => Status::Skipped(skip.to_string()),
                Ok(outcome) => Status::Processed {
                    source,
                    original: bytes,
                    outcome,
                },
            },
        },
    };
    FileResult {
        path: path.to_path_buf(),
        status,
    }
}

/// Reads and processes every file in parallel; the results keep the order of `files`.
pub fn process_all(
    files: &[PathBuf],
    rules: &[&'static Rule],
    settings: &SettingsResolver,
    fix: bool,
) -> Vec<FileResult> {
    files
        .par_iter()
        .map(|path| match std::fs::read(path) {
            Ok(bytes) => process_bytes(path, bytes, rules, settings, fix),
            Err(err) => FileResult {
                path: path.clone(),
                status: Status::Failed(format!("cannot read: {err}")),
            },
        })
        .collect()
}
