//! `unbounded-gather` (CONC101): `asyncio.gather(*[...])` over data-dependent work gets a bound.
//!
//! Every awaitable the gather fans out over is wrapped in a deferred call, `_bounded(fn, *args)`,
//! that holds a permit of a semaphore created inside the running coroutine. Results, their order and
//! `return_exceptions` are untouched, because the gather call itself is kept.

use std::collections::BTreeMap;

use tree_sitter::Node;

use crate::rule::{Context, Edit, Finding, Fix, LazyQuery, Reads, Rule};
use crate::semantic::BindingKind;
use crate::syntax;

pub static RULE: Rule = Rule {
    id: "unbounded-gather",
    code: "CONC101",
    summary: "asyncio.gather over a data-dependent number of awaitables, with no bound",
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
    let over = describe(ctx, splat);
    if !sem.in_async_context(gather) {
        return Verdict::Report(format!(
            "asyncio.gather fans out over {over} with no bound, outside a coroutine; \
             corral cannot create a semaphore for a loop it does not see running here"
        ));
    }
    if inside_async_with(ctx, gather) {
        return Verdict::Leave;
    }
    let function_scope = sem
        .enclosing_function_scope(gather)
        .expect("async context has a function");
    let function = sem.scope(function_scope).node;
    let mut wraps = Vec::new();
    for element in elements {
        match classify(ctx, element, function) {
            Element::Wrap(call) => wraps.push(call),
            Element::Bounded => return Verdict::Leave,
            Element::Refuse(why) => {
                return Verdict::Report(format!(
                    "asyncio.gather fans out over {over} with no bound; {why}"
                ))
            }
        }
    }
    Verdict::Rewrite(Plan {
        gather,
        function,
        wraps,
        first_use: first_use.min(gather.start_byte()),
        over,
    })
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
    if element.kind() != "call" {
        return Element::Refuse(format!(
            "its awaitables (`{}`) are tasks or futures created elsewhere and may already be \
             running, so a limit at the gather would bound nothing; bound them where they are created",
            ctx.text(element)
        ));
    }
    let callee = element.child_by_field_name("function");
    let qualified = callee.and_then(|c| ctx.semantic.qualified_name(c));
    let method = callee
        .filter(|c| c.kind() == "attribute")
        .and_then(|c| c.child_by_field_name("attribute"))
        .map(|a| ctx.text(a));
    match (qualified.as_deref(), method) {
        (Some("asyncio.to_thread" | "anyio.to_thread.run_sync"), _)
        | (_, Some("run_in_executor")) => return Element::Bounded,
        (Some("asyncio.create_task" | "asyncio.ensure_future"), _)
        | (_, Some("create_task" | "ensure_future")) => {
            let inner = element
                .child_by_field_name("arguments")
                .and_then(|a| a.named_child(0))
                .filter(|a| a.kind() == "call");
            return match inner {
                Some(inner) => classify(ctx, inner, function),
                None => Element::Refuse(format!(
                    "`{}` schedules an awaitable that already exists, so a limit at the gather \
                     would bound nothing",
                    ctx.text(element)
                )),
            };
        }
        _ => {}
    }
    let Some(callee) = callee else {
        return Element::Bounded;
    };
    if let Some(def) = local_definition(ctx, callee) {
        if def == function {
            return Element::Refuse(
                "the enclosing function calls itself in the fan-out, and per-call limiters would \
                 multiply"
                    .to_string(),
            );
        }
        if holds_a_limiter(def) {
            return Element::Bounded;
        }
    }
    Element::Wrap(element)
}

/// The `def` a callee refers to in this module: a function name or `self.method`.
fn local_definition<'t>(ctx: &Context<'_, 't>, callee: Node<'t>) -> Option<Node<'t>> {
    match callee.kind() {
        "identifier" => {
            let binding = ctx.semantic.origin(callee)?;
            (binding.kind == BindingKind::FunctionDef).then_some(binding.node)
        }
        "attribute" => {
            let object = callee.child_by_field_name("object")?;
            if !matches!(ctx.text(object), "self" | "cls") {
                return None;
            }
            let method = ctx.text(callee.child_by_field_name("attribute")?);
            let class = syntax::ancestor(callee, "class_definition")?;
            let body = class.child_by_field_name("body")?;
            let mut cursor = body.walk();
            let found = body.named_children(&mut cursor).find_map(|stmt| {
                let def = match stmt.kind() {
                    "decorated_definition" => stmt.child_by_field_name("definition")?,
                    _ => stmt,
                };
                (def.kind() == "function_definition"
                    && def
                        .child_by_field_name("name")
                        .is_some_and(|n| ctx.text(n) == method))
                .then_some(def)
            });
            found
        }
        _ => None,
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

fn is_small_literal<'t>(ctx: &Context<'_, 't>, iterable: Node<'t>) -> bool {
    match iterable.kind() {
        "list" | "tuple" | "set" => {
            let mut cursor = iterable.walk();
            let items: Vec<Node> = iterable.named_children(&mut cursor).collect();
            items.len() <= SMALL_LITERAL && items.iter().all(|i| i.kind() != "list_splat")
        }
        "call" => {
            let callee = iterable.child_by_field_name("function");
            let is_range = callee.is_some_and(|c| {
                ctx.text(c) == "range" && ctx.semantic.lookup("range", c).is_none()
            });
            let args = iterable.child_by_field_name("arguments");
            let small = args
                .filter(|a| a.named_child_count() == 1)
                .and_then(|a| a.named_child(0))
                .filter(|n| n.kind() == "integer")
                .and_then(|n| ctx.text(n).replace('_', "").parse::<usize>().ok())
                .is_some_and(|n| n <= SMALL_LITERAL);
            is_range && small
        }
        _ => false,
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
    let first_use = plans.iter().map(|p| p.first_use).min().expect("non-empty");
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
    let Some((anchor, insert_at)) = anchor_statement(ctx, function, first_use) else {
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
    let (params, forward) = if needs_kwargs {
        ("fn, /, *args, **kwargs", "fn(*args, **kwargs)")
    } else {
        ("fn, *args", "fn(*args)")
    };
    let helper = format!(
        "{indent}{limiter} = {sem_ref}({limit_name})\n\
         \n\
         {indent}async def {bounded}({params}):\n\
         {indent}{unit}async with {limiter}:\n\
         {indent}{unit}{unit}return await {forward}\n\
         \n",
        sem_ref = semaphore.expr,
    );
    let mut edits = vec![Edit::insert(insert_at, helper)];
    edits.extend(
        wraps
            .iter()
            .map(|call| Edit::replace(*call, deferred(ctx, &bounded, *call))),
    );

    let function_name = function
        .child_by_field_name("name")
        .map_or("the function", |n| ctx.text(n));
    let fix = Fix {
        edits,
        imports: semaphore.add_import.into_iter().collect(),
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

/// The statement of the function body before which the limiter goes (the one holding
/// `first_use`), and the offset to insert at: the start of its line, moved up past the comment
/// lines directly above it so that they stay with the code they describe.
fn anchor_statement<'t>(
    ctx: &Context<'_, 't>,
    function: Node<'t>,
    first_use: usize,
) -> Option<(Node<'t>, usize)> {
    let body = function.child_by_field_name("body")?;
    let mut cursor = body.walk();
    let statement = body
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
        if !is_comment || previous < function.start_byte() {
            break;
        }
        at = previous;
    }
    Some((statement, at))
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
