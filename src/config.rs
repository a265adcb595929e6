//! Per-package configuration: the nearest `corral.toml` or `pyproject.toml` governs each file.
//!
//! In a directory with both, `corral.toml` takes precedence for corral's keys, and the target
//! version still falls back to the project's `requires-python`. Keys are those of
//! `[tool.corral]` (top level in `corral.toml`): `select`, `ignore`, `max-concurrency`, `timeout`,
//! `target-version`, `exclude`, and one table per transform (`[tool.corral.unbounded-gather]`)
//! with `max-concurrency` and `timeout`. Command-line flags override all of them. A malformed
//! file is an error naming the file and the key.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context as _, Result};
use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::registry;
use crate::settings::{lowest_supported, PyVersion};

/// What one configuration file says. Every field is optional.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileConfig {
    pub select: Option<Vec<String>>,
    pub extend_select: Option<Vec<String>>,
    pub ignore: Option<Vec<String>>,
    pub max_concurrency: Option<u32>,
    pub timeout: Option<f64>,
    pub wait_timeout: Option<f64>,
    pub subprocess_timeout: Option<f64>,
    pub target_version: Option<PyVersion>,
    pub exclude: Vec<String>,
    /// The project's own network functions, by qualified name (`mypkg.api.fetch`).
    pub network_calls: Option<Vec<String>>,
    /// Library code gets an additive async variant of a function whose pool does network I/O.
    pub library_variants: Option<bool>,
    /// Settings for one transform, by its name.
    pub per_transform: BTreeMap<&'static str, TransformConfig>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct TransformConfig {
    pub max_concurrency: Option<u32>,
    pub timeout: Option<f64>,
}

/// The configuration that governs a package: its root directory and what its files say.
#[derive(Debug, Clone, Default)]
pub struct PackageConfig {
    /// The directory holding the governing file; `None` when no file governs.
    pub root: Option<PathBuf>,
    /// The file the settings came from, for messages.
    pub source: Option<PathBuf>,
    pub config: FileConfig,
    /// `requires-python` of the package's `pyproject.toml`.
    pub requires_python: Option<PyVersion>,
    /// The formatter's line length: `[tool.ruff]` or `[tool.black]` `line-length` in the
    /// package's `pyproject.toml`, or `line-length` in its `ruff.toml` / `.ruff.toml`.
    pub line_length: Option<usize>,
    pub exclude: Option<GlobSet>,
    /// Whether the nearest project metadata (`pyproject.toml`, `requirements*.txt`,
    /// `setup.cfg`) mentions httpx; `None` when there is no metadata at all.
    pub declares_httpx: Option<bool>,
}

impl PackageConfig {
    /// Whether `absolute` (the absolute path of a file of this package, without `..`) matches
    /// one of the package's `exclude` globs, relative to the package root.
    pub fn excludes(&self, absolute: &Path) -> bool {
        let (Some(root), Some(globs)) = (&self.root, &self.exclude) else {
            return false;
        };
        let Ok(relative) = absolute.strip_prefix(root) else {
            return false;
        };
        matches_path_or_parent(globs, relative)
    }
}

/// Whether a glob set matches `path` or any of its parent directories.
pub fn matches_path_or_parent(globs: &GlobSet, path: &Path) -> bool {
    path.ancestors()
        .filter(|p| !p.as_os_str().is_empty())
        .any(|p| globs.is_match(p))
}

pub fn glob_set(patterns: &[String], origin: &str) -> Result<GlobSet> {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        let glob = Glob::new(pattern)
            .with_context(|| format!("{origin}: `exclude` has an invalid glob `{pattern}`"))?;
        builder.add(glob);
    }
    Ok(builder.build()?)
}

/// Whether the nearest directory at or above `dir` with project metadata declares httpx.
pub fn declares_httpx(dir: &Path) -> Option<bool> {
    dir.ancestors().find_map(own_httpx)
}

/// Async clients of network libraries that thread-pool rewrites keep in threads: a project that
/// declares one has chosen where those calls go, and corral reports them instead.
pub const ASYNC_CLIENTS: &[&str] = &["aiobotocore", "aioboto3", "aiosmtplib", "aioftp"];

/// Whether `dir`'s own project metadata (`pyproject.toml`, `setup.cfg`, `requirements*.txt`)
/// mentions httpx; `None` when it holds none.
pub fn own_httpx(dir: &Path) -> Option<bool> {
    own_mentions(dir).map(|found| found.contains(&"httpx"))
}

/// Which of httpx and the [`ASYNC_CLIENTS`] `dir`'s own project metadata mentions; `None` when
/// it holds none.
pub fn own_mentions(dir: &Path) -> Option<Vec<&'static str>> {
    let entries = std::fs::read_dir(dir).ok()?;
    let metadata: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            name == "pyproject.toml"
                || name == "setup.cfg"
                || (name.starts_with("requirements") && name.ends_with(".txt"))
        })
        .collect();
    if metadata.is_empty() {
        return None;
    }
    let texts: Vec<String> = metadata
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect();
    let mentions = |package: &str| {
        texts.iter().any(|text| {
            text.lines()
                .map(|l| l.split('#').next().unwrap_or_default())
                .any(|l| l.contains(package))
        })
    };
    Some(
        std::iter::once("httpx")
            .chain(ASYNC_CLIENTS.iter().copied())
            .filter(|p| mentions(p))
            .collect(),
    )
}

/// Reads the configuration governing `dir`: the nearest directory at or above it holding a
/// `corral.toml` or a `pyproject.toml`.
pub fn load_for_dir(dir: &Path) -> Result<PackageConfig> {
    for candidate in dir.ancestors() {
        if let Some(mut package) = own_config(candidate)? {
            package.declares_httpx = declares_httpx(dir);
            return Ok(package);
        }
    }
    Ok(PackageConfig {
        declares_httpx: declares_httpx(dir),
        ..PackageConfig::default()
    })
}

/// The configuration `dir` itself holds, if it has a `corral.toml` or a `pyproject.toml`.
pub fn own_config(dir: &Path) -> Result<Option<PackageConfig>> {
    let corral = dir.join("corral.toml");
    let pyproject = dir.join("pyproject.toml");
    let has_corral = corral.is_file();
    let has_pyproject = pyproject.is_file();
    if !has_corral && !has_pyproject {
        return Ok(None);
    }
    let mut package = PackageConfig {
        root: Some(dir.to_path_buf()),
        ..PackageConfig::default()
    };
    if has_pyproject {
        let doc = read_toml(&pyproject)?;
        package.requires_python = requires_python(&doc, &pyproject)?;
        package.line_length = ["ruff", "black"]
            .iter()
            .find_map(|tool| line_length(doc.get("tool").and_then(|t| t.get(*tool))?.as_table()?));
        if let Some(table) = doc.get("tool").and_then(|t| t.get("corral")) {
            let table = table
                .as_table()
                .ok_or_else(|| anyhow!("{}: `tool.corral` must be a table", pyproject.display()))?;
            package.config = parse(table, &pyproject, "tool.corral.")?;
            package.source = Some(pyproject.clone());
        }
    }
    for name in ["ruff.toml", ".ruff.toml"] {
        let path = dir.join(name);
        if package.line_length.is_none() && path.is_file() {
            package.line_length = line_length(&read_toml(&path)?);
        }
    }
    if has_corral {
        let doc = read_toml(&corral)?;
        package.config = parse(&doc, &corral, "")?;
        package.source = Some(corral.clone());
    }
    let origin = package
        .source
        .as_ref()
        .map_or_else(String::new, |p| p.display().to_string());
    if !package.config.exclude.is_empty() {
        package.exclude = Some(glob_set(&package.config.exclude, &origin)?);
    }
    Ok(Some(package))
}

/// `line-length` of a ruff or black table, when it is a sensible whole number.
fn line_length(table: &toml::Table) -> Option<usize> {
    let n = table.get("line-length")?.as_integer()?;
    usize::try_from(n).ok().filter(|n| (40..=1000).contains(n))
}

fn read_toml(path: &Path) -> Result<toml::Table> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("{} is not valid TOML", path.display()))
}

fn requires_python(doc: &toml::Table, path: &Path) -> Result<Option<PyVersion>> {
    let Some(spec) = doc.get("project").and_then(|p| p.get("requires-python")) else {
        return Ok(None);
    };
    let spec = spec.as_str().with_context(|| {
        format!(
            "{}: `project.requires-python` must be a string",
            path.display()
        )
    })?;
    lowest_supported(spec).map(Some).with_context(|| {
        format!(
            "{}: cannot read `project.requires-python` `{spec}`",
            path.display()
        )
    })
}

/// Parses corral's keys from `table`; `prefix` is how the keys are spelled in messages.
fn parse(table: &toml::Table, path: &Path, prefix: &str) -> Result<FileConfig> {
    let mut config = FileConfig::default();
    let at = |key: &str| format!("{}: `{prefix}{key}`", path.display());
    for (key, value) in table {
        match key.as_str() {
            "select" => config.select = Some(rule_list(value, &at(key))?),
            "extend-select" => config.extend_select = Some(rule_list(value, &at(key))?),
            "ignore" => config.ignore = Some(rule_list(value, &at(key))?),
            "max-concurrency" => config.max_concurrency = Some(positive_int(value, &at(key))?),
            "timeout" => config.timeout = Some(positive_seconds(value, &at(key))?),
            "wait-timeout" => config.wait_timeout = Some(positive_seconds(value, &at(key))?),
            "subprocess-timeout" => {
                config.subprocess_timeout = Some(positive_seconds(value, &at(key))?)
            }
            "target-version" => {
                let text = value
                    .as_str()
                    .with_context(|| format!("{} must be a string such as \"py311\"", at(key)))?;
                config.target_version = Some(
                    text.parse()
                        .map_err(|e: String| anyhow!("{}: {e}", at(key)))?,
                );
            }
            "exclude" => {
                config.exclude = string_list(value, &at(key))?;
            }
            "network-calls" => {
                let names = string_list(value, &at(key))?;
                if let Some(bad) = names.iter().find(|n| !is_dotted_name(n)) {
                    bail!(
                        "{} names `{bad}`, which is not a dotted name such as \"mypkg.api.fetch\"",
                        at(key)
                    );
                }
                config.network_calls = Some(names);
            }
            "library-variants" => {
                config.library_variants = Some(
                    value
                        .as_bool()
                        .with_context(|| format!("{} must be true or false", at(key)))?,
                );
            }
            other => {
                let Some(rule) = registry::find(other) else {
                    bail!(
                        "{}: unknown key `{prefix}{other}`; expected select, extend-select, ignore, \
                         max-concurrency, timeout, wait-timeout, subprocess-timeout, \
                         target-version, exclude, network-calls, library-variants, or a \
                         transform name",
                        path.display()
                    );
                };
                let section = value
                    .as_table()
                    .with_context(|| format!("{} must be a table", at(key)))?;
                let mut transform = TransformConfig::default();
                for (inner, value) in section {
                    let here = at(&format!("{key}.{inner}"));
                    match inner.as_str() {
                        "max-concurrency" => {
                            transform.max_concurrency = Some(positive_int(value, &here)?)
                        }
                        "timeout" => transform.timeout = Some(positive_seconds(value, &here)?),
                        _ => bail!("{here} is not a setting; expected max-concurrency or timeout"),
                    }
                }
                config.per_transform.insert(rule.id, transform);
            }
        }
    }
    Ok(config)
}

fn string_list(value: &toml::Value, at: &str) -> Result<Vec<String>> {
    let items = value
        .as_array()
        .with_context(|| format!("{at} must be a list of strings"))?;
    items
        .iter()
        .map(|v| {
            v.as_str()
                .map(str::to_string)
                .with_context(|| format!("{at} must be a list of strings"))
        })
        .collect()
}

/// `mypkg.api.fetch`: identifiers joined by dots, at least two of them.
fn is_dotted_name(name: &str) -> bool {
    let parts: Vec<&str> = name.split('.').collect();
    parts.len() >= 2
        && parts.iter().all(|p| {
            p.chars()
                .next()
                .is_some_and(|c| c.is_alphabetic() || c == '_')
                && p.chars().all(|c| c.is_alphanumeric() || c == '_')
        })
}

fn rule_list(value: &toml::Value, at: &str) -> Result<Vec<String>> {
    let names = string_list(value, at)?;
    for name in &names {
        if registry::find(name).is_none() {
            bail!("{at} names `{name}`, which is not a transform; `corral rules` lists them");
        }
    }
    Ok(names)
}

fn positive_int(value: &toml::Value, at: &str) -> Result<u32> {
    value
        .as_integer()
        .and_then(|n| u32::try_from(n).ok())
        .filter(|&n| n > 0)
        .with_context(|| format!("{at} must be a positive whole number"))
}

fn positive_seconds(value: &toml::Value, at: &str) -> Result<f64> {
    value
        .as_float()
        .or_else(|| value.as_integer().map(|i| i as f64))
        .filter(|s| s.is_finite() && *s > 0.0)
        .with_context(|| format!("{at} must be a positive number of seconds"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::create_dir_all(dir.join(name).parent().unwrap()).unwrap();
        std::fs::write(dir.join(name), text).unwrap();
    }

    #[test]
    fn nearest_file_governs_and_corral_toml_wins() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        write(
            root,
            "pyproject.toml",
            "[tool.corral]\nmax-concurrency = 4\n",
        );
        write(
            root,
            "pkg/pyproject.toml",
            "[project]\nrequires-python = \">=3.12\"\n[tool.corral]\ntimeout = 3\n",
        );
        write(
            root,
            "pkg/corral.toml",
            "timeout = 7\n[unbounded-gather]\nmax-concurrency = 2\n",
        );
        let top = load_for_dir(root).unwrap();
        assert_eq!(top.config.max_concurrency, Some(4));
        let pkg = load_for_dir(&root.join("pkg/src")).unwrap();
        assert_eq!(pkg.root.as_deref(), Some(root.join("pkg").as_path()));
        assert_eq!(pkg.config.timeout, Some(7.0));
        assert_eq!(
            pkg.config.max_concurrency, None,
            "no inheritance from the root"
        );
        assert_eq!(pkg.requires_python, Some(PyVersion(12)));
        assert_eq!(
            pkg.config.per_transform["unbounded-gather"].max_concurrency,
            Some(2)
        );
    }

    #[test]
    fn malformed_config_names_file_and_key() {
        let tmp = tempfile::tempdir().unwrap();
        write(
            tmp.path(),
            "pyproject.toml",
            "[tool.corral]\nmax-concurency = 4\n",
        );
        let err = format!("{:#}", load_for_dir(tmp.path()).unwrap_err());
        assert!(err.contains("pyproject.toml"), "{err}");
        assert!(
            err.contains("unknown key `tool.corral.max-concurency`"),
            "{err}"
        );

        write(
            tmp.path(),
            "pyproject.toml",
            "[tool.corral]\ntimeout = \"soon\"\n",
        );
        let err = format!("{:#}", load_for_dir(tmp.path()).unwrap_err());
        assert!(
            err.contains("`tool.corral.timeout` must be a positive number"),
            "{err}"
        );

        write(tmp.path(), "pyproject.toml", "[project]\nname = \"x\"\n");
        write(tmp.path(), "corral.toml", "select = [\"no-such-rule\"]\n");
        let err = format!("{:#}", load_for_dir(tmp.path()).unwrap_err());
        assert!(
            err.contains("corral.toml: `select` names `no-such-rule`"),
            "{err}"
        );
    }

    #[test]
    fn exclude_globs_are_relative_to_the_package() {
        let tmp = tempfile::tempdir().unwrap();
        write(
            tmp.path(),
            "corral.toml",
            "exclude = [\"legacy\", \"**/gen_*.py\"]\n",
        );
        let pkg = load_for_dir(tmp.path()).unwrap();
        assert!(pkg.excludes(&tmp.path().join("legacy/old.py")));
        assert!(pkg.excludes(&tmp.path().join("a/b/gen_x.py")));
        assert!(!pkg.excludes(&tmp.path().join("src/app.py")));
    }
}
