//! `executor-wrapped-http` (CONC203): in async code, `loop.run_in_executor(None, requests.get, u)`
//! and `asyncio.to_thread(requests.get, u, **kw)` hop to a thread for network I/O that asyncio can
//! do itself (catalog shapes T3 and T4).
//!
//! A single await with an `httpx.AsyncClient` in scope becomes `await client.get(...)`; without a
//! client it is reported, because a client per call loses pooling. A fan-out awaited through
//! `asyncio.gather(*[...])` becomes a bounded TaskGroup (gather before 3.11) over one client.

use tree_sitter::Node;

use crate::http::{twin_after, twin_of, 
    classify_worker, map_keywords, pool_limit, Backend, BoundedFanOut, Worker,
};
use crate::rule::{reindent, Context, Edit, Finding, Fix, LazyQuery, Reads, Rule};
use crate::settings::{HttpClient, PyVersion};
use crate::syntax;

pub static RULE: Rule = Rule {
    id: "executor-wrapped-http",
    code: "CONC203",
    summary: "run_in_executor / to_thread around a requests call in async code",
    opt_in: None,
    doc: include_str!("doc.md"),
    triggers: &["run_in_executor(", "to_thread("],
    // Every finding moves or refuses a worker doing requests calls, which needs an import of
    // requests.
    requires: &["requests"],
    reads: Reads::Everything,
    check,
};

static QUERY: LazyQuery = LazyQuery::new(include_str!("query.scm"));

/// An executor hop: the callable and the arguments it is called with.
struct Hop<'t> {
    call: Node<'t>,
    worker: Node<'t>,
    /// Positional arguments after the callable.
    args: Vec<Node<'t>>,
    /// Keyword arguments (to_thread only).
    keywords: Vec<Node<'t>>,
    /// The executor handed to run_in_executor, unless it is `None`.
    executor: Option<Node<'t>>,
    process_pool: bool,
}

fn check(ctx: &Context) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut done: Vec<std::ops::Range<usize>> = Vec::new();
    for m in QUERY.matches(ctx).iter() {
        let (Some(call), Some(callee)) = (m.get("call"), m.get("callee")) else {
            continue;
        };
        if done.iter().any(|r| r.contains(&call.start_byte())) {
            continue;
        }
        let Some(hop) = hop(ctx, call, callee) else {
            continue;
        };
        if !ctx.semantic.in_async_context(call) {
            continue;
        }
        if let Some((finding, covered)) = judge(ctx, &hop) {
            done.push(covered);
            findings.push(finding);
        }
    }
    findings
}

/// `asyncio.to_thread(f, *args, **kw)` or `<loop>.run_in_executor(E, f, *args)`.
fn hop<'t>(ctx: &Context<'_, 't>, call: Node<'t>, callee: Node<'t>) -> Option<Hop<'t>> {
    // Most calls are neither: decide by the callee's last name before resolving anything.
    let last = ctx.text(callee).rsplit('.').next().unwrap_or_default();
    if last != "run_in_executor"
        && ctx.semantic.qualified_name(callee).as_deref() != Some("asyncio.to_thread")
    {
        return None;
    }
    let (positional, keywords) = ctx.split_arguments(call);
    if ctx.semantic.qualified_name(callee).as_deref() == Some("asyncio.to_thread") {
        let (worker, rest) = positional.split_first()?;
        return Some(Hop {
            call,
            worker: *worker,
            args: rest.to_vec(),
            keywords,
            executor: None,
            process_pool: false,
        });
    }
    if callee.kind() != "attribute"
        || callee
            .child_by_field_name("attribute")
            .is_none_or(|a| ctx.text(a) != "run_in_executor")
    {
        return None;
    }
    let object = callee.child_by_field_name("object")?;
    let loop_origin = match object.kind() {
        "call" => object
            .child_by_field_name("function")
            .and_then(|f| ctx.semantic.qualified_name(f)),
        _ => ctx.semantic.value_origin(object),
    };
    if !matches!(
        loop_origin.as_deref(),
        Some("asyncio.get_running_loop" | "asyncio.get_event_loop")
    ) {
        return None;
    }
    let [executor, worker, rest @ ..] = positional.as_slice() else {
        return None;
    };
    let process_pool = ctx
        .semantic
        .value_origin(*executor)
        .is_some_and(|q| q == "concurrent.futures.ProcessPoolExecutor");
    if !keywords.is_empty() {
        return None;
    }
    Some(Hop {
        call,
        worker: *worker,
        args: rest.to_vec(),
        keywords,
        executor: Some(*executor).filter(|e| e.kind() != "none"),
        process_pool,
    })
}

fn judge<'t>(ctx: &Context<'_, 't>, hop: &Hop<'t>) -> Option<(Finding, std::ops::Range<usize>)> {
    let shown = ctx.text(hop.worker);
    let worker = match classify_worker(ctx, hop.worker) {
        Worker::NotNetwork => return None,
        // Responses handed back keep requests, unless every read of them is seen here and
        // httpx's responses read the same.
        Worker::Thread { .. } if results_read_alike(ctx, hop) => {
            match crate::worker::classify_worker_reading_alike(ctx, hop.worker, &[]) {
                Worker::Thread { why } => Worker::Thread { why },
                Worker::NotNetwork => return None,
                w => w,
            }
        }
        w => w,
    };
    let what = format!(
        "`{}` hops to {} for network I/O (`{shown}`)",
        first_line(ctx.text(hop.call)),
        if hop.process_pool {
            "another process"
        } else {
            "a thread"
        }
    );
    let report = |why: String, range: std::ops::Range<usize>| {
        Some((
            Finding {
                rule: &RULE,
                range: range.clone(),
                message: format!("{what}; {why}"),
                fix: None,
            },
            range,
        ))
    };
    // Network I/O that keeps its library: a fan-out of it is still bounded, through to_thread.
    if let Some(why) = worker.declined() {
        return report(why.to_string(), hop.call.byte_range());
    }
    let stays = match &worker {
        Worker::Thread { why } => Some(why.clone()),
        Worker::Lambda { .. } => Some("a lambda, which corral moves only inside a pool".into()),
        _ => None,
    };
    if hop.process_pool {
        return report(
            "the executor is a ProcessPoolExecutor, which corral does not move".into(),
            hop.call.byte_range(),
        );
    }
    // Keyword arguments of to_thread reach the worker: map them like a partial's.
    let extra = match (&worker, hop.keywords.is_empty()) {
        (_, true) => Vec::new(),
        _ if stays.is_some() => Vec::new(),
        (Worker::Call { verb, .. }, false) => match map_keywords(ctx, verb, &hop.keywords) {
            Ok(mapped) => mapped,
            Err(why) => return report(format!("corral leaves it: {why}"), hop.call.byte_range()),
        },
        (_, false) => {
            return report(
                "its keyword arguments go to a function, which corral does not remap".into(),
                hop.call.byte_range(),
            )
        }
    };
    if let Some(fan_out) = fan_out_statement(ctx, hop) {
        let range = fan_out.statement.byte_range();
        return match rewrite_fan_out(ctx, hop, &worker, &extra, &fan_out, stays.is_some()) {
            Ok((fix, httpx)) => Some((
                Finding {
                    rule: &RULE,
                    range: range.clone(),
                    message: match (&stays, httpx) {
                        (_, true) => format!(
                            "{what}; bound the fan-out and await the requests on one client instead"
                        ),
                        (Some(why), false) => format!(
                            "{what}; bound the fan-out, keeping the calls in threads through \
                             asyncio.to_thread ({why})"
                        ),
                        (None, false) => format!(
                            "{what}; bound the fan-out, keeping the calls in threads through \
                             asyncio.to_thread"
                        ),
                    },
                    fix: Some(fix),
                },
                range,
            )),
            Err(why) => report(why, range),
        };
    }
    let awaited = hop.call.parent().filter(|p| p.kind() == "await")?;
    if ctx.settings.http_client == HttpClient::ToThread {
        return None; // to_thread is the chosen backend: a single hop is already what it would write
    }
    if stays.is_some() {
        // One awaited hop of network I/O that must keep its library: `await to_thread(...)` is
        // what corral itself would write, so there is nothing to do (and corral's own output,
        // whose helpers await such hops, stays clean).
        return None;
    }
    let Some(client) = client_in_scope(ctx, hop.call) else {
        return report(
            "no httpx.AsyncClient is in scope: inject one (a parameter, an `async with`, or \
             self.<client>) rather than create a client per call, which loses pooling"
                .into(),
            hop.call.byte_range(),
        );
    };
    let args: Vec<&str> = hop.args.iter().map(|a| ctx.text(*a)).collect();
    let mut edits = Vec::new();
    let mut changes = vec![
        "the request runs on the event loop through httpx instead of in a thread through \
         requests: exceptions are httpx's, and the client's timeout applies"
            .to_string(),
    ];
    let replacement = match &worker {
        Worker::Call {
            verb,
            fixed,
            keywords,
        } => {
            let mut all: Vec<String> = fixed.clone();
            all.extend(args.iter().map(|a| a.to_string()));
            all.extend(keywords.iter().cloned());
            all.extend(extra);
            format!("await {client}.{verb}({})", all.join(", "))
        }
        Worker::Function {
            def,
            name,
            receiver,
            fixed,
            keywords,
            ..
        } => {
            let (twin, text) = twin_of(ctx, *def, name).ok()?;
            edits.extend(text.as_deref().map(|t| twin_after(ctx, *def, t)));
            changes.push(format!(
                "`{twin}` is the async twin of `{name}`, which stays"
            ));
            let mut all = vec![client.clone()];
            all.extend(fixed.iter().cloned());
            all.extend(args.iter().map(|a| a.to_string()));
            all.extend(keywords.iter().cloned());
            let reference = receiver.map_or(twin.clone(), |r| format!("{r}.{twin}"));
            format!("await {reference}({})", all.join(", "))
        }
        _ => unreachable!("handled above"),
    };
    if matches!(ctx.text(hop.call), text if text.contains("run_in_executor")) {
        changes.push(
            "run_in_executor did not pass contextvars to the worker; the native call sees them"
                .to_string(),
        );
    }
    edits.push(Edit::replace(awaited, replacement));
    edits.extend(unused_binding(ctx, hop));
    let range = awaited.byte_range();
    Some((
        Finding {
            rule: &RULE,
            range: range.clone(),
            message: format!("{what}; await `{client}` directly"),
            fix: Some(Fix {
                edits,
                imports: Vec::new(),
                module_statements: Vec::new(),
                changes,
            }),
        },
        range,
    ))
}

/// The lines of `get = functools.partial(...)` when `get` is used only by this hop, which no
/// longer needs it.
fn unused_binding<'t>(ctx: &Context<'_, 't>, hop: &Hop<'t>) -> Option<Edit> {
    let statement = crate::worker::binding_statement(ctx, hop.worker)?;
    let function = syntax::ancestor(hop.call, "function_definition")?;
    let name = ctx.text(hop.worker);
    let mut uses = 0;
    let mut stack = vec![function];
    while let Some(node) = stack.pop() {
        let attribute_name = node.parent().is_some_and(|p| {
            p.kind() == "attribute" && p.child_by_field_name("attribute") == Some(node)
        });
        if node.kind() == "identifier" && ctx.text(node) == name && !attribute_name {
            uses += 1;
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    if uses != 2 {
        return None;
    }
    Some(Edit {
        range: ctx.node_lines(statement),
        text: String::new(),
    })
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}

/// An `httpx.AsyncClient` visible where `node` runs: an enclosing `async with ... as c`, a
/// parameter annotated `httpx.AsyncClient`, or `self.<attr>` set to one in `__init__`.
fn client_in_scope<'t>(ctx: &Context<'_, 't>, node: Node<'t>) -> Option<String> {
    let sem = ctx.semantic;
    let is_client = |q: Option<String>| q.as_deref() == Some("httpx.AsyncClient");
    let mut current = node.parent();
    while let Some(n) = current {
        if syntax::is_async_with(n) {
            let clause = n.named_child(0)?;
            let mut cursor = clause.walk();
            for item in clause.named_children(&mut cursor) {
                let value = item.child_by_field_name("value")?;
                if value.kind() == "as_pattern" {
                    let ctor = value.named_child(0).filter(|c| c.kind() == "call");
                    let alias = value
                        .child_by_field_name("alias")
                        .and_then(|a| a.named_child(0));
                    if let (Some(ctor), Some(alias)) = (ctor, alias) {
                        if is_client(
                            ctor.child_by_field_name("function")
                                .and_then(|f| sem.qualified_name(f)),
                        ) {
                            return Some(ctx.text(alias).to_string());
                        }
                    }
                }
            }
        }
        if n.kind() == "function_definition" {
            let params = n.child_by_field_name("parameters")?;
            let mut cursor = params.walk();
            for param in params.named_children(&mut cursor) {
                if let Some(name) = param
                    .child_by_field_name("name")
                    .or_else(|| param.named_child(0))
                {
                    if name.kind() == "identifier"
                        && param.child_by_field_name("type").is_some()
                        && is_client(sem.value_origin(name))
                    {
                        return Some(ctx.text(name).to_string());
                    }
                }
            }
            let class = syntax::ancestor(n, "class_definition");
            if let Some(init) = class.and_then(|c| init_client(ctx, c)) {
                return Some(format!("self.{init}"));
            }
            break;
        }
        current = n.parent();
    }
    None
}

/// The attribute `__init__` sets to an `httpx.AsyncClient(...)`, if any.
fn init_client<'t>(ctx: &Context<'_, 't>, class: Node<'t>) -> Option<&'t str> {
    let mut stack = vec![class.child_by_field_name("body")?];
    while let Some(node) = stack.pop() {
        if node.kind() == "assignment" {
            let left = node.child_by_field_name("left");
            if let Some(attr) = left.filter(|l| l.kind() == "attribute").filter(|l| {
                l.child_by_field_name("object")
                    .is_some_and(|o| ctx.text(o) == "self")
            }) {
                if ctx.semantic.value_origin(attr).as_deref() == Some("httpx.AsyncClient") {
                    return attr.child_by_field_name("attribute").map(|a| ctx.text(a));
                }
            }
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    None
}

/// `x = await asyncio.gather(*<comprehension of hops>)`, its `return` form, a `for` loop over
/// the awaited gather, or `await asyncio.wait(<comprehension of hops>)`, where the comprehension
/// is written in place or bound to a name just for this call.
struct FanOut<'t> {
    statement: Node<'t>,
    comprehension: Node<'t>,
    /// The separate statement that built the list, when there is one.
    list_statement: Option<Node<'t>>,
    /// The awaited `gather(...)` or `wait(...)`.
    awaited: Node<'t>,
    /// What is handed to the call: `*[...]`, `*futures`, `[...]` or `futures`.
    collection: Node<'t>,
    consumer: Consumer<'t>,
}

/// Whether the hop's results are read only in ways httpx's responses read the same, in the
/// function that awaits them: assigned to a name, or looped over, then read alike.
fn results_read_alike<'t>(ctx: &Context<'_, 't>, hop: &Hop<'t>) -> bool {
    let Some(function) = syntax::ancestor(hop.call, "function_definition") else {
        return false;
    };
    let names = match fan_out_statement(ctx, hop) {
        Some(fan_out) => match fan_out.consumer {
            Consumer::Assign(_) => fan_out
                .statement
                .named_child(0)
                .and_then(|a| a.child_by_field_name("left")),
            Consumer::For => fan_out
                .statement
                .child_by_field_name("left")
                .filter(|l| l.kind() == "identifier"),
            Consumer::Return | Consumer::Wait => None,
        },
        // `resp = await loop.run_in_executor(...)`.
        None => hop
            .call
            .parent()
            .filter(|p| p.kind() == "await")
            .and_then(|a| a.parent())
            .filter(|p| p.kind() == "assignment")
            .and_then(|p| p.child_by_field_name("left")),
    };
    names
        .filter(|n| n.kind() == "identifier")
        .is_some_and(|n| crate::worker::responses_read_alike(ctx, function, vec![n]))
}

/// What the statement does with the awaited results.
enum Consumer<'t> {
    /// `name = await asyncio.gather(...)`
    Assign(&'t str),
    /// `return await asyncio.gather(...)`
    Return,
    /// `for x in await asyncio.gather(...):`
    For,
    /// `done, pending = await asyncio.wait(...)` (or the bare await): every task done.
    Wait,
}

fn fan_out_statement<'t>(ctx: &Context<'_, 't>, hop: &Hop<'t>) -> Option<FanOut<'t>> {
    let comprehension = hop
        .call
        .parent()
        .filter(|p| matches!(p.kind(), "list_comprehension" | "generator_expression"))
        .filter(|p| p.child_by_field_name("body") == Some(hop.call))?;
    let (collection, list_statement) = match comprehension.parent()?.kind() {
        "list_splat" => (comprehension.parent()?, None),
        "argument_list" if comprehension.kind() == "list_comprehension" => (comprehension, None),
        "assignment" => {
            let assignment = comprehension.parent()?;
            let name = assignment
                .child_by_field_name("left")
                .filter(|l| l.kind() == "identifier")?;
            let statement = assignment
                .parent()
                .filter(|s| s.kind() == "expression_statement")?;
            let next = statement.next_named_sibling()?;
            let collection = find_splat_of(ctx, next, ctx.text(name))
                .or_else(|| find_argument(ctx, next, ctx.text(name)))?;
            let uses = count_identifier(
                ctx,
                syntax::ancestor(statement, "function_definition")?,
                ctx.text(name),
            );
            if uses != 2 {
                return None; // the list is used elsewhere too
            }
            (collection, Some(statement))
        }
        _ => return None,
    };
    let call = collection
        .parent()
        .filter(|a| a.kind() == "argument_list" && a.named_child_count() == 1)
        .and_then(|a| a.parent())
        .filter(|c| c.kind() == "call")?;
    let q = call
        .child_by_field_name("function")
        .and_then(|f| ctx.semantic.qualified_name(f))?;
    let waits = match (q.as_str(), collection.kind()) {
        ("asyncio.gather", "list_splat") => false,
        ("asyncio.wait", k) if k != "list_splat" => true,
        _ => return None,
    };
    let awaited = call.parent().filter(|p| p.kind() == "await")?;
    let parent = awaited.parent()?;
    let (statement, consumer) = match parent.kind() {
        "return_statement" if !waits => (parent, Consumer::Return),
        "for_statement" if !waits && parent.child_by_field_name("right") == Some(awaited) => {
            (parent, Consumer::For)
        }
        "expression_statement" if waits => (parent, Consumer::Wait),
        "assignment" if parent.child_by_field_name("right") == Some(awaited) => {
            let left = parent.child_by_field_name("left")?;
            let statement = parent
                .parent()
                .filter(|s| s.kind() == "expression_statement")?;
            match (waits, left.kind()) {
                (false, "identifier") => (statement, Consumer::Assign(ctx.text(left))),
                (true, _) => (statement, Consumer::Wait),
                _ => return None,
            }
        }
        _ => return None,
    };
    if !ctx.starts_line(statement.start_byte()) {
        return None;
    }
    Some(FanOut {
        statement,
        comprehension,
        list_statement,
        awaited,
        collection,
        consumer,
    })
}

/// The argument `name` of a call in `root`: `asyncio.wait(futures)`.
fn find_argument<'t>(ctx: &Context<'_, 't>, root: Node<'t>, name: &str) -> Option<Node<'t>> {
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node.kind() == "identifier"
            && ctx.text(node) == name
            && node.parent().is_some_and(|p| p.kind() == "argument_list")
        {
            return Some(node);
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    None
}

fn find_splat_of<'t>(ctx: &Context<'_, 't>, root: Node<'t>, name: &str) -> Option<Node<'t>> {
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node.kind() == "list_splat" && node.named_child(0).is_some_and(|n| ctx.text(n) == name) {
            return Some(node);
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    None
}

fn count_identifier(ctx: &Context, root: Node, name: &str) -> usize {
    let mut count = 0;
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node.kind() == "identifier" && ctx.text(node) == name {
            count += 1;
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    count
}

fn rewrite_fan_out<'t>(
    ctx: &Context<'_, 't>,
    hop: &Hop<'t>,
    worker: &Worker<'t>,
    extra: &[String],
    fan_out: &FanOut<'t>,
    stays: bool,
) -> Result<(Fix, bool), String> {
    let sem = ctx.semantic;
    let at = fan_out.list_statement.unwrap_or(fan_out.statement);
    let backend = if stays {
        crate::pool::backend_to_thread(ctx, at)?
    } else {
        Backend::new(ctx, at)?
    };
    let asyncio = backend.asyncio.clone();
    let httpx = backend.client.is_some();
    if !httpx && ctx.settings.target < PyVersion(9) {
        return Err(format!(
            "the requests would run through asyncio.to_thread, which needs Python 3.9, and the \
             target is {}",
            ctx.settings.target
        ));
    }
    // A thread pool made in view keeps its max_workers; the default executor's hidden cap gives
    // way to --max-concurrency.
    let pool = hop
        .executor
        .filter(|e| e.kind() == "identifier")
        .and_then(|e| sem.origin(e))
        .filter(|b| b.kind == crate::semantic::BindingKind::Assignment)
        .and_then(|b| b.node.child_by_field_name("right"))
        .filter(|r| r.kind() == "call");
    let mut module_statements = Vec::new();
    let (limit, limit_note) = match pool {
        Some(pool) => pool_limit(ctx, pool, at, &mut module_statements),
        None => {
            let (name, statements) = ctx.limit_constant(at);
            module_statements.extend(statements);
            (name, "the executor capped this implicitly".to_string())
        }
    };
    module_statements.extend(backend.module_statements.iter().cloned());
    let limit_shown = limit.clone();
    let client_name = sem.fresh_name("_client");
    let client = backend
        .client
        .as_ref()
        .map(|(r, timeout)| (r.clone(), timeout.clone(), client_name.clone()));
    let params: Vec<String> = (0..hop.args.len())
        .map(|i| sem.fresh_name(&format!("_item{i}")))
        .collect();
    // A worker written inside the comprehension (`partial(requests.get, f".../{i}")`) reads its
    // variables: the helper takes them as parameters of the same names.
    let captured = loop_variables_read(ctx, fan_out.comprehension, hop);
    let args = captured
        .iter()
        .cloned()
        .chain(params.iter().cloned())
        .collect::<Vec<_>>()
        .join(", ");
    let mut edits = Vec::new();
    let call = match (worker, httpx) {
        (_, false) => {
            let mut all = vec![ctx.text(hop.worker).to_string()];
            all.extend(params.iter().cloned());
            all.extend(hop.keywords.iter().map(|k| ctx.text(*k).to_string()));
            format!("{asyncio}.to_thread({})", all.join(", "))
        }
        (
            Worker::Call {
                verb,
                fixed,
                keywords,
            },
            true,
        ) => {
            let mut all = fixed.clone();
            all.extend(params.iter().cloned());
            all.extend(keywords.iter().cloned());
            all.extend(extra.iter().cloned());
            format!("{client_name}.{verb}({})", all.join(", "))
        }
        (
            Worker::Function {
                def,
                name,
                receiver,
                fixed,
                keywords,
                ..
            },
            true,
        ) => {
            let (twin, text) = twin_of(ctx, *def, name)?;
            edits.extend(text.as_deref().map(|t| twin_after(ctx, *def, t)));
            let mut all = vec![client_name.clone()];
            all.extend(fixed.iter().cloned());
            all.extend(params.iter().cloned());
            all.extend(keywords.iter().cloned());
            let reference = receiver.map_or(twin.clone(), |r| format!("{r}.{twin}"));
            format!("{reference}({})", all.join(", "))
        }
        _ => unreachable!("refused before"),
    };
    if matches!((worker, httpx), (Worker::Call { verb, .. }, true) if verb == "request" && hop.args.len() < 2)
        || (matches!(worker, Worker::Call { .. })
            && httpx
            && hop.args.len() > 1
            && !matches!(worker, Worker::Call { verb, .. } if verb == "request"))
    {
        return Err("requests' positional parameters after the URL are keywords in httpx".into());
    }
    let mut cursor = fan_out.comprehension.walk();
    let clauses: Vec<&str> = fan_out
        .comprehension
        .named_children(&mut cursor)
        .filter(|c| matches!(c.kind(), "for_in_clause" | "if_clause"))
        .map(|c| ctx.text(c))
        .collect();
    let spawn_args: Vec<&str> = captured
        .iter()
        .map(String::as_str)
        .chain(hop.args.iter().map(|a| ctx.text(*a)))
        .collect();
    let function =
        syntax::ancestor(fan_out.statement, "function_definition").ok_or("not in a function")?;
    let unit = function
        .child_by_field_name("body")
        .map_or_else(|| "    ".to_string(), |b| ctx.indent_unit(function, b));
    let indent = ctx.line_indent(at.start_byte()).to_string();
    let helper = sem.fresh_name("_one");
    let fan = BoundedFanOut {
        indent: indent.clone(),
        unit: unit.clone(),
        asyncio,
        limiter: sem.fresh_name("_limiter"),
        limit,
        limit_note,
        client,
        helper: helper.clone(),
        params: args,
        call,
        task_group: sem.fresh_name("_tg"),
        tasks: sem.fresh_name("_tasks"),
        spawn: format!("{helper}({})", spawn_args.join(", ")),
        clauses: clauses.join(" "),
    };
    let (mut block, inner) = fan.head();
    let taskgroup = ctx.settings.target >= PyVersion(11)
        && !matches!(fan_out.consumer, Consumer::Wait);
    // Where the rewritten part ends: a `for` loop keeps its body after its new header.
    let mut end = ctx.line_end(fan_out.statement.end_byte());
    let result = if taskgroup {
        block.push_str(&fan.task_group(&inner));
        let results = fan.results(&sem.fresh_name("_task"));
        match fan_out.consumer {
            Consumer::Assign(name) => format!("{indent}{name} = {results}\n"),
            Consumer::Return => format!("{indent}return {results}\n"),
            Consumer::For => {
                end = fan_out.awaited.end_byte();
                let header = &ctx.src[fan_out.statement.start_byte()..fan_out.awaited.start_byte()];
                format!("{indent}{header}{results}")
            }
            Consumer::Wait => unreachable!("no TaskGroup for asyncio.wait"),
        }
    } else {
        let gathered = fan.gathered();
        match fan_out.consumer {
            Consumer::Assign(name) => format!("{inner}{name} = {gathered}\n"),
            Consumer::Return => format!("{inner}return {gathered}\n"),
            Consumer::For => {
                let results = sem.fresh_name("_results");
                end = fan_out.awaited.end_byte();
                let header = &ctx.src[fan_out.statement.start_byte()..fan_out.awaited.start_byte()];
                format!("{inner}{results} = {gathered}\n{indent}{header}{results}")
            }
            Consumer::Wait => {
                // asyncio.wait takes the tasks; every one is done when it returns.
                let tasks = format!(
                    "[{}.create_task({}) {}]",
                    fan.asyncio, fan.spawn, fan.clauses
                );
                let local = vec![Edit::replace(fan_out.collection, tasks)];
                let lines = ctx.node_lines(fan_out.statement);
                let text = ctx.rewrite_range(lines.clone(), &local);
                reindent(&text, &indent, &inner)
            }
        }
    };
    block.push_str(&result);
    let start = ctx.line_start(at.start_byte());
    if let Some(list) = fan_out.list_statement {
        if list.next_named_sibling() != Some(fan_out.statement) {
            return Err("the list and the gather are apart".into());
        }
    }
    edits.push(Edit {
        range: start..end,
        text: block,
    });
    let mut changes = vec![
        format!("at most {limit_shown} requests run at once (the executor capped them implicitly)"),
        if taskgroup {
            "the first failure cancels the other requests and is raised inside an ExceptionGroup"
                .to_string()
        } else if matches!(fan_out.consumer, Consumer::Wait) {
            "asyncio.wait still waits for every request and raises nothing; each failure stays \
             in its task, as it stayed in its future"
                .to_string()
        } else {
            "gather still raises the first failure bare and leaves the other requests running"
                .to_string()
        },
    ];
    if httpx {
        changes.push(format!(
            "requests gives way to one httpx.AsyncClient: redirects are still followed, every \
             request has an explicit {} s timeout, exceptions are httpx's, and httpx becomes a dependency",
            crate::rule::seconds(ctx.settings.timeout)
        ));
    }
    Ok((
        Fix {
            edits,
            imports: backend.imports(),
            module_statements,
            changes,
        },
        httpx,
    ))
}

/// The comprehension's loop variables that the worker and its keywords read, when the worker is
/// written inside the comprehension, in the order they are bound.
fn loop_variables_read<'t>(ctx: &Context<'_, 't>, comprehension: Node<'t>, hop: &Hop<'t>) -> Vec<String> {
    let inside = comprehension.byte_range();
    if !inside.contains(&hop.worker.start_byte()) {
        return Vec::new();
    }
    let mut bound = Vec::new();
    let mut cursor = comprehension.walk();
    for clause in comprehension.named_children(&mut cursor) {
        if clause.kind() == "for_in_clause" {
            if let Some(left) = clause.child_by_field_name("left") {
                identifiers_in(left, &mut |n| {
                    // `for i in xs for i in ys`: one parameter, bound to the value in use.
                    if !bound.contains(&ctx.text(n)) {
                        bound.push(ctx.text(n));
                    }
                });
            }
        }
    }
    let mut read: Vec<&str> = Vec::new();
    for node in std::iter::once(hop.worker).chain(hop.keywords.iter().copied()) {
        identifiers_in(node, &mut |n| {
            let name = ctx.text(n);
            if bound.contains(&name) && !read.contains(&name) {
                read.push(name);
            }
        });
    }
    bound
        .into_iter()
        .filter(|b| read.contains(b))
        .map(str::to_string)
        .collect()
}

/// Visits every identifier under `node`, nested scopes included.
fn identifiers_in<'t>(node: Node<'t>, visit: &mut impl FnMut(Node<'t>)) {
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        if n.kind() == "identifier" {
            visit(n);
        }
        let mut cursor = n.walk();
        stack.extend(n.children(&mut cursor));
    }
}

