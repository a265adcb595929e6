//! `blocking-wait-without-timeout` (CONC403): waits on futures, queues, threads and processes
//! that can block forever.
//!
//! APIs that raise when their timeout expires get `timeout=TIMEOUT_SECONDS` (when the user chose
//! a timeout); APIs that return silently are reported with the shape to use instead, because a
//! mechanical timeout would turn "wait forever" into "carry on as if finished".

use tree_sitter::Node;

use crate::rule::{Context, Finding, Fix, LazyQuery, Reads, Rule};
use crate::semantic::BindingKind;

pub static RULE: Rule = Rule {
    id: "blocking-wait-without-timeout",
    code: "CONC403",
    summary: "future, queue, thread or subprocess wait with no timeout",
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
            ("acquire", &["Lock"]),
            ("result", &["submit"]),
        ],
        callees: false,
        callers: false,
        settled_by: &[],
    },
    check,
};

static QUERY: LazyQuery = LazyQuery::new(include_str!("query.scm"));

enum Wait {
    /// Raises on timeout: rewritten. `position` is the 1-based positional slot of `timeout`.
    Raises {
        position: usize,
        raises: &'static str,
        note: Option<&'static str>,
    },
    /// Returns silently on timeout: reported with the shape to use.
    Silent { position: usize, instead: String },
}

fn check(ctx: &Context) -> Vec<Finding> {
    let mut findings = Vec::new();
    for m in QUERY.matches(ctx).iter() {
        let (Some(call), Some(callee)) = (m.get("call"), m.get("callee")) else {
            continue;
        };
        let Some(wait) = classify(ctx, call, callee) else {
            continue;
        };
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
            "subprocess.run" | "subprocess.call" | "subprocess.check_call" | "subprocess.check_output" => {
                return Some(Wait::Raises {
                    position: usize::MAX,
                    raises: "subprocess.TimeoutExpired after killing the child",
                    note: Some("only the direct child is killed: its own children keep running"),
                })
            }
            "concurrent.futures.as_completed" => {
                return Some(Wait::Raises {
                    position: 2,
                    raises: FUTURE_TIMEOUT,
                    note: None,
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
    if !matches!(
        method,
        "communicate" | "wait" | "get" | "join" | "acquire" | "result"
    ) {
        return None;
    }
    let made_by_method = |methods: &[&str]| made_by_method_call(ctx, object, methods);
    match (sem.value_origin(object).as_deref(), method) {
        (Some("subprocess.Popen"), "communicate") => Some(Wait::Raises {
            position: 2,
            raises: "subprocess.TimeoutExpired, and the child keeps running until killed",
            note: None,
        }),
        (Some("subprocess.Popen"), "wait") => Some(Wait::Raises {
            position: 1,
            raises: "subprocess.TimeoutExpired, and the child keeps running until killed",
            note: None,
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
        (Some("threading.Lock" | "threading.RLock"), "acquire") => Some(Wait::Silent {
            position: 2,
            instead: format!("`if not {name}.acquire(timeout=...): raise TimeoutError(...)`"),
        }),
        (_, "result") if made_by_method(&["submit"]) => Some(Wait::Raises {
            position: 1,
            raises: FUTURE_TIMEOUT,
            note: None,
        }),
        (_, "get") if made_by_method(&["apply_async", "map_async", "starmap_async"]) => {
            Some(Wait::Raises {
                position: 1,
                raises: "multiprocessing.TimeoutError",
                note: None,
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
    let (position, raises, note) = match wait {
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
        } => (position, raises, note),
    };
    if shape.positional >= position {
        return None;
    }
    if shape.star_kwargs || (shape.star_args && position != usize::MAX) {
        return report(format!(
            "`{shown}` has no visible timeout; its `*args`/`**kwargs` may carry one, so corral \
             leaves it to you"
        ));
    }
    if !ctx.settings.timeout_chosen {
        return report(format!(
            "`{shown}` can block forever; pass --timeout (or set a timeout in config) to have \
             corral add one, since no default fits every build, job or queue"
        ));
    }
    let (constant, statements) = ctx.timeout_constant(call);
    let seconds = crate::rule::seconds(ctx.settings.timeout);
    let mut changes = vec![format!(
        "a wait longer than {seconds} s now raises {raises}"
    )];
    changes.extend(note.map(str::to_string));
    Some(Finding {
        rule: &RULE,
        range: call.byte_range(),
        message: format!("`{shown}` can block forever; give it timeout={constant} ({seconds} s)"),
        fix: Some(Fix {
            edits: ctx.add_keyword(call, "timeout", &constant)?,
            imports: Vec::new(),
            module_statements: statements,
            changes,
        }),
    })
}
