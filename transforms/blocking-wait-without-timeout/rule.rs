//! `blocking-wait-without-timeout` (CONC403): waits on futures, queues, threads and processes
//! that can block forever.
//!
//! APIs that raise when their timeout expires get a timeout of their own kind: futures, queues
//! and pool results `WAIT_TIMEOUT_SECONDS` (from `--wait-timeout`), child processes
//! `SUBPROCESS_TIMEOUT_SECONDS` (from `--subprocess-timeout`), each only when the user chose it:
//! an HTTP timeout fits neither. APIs that return silently are reported with the shape to use
//! instead, because a mechanical timeout would turn "wait forever" into "carry on as if finished".
//!
//! Idle waits are not hangs, and are left alone: a consumer's `get()` in a loop, a worker's
//! `Event` or `Condition` wait in a loop, a `join()` or `wait()` right after signalling a stop,
//! a wait inside `with Popen(...)` or `with <Executor>(...)` (whose exit waits anyway), `wait()`
//! after `communicate()`, a mutex `acquire()` (`with lock:` would be the same), and waits in
//! functions that take a `timeout` of their own. Child processes that inherit the terminal, or
//! that are editors, shells, servers, installs or builds, never get a timeout.

use tree_sitter::Node;

use crate::rule::{Context, Finding, Fix, LazyQuery, Reads, Rule};
use crate::semantic::BindingKind;
use crate::syntax;

pub static RULE: Rule = Rule {
    id: "blocking-wait-without-timeout",
    code: "CONC403",
    summary: "future, queue, thread or subprocess wait with no timeout",
    opt_in: Some(OPT_IN),
    doc: include_str!("doc.md"),
    triggers: &[
        // The module each flagged wait needs, shaped like its import, or the call that made it.
        "subprocess",
        ".submit(",
        "as_completed",
        "import queue",
        "from queue",
        "multiprocessing",
        "apply_async(",
        "map_async(",
        "import threading",
        "from threading",
        "concurrent.futures",
    ],
    requires: &[],
    reads: Reads::Calls {
        functions: &[
            "run", "call", "check_call", "check_output", "as_completed", "wait",
        ],
        methods: &[
            ("communicate", &["Popen"]),
            ("wait", &["Popen", "Event", "Condition"]),
            ("get", &["Queue", "apply_async", "map_async"]),
            ("join", &["Thread", "Process"]),
            ("result", &["submit"]),
        ],
        callees: false,
        callers: false,
        settled_by: &[],
    },
    check,
};

/// Why the transform is opt-in (see `corral rules` and the README's precision table).
const OPT_IN: &str = "most waits on real code are idle by design (consumers, workers, long \
    jobs) or already bounded by what surrounds them; on the labelled corpus sample it is right \
    too rarely to be on by default";

static QUERY: LazyQuery = LazyQuery::new(include_str!("query.scm"));

/// The timeout setting a wait takes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Setting {
    /// `--wait-timeout`: futures, queues, pool results.
    Wait,
    /// `--subprocess-timeout`: child processes.
    Subprocess,
}

enum Wait {
    /// Raises on timeout: rewritten. `position` is the 1-based positional slot of `timeout`.
    Raises {
        position: usize,
        raises: &'static str,
        note: Option<&'static str>,
        setting: Setting,
    },
    /// Returns silently on timeout: reported with the shape to use.
    Silent { position: usize, instead: String },
}

/// Commands that run as long as they need or talk to a person: editors, shells, servers,
/// package installs, builds, test runners. A timeout would cut them off, not unstick them.
const LONG_RUNNING: &[&str] = &[
    "vi", "vim", "nvim", "nano", "emacs", "code", "less", "more", "psql", "mysql", "sqlite3",
    "mongo", "mongosh", "redis-cli", "bash", "sh", "zsh", "ssh", "python", "python3", "ipython",
    "pip", "pip3", "npm", "npx", "yarn", "pnpm", "uv", "poetry", "conda", "apt", "apt-get",
    "brew", "make", "cmake", "ninja", "cargo", "gcc", "g++", "clang", "go", "mvn", "gradle",
    "docker", "podman", "kubectl", "helm", "terraform", "ansible", "ansible-playbook",
    "pytest", "tox", "nox", "rsync", "scp", "celery", "uvicorn", "gunicorn",
    "runserver", "jupyter", "node", "deno", "bun", "ffmpeg", "black", "ruff",
];

fn check(ctx: &Context) -> Vec<Finding> {
    let mut findings = Vec::new();
    for m in QUERY.matches(ctx).iter() {
        let (Some(call), Some(callee)) = (m.get("call"), m.get("callee")) else {
            continue;
        };
        let Some(wait) = classify(ctx, call, callee) else {
            continue;
        };
        if idle_or_bounded(ctx, call, callee) {
            continue;
        }
        if let Some(finding) = judge(ctx, call, callee, wait) {
            findings.push(finding);
        }
    }
    findings
}

fn classify<'t>(ctx: &Context<'_, 't>, call: Node<'t>, callee: Node<'t>) -> Option<Wait> {
    let sem = ctx.semantic;
    const FUTURE_TIMEOUT: &str =
        "TimeoutError (concurrent.futures.TimeoutError before 3.11); the work itself keeps running";
    if let Some(q) = sem.qualified_name(callee) {
        match q.as_str() {
            "subprocess.run" | "subprocess.call" | "subprocess.check_call"
            | "subprocess.check_output" => {
                return Some(Wait::Raises {
                    position: usize::MAX,
                    raises: "subprocess.TimeoutExpired after killing the child",
                    note: Some("only the direct child is killed: its own children keep running"),
                    setting: Setting::Subprocess,
                })
            }
            "concurrent.futures.as_completed" => {
                return Some(Wait::Raises {
                    position: 2,
                    raises: FUTURE_TIMEOUT,
                    note: Some(
                        "the timeout is one budget for the whole loop, counted from the call, \
                         not a limit on each wait",
                    ),
                    setting: Setting::Wait,
                })
            }
            "concurrent.futures.wait" => {
                return Some(Wait::Silent {
                    position: 2,
                    instead: "`done, not_done = wait(fs, timeout=...)` and raise when `not_done` is not empty"
                        .to_string(),
                })
            }
            _ => {}
        }
    }
    if callee.kind() != "attribute" {
        return None;
    }
    let object = callee.child_by_field_name("object")?;
    let method = ctx.text(callee.child_by_field_name("attribute")?);
    let name = ctx.text(object);
    if !matches!(method, "communicate" | "wait" | "get" | "join" | "result") {
        return None;
    }
    let made_by_method = |methods: &[&str]| made_by_method_call(ctx, object, methods);
    match (sem.value_origin(object).as_deref(), method) {
        (Some("subprocess.Popen"), "communicate") => Some(Wait::Raises {
            position: 2,
            raises: "subprocess.TimeoutExpired, and the child keeps running until killed",
            note: None,
            setting: Setting::Subprocess,
        }),
        (Some("subprocess.Popen"), "wait") => Some(Wait::Raises {
            position: 1,
            raises: "subprocess.TimeoutExpired, and the child keeps running until killed",
            note: None,
            setting: Setting::Subprocess,
        }),
        (
            Some(
                "queue.Queue"
                | "queue.LifoQueue"
                | "queue.PriorityQueue"
                | "queue.SimpleQueue"
                | "multiprocessing.Queue",
            ),
            "get",
        ) if ctx.arguments_shape(call).positional == 0 => Some(Wait::Raises {
            position: 2,
            raises: "queue.Empty",
            note: None,
            setting: Setting::Wait,
        }),
        (Some("threading.Thread" | "multiprocessing.Process"), "join") => Some(Wait::Silent {
            position: 1,
            instead: format!(
                "`{name}.join(timeout)` then `if {name}.is_alive(): raise TimeoutError(...)`"
            ),
        }),
        (Some("threading.Event" | "threading.Condition"), "wait") => Some(Wait::Silent {
            position: 1,
            instead: format!("`if not {name}.wait(timeout): raise TimeoutError(...)`"),
        }),
        (_, "result") if made_by_method(&["submit"]) => Some(Wait::Raises {
            position: 1,
            raises: FUTURE_TIMEOUT,
            note: None,
            setting: Setting::Wait,
        }),
        (_, "get") if made_by_method(&["apply_async", "map_async", "starmap_async"]) => {
            Some(Wait::Raises {
                position: 1,
                raises: "multiprocessing.TimeoutError",
                note: None,
                setting: Setting::Wait,
            })
        }
        _ => None,
    }
}

/// Whether the name holds the result of `<x>.<method>(...)`, e.g. `fut = pool.submit(f)`.
/// Loop variables (`for f in as_completed(fs)`) are already finished and never match.
fn made_by_method_call<'t>(ctx: &Context<'_, 't>, object: Node<'t>, methods: &[&str]) -> bool {
    let Some(binding) = (object.kind() == "identifier")
        .then(|| ctx.semantic.origin(object))
        .flatten()
    else {
        return false;
    };
    if binding.kind != BindingKind::Assignment {
        return false;
    }
    binding
        .node
        .child_by_field_name("right")
        .filter(|r| r.kind() == "call")
        .and_then(|r| r.child_by_field_name("function"))
        .filter(|f| f.kind() == "attribute")
        .and_then(|f| f.child_by_field_name("attribute"))
        .is_some_and(|a| methods.contains(&ctx.text(a)))
}

/// Waits that are idle by design or bounded by what surrounds them (see the module docs).
fn idle_or_bounded<'t>(ctx: &Context<'_, 't>, call: Node<'t>, callee: Node<'t>) -> bool {
    let function = syntax::ancestor(call, "function_definition");
    let stop = function.unwrap_or(ctx.semantic.root());
    if let Some(def) = function {
        let name = def.child_by_field_name("name").map_or("", |n| ctx.text(n));
        // Test code, and functions whose callers choose the timeout.
        if name.starts_with("test_") || in_test_class(ctx, def) {
            return true;
        }
        let takes_timeout = def.child_by_field_name("parameters").is_some_and(|p| {
            let mut cursor = p.walk();
            let found = p.named_children(&mut cursor).any(|param| {
                let text = ctx.text(param);
                let name = text.split([':', '=']).next().unwrap_or("").trim();
                name == "timeout" || name.ends_with("_timeout")
            });
            found
        });
        if takes_timeout {
            return true;
        }
    }
    let method = (callee.kind() == "attribute")
        .then(|| callee.child_by_field_name("attribute"))
        .flatten()
        .map(|a| ctx.text(a));
    // A loop that waits for its next item or signal is idle, not stuck.
    if matches!(method, Some("get" | "wait"))
        && syntax::inside(call, "while_statement", stop)
        && !is_subprocess_wait(ctx, callee)
    {
        return true;
    }
    if inside_waiting_block(ctx, call, stop) {
        return true;
    }
    if matches!(method, Some("join" | "wait")) && follows_a_stop_signal(ctx, call) {
        return true;
    }
    if method == Some("wait") && after_communicate(ctx, call, callee, stop) {
        return true;
    }
    false
}

fn is_subprocess_wait<'t>(ctx: &Context<'_, 't>, callee: Node<'t>) -> bool {
    callee
        .child_by_field_name("object")
        .and_then(|o| ctx.semantic.value_origin(o))
        .is_some_and(|q| q == "subprocess.Popen")
}

/// Inside `with Popen(...)` or `with <Executor or Pool>(...)`: the block's exit waits for the
/// process or the work anyway, so a timeout inside bounds nothing.
fn inside_waiting_block<'t>(ctx: &Context<'_, 't>, call: Node<'t>, stop: Node<'t>) -> bool {
    let mut node = call;
    while let Some(parent) = node.parent() {
        if parent == stop {
            return false;
        }
        if parent.kind() == "with_statement" && !syntax::is_async_with(parent) {
            let waits = syntax::with_items(parent).into_iter().any(|item| {
                item.kind() == "call"
                    && item
                        .child_by_field_name("function")
                        .and_then(|f| ctx.semantic.qualified_name(f))
                        .is_some_and(|q| {
                            matches!(
                                q.as_str(),
                                "subprocess.Popen"
                                    | "concurrent.futures.ThreadPoolExecutor"
                                    | "concurrent.futures.ProcessPoolExecutor"
                                    | "multiprocessing.Pool"
                                    | "multiprocessing.pool.Pool"
                                    | "multiprocessing.pool.ThreadPool"
                                    | "multiprocessing.dummy.Pool"
                            )
                        })
            });
            if waits {
                return true;
            }
        }
        node = parent;
    }
    false
}

/// A `join()` or `wait()` whose statement follows, in the same block, one that signals a stop:
/// `.set()`, `.put(...)`, `.stop()`, `.cancel()`, `.terminate()`, `.kill()`, `.close()`,
/// `.shutdown()`, `.send_signal(...)`.
fn follows_a_stop_signal<'t>(ctx: &Context<'_, 't>, call: Node<'t>) -> bool {
    const SIGNALS: &[&str] = &[
        "set", "put", "put_nowait", "stop", "cancel", "terminate", "kill", "close", "shutdown",
        "send_signal", "notify", "notify_all",
    ];
    let mut statement = call;
    while let Some(parent) = statement.parent() {
        if parent.kind() == "block" || parent.kind() == "module" {
            break;
        }
        statement = parent;
    }
    let mut previous = statement.prev_named_sibling();
    for _ in 0..3 {
        let Some(stmt) = previous else {
            return false;
        };
        let text = ctx.text(stmt);
        // `worker.stopping = True` is a stop signal too.
        let flag = stmt.kind() == "expression_statement"
            && stmt.named_child(0).is_some_and(|a| {
                a.kind() == "assignment"
                    && a.child_by_field_name("left").is_some_and(|l| l.kind() == "attribute")
                    && a.child_by_field_name("right")
                        .is_some_and(|r| matches!(ctx.text(r), "True" | "False"))
            });
        let signals = flag
            || SIGNALS.iter().any(|s| {
                text.contains(&format!(".{s}(")) || text.starts_with(&format!("{s}("))
            });
        if signals {
            return true;
        }
        previous = stmt.prev_named_sibling();
    }
    false
}

/// `proc.wait()` after `proc.communicate()` in the same function: the process has exited.
fn after_communicate<'t>(ctx: &Context<'_, 't>, call: Node<'t>, callee: Node<'t>, stop: Node<'t>) -> bool {
    let Some(object) = callee.child_by_field_name("object") else {
        return false;
    };
    let before = &ctx.src[stop.start_byte()..call.start_byte()];
    before.contains(&format!("{}.communicate(", ctx.text(object)))
}

/// A method of a test class: `class TestX`, `class XTest(s)`, or a `...TestCase` subclass.
fn in_test_class<'t>(ctx: &Context<'_, 't>, def: Node<'t>) -> bool {
    let Some(class) = syntax::ancestor(def, "class_definition") else {
        return false;
    };
    let name = class.child_by_field_name("name").map_or("", |n| ctx.text(n));
    let bases = class
        .child_by_field_name("superclasses")
        .map_or("", |b| ctx.text(b));
    name.starts_with("Test") || name.ends_with("Test") || name.ends_with("Tests")
        || bases.contains("TestCase")
}

/// Whether a child process must not get a timeout: it inherits the terminal (nothing is
/// captured), or it is a command that runs as long as it needs, or the user's editor.
fn long_running_child<'t>(ctx: &Context<'_, 't>, call: Node<'t>, callee: Node<'t>) -> bool {
    let q = ctx.semantic.qualified_name(callee).unwrap_or_default();
    // For `proc.wait()` / `proc.communicate()`, judge the `Popen(...)` that made `proc`.
    let launch = if q.starts_with("subprocess.") {
        Some(call)
    } else {
        callee
            .child_by_field_name("object")
            .and_then(|o| ctx.semantic.origin(o))
            .and_then(|b| b.node.child_by_field_name("right"))
            .filter(|r| r.kind() == "call")
    };
    let Some(launch) = launch else {
        return false;
    };
    let args = launch
        .child_by_field_name("arguments")
        .and_then(|a| a.named_child(0))
        .filter(|a| a.kind() != "keyword_argument")
        .or_else(|| {
            ctx.keyword(launch, "args")
                .and_then(|k| k.child_by_field_name("value"))
        });
    let known = args
        .and_then(|a| command_name(ctx, a))
        .is_some_and(|c| LONG_RUNNING.contains(&c.as_str()));
    if known || args.is_some_and(|a| ctx.text(a).contains("EDITOR")) {
        return true;
    }
    let launcher = launch
        .child_by_field_name("function")
        .and_then(|f| ctx.semantic.qualified_name(f))
        .unwrap_or_default();
    // Output read back through a pipe: a short helper whose answer the code waits for. Output
    // sent to the terminal or thrown away is a job that runs as long as it needs.
    let piped = |keyword: &str| {
        ctx.keyword(launch, keyword)
            .and_then(|k| k.child_by_field_name("value"))
            .is_some_and(|v| {
                ctx.text(v) == "True" || ctx.text(v).ends_with("PIPE")
            })
    };
    let captures = launcher == "subprocess.check_output"
        || piped("capture_output")
        || piped("stdout");
    let installs = args.is_some_and(|a| {
        let text = ctx.text(a);
        ["install", "deploy", "build", "wheel", "upgrade", "clone", "fetch", "pull"]
            .iter()
            .any(|w| crate::outline::has_word(text.as_bytes(), w))
    });
    // A command handed in by the caller: a generic runner, whose jobs may run as long as they
    // need; the caller knows, corral does not.
    let handed_in = args.is_some_and(|a| {
        a.kind() == "identifier"
            && ctx
                .semantic
                .origin(a)
                .is_some_and(|b| b.kind == BindingKind::Parameter)
    });
    !captures || installs || handed_in
}

/// The program a command runs: the first item of a literal argument list, or the first word of
/// a literal command string; its base name.
fn command_name<'t>(ctx: &Context<'_, 't>, args: Node<'t>) -> Option<String> {
    let first = match args.kind() {
        "list" | "tuple" => {
            let item = args.named_child(0)?;
            (item.kind() == "string").then(|| ctx.text(item).to_string())?
        }
        "string" => ctx.text(args).to_string(),
        _ => return None,
    };
    let word = first
        .trim_matches(|c| c == '"' || c == '\'')
        .split_whitespace()
        .next()?
        .rsplit('/')
        .next()?
        .to_string();
    Some(word)
}

fn judge<'t>(
    ctx: &Context<'_, 't>,
    call: Node<'t>,
    callee: Node<'t>,
    wait: Wait,
) -> Option<Finding> {
    let shown = ctx.text(callee);
    let shape = ctx.arguments_shape(call);
    if ctx.keyword(call, "timeout").is_some() {
        return None;
    }
    let report = |message: String| {
        Some(Finding {
            rule: &RULE,
            range: call.byte_range(),
            message,
            fix: None,
        })
    };
    let (position, raises, note, setting) = match wait {
        Wait::Silent { position, instead } => {
            if shape.positional >= position || shape.star_args || shape.star_kwargs {
                return None;
            }
            return report(format!(
                "`{shown}` can block forever, and with a timeout it would return silently \
                 rather than fail, so corral does not add one; use {instead}"
            ));
        }
        Wait::Raises {
            position,
            raises,
            note,
            setting,
        } => (position, raises, note, setting),
    };
    if shape.positional >= position {
        return None;
    }
    if setting == Setting::Subprocess && long_running_child(ctx, call, callee) {
        return None;
    }
    if shape.star_kwargs || (shape.star_args && position != usize::MAX) {
        return report(format!(
            "`{shown}` has no visible timeout; its `*args`/`**kwargs` may carry one, so corral \
             leaves it to you"
        ));
    }
    let (chosen, flag) = match setting {
        Setting::Wait => (ctx.settings.wait_timeout, "--wait-timeout"),
        Setting::Subprocess => (ctx.settings.subprocess_timeout, "--subprocess-timeout"),
    };
    let Some(seconds) = chosen else {
        return report(format!(
            "`{shown}` can block forever; pass {flag} (or set `{}` in config) to have corral \
             add one, since no default fits every job, queue or process",
            flag.trim_start_matches("--")
        ));
    };
    let (constant, statements) = match setting {
        Setting::Wait => ctx.wait_timeout_constant(seconds, call),
        Setting::Subprocess => ctx.subprocess_timeout_constant(seconds, call),
    };
    let shown_seconds = crate::rule::seconds(seconds);
    let mut changes = vec![format!(
        "a wait longer than {shown_seconds} s now raises {raises}"
    )];
    changes.extend(note.map(str::to_string));
    Some(Finding {
        rule: &RULE,
        range: call.byte_range(),
        message: format!(
            "`{shown}` can block forever; give it timeout={constant} ({shown_seconds} s)"
        ),
        fix: Some(Fix {
            edits: ctx.add_keyword(call, "timeout", &constant)?,
            imports: Vec::new(),
            module_statements: statements,
            changes,
        }),
    })
}
