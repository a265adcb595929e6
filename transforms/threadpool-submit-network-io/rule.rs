//! `threadpool-submit-network-io` (CONC202): `ex.submit(fn, x)` for each item, then
//! `for fut in as_completed(futures):`, where `fn` is network I/O, becomes one coroutine per item
//! running the loop's body under a semaphore, in an `asyncio.TaskGroup` over one
//! `httpx.AsyncClient` (catalog shape T2).

use tree_sitter::Node;

use crate::http::{pool_caller, replace_pool, twin_after, twin_of, 
    classify_worker, executor_blocks, map_exception, map_keywords,
    pool_limit, Backend, Worker,
};
use crate::rule::{Context, Edit, Finding, Fix, LazyQuery, Reads, Rule, reindent};
use crate::settings::{HttpClient, PyVersion};
use crate::syntax;

pub static RULE: Rule = Rule {
    id: "threadpool-submit-network-io",
    code: "CONC202",
    summary: "thread pool submit + as_completed over network I/O: move it to a bounded TaskGroup",
    opt_in: None,
    doc: include_str!("doc.md"),
    triggers: &["as_completed"],
    // Every finding moves or refuses a worker doing requests calls, which needs an import of
    // requests.
    requires: &["requests"],
    reads: Reads::Everything,
    check,
};

static QUERY: LazyQuery = LazyQuery::new(include_str!("query.scm"));

fn check(ctx: &Context) -> Vec<Finding> {
    executor_blocks(ctx, &QUERY)
        .into_iter()
        .filter(|b| b.class.as_deref() == Some("concurrent.futures.ThreadPoolExecutor"))
        .filter_map(|b| judge(ctx, b.with, b.executor, b.pool, b.body))
        .collect()
}

/// `futures = {ex.submit(fn, x): x for x in items}` (or a list) and the loop over
/// `as_completed(futures)`.
struct Shape<'t> {
    submit: Node<'t>,
    comprehension: Node<'t>,
    futures: &'t str,
    future: &'t str,
    loop_body: Node<'t>,
}

fn judge<'t>(
    ctx: &Context<'_, 't>,
    with: Node<'t>,
    executor: Node<'t>,
    pool: &str,
    body: Node<'t>,
) -> Option<Finding> {
    let range = with.start_byte()..body.start_byte();
    let report = |message: String| {
        Some(Finding {
            rule: &RULE,
            range: range.clone(),
            message,
            fix: None,
        })
    };
    let shape = match shape(ctx, pool, body) {
        Some(Ok(shape)) => shape,
        Some(Err(why)) => return unsupported(ctx, pool, body, &why).and_then(report),
        None => {
            let why = "the futures are not built as `{ex.submit(fn, x): x for x in items}` or a \
                       list of them and handled in a loop over `as_completed(futures)`, the shape \
                       corral moves";
            return unsupported(ctx, pool, body, why).and_then(report);
        }
    };
    let args = shape.submit.child_by_field_name("arguments")?;
    let mut cursor = args.walk();
    let items: Vec<Node> = args
        .named_children(&mut cursor)
        .filter(|a| a.kind() != "comment")
        .collect();
    let (worker_node, rest) = items.split_first()?;
    let shown = ctx.text(*worker_node);
    let what =
        format!("the thread pool submits network I/O (`{shown}`) and waits with as_completed");
    let worker = match classify_worker(ctx, *worker_node) {
        Worker::NotNetwork => return None,
        Worker::Refused(why) => return report(format!("{what}, but corral leaves it: {why}")),
        w => w,
    };
    let (positional, keywords): (Vec<Node>, Vec<Node>) = rest
        .iter()
        .copied()
        .partition(|a| a.kind() != "keyword_argument");
    if let Err(why) = loop_is_movable(ctx, &shape, with) {
        return report(format!("{what}, but {why}"));
    }
    let (function, shim) = match pool_caller(ctx, with) {
        Ok(found) => found,
        Err(why) => return report(format!("{what}{why}")),
    };
    match rewrite(
        ctx,
        with,
        executor,
        function,
        &shape,
        &worker,
        &positional,
        &keywords,
        shim,
    ) {
        Ok(fix) => Some(Finding {
            rule: &RULE,
            range,
            message: format!("{what}; run each item's handling in a bounded asyncio.TaskGroup"),
            fix: Some(fix),
        }),
        Err(why) => report(format!("{what}, but {why}")),
    }
}

/// For a block that submits network I/O in a shape corral does not move: the message saying so.
/// A pool that submits anything else is none of corral's business, and gets none.
fn unsupported<'t>(ctx: &Context<'_, 't>, pool: &str, body: Node<'t>, why: &str) -> Option<String> {
    let mut stack = vec![body];
    while let Some(node) = stack.pop() {
        if node.kind() == "call" {
            let is_submit = node.child_by_field_name("function").is_some_and(|f| {
                f.kind() == "attribute"
                    && f.child_by_field_name("object")
                        .is_some_and(|o| ctx.text(o) == pool)
                    && f.child_by_field_name("attribute")
                        .is_some_and(|a| ctx.text(a) == "submit")
            });
            let worker = node
                .child_by_field_name("arguments")
                .and_then(|a| a.named_child(0));
            if let Some(worker) = worker.filter(|_| is_submit) {
                if !matches!(classify_worker(ctx, worker), Worker::NotNetwork) {
                    return Some(format!(
                        "the thread pool submits network I/O (`{}`), but {why}",
                        ctx.text(worker)
                    ));
                }
            }
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    None
}

fn shape<'t>(
    ctx: &Context<'_, 't>,
    pool: &str,
    body: Node<'t>,
) -> Option<Result<Shape<'t>, String>> {
    let mut cursor = body.walk();
    let statements: Vec<Node> = body
        .named_children(&mut cursor)
        .filter(|s| s.kind() != "comment")
        .collect();
    let [build, loop_] = statements.as_slice() else {
        return None;
    };
    let assignment = build.named_child(0).filter(|a| a.kind() == "assignment")?;
    let futures = assignment
        .child_by_field_name("left")
        .filter(|l| l.kind() == "identifier")?;
    let comprehension = assignment
        .child_by_field_name("right")
        .filter(|r| matches!(r.kind(), "dictionary_comprehension" | "list_comprehension"))?;
    let element = comprehension.child_by_field_name("body")?;
    let submit = match element.kind() {
        "pair" => element.child_by_field_name("key")?,
        _ => element,
    };
    let is_submit = submit.kind() == "call"
        && submit.child_by_field_name("function").is_some_and(|f| {
            f.kind() == "attribute"
                && f.child_by_field_name("object")
                    .is_some_and(|o| ctx.text(o) == pool)
                && f.child_by_field_name("attribute")
                    .is_some_and(|a| ctx.text(a) == "submit")
        });
    if !is_submit {
        return None;
    }
    if loop_.kind() != "for_statement" || loop_.child_by_field_name("alternative").is_some() {
        return Some(Err(
            "the loop over the futures is not a plain for loop".into()
        ));
    }
    let iterable = loop_.child_by_field_name("right")?;
    let waits = iterable.kind() == "call"
        && iterable
            .child_by_field_name("function")
            .and_then(|f| ctx.semantic.qualified_name(f))
            .is_some_and(|q| q == "concurrent.futures.as_completed")
        && iterable.child_by_field_name("arguments").is_some_and(|a| {
            a.named_child_count() == 1
                && a.named_child(0)
                    .is_some_and(|n| ctx.text(n) == ctx.text(futures))
        });
    if !waits {
        return None;
    }
    let future = loop_
        .child_by_field_name("left")
        .filter(|l| l.kind() == "identifier")?;
    Some(Ok(Shape {
        submit,
        comprehension,
        futures: ctx.text(futures),
        future: ctx.text(future),
        loop_body: loop_.child_by_field_name("body")?,
    }))
}

/// The loop body can become a coroutine per item: no early exit, no rebinding of outer names,
/// and the future is used only as `fut.result()` and `futures[fut]`.
fn loop_is_movable<'t>(
    ctx: &Context<'_, 't>,
    shape: &Shape<'t>,
    with: Node<'t>,
) -> Result<(), String> {
    let body = shape.loop_body;
    for (kind, said) in [
        ("return_statement", "return"),
        ("yield", "yield"),
        ("await", "await"),
    ] {
        if syntax::contains_kind(body, kind) {
            return Err(format!(
                "the loop's body uses `{said}`, which cannot move into a task"
            ));
        }
    }    // `continue` of this loop becomes `return` in the task; its `break` has no equivalent.
    if own_loop_statements(body, "break_statement").next().is_some() {
        return Err("the loop's body uses `break`, which cannot move into a task".into());
    }

    let mut stack = vec![body];
    while let Some(node) = stack.pop() {
        match node.kind() {
            "identifier" if ctx.text(node) == shape.future => {
                let parent = node.parent();
                let as_result = parent.filter(|p| p.kind() == "attribute").is_some_and(|p| {
                    p.child_by_field_name("attribute")
                        .is_some_and(|a| ctx.text(a) == "result")
                        && p.parent().is_some_and(|c| {
                            c.kind() == "call"
                                && c.child_by_field_name("arguments")
                                    .is_some_and(|a| a.named_child_count() == 0)
                        })
                });
                let as_key = parent.filter(|p| p.kind() == "subscript").is_some_and(|p| {
                    p.child_by_field_name("value")
                        .is_some_and(|v| ctx.text(v) == shape.futures)
                });
                if as_result && ctx.settings.http_client != crate::settings::HttpClient::ToThread {
                    // `fut.result().<attr>`: the response's API must mean the same in httpx.
                    let attr = parent
                        .and_then(|p| p.parent())
                        .and_then(|c| c.parent())
                        .filter(|a| a.kind() == "attribute")
                        .and_then(|a| a.child_by_field_name("attribute"))
                        .map(|a| ctx.text(a));
                    if let Some(attr) = attr.filter(|a| !crate::http::SAME_RESPONSE_API.contains(a))
                    {
                        return Err(format!(
                            "the loop uses the response's `.{attr}`, which httpx does not offer the same way"
                        ));
                    }
                }
                if !as_result && !as_key {
                    return Err(format!(
                        "the loop uses `{}` other than as `.result()` or a key of `{}`",
                        shape.future, shape.futures
                    ));
                }
            }
            "augmented_assignment" => {
                return Err("the loop's body rebinds a name with an augmented assignment, which a task would need nonlocal for".into());
            }
            "except_clause" => {
                for t in syntax::except_types(node).unwrap_or_default() {
                    map_exception(ctx, t).map_err(|why| format!("the loop's handler {why}"))?;
                }
            }
            _ => {}
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    // Names the body assigns must not be read after the pool's block: they become task locals.
    let function = syntax::ancestor(with, "function_definition").ok_or("not in a function")?;
    let mut assigned = Vec::new();
    let mut stack = vec![body];
    while let Some(node) = stack.pop() {
        if node.kind() == "assignment" {
            if let Some(left) = node
                .child_by_field_name("left")
                .filter(|l| l.kind() == "identifier")
            {
                assigned.push(ctx.text(left));
            }
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    let mut stack = vec![function];
    while let Some(node) = stack.pop() {
        if node.kind() == "identifier"
            && node.start_byte() >= with.end_byte()
            && assigned.contains(&ctx.text(node))
            && is_variable(node)
        {
            return Err(format!(
                "`{}` is set in the loop and read after it",
                ctx.text(node)
            ));
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    let uses = {
        let mut count = 0;
        let mut stack = vec![function];
        while let Some(node) = stack.pop() {
            if node.kind() == "identifier" && ctx.text(node) == shape.futures && is_variable(node) {
                count += 1;
            }
            let mut cursor = node.walk();
            stack.extend(node.named_children(&mut cursor));
        }
        count
    };
    let keys = ctx
        .text(body)
        .matches(&format!("{}[", shape.futures))
        .count();
    if uses != 2 + keys {
        return Err(format!(
            "`{}` is used outside the pool's block",
            shape.futures
        ));
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn rewrite<'t>(
    ctx: &Context<'_, 't>,
    with: Node<'t>,
    executor: Node<'t>,
    function: Node<'t>,
    shape: &Shape<'t>,
    worker: &Worker<'t>,
    positional: &[Node<'t>],
    keywords: &[Node<'t>],
    shim: Option<String>,
) -> Result<Fix, String> {
    let sem = ctx.semantic;
    let httpx = ctx.settings.http_client != HttpClient::ToThread;
    let backend = Backend::new(ctx, with)?;
    let asyncio = backend.asyncio.clone();
    let mut module_statements = backend.module_statements.clone();
    let client = sem.fresh_name("_client");
    let client_ref = backend.client.clone();
    let (limit, note) = pool_limit(ctx, executor, with, &mut module_statements);

    // The item: the comprehension's loop variable(s), passed to each task.
    let mut cursor = shape.comprehension.walk();
    let clauses: Vec<Node> = shape
        .comprehension
        .named_children(&mut cursor)
        .filter(|c| matches!(c.kind(), "for_in_clause" | "if_clause"))
        .collect();
    let [for_clause, filters @ ..] = clauses.as_slice() else {
        return Err("the futures are built over more than one loop".into());
    };
    if for_clause.kind() != "for_in_clause" || !filters.is_empty() {
        return Err("the futures are built over a filtered or nested loop".into());
    }
    let item = for_clause
        .child_by_field_name("left")
        .ok_or("no loop variable")?;
    let items = for_clause
        .child_by_field_name("right")
        .ok_or("no iterable")?;
    let item_text = ctx.text(item);
    let key = match shape
        .comprehension
        .child_by_field_name("body")
        .map(|b| b.kind())
    {
        Some("pair") => shape
            .comprehension
            .child_by_field_name("body")
            .and_then(|b| b.child_by_field_name("value"))
            .map(|v| ctx.text(v)),
        _ => None,
    };

    let mut edits = Vec::new();
    let args: Vec<&str> = positional.iter().map(|a| ctx.text(*a)).collect();
    let awaited = match (worker, httpx) {
        (_, false) => {
            let mut all = vec![ctx
                .text(
                    shape
                        .submit
                        .child_by_field_name("arguments")
                        .and_then(|a| a.named_child(0))
                        .ok_or("no callable")?,
                )
                .to_string()];
            all.extend(args.iter().map(|a| a.to_string()));
            all.extend(keywords.iter().map(|k| ctx.text(*k).to_string()));
            format!("{asyncio}.to_thread({})", all.join(", "))
        }
        (
            Worker::Call {
                verb,
                keywords: fixed,
            },
            true,
        ) => {
            if (verb == "request" && args.len() != 2) || (verb != "request" && args.len() != 1) {
                return Err(
                    "requests' positional parameters after the URL are keywords in httpx".into(),
                );
            }
            let mut all: Vec<String> = args.iter().map(|a| a.to_string()).collect();
            all.extend(fixed.iter().cloned());
            all.extend(map_keywords(ctx, verb, keywords)?);
            format!("{client}.{verb}({})", all.join(", "))
        }
        (Worker::Function { def, name }, true) => {
            if !keywords.is_empty() {
                return Err(
                    "its submit passes keywords to a function, which corral does not remap".into(),
                );
            }
            let (twin, text) = twin_of(ctx, *def, name)?;
            edits.extend(text.as_deref().map(|t| twin_after(ctx, *def, t)));
            let mut all = vec![client.clone()];
            all.extend(args.iter().map(|a| a.to_string()));
            format!("{twin}({})", all.join(", "))
        }
        _ => return Err("unreachable worker".into()),
    };

    // The loop body, re-indented into the per-item coroutine, with the future's uses replaced.
    let indent = ctx.line_indent(with.start_byte()).to_string();
    let unit = function
        .child_by_field_name("body")
        .map_or_else(|| "    ".to_string(), |b| ctx.indent_unit(function, b));
    let inner = if client_ref.is_some() {
        format!("{indent}{unit}")
    } else {
        indent.clone()
    };
    let body_indent = format!("{inner}{unit}{unit}");
    let std::ops::Range { start, end } = ctx.block_lines(shape.loop_body);
    let mut local = Vec::new();
    let mut stack = vec![shape.loop_body];
    while let Some(node) = stack.pop() {
        match node.kind() {
            "call" => {
                let is_result = node.child_by_field_name("function").is_some_and(|f| {
                    f.kind() == "attribute"
                        && f.child_by_field_name("object")
                            .is_some_and(|o| ctx.text(o) == shape.future)
                        && f.child_by_field_name("attribute")
                            .is_some_and(|a| ctx.text(a) == "result")
                });
                if is_result {
                    let wrap = node.parent().is_some_and(|p| {
                        matches!(p.kind(), "attribute" | "subscript" | "call")
                            && p.child(0) == Some(node)
                    });
                    let text = if wrap {
                        format!("(await {awaited})")
                    } else {
                        format!("await {awaited}")
                    };
                    local.push(Edit::replace(node, text));
                    continue;
                }
            }
            "continue_statement" if owning_loop(node) == shape.loop_body.parent() => {
                local.push(Edit::replace(node, "return"));
                continue;
            }
            "subscript" => {
                let is_key = node
                    .child_by_field_name("value")
                    .is_some_and(|v| ctx.text(v) == shape.futures);
                if is_key {
                    local.push(Edit::replace(node, key.unwrap_or(item_text).to_string()));
                    continue;
                }
            }
            "except_clause" if httpx => {
                for t in syntax::except_types(node).unwrap_or_default() {
                    if let Ok(Some(mapped)) = map_exception(ctx, t) {
                        local.push(Edit::replace(t, mapped));
                    }
                }
            }
            _ => {}
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    let moved = ctx.rewrite_range(start..end, &local);
    let body_text = reindent(
        &moved,
        ctx.line_indent(shape.loop_body.start_byte()),
        &body_indent,
    );

    let limiter = sem.fresh_name("_limiter");
    let each = sem.fresh_name("_each");
    let tg = sem.fresh_name("_tg");
    let mut block = format!(
        "{indent}{limiter} = {}({limit})  # {note}\n",
        backend.semaphore
    );
    if let Some((client_ref, timeout)) = &client_ref {
        // A blank line before the nested `async def`, as ruff and black want it.
        block.push_str(&format!(
            "{indent}async with {client_ref}(follow_redirects=True, timeout={timeout}) as {client}:\n\n"
        ));
    } else {
        block.push('\n');
    }
    block.push_str(&format!(
        "{inner}async def {each}({item_text}):\n{inner}{unit}async with {limiter}:\n{body_text}\n"
    ));
    if ctx.settings.target >= PyVersion(11) {
        block.push_str(&format!(
            "{inner}async with {asyncio}.TaskGroup() as {tg}:\n"
        ));
        block.push_str(&format!(
            "{inner}{unit}for {item_text} in {}:\n{inner}{unit}{unit}{tg}.create_task({each}({item_text}))\n",
            ctx.text(items)
        ));
    } else {
        block.push_str(&format!(
            "{inner}await {asyncio}.gather(*[{each}({item_text}) for {item_text} in {}])\n",
            ctx.text(items)
        ));
    }
    let (pool_edits, shim_change) =
        replace_pool(ctx, with, block, function, shim.as_deref(), &asyncio, &unit)?;
    edits.extend(pool_edits);
    let mut changes: Vec<String> = shim_change.into_iter().collect();
    changes.push(
        "each item's handling runs as a task as its request completes, as as_completed did; an \
         exception the handling does not catch now cancels the other items and is raised inside \
         an ExceptionGroup"
            .to_string(),
    );
    if httpx {
        changes.push(format!(
            "requests gives way to one httpx.AsyncClient: redirects are still followed, every \
             request has an explicit {} s timeout, handlers name httpx's exceptions (exception \
             class names differ: ConnectionError is ConnectError), and httpx becomes a dependency",
            crate::rule::seconds(ctx.settings.timeout)
        ));
    }
    Ok(Fix {
        edits,
        imports: backend.imports(),
        module_statements,
        changes,
    })
}

/// Whether an identifier reads a variable, rather than naming an attribute or a keyword.
fn is_variable(node: Node) -> bool {
    node.parent().is_none_or(|p| {
        let field = match p.kind() {
            "attribute" => "attribute",
            "keyword_argument" => "name",
            _ => return true,
        };
        p.child_by_field_name(field) != Some(node)
    })
}

/// The nearest `for` or `while` statement around `node`.
fn owning_loop(node: Node) -> Option<Node> {
    let mut current = node.parent();
    while let Some(n) = current {
        if matches!(n.kind(), "for_statement" | "while_statement") {
            return Some(n);
        }
        current = n.parent();
    }
    None
}

/// Statements of `kind` in `body` that belong to the loop `body` is the block of.
fn own_loop_statements<'t>(body: Node<'t>, kind: &'static str) -> impl Iterator<Item = Node<'t>> {
    let mut found = Vec::new();
    let mut stack = vec![body];
    while let Some(node) = stack.pop() {
        if node.kind() == kind && owning_loop(node) == body.parent() {
            found.push(node);
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    found.into_iter()
}
