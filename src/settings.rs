//! Per-file settings: limits, timeouts and the target Python version (catalog §S5).

use std::collections::BTreeMap;
use std::str::FromStr;

use anyhow::{Context as _, Result};

/// A Python 3 minor version: `PyVersion(11)` is 3.11.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PyVersion(pub u8);

impl PyVersion {
    pub const MIN: PyVersion = PyVersion(8);
    pub const MAX: PyVersion = PyVersion(14);
    /// What corral assumes when no project metadata names a version.
    pub const DEFAULT: PyVersion = PyVersion(9);
}

impl std::fmt::Display for PyVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "py3{}", self.0)
    }
}

impl FromStr for PyVersion {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let minor = s
            .strip_prefix("py3")
            .and_then(|m| m.parse::<u8>().ok())
            .map(PyVersion)
            .filter(|v| (PyVersion::MIN..=PyVersion::MAX).contains(v));
        minor.ok_or_else(|| {
            format!(
                "`{s}` is not a target version; use one of {}..{}",
                PyVersion::MIN,
                PyVersion::MAX
            )
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub max_concurrency: u32,
    pub timeout: f64,
    /// Whether the timeout was chosen by the user (flag or config) rather than the default.
    pub timeout_chosen: bool,
    /// Seconds a wait on a future, queue, pool result or thread may take, when the user chose
    /// it (`--wait-timeout`): waits are not network calls, and no HTTP timeout fits them.
    pub wait_timeout: Option<f64>,
    /// Seconds a child process may run, when the user chose it (`--subprocess-timeout`).
    pub subprocess_timeout: Option<f64>,
    pub target: PyVersion,
    /// Settings one transform uses instead of the above, by transform name.
    pub per_rule: BTreeMap<&'static str, RuleSettings>,
    /// How thread-pool network I/O moves to asyncio.
    pub http_client: HttpClient,
    /// Set when `--http-client auto` fell back to `to-thread` because the package's metadata
    /// does not declare httpx.
    pub httpx_missing: bool,
    /// Parse every file whole instead of only the parts the transforms read.
    pub whole_files: bool,
    /// The line length inserted code keeps to, as the project's formatter would.
    pub line_length: usize,
}

/// The HTTP client a rewrite to asyncio uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum HttpClient {
    /// httpx when the project declares it or has no metadata, else to-thread
    #[default]
    Auto,
    /// `httpx.AsyncClient`: the full conversion
    Httpx,
    /// keep requests; each call runs through `asyncio.to_thread` in the same bounded TaskGroup
    ToThread,
}

/// A transform's own `max-concurrency` and `timeout`, from its config table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleSettings {
    pub max_concurrency: Option<u32>,
    pub timeout: Option<f64>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_concurrency: 10,
            timeout: 10.0,
            timeout_chosen: false,
            wait_timeout: None,
            subprocess_timeout: None,
            target: PyVersion::DEFAULT,
            per_rule: BTreeMap::new(),
            http_client: HttpClient::Httpx,
            httpx_missing: false,
            whole_files: false,
            line_length: 88,
        }
    }
}

impl Settings {
    /// The settings `rule` sees: its own table's values over the package's.
    pub fn for_rule(&self, rule: &str) -> std::borrow::Cow<'_, Settings> {
        let Some(own) = self.per_rule.get(rule) else {
            return std::borrow::Cow::Borrowed(self);
        };
        let mut settings = self.clone();
        {
            if let Some(limit) = own.max_concurrency {
                settings.max_concurrency = limit;
            }
            if let Some(timeout) = own.timeout {
                settings.timeout = timeout;
                settings.timeout_chosen = true;
            }
        }
        std::borrow::Cow::Owned(settings)
    }
}

/// The lowest 3.x minor version satisfying a PEP 440 specifier set such as `>=3.9,<4` or `~=3.10`.
pub fn lowest_supported(spec: &str) -> Result<PyVersion> {
    let clauses: Vec<(&str, u8, bool)> = spec
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(parse_clause)
        .collect::<Result<_>>()?;
    (PyVersion::MIN.0..=PyVersion::MAX.0)
        .find(|&minor| {
            clauses
                .iter()
                .all(|&(op, v, wild)| admits(op, v, wild, minor))
        })
        .map(PyVersion)
        .with_context(|| format!("no Python from 3.8 to 3.14 satisfies `{spec}`"))
}

/// `(operator, minor, has_patch)`: `>=3.9.2` is `(">=", 9, true)`; `3.9.*` has no patch.
fn parse_clause(clause: &str) -> Result<(&str, u8, bool)> {
    let op_len = clause
        .find(|c: char| c.is_ascii_digit())
        .with_context(|| format!("`{clause}` has no version"))?;
    let (op, version) = clause.split_at(op_len);
    let op = op.trim();
    let parts: Vec<&str> = version.trim().split('.').collect();
    match parts.first().copied() {
        Some("3") => {}
        // `<4` bounds nothing in the 3.x range; `>=4` admits none of it.
        Some("4") => return Ok((op, if op.starts_with('<') { u8::MAX } else { 0 }, false)),
        _ => anyhow::bail!("`{clause}` is not a Python 3 bound"),
    }
    let minor: u8 = parts
        .get(1)
        .unwrap_or(&"0")
        .parse()
        .with_context(|| format!("`{clause}` has no minor version"))?;
    let has_patch = parts.get(2).is_some_and(|p| *p != "*");
    Ok((op, minor, has_patch))
}

/// Whether some release of 3.`minor` satisfies `op 3.v[.patch]`.
fn admits(op: &str, v: u8, has_patch: bool, minor: u8) -> bool {
    match op {
        ">=" | "~=" => minor >= v,
        ">" => minor > v || (has_patch && minor == v),
        "<" => minor < v || (has_patch && minor == v),
        "<=" => minor <= v,
        "==" | "===" => minor == v,
        // `!=3.9.1` leaves the rest of 3.9; `!=3.9` and `!=3.9.*` are read as excluding 3.9.
        "!=" => has_patch || minor != v,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowest_supported_reads_common_specifiers() {
        assert_eq!(lowest_supported(">=3.9").unwrap(), PyVersion(9));
        assert_eq!(lowest_supported(">=3.9,<4").unwrap(), PyVersion(9));
        assert_eq!(lowest_supported("~=3.10").unwrap(), PyVersion(10));
        assert_eq!(lowest_supported(">=3.8, !=3.8.*").unwrap(), PyVersion(9));
        assert_eq!(lowest_supported(">=3.8, <3.8.5").unwrap(), PyVersion(8));
        assert_eq!(lowest_supported("!=3.8").unwrap(), PyVersion(9));
        assert_eq!(lowest_supported(">3.10").unwrap(), PyVersion(11));
        assert_eq!(lowest_supported("==3.12.*").unwrap(), PyVersion(12));
        assert_eq!(lowest_supported(">=3.11.4").unwrap(), PyVersion(11));
        assert!(lowest_supported(">=2.7").is_err());
    }

    #[test]
    fn target_version_flag_values() {
        assert_eq!("py38".parse::<PyVersion>().unwrap(), PyVersion(8));
        assert_eq!("py314".parse::<PyVersion>().unwrap(), PyVersion(14));
        assert!("py37".parse::<PyVersion>().is_err());
        assert!("3.11".parse::<PyVersion>().is_err());
    }
}
