//! The command line: `check`, `diff`, `apply`, `rules`, `explain`.
//!
//! Exit codes: 0 nothing found or to change, 1 findings (`check`) or changes (`diff`), or findings
//! left that `apply` could not fix, 2 an error. Files that cannot be parsed are skipped with a
//! message and do not change the exit code on their own.

use std::io::{self, BufRead, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context as _, Result};
use clap::{Args, Parser, Subcommand};

use crate::engine::{Approval, Fixing, Proposal};
use crate::files::{self, FileResult, Overrides, Resolver, Status};
use crate::registry::{self, RULES};
use crate::report::{self, Format, Summary};
use crate::rule::Rule;
use crate::settings::{HttpClient, PyVersion};
use crate::split::{self, SplitBy};

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
        /// Also list `# corral: ignore[...]` comments that silence nothing
        #[arg(long)]
        unused_suppressions: bool,
    },
    /// Show the rewrites as unified diffs, without writing (`corral diff . | git apply` works)
    Diff {
        #[command(flatten)]
        common: Common,
        /// Write one patch per group to this directory instead of printing
        #[arg(long, value_name = "DIR")]
        output_dir: Option<PathBuf>,
        /// How --output-dir groups files: by package (nearest pyproject.toml or corral.toml) or
        /// by CODEOWNERS owner
        #[arg(long, value_enum, requires = "output_dir")]
        split_by: Option<SplitBy>,
    },
    /// Write the rewrites that `diff` shows, in place
    Apply {
        #[command(flatten)]
        common: Common,
        /// Rewrite files even if they have uncommitted changes in git
        #[arg(long)]
        allow_dirty: bool,
        /// Approve each rewrite: y (yes), n (no), a (this and all later), q (quit)
        #[arg(long, short)]
        interactive: bool,
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
    /// Only these transforms (names or codes, comma-separated), opt-in ones included
    #[arg(long, value_delimiter = ',')]
    select: Option<Vec<String>>,
    /// These transforms too (names or codes, comma-separated): how to add an opt-in one
    #[arg(long, value_delimiter = ',')]
    extend_select: Option<Vec<String>>,
    /// Leave out these transforms (names or codes, comma-separated)
    #[arg(long, value_delimiter = ',')]
    ignore: Option<Vec<String>>,
    /// How many awaitables a bounded fan-out runs at once [default: 10]
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    max_concurrency: Option<u32>,
    /// Seconds for the timeouts and deadlines of network calls that transforms add [default: 10]
    #[arg(long)]
    timeout: Option<f64>,
    /// Seconds a wait on a future, queue or pool result may take: waits get a timeout only when
    /// this is chosen
    #[arg(long, value_name = "SECONDS")]
    wait_timeout: Option<f64>,
    /// Seconds a child process may run: subprocess waits get a timeout only when this is chosen
    #[arg(long, value_name = "SECONDS")]
    subprocess_timeout: Option<f64>,
    /// Lowest Python the code supports (py38..py314); default: the nearest pyproject.toml's
    /// requires-python, else py39
    #[arg(long)]
    target_version: Option<PyVersion>,
    /// How thread-pool network I/O moves to asyncio: httpx, or requests through to_thread
    #[arg(long, value_enum, default_value_t = HttpClient::Auto)]
    http_client: HttpClient,
    /// In library code, add an `async def <name>_async` variant next to a function whose thread
    /// pool does network I/O, leaving the function as it is (otherwise it is only reported)
    #[arg(long)]
    library_variants: bool,
    /// Leave out paths matching these globs (comma-separated or repeated)
    #[arg(long, value_delimiter = ',')]
    exclude: Vec<String>,
    /// Process only shard K of N (1-based), e.g. `--shard 2/4`: a stable split of the file set
    #[arg(long, value_name = "K/N")]
    shard: Option<Shard>,
    /// The file name to report for `-` (stdin)
    #[arg(long)]
    stdin_filename: Option<PathBuf>,
    /// No summary and no progress bar
    #[arg(long, short)]
    quiet: bool,
    /// Parse whole files, not only the parts the transforms read (slower; for comparison)
    #[arg(long)]
    parse_whole_files: bool,
}

/// `--shard K/N`: the files whose path hashes to K among N.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parsed = s.split_once('/').and_then(|(k, n)| {
            Some((k.trim().parse::<u64>().ok()?, n.trim().parse::<u64>().ok()?))
        });
        match parsed {
            Some((index, count)) if count >= 1 && (1..=count).contains(&index) => {
                Ok(Shard { index, count })
            }
            _ => Err(format!(
                "`{s}` is not a shard; write K/N with 1 <= K <= N, e.g. 2/4"
            )),
        }
    }
}

impl Shard {
    /// Whether `path` belongs to this shard: FNV-1a of its `/`-separated text, so the split is
    /// the same on every machine and every run.
    pub fn contains(&self, path: &std::path::Path) -> bool {
        let text = path.to_string_lossy().replace('\\', "/");
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in text.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        hash % self.count == self.index - 1
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Check {
        format: Format,
        unused: bool,
    },
    Diff,
    Apply {
        allow_dirty: bool,
        interactive: bool,
    },
}

/// The stack of each thread that analyses files. Every walk over a tree is iterative or bounded
/// by `engine::MAX_DEPTH`, which fits in the default stack; this is a margin on top.
const FILE_THREAD_STACK: usize = 16 << 20;

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // Fails only if the pool already exists, which keeps its own stacks.
    let _ = rayon::ThreadPoolBuilder::new()
        .stack_size(FILE_THREAD_STACK)
        .build_global();
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
                let on = if rule.opt_in.is_some() {
                    "opt-in "
                } else {
                    "default"
                };
                writeln!(out, "{:<30} {}  {on}  {}", rule.id, rule.code, rule.summary)?;
                if let Some(why) = rule.opt_in {
                    writeln!(out, "{:<30} opt-in because {why}", "")?;
                }
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
        Command::Check {
            common,
            format,
            unused_suppressions,
        } => execute(
            common,
            Mode::Check {
                format,
                unused: unused_suppressions,
            },
            None,
        ),
        Command::Diff {
            common,
            output_dir,
            split_by,
        } => execute(
            common,
            Mode::Diff,
            output_dir.map(|dir| (dir, split_by.unwrap_or(SplitBy::Package))),
        ),
        Command::Apply {
            common,
            allow_dirty,
            interactive,
        } => execute(
            common,
            Mode::Apply {
                allow_dirty,
                interactive,
            },
            None,
        ),
    }
}

fn rules_named(names: &Option<Vec<String>>) -> Result<Option<Vec<&'static Rule>>> {
    let Some(names) = names else {
        return Ok(None);
    };
    names
        .iter()
        .map(|n| {
            registry::find(n).ok_or_else(|| {
                anyhow::anyhow!("no transform named `{n}`; `corral rules` lists them")
            })
        })
        .collect::<Result<Vec<_>>>()
        .map(Some)
}

fn execute(common: Common, mode: Mode, split_to: Option<(PathBuf, SplitBy)>) -> Result<ExitCode> {
    let started = Instant::now();
    for (flag, value) in [
        ("--timeout", common.timeout),
        ("--wait-timeout", common.wait_timeout),
        ("--subprocess-timeout", common.subprocess_timeout),
    ] {
        if let Some(t) = value {
            if !(t.is_finite() && t > 0.0) {
                bail!("{flag} must be a positive number of seconds, not {t}");
            }
        }
    }
    let resolver = Resolver::new(Overrides {
        select: rules_named(&common.select)?,
        extend_select: rules_named(&common.extend_select)?,
        ignore: rules_named(&common.ignore)?,
        max_concurrency: common.max_concurrency,
        timeout: common.timeout,
        wait_timeout: common.wait_timeout,
        subprocess_timeout: common.subprocess_timeout,
        target: common.target_version,
        http_client: common.http_client,
        whole_files: common.parse_whole_files,
        library_variants: common.library_variants,
    });
    let fix = !matches!(mode, Mode::Check { .. });

    if common.paths.iter().any(|p| p.as_os_str() == "-") {
        if common.paths.len() != 1 {
            bail!("`-` (stdin) cannot be combined with other paths");
        }
        let name = common
            .stdin_filename
            .clone()
            .unwrap_or_else(|| PathBuf::from("-"));
        let mut bytes = Vec::new();
        io::stdin().read_to_end(&mut bytes)?;
        let fixing = if fix { Fixing::All } else { Fixing::No };
        let result = files::process_bytes(&name, &bytes, &resolver, fixing);
        return finish(
            mode,
            &[result],
            Vec::new(),
            true,
            &common,
            started,
            split_to,
        );
    }

    let exclude = if common.exclude.is_empty() {
        None
    } else {
        Some(crate::config::glob_set(&common.exclude, "--exclude")?)
    };
    let (mut paths, errors) = files::discover(&common.paths, exclude.as_ref());
    if let Some(shard) = common.shard {
        paths.retain(|p| shard.contains(p));
    }
    let results = match mode {
        Mode::Apply {
            interactive: true, ..
        } => interactive_pass(&paths, &resolver)?,
        _ => {
            let bar = progress_bar(paths.len() as u64, common.quiet);
            let results = files::process_all(&paths, &resolver, fix, &|| bar.inc(1));
            bar.finish_and_clear();
            results
        }
    };
    finish(mode, &results, errors, false, &common, started, split_to)
}

fn progress_bar(len: u64, quiet: bool) -> indicatif::ProgressBar {
    if quiet || !io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} files {elapsed}")
            .expect("a valid template"),
    );
    bar
}

/// `apply --interactive`: files one after the other, each fix shown as a diff and approved.
fn interactive_pass(paths: &[PathBuf], resolver: &Resolver) -> Result<Vec<FileResult>> {
    let stdin = io::stdin();
    let mut answers = stdin.lock();
    let mut results = Vec::new();
    let mut quit = false;
    let mut all = false;
    for path in paths {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let mut ask = |proposal: &Proposal| -> Approval {
            if quit {
                return Approval::No;
            }
            if all {
                return Approval::Yes;
            }
            let source = crate::source::SourceText::decode(proposal.before.as_bytes())
                .expect("the engine's text is UTF-8");
            let mut err = io::stderr().lock();
            let _ = write!(
                err,
                "{}",
                crate::diff::unified_diff(path, &source, &proposal.after)
            );
            let _ = writeln!(
                err,
                "{} {}: {}",
                proposal.rule.code, proposal.rule.id, proposal.message
            );
            for change in proposal.changes {
                let _ = writeln!(err, "    behaviour change: {change}");
            }
            loop {
                let _ = write!(err, "Apply this rewrite [y,n,a,q]? ");
                let _ = err.flush();
                let mut line = String::new();
                if answers.read_line(&mut line).unwrap_or(0) == 0 {
                    quit = true;
                    return Approval::Quit;
                }
                match line.trim() {
                    "y" => return Approval::Yes,
                    "n" => return Approval::No,
                    "a" => {
                        all = true;
                        return Approval::All;
                    }
                    "q" => {
                        quit = true;
                        return Approval::Quit;
                    }
                    _ => {
                        let _ = writeln!(
                            err,
                            "y - apply this rewrite\nn - skip it\na - apply it and all later ones\nq - stop; skip it and all later ones"
                        );
                    }
                }
            }
        };
        results.push(files::process_bytes(
            path,
            &bytes,
            resolver,
            Fixing::Approve(&mut ask),
        ));
    }
    Ok(results)
}

fn finish(
    mode: Mode,
    results: &[FileResult],
    mut errors: Vec<String>,
    stdin: bool,
    common: &Common,
    started: Instant,
    split_to: Option<(PathBuf, SplitBy)>,
) -> Result<ExitCode> {
    let mut out = io::stdout().lock();
    for result in results {
        match &result.status {
            Status::Failed(why) => errors.push(format!("{}: {why}", result.path.display())),
            Status::Processed { outcome, .. } => errors.extend(
                outcome
                    .problems
                    .iter()
                    .map(|p| format!("{}: {p}", result.path.display())),
            ),
            _ => {}
        }
    }
    let findings = report::findings(results);
    let mut summary = Summary::new(results);

    let mut code = match mode {
        Mode::Check { format, unused } => {
            let unused = if unused {
                report::unused_suppressions(results)
            } else {
                Vec::new()
            };
            report::print(&mut out, format, &findings, &unused)?;
            out.flush()?;
            u8::from(!findings.is_empty() || !unused.is_empty())
        }
        Mode::Diff => {
            let changed: Vec<&FileResult> = results
                .iter()
                .filter(|r| matches!(&r.status, Status::Processed { outcome, .. } if outcome.fixed.is_some()))
                .collect();
            match &split_to {
                Some((dir, by)) => {
                    let written = split::write_patches(&changed, dir, *by)?;
                    if !common.quiet {
                        eprintln!(
                            "corral: wrote {} patch{} to {}",
                            written.len(),
                            if written.len() == 1 { "" } else { "es" },
                            dir.display()
                        );
                    }
                }
                None => {
                    for result in &changed {
                        if let Status::Processed {
                            source, outcome, ..
                        } = &result.status
                        {
                            let fixed = outcome.fixed.as_deref().expect("filtered");
                            out.write_all(
                                crate::diff::unified_diff(&result.path, source, fixed).as_bytes(),
                            )?;
                        }
                    }
                }
            }
            out.flush()?;
            report::explain(results);
            u8::from(!changed.is_empty())
        }
        Mode::Apply { allow_dirty, .. } => {
            if stdin {
                // Like `ruff check --fix -`: the fixed text goes to stdout.
                if let Some(Status::Processed {
                    source, outcome, ..
                }) = results.first().map(|r| &r.status)
                {
                    let text = outcome.fixed.as_deref().unwrap_or(&source.text);
                    out.write_all(&source.encode(text)?)?;
                }
                out.flush()?;
                0
            } else {
                let written = apply(results, allow_dirty, &mut errors)?;
                summary.write_failures = written.failures;
                report::explain(results);
                u8::from(written.unfixed > 0)
            }
        }
    };
    for result in results {
        if let Status::Skipped(skip) = &result.status {
            eprintln!("corral: skipped {}: {}", result.path.display(), skip.reason);
        }
    }
    for error in &errors {
        eprintln!("corral: error: {error}");
    }
    if !common.quiet && !stdin {
        let fixing = match mode {
            Mode::Check { .. } => None,
            Mode::Diff => Some(false),
            Mode::Apply { .. } => Some(true),
        };
        summary.print(fixing, started.elapsed());
    }
    if !errors.is_empty() {
        code = 2;
    }
    Ok(ExitCode::from(code))
}

struct Written {
    unfixed: usize,
    failures: usize,
}

fn apply(results: &[FileResult], allow_dirty: bool, errors: &mut Vec<String>) -> Result<Written> {
    let to_write: Vec<PathBuf> = results
        .iter()
        .filter(
            |r| matches!(&r.status, Status::Processed { outcome, .. } if outcome.fixed.is_some()),
        )
        .map(|r| r.path.clone())
        .collect();
    let guard = crate::git::guard(&to_write);
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
            if guard.unguarded.len() == 1 {
                " is"
            } else {
                "s are"
            }
        );
    }
    let mut unfixed = 0;
    let mut failures = 0;
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
        let Some(fixed) = &outcome.fixed else {
            continue;
        };
        let written = source
            .encode(fixed)
            .map_err(anyhow::Error::from)
            .and_then(|bytes| crate::write::replace_if_unchanged(&result.path, original, &bytes));
        if let Err(err) = written {
            failures += 1;
            errors.push(format!("{}: not written: {err:#}", result.path.display()));
        }
    }
    Ok(Written { unfixed, failures })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_files() {
        let paths: Vec<PathBuf> = (0..200)
            .map(|i| PathBuf::from(format!("pkg{i}/mod.py")))
            .collect();
        let shards: Vec<Shard> = (1..=3).map(|k| format!("{k}/3").parse().unwrap()).collect();
        for path in &paths {
            assert_eq!(shards.iter().filter(|s| s.contains(path)).count(), 1);
        }
        assert!(shards
            .iter()
            .all(|s| paths.iter().filter(|p| s.contains(p)).count() > 40));
        assert!("0/3".parse::<Shard>().is_err());
        assert!("4/3".parse::<Shard>().is_err());
        assert!("1/0".parse::<Shard>().is_err());
    }
}
