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
    /// No flag, configuration or metadata named the target version: each file's own syntax may
    /// raise it (`syntax_floor`).
    pub target_from_syntax: bool,
    /// The project's own functions that do network I/O (`mypkg.api.fetch`), from
    /// `network-calls`: the network model counts calls to them as blocking network I/O.
    pub network_calls: Vec<String>,
    /// Library code gets an additive `async def <name>_async` variant next to a function whose
    /// thread pool does network I/O (`--library-variants`, `library-variants = true`), instead of
    /// only a report.
    pub library_variants: bool,
    /// The async clients of network libraries the project declares (`aiosmtplib`, ...): the
    /// calls they serve are reported, not kept in threads.
    pub async_clients: Vec<&'static str>,
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
            target_from_syntax: false,
            network_calls: Vec::new(),
            library_variants: false,
            async_clients: Vec::new(),
        }
    }
}

impl Settings {
    /// The modules of the project's own network functions: a file that names none of them
    /// cannot call them.
    pub fn network_modules(&self) -> Vec<String> {
        let mut modules: Vec<String> = self
            .network_calls
            .iter()
            .filter_map(|n| n.split('.').next())
            .map(str::to_string)
            .collect();
        modules.sort();
        modules.dedup();
        modules
    }

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

/// The lowest Python a file's own syntax needs: `type X = ...` and generic `def f[T]` /
/// `class C[T]` (PEP 695) need 3.12, `except*` 3.11, `match` 3.10. Statement starts come from
/// the outline's scan, so strings and comments do not count.
pub fn syntax_floor(src: &str) -> Option<PyVersion> {
    let bytes = src.as_bytes();
    let lines = crate::outline::logical_lines(bytes)?;
    let mut floor = None;
    for line in lines {
        let text = &src[line.token..line.end];
        let words: Vec<&str> = text
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
            .take(3)
            .collect();
        // What follows `prefix` and a name, when a name follows it.
        let after = |prefix: &str| {
            text.strip_prefix(prefix)
                .map(str::trim_start)
                .and_then(|rest| {
                    let name = rest.trim_start_matches(|c: char| c.is_alphanumeric() || c == '_');
                    (name.len() < rest.len()).then_some(name)
                })
        };
        // `def name[` / `class Name[`, after an optional `async`.
        let definition = text
            .strip_prefix("async")
            .filter(|rest| rest.starts_with([' ', '\t']))
            .map_or(text, str::trim_start);
        let generic = |keyword: &str| {
            definition
                .strip_prefix(keyword)
                .filter(|rest| rest.starts_with([' ', '\t']))
                .map(str::trim_start)
                .is_some_and(|rest| {
                    let name_end = rest
                        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .unwrap_or(rest.len());
                    name_end > 0 && rest[name_end..].starts_with('[')
                })
        };
        let alias = words.first() == Some(&"type")
            && words.len() >= 2
            && after("type ").is_some_and(|rest| {
                let rest = rest.trim_start();
                rest.starts_with('=') || rest.starts_with('[')
            });
        let version = if alias || generic("def") || generic("class") {
            12
        } else if text.starts_with("except*") || text.starts_with("except *") {
            11
        } else if words.first() == Some(&"match") && line.opens_block && !text.starts_with("match(")
        {
            10
        } else {
            continue;
        };
        floor = floor.max(Some(PyVersion(version)));
    }
    floor
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
    fn a_files_syntax_sets_a_floor() {
        assert_eq!(syntax_floor("type Ids = list[int]\n"), Some(PyVersion(12)));
        assert_eq!(
            syntax_floor("def first[T](xs: list[T]) -> T:\n    return xs[0]\n"),
            Some(PyVersion(12))
        );
        assert_eq!(
            syntax_floor("class Box[T]:\n    pass\n"),
            Some(PyVersion(12))
        );
        assert_eq!(
            syntax_floor("try:\n    pass\nexcept* ValueError:\n    pass\n"),
            Some(PyVersion(11))
        );
        assert_eq!(
            syntax_floor("match x:\n    case 1:\n        pass\n"),
            Some(PyVersion(10))
        );
        assert_eq!(
            syntax_floor("type = 3\nmatch = f(x)\ns = \"\"\"\ndef f[T]():\n\"\"\"\n"),
            None
        );
    }

    #[test]
    fn target_version_flag_values() {
        assert_eq!("py38".parse::<PyVersion>().unwrap(), PyVersion(8));
        assert_eq!("py314".parse::<PyVersion>().unwrap(), PyVersion(14));
        assert!("py37".parse::<PyVersion>().is_err());
        assert!("3.11".parse::<PyVersion>().is_err());
    }
}
