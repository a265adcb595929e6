//! Finding the files to process, resolving each one's configuration, and running the engine on
//! them in parallel with results in a stable order.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use globset::GlobSet;
use rayon::prelude::*;

use crate::config::{self, PackageConfig};
use crate::engine::{self, Fixing, Outcome};
pub use crate::prefilter::candidates;
use crate::registry::RULES;
use crate::rule::Rule;
use crate::settings::{HttpClient, PyVersion, RuleSettings, Settings};
use crate::source::SourceText;

/// Directories that hold other people's code or build output, never walked into.
const SKIPPED_DIRS: &[&str] = &[
    "site-packages",
    "node_modules",
    "__pycache__",
    "__pypackages__",
];

/// The Python files under `paths`, sorted. Directories are walked honouring `.gitignore`,
/// `.ignore` and hidden files, skipping virtualenvs and `SKIPPED_DIRS`, never following a
/// symlink, and leaving out paths that match `exclude`. A file named explicitly is taken even
/// where a walk would not go (ignored, hidden, in a virtualenv), unless `exclude` matches it:
/// pre-commit and editors name files, and must get the same set as a run over the directory.
/// Paths that do not exist are returned as errors, and the rest still runs.
pub fn discover(paths: &[PathBuf], exclude: Option<&GlobSet>) -> (Vec<PathBuf>, Vec<String>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let excluded = |path: &Path| exclude.is_some_and(|g| config::matches_path_or_parent(g, path));
    for root in paths {
        if root.is_file() {
            let path = clean(root);
            if !excluded(&path) {
                files.push(path);
            }
            continue;
        }
        if !root.is_dir() {
            errors.push(format!("{}: no such file or directory", root.display()));
            continue;
        }
        let walker = ignore::WalkBuilder::new(root)
            .follow_links(false)
            .filter_entry(|entry| {
                let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
                !(is_dir && entry.depth() > 0 && is_skipped_dir(entry.path()))
            })
            .build();
        for entry in walker {
            match entry {
                Ok(entry) => {
                    let path = clean(entry.path());
                    let is_file = entry.file_type().is_some_and(|t| t.is_file());
                    if is_file && is_python(&path) && !excluded(&path) {
                        files.push(path);
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

fn is_skipped_dir(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    SKIPPED_DIRS.contains(&name) || path.join("pyvenv.cfg").is_file()
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

/// `path` with `.` and `..` resolved in its text, as ruff does: `../pkg/a.py` named from `app/`
/// belongs to `pkg/`'s configuration, not to `app/`'s.
fn normalized(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// What the command line says; each set field overrides configuration.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub select: Option<Vec<&'static Rule>>,
    pub extend_select: Option<Vec<&'static Rule>>,
    pub ignore: Option<Vec<&'static Rule>>,
    pub max_concurrency: Option<u32>,
    pub timeout: Option<f64>,
    pub wait_timeout: Option<f64>,
    pub subprocess_timeout: Option<f64>,
    pub target: Option<PyVersion>,
    pub http_client: HttpClient,
    pub whole_files: bool,
    pub library_variants: bool,
}

/// How one file is to be processed.
#[derive(Debug, Clone)]
pub struct Plan {
    pub settings: Settings,
    pub rules: Vec<&'static Rule>,
    /// Excluded by its package's configuration.
    pub excluded: bool,
    /// The directory of the configuration file that governs it.
    pub package: Option<PathBuf>,
}

type Cache<T> = Mutex<HashMap<PathBuf, T>>;
type Loaded = Result<Arc<PackageConfig>, String>;

/// `compute()`'s answer for `dir`, computed once per run: a tree's directories share ancestors.
fn memo<T: Clone>(cache: &Cache<T>, dir: &Path, compute: impl FnOnce() -> T) -> T {
    if let Some(found) = cache.lock().expect("not poisoned").get(dir) {
        return found.clone();
    }
    let value = compute();
    cache
        .lock()
        .expect("not poisoned")
        .insert(dir.to_path_buf(), value.clone());
    value
}

/// Resolves each file's configuration once per directory.
pub struct Resolver {
    overrides: Overrides,
    /// Per directory: the configuration that governs it, with its own httpx finding.
    packages: Cache<Loaded>,
    /// Per directory: the nearest configuration at or above it, so that each directory's files
    /// are looked for once, not once per directory below it.
    nearest: Cache<Loaded>,
    /// Per directory: whether the nearest project metadata at or above it declares httpx.
    httpx: Cache<Option<bool>>,
    /// Per directory: the async clients ([`config::ASYNC_CLIENTS`]) that metadata declares.
    async_clients: Cache<Vec<&'static str>>,
    /// The working directory, which relative paths are under.
    cwd: Option<PathBuf>,
}

impl Resolver {
    pub fn new(overrides: Overrides) -> Resolver {
        Resolver {
            overrides,
            packages: Mutex::new(HashMap::new()),
            nearest: Mutex::new(HashMap::new()),
            httpx: Mutex::new(HashMap::new()),
            async_clients: Mutex::new(HashMap::new()),
            cwd: std::env::current_dir().ok(),
        }
    }

    fn package(&self, dir: &Path) -> Loaded {
        memo(&self.packages, dir, || {
            self.nearest(dir).map(|nearest| {
                let mut package = (*nearest).clone();
                package.declares_httpx = self.declares_httpx(dir);
                Arc::new(package)
            })
        })
    }

    fn nearest(&self, dir: &Path) -> Loaded {
        memo(&self.nearest, dir, || match config::own_config(dir) {
            Ok(Some(own)) => Ok(Arc::new(own)),
            Ok(None) => match dir.parent() {
                Some(parent) => self.nearest(parent),
                None => Ok(Arc::new(PackageConfig::default())),
            },
            Err(e) => Err(format!("{e:#}")),
        })
    }

    /// The async clients the nearest project metadata at or above `dir` declares.
    fn async_clients(&self, dir: &Path) -> Vec<&'static str> {
        memo(&self.async_clients, dir, || {
            match config::own_mentions(dir) {
                Some(found) => found.into_iter().filter(|p| *p != "httpx").collect(),
                None => dir
                    .parent()
                    .map(|p| self.async_clients(p))
                    .unwrap_or_default(),
            }
        })
    }

    fn declares_httpx(&self, dir: &Path) -> Option<bool> {
        memo(&self.httpx, dir, || {
            config::own_httpx(dir).or_else(|| dir.parent().and_then(|p| self.declares_httpx(p)))
        })
    }

    pub fn plan(&self, path: &Path) -> Result<Plan, String> {
        // Without asking the system for the working directory once per file.
        let absolute = match &self.cwd {
            Some(cwd) => normalized(&cwd.join(path)),
            None => normalized(&std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())),
        };
        let dir = absolute.parent().unwrap_or(Path::new("/"));
        let package = self.package(dir)?;
        let cfg = &package.config;
        let o = &self.overrides;

        let named = o.target.or(cfg.target_version).or(package.requires_python);
        let mut settings = Settings {
            whole_files: o.whole_files,
            target: named.unwrap_or(PyVersion::DEFAULT),
            target_from_syntax: named.is_none(),
            ..Settings::default()
        };
        settings.max_concurrency = o
            .max_concurrency
            .or(cfg.max_concurrency)
            .unwrap_or(settings.max_concurrency);
        settings.async_clients = self.async_clients(dir);
        settings.http_client = match (o.http_client, package.declares_httpx) {
            (HttpClient::Auto, Some(false)) => {
                settings.httpx_missing = true;
                HttpClient::ToThread
            }
            (HttpClient::Auto, _) => HttpClient::Httpx,
            (chosen, _) => chosen,
        };
        if let Some(timeout) = o.timeout.or(cfg.timeout) {
            settings.timeout = timeout;
            settings.timeout_chosen = true;
        }
        settings.line_length = package.line_length.unwrap_or(settings.line_length);
        settings.wait_timeout = o.wait_timeout.or(cfg.wait_timeout);
        settings.subprocess_timeout = o.subprocess_timeout.or(cfg.subprocess_timeout);
        settings.network_calls = cfg.network_calls.clone().unwrap_or_default();
        settings.library_variants = o.library_variants || cfg.library_variants.unwrap_or(false);
        for (rule, own) in &cfg.per_transform {
            settings.per_rule.insert(
                rule,
                RuleSettings {
                    // A command-line value wins over a transform's own table too.
                    max_concurrency: own.max_concurrency.filter(|_| o.max_concurrency.is_none()),
                    timeout: own.timeout.filter(|_| o.timeout.is_none()),
                },
            );
        }

        let by_name = |names: &Option<Vec<String>>| -> Option<Vec<&'static Rule>> {
            names
                .as_ref()
                .map(|n| n.iter().filter_map(|n| crate::registry::find(n)).collect())
        };
        // As ruff selects: `select` (the flag over the file's) or the transforms on by default,
        // plus the file's `extend-select` and then the flag's, minus `ignore`.
        let select = o.select.clone().or_else(|| by_name(&cfg.select));
        let extended: Vec<&'static Rule> = by_name(&cfg.extend_select)
            .into_iter()
            .chain(o.extend_select.clone())
            .flatten()
            .collect();
        let ignore = o
            .ignore
            .clone()
            .or_else(|| by_name(&cfg.ignore))
            .unwrap_or_default();
        let named =
            |list: &[&'static Rule], r: &'static Rule| list.iter().any(|x| std::ptr::eq(*x, r));
        let rules = RULES
            .iter()
            .copied()
            .filter(|r| {
                select
                    .as_deref()
                    .map_or(r.opt_in.is_none(), |s| named(s, r))
                    || named(&extended, r)
            })
            .filter(|r| !named(&ignore, r))
            .collect();
        Ok(Plan {
            settings,
            rules,
            excluded: package.excludes(&absolute),
            package: package.root.clone(),
        })
    }
}

/// A generated file says so near its top; corral leaves those to their generator.
fn is_generated(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(4096)];
    let finder = |needle: &[u8]| head.windows(needle.len()).any(|w| w == needle);
    finder(b"@generated") || finder(b"DO NOT EDIT")
}

/// What became of one file.
#[derive(Debug)]
pub enum Status {
    Processed {
        source: SourceText,
        original: Vec<u8>,
        outcome: Outcome,
    },
    /// Contains none of the selected transforms' trigger words: not parsed.
    NoCandidates,
    /// Left out by its package's `exclude`: not read further, not reported.
    Excluded,
    /// Not processed, and never modified: it did not decode or parse, or is generated.
    Skipped(Skip),
    /// An error the user must fix: unreadable file, bad configuration.
    Failed(String),
}

/// Why a file was skipped: a short kind for the summary and the full reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip {
    pub kind: &'static str,
    pub reason: String,
}

#[derive(Debug)]
pub struct FileResult {
    pub path: PathBuf,
    /// The directory of the configuration that governs it.
    pub package: Option<PathBuf>,
    /// `--http-client auto` fell back to to-thread: the package does not declare httpx.
    pub httpx_missing: bool,
    pub status: Status,
}

/// Runs the engine on one file's bytes. A panic in it becomes this file's error, so that one
/// file cannot take the others' results down with it.
pub fn process_bytes(path: &Path, bytes: &[u8], resolver: &Resolver, fixing: Fixing) -> FileResult {
    let (package, httpx_missing, status) = match resolver.plan(path) {
        Err(err) => (None, false, Status::Failed(err)),
        Ok(plan) => (
            plan.package.clone(),
            plan.settings.httpx_missing,
            contain_panic(|| process_planned(bytes, &plan, fixing))
                .unwrap_or_else(|message| Status::Failed(format!("internal error: {message}"))),
        ),
    };
    FileResult {
        path: path.to_path_buf(),
        package,
        httpx_missing,
        status,
    }
}

fn process_planned(bytes: &[u8], plan: &Plan, fixing: Fixing) -> Status {
    if plan.excluded {
        return Status::Excluded;
    }
    let modules = plan.settings.network_modules();
    if crate::prefilter::candidates_with(bytes, &plan.rules, &modules).is_empty() {
        return Status::NoCandidates;
    }
    if is_generated(bytes) {
        return Status::Skipped(Skip {
            kind: "generated",
            reason: "generated file (@generated or DO NOT EDIT marker)".to_string(),
        });
    }
    let source = match SourceText::decode(bytes) {
        Ok(source) => source,
        Err(err) => {
            return Status::Skipped(Skip {
                kind: "encoding",
                reason: err.to_string(),
            })
        }
    };
    let fixes = !matches!(fixing, Fixing::No);
    match engine::run(&source, &plan.rules, &plan.settings, fixing) {
        Err(skip) => Status::Skipped(Skip {
            kind: match skip {
                engine::Skip::TooDeep => "too deep",
                engine::Skip::Syntax(_) | engine::Skip::Unparseable => "syntax error",
            },
            reason: skip.to_string(),
        }),
        // Only a run that may write needs the text afterwards; a check keeps just its findings.
        Ok(outcome) if fixes => Status::Processed {
            source,
            original: bytes.to_vec(),
            outcome,
        },
        Ok(outcome) => Status::Processed {
            source: SourceText::decode(b"").expect("empty text decodes"),
            original: Vec::new(),
            outcome,
        },
    }
}

/// `f()`, or the message of the panic it ended in. The panic is not printed where it happens:
/// the caller reports it as the file's error, in path order with the others.
pub fn contain_panic<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    thread_local! {
        static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
        /// Where the last contained panic happened, for the message.
        static PLACE: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
    }
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if QUIET.get() {
                let place = info
                    .location()
                    .map(|l| format!("{}:{}", l.file(), l.line()));
                PLACE.set(place);
            } else {
                default(info);
            }
        }));
    });
    let outer = QUIET.replace(true);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    QUIET.set(outer);
    result.map_err(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic with no message".to_string());
        match PLACE.take() {
            Some(place) => format!("{message} (at {place}; please report it)"),
            None => message,
        }
    })
}

/// Calls `f` with the bytes of the file at `path`, read into a buffer each thread reuses: most
/// files are read only to find that they hold no trigger word.
fn read_into_buffer<T>(path: &Path, f: impl FnOnce(&[u8]) -> T) -> std::io::Result<T> {
    use std::io::Read;
    thread_local! {
        static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    BUFFER.with_borrow_mut(|bytes| {
        bytes.clear();
        std::fs::File::open(path)?.read_to_end(bytes)?;
        Ok(f(bytes))
    })
}

/// Reads and processes every file in parallel; the results keep the order of `files`.
/// `progress` is called once per file, from any thread.
pub fn process_all(
    files: &[PathBuf],
    resolver: &Resolver,
    fix: bool,
    progress: &(dyn Fn() + Sync),
) -> Vec<FileResult> {
    files
        .par_iter()
        .map(|path| {
            let fixing = if fix { Fixing::All } else { Fixing::No };
            let result = match read_into_buffer(path, |bytes| {
                process_bytes(path, bytes, resolver, fixing)
            }) {
                Ok(result) => result,
                Err(err) => FileResult {
                    path: path.clone(),
                    package: None,
                    httpx_missing: false,
                    status: Status::Failed(format!("cannot read: {err}")),
                },
            };
            progress();
            result
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_markers() {
        assert!(is_generated(b"# @generated by protoc\nx = 1\n"));
        assert!(is_generated(b"# Code generated. DO NOT EDIT.\n"));
        assert!(!is_generated(b"x = 1\n"));
    }
}
