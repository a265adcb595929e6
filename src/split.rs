//! `diff --output-dir DIR --split-by package|codeowners`: one patch per package or per owner.
//!
//! Every patch holds whole files, with paths relative to the current directory, so each applies
//! on its own with `git apply` and together they equal the unsplit diff.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};
use clap::ValueEnum;
use ignore::gitignore::{Gitignore, GitignoreBuilder};

use crate::files::{FileResult, Status};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SplitBy {
    /// The package a file belongs to: the directory of its nearest pyproject.toml or corral.toml
    Package,
    /// The owners CODEOWNERS gives a file (last matching line wins)
    Codeowners,
}

/// Writes the patches and returns their paths.
pub fn write_patches(changed: &[&FileResult], dir: &Path, by: SplitBy) -> Result<Vec<PathBuf>> {
    let owners = match by {
        SplitBy::Codeowners => Some(Codeowners::find()?),
        SplitBy::Package => None,
    };
    let mut groups: BTreeMap<String, String> = BTreeMap::new();
    for result in changed {
        let Status::Processed {
            source, outcome, ..
        } = &result.status
        else {
            continue;
        };
        let Some(fixed) = &outcome.fixed else {
            continue;
        };
        let group = match &owners {
            Some(owners) => owners.group_of(&result.path),
            None => package_group(result.package.as_deref()),
        };
        groups
            .entry(group)
            .or_default()
            .push_str(&crate::diff::unified_diff(&result.path, source, fixed));
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut written = Vec::new();
    for (group, patch) in groups {
        let path = dir.join(format!("{group}.patch"));
        std::fs::write(&path, patch).with_context(|| format!("cannot write {}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

/// `services/billing` as `services__billing`; the current directory, or no package, as `root`.
fn package_group(package: Option<&Path>) -> String {
    let Some(package) = package else {
        return "root".to_string();
    };
    let cwd = std::env::current_dir().unwrap_or_default();
    let relative = package.strip_prefix(&cwd).unwrap_or(package);
    let name = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .filter(|c| c != "/")
        .collect::<Vec<_>>()
        .join("__");
    if name.is_empty() {
        "root".to_string()
    } else {
        sanitize(&name)
    }
}

fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '+') {
                c
            } else {
                '-'
            }
        })
        .collect::<String>()
        .trim_matches('-')
        .to_string()
}

/// CODEOWNERS rules in file order; the last matching rule gives a file its owners.
struct Codeowners {
    rules: Vec<(Gitignore, Vec<String>)>,
}

impl Codeowners {
    fn find() -> Result<Codeowners> {
        for candidate in [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"] {
            let path = Path::new(candidate);
            if path.is_file() {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read {candidate}"))?;
                return Codeowners::parse(&text, candidate);
            }
        }
        bail!("--split-by codeowners needs a CODEOWNERS file in .github/, the current directory or docs/")
    }

    fn parse(text: &str, origin: &str) -> Result<Codeowners> {
        let root = std::env::current_dir().unwrap_or_default();
        let mut rules = Vec::new();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut parts = line.split_whitespace();
            let pattern = parts.next().expect("non-empty line");
            let owners: Vec<String> = parts
                .take_while(|p| !p.starts_with('#'))
                .map(str::to_string)
                .collect();
            let mut builder = GitignoreBuilder::new(&root);
            builder
                .add_line(None, pattern)
                .with_context(|| format!("{origin}:{}: bad pattern `{pattern}`", number + 1))?;
            rules.push((builder.build()?, owners));
        }
        Ok(Codeowners { rules })
    }

    fn group_of(&self, path: &Path) -> String {
        let owners = self
            .rules
            .iter()
            .rev()
            .find(|(matcher, _)| matcher.matched_path_or_any_parents(path, false).is_ignore())
            .map(|(_, owners)| owners.as_slice())
            .unwrap_or_default();
        if owners.is_empty() {
            return "unowned".to_string();
        }
        sanitize(
            &owners
                .iter()
                .map(|o| o.trim_start_matches('@'))
                .collect::<Vec<_>>()
                .join("+"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_matching_codeowners_line_wins() {
        let owners = Codeowners::parse(
            "# owners\n* @org/platform\nservices/billing/ @org/billing @alice\n*.md @docs\n",
            "CODEOWNERS",
        )
        .unwrap();
        assert_eq!(
            owners.group_of(Path::new("services/billing/api.py")),
            "org-billing+alice"
        );
        assert_eq!(
            owners.group_of(Path::new("services/search/api.py")),
            "org-platform"
        );
        let none = Codeowners::parse("docs/ @docs\n", "CODEOWNERS").unwrap();
        assert_eq!(none.group_of(Path::new("src/a.py")), "unowned");
    }

    #[test]
    fn package_names() {
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(
            package_group(Some(&cwd.join("services/billing"))),
            "services__billing"
        );
        assert_eq!(package_group(Some(&cwd)), "root");
        assert_eq!(package_group(None), "root");
    }
}
