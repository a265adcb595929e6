//! `threadpool-network-io` (CONC201): `with ThreadPoolExecutor(...) as ex: ... ex.map(fn, items)`
//! where `fn` is network I/O becomes a bounded `asyncio.TaskGroup` over one `httpx.AsyncClient`
//! (or, with `--http-client to-thread`, over `asyncio.to_thread`), following catalog shape T1 and
//! the synchronous-caller policy T5.

use tree_sitter::Node;

use crate::http::{pool_caller, replace_pool, twin_after, twin_of, 
    classify_worker, executor_blocks, pool_limit,
    Backend, BoundedFanOut, Worker,
};
use crate::rule::{Context, Edit, Finding, Fix, LazyQuery, Reads, Rule, reindent};
use crate::settings::{HttpClient, PyVersion};
use crate::syntax;

pub static RULE: Rule = Rule {
    id: "threadpool-network-io",
    code: "CONC201",
    summary: "thread pool mapping network I/O: move it to a bounded asyncio.TaskGroup",
    opt_in: None,
    doc: include_str!("doc.md"),
    triggers: &["ThreadPoolExecutor", "ProcessPoolExecutor"],
    // Every finding moves or refuses a worker doing requests calls, which needs an import of
    // requests.
    requires: &["requests"],
    reads: Reads::Everything,
    check,
};

static QUERY: LazyQuery = LazyQuery::new(include_str!("query.scm"));

fn check(ctx: &Context) -> Vec<Finding> {
    let mut findings = Vec::new();
    for block in executor_blocks(ctx, &QUERY) {
        let process = match block.class.as_deref() {
            Some("concurrent.futures.ThreadPoolExecutor") => false,
            Some("concurrent.futures.ProcessPoolExecutor") => true,
            _ => continue,
        };
        if let Some(finding) = judge(
            ctx,
            block.with,
            block.executor,
            block.pool,
            block.body,
            process,
        ) {
            findings.push(finding);
        }
    }
    findings
}

/// How the `map` results are consumed: the one statement of the `with` body.
enum Consumer<'t> {
    /// `name = list(ex.map(...))`
    Assign(&'t str),
    /// `return list(ex.map(...))`
    Return,
    /// `for name in ex.map(...): body`
    Stream { target: &'t str, body: Node<'t> },
}

struct MapCall<'t> {
    worker: Node<'t>,
    iterables: Vec<Node<'t>>,
    consumer: Consumer<'t>,
}

fn judge<'t>(
    ctx: &Context<'_, 't>,
    with: Node<'t>,
    executor: Node<'t>,
    pool: &str,
    body: Node<'t>,
    process: bool,
) -> Option<Finding> {
    let report = |message: String| {
        Some(Finding {
            rule: &RULE,
            range: with.start_byte()..body.start_byte(),
            message,
            fix: None,
        })
    };
    let map_call = find_map_call(ctx, pool, body)?;
    let (worker_node, iterables) = map_arguments(ctx, map_call);
    let worker_node = worker_node?;
    let shown = ctx.text(worker_node);
    let what = format!("the thread pool maps network I/O (`{shown}`)");
    let worker = match classify_worker(ctx, worker_node) {
        // CPU work, or nothing corral can see: a thread pool that is none of its business.
        Worker::NotNetwork => return None,
        Worker::Refused(why) => return report(format!("{what}, but corral leaves it: {why}")),
        w => w,
    };
    if process {
        return report(format!(
            "a ProcessPoolExecutor maps network I/O (`{shown}`); corral does not move process pools"
        ));
    }
    let map = match consumer(ctx, body, map_call).and_then(|c| iterables.map(|i| (c, i))) {
        Ok((consumer, iterables)) => MapCall {
            worker: worker_node,
            iterables,
            consumer,
        },
        Err(why) => return report(format!("{what}, but {why}")),
    };
    if let Worker::Call { verb, .. } = &worker {
        let expected = if verb == "request" { 2 } else { 1 };
        if map.iterables.len() != expected {
            return report(format!(
                "{what} over {} iterables: requests' positional parameters after the URL are \
                 keywords in httpx, so corral leaves it",
                map.iterables.len()
            ));
        }
    }
    if let Consumer::Stream { body, .. } = &map.consumer {
        if syntax::contains_kind(*body, "break_statement")
            || syntax::contains_kind(*body, "return_statement")
        {
            return report(format!(
                "{what} and the loop over its results stops early (break or return): a TaskGroup \
                 has already started every item, so corral leaves it"
            ));
        }
        if ctx.settings.target < PyVersion(11) {
            return report(format!(
                "{what} and streams its results; streaming needs asyncio.TaskGroup (3.11+), and \
                 the target is {}",
                ctx.settings.target
            ));
        }
    }
    let (function, shim) = match pool_caller(ctx, with) {
        Ok(found) => found,
        Err(why) => return report(format!("{what}{why}")),
    };
    match rewrite(ctx, with, executor, function, &map, worker, shim) {
        Ok((fix, client)) => Some(Finding {
            rule: &RULE,
            range: with.start_byte()..body.start_byte(),
            message: format!("{what}; move it to a bounded asyncio.TaskGroup over {client}"),
            fix: Some(fix),
        }),
        Err(why) => report(format!("{what}, but {why}")),
    }
}

/// The first `<pool>.map(...)` call in the `with` body.
fn find_map_call<'t>(ctx: &Context<'_, 't>, pool: &str, body: Node<'t>) -> Option<Node<'t>> {
    let mut stack = vec![body];
    let mut found: Option<Node> = None;
    while let Some(node) = stack.pop() {
        if node.kind() == "call" {
            let is_map = node.child_by_field_name("function").is_some_and(|callee| {
                callee.kind() == "attribute"
                    && callee
                        .child_by_field_name("object")
                        .is_some_and(|o| ctx.text(o) == pool)
                    && callee
                        .child_by_field_name("attribute")
                        .is_some_and(|a| ctx.text(a) == "map")
            });
            if is_map && found.is_none_or(|f| node.start_byte() < f.start_byte()) {
                found = Some(node);
            }
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    found
}

/// The callable of `ex.map(fn, *iterables)`, and its iterables or why they cannot be moved.
fn map_arguments<'t>(
    ctx: &Context<'_, 't>,
    map: Node<'t>,
) -> (Option<Node<'t>>, Result<Vec<Node<'t>>, String>) {
    let Some(args) = map.child_by_field_name("arguments") else {
        return (None, Err("its map has no arguments".into()));
    };
    let mut cursor = args.walk();
    let items: Vec<Node> = args
        .named_children(&mut cursor)
        .filter(|a| a.kind() != "comment")
        .collect();
    let worker = items
        .first()
        .copied()
        .filter(|w| w.kind() != "keyword_argument");
    let mut iterables = Vec::new();
    for item in items.iter().skip(1) {
        match item.kind() {
            "keyword_argument" => {
                let name = item.child_by_field_name("name").map(|n| ctx.text(n));
                if name != Some("chunksize") {
                    return (
                        worker,
                        Err(format!(
                            "its map passes `{}`, which corral does not move",
                            ctx.text(*item)
                        )),
                    );
                }
            }
            "list_splat" | "dictionary_splat" => {
                return (worker, Err("its map unpacks arguments with * or **".into()))
            }
            _ => iterables.push(*item),
        }
    }
    if iterables.is_empty() {
        return (worker, Err("its map has no iterable".into()));
    }
    (worker, Ok(iterables))
}

/// How the `with` body consumes the map: it must be the body's one statement.
fn consumer<'t>(
    ctx: &Context<'_, 't>,
    body: Node<'t>,
    map: Node<'t>,
) -> Result<Consumer<'t>, String> {
    let mut cursor = body.walk();
    let statements: Vec<Node> = body
        .named_children(&mut cursor)
        .filter(|s| s.kind() != "comment")
        .collect();
    let unsupported = || {
        "its results are used in a shape corral does not move (it moves `x = list(ex.map(...))`, \
         `return list(ex.map(...))` and `for x in ex.map(...):` as the pool's only statement)"
            .to_string()
    };
    let [statement] = statements.as_slice() else {
        return Err(unsupported());
    };
    let is_list_of_map = |expr: Node| {
        expr.kind() == "call"
            && expr
                .child_by_field_name("function")
                .is_some_and(|f| ctx.text(f) == "list" && ctx.semantic.lookup("list", f).is_none())
            && expr
                .child_by_field_name("arguments")
                .and_then(|a| a.named_child(0))
                .is_some_and(|inner| inner == map)
            && expr
                .child_by_field_name("arguments")
                .is_some_and(|a| a.named_child_count() == 1)
    };
    match statement.kind() {
        "return_statement" if statement.named_child(0).is_some_and(is_list_of_map) => {
            Ok(Consumer::Return)
        }
        "expression_statement" => {
            let assignment = statement
                .named_child(0)
                .filter(|a| a.kind() == "assignment")
                .ok_or_else(unsupported)?;
            let target = assignment
                .child_by_field_name("left")
                .filter(|l| l.kind() == "identifier")
                .ok_or_else(unsupported)?;
            let value = assignment
                .child_by_field_name("right")
                .ok_or_else(unsupported)?;
            if is_list_of_map(value) {
                Ok(Consumer::Assign(ctx.text(target)))
            } else {
                Err(unsupported())
            }
        }
        "for_statement" if statement.child_by_field_name("right") == Some(map) => {
            let target = statement
                .child_by_field_name("left")
                .filter(|l| l.kind() == "identifier")
                .ok_or_else(unsupported)?;
            let body = statement
                .child_by_field_name("body")
                .ok_or_else(unsupported)?;
            if statement.child_by_field_name("alternative").is_some() {
                return Err(unsupported());
            }
            Ok(Consumer::Stream {
                target: ctx.text(target),
                body,
            })
        }
        _ => Err(unsupported()),
    }
}

/// The rewrite and the name of the client it uses.
fn rewrite<'t>(
    ctx: &Context<'_, 't>,
    with: Node<'t>,
    executor: Node<'t>,
    function: Node<'t>,
    map: &MapCall<'t>,
    worker: Worker<'t>,
    shim: Option<String>,
) -> Result<(Fix, &'static str), String> {
    let sem = ctx.semantic;
    let target = ctx.settings.target;
    let httpx = ctx.settings.http_client != HttpClient::ToThread;
    let backend = Backend::new(ctx, with)?;
    let asyncio = backend.asyncio.clone();
    let mut module_statements = backend.module_statements.clone();
    let (limit, limit_note) = pool_limit(ctx, executor, with, &mut module_statements);

    let limiter = sem.fresh_name("_limiter");
    let one = sem.fresh_name("_one");
    let tasks = sem.fresh_name("_tasks");
    let tg = sem.fresh_name("_tg");
    let client = sem.fresh_name("_client");
    let task = sem.fresh_name("_task");
    let params: Vec<String> = (0..map.iterables.len())
        .map(|i| sem.fresh_name(&format!("_item{i}")))
        .collect();
    let args = params.join(", ");

    let mut edits = Vec::new();
    let mut changes = Vec::new();
    let call = match (&worker, httpx) {
        (_, false) => format!("{asyncio}.to_thread({}, {args})", ctx.text(map.worker)),
        (Worker::Call { verb, keywords }, true) => {
            let mut all = vec![args.clone()];
            all.extend(keywords.iter().cloned());
            format!("{client}.{verb}({})", all.join(", "))
        }
        (Worker::Function { def, name }, true) => {
            let (twin, text) = twin_of(ctx, *def, name)?;
            let others = references(ctx, name, *def, map.worker);
            if others {
                edits.extend(text.as_deref().map(|t| twin_after(ctx, *def, t)));
                changes.push(format!(
                    "`{name}` stays for its other callers; `{twin}` is its async twin"
                ));
            } else {
                edits.push(Edit::replace(*def, text.unwrap_or_default()));
                changes.push(format!(
                    "`{name}` becomes its async twin `{twin}`: nothing else calls it"
                ));
            }
            format!("{twin}({client}, {args})")
        }
        (_, true) => unreachable!("classified workers only"),
    };

    let indent = ctx.line_indent(with.start_byte()).to_string();
    let unit = function
        .child_by_field_name("body")
        .map_or_else(|| "    ".to_string(), |b| ctx.indent_unit(function, b));
    let (each, source) = if map.iterables.len() == 1 {
        (params[0].clone(), ctx.text(map.iterables[0]).to_string())
    } else {
        let zipped: Vec<&str> = map.iterables.iter().map(|i| ctx.text(*i)).collect();
        (format!("({args})"), format!("zip({})", zipped.join(", ")))
    };
    let fan_out = BoundedFanOut {
        indent: indent.clone(),
        unit: unit.clone(),
        asyncio: asyncio.clone(),
        limiter,
        limit,
        limit_note,
        client: backend
            .client
            .as_ref()
            .map(|(r, timeout)| (r.clone(), timeout.clone(), client.clone())),
        helper: one.clone(),
        params: args.clone(),
        call,
        task_group: tg,
        tasks,
        spawn: format!("{one}({args})"),
        clauses: format!("for {each} in {source}"),
    };
    let (mut block, inner) = fan_out.head();
    let results = fan_out.results(&task);
    if target >= PyVersion(11) {
        block.push_str(&fan_out.task_group(&inner));
        match &map.consumer {
            Consumer::Assign(name) => block.push_str(&format!("{indent}{name} = {results}\n")),
            Consumer::Return => block.push_str(&format!("{indent}return {results}\n")),
            Consumer::Stream { target: name, body } => {
                block.push_str(&format!("{inner}{unit}for {task} in {}:\n", fan_out.tasks));
                block.push_str(&format!("{inner}{unit}{unit}{name} = await {task}\n"));
                let lines = ctx.block_lines(*body);
                block.push_str(&reindent(
                    &ctx.src[lines],
                    ctx.line_indent(body.start_byte()),
                    &format!("{inner}{unit}{unit}"),
                ));
            }
        }
    } else {
        let gathered = fan_out.gathered();
        match &map.consumer {
            Consumer::Assign(name) => block.push_str(&format!("{inner}{name} = {gathered}\n")),
            Consumer::Return => block.push_str(&format!("{inner}return {gathered}\n")),
            Consumer::Stream { .. } => unreachable!("refused before"),
        }
    }
    let (pool_edits, shim_change) =
        replace_pool(ctx, with, block, function, shim.as_deref(), &asyncio, &unit)?;
    edits.extend(pool_edits);
    changes.extend(shim_change);

    changes.push(
        "the first failure cancels the other requests and is raised inside an ExceptionGroup \
         (ex.map raised it bare, in input order)"
            .to_string(),
    );
    if httpx {
        changes.push(format!(
            "requests gives way to httpx: redirects are still followed, every request has an \
             explicit {} s timeout where requests had none, and exceptions are httpx's",
            crate::rule::seconds(ctx.settings.timeout)
        ));
        changes.push("httpx becomes a runtime dependency".to_string());
    } else {
        changes.push(
            "requests stays; each call runs through asyncio.to_thread in the bounded TaskGroup"
                .to_string(),
        );
    }
    Ok((
        Fix {
            edits,
            imports: backend.imports(),
            module_statements,
            changes,
        },
        if httpx {
            "one httpx.AsyncClient"
        } else {
            "asyncio.to_thread"
        },
    ))
}

/// Whether `name` is referenced anywhere but in its own definition and the map argument.
fn references<'t>(
    ctx: &Context<'_, 't>,
    name: &str,
    def: Node<'t>,
    map_argument: Node<'t>,
) -> bool {
    let mut stack = vec![ctx.semantic.root()];
    while let Some(node) = stack.pop() {
        if node.kind() == "identifier"
            && ctx.text(node) == name
            && !def.byte_range().contains(&node.start_byte())
            && node != map_argument
        {
            return true;
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    false
}
