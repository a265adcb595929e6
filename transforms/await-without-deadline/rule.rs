//! `await-without-deadline` (CONC402): awaits of network calls with no enclosing deadline.
//!
//! On 3.11+ the statements of the function body that hold the awaits are wrapped in one
//! `async with asyncio.timeout(TIMEOUT_SECONDS):`; on older targets a single await becomes
//! `asyncio.wait_for(..., timeout=TIMEOUT_SECONDS)` and `except TimeoutError` handlers around it
//! learn to catch `asyncio.TimeoutError`. It rewrites only when the user chose the deadline.

use tree_sitter::Node;

use crate::network::{self, Bound, CallKind};
use crate::rule::{Context, Edit, Finding, Fix, LazyQuery, Reads, Rule};
use crate::semantic::BindingKind;
use crate::settings::PyVersion;
use crate::syntax;


pub static RULE: Rule = Rule {
    id: "await-without-deadline",
    code: "CONC402",
    summary: "await of a network stream or call that nothing bounds, with no enclosing deadline",
    opt_in: None,
    doc: include_str!("doc.md"),
    // HTTP clients always have a timeout in force (httpx's 5 s per phase, aiohttp's 300 s in
    // all, or the one the code chose), and one disabled with `None` is `missing-timeout`'s: what
    // is left unbounded are the streams of `asyncio.open_connection`.
    triggers: &["open_connection(", "open_unix_connection("],
    requires: &[],
    reads: Reads::Calls {
        functions: &["open_connection", "open_unix_connection"],
        methods: &[],
        callees: false,
        callers: true,
        settled_by: &[],
    },
    check,
};

static QUERY: LazyQuery = LazyQuery::new(include_str!("query.scm"));

const DEADLINE_SCOPES: &[&str] = &[
    "asyncio.timeout",
    "asyncio.timeout_at",
    "async_timeout.timeout",
    "anyio.fail_after",
    "anyio.move_on_after",
    "trio.fail_after",
    "trio.move_on_after",
];

fn check(ctx: &Context) -> Vec<Finding> {
    let mut findings = Vec::new();
    for m in QUERY.matches(ctx).iter() {
        let (Some(function), Some(name), Some(body)) =
            (m.get("function"), m.get("name"), m.get("body"))
        else {
            continue;
        };
        if function.child(0).is_none_or(|c| c.kind() != "async") {
            continue;
        }
        let flagged: Vec<Flagged> = network_awaits(ctx, function, body)
            .into_iter()
            .filter(|f| !under_deadline(ctx, f.node, function))
            .collect();
        if flagged.is_empty() || caller_controls_deadline(ctx, function, name) {
            continue;
        }
        findings.push(judge(ctx, function, ctx.text(name), body, &flagged));
    }
    findings
}

/// An await (or `async with`) that waits on a peer with nothing to bound it.
struct Flagged<'t> {
    node: Node<'t>,
    what: String,
    /// It waits for a peer to answer, not only to accept a connection.
    reads: bool,
}

/// Awaits of unbounded network operations in a function body, outside nested functions and
/// classes.
fn network_awaits<'t>(ctx: &Context<'_, 't>, function: Node<'t>, body: Node<'t>) -> Vec<Flagged<'t>> {
    let mut found = Vec::new();
    let mut stack = vec![body];
    while let Some(node) = stack.pop() {
        match node.kind() {
            "function_definition" | "lambda" | "class_definition" => continue,
            "await" => {
                if let Some(call) = node.named_child(0).filter(|c| c.kind() == "call") {
                    let hit = unbounded(ctx, call, function).or_else(|| fan_out(ctx, call, function));
                    if let Some((what, reads)) = hit {
                        found.push(Flagged { node, what, reads });
                    }
                }
            }
            "with_statement" if node.child(0).is_some_and(|c| c.kind() == "async") => {
                if let Some((what, reads)) = network_context(ctx, node, function) {
                    found.push(Flagged { node, what, reads });
                }
            }
            _ => {}
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    found.sort_by_key(|f| f.node.start_byte());
    found
}

/// A network call nothing bounds (network model), described, and whether it waits for a reply.
/// A timeout disabled with `None` is `missing-timeout`'s to fix or report, and a call whose
/// timeout corral cannot see is not called unbounded.
fn unbounded<'t>(ctx: &Context<'_, 't>, call: Node<'t>, function: Node<'t>) -> Option<(String, bool)> {
    let net = network::classify(ctx, call)?;
    let callee = call.child_by_field_name("function")?;
    let shown = format!("`{}`", ctx.text(callee));
    match net.kind {
        CallKind::Request => {
            (network::bound(ctx, call, &net) == Bound::None).then_some((shown, true))
        }
        // A connection made on a socket that is already connected is no fresh connect.
        CallKind::OpenStream => ctx.keyword(call, "sock").is_none().then_some((shown, false)),
        CallKind::StreamRead | CallKind::StreamFlush => {
            let object = callee.child_by_field_name("object")?;
            let opened_here = network::opened_stream(ctx, object).is_some_and(|(opener, _)| {
                syntax::ancestor(opener, "function_definition") == Some(function)
                    && ctx.keyword(opener, "sock").is_none()
            });
            // A read in a `while` loop is a pump, idle between messages by design; streams
            // handed in belong to a server's handler or a caller that owns the deadline.
            let pump = syntax::inside(call, "while_statement", function);
            (opened_here && !pump).then_some((shown, net.kind == CallKind::StreamRead))
        }
        CallKind::Connect => None,
    }
}

/// `asyncio.gather(...)` or `asyncio.wait(...)` over unbounded network calls.
fn fan_out<'t>(ctx: &Context<'_, 't>, call: Node<'t>, function: Node<'t>) -> Option<(String, bool)> {
    let callee = call.child_by_field_name("function")?;
    let q = ctx.semantic.qualified_name(callee)?;
    if !matches!(q.as_str(), "asyncio.gather" | "asyncio.wait") {
        return None;
    }
    let args = call.child_by_field_name("arguments")?;
    contains_unbounded(ctx, args, function).map(|reads| (format!("network fan-out through `{q}`"), reads))
}

fn contains_unbounded<'t>(ctx: &Context<'_, 't>, root: Node<'t>, function: Node<'t>) -> Option<bool> {
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node.kind() == "call" {
            if let Some((_, reads)) = unbounded(ctx, node, function) {
                return Some(reads);
            }
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    None
}

/// `async with client.stream(...)`, `async with session.get(...)`, or a TaskGroup whose tasks
/// are unbounded network calls.
fn network_context<'t>(ctx: &Context<'_, 't>, with: Node<'t>, function: Node<'t>) -> Option<(String, bool)> {
    for expr in syntax::with_items(with) {
        if expr.kind() != "call" {
            continue;
        }
        if let Some(hit) = unbounded(ctx, expr, function) {
            return Some(hit);
        }
        let is_task_group = expr
            .child_by_field_name("function")
            .and_then(|c| ctx.semantic.qualified_name(c))
            .is_some_and(|q| q == "asyncio.TaskGroup");
        let body = with.child_by_field_name("body");
        if is_task_group {
            if let Some(reads) = body.and_then(|b| contains_unbounded(ctx, b, function)) {
                return Some(("network fan-out in an `asyncio.TaskGroup`".to_string(), reads));
            }
        }
    }
    None
}

/// Whether `node` runs under a deadline scope or inside `asyncio.wait_for(...)` within `function`.
fn under_deadline<'t>(ctx: &Context<'_, 't>, node: Node<'t>, function: Node<'t>) -> bool {
    let mut current = node;
    while let Some(parent) = current.parent() {
        if parent == function {
            return false;
        }
        match parent.kind() {
            "with_statement" if is_deadline_scope(ctx, parent) => return true,
            "call" => {
                let wait_for = parent
                    .child_by_field_name("function")
                    .and_then(|c| ctx.semantic.qualified_name(c))
                    .is_some_and(|q| q == "asyncio.wait_for");
                if wait_for {
                    return true;
                }
            }
            _ => {}
        }
        current = parent;
    }
    false
}

fn is_deadline_scope<'t>(ctx: &Context<'_, 't>, with: Node<'t>) -> bool {
    syntax::with_items(with).into_iter().any(|expr| {
        expr.kind() == "call"
            && expr
                .child_by_field_name("function")
                .and_then(|c| ctx.semantic.qualified_name(c))
                .is_some_and(|q| DEADLINE_SCOPES.contains(&q.as_str()))
    })
}

/// The caller decides the deadline: a `timeout`/`deadline` parameter, or every call of the
/// function in this module already runs under a deadline.
fn caller_controls_deadline<'t>(ctx: &Context<'_, 't>, function: Node<'t>, name: Node<'t>) -> bool {
    if let Some(params) = function.child_by_field_name("parameters") {
        let text = ctx.text(params);
        if text.contains("timeout") || text.contains("deadline") {
            return true;
        }
    }
    let sites = call_sites(ctx, function, ctx.text(name));
    !sites.is_empty()
        && sites.iter().all(|site| {
            let owner =
                syntax::ancestor(*site, "function_definition").unwrap_or(ctx.semantic.root());
            under_deadline(ctx, *site, owner)
        })
}

/// Calls of `function` in this module: by its name, or as `self.name` / `cls.name` in its class.
fn call_sites<'t>(ctx: &Context<'_, 't>, function: Node<'t>, name: &str) -> Vec<Node<'t>> {
    let is_method = function
        .parent()
        .and_then(|p| {
            if p.kind() == "decorated_definition" {
                p.parent()
            } else {
                Some(p)
            }
        })
        .and_then(|p| p.parent())
        .is_some_and(|p| p.kind() == "class_definition");
    let mut sites = Vec::new();
    let mut stack = vec![ctx.semantic.root()];
    while let Some(node) = stack.pop() {
        if node.kind() == "call" {
            if let Some(callee) = node.child_by_field_name("function") {
                let matches = match callee.kind() {
                    "identifier" if !is_method => ctx
                        .semantic
                        .origin(callee)
                        .is_some_and(|b| b.kind == BindingKind::FunctionDef && b.node == function),
                    "attribute" if is_method => {
                        callee
                            .child_by_field_name("object")
                            .is_some_and(|o| matches!(ctx.text(o), "self" | "cls"))
                            && callee
                                .child_by_field_name("attribute")
                                .is_some_and(|a| ctx.text(a) == name)
                    }
                    _ => false,
                };
                if matches {
                    sites.push(node);
                }
            }
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    sites
}

fn judge<'t>(
    ctx: &Context<'_, 't>,
    function: Node<'t>,
    name: &str,
    body: Node<'t>,
    flagged: &[Flagged<'t>],
) -> Finding {
    let first = &flagged[0];
    let what = if flagged.len() == 1 {
        format!("`{name}` awaits {} with no deadline", first.what)
    } else {
        format!(
            "`{name}` awaits {} and {} more network operation{} with no deadline",
            first.what,
            flagged.len() - 1,
            if flagged.len() == 2 { "" } else { "s" }
        )
    };
    let swallow = swallowed_cancellation(ctx, body);
    let swallow_note = swallow
        .map(|(line, text)| {
            format!(
                "; note: `{text}` at line {line} swallows CancelledError, so a deadline here \
                 would silently do nothing until that is fixed (CONC501)"
            )
        })
        .unwrap_or_default();
    let hang = if flagged.iter().any(|f| f.reads) {
        "a peer that stops answering keeps it waiting forever"
    } else {
        "connecting waits as long as the operating system allows"
    };
    let report = |why: String| Finding {
        rule: &RULE,
        range: first.node.byte_range(),
        message: format!("{what}: {hang}; {why}{swallow_note}"),
        fix: None,
    };
    if matches!(name, "__aenter__" | "__aexit__") {
        return report(
            "corral does not put a deadline on a context manager's enter or exit".into(),
        );
    }
    if flagged
        .iter()
        .any(|f| syntax::inside(f.node, "finally_clause", function))
    {
        return report(
            "a deadline inside `finally` could cut cleanup short, so corral leaves it to you"
                .into(),
        );
    }
    if syntax::contains_kind(body, "yield") {
        return report(
            "a deadline across `yield` in an async generator is unsafe (ASYNC119)".into(),
        );
    }
    // A single await under `wait_for` raises where the await was, inside its handlers; a
    // block around the statements, or a body moved under `wait_for`, raises outside them.
    let single_await = matches!(flagged, [only] if only.node.kind() == "await");
    let outside_handlers = ctx.settings.target >= PyVersion(11) || !single_await;
    if let Some(handler) = flagged
        .iter()
        .filter(|_| outside_handlers)
        .find_map(|f| timeout_handler(ctx, f.node, function))
    {
        return report(format!(
            "`{handler}` around it handles a failed wait, and a deadline's TimeoutError would \
             escape past it, so corral leaves the deadline's place to you"
        ));
    }
    if !ctx.settings.timeout_chosen {
        return report(
            "pass --timeout (or set a timeout in config) to have corral add a deadline; it does \
             not guess one that could cut off a long operation"
                .into(),
        );
    }
    let fix = if ctx.settings.target >= PyVersion(11) {
        timeout_block(ctx, function, body, flagged)
    } else {
        wait_for_single(ctx, function, flagged)
    };
    match fix {
        Ok(fix) => Finding {
            rule: &RULE,
            range: first.node.byte_range(),
            message: format!(
                "{what}: {hang}; bound it with {} s{swallow_note}",
                crate::rule::seconds(ctx.settings.timeout)
            ),
            fix: Some(fix),
        },
        Err(why) => report(why),
    }
}

/// `async with asyncio.timeout(TIMEOUT_SECONDS):` around the body statements holding the awaits.
fn timeout_block<'t>(
    ctx: &Context<'_, 't>,
    function: Node<'t>,
    body: Node<'t>,
    flagged: &[Flagged<'t>],
) -> Result<Fix, String> {
    let mut cursor = body.walk();
    let statements: Vec<Node> = body.named_children(&mut cursor).collect();
    let holding = |f: &Flagged| {
        statements
            .iter()
            .position(|s| s.byte_range().contains(&f.node.start_byte()))
    };
    let (Some(first), Some(last)) = (
        holding(&flagged[0]),
        flagged.iter().filter_map(holding).max(),
    ) else {
        return Err("corral could not find the statements to wrap".into());
    };
    let (first, last) = (statements[first], statements[last]);
    if !ctx.starts_line(first.start_byte()) {
        return Err(
            "the function body shares a line with its `def`, so corral cannot wrap it".into(),
        );
    }
    let timeout = ctx
        .semantic
        .import_ref("asyncio", "timeout", first)
        .ok_or("the name `asyncio` is taken here, so corral cannot refer to asyncio.timeout")?;
    let (constant, statements_needed) = ctx.timeout_constant(first);
    let start = ctx.line_start(first.start_byte());
    let end = ctx.line_end(last.end_byte());
    let indent = ctx.line_indent(first.start_byte());
    let unit = ctx.indent_unit(function, body);
    let mut edits = vec![Edit::insert(
        start,
        format!("{indent}async with {}({constant}):\n", timeout.expr),
    )];
    edits.extend(ctx.indent_lines(start, end, &unit));
    let seconds = crate::rule::seconds(ctx.settings.timeout);
    Ok(Fix {
        edits,
        imports: timeout.add_import.into_iter().collect(),
        module_statements: statements_needed,
        changes: vec![
            format!(
                "the wrapped statements now raise TimeoutError when they take longer than {seconds} s in all"
            ),
            "on timeout the code inside is cancelled; a CancelledError it swallows defeats the deadline"
                .to_string(),
        ],
    })
}

/// Before 3.11: `await asyncio.wait_for(call, timeout=TIMEOUT_SECONDS)` for a single await, and
/// `except TimeoutError` handlers around it widened to `asyncio.TimeoutError`.
fn wait_for_single<'t>(
    ctx: &Context<'_, 't>,
    function: Node<'t>,
    flagged: &[Flagged<'t>],
) -> Result<Fix, String> {
    let single_call = match flagged {
        [only] => Some(only.node)
            .filter(|n| n.kind() == "await")
            .and_then(|n| n.named_child(0))
            .filter(|c| c.kind() == "call"),
        _ => None,
    };
    let Some(call) = single_call else {
        return split_for_wait_for(ctx, function);
    };
    let wait_for = ctx
        .semantic
        .import_ref("asyncio", "wait_for", call)
        .ok_or("the name `asyncio` is taken here, so corral cannot refer to asyncio.wait_for")?;
    let timeout_error = ctx
        .semantic
        .import_ref("asyncio", "TimeoutError", call)
        .ok_or("the name `asyncio` is taken here")?;
    let (constant, statements) = ctx.timeout_constant(call);
    let mut edits = vec![Edit::replace(
        call,
        format!("{}({}, timeout={constant})", wait_for.expr, ctx.text(call)),
    )];
    edits.extend(widen_timeout_handlers(
        ctx,
        call,
        function,
        &timeout_error.expr,
    ));
    let seconds = crate::rule::seconds(ctx.settings.timeout);
    Ok(Fix {
        edits,
        imports: wait_for.add_import.into_iter().collect(),
        module_statements: statements,
        changes: vec![
            format!(
                "the await now raises asyncio.TimeoutError after {seconds} s; before 3.11 that is \
                 not the builtin TimeoutError, so handlers around it now name both"
            ),
            "before 3.12 wait_for runs the awaitable in a new task: contextvar changes inside it \
             are no longer seen by the caller"
                .to_string(),
        ],
    })
}

/// Before 3.11, several awaits under one deadline (catalog CONC402, `after_py38.py`): the body
/// moves into a private coroutine, and the function awaits it through `asyncio.wait_for`.
fn split_for_wait_for<'t>(ctx: &Context<'_, 't>, function: Node<'t>) -> Result<Fix, String> {
    let target = ctx.settings.target;
    let name = function.child_by_field_name("name").ok_or("no name")?;
    let parameters = function.child_by_field_name("parameters").ok_or("no parameters")?;
    let body = function.child_by_field_name("body").ok_or("no body")?;
    let forwarded = crate::http::forward_arguments(ctx, parameters).ok_or_else(|| {
        format!("on {target} the body would move into a helper, and `{}`'s parameters cannot be forwarded to it", ctx.text(name))
    })?;
    if !ctx.starts_line(body.start_byte()) {
        return Err("the function body shares a line with its `def`".into());
    }
    // Each definition would get its own wrapper, and the next pass would wrap the wrappers.
    let shown = ctx.text(name);
    if ctx.semantic.lookup(shown, function).is_some_and(|b| b.len() > 1) {
        return Err(format!(
            "`{shown}` is defined more than once here, so a wrapper could not tell which body callers reach"
        ));
    }
    let wait_for = ctx
        .semantic
        .import_ref("asyncio", "wait_for", function)
        .ok_or("the name `asyncio` is taken here, so corral cannot refer to asyncio.wait_for")?;
    let (constant, statements) = ctx.timeout_constant(function);
    let private = ctx
        .semantic
        .fresh_name(&format!("_{}_no_deadline", ctx.text(name)));
    // The docstring stays with the function callers see.
    let mut cursor = body.walk();
    let statements_in_body: Vec<Node> = body.named_children(&mut cursor).collect();
    let docstring = statements_in_body.first().filter(|s| {
        s.kind() == "expression_statement" && s.named_child(0).is_some_and(|c| c.kind() == "string")
    });
    let moved_from = match docstring {
        Some(doc) => ctx.line_end(doc.end_byte()),
        None => ctx.block_lines(body).start,
    };
    let moved_to = ctx.block_lines(body).end;
    if moved_from >= moved_to {
        return Err("the function has nothing but a docstring".into());
    }
    let outer = function
        .parent()
        .filter(|p| p.kind() == "decorated_definition")
        .unwrap_or(function);
    let indent = ctx.line_indent(outer.start_byte());
    let returns = function
        .child_by_field_name("return_type")
        .map(|r| format!(" -> {}", ctx.text(r)))
        .unwrap_or_default();
    let body_indent = ctx.line_indent(body.start_byte());
    let moved = &ctx.src[moved_from..moved_to];
    // Inserted where the definition starts, after its indentation, which it ends by restoring.
    let helper = format!(
        "async def {private}{}{returns}:\n{moved}\n\n{indent}",
        ctx.text(parameters)
    );
    let call = format!(
        "{body_indent}return await {}({private}({forwarded}), timeout={constant})\n",
        wait_for.expr
    );
    let seconds = crate::rule::seconds(ctx.settings.timeout);
    Ok(Fix {
        edits: vec![
            Edit::insert(outer.start_byte(), helper),
            Edit {
                range: moved_from..moved_to,
                text: call,
            },
        ],
        imports: wait_for.add_import.into_iter().collect(),
        module_statements: statements,
        changes: vec![
            format!(
                "the body now runs as `{private}` under asyncio.wait_for, which raises \
                 asyncio.TimeoutError after {seconds} s in all (before 3.11 not the builtin \
                 TimeoutError)"
            ),
            "before 3.12 wait_for runs the awaitable in a new task: contextvar changes inside it \
             are no longer seen by the caller"
                .to_string(),
        ],
    })
}

/// `except TimeoutError` clauses of `try` statements around `node` in `function`, widened to
/// `except (TimeoutError, asyncio.TimeoutError)`.
fn widen_timeout_handlers(
    ctx: &Context,
    node: Node,
    function: Node,
    asyncio_timeout: &str,
) -> Vec<Edit> {
    let builtin = |n: Node| {
        n.kind() == "identifier"
            && ctx.text(n) == "TimeoutError"
            && ctx.semantic.lookup("TimeoutError", n).is_none()
    };
    let mut edits = Vec::new();
    for clause in syntax::enclosing_handlers(node, function) {
        let Some(types) = syntax::except_types(clause) else {
            continue;
        };
        let has_asyncio = types
            .iter()
            .any(|t| ctx.semantic.qualified_name(*t).as_deref() == Some("asyncio.TimeoutError"));
        let Some(plain) = types.iter().find(|t| builtin(**t)).filter(|_| !has_asyncio) else {
            continue;
        };
        if types.len() == 1 && clause.child_by_field_name("value") == Some(*plain) {
            edits.push(Edit::replace(
                *plain,
                format!("(TimeoutError, {asyncio_timeout})"),
            ));
        } else {
            edits.push(Edit::insert(
                plain.end_byte(),
                format!(", {asyncio_timeout}"),
            ));
        }
    }
    edits
}

/// An `except` in the body that catches CancelledError (bare, `BaseException`,
/// `asyncio.CancelledError`) and never raises: its line and text.
fn swallowed_cancellation<'t>(ctx: &Context<'_, 't>, body: Node<'t>) -> Option<(usize, String)> {
    let mut stack = vec![body];
    let mut found: Option<Node> = None;
    while let Some(node) = stack.pop() {
        if matches!(
            node.kind(),
            "function_definition" | "lambda" | "class_definition"
        ) {
            continue;
        }
        if node.kind() == "except_clause"
            && catches_cancellation(ctx, node)
            && !syntax::contains_kind(node, "raise_statement")
            && found.is_none_or(|f| node.start_byte() < f.start_byte())
        {
            found = Some(node);
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    let clause = found?;
    let header = ctx
        .text(clause)
        .lines()
        .next()
        .unwrap_or("except")
        .trim_end_matches(':');
    Some((clause.start_position().row + 1, header.trim().to_string()))
}

fn catches_cancellation<'t>(ctx: &Context<'_, 't>, clause: Node<'t>) -> bool {
    let catches = |n: Node| match ctx.semantic.qualified_name(n).as_deref() {
        Some("asyncio.CancelledError") => true,
        _ => {
            n.kind() == "identifier"
                && ctx.text(n) == "BaseException"
                && ctx.semantic.lookup("BaseException", n).is_none()
        }
    };
    // A bare `except:` catches everything.
    syntax::except_types(clause).is_none_or(|types| types.into_iter().any(catches))
}

/// An `except` around `node` that catches what a deadline would raise (`TimeoutError`,
/// `asyncio.TimeoutError`, `OSError`, `Exception`, a library's timeout or client error): its
/// header. The wrapped statements would raise past it.
fn timeout_handler<'t>(ctx: &Context<'_, 't>, node: Node<'t>, function: Node<'t>) -> Option<String> {
    const CATCHES: &[&str] = &[
        "TimeoutError",
        "OSError",
        "Exception",
        "BaseException",
        "asyncio.TimeoutError",
        "httpx.TimeoutException",
        "httpx.HTTPError",
        "httpx.TransportError",
        "aiohttp.ClientError",
        "aiohttp.ServerTimeoutError",
    ];
    syntax::enclosing_handlers(node, function)
        .into_iter()
        .find(|clause| {
            syntax::except_types(*clause).is_none_or(|types| {
                types.iter().any(|t| {
                    let name = ctx
                        .semantic
                        .qualified_name(*t)
                        .unwrap_or_else(|| ctx.text(*t).to_string());
                    CATCHES.contains(&name.as_str())
                })
            })
        })
        .map(|clause| {
            ctx.text(clause)
                .lines()
                .next()
                .unwrap_or("except")
                .trim_end_matches(':')
                .trim()
                .to_string()
        })
}
