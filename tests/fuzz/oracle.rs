// What must hold for any input, and how inputs are made from the transforms' cases. Shared by
// `tests/fuzz.rs` (a seeded mutator on the stable toolchain) and `fuzz/` (cargo fuzz, on
// nightly), which `include!` this file.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use corral::engine::{self, Fixing};
use corral::registry::RULES;
use corral::settings::{HttpClient, PyVersion, Settings};
use corral::source::SourceText;

/// A property that failed for an input, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure(pub String);

/// How far an input that holds every property got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reached {
    /// It does not decode: skipped before parsing.
    Undecodable,
    /// Skipped by the engine: a syntax error, or too deep.
    Skipped,
    /// Checked and fixed, with nothing to rewrite.
    Unchanged,
    /// Rewritten, though python3 does not compile the input: only parsing is asked of it.
    RewrittenNotPython,
    /// Rewritten, compiling, and settled.
    Rewritten,
}

/// The settings one input runs with, chosen by a byte of it so that a saved input replays alike.
pub fn settings_for(choice: u8) -> Settings {
    let mut settings = Settings::default();
    if choice & 1 == 1 {
        settings.timeout = 5.0;
        settings.timeout_chosen = true;
    }
    settings.target = [PyVersion(8), PyVersion(9), PyVersion(11), PyVersion(13)]
        [usize::from(choice >> 1) % 4];
    if choice & 8 == 8 {
        settings.http_client = HttpClient::ToThread;
    }
    settings.whole_files = choice & 16 == 16;
    settings
}

/// Runs `f`, turning a panic into a failure that names `what`.
fn guarded<T>(what: &str, f: impl FnOnce() -> T) -> Result<T, Failure> {
    corral::files::contain_panic(f).map_err(|message| Failure(format!("{what} panicked: {message}")))
}

/// Checks `bytes` as `corral check` and fixes it as `corral diff` does. Neither may panic, and a
/// rewrite must parse and be writable. When the input is Python (it compiles with `python`), the
/// rewrite must compile too, and running again on it must change nothing. Of text that only
/// tree-sitter accepts (say, a `def` with no body) nothing more is asked: its meaning, and so
/// what a second pass makes of it, is not Python's.
pub fn check_input(
    bytes: &[u8],
    settings: &Settings,
    python: Option<&mut Python>,
) -> Result<Reached, Failure> {
    let Ok(source) = SourceText::decode(bytes) else {
        return Ok(Reached::Undecodable); // skipped with its reason, as the command line does
    };
    let rules: Vec<&'static corral::rule::Rule> = RULES.to_vec();
    let checked = guarded("check", || engine::run(&source, &rules, settings, Fixing::No))?;
    if checked.is_err() {
        return Ok(Reached::Skipped); // a syntax error, or too deep
    }
    let fixed = match guarded("diff", || engine::run(&source, &rules, settings, Fixing::All))? {
        Ok(outcome) => outcome,
        // A syntax error outside the parts check reads is only seen when fixing.
        Err(_) => return Ok(Reached::Skipped),
    };
    let Some(text) = &fixed.fixed else {
        return Ok(Reached::Unchanged);
    };
    guarded("diff output", || {
        corral::diff::unified_diff(Path::new("fuzz.py"), &source, text)
    })?;
    let tree = corral::parse::parse(text).ok_or_else(|| Failure("the rewrite does not parse".into()))?;
    if let Some(err) = corral::parse::first_syntax_error(&tree, text) {
        return Err(Failure(format!("the rewrite has a {err}")));
    }
    let encoded = source
        .encode(text)
        .map_err(|e| Failure(format!("the rewrite cannot be written: {e}")))?;
    // Not Python, or no python3 to tell: only parsing is asked of the rewrite.
    let Some(python) = python else {
        return Ok(Reached::RewrittenNotPython);
    };
    if !python.compiles(&source.text) {
        return Ok(Reached::RewrittenNotPython);
    }
    if !python.compiles(text) {
        return Err(Failure(
            "the input compiles with python3 and the rewrite does not".into(),
        ));
    }
    if let Some(problem) = fixed.problems.iter().find(|p| p.contains("did not converge")) {
        return Err(Failure(problem.clone()));
    }
    let again = SourceText::decode(&encoded)
        .map_err(|e| Failure(format!("the rewrite does not decode: {e}")))?;
    let second = guarded("second pass", || engine::run(&again, &rules, settings, Fixing::All))?
        .map_err(|skip| Failure(format!("the rewrite is skipped: {skip}")))?;
    if second.fixed.is_some() {
        return Err(Failure("a second pass changes the rewrite again".into()));
    }
    Ok(Reached::Rewritten)
}

/// A python3 that compiles texts sent to it, started once: a process per text would be most of
/// the run.
pub struct Python {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
}

const COMPILE_LOOP: &str = r#"
import sys
while True:
    n = sys.stdin.buffer.readline()
    if not n:
        break
    src = sys.stdin.buffer.read(int(n))
    try:
        compile(src, "fuzz.py", "exec")
        ok = b"1"
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        ok = b"0"
    sys.stdout.buffer.write(ok + b"\n")
    sys.stdout.buffer.flush()
"#;

impl Python {
    /// `None` when there is no python3.
    pub fn start() -> Option<Python> {
        let mut child = Command::new("python3")
            .args(["-c", COMPILE_LOOP])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let input = child.stdin.take()?;
        let output = BufReader::new(child.stdout.take()?);
        Some(Python {
            child,
            input,
            output,
        })
    }

    pub fn compiles(&mut self, text: &str) -> bool {
        let sent = writeln!(self.input, "{}", text.len())
            .and_then(|()| self.input.write_all(text.as_bytes()))
            .and_then(|()| self.input.flush());
        let mut answer = String::new();
        if sent.is_err() || self.output.read_line(&mut answer).is_err() {
            panic!("the python3 compile helper stopped");
        }
        answer.trim() == "1"
    }
}

impl Drop for Python {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut rest = Vec::new();
        let _ = self.output.read_to_end(&mut rest);
    }
}

/// The transforms' cases, the seeds every input is made from.
pub fn seeds() -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("transforms");
    let mut found = Vec::new();
    for rule in RULES {
        let dir = root.join(rule.id).join("cases");
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "py"))
            .collect();
        files.sort();
        found.extend(files.iter().map(|f| std::fs::read(f).unwrap()));
    }
    found
}

/// xorshift64*: small, seeded, the same everywhere.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn word(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.word() % n.max(1) as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Pieces of Python that the transforms and the outline scan care about.
const TOKENS: &[&str] = &[
    "(", ")", "[", "]", "{", "}", ":", ",", "=", "*", "**", ".", "\\\n", "'", "\"", "'''", "\"\"\"",
    "#", "\n", "\r\n", "\r", "\t", "    ", " ", "async ", "await ", "lambda: ", "yield ", "def ",
    "class C:\n", "def f(x):\n", "async def g(x):\n", "@dec\n", "return ", "global x\n",
    "nonlocal x\n", " as ", "with ", "for x in ", "if x:\n", "else:\n", "try:\n", "except:\n",
    "finally:\n", "import requests\n", "import asyncio\n", "import httpx\n",
    "from concurrent.futures import ThreadPoolExecutor\n", "asyncio.gather(*", "gather(",
    "requests.get(", "requests.Session()", "session.get(", "self.s.get(", "timeout=None",
    "timeout=", "asyncio.wait_for(", "asyncio.to_thread(", "run_in_executor(None, ",
    "ex.submit(", "ex.map(", "as_completed(", ".result()", "subprocess.run(", "urlopen(",
    "# corral: ignore\n", "# corral: ignore[unbounded-gather]", "# -*- coding: latin-1 -*-\n",
    "\u{feff}", "\u{e9}", "\u{1F600}", "\0", "x := 1", "match x:\n    case 1:\n        pass\n",
    "type X = int\n", "print(f\"{x!r}\")", "MAX_CONCURRENCY", "TIMEOUT_SECONDS", "_limiter",
    "__name__ == \"__main__\"", "if __name__ == \"__main__\":\n", "del x\n", "x += 1\n",
];

/// Lines of `bytes`, each with its line end.
fn lines(bytes: &[u8]) -> Vec<&[u8]> {
    bytes.split_inclusive(|&b| b == b'\n').collect()
}

/// One random edit of `input`, from the kinds a user's files or a half-finished edit show.
pub fn mutate(input: &mut Vec<u8>, seeds: &[Vec<u8>], rng: &mut Rng) {
    let at = |rng: &mut Rng, input: &Vec<u8>| rng.below(input.len() + 1);
    match rng.below(14) {
        // Splice lines of another case in.
        0 | 1 => {
            let other = lines(rng.pick(seeds).as_slice());
            let from = rng.below(other.len());
            let count = 1 + rng.below(12);
            let piece: Vec<u8> = other[from..(from + count).min(other.len())].concat();
            let here = lines(input);
            let line = rng.below(here.len() + 1);
            let mut out: Vec<u8> = here[..line].concat();
            out.extend_from_slice(&piece);
            out.extend(here[line..].concat());
            *input = out;
        }
        // Duplicate, delete or swap lines.
        2 => {
            let here = lines(input);
            if here.is_empty() {
                return;
            }
            let from = rng.below(here.len());
            let to = (from + 1 + rng.below(4)).min(here.len());
            let mut out: Vec<u8> = here[..to].concat();
            out.extend(here[from..].concat());
            *input = out;
        }
        3 => {
            let here = lines(input);
            if here.is_empty() {
                return;
            }
            let from = rng.below(here.len());
            let to = (from + 1 + rng.below(4)).min(here.len());
            let mut out: Vec<u8> = here[..from].concat();
            out.extend(here[to..].concat());
            *input = out;
        }
        4 => {
            let mut here: Vec<Vec<u8>> = lines(input).into_iter().map(<[u8]>::to_vec).collect();
            if here.len() > 1 {
                let (a, b) = (rng.below(here.len()), rng.below(here.len()));
                here.swap(a, b);
                *input = here.concat();
            }
        }
        // Change a line's indentation.
        5 => {
            let mut here: Vec<Vec<u8>> = lines(input).into_iter().map(<[u8]>::to_vec).collect();
            if here.is_empty() {
                return;
            }
            let k = rng.below(here.len());
            let indent = *rng.pick(&["", " ", "    ", "        ", "\t", "  \t"]);
            let line = &here[k];
            let rest = line
                .iter()
                .position(|&c| c != b' ' && c != b'\t')
                .unwrap_or(line.len());
            let mut new = indent.as_bytes().to_vec();
            new.extend_from_slice(&line[rest..]);
            here[k] = new;
            *input = here.concat();
        }
        // Insert a token, or a few brackets.
        6..=8 => {
            let token = rng.pick(TOKENS).as_bytes();
            let i = at(rng, input);
            input.splice(i..i, token.iter().copied());
        }
        // Random bytes.
        9 => {
            let i = at(rng, input);
            let count = 1 + rng.below(4);
            let bytes: Vec<u8> = (0..count).map(|_| rng.word() as u8).collect();
            input.splice(i..i, bytes);
        }
        // Delete a span.
        10 => {
            let i = at(rng, input);
            let end = (i + 1 + rng.below(40)).min(input.len());
            input.drain(i..end);
        }
        // Replace one word by another of the file.
        11 => {
            let text = input.clone();
            let words: Vec<&[u8]> = text
                .split(|c| !(c.is_ascii_alphanumeric() || *c == b'_'))
                .filter(|w| !w.is_empty())
                .collect();
            if words.len() > 1 {
                let (from, to) = (*rng.pick(&words), *rng.pick(&words));
                if let Some(i) = memchr::memmem::find(input, from) {
                    input.splice(i..i + from.len(), to.iter().copied());
                }
            }
        }
        // A whole-file change of layout: CRLF, a BOM, a coding declaration, no final newline.
        12 => match rng.below(4) {
            0 => {
                let text: Vec<u8> = input
                    .split_inclusive(|&b| b == b'\n')
                    .flat_map(|l| match l.strip_suffix(b"\n") {
                        Some(body) if !body.ends_with(b"\r") => [body, b"\r\n"].concat(),
                        _ => l.to_vec(),
                    })
                    .collect();
                *input = text;
            }
            1 => input.splice(0..0, b"\xEF\xBB\xBF".iter().copied()).for_each(drop),
            2 => input
                .splice(0..0, b"# -*- coding: latin-1 -*-\n".iter().copied())
                .for_each(drop),
            _ => {
                while input.last().is_some_and(|b| b.is_ascii_whitespace()) {
                    input.pop();
                }
            }
        },
        // Wrap a stretch in brackets, or nest brackets deeply.
        _ => {
            let depth = if rng.below(8) == 0 { 50 + rng.below(300) } else { 1 };
            let i = at(rng, input);
            let j = (i + rng.below(30)).min(input.len());
            let (open, close) = *rng.pick(&[("(", ")"), ("[", "]"), ("{", "}")]);
            input.splice(j..j, close.repeat(depth).into_bytes());
            input.splice(i..i, open.repeat(depth).into_bytes());
        }
    }
}

/// A new input: a seed with one to three edits (more leave little that still parses).
pub fn generate(seeds: &[Vec<u8>], rng: &mut Rng) -> Vec<u8> {
    let mut input = rng.pick(seeds).clone();
    for _ in 0..1 + rng.below(3) {
        mutate(&mut input, seeds, rng);
    }
    input
}
