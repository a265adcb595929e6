//! `unbounded-gather` (CONC101): `asyncio.gather(*[...])` over data-dependent work gets a bound.
//!
//! Every awaitable the gather fans out over is wrapped in a deferred call, `_bounded(fn, *args)`,
//! that holds a permit of a semaphore created inside the running coroutine. Results, their order and
//! `return_exceptions` are untouched, because the gather call itself is kept.

use std::collections::BTreeMap;

use tree_sitter::Node;

use crate::network;
use crate::rule::{Context, Edit, Finding, Fix, LazyQuery, Reads, Rule};
use crate::semantic::BindingKind;
use crate::syntax;

pub static RULE: Rule = Rule {
    id: "unbounded-gather",
    code: "CONC101",
    summary: "asyncio.gather over a data-dependent number of awaitables, with no bound",
    opt_in: None,
    doc: include_str!("doc.md"),
    triggers: &["gather(", "gather as"],
    requires: &[],
    reads: Reads::Calls {
        functions: &["gather"],
        methods: &[],
        callees: true,
        callers: false,
        settled_by: &[],
    },
    check,
};

static QUERY: LazyQuery = LazyQuery::new(include_str!("query.scm"));

/// Iterables this small are a fixed set of calls, not fan-out (catalog: literal-small, K = 8).
const SMALL_LITERAL: usize = 8;

fn check(ctx: &Context) -> Vec<Finding> {
    let mut findings = Vec::new();
    // Gathers to rewrite, grouped by enclosing function: one limiter serves them all.
    let mut groups: BTreeMap<usize, Vec<Plan>> = BTreeMap::new();
    for m in QUERY.matches(ctx).iter() {
        let (Some(call), Some(callee), Some(splat)) =
            (m.get("call"), m.get("callee"), m.get("splat"))
        else {
            continue;
        };
        if ctx.semantic.qualified_name(callee).as_deref() != Some("asyncio.gather") {
            continue;
        }
        match analyse(ctx, call, splat) {
            Verdict::Leave => {}
            Verdict::Report(message) => findings.push(Finding {
                rule: &RULE,
                range: call.byte_range(),
                message,
                fix: None,
            }),
            Verdict::Rewrite(plan) => groups
                .entry(plan.function.start_byte())
                .or_default()
                .push(plan),
        }
    }
    for plans in groups.into_values() {
        findings.extend(rewrite_group(ctx, plans));
    }
    findings
}

enum Verdict<'t> {
    /// Not unbounded fan-out, or already bounded.
    Leave,
    /// Unbounded fan-out that cannot be rewritten faithfully; the message says why.
    Report(String),
    Rewrite(Plan<'t>),
}

struct Plan<'t> {
    gather: Node<'t>,
    function: Node<'t>,
    /// The calls to defer through the limiter.
    wraps: Vec<Node<'t>>,
    /// The callables `map` calls, to hand it `functools.partial(_bounded, fn)` instead.
    partials: Vec<Node<'t>>,
    /// The earliest point the limiter must precede: the gather, or where its list is built.
    first_use: usize,
    /// What the gather fans out over, for the message.
    over: String,
}

fn analyse<'t>(ctx: &Context<'_, 't>, gather: Node<'t>, splat: Node<'t>) -> Verdict<'t> {
    let sem = ctx.semantic;
    let Some((elements, first_use)) = fan_out(ctx, gather, splat) else {
        return Verdict::Leave;
    };
    // Only network fan-out over data is worth a bound: lifecycle fan-out (hooks, receivers,
    // plugins, entities) and local work are not (catalog §0).
    // `map(fn, xs)`: the callable stands for the calls `map` makes.
    let mapped = (splat.kind() == "call")
        .then(|| elements.first().copied())
        .flatten()
        .filter(|e| e.kind() != "call");
    let calls: Vec<Option<Node<'t>>> = match mapped {
        Some(_) => Vec::new(),
        None => elements.iter().map(|e| element_call(ctx, *e)).collect(),
    };
    let network = match mapped {
        Some(callee) => network::callee_reaches_network(ctx, callee, NETWORK_DEPTH),
        None => calls
            .iter()
            .flatten()
            .any(|c| network::reaches_network(ctx, awaited_call(ctx, *c), NETWORK_DEPTH)),
    };
    if !network {
        return Verdict::Leave;
    }
    let over = describe(ctx, splat);
    if !sem.in_async_context(gather) {
        return Verdict::Report(format!(
            "asyncio.gather fans out network calls over {over} with no bound, outside a \
             coroutine; corral cannot create a semaphore for a loop it does not see running here"
        ));
    }
    if inside_async_with(ctx, gather) {
        return Verdict::Leave;
    }
    let function_scope = sem
        .enclosing_function_scope(gather)
        .expect("async context has a function");
    let function = sem.scope(function_scope).node;
    // Fan-out while setting up, starting or stopping: over what configuration holds.
    let name = function
        .child_by_field_name("name")
        .map_or("", |n| ctx.text(n));
    // A benchmark or load test fans out on purpose: the load is what it measures.
    let measures = ["benchmark", "stress", "load_test"]
        .iter()
        .any(|w| name.trim_start_matches('_').starts_with(w) || name.contains(&format!("_{w}")));
    if network::is_lifecycle_phase(name) || measures {
        return Verdict::Leave;
    }
    let report = |why: String| {
        Verdict::Report(format!(
            "asyncio.gather fans out network calls over {over} with no bound; {why}"
        ))
    };
    let mut wraps = Vec::new();
    let mut partials = Vec::new();
    if let Some(callee) = mapped {
        match classify_callee(ctx, callee, None, function) {
            Element::Wrap(callee) => partials.push(callee),
            Element::Bounded => return Verdict::Leave,
            Element::Refuse(why) => return report(why),
        }
    }
    for call in calls {
        let Some(call) = call else {
            // Tasks or futures made elsewhere: a limit here would bound nothing.
            return Verdict::Leave;
        };
        match classify(ctx, call, function) {
            Element::Wrap(call) => wraps.push(call),
            Element::Bounded => return Verdict::Leave,
            Element::Refuse(why) => return report(why),
        }
    }
    let cap = transport_cap(ctx, &wraps).or_else(|| {
        partials
            .iter()
            .flat_map(|callee| callee_clients(ctx, *callee))
            .find_map(|ctor| pool_limit(ctx, ctor))
    });
    if let Some(cap) = cap {
        if cap <= u64::from(ctx.settings.max_concurrency) {
            return Verdict::Leave;
        }
    }
    if let Some(name) = outliving_list(ctx, gather, splat, function) {
        return report(format!(
            "`{name}` is used after the gather, and bounding would change what it holds, so \
             corral leaves it to you"
        ));
    }
    Verdict::Rewrite(Plan {
        gather,
        function,
        wraps,
        partials,
        first_use: first_use.min(gather.start_byte()),
        over,
    })
}

/// botocore's default `max_pool_connections`.
const BOTOCORE_POOL: u64 = 10;

/// How many calls deep the awaitables' network I/O is looked for.
const NETWORK_DEPTH: usize = 2;

/// The call an element of the fan-out makes: the element itself, the call inside
/// `create_task(...)` / `ensure_future(...)`, or, for a name, the call assigned to it in the same
/// function; `None` when the awaitable was made where corral cannot see.
fn element_call<'t>(ctx: &Context<'_, 't>, element: Node<'t>) -> Option<Node<'t>> {
    match element.kind() {
        "call" => Some(element),
        "identifier" => {
            let binding = ctx.semantic.origin(element)?;
            if binding.kind != BindingKind::Assignment
                || ctx.semantic.enclosing_function_scope(binding.node)
                    != ctx.semantic.enclosing_function_scope(element)
            {
                return None;
            }
            let value = binding.node.child_by_field_name("right")?;
            (value.kind() == "call").then_some(value)
        }
        _ => None,
    }
}

/// For `create_task(f(x))` / `ensure_future(f(x))`: `f(x)`; otherwise the call itself.
fn awaited_call<'t>(ctx: &Context<'_, 't>, call: Node<'t>) -> Node<'t> {
    if is_task_wrapper(ctx, call) {
        if let Some(inner) = call
            .child_by_field_name("arguments")
            .and_then(|a| a.named_child(0))
            .filter(|a| a.kind() == "call")
        {
            return inner;
        }
    }
    call
}

fn is_task_wrapper(ctx: &Context, call: Node) -> bool {
    if call.kind() != "call" {
        return false;
    }
    let callee = call.child_by_field_name("function");
    let qualified = callee.and_then(|c| ctx.semantic.qualified_name(c));
    let method = callee
        .filter(|c| c.kind() == "attribute")
        .and_then(|c| c.child_by_field_name("attribute"))
        .map(|a| ctx.text(a));
    matches!(
        qualified.as_deref(),
        Some("asyncio.create_task" | "asyncio.ensure_future")
    ) || matches!(method, Some("create_task" | "ensure_future"))
}

/// The connection cap of the transport the fanned-out calls use, when one is visible:
/// `aiohttp.TCPConnector(limit=N)` or `httpx.Limits(max_connections=N)` in the client's
/// constructor.
fn transport_cap<'t>(ctx: &Context<'_, 't>, calls: &[Node<'t>]) -> Option<u64> {
    calls.iter().find_map(|call| {
        let inner = awaited_call(ctx, *call);
        let mut clients = inner
            .child_by_field_name("function")
            .map(|callee| callee_clients(ctx, callee))
            .unwrap_or_default();
        // A client passed in.
        let args = inner.child_by_field_name("arguments")?;
        let mut cursor = args.walk();
        for arg in args.named_children(&mut cursor) {
            if matches!(arg.kind(), "identifier" | "attribute") {
                clients.extend(network::made_by(ctx, arg));
            }
        }
        clients.into_iter().find_map(|ctor| pool_limit(ctx, ctor))
    })
}

/// The constructors of the client a call of `callee` uses: the client of a known network
/// method, or the receiver of a method of a client made here (`client.invoke(...)`).
fn callee_clients<'t>(ctx: &Context<'_, 't>, callee: Node<'t>) -> Vec<Node<'t>> {
    let mut clients = Vec::new();
    if let Some(net) = network::classify_callee(ctx, callee) {
        clients.extend(net.client.and_then(|c| c.made_by));
    }
    let receiver = (callee.kind() == "attribute")
        .then(|| callee.child_by_field_name("object"))
        .flatten();
    clients.extend(receiver.and_then(|r| network::made_by(ctx, r)));
    clients
}

fn pool_limit<'t>(ctx: &Context<'_, 't>, ctor: Node<'t>) -> Option<u64> {
    let literal = |call: Node<'t>, keyword: &str| {
        ctx.keyword(call, keyword)
            .and_then(|k| k.child_by_field_name("value"))
            .filter(|v| v.kind() == "integer")
            .and_then(|v| ctx.text(v).replace('_', "").parse::<u64>().ok())
    };
    // botocore and aiobotocore clients (`session.create_client(...)`) keep at most
    // `max_pool_connections` connections, 10 unless their `config=` says otherwise.
    let creates_client = ctor
        .child_by_field_name("function")
        .filter(|f| f.kind() == "attribute")
        .and_then(|f| f.child_by_field_name("attribute"))
        .is_some_and(|a| ctx.text(a) == "create_client");
    if creates_client {
        let configured = ctx
            .keyword(ctor, "config")
            .and_then(|k| k.child_by_field_name("value"))
            .and_then(|v| network::made_by(ctx, v))
            .map(|config| literal(config, "max_pool_connections"));
        return match configured {
            Some(Some(n)) => Some(n),
            Some(None) => None,
            None => Some(BOTOCORE_POOL),
        };
    }
    for (keyword, class, field) in [
        ("connector", "aiohttp.TCPConnector", "limit"),
        ("limits", "httpx.Limits", "max_connections"),
    ] {
        let value = ctx
            .keyword(ctor, keyword)
            .and_then(|k| k.child_by_field_name("value"));
        let made = match value {
            Some(v) if v.kind() == "call" => Some(v),
            Some(v) => network::origin(ctx, v).and_then(|o| o.made_by),
            None => None,
        };
        let is_class = made
            .and_then(|m| m.child_by_field_name("function"))
            .and_then(|f| ctx.semantic.qualified_name(f))
            .is_some_and(|q| q == class);
        if let Some(n) = made.filter(|_| is_class).and_then(|m| literal(m, field)) {
            return Some(n);
        }
    }
    None
}

/// A list the gather spreads that the function reads again after the gather: bounding its
/// elements would change what it holds.
fn outliving_list<'t>(
    ctx: &Context<'_, 't>,
    gather: Node<'t>,
    splat: Node<'t>,
    function: Node<'t>,
) -> Option<&'t str> {
    if splat.kind() != "identifier" {
        return None;
    }
    let name = ctx.text(splat);
    let body = function.child_by_field_name("body")?;
    identifiers_named(ctx, body, name)
        .into_iter()
        .any(|n| n.start_byte() >= gather.end_byte())
        .then_some(name)
}

/// The awaitable expressions a starred gather argument is built from, and where the list is
/// built; `None` when the argument is not data-dependent fan-out.
fn fan_out<'t>(
    ctx: &Context<'_, 't>,
    gather: Node<'t>,
    splat: Node<'t>,
) -> Option<(Vec<Node<'t>>, usize)> {
    match splat.kind() {
        "list_comprehension" | "generator_expression" => {
            Some((vec![comprehension_element(ctx, splat)?], splat.start_byte()))
        }
        "call" => {
            // `map(fn, xs)`: the calls of `fn`; `map(lambda x: f(x), xs)`: the lambda's call.
            let (callable, iterables) = builtin_map(ctx, splat)?;
            // `map` stops at its shortest iterable: one small one makes a fixed set of calls.
            if iterables.iter().any(|i| is_small_literal(ctx, *i)) {
                return None;
            }
            let element = match callable.kind() {
                "lambda" => callable
                    .child_by_field_name("body")
                    .filter(|b| b.kind() == "call")?,
                "identifier" | "attribute" => callable,
                _ => return None,
            };
            Some((vec![element], splat.start_byte()))
        }
        "identifier" => {
            let binding = ctx.semantic.origin(splat)?;
            if binding.kind != BindingKind::Assignment
                || ctx.semantic.enclosing_function_scope(binding.node)
                    != ctx.semantic.enclosing_function_scope(gather)
            {
                return None;
            }
            let value = binding.node.child_by_field_name("right")?;
            match value.kind() {
                "list_comprehension" => Some((
                    vec![comprehension_element(ctx, value)?],
                    binding.node.start_byte(),
                )),
                "list" if value.named_child_count() == 0 => {
                    let appended = appended_in_loops(ctx, splat, binding.node, gather)?;
                    Some((appended, binding.node.start_byte()))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// `map(fn, xs, ...)` of the builtin `map`, with positional arguments only: `fn` and the
/// iterables.
fn builtin_map<'t>(ctx: &Context<'_, 't>, call: Node<'t>) -> Option<(Node<'t>, Vec<Node<'t>>)> {
    let callee = call.child_by_field_name("function")?;
    if callee.kind() != "identifier"
        || ctx.text(callee) != "map"
        || ctx.semantic.lookup("map", callee).is_some()
    {
        return None;
    }
    let args = call
        .child_by_field_name("arguments")
        .filter(|a| a.kind() == "argument_list")?;
    let mut cursor = args.walk();
    let items: Vec<Node> = args
        .named_children(&mut cursor)
        .filter(|n| n.kind() != "comment")
        .collect();
    let positional = items.iter().all(|a| {
        !matches!(
            a.kind(),
            "keyword_argument" | "list_splat" | "dictionary_splat"
        )
    });
    (items.len() >= 2 && positional).then(|| (items[0], items[1..].to_vec()))
}

/// The element of a comprehension that iterates data and uses its loop variable.
fn comprehension_element<'t>(ctx: &Context<'_, 't>, comp: Node<'t>) -> Option<Node<'t>> {
    let element = comp.child_by_field_name("body")?;
    let mut cursor = comp.walk();
    let clauses: Vec<Node> = comp
        .named_children(&mut cursor)
        .filter(|c| c.kind() == "for_in_clause")
        .collect();
    let data_dependent = clauses.iter().any(|c| {
        c.child_by_field_name("right")
            .is_some_and(|r| !is_small_literal(ctx, r))
    });
    let uses_loop_variable = clauses.iter().any(|c| {
        c.child_by_field_name("left")
            .is_some_and(|left| uses_any_name(ctx, element, &bound_names(ctx, left)))
    });
    (data_dependent && uses_loop_variable).then_some(element)
}

/// For `tasks = []` followed by `tasks.append(<call>)` inside loops: the appended expressions.
/// Any other mutation of the list makes its contents unknowable, and nothing is matched.
fn appended_in_loops<'t>(
    ctx: &Context<'_, 't>,
    name: Node<'t>,
    definition: Node<'t>,
    gather: Node<'t>,
) -> Option<Vec<Node<'t>>> {
    let list = ctx.text(name);
    let function = ctx.semantic.enclosing_function_scope(gather)?;
    let body = ctx.semantic.scope(function).node;
    let mut appended = Vec::new();
    let mut in_data_loop = false;
    for use_ in identifiers_named(ctx, body, list) {
        if use_ == name || definition.byte_range().contains(&use_.start_byte()) {
            continue;
        }
        let parent = use_.parent()?;
        if parent.kind() == "attribute" && parent.child_by_field_name("object") == Some(use_) {
            let attr = parent.child_by_field_name("attribute").map(|a| ctx.text(a));
            let call = parent.parent().filter(|c| c.kind() == "call")?;
            let args = call.child_by_field_name("arguments")?;
            if attr != Some("append") || args.named_child_count() != 1 {
                return None;
            }
            let value = args.named_child(0)?;
            if use_.start_byte() > gather.start_byte() || value.kind() == "keyword_argument" {
                return None;
            }
            in_data_loop |= in_data_loop_body(ctx, call, body, value);
            appended.push(value);
        } else if matches!(
            parent.kind(),
            "augmented_assignment" | "subscript" | "delete_statement"
        ) {
            return None;
        }
    }
    (in_data_loop && !appended.is_empty()).then_some(appended)
}

fn in_data_loop_body<'t>(
    ctx: &Context<'_, 't>,
    call: Node<'t>,
    function: Node<'t>,
    value: Node<'t>,
) -> bool {
    let mut node = call;
    while let Some(parent) = node.parent() {
        if parent == function {
            return false;
        }
        match parent.kind() {
            "while_statement" => return true,
            "for_statement" => {
                let data = parent
                    .child_by_field_name("right")
                    .is_some_and(|r| !is_small_literal(ctx, r));
                // A non-call value is judged (and reported) by `classify`.
                let uses = value.kind() != "call"
                    || parent
                        .child_by_field_name("left")
                        .is_some_and(|l| uses_any_name(ctx, value, &bound_names(ctx, l)));
                return data && uses;
            }
            _ => node = parent,
        }
    }
    false
}

enum Element<'t> {
    Wrap(Node<'t>),
    /// Already bounded by its callee or by an executor: leave the gather alone.
    Bounded,
    Refuse(String),
}

fn classify<'t>(ctx: &Context<'_, 't>, element: Node<'t>, function: Node<'t>) -> Element<'t> {
    match element.child_by_field_name("function") {
        Some(callee) => classify_callee(ctx, callee, Some(element), function),
        None => Element::Bounded,
    }
}

/// What to do with the calls of `callee`: `element` is the call when there is one, and `None`
/// for the calls `map` makes; `Wrap` then holds `callee`.
fn classify_callee<'t>(
    ctx: &Context<'_, 't>,
    callee: Node<'t>,
    element: Option<Node<'t>>,
    function: Node<'t>,
) -> Element<'t> {
    let qualified = ctx.semantic.qualified_name(callee);
    let method = Some(callee)
        .filter(|c| c.kind() == "attribute")
        .and_then(|c| c.child_by_field_name("attribute"))
        .map(|a| ctx.text(a));
    if runs_in_a_thread(qualified.as_deref(), method) {
        return Element::Bounded;
    }
    // Futures that already run: a limit at the gather would bound nothing.
    if matches!(
        qualified.as_deref(),
        Some("asyncio.wrap_future" | "asyncio.shield")
    ) {
        return Element::Bounded;
    }
    if let Some(element) = element.filter(|e| is_task_wrapper(ctx, *e)) {
        let inner = element
            .child_by_field_name("arguments")
            .and_then(|a| a.named_child(0))
            .filter(|a| a.kind() == "call");
        return match inner {
            Some(inner) => classify(ctx, inner, function),
            // `create_task(coro)` of an awaitable made elsewhere.
            None => Element::Bounded,
        };
    }
    if element.is_none()
        && (matches!(
            qualified.as_deref(),
            Some("asyncio.create_task" | "asyncio.ensure_future")
        ) || matches!(method, Some("create_task" | "ensure_future")))
    {
        // `map(asyncio.create_task, coros)`: tasks of awaitables made elsewhere.
        return Element::Bounded;
    }
    let Some(def) = network::local_definition(ctx, callee) else {
        if is_class_name(ctx, callee) {
            // An object with `__await__`, not a coroutine: corral cannot tell what awaiting it
            // starts, nor defer its construction faithfully.
            return Element::Refuse(format!(
                "its awaitables are `{}` objects, not coroutine calls, so corral cannot tell \
                 what a limit would hold back",
                ctx.text(callee)
            ));
        }
        return Element::Wrap(element.unwrap_or(callee));
    };
    if def.child(0).is_none_or(|c| c.kind() != "async") {
        // A synchronous function returning an awaitable made elsewhere.
        return Element::Bounded;
    }
    if holds_a_limiter(def) || wraps_a_thread(ctx, def) {
        return Element::Bounded;
    }
    if calls_reach(ctx, def, function, NESTED_DEPTH) {
        return Element::Refuse(
            "the awaitables call back into the function that fans them out, so per-call \
             limits would multiply and \"at most N at once\" would be untrue"
                .to_string(),
        );
    }
    if let Some(inner) = nested_fan_out(ctx, def, NESTED_DEPTH) {
        return Element::Refuse(format!(
            "each awaitable fans out again (`{inner}`), so per-call limits would multiply and \
             \"at most N at once\" would be untrue; bound the fan-outs with one shared limiter"
        ));
    }
    if let Some(primitive) = waits_on_shared(ctx, def, element) {
        return Element::Refuse(format!(
            "the awaitables wait on a shared {primitive}, so with a bound smaller than their \
             number the ones holding permits could wait forever for ones that cannot start"
        ));
    }
    Element::Wrap(element.unwrap_or(callee))
}

/// How many calls deep nested fan-outs and recursion are looked for.
const NESTED_DEPTH: usize = 2;

fn runs_in_a_thread(qualified: Option<&str>, method: Option<&str>) -> bool {
    matches!(
        qualified,
        Some("asyncio.to_thread" | "anyio.to_thread.run_sync")
    ) || method == Some("run_in_executor")
}

/// `Name(...)` where `Name` is a class: defined in the module, or imported and spelled as one.
fn is_class_name<'t>(ctx: &Context<'_, 't>, callee: Node<'t>) -> bool {
    let last = match callee.kind() {
        "attribute" => callee.child_by_field_name("attribute").map(|a| ctx.text(a)),
        _ => Some(ctx.text(callee)),
    };
    let capitalised = last.is_some_and(|l| l.starts_with(|c: char| c.is_ascii_uppercase()));
    if callee.kind() == "identifier" {
        if let Some(binding) = ctx.semantic.origin(callee) {
            return binding.kind == BindingKind::ClassDef
                || (matches!(binding.kind, BindingKind::Import(_)) && capitalised);
        }
    }
    ctx.semantic.qualified_name(callee).is_some() && capitalised
}

/// A coroutine whose work runs in a thread pool: a `to_thread` / `run_in_executor` call is all
/// it awaits, so the executor already bounds it.
fn wraps_a_thread<'t>(ctx: &Context<'_, 't>, def: Node<'t>) -> bool {
    let mut found = false;
    let mut other_awaits = false;
    walk_body(def, |node| {
        if node.kind() != "await" {
            return;
        }
        let call = node.named_child(0).filter(|c| c.kind() == "call");
        let callee = call.and_then(|c| c.child_by_field_name("function"));
        let qualified = callee.and_then(|c| ctx.semantic.qualified_name(c));
        let method = callee
            .filter(|c| c.kind() == "attribute")
            .and_then(|c| c.child_by_field_name("attribute"))
            .map(|a| ctx.text(a));
        if runs_in_a_thread(qualified.as_deref(), method) {
            found = true;
        } else {
            other_awaits = true;
        }
    });
    found && !other_awaits
}

/// Whether `def`'s calls reach `target`: it is `target`, or calls it through same-module calls
/// at most `depth` deep.
fn calls_reach<'t>(ctx: &Context<'_, 't>, def: Node<'t>, target: Node<'t>, depth: usize) -> bool {
    if def == target {
        return true;
    }
    if depth == 0 {
        return false;
    }
    let mut reached = false;
    walk_body(def, |node| {
        if reached || node.kind() != "call" {
            return;
        }
        if let Some(next) = node
            .child_by_field_name("function")
            .and_then(|c| network::local_definition(ctx, c))
        {
            reached = next == target || (next != def && calls_reach(ctx, next, target, depth - 1));
        }
    });
    reached
}

/// A gather fan-out inside `def`, or in what it calls, at most `depth` calls deep.
fn nested_fan_out<'t>(ctx: &Context<'_, 't>, def: Node<'t>, depth: usize) -> Option<&'t str> {
    let mut found = None;
    walk_body(def, |node| {
        if found.is_some() || node.kind() != "call" {
            return;
        }
        let Some(callee) = node.child_by_field_name("function") else {
            return;
        };
        let spreads = node
            .child_by_field_name("arguments")
            .and_then(|a| a.named_child(0))
            .is_some_and(|a| a.kind() == "list_splat");
        if spreads && ctx.semantic.qualified_name(callee).as_deref() == Some("asyncio.gather") {
            // Only a fan-out of network calls multiplies the load; one over hooks does not.
            let splat = node
                .child_by_field_name("arguments")
                .and_then(|a| a.named_child(0))
                .and_then(|s| s.named_child(0));
            let network = splat
                .and_then(|s| s.child_by_field_name("body"))
                .and_then(|e| element_call(ctx, e))
                .is_some_and(|c| network::reaches_network(ctx, awaited_call(ctx, c), 1));
            if network {
                found = Some(ctx.text(callee));
            }
            return;
        }
        if depth > 1 {
            if let Some(next) = network::local_definition(ctx, callee).filter(|n| *n != def) {
                found = nested_fan_out(ctx, next, depth - 1);
            }
        }
    });
    found
}

/// An asyncio `Event`, `Condition`, `Barrier` or queue the awaitable waits on, when the element
/// hands it over or it is shared through the module or the instance: elements that wait on each
/// other deadlock under a bound smaller than their number.
fn waits_on_shared<'t>(
    ctx: &Context<'_, 't>,
    def: Node<'t>,
    element: Option<Node<'t>>,
) -> Option<&'static str> {
    const PRIMITIVES: &[(&str, &str)] = &[
        ("asyncio.Event", "asyncio.Event"),
        ("asyncio.Condition", "asyncio.Condition"),
        ("asyncio.Barrier", "asyncio.Barrier"),
        ("asyncio.Queue", "asyncio.Queue"),
        ("asyncio.LifoQueue", "asyncio.Queue"),
        ("asyncio.PriorityQueue", "asyncio.Queue"),
    ];
    let kind_of = |expr: Node<'t>| -> Option<&'static str> {
        let class = network::origin(ctx, expr)?.class;
        PRIMITIVES
            .iter()
            .find(|(c, _)| *c == class)
            .map(|(_, k)| *k)
    };
    // Handed over as an argument.
    if let Some(args) = element.and_then(|e| e.child_by_field_name("arguments")) {
        let mut cursor = args.walk();
        let handed: Vec<Node> = args.named_children(&mut cursor).collect();
        for arg in handed {
            let value = if arg.kind() == "keyword_argument" {
                arg.child_by_field_name("value")
            } else {
                Some(arg)
            };
            if let Some(kind) = value.and_then(kind_of) {
                return Some(kind);
            }
        }
    }
    // Waited on inside, through a module-level name or `self.x`.
    let mut found = None;
    walk_body(def, |node| {
        if found.is_some() || node.kind() != "call" {
            return;
        }
        let Some(callee) = node
            .child_by_field_name("function")
            .filter(|c| c.kind() == "attribute")
        else {
            return;
        };
        let method = callee
            .child_by_field_name("attribute")
            .map(|a| ctx.text(a));
        if !matches!(method, Some("wait" | "get" | "join" | "wait_for")) {
            return;
        }
        if let Some(object) = callee.child_by_field_name("object") {
            found = kind_of(object);
        }
    });
    found
}

/// Visits the nodes of a function's body, outside nested functions, lambdas and classes.
fn walk_body<'t>(def: Node<'t>, mut visit: impl FnMut(Node<'t>)) {
    let Some(body) = def.child_by_field_name("body") else {
        return;
    };
    let mut stack = vec![body];
    while let Some(node) = stack.pop() {
        if syntax::is_nested_scope(node) {
            continue;
        }
        visit(node);
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
}

/// Whether a function body holds `async with <name>` or `async with <obj.attr>`: a semaphore or
/// lock passed in or held, which already bounds the work (catalog CONC101 detection, step 6).
fn holds_a_limiter(def: Node) -> bool {
    let Some(body) = def.child_by_field_name("body") else {
        return false;
    };
    let mut stack = vec![body];
    while let Some(node) = stack.pop() {
        if is_async_with_on_name(node) {
            return true;
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    false
}

fn is_async_with_on_name(node: Node) -> bool {
    syntax::is_async_with(node)
        && syntax::with_items(node)
            .iter()
            .any(|v| matches!(v.kind(), "identifier" | "attribute"))
}

/// Whether the gather already runs under `async with <limiter>:` in its own function.
fn inside_async_with<'t>(ctx: &Context<'_, 't>, gather: Node<'t>) -> bool {
    let function = ctx
        .semantic
        .enclosing_function_scope(gather)
        .map(|id| ctx.semantic.scope(id).node);
    let mut node = gather;
    while let Some(parent) = node.parent() {
        if Some(parent) == function {
            return false;
        }
        if is_async_with_on_name(parent) {
            return true;
        }
        node = parent;
    }
    false
}

/// Whether an iterable is small by construction (catalog: literal-small, K = 8): a literal, a
/// `range` of a small literal, a literal slice (`ids[:3]`, `pages[i:i + 4]`), a name bound to
/// such a literal, a lookup in a dict literal of such literals, or these through `enumerate`,
/// `zip`, `sorted`, `.items()`, ...
fn is_small_literal<'t>(ctx: &Context<'_, 't>, iterable: Node<'t>) -> bool {
    small_within(ctx, iterable, 4)
}

fn small_within<'t>(ctx: &Context<'_, 't>, iterable: Node<'t>, hops: usize) -> bool {
    let Some(hops) = hops.checked_sub(1) else {
        return false;
    };
    let literal_int = |n: Node| -> Option<i64> {
        (n.kind() == "integer")
            .then(|| ctx.text(n).replace('_', "").parse::<i64>().ok())
            .flatten()
    };
    match iterable.kind() {
        "list" | "tuple" | "set" | "dictionary" => {
            let mut cursor = iterable.walk();
            let items: Vec<Node> = iterable
                .named_children(&mut cursor)
                .filter(|i| i.kind() != "comment")
                .collect();
            items.len() <= SMALL_LITERAL
                && items
                    .iter()
                    .all(|i| !matches!(i.kind(), "list_splat" | "dictionary_splat"))
        }
        "parenthesized_expression" => iterable
            .named_child(0)
            .is_some_and(|inner| small_within(ctx, inner, hops + 1)),
        "identifier" => ctx.semantic.origin(iterable).is_some_and(|b| {
            b.kind == BindingKind::Assignment
                && b.node
                    .child_by_field_name("right")
                    .is_some_and(|r| small_within(ctx, r, hops))
        }),
        "subscript" => {
            let Some(value) = iterable.child_by_field_name("value") else {
                return false;
            };
            let mut cursor = iterable.walk();
            let index: Vec<Node> = iterable
                .children_by_field_name("subscript", &mut cursor)
                .collect();
            match index.as_slice() {
                [slice] if slice.kind() == "slice" => {
                    let mut cursor = slice.walk();
                    let parts: Vec<Node> = slice.named_children(&mut cursor).collect();
                    let text = ctx.text(*slice);
                    let (start, stop) = match text.split_once(':') {
                        Some((before, _)) if before.trim().is_empty() => (None, parts.first().copied()),
                        _ => (parts.first().copied(), parts.get(1).copied()),
                    };
                    // `items[i : i + batch_size]`: a batch whose size the code chose, one
                    // batch at a time.
                    let batch = start
                        .zip(stop)
                        .is_some_and(|(a, b)| offset_from(ctx, a, b).is_some());
                    if batch {
                        return true;
                    }
                    let width = match (start, stop) {
                        (None, Some(stop)) => literal_int(stop),
                        (Some(start), Some(stop)) => {
                            literal_int(start).zip(literal_int(stop)).map(|(a, b)| b - a)
                        }
                        _ => None,
                    };
                    width.is_some_and(|w| (0..=SMALL_LITERAL as i64).contains(&w))
                        || small_within(ctx, value, hops)
                }
                // A lookup in a dict literal whose values are all small.
                [_] => dict_literal(ctx, value).is_some_and(|dict| {
                    let mut cursor = dict.walk();
                    let pairs: Vec<Node> = dict.named_children(&mut cursor).collect();
                    !pairs.is_empty()
                        && pairs.iter().all(|p| {
                            p.kind() == "pair"
                                && p.child_by_field_name("value")
                                    .is_some_and(|v| small_within(ctx, v, hops))
                        })
                }),
                _ => false,
            }
        }
        "call" => {
            let Some(callee) = iterable.child_by_field_name("function") else {
                return false;
            };
            let args = iterable.child_by_field_name("arguments");
            let first = args.and_then(|a| a.named_child(0));
            if callee.kind() == "attribute" {
                // `d.items()`, `d.keys()`, `d.values()` of a small dict.
                let method = callee.child_by_field_name("attribute").map(|a| ctx.text(a));
                return matches!(method, Some("items" | "keys" | "values"))
                    && callee
                        .child_by_field_name("object")
                        .is_some_and(|o| small_within(ctx, o, hops));
            }
            let builtin = ctx.text(callee);
            if ctx.semantic.lookup(builtin, callee).is_some() {
                return false;
            }
            match builtin {
                "range" => {
                    let count = args.map_or(0, |a| a.named_child_count());
                    let bounds: Vec<Option<i64>> = (0..count)
                        .map(|i| args.and_then(|a| a.named_child(i)).and_then(literal_int))
                        .collect();
                    let width = match bounds.as_slice() {
                        [Some(stop)] => Some(*stop),
                        [Some(start), Some(stop)] => Some(stop - start),
                        _ => None,
                    };
                    width.is_some_and(|w| w <= SMALL_LITERAL as i64)
                }
                "enumerate" | "sorted" | "reversed" | "list" | "tuple" | "set" => {
                    first.is_some_and(|f| small_within(ctx, f, hops))
                }
                "zip" => args.is_some_and(|a| {
                    let mut cursor = a.walk();
                    let any = a
                        .named_children(&mut cursor)
                        .any(|x| small_within(ctx, x, hops));
                    any
                }),
                _ => false,
            }
        }
        _ => false,
    }
}

/// `n` when `stop` is `start + n` (or `n + start`): the text of `n`.
fn offset_from<'t>(ctx: &Context<'_, 't>, start: Node<'t>, stop: Node<'t>) -> Option<&'t str> {
    if stop.kind() != "binary_operator" {
        return None;
    }
    let (left, right) = (
        stop.child_by_field_name("left")?,
        stop.child_by_field_name("right")?,
    );
    let operator = stop.child_by_field_name("operator").map(|o| ctx.text(o));
    if operator != Some("+") {
        return None;
    }
    let start_text = ctx.text(start);
    if ctx.text(left) == start_text {
        Some(ctx.text(right))
    } else if ctx.text(right) == start_text {
        Some(ctx.text(left))
    } else {
        None
    }
}

/// The dict literal a name (or the expression itself) holds.
fn dict_literal<'t>(ctx: &Context<'_, 't>, expr: Node<'t>) -> Option<Node<'t>> {
    match expr.kind() {
        "dictionary" => Some(expr),
        "identifier" => {
            let binding = ctx.semantic.origin(expr)?;
            (binding.kind == BindingKind::Assignment)
                .then(|| binding.node.child_by_field_name("right"))
                .flatten()
                .filter(|r| r.kind() == "dictionary")
        }
        _ => None,
    }
}

fn bound_names<'t>(ctx: &Context<'_, 't>, target: Node<'t>) -> Vec<&'t str> {
    let mut names = Vec::new();
    let mut stack = vec![target];
    while let Some(node) = stack.pop() {
        if node.kind() == "identifier" {
            names.push(ctx.text(node));
        } else if !matches!(node.kind(), "attribute" | "subscript") {
            let mut cursor = node.walk();
            stack.extend(node.named_children(&mut cursor));
        }
    }
    names
}

/// Whether `expr` reads any of `names` as a variable (not as an attribute or keyword name).
fn uses_any_name<'t>(ctx: &Context<'_, 't>, expr: Node<'t>, names: &[&str]) -> bool {
    let mut stack = vec![expr];
    while let Some(node) = stack.pop() {
        if node.kind() == "identifier" && names.contains(&ctx.text(node)) {
            let parent = node.parent();
            let is_attribute_name = parent.is_some_and(|p| {
                matches!(p.kind(), "attribute" | "keyword_argument")
                    && p.child_by_field_name(if p.kind() == "attribute" {
                        "attribute"
                    } else {
                        "name"
                    }) == Some(node)
            });
            if !is_attribute_name {
                return true;
            }
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    false
}

/// Identifiers spelled `name` in `root`, outside nested functions, lambdas and classes.
fn identifiers_named<'t>(ctx: &Context<'_, 't>, root: Node<'t>, name: &str) -> Vec<Node<'t>> {
    let mut found = Vec::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node != root
            && matches!(
                node.kind(),
                "function_definition" | "lambda" | "class_definition"
            )
        {
            continue;
        }
        if node.kind() == "identifier" && ctx.text(node) == name {
            found.push(node);
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    found.sort_by_key(|n| n.start_byte());
    found
}

fn describe<'t>(ctx: &Context<'_, 't>, splat: Node<'t>) -> String {
    match splat.kind() {
        "identifier" => format!("`{}`", ctx.text(splat)),
        "call" => {
            let iterables = builtin_map(ctx, splat)
                .map(|(_, its)| its.iter().map(|i| ctx.text(*i)).collect::<Vec<_>>().join(", "))
                .unwrap_or_default();
            if !iterables.is_empty() && iterables.len() <= 40 && !iterables.contains('\n') {
                format!("`{iterables}`")
            } else {
                "`map(...)`".to_string()
            }
        }
        _ => {
            let iterable = splat
                .named_children(&mut splat.walk())
                .find(|c| c.kind() == "for_in_clause")
                .and_then(|c| c.child_by_field_name("right"))
                .map(|r| ctx.text(r));
            match iterable {
                Some(it) if it.len() <= 40 && !it.contains('\n') => format!("`{it}`"),
                _ => "a comprehension".to_string(),
            }
        }
    }
}

/// One fix for all rewritable gathers of a function: a limiter and a deferred-call helper placed
/// before the first of them, and every fanned-out call routed through the helper.
fn rewrite_group<'t>(ctx: &Context<'_, 't>, plans: Vec<Plan<'t>>) -> Vec<Finding> {
    let sem = ctx.semantic;
    let function = plans[0].function;
    let limit = ctx.settings.max_concurrency;
    let report = |message: String| -> Vec<Finding> {
        plans
            .iter()
            .map(|p| Finding {
                rule: &RULE,
                range: p.gather.byte_range(),
                message: message.clone(),
                fix: None,
            })
            .collect()
    };
    let uses: Vec<usize> = plans.iter().map(|p| p.first_use).collect();
    let Some((anchor, insert_at)) = anchor_statement(ctx, function, &uses) else {
        return report(format!(
            "asyncio.gather fans out over {} with no bound; the function body is on one line, \
             so corral cannot place a limiter before it",
            plans[0].over
        ));
    };
    let Some(semaphore) = sem.import_ref("asyncio", "Semaphore", anchor) else {
        return report(format!(
            "asyncio.gather fans out over {} with no bound; the name `asyncio` is taken here, \
             so corral cannot refer to asyncio.Semaphore",
            plans[0].over
        ));
    };
    let (limit_name, module_statements) = ctx.limit_constant(anchor);
    let limiter = sem.fresh_name("_limiter");
    let bounded = sem.fresh_name("_bounded");

    let mut wraps: Vec<Node> = plans.iter().flat_map(|p| p.wraps.iter().copied()).collect();
    wraps.sort_by_key(|w| w.start_byte());
    wraps.dedup();
    let needs_kwargs = wraps.iter().any(|w| has_keywords(*w));

    let indent = ctx.line_indent(anchor.start_byte());
    let unit = function.child_by_field_name("body").map_or_else(
        || "    ".to_string(),
        |body| ctx.indent_unit(function, body),
    );
    // Where the function is annotated, so is the helper.
    let annotations = annotated(function)
        .then(|| helper_annotations(ctx, anchor))
        .flatten();
    let (fn_type, any, returns) = match &annotations {
        Some((callable, any, _)) => (format!(": {callable}"), format!(": {any}"), format!(" -> {any}")),
        None => (String::new(), String::new(), String::new()),
    };
    let (params, forward) = if needs_kwargs {
        (
            format!("fn{fn_type}, /, *args{any}, **kwargs{any}"),
            "fn(*args, **kwargs)",
        )
    } else {
        (format!("fn{fn_type}, *args{any}"), "fn(*args)")
    };
    let helper = format!(
        "{indent}{limiter} = {sem_ref}({limit_name})\n\
         \n\
         {indent}async def {bounded}({params}){returns}:\n\
         {indent}{unit}async with {limiter}:\n\
         {indent}{unit}{unit}return await {forward}\n\
         \n",
        sem_ref = semaphore.expr,
    );
    let mut imports: Vec<String> = semaphore.add_import.into_iter().collect();
    imports.extend(annotations.into_iter().flat_map(|(_, _, i)| i));
    let mut edits = vec![Edit::insert(insert_at, helper)];
    edits.extend(
        wraps
            .iter()
            .map(|call| Edit::replace(*call, deferred(ctx, &bounded, *call))),
    );
    let mut partials: Vec<Node> = plans.iter().flat_map(|p| p.partials.iter().copied()).collect();
    partials.sort_by_key(|c| c.start_byte());
    partials.dedup();
    if !partials.is_empty() {
        let Some(partial) = sem.import_ref("functools", "partial", anchor) else {
            return report(format!(
                "asyncio.gather fans out over {} with no bound; the name `functools` is taken \
                 here, so corral cannot refer to functools.partial",
                plans[0].over
            ));
        };
        imports.extend(partial.add_import);
        edits.extend(partials.iter().map(|callee| {
            Edit::replace(
                *callee,
                format!("{}({bounded}, {})", partial.expr, ctx.text(*callee)),
            )
        }));
    }

    let function_name = function
        .child_by_field_name("name")
        .map_or("the function", |n| ctx.text(n));
    let fix = Fix {
        edits,
        imports,
        module_statements,
        changes: vec![
            format!(
                "at most {limit} of the awaitables run at once, per call of `{function_name}`; \
                 throughput is capped and latency can grow"
            ),
            "a deadline around the gather now also counts time spent waiting for a permit"
                .to_string(),
            "awaitables start in iteration order as permits free up, so completion order can \
             change; results keep their order"
                .to_string(),
        ],
    };
    plans
        .iter()
        .map(|p| Finding {
            rule: &RULE,
            range: p.gather.byte_range(),
            message: format!(
                "asyncio.gather fans out over {} with no bound; limit it to {limit_name} ({limit}) at once",
                p.over
            ),
            fix: Some(fix.clone()),
        })
        .collect()
}

/// The statement before which the limiter goes, and the offset to insert at: in the innermost
/// block that holds every use (the gathers, or where their lists are built), the statement
/// holding the first; at the start of its line, moved up past the comment lines directly above
/// it so that they stay with the code they describe.
fn anchor_statement<'t>(
    ctx: &Context<'_, 't>,
    function: Node<'t>,
    uses: &[usize],
) -> Option<(Node<'t>, usize)> {
    let body = function.child_by_field_name("body")?;
    let first_use = uses.iter().copied().min()?;
    // Blocks around a use, innermost first, but none inside a loop: a limiter made in a loop's
    // body would be made again on every turn.
    let blocks_around = |at: usize| -> Vec<Node<'t>> {
        let mut blocks = Vec::new();
        let mut node = body.descendant_for_byte_range(at, at);
        while let Some(n) = node {
            if matches!(n.kind(), "for_statement" | "while_statement") {
                blocks.clear();
            }
            if n.kind() == "block" {
                blocks.push(n);
            }
            if n == body {
                break;
            }
            node = n.parent();
        }
        blocks
    };
    let around_first = blocks_around(first_use);
    let others: Vec<Vec<Node>> = uses.iter().map(|u| blocks_around(*u)).collect();
    let block = around_first
        .into_iter()
        .find(|b| others.iter().all(|o| o.contains(b)))
        .unwrap_or(body);
    let mut cursor = block.walk();
    let statement = block
        .named_children(&mut cursor)
        .find(|s| s.byte_range().contains(&first_use) || s.start_byte() > first_use)?;
    if !ctx.starts_line(statement.start_byte()) {
        return None;
    }
    let indent = ctx.line_indent(statement.start_byte());
    let mut at = ctx.line_start(statement.start_byte());
    while at > 0 {
        let previous = ctx.line_start(at - 1);
        let line = &ctx.src[previous..at];
        let is_comment = line
            .strip_prefix(indent)
            .is_some_and(|rest| rest.starts_with('#'));
        if !is_comment || previous < block.parent().unwrap_or(block).start_byte() {
            break;
        }
        at = previous;
    }
    Some((statement, at))
}

/// Whether a function carries type annotations: a return type or an annotated parameter.
fn annotated(function: Node) -> bool {
    function.child_by_field_name("return_type").is_some()
        || function.child_by_field_name("parameters").is_some_and(|p| {
            let mut cursor = p.walk();
            let typed = p
                .named_children(&mut cursor)
                .any(|param| matches!(param.kind(), "typed_parameter" | "typed_default_parameter"));
            typed
        })
}

/// How the helper's annotations are written at `at`: the callable type, `Any`, and the modules
/// to import for them. `collections.abc` from 3.9 on, `typing` before.
fn helper_annotations<'t>(
    ctx: &Context<'_, 't>,
    at: Node<'t>,
) -> Option<(String, String, Vec<String>)> {
    // The names the file already imports, from either module; else collections.abc from 3.9.
    let abc = if ctx.settings.target >= crate::settings::PyVersion(9) {
        "collections.abc"
    } else {
        "typing"
    };
    let name = |member: &str| {
        let from_typing = ctx.semantic.import_ref("typing", member, at);
        match from_typing {
            Some(r) if r.add_import.is_none() => Some(r),
            _ => ctx.semantic.import_ref(abc, member, at),
        }
    };
    let any = ctx.semantic.import_ref("typing", "Any", at)?;
    let callable = name("Callable")?;
    let awaitable = name("Awaitable")?;
    let imports = [&any, &callable, &awaitable]
        .into_iter()
        .filter_map(|r| r.add_import.clone())
        .collect();
    Some((
        format!("{}[..., {}[{}]]", callable.expr, awaitable.expr, any.expr),
        any.expr,
        imports,
    ))
}

fn has_keywords(call: Node) -> bool {
    let Some(args) = call.child_by_field_name("arguments") else {
        return false;
    };
    let mut cursor = args.walk();
    let found = args
        .named_children(&mut cursor)
        .any(|a| matches!(a.kind(), "keyword_argument" | "dictionary_splat"));
    found
}

/// `f(a, k=v)` as `_bounded(f, a, k=v)`: the call happens only once a permit is held, while its
/// arguments are still evaluated eagerly and in the same order.
fn deferred<'t>(ctx: &Context<'_, 't>, bounded: &str, call: Node<'t>) -> String {
    let callee = call
        .child_by_field_name("function")
        .map_or("", |c| ctx.text(c));
    let Some(args) = call.child_by_field_name("arguments") else {
        return format!("{bounded}({callee})");
    };
    if args.kind() == "generator_expression" {
        return format!("{bounded}({callee}, {})", ctx.text(args));
    }
    let text = ctx.text(args);
    let inner = &text[1..text.len() - 1];
    if inner.trim().is_empty() {
        format!("{bounded}({callee})")
    } else if let Some(rest) = inner.trim_start_matches([' ', '\t']).strip_prefix('\n') {
        // One argument per line: the callee gets a line of its own, as a formatter lays it.
        let rest = rest.trim_start_matches('\r');
        let indent = &rest[..rest.len() - rest.trim_start_matches([' ', '\t']).len()];
        format!("{bounded}(\n{indent}{callee},{inner})")
    } else if inner.starts_with(char::is_whitespace) {
        format!("{bounded}({callee},{inner})")
    } else {
        format!("{bounded}({callee}, {inner})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_compiles() {
        assert_eq!(QUERY.get().capture_names(), ["callee", "splat", "call"]);
    }
}
