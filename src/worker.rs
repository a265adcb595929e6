//! What a callable handed to a thread pool or an executor does (catalog §T, §S10): whether it is
//! network I/O at all, which the network model (`network.rs`) answers along the module's call
//! graph; and how it moves to asyncio: awaited on one `httpx.AsyncClient` through an async twin,
//! or, when that is unsafe, kept as it is and run through `asyncio.to_thread`.
//!
//! A callable corral cannot see into (imported from elsewhere, a value passed in) is not network
//! I/O as far as corral knows, so a pool of it is never flagged; neither is CPU work, or I/O that
//! is not network I/O.

use tree_sitter::Node;

use crate::http::{map_exception, map_keywords, SAME_RESPONSE_API};
use crate::network::{self, BlockingKind};
use crate::rule::Context;
use crate::semantic::BindingKind;
use crate::syntax;

/// A callable handed to a pool, judged.
#[derive(Debug, Clone)]
pub enum Worker<'t> {
    /// Not network I/O (CPU work, other I/O, or something corral cannot see): left alone.
    NotNetwork,
    /// `requests.<verb>`, also through `functools.partial`: awaited on the client with `fixed`
    /// positional arguments before the item's and `keywords` (httpx's spelling) after them.
    Call {
        verb: String,
        fixed: Vec<String>,
        keywords: Vec<String>,
    },
    /// A function or method of this module that does requests calls plus plain Python: it gets
    /// an async twin taking the client. `receiver` is `self` for a bound method; `fixed` and
    /// `keywords` are what a `functools.partial` of it fixes.
    Function {
        def: Node<'t>,
        name: &'t str,
        receiver: Option<&'t str>,
        fixed: Vec<String>,
        keywords: Vec<String>,
        /// The `self` attributes it updates, for the fix's notes.
        mutates: Vec<String>,
    },
    /// `lambda x: requests.get(x).json()`: a lambda doing requests calls plus plain Python, which
    /// becomes a nested `async def`.
    Lambda { lambda: Node<'t> },
    /// Network I/O that keeps its library and runs through `asyncio.to_thread`, with why.
    Thread { why: String },
    /// Network I/O the project has declared an async client for (`aiosmtplib`, ...): corral
    /// does not translate to it, and threads are not what the project chose, so it reports.
    Declined { why: String },
}

impl Worker<'_> {
    pub fn is_network(&self) -> bool {
        !matches!(self, Worker::NotNetwork)
    }

    /// Why corral leaves the worker to the user, if it does.
    pub fn declined(&self) -> Option<&str> {
        match self {
            Worker::Declined { why } => Some(why),
            _ => None,
        }
    }

    /// Why the worker stays in a thread even with httpx chosen, if it does.
    pub fn thread_reason(&self) -> Option<&str> {
        match self {
            Worker::Thread { why } => Some(why),
            _ => None,
        }
    }
}

/// How far corral follows calls into the module's own functions.
const DEPTH: usize = 3;

/// Builtins a network-only worker may call: plain Python, no I/O that matters.
const PLAIN_BUILTINS: &[&str] = &[
    "abs",
    "all",
    "any",
    "bool",
    "bytes",
    "dict",
    "divmod",
    "enumerate",
    "filter",
    "float",
    "format",
    "frozenset",
    "getattr",
    "hasattr",
    "hash",
    "int",
    "isinstance",
    "issubclass",
    "iter",
    "len",
    "list",
    "map",
    "max",
    "min",
    "next",
    "print",
    "range",
    "repr",
    "reversed",
    "round",
    "set",
    "setattr",
    "slice",
    "sorted",
    "str",
    "sum",
    "tuple",
    "type",
    "zip",
];

/// Modules whose functions are plain Python for a worker: computing, formatting, logging.
const PLAIN_MODULES: &[&str] = &[
    "base64",
    "collections",
    "copy",
    "dataclasses",
    "datetime",
    "functools",
    "hashlib",
    "html",
    "itertools",
    "json",
    "logging",
    "math",
    "operator",
    "os.path",
    "random",
    "re",
    "string",
    "textwrap",
    "urllib.parse",
    "uuid",
];

/// Functions of other modules that are plain Python for a worker.
const PLAIN_FUNCTIONS: &[&str] = &[
    "time.time",
    "time.monotonic",
    "time.perf_counter",
    "time.strftime",
    "time.gmtime",
    "time.localtime",
    "os.getenv",
    "os.environ.get",
];

/// Judges the callable handed to a pool, when nothing is known of its arguments.
pub fn classify_worker<'t>(ctx: &Context<'_, 't>, callable: Node<'t>) -> Worker<'t> {
    classify_worker_with(ctx, callable, &[])
}

/// Judges the callable handed to a pool; `args` are the positional arguments it is called with
/// there (`ex.submit(fetch, session, url)`), so that a session handed in is seen as one.
pub fn classify_worker_with<'t>(
    ctx: &Context<'_, 't>,
    callable: Node<'t>,
    args: &[Node<'t>],
) -> Worker<'t> {
    let returned = match worker_of(ctx, callable, args) {
        Worker::Call { verb, .. } => Some(format!("`requests.{verb}`")),
        Worker::Function { def, name, .. } if returns_a_response(ctx, def) => {
            Some(format!("`{name}`"))
        }
        Worker::Lambda { lambda }
            if lambda
                .child_by_field_name("body")
                .is_some_and(|b| is_requests_call(ctx, b)) =>
        {
            Some("the lambda".to_string())
        }
        worker => return worker,
    };
    // The results are requests' responses, read by code the rewrite does not change: httpx's
    // differ (`.ok`, `.url`, `.iter_content`), so the library stays.
    let returned = returned.unwrap_or_default();
    thread(&format!(
        "{returned} hands requests' responses back to code that reads them in ways corral does \
         not follow, and httpx's responses differ in `.ok`, `.url`, `.iter_content` and more"
    ))
}

/// A call of a requests function (`requests.get(...)`).
fn is_requests_call<'t>(ctx: &Context<'_, 't>, node: Node<'t>) -> bool {
    node.kind() == "call"
        && node
            .child_by_field_name("function")
            .is_some_and(|f| requests_verb(ctx, f).is_some())
}

/// Whether a function returns a requests response: `return requests.get(...)`, or a name bound
/// to one.
fn returns_a_response<'t>(ctx: &Context<'_, 't>, def: Node<'t>) -> bool {
    let Some(body) = def.child_by_field_name("body") else {
        return false;
    };
    let mut stack = vec![body];
    while let Some(node) = stack.pop() {
        if syntax::is_nested_scope(node) {
            continue;
        }
        if node.kind() == "return_statement"
            && node
                .named_child(0)
                .is_some_and(|v| holds_a_response(ctx, v))
        {
            return true;
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    false
}

/// The worker as [`classify_worker`] judges it, except that one whose results are requests'
/// responses keeps httpx: for callers that have seen every read of those responses
/// ([`responses_read_alike`]).
pub fn classify_worker_reading_alike<'t>(
    ctx: &Context<'_, 't>,
    callable: Node<'t>,
    args: &[Node<'t>],
) -> Worker<'t> {
    worker_of(ctx, callable, args)
}

/// Whether the responses held by `names` (bound in `scope`) are read only in ways httpx's
/// responses read the same: attributes of [`SAME_RESPONSE_API`], `len(...)`, and loops over
/// them (also through `zip` and `enumerate`) whose variables are read the same way. Anything
/// else (returned, stored, handed on, `.ok`, `.url`) is not followed, and answers `false`.
pub fn responses_read_alike<'t>(
    ctx: &Context<'_, 't>,
    scope: Node<'t>,
    names: Vec<Node<'t>>,
) -> bool {
    // A pattern (`for uid, resp in ...`) unpacks what corral does not follow.
    if names.iter().any(|n| n.kind() != "identifier") {
        return false;
    }
    read_alike_all(ctx, scope, names.into_iter().map(|n| (n, scope)).collect())
}

/// Whether a response (or a collection of them) that `value` evaluates to is read alike, as
/// [`responses_read_alike`] judges it: bound to a name, looped over, or read in place.
pub fn value_read_alike<'t>(ctx: &Context<'_, 't>, scope: Node<'t>, value: Node<'t>) -> bool {
    let Some(parent) = value.parent() else {
        return false;
    };
    if parent.kind() == "assignment" && parent.child_by_field_name("right") == Some(value) {
        return parent
            .child_by_field_name("left")
            .filter(|l| l.kind() == "identifier")
            .is_some_and(|left| responses_read_alike(ctx, scope, vec![left]));
    }
    if parent.kind() == "expression_statement" {
        return true; // read by nobody
    }
    match read_alike(ctx, value) {
        Some(more) => read_alike_all(ctx, scope, more),
        None => false,
    }
}

fn read_alike_all<'t>(
    ctx: &Context<'_, 't>,
    scope: Node<'t>,
    mut work: Vec<(Node<'t>, Node<'t>)>,
) -> bool {
    // Each name, with where it is read: after it in `scope`, or, for a loop's variable, anywhere
    // in the loop (a comprehension's element stands before its `for`).
    let mut seen = 0;
    while let Some((binding, within)) = work.pop() {
        seen += 1;
        if seen > 32 {
            return false;
        }
        let name = ctx.text(binding);
        let whole_loop = within != scope;
        let mut stack = vec![within];
        while let Some(node) = stack.pop() {
            let read = node.kind() == "identifier"
                && node != binding
                && ctx.text(node) == name
                && (whole_loop || node.start_byte() > binding.start_byte());
            if read {
                match read_alike(ctx, node) {
                    Some(more) => work.extend(more),
                    None => return false,
                }
            }
            let mut cursor = node.walk();
            stack.extend(node.named_children(&mut cursor));
        }
    }
    true
}

/// For one read of a name holding responses (or a collection of them): `None` if it is not
/// read alike; otherwise the loop variables that now hold responses, each with its loop.
fn read_alike<'t>(ctx: &Context<'_, 't>, use_: Node<'t>) -> Option<Vec<(Node<'t>, Node<'t>)>> {
    let parent = use_.parent()?;
    let loop_of = |clause: Node<'t>| -> Node<'t> {
        if clause.kind() == "for_in_clause" {
            clause.parent().unwrap_or(clause)
        } else {
            clause
        }
    };
    match parent.kind() {
        "attribute" if parent.child_by_field_name("object") == Some(use_) => {
            let attr = ctx.text(parent.child_by_field_name("attribute")?);
            SAME_RESPONSE_API.contains(&attr).then(Vec::new)
        }
        // A loop over the collection: its variable holds one response.
        "for_statement" | "for_in_clause" if parent.child_by_field_name("right") == Some(use_) => {
            let left = parent.child_by_field_name("left")?;
            (left.kind() == "identifier").then(|| vec![(left, loop_of(parent))])
        }
        "argument_list" => {
            let call = parent.parent()?;
            let callee = call.child_by_field_name("function")?;
            let builtin = |n: &str| {
                callee.kind() == "identifier"
                    && ctx.text(callee) == n
                    && ctx.semantic.lookup(n, callee).is_none()
            };
            if builtin("len") {
                return Some(Vec::new());
            }
            let position = {
                let mut cursor = parent.walk();
                let args: Vec<Node> = parent.named_children(&mut cursor).collect();
                args.iter().position(|a| *a == use_)?
            };
            let index = if builtin("zip") {
                position
            } else if builtin("enumerate") && position == 0 {
                1
            } else {
                return None;
            };
            // `for u, r in zip(urls, responses)`: the pattern's name at the same place.
            let loop_ = call.parent().filter(|l| {
                matches!(l.kind(), "for_statement" | "for_in_clause")
                    && l.child_by_field_name("right") == Some(call)
            })?;
            let left = loop_.child_by_field_name("left")?;
            let mut cursor = left.walk();
            let targets: Vec<Node> = left.named_children(&mut cursor).collect();
            let target = *targets.get(index)?;
            (matches!(left.kind(), "pattern_list" | "tuple_pattern")
                && target.kind() == "identifier")
                .then(|| vec![(target, loop_of(loop_))])
        }
        _ => None,
    }
}

/// Whether a returned value is, or holds, a requests response: `requests.get(...)`, a name
/// bound to one, or a tuple, list or dict with one among its items (`return uid, resp`).
fn holds_a_response<'t>(ctx: &Context<'_, 't>, value: Node<'t>) -> bool {
    match value.kind() {
        "call" => is_requests_call(ctx, value),
        "identifier" => ctx.semantic.origin(value).is_some_and(|b| {
            b.kind == BindingKind::Assignment
                && b.node
                    .child_by_field_name("right")
                    .is_some_and(|r| is_requests_call(ctx, r))
        }),
        "tuple"
        | "list"
        | "set"
        | "expression_list"
        | "parenthesized_expression"
        | "dictionary"
        | "pair" => {
            let mut cursor = value.walk();
            let found = value
                .named_children(&mut cursor)
                .any(|item| holds_a_response(ctx, item));
            found
        }
        _ => false,
    }
}

fn worker_of<'t>(ctx: &Context<'_, 't>, callable: Node<'t>, args: &[Node<'t>]) -> Worker<'t> {
    // `get = functools.partial(requests.get, url)` / `fetch = lambda u: ...`, then `get`.
    if let Some(value) = bound_callable(ctx, callable) {
        return worker_of(ctx, value, args);
    }
    match callable.kind() {
        "identifier" | "attribute" => {
            if let Some(def) = network::local_definition(ctx, callable) {
                let receiver = (callable.kind() == "attribute")
                    .then(|| callable.child_by_field_name("object"))
                    .flatten()
                    .map(|o| ctx.text(o));
                let name = ctx.text(def.child_by_field_name("name").unwrap_or(callable));
                return function_worker(ctx, def, name, receiver, args, Vec::new(), Vec::new());
            }
            match blocking_callable(ctx, callable) {
                Some(b) => match (declared_async_client(ctx, callable, None), &b.kind) {
                    (Some(lib), _) => Worker::Declined {
                        why: declined_reason(&b.shown, lib),
                    },
                    (None, BlockingKind::RequestsFunction(verb)) => Worker::Call {
                        verb: verb.clone(),
                        fixed: Vec::new(),
                        keywords: Vec::new(),
                    },
                    (None, _) => Worker::Thread {
                        why: b.stays_in_a_thread().unwrap_or_default(),
                    },
                },
                None => Worker::NotNetwork,
            }
        }
        "call" => partial_worker(ctx, callable, args),
        "lambda" => lambda_worker(ctx, callable),
        _ => Worker::NotNetwork,
    }
}

/// For a name bound once, in the same function, to a `functools.partial(...)` or a lambda whose
/// arguments are names bound once or literals: that value, which a rewrite may write in the
/// name's place.
fn bound_callable<'t>(ctx: &Context<'_, 't>, callable: Node<'t>) -> Option<Node<'t>> {
    if callable.kind() != "identifier" {
        return None;
    }
    let binding = ctx.semantic.origin(callable)?;
    if binding.kind != BindingKind::Assignment {
        return None;
    }
    let value = binding.node.child_by_field_name("right")?;
    let same_scope = ctx.semantic.enclosing_function_scope(binding.node)
        == ctx.semantic.enclosing_function_scope(callable);
    if !same_scope {
        return None;
    }
    match value.kind() {
        "lambda" => Some(value),
        "call" => {
            let is_partial = value
                .child_by_field_name("function")
                .and_then(|f| ctx.semantic.qualified_name(f))
                .is_some_and(|q| q == "functools.partial");
            let (positional, keywords) = ctx.split_arguments(value);
            let stable = |n: Node<'t>| {
                let n = match n.kind() {
                    "keyword_argument" => n.child_by_field_name("value"),
                    _ => Some(n),
                };
                n.is_some_and(|n| match n.kind() {
                    "identifier" => ctx.semantic.origin(n).is_some(),
                    "string" | "integer" | "float" | "true" | "false" | "none" => true,
                    "attribute" => ctx.semantic.qualified_name(n).is_some(),
                    _ => false,
                })
            };
            (is_partial && positional.iter().chain(keywords.iter()).all(|n| stable(*n)))
                .then_some(value)
        }
        _ => None,
    }
}

/// The statement that binds a callable name to a partial or a lambda (`get = partial(...)`),
/// when the worker is such a name: a rewrite that writes the value in place of every use of
/// the name leaves it unused.
pub fn binding_statement<'t>(ctx: &Context<'_, 't>, callable: Node<'t>) -> Option<Node<'t>> {
    bound_callable(ctx, callable)?;
    let binding = ctx.semantic.origin(callable)?;
    binding
        .node
        .parent()
        .filter(|s| s.kind() == "expression_statement")
}

/// A callable that is itself a blocking network function or method: `requests.get`,
/// `session.get`, `s3.download_file`, `urllib.request.urlopen`.
fn blocking_callable<'t>(ctx: &Context<'_, 't>, callable: Node<'t>) -> Option<network::Blocking> {
    // Judged as the call `callable(...)` would be: the model reads the callee only.
    let shown = ctx.text(callable).to_string();
    if let Some(q) = ctx.semantic.qualified_name(callable) {
        if let Some(verb) = q.strip_prefix("requests.") {
            if network::REQUESTS_VERBS.contains(&verb) {
                return Some(network::Blocking {
                    kind: BlockingKind::RequestsFunction(verb.to_string()),
                    shown,
                });
            }
        }
    }
    network::blocking_callee(ctx, callable)
}

/// `functools.partial(target, *fixed, **keywords)`.
fn partial_worker<'t>(ctx: &Context<'_, 't>, call: Node<'t>, args: &[Node<'t>]) -> Worker<'t> {
    let is_partial = call
        .child_by_field_name("function")
        .and_then(|f| ctx.semantic.qualified_name(f))
        .is_some_and(|q| q == "functools.partial");
    if !is_partial {
        return Worker::NotNetwork;
    }
    let (positional, keywords) = ctx.split_arguments(call);
    let Some((target, fixed)) = positional.split_first() else {
        return Worker::NotNetwork;
    };
    let shape = ctx.arguments_shape(call);
    let splat = shape.star_args || shape.star_kwargs;
    let fixed_text: Vec<String> = fixed.iter().map(|a| ctx.text(*a).to_string()).collect();
    let keyword_text: Vec<String> = keywords.iter().map(|k| ctx.text(*k).to_string()).collect();
    // The target sees the partial's arguments first, then the pool's.
    let bound: Vec<Node> = fixed.iter().chain(args.iter()).copied().collect();
    match worker_of(ctx, *target, &bound) {
        Worker::Call { verb, .. } => {
            if splat {
                return thread("the functools.partial unpacks arguments with * or **");
            }
            match map_keywords(ctx, &verb, &keywords) {
                Ok(mapped) => Worker::Call {
                    verb,
                    fixed: fixed_text,
                    keywords: mapped,
                },
                Err(why) => thread(&format!("the functools.partial {why}")),
            }
        }
        Worker::Function {
            def,
            name,
            receiver,
            mutates,
            ..
        } if !splat => Worker::Function {
            def,
            name,
            receiver,
            fixed: fixed_text,
            keywords: keyword_text,
            mutates,
        },
        Worker::Function { .. } => thread("the functools.partial unpacks arguments with * or **"),
        other => other,
    }
}

fn thread<'t>(why: &str) -> Worker<'t> {
    Worker::Thread {
        why: why.to_string(),
    }
}

/// `lambda x: <expression>`: network I/O when its expression is.
fn lambda_worker<'t>(ctx: &Context<'_, 't>, lambda: Node<'t>) -> Worker<'t> {
    let Some(body) = lambda.child_by_field_name("body") else {
        return Worker::NotNetwork;
    };
    let mut seen = Vec::new();
    let judged = judge_body(ctx, body, &[], DEPTH, &mut seen);
    if judged.network.is_none() {
        return Worker::NotNetwork;
    }
    if let Some(why) = judged.declined {
        return Worker::Declined { why };
    }
    match judged.httpx {
        Ok(()) => Worker::Lambda { lambda },
        Err(why) => Worker::Thread {
            why: format!("the lambda {why}"),
        },
    }
}

/// A function or method of this module: network I/O when it, or a function of this module it
/// calls, is.
fn function_worker<'t>(
    ctx: &Context<'_, 't>,
    def: Node<'t>,
    name: &'t str,
    receiver: Option<&'t str>,
    args: &[Node<'t>],
    fixed: Vec<String>,
    keywords: Vec<String>,
) -> Worker<'t> {
    if def.child(0).is_some_and(|c| c.kind() == "async") {
        // A coroutine function handed to a thread pool runs nothing there.
        return Worker::NotNetwork;
    }
    let params = parameter_bindings(ctx, def, receiver.is_some(), args);
    let Some(body) = def.child_by_field_name("body") else {
        return Worker::NotNetwork;
    };
    let mut seen = vec![def];
    let judged = judge_body(ctx, body, &params, DEPTH, &mut seen);
    if judged.network.is_none() {
        return Worker::NotNetwork;
    }
    if let Some(why) = judged.declined {
        return Worker::Declined { why };
    }
    let decorated = def
        .parent()
        .is_some_and(|p| p.kind() == "decorated_definition");
    let httpx = if decorated {
        Err("is decorated".to_string())
    } else if syntax::contains_kind(body, "yield") {
        Err("is a generator".to_string())
    } else {
        judged.httpx
    };
    match httpx {
        Ok(()) => Worker::Function {
            def,
            name,
            receiver,
            fixed,
            keywords,
            mutates: judged.mutates,
        },
        Err(why) => Worker::Thread {
            why: format!("`{name}` {why}"),
        },
    }
}

/// The parameters of `def` that get the arguments a pool passes, by name.
fn parameter_bindings<'t>(
    ctx: &Context<'_, 't>,
    def: Node<'t>,
    method: bool,
    args: &[Node<'t>],
) -> Vec<(&'t str, Node<'t>)> {
    let Some(params) = def.child_by_field_name("parameters") else {
        return Vec::new();
    };
    let mut cursor = params.walk();
    let names: Vec<&str> = params
        .named_children(&mut cursor)
        .filter_map(|p| match p.kind() {
            "identifier" => Some(ctx.text(p)),
            "default_parameter" | "typed_default_parameter" | "typed_parameter" => p
                .child_by_field_name("name")
                .or_else(|| p.named_child(0))
                .filter(|n| n.kind() == "identifier")
                .map(|n| ctx.text(n)),
            _ => None,
        })
        .skip(usize::from(method))
        .collect();
    names.into_iter().zip(args.iter().copied()).collect()
}

/// What a body does, as far as moving it to asyncio goes.
struct Judged {
    /// The first network call it makes, for messages: `requests.get`, or `helper` → `...`.
    network: Option<String>,
    /// Why corral leaves it to the user, when it calls what the project has an async client for.
    declined: Option<String>,
    /// Whether its requests calls can be awaited on an `httpx.AsyncClient` with the rest
    /// unchanged, or what stops that.
    httpx: Result<(), String>,
    /// `self` attributes it updates.
    mutates: Vec<String>,
}

fn judge_body<'t>(
    ctx: &Context<'_, 't>,
    root: Node<'t>,
    params: &[(&'t str, Node<'t>)],
    depth: usize,
    seen: &mut Vec<Node<'t>>,
) -> Judged {
    let mut network: Option<String> = None;
    // Why the network calls themselves stay in a thread comes first in messages.
    let mut network_problem: Option<String> = None;
    let mut request_problem: Option<String> = None;
    let mut declined: Option<String> = None;
    let mut weak: Option<String> = None;
    let mut problem: Option<String> = None;
    let mut mutates: Vec<String> = Vec::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        let mut note = |why: String| {
            problem.get_or_insert(why);
        };
        match node.kind() {
            "function_definition" | "class_definition" => {
                note("defines a nested function or class".into());
                continue;
            }
            "global_statement" | "nonlocal_statement" | "yield" | "await" => {
                note(format!("uses `{}`", node.kind().replace("_statement", "")));
            }
            "with_statement" => {
                // Named only when nothing more precise is: `with open(...)` says "opens a file".
                weak.get_or_insert_with(|| "uses a `with` statement".to_string());
            }
            "call" => {
                match judge_call(ctx, node, params, depth, seen) {
                    Call::Plain => {}
                    Call::Network(shown, stays) => {
                        // Inside a lambda or a nested function the call could not be awaited.
                        let mut up = (node != root).then(|| node.parent()).flatten();
                        while let Some(p) = up.filter(|p| *p != root) {
                            if matches!(p.kind(), "lambda" | "function_definition") {
                                request_problem.get_or_insert(format!(
                                    "calls `{shown}` inside a lambda or a nested function, \
                                     where it could not be awaited"
                                ));
                                break;
                            }
                            up = p.parent();
                        }
                        network.get_or_insert(shown);
                        match stays {
                            Some(Stays::Through(what)) => {
                                network_problem
                                    .get_or_insert(format!("reaches the network through {what}"));
                            }
                            Some(Stays::Does(why)) => {
                                request_problem.get_or_insert(why);
                            }
                            Some(Stays::Declined(why)) => {
                                declined.get_or_insert(why);
                            }
                            None => {}
                        }
                    }
                    Call::Blocks(why) => note(why),
                }
                if let Some(attr) = self_update(ctx, node) {
                    if !mutates.contains(&attr) {
                        mutates.push(attr);
                    }
                }
            }
            "assignment" | "augmented_assignment" => {
                let target = node.child_by_field_name("left");
                if let Some(attr) = target.and_then(|t| self_attribute(ctx, t)) {
                    if !mutates.contains(&attr) {
                        mutates.push(attr);
                    }
                }
            }
            "attribute" => {
                if let Some(attr) = response_attribute(ctx, node) {
                    let ok_on_name = attr == "ok"
                        && node
                            .child_by_field_name("object")
                            .is_some_and(|o| o.kind() == "identifier");
                    if !SAME_RESPONSE_API.contains(&attr) && !ok_on_name {
                        note(format!(
                            "uses the response's `.{attr}`, which httpx does not offer the same way"
                        ));
                    }
                }
            }
            "except_clause" => {
                for t in syntax::except_types(node).unwrap_or_default() {
                    if let Err(why) = map_exception(ctx, t) {
                        note(why);
                    }
                }
            }
            _ => {}
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    Judged {
        network,
        declined,
        httpx: network_problem
            .or(request_problem)
            .or(problem)
            .or(weak)
            .map_or(Ok(()), Err),
        mutates,
    }
}

/// One call inside a worker.
enum Call {
    /// Plain Python.
    Plain,
    /// Network I/O, as messages name it; with why it stays in a thread, when it must.
    Network(String, Option<Stays>),
    /// Blocks in another way, or corral cannot tell: why.
    Blocks(String),
}

/// Why a network call stays in a thread.
enum Stays {
    /// What it goes through, as a noun phrase: "`session.get`, a requests.Session method ...".
    Through(String),
    /// What the requests call does that httpx would not, as a verb phrase: "passes verify= ...".
    Does(String),
    /// Why corral leaves it to the user: the project declares an async client for it.
    Declined(String),
}

/// The async client the project declares for calls on `receiver` (or on the callee's object).
fn declared_async_client<'t>(
    ctx: &Context<'_, 't>,
    callee: Node<'t>,
    receiver: Option<Node<'t>>,
) -> Option<&'static str> {
    let receiver = receiver.or_else(|| callee.child_by_field_name("object"))?;
    let class = network::origin(ctx, receiver)?.class;
    network::async_alternatives(&class)
        .iter()
        .copied()
        .find(|lib| ctx.settings.async_clients.contains(lib))
}

fn declined_reason(shown: &str, lib: &str) -> String {
    format!(
        "`{shown}` has an async client the project declares ({lib}), which corral does not \
         translate calls to; keeping it in threads is not what the project chose, so the move is \
         left to you"
    )
}

fn judge_call<'t>(
    ctx: &Context<'_, 't>,
    call: Node<'t>,
    params: &[(&'t str, Node<'t>)],
    depth: usize,
    seen: &mut Vec<Node<'t>>,
) -> Call {
    let sem = ctx.semantic;
    let Some(callee) = call.child_by_field_name("function") else {
        return Call::Plain;
    };
    if let Some(b) = network::blocking_call(ctx, call) {
        if let Some(lib) = declared_async_client(ctx, callee, None) {
            let why = declined_reason(&b.shown, lib);
            return Call::Network(b.shown, Some(Stays::Declined(why)));
        }
        let stays = match &b.kind {
            BlockingKind::RequestsFunction(verb) => {
                requests_call_stays(ctx, call, verb).map(Stays::Does)
            }
            _ => b.stays_in_a_thread().map(Stays::Through),
        };
        return Call::Network(b.shown, stays);
    }
    // A session or client handed in by the pool's arguments.
    if let Some(handed) = handed_in_receiver(ctx, callee, params) {
        if let Some(b) = network::blocking_call_on(ctx, callee, handed) {
            if let Some(lib) = declared_async_client(ctx, callee, Some(handed)) {
                let why = declined_reason(&b.shown, lib);
                return Call::Network(b.shown, Some(Stays::Declined(why)));
            }
            let stays = b.stays_in_a_thread().map(Stays::Through);
            return Call::Network(b.shown, stays);
        }
    }
    let shown = ctx.text(callee);
    if let Some(def) = network::local_definition(ctx, callee) {
        if seen.contains(&def) {
            return Call::Plain;
        }
        if depth == 0 {
            return Call::Blocks(format!("calls `{shown}`, deeper than corral follows"));
        }
        seen.push(def);
        if def.child(0).is_some_and(|c| c.kind() == "async") {
            return Call::Blocks(format!("calls the coroutine function `{shown}`"));
        }
        let Some(body) = def.child_by_field_name("body") else {
            return Call::Plain;
        };
        // What it is handed that the caller was handed (or holds) goes along: `fetch(session, u)`.
        let handed: Vec<Node<'t>> = {
            let (positional, _) = ctx.split_arguments(call);
            positional
                .into_iter()
                .map(|a| {
                    (a.kind() == "identifier")
                        .then(|| {
                            params
                                .iter()
                                .find(|(p, _)| *p == ctx.text(a))
                                .map(|(_, v)| *v)
                        })
                        .flatten()
                        .unwrap_or(a)
                })
                .collect()
        };
        let bound = parameter_bindings(ctx, def, false, &handed);
        let inner = judge_body(ctx, body, &bound, depth - 1, seen);
        if let (Some(net), Some(why)) = (&inner.network, inner.declined) {
            return Call::Network(format!("{shown} → {net}"), Some(Stays::Declined(why)));
        }
        return match (inner.network, inner.httpx) {
            (Some(net), _) => Call::Network(
                format!("{shown} → {net}"),
                Some(Stays::Through(format!(
                    "`{shown}`, which calls `{net}` itself"
                ))),
            ),
            (None, Ok(())) => Call::Plain,
            (None, Err(why)) => Call::Blocks(format!("calls `{shown}`, which {why}")),
        };
    }
    match callee.kind() {
        "identifier" => match sem.lookup(shown, callee) {
            None if PLAIN_BUILTINS.contains(&shown) => Call::Plain,
            None if shown == "open" => Call::Blocks("opens a file (`open`)".into()),
            Some([b]) if b.kind == BindingKind::ClassDef => Call::Plain,
            _ => match sem.qualified_name(callee) {
                Some(q) if is_plain_function(&q) => Call::Plain,
                Some(q) => Call::Blocks(format!("calls `{q}`, which may block")),
                None => Call::Blocks(format!("calls `{shown}`, which may block")),
            },
        },
        "attribute" => {
            if response_attribute(ctx, callee).is_some() {
                return Call::Plain; // judged as an attribute
            }
            match sem.qualified_name(callee) {
                Some(q) if q == "time.sleep" => Call::Blocks("sleeps (`time.sleep`)".into()),
                Some(q) if is_plain_function(&q) => Call::Plain,
                Some(q) => Call::Blocks(format!("calls `{q}`, which may block")),
                // A method of a value: plain Python.
                None => Call::Plain,
            }
        }
        _ => Call::Plain,
    }
}

fn is_plain_function(q: &str) -> bool {
    PLAIN_FUNCTIONS.contains(&q)
        || PLAIN_MODULES
            .iter()
            .any(|m| q.strip_prefix(m).is_some_and(|rest| rest.starts_with('.')))
}

/// Why a `requests.<verb>(...)` call cannot be awaited on an httpx client as it is, if so.
fn requests_call_stays<'t>(ctx: &Context<'_, 't>, call: Node<'t>, verb: &str) -> Option<String> {
    let (positional, mut keywords) = ctx.split_arguments(call);
    let expected = if verb == "request" { 2 } else { 1 };
    if positional.iter().any(|a| a.kind() == "list_splat") {
        return Some("passes *args to requests, which corral cannot map to httpx".into());
    }
    // `**kwargs` comes among the positional ones; map_keywords refuses it with its reason.
    keywords.extend(positional.iter().filter(|a| a.kind() == "dictionary_splat"));
    let plain = positional
        .iter()
        .filter(|a| a.kind() != "dictionary_splat")
        .count();
    if plain > expected {
        return Some(
            "passes requests positional arguments after the URL, which httpx takes as keywords"
                .into(),
        );
    }
    map_keywords(ctx, verb, &keywords).err()
}

/// For `p.method` where `p` is a parameter the pool passes an argument to: that argument.
fn handed_in_receiver<'t>(
    ctx: &Context<'_, 't>,
    callee: Node<'t>,
    params: &[(&'t str, Node<'t>)],
) -> Option<Node<'t>> {
    let object = callee
        .child_by_field_name("object")
        .filter(|o| o.kind() == "identifier")?;
    let name = ctx.text(object);
    // Only while the parameter still holds what was passed.
    let binding = ctx.semantic.origin(object)?;
    if binding.kind != BindingKind::Parameter {
        return None;
    }
    params.iter().find(|(p, _)| *p == name).map(|(_, a)| *a)
}

/// `self.x` (or `self.x[...]`) as the attribute name `self.x`.
fn self_attribute(ctx: &Context, target: Node) -> Option<String> {
    let target = if target.kind() == "subscript" {
        target.child_by_field_name("value")?
    } else {
        target
    };
    if target.kind() != "attribute" {
        return None;
    }
    let object = target.child_by_field_name("object")?;
    (ctx.text(object) == "self").then(|| ctx.text(target).to_string())
}

/// `self.x.append(...)` and the like: the attribute updated.
fn self_update(ctx: &Context, call: Node) -> Option<String> {
    const UPDATES: &[&str] = &[
        "append",
        "extend",
        "add",
        "update",
        "insert",
        "pop",
        "remove",
        "clear",
        "setdefault",
    ];
    let callee = call.child_by_field_name("function")?;
    if callee.kind() != "attribute" {
        return None;
    }
    let method = ctx.text(callee.child_by_field_name("attribute")?);
    if !UPDATES.contains(&method) {
        return None;
    }
    self_attribute(ctx, callee.child_by_field_name("object")?)
}

/// For `resp.<attr>` where `resp` holds a requests response: the attribute.
pub fn response_attribute<'t>(ctx: &Context<'_, 't>, attribute: Node<'t>) -> Option<&'t str> {
    let object = attribute.child_by_field_name("object")?;
    let attr = ctx.text(attribute.child_by_field_name("attribute")?);
    let from_requests = match object.kind() {
        "identifier" => ctx.semantic.origin(object).is_some_and(|b| {
            b.kind == BindingKind::Assignment
                && b.node
                    .child_by_field_name("right")
                    .filter(|r| r.kind() == "call")
                    .and_then(|r| r.child_by_field_name("function"))
                    .is_some_and(|f| requests_verb(ctx, f).is_some())
        }),
        "call" => object
            .child_by_field_name("function")
            .is_some_and(|f| requests_verb(ctx, f).is_some()),
        _ => false,
    };
    from_requests.then_some(attr)
}

/// `requests.get` (or an alias of it) as its verb.
pub fn requests_verb<'t>(ctx: &Context<'_, 't>, callee: Node<'t>) -> Option<String> {
    let q = ctx.semantic.qualified_name(callee)?;
    let verb = q.strip_prefix("requests.")?;
    network::REQUESTS_VERBS
        .contains(&verb)
        .then(|| verb.to_string())
}
