//! The command line: `check`, `diff`, `apply`, `rules`, `explain`.
//!
//! Exit codes: 0 nothing found or to change, 1 findings (`check`) or changes (`diff`), or findings
//! left that `apply` could not fix, 2 an error. Files that cannot be parsed are skipped with a
//! message and do not change the exit code on their own.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::engine::Reported;
use crate::files::{self, FileResult, SettingsResolver, Status};
use crate::registry::{self, RULES};
use crate::rule::Rule;
use crate::settings::{PyVersion, Settings};

#[derive(Parser)]
#[command(
    name = "corral",
    version,
    about = "A codemod for Python concurrency: bounds fan-out, moves thread-pool network I/O to \
             asyncio, adds deadlines"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Report findings: path:line:col, transform and message
    Check {
        #[command(flatten)]
        common: Common,
        /// Output format
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Show the rewrites as unified diffs, without writing (`corral diff . | git apply` works)
    Diff {
        #[command(flatten)]
        common: Common,
    },
    /// Write the rewrites that `diff` shows, in place
    Apply {
        #[command(flatten)]
        common: Common,
        /// Rewrite files even if they have uncommitted changes in git
        #[arg(long)]
        allow_dirty: bool,
    },
    /// List the transforms
    Rules,
    /// Print one transform's documentation
    Explain {
        /// A transform's name (unbounded-gather) or code (CONC101)
        id: String,
    },
}

#[derive(Args)]
struct Common {
    /// Files or directories to process; `-` reads one file from stdin
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Only these transforms (names or codes, comma-separated)
    #[arg(long, value_delimiter = ',')]
    select: Vec<String>,
    /// Leave out these transforms (names or codes, comma-separated)
    #[arg(long, value_delimiter = ',')]
    ignore: Vec<String>,
    /// How many awaitables a bounded fan-out runs at once
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    max_concurrency: u32,
    /// Seconds for timeouts that transforms add
    #[arg(long)]
    timeout: Option<f64>,
    /// Lowest Python the code supports (py38..py314); default: the nearest pyproject.toml's
    /// requires-python, else py39
    #[arg(long)]
    target_version: Option<PyVersion>,
    /// The file name to report for `-` (stdin)
    #[arg(long)]
    stdin_filename: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Check(Format),
    Diff,
    Apply { allow_dirty: bool },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("corral: error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.downcast_ref::<io::Error>()
        .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Rules => {
            let mut out = io::stdout().lock();
            for rule in RULES {
                writeln!(out, "{:<20} {}  {}", rule.id, rule.code, rule.summary)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain { id } => match registry::find(&id) {
            Some(rule) => {
                io::stdout().lock().write_all(rule.doc.as_bytes())?;
                Ok(ExitCode::SUCCESS)
            }
            None => bail!("no transform named `{id}`; `corral rules` lists them"),
        },
        Command::Check { common, format } => execute(common, Mode::Check(format)),
        Command::Diff { common } => execute(common, Mode::Diff),
        Command::Apply {
            common,
            allow_dirty,
        } => execute(common, Mode::Apply { allow_dirty }),
    }
}

fn selected_rules(common: &Common) -> Result<Vec<&'static Rule>> {
    let lookup = |names: &[String]| -> Result<Vec<&'static Rule>> {
        names
            .iter()
            .map(|n| {
                registry::find(n).ok_or_else(|| {
                    anyhow::anyhow!("no transform named `{n}`; `corral rules` lists them")
                })
            })
            .collect()
    };
    let select = lookup(&common.select)?;
    let ignore = lookup(&common.ignore)?;
    Ok(RULES
        .iter()
        .copied()
        .filter(|r| select.is_empty() || select.iter().any(|s| std::ptr::eq(*s, *r)))
        .filter(|r| !ignore.iter().any(|s| std::ptr::eq(*s, *r)))
        .collect())
}

fn execute(common: Common, mode: Mode) -> Result<ExitCode> {
    let rules = selected_rules(&common)?;
    let settings = Settings {
        max_concurrency: common.max_concurrency,
        timeout: common.timeout.unwrap_or(Settings::default().timeout),
        timeout_chosen: common.timeout.is_some(),
        ..Settings::default()
    };
    if let Some(t) = common.timeout {
        if !(t.is_finite() && t > 0.0) {
            bail!("--timeout must be a positive number of seconds, not {t}");
        }
    }
    let resolver = SettingsResolver::new(settings, common.target_version);
    let fix = !matches!(mode, Mode::Check(_));

    let uses_stdin = common.paths.iter().any(|p| p.as_os_str() == "-");
    if uses_stdin {
        if common.paths.len() != 1 {
            bail!("`-` (stdin) cannot be combined with other paths");
        }
        let name = common
            .stdin_filename
            .clone()
            .unwrap_or_else(|| PathBuf::from("-"));
        let mut bytes = Vec::new();
        io::stdin().read_to_end(&mut bytes)?;
        let result = files::process_bytes(&name, bytes, &rules, &resolver, fix);
        return report(mode, &[result], Vec::new(), true);
    }

    let (paths, errors) = files::discover(&common.paths);
    let results = files::process_all(&paths, &rules, &resolver, fix);
    report(mode, &results, errors, false)
}

fn report(
    mode: Mode,
    results: &[FileResult],
    mut errors: Vec<String>,
    stdin: bool,
) -> Result<ExitCode> {
    let mut out = io::stdout().lock();
    let mut skipped = Vec::new();
    for result in results {
        match &result.status {
            Status::Skipped(why) => skipped.push(format!("{}: {why}", result.path.display())),
            Status::Failed(why) => errors.push(format!("{}: {why}", result.path.display())),
            Status::Processed { outcome, .. } => errors.extend(
                outcome
                    .problems
                    .iter()
                    .map(|p| format!("{}: {p}", result.path.display())),
            ),
        }
    }
    let findings: Vec<(&Path, &Reported)> = results
        .iter()
        .filter_map(|r| match &r.status {
            Status::Processed { outcome, .. } => Some((r.path.as_path(), outcome)),
            _ => None,
        })
        .flat_map(|(path, outcome)| outcome.findings.iter().map(move |f| (path, f)))
        .collect();

    let mut code = match mode {
        Mode::Check(format) => {
            print_findings(&mut out, format, &findings)?;
            out.flush()?;
            let fixable = findings.iter().filter(|(_, f)| f.fix.is_some()).count();
            if format == Format::Text && !findings.is_empty() {
                eprintln!(
                    "corral: {} finding{} ({fixable} fixable with `corral apply`)",
                    findings.len(),
                    plural(findings.len())
                );
            }
            u8::from(!findings.is_empty())
        }
        Mode::Diff => {
            let mut changed = 0;
            for result in results {
                if let Status::Processed {
                    source, outcome, ..
                } = &result.status
                {
                    if let Some(fixed) = &outcome.fixed {
                        changed += 1;
                        let diff = crate::diff::unified_diff(&result.path, source, fixed);
                        out.write_all(diff.as_bytes())?;
                    }
                    explain(&result.path, &outcome.findings);
                }
            }
            let unfixable = findings.iter().filter(|(_, f)| f.fix.is_none()).count();
            eprintln!(
                "corral: {changed} file{} would change; {unfixable} finding{} can only be reported",
                plural(changed),
                plural(unfixable)
            );
            u8::from(changed > 0)
        }
        Mode::Apply { allow_dirty } => {
            if stdin {
                // Like `ruff check --fix -`: the fixed text goes to stdout.
                if let Some(Status::Processed {
                    source, outcome, ..
                }) = results.first().map(|r| &r.status)
                {
                    let text = outcome.fixed.as_deref().unwrap_or(&source.text);
                    out.write_all(&source.encode(text)?)?;
                }
                0
            } else {
                apply(results, allow_dirty, &mut errors, &skipped)?
            }
        }
    };
    out.flush()?;
    for skip in &skipped {
        eprintln!("corral: skipped {skip}");
    }
    for error in &errors {
        eprintln!("corral: error: {error}");
    }
    if !errors.is_empty() {
        code = 2;
    }
    Ok(ExitCode::from(code))
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn print_findings(
    out: &mut impl Write,
    format: Format,
    findings: &[(&Path, &Reported)],
) -> Result<()> {
    match format {
        Format::Text => {
            for (path, f) in findings {
                let marker = if f.fix.is_some() { " [*]" } else { "" };
                writeln!(
                    out,
                    "{}:{}:{}: {} {}{marker} {}",
                    path.display(),
                    f.line,
                    f.column,
                    f.code,
                    f.rule,
                    f.message
                )?;
            }
        }
        Format::Json => {
            #[derive(serde::Serialize)]
            struct Entry<'a> {
                path: String,
                #[serde(flatten)]
                finding: &'a Reported,
            }
            let entries: Vec<Entry> = findings
                .iter()
                .map(|(path, finding)| Entry {
                    path: path.display().to_string(),
                    finding,
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &entries)?;
            writeln!(out)?;
        }
    }
    Ok(())
}

/// Says on stderr what each finding is and what each fix changes, so that stdout stays a clean
/// patch and no code is left alone without a reason.
fn explain(path: &Path, findings: &[Reported]) {
    let mut stderr = io::stderr().lock();
    let mut said: Vec<&[String]> = Vec::new();
    for f in findings {
        let _ = writeln!(
            stderr,
            "{}:{}:{}: {} {}{} {}",
            path.display(),
            f.line,
            f.column,
            f.code,
            f.rule,
            if f.fix.is_some() { " [*]" } else { "" },
            f.message
        );
        if let Some(fix) = &f.fix {
            if !said.contains(&fix.changes.as_slice()) {
                for change in &fix.changes {
                    let _ = writeln!(stderr, "    behaviour change: {change}");
                }
                said.push(&fix.changes);
            }
        }
    }
}

fn apply(
    results: &[FileResult],
    allow_dirty: bool,
    errors: &mut Vec<String>,
    skipped: &[String],
) -> Result<u8> {
    let to_write: Vec<&FileResult> = results
        .iter()
        .filter(
            |r| matches!(&r.status, Status::Processed { outcome, .. } if outcome.fixed.is_some()),
        )
        .collect();
    let paths: Vec<PathBuf> = to_write.iter().map(|r| r.path.clone()).collect();
    let guard = crate::git::guard(&paths);
    if !allow_dirty && !guard.dirty.is_empty() {
        let list: Vec<String> = guard
            .dirty
            .iter()
            .map(|p| format!("  {}", p.display()))
            .collect();
        bail!(
            "refusing to rewrite files with uncommitted changes:\n{}\n\
             Commit or stash them first, or pass --allow-dirty.",
            list.join("\n")
        );
    }
    if !guard.unguarded.is_empty() {
        eprintln!(
            "corral: note: {} file{} outside a git work tree; nothing guards them against an \
             unwanted rewrite",
            guard.unguarded.len(),
            plural(guard.unguarded.len())
        );
    }
    let mut changed = 0;
    let mut unfixed = 0;
    let mut failed_writes = Vec::new();
    for result in results {
        let Status::Processed {
            source,
            original,
            outcome,
        } = &result.status
        else {
            continue;
        };
        unfixed += outcome.findings.iter().filter(|f| f.fix.is_none()).count();
        explain(&result.path, &outcome.findings);
        let Some(fixed) = &outcome.fixed else {
            continue;
        };
        let written = source
            .encode(fixed)
            .map_err(anyhow::Error::from)
            .and_then(|bytes| crate::write::replace_if_unchanged(&result.path, original, &bytes));
        match written {
            Ok(()) => changed += 1,
            Err(err) => {
                failed_writes.push(format!("{}: not written: {err:#}", result.path.display()))
            }
        }
    }
    let unchanged = results
        .iter()
        .filter(
            |r| matches!(&r.status, Status::Processed { outcome, .. } if outcome.fixed.is_none()),
        )
        .count();
    let not_written = failed_writes.len();
    errors.extend(failed_writes);
    eprintln!(
        "corral: {changed} file{} changed, {unchanged} unchanged, {} skipped",
        plural(changed),
        skipped.len() + not_written
    );
    if unfixed > 0 {
        eprintln!(
            "corral: {unfixed} finding{} can only be reported; `corral check` lists them",
            plural(unfixed)
        );
    }
    Ok(u8::from(unfixed > 0))
}
