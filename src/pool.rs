//! Thread pools as scripts and applications use them, moved to asyncio (catalog T1, T2, T5).
//!
//! A pool is found by its constructor: `with ThreadPoolExecutor(...) as ex:`, or
//! `ex = ThreadPoolExecutor(...)` followed by the statements that use it and, maybe, its
//! `shutdown()` (`close()` and `join()` for `multiprocessing.pool.ThreadPool`). It may stand in an
//! async function (rewritten in place), a synchronous one (an async implementation plus a sync
//! shim in a script; a report, or an additive `_async` variant, in library code) or at module
//! level in a script, under `if __name__ == "__main__":` or not (it moves into `async def main()`
//! run by `asyncio.run`).
//!
//! What the pool's work becomes depends on how its results are consumed:
//! - `map` (and `imap`, `imap_unordered`, `starmap`) whose results are read: a bounded
//!   `asyncio.TaskGroup` (3.11+) whose tasks are awaited in order where the results were read, or
//!   a bounded `asyncio.gather` before 3.11;
//! - `submit` (and `apply_async`) whose futures are kept: one bounded task per call, created where
//!   `submit` was. Tasks hold their exception until read, as futures do, so each failure still
//!   arrives where its `result()` is read, and handlers around it keep working. `result()` inside
//!   the block becomes `await`; `as_completed` becomes a loop over `asyncio.wait`; the block ends
//!   by waiting for every task, as the pool's shutdown did;
//! - `map` or `submit` whose results are never read: a bounded `gather(..., return_exceptions=True)`,
//!   so that failures stay as unseen as they were.
//!
//! Each call runs on one `httpx.AsyncClient` when every worker is requests calls plus plain
//! Python (`worker.rs`), else through `asyncio.to_thread` with its library kept. Either way a
//! semaphore of the pool's size bounds the work.

use std::ops::Range;

use tree_sitter::Node;

use crate::http::{function_name, map_exception, pool_limit, Backend};
use crate::rule::{Context, Edit, Fix};
use crate::settings::{HttpClient, PyVersion};
use crate::syntax;
use crate::worker::{classify_worker_with, Worker};

/// Words one of which a file must hold for a pool in it to do network I/O corral knows: the
/// libraries the network model reads (configured `network-calls` modules count too).
pub const NETWORK_WORDS: &[&str] = &[
    "requests",
    "urllib",
    "urlopen",
    "http.client",
    "HTTPConnection",
    "httpx",
    "boto",
    "smtplib",
    "ftplib",
];

/// Which transform a pool belongs to: by the first method its work goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// `map`, `imap`, `imap_unordered`, `starmap`: `threadpool-network-io`.
    Map,
    /// `submit`, `apply_async`: `threadpool-submit-network-io`.
    Submit,
}

/// What corral says about one pool.
pub struct Judgement {
    pub family: Family,
    pub range: Range<usize>,
    pub message: String,
    pub fix: Option<Fix>,
}

/// Every pool in the file that does network I/O, judged.
pub fn judge_pools(ctx: &Context) -> Vec<Judgement> {
    let mut out = Vec::new();
    let mut stack = vec![ctx.tree.root_node()];
    while let Some(node) = stack.pop() {
        if node.kind() == "call" {
            if let Some(judgement) = judge_constructor(ctx, node) {
                out.push(judgement);
            }
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    out.sort_by_key(|j| j.range.start);
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Api {
    /// `concurrent.futures`: `map(fn, *iterables)`, `submit(fn, *args, **kwargs)`.
    Executor,
    /// `multiprocessing.pool`: `map`, `imap`, `imap_unordered`, `starmap`, `apply_async`.
    Multiprocessing,
}

#[derive(Debug, Clone, Copy)]
struct Class {
    api: Api,
    process: bool,
    /// How messages name it.
    label: &'static str,
}

fn pool_class(q: &str) -> Option<Class> {
    let class = |api, process, label| {
        Some(Class {
            api,
            process,
            label,
        })
    };
    match q {
        "concurrent.futures.ThreadPoolExecutor" => class(Api::Executor, false, "thread pool"),
        "concurrent.futures.ProcessPoolExecutor" => {
            class(Api::Executor, true, "ProcessPoolExecutor")
        }
        "multiprocessing.pool.ThreadPool" | "multiprocessing.dummy.Pool" => {
            class(Api::Multiprocessing, false, "thread pool")
        }
        "multiprocessing.Pool" | "multiprocessing.pool.Pool" => {
            class(Api::Multiprocessing, true, "multiprocessing process pool")
        }
        _ => None,
    }
}

/// One pool: where it is made, the statements its work is spread over, and how it is closed.
struct Site<'t> {
    class: Class,
    ctor: Node<'t>,
    name: &'t str,
    /// The `with` statement, or the assignment's statement.
    head: Node<'t>,
    /// For a `with`: its body.
    body: Option<Node<'t>>,
    /// The statements the pool's work is spread over, in order, all in one block.
    statements: Vec<Node<'t>>,
    /// `ex.shutdown()`, `pool.close()`, `pool.join()`: removed.
    closing: Vec<Node<'t>>,
}

impl Site<'_> {
    /// The whole lines the pool occupies, from its head to its last statement or closing call.
    fn span(&self, ctx: &Context) -> Range<usize> {
        let last = self
            .closing
            .last()
            .or(self.statements.last())
            .copied()
            .unwrap_or(self.head);
        ctx.line_start(self.head.start_byte())
            ..ctx.line_end(last.end_byte().max(self.head.end_byte()))
    }

    /// Where the pool's block ends: code after it sees every task finished.
    fn end(&self) -> usize {
        match self.body {
            Some(_) => self.head.end_byte(),
            None => self
                .closing
                .last()
                .or(self.statements.last())
                .map_or(self.head.end_byte(), |s| s.end_byte()),
        }
    }
}

fn judge_constructor<'t>(ctx: &Context<'_, 't>, call: Node<'t>) -> Option<Judgement> {
    let callee = call.child_by_field_name("function")?;
    let class = pool_class(&ctx.semantic.qualified_name(callee)?)?;
    let site = match locate(ctx, call, class) {
        Ok(site) => site,
        Err(Unsupported { head, why }) => {
            // Only a pool that does network I/O is corral's business.
            let spawned = loose_spawns(ctx, call)?;
            return Some(report(ctx, &spawned, head, class, &why));
        }
    };
    let spawns = match spawns(ctx, &site) {
        Ok(spawns) => spawns,
        Err((spawns, why)) => {
            let network: Vec<&Spawn> = spawns.iter().filter(|s| s.worker.is_network()).collect();
            let first = network.first()?;
            return Some(report_spawn(ctx, first, site.head, class, &why));
        }
    };
    let first = spawns.iter().find(|s| s.worker.is_network())?;
    if class.process {
        return Some(report_spawn(
            ctx,
            first,
            site.head,
            class,
            "corral does not move process pools",
        ));
    }
    if let Some(why) = pool_refusal(ctx, &site) {
        return Some(report_spawn(ctx, first, site.head, class, &why));
    }
    let family = first.family;
    let what = first.what(ctx, class);
    let range = head_range(ctx, site.head);
    match rewrite(ctx, &site, &spawns) {
        Err(why) if why.is_empty() => None,
        Ok((fix, how)) => Some(Judgement {
            family,
            range,
            message: format!("{what}; {how}"),
            fix: Some(fix),
        }),
        Err(why) => Some(Judgement {
            family,
            range,
            message: format!("{what}, but {why}"),
            fix: None,
        }),
    }
}

/// Why a pool made in a way corral does not move stays, and where it was made.
struct Unsupported<'t> {
    head: Node<'t>,
    why: String,
}

fn locate<'t>(
    ctx: &Context<'_, 't>,
    call: Node<'t>,
    class: Class,
) -> Result<Site<'t>, Unsupported<'t>> {
    let parent = call.parent();
    let statement = syntax::ancestor(call, "expression_statement")
        .or_else(|| syntax::ancestor(call, "with_statement"))
        .unwrap_or(call);
    let unsupported = |why: &str| Unsupported {
        head: statement,
        why: why.to_string(),
    };
    match parent.map(|p| p.kind()) {
        Some("as_pattern") => {
            let pattern = parent.expect("checked");
            let item = pattern.parent().filter(|i| i.kind() == "with_item");
            let clause = item.and_then(|i| i.parent());
            let with = clause
                .and_then(|c| c.parent())
                .filter(|w| w.kind() == "with_statement");
            let (Some(clause), Some(with)) = (clause, with) else {
                return Err(unsupported("the pool is not made in a shape corral moves"));
            };
            if syntax::is_async_with(with) || clause.named_child_count() != 1 {
                return Err(Unsupported {
                    head: with,
                    why: "its `with` statement manages something else too".into(),
                });
            }
            let name = pattern
                .child_by_field_name("alias")
                .and_then(|a| a.named_child(0))
                .filter(|a| a.kind() == "identifier");
            let (Some(name), Some(body)) = (name, with.child_by_field_name("body")) else {
                return Err(Unsupported {
                    head: with,
                    why: "the pool is not bound to a name".into(),
                });
            };
            let mut cursor = body.walk();
            let statements: Vec<Node> = body
                .named_children(&mut cursor)
                .filter(|s| s.kind() != "comment")
                .collect();
            let _ = class;
            Ok(Site {
                class,
                ctor: call,
                name: ctx.text(name),
                head: with,
                body: Some(body),
                statements,
                closing: Vec::new(),
            })
        }
        Some("assignment") => {
            let assignment = parent.expect("checked");
            let target = assignment
                .child_by_field_name("left")
                .filter(|l| l.kind() == "identifier");
            let head = assignment
                .parent()
                .filter(|s| s.kind() == "expression_statement");
            let (Some(target), Some(head)) = (target, head) else {
                return Err(unsupported(
                    "the pool is kept somewhere other than a local name; corral moves a pool \
                     made and used in one block",
                ));
            };
            let name = ctx.text(target);
            // The statements after it in its block, up to its shutdown.
            let mut statements = Vec::new();
            let mut closing = Vec::new();
            let mut next = head.next_named_sibling();
            while let Some(s) = next {
                next = s.next_named_sibling();
                if s.kind() == "comment" {
                    continue;
                }
                if is_closing(ctx, s, name) {
                    closing.push(s);
                    continue;
                }
                if !closing.is_empty() {
                    break;
                }
                statements.push(s);
            }
            if closing.is_empty() {
                // Never shut down: the block is as far as the pool or its futures are used.
                let last = statements
                    .iter()
                    .rposition(|s| mentions(ctx, *s, name) || mentions_futures(ctx, *s));
                statements.truncate(last.map_or(0, |l| l + 1));
            }
            // Every use of the pool must lie in that block.
            let binding_scope = ctx.semantic.lookup(name, target).map(<[_]>::as_ptr);
            let inside = |n: Node| {
                statements
                    .iter()
                    .chain(closing.iter())
                    .any(|s| s.byte_range().contains(&n.start_byte()))
            };
            let mut stack = vec![ctx.tree.root_node()];
            while let Some(n) = stack.pop() {
                if n.kind() == "identifier"
                    && ctx.text(n) == name
                    && n != target
                    && ctx.semantic.lookup(name, n).map(<[_]>::as_ptr) == binding_scope
                    && !inside(n)
                {
                    return Err(Unsupported {
                        head,
                        why: format!(
                            "`{name}` is used outside the block that makes it; corral moves a \
                             pool made and used in one block"
                        ),
                    });
                }
                let mut cursor = n.walk();
                stack.extend(n.named_children(&mut cursor));
            }
            Ok(Site {
                class,
                ctor: call,
                name,
                head,
                body: None,
                statements,
                closing,
            })
        }
        _ => Err(unsupported(
            "the pool is not made by `with ... as name:` or `name = ...`, the shapes corral moves",
        )),
    }
}

/// `ex.shutdown(...)`, `pool.close()`, `pool.join()`, `pool.terminate()` as a statement.
fn is_closing(ctx: &Context, statement: Node, name: &str) -> bool {
    let Some(call) = statement.named_child(0).filter(|c| c.kind() == "call") else {
        return false;
    };
    call.child_by_field_name("function").is_some_and(|f| {
        f.kind() == "attribute"
            && f.child_by_field_name("object")
                .is_some_and(|o| ctx.text(o) == name)
            && f.child_by_field_name("attribute")
                .is_some_and(|a| matches!(ctx.text(a), "shutdown" | "close" | "join" | "terminate"))
    })
}

fn mentions(ctx: &Context, root: Node, name: &str) -> bool {
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node.kind() == "identifier" && ctx.text(node) == name {
            return true;
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    false
}

/// Whether a statement waits on futures: `.result()`, `.get()` or `as_completed`.
fn mentions_futures(ctx: &Context, root: Node) -> bool {
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node.kind() == "call" {
            let callee = node.child_by_field_name("function");
            let waits = callee.is_some_and(|f| match f.kind() {
                "attribute" => f
                    .child_by_field_name("attribute")
                    .is_some_and(|a| matches!(ctx.text(a), "result" | "get" | "as_completed")),
                _ => ctx.text(f) == "as_completed",
            });
            if waits {
                return true;
            }
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    false
}

/// The methods through which work goes into a pool.
fn spawn_family(api: Api, method: &str) -> Option<Family> {
    match (api, method) {
        (Api::Executor, "map") => Some(Family::Map),
        (Api::Executor, "submit") => Some(Family::Submit),
        (Api::Multiprocessing, "map" | "imap" | "imap_unordered" | "starmap") => Some(Family::Map),
        (Api::Multiprocessing, "apply_async") => Some(Family::Submit),
        _ => None,
    }
}

/// One call that hands work to the pool.
struct Spawn<'t> {
    call: Node<'t>,
    method: &'t str,
    family: Family,
    worker_node: Node<'t>,
    worker: Worker<'t>,
    /// `submit`: the positional arguments after the callable; `map`: the iterables.
    args: Vec<Node<'t>>,
    /// `submit`'s keyword arguments.
    keywords: Vec<Node<'t>>,
}

impl Spawn<'_> {
    fn what(&self, ctx: &Context, class: Class) -> String {
        let verb = match self.family {
            Family::Map => "maps",
            Family::Submit => "submits",
        };
        let pool = match class.label {
            "thread pool" => "the thread pool".to_string(),
            other => format!("a {other}"),
        };
        format!(
            "{pool} {verb} network I/O (`{}`)",
            first_line(ctx.text(self.worker_node))
        )
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}

fn report<'t>(
    ctx: &Context<'_, 't>,
    spawns: &[Spawn<'t>],
    head: Node<'t>,
    class: Class,
    why: &str,
) -> Judgement {
    report_spawn(ctx, &spawns[0], head, class, why)
}

fn report_spawn<'t>(
    ctx: &Context<'_, 't>,
    spawn: &Spawn<'t>,
    head: Node<'t>,
    class: Class,
    why: &str,
) -> Judgement {
    let what = spawn.what(ctx, class);
    let joined = if why.starts_with("corral") {
        format!("{what}; {why}")
    } else {
        format!("{what}, but {why}")
    };
    Judgement {
        family: spawn.family,
        range: head_range(ctx, head),
        message: joined,
        fix: None,
    }
}

/// A finding's range: the pool's head, up to its block.
fn head_range(ctx: &Context, head: Node) -> Range<usize> {
    match head.child_by_field_name("body") {
        Some(body) if head.kind() == "with_statement" => head.start_byte()..body.start_byte(),
        _ => {
            head.start_byte()
                ..ctx
                    .line_end(head.start_byte())
                    .min(head.end_byte())
                    .max(head.start_byte())
        }
    }
}

/// For a pool made in a way corral does not move: its network spawns, found through the name it
/// is bound to, if any.
fn loose_spawns<'t>(ctx: &Context<'_, 't>, ctor: Node<'t>) -> Option<Vec<Spawn<'t>>> {
    let class = pool_class(
        &ctx.semantic
            .qualified_name(ctor.child_by_field_name("function")?)?,
    )?;
    let parent = ctor.parent()?;
    let name = match parent.kind() {
        "assignment" => parent.child_by_field_name("left")?,
        "as_pattern" => parent.child_by_field_name("alias")?.named_child(0)?,
        _ => return None,
    };
    let name = ctx.text(name);
    let scope = syntax::ancestor(ctor, "function_definition").unwrap_or(ctx.tree.root_node());
    let mut found = Vec::new();
    let mut stack = vec![scope];
    while let Some(node) = stack.pop() {
        if node.kind() == "call" {
            if let Some(spawn) = spawn_of(ctx, node, name, class.api) {
                if spawn.worker.is_network() {
                    found.push(spawn);
                }
            }
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    found.sort_by_key(|s| s.call.start_byte());
    (!found.is_empty()).then_some(found)
}

/// `call` as work handed to the pool `name`, if it is.
fn spawn_of<'t>(ctx: &Context<'_, 't>, call: Node<'t>, name: &str, api: Api) -> Option<Spawn<'t>> {
    let callee = call.child_by_field_name("function")?;
    if callee.kind() != "attribute" || ctx.text(callee.child_by_field_name("object")?) != name {
        return None;
    }
    let method = ctx.text(callee.child_by_field_name("attribute")?);
    let family = spawn_family(api, method)?;
    let (positional, keywords) = ctx.split_arguments(call);
    let (worker_node, rest) = positional.split_first()?;
    let (args, keywords) = match (api, method) {
        (Api::Multiprocessing, "apply_async") => {
            // apply_async(func, args=(...)): the tuple's items are the arguments.
            let tuple = rest.first().copied().or_else(|| {
                ctx.keyword(call, "args")
                    .and_then(|k| k.child_by_field_name("value"))
            });
            let mut items = Vec::new();
            if let Some(tuple) = tuple.filter(|t| matches!(t.kind(), "tuple" | "list")) {
                let mut cursor = tuple.walk();
                items = tuple
                    .named_children(&mut cursor)
                    .filter(|n| n.kind() != "comment")
                    .collect();
            }
            // `args=` is read above; `kwds=`, `callback=`, `error_callback=` stay, for
            // `spawn_use` to refuse.
            let rest_keywords = keywords
                .into_iter()
                .filter(|k| {
                    k.child_by_field_name("name")
                        .is_none_or(|n| ctx.text(n) != "args")
                })
                .collect();
            (items, rest_keywords)
        }
        _ => (rest.to_vec(), keywords),
    };
    let worker = match family {
        Family::Submit => classify_worker_with(ctx, *worker_node, &args),
        Family::Map => classify_worker_with(ctx, *worker_node, &repeated_items(ctx, &args)),
    };
    Some(Spawn {
        call,
        method,
        family,
        worker_node: *worker_node,
        worker,
        args,
        keywords,
    })
}

/// What a map hands its worker at each position, where every item is the same value:
/// `[session] * len(urls)`, `itertools.repeat(session)`; the iterable itself elsewhere, which
/// stands for nothing the worker can call.
fn repeated_items<'t>(ctx: &Context<'_, 't>, iterables: &[Node<'t>]) -> Vec<Node<'t>> {
    iterables
        .iter()
        .map(|it| {
            let repeated = match it.kind() {
                "binary_operator"
                    if it
                        .child_by_field_name("operator")
                        .is_some_and(|o| ctx.text(o) == "*") =>
                {
                    [
                        it.child_by_field_name("left"),
                        it.child_by_field_name("right"),
                    ]
                    .into_iter()
                    .flatten()
                    .find(|side| side.kind() == "list" && side.named_child_count() == 1)
                    .and_then(|list| list.named_child(0))
                }
                "call" => it
                    .child_by_field_name("function")
                    .and_then(|f| ctx.semantic.qualified_name(f))
                    .filter(|q| q == "itertools.repeat")
                    .and_then(|_| it.child_by_field_name("arguments"))
                    .and_then(|a| a.named_child(0))
                    .filter(|a| a.kind() != "keyword_argument"),
                _ => None,
            };
            repeated.unwrap_or(*it)
        })
        .collect()
}

/// The spawns of the pool's block; every use of the pool there must be one. On an error, the
/// spawns found so far come back with it, so that only a network pool is reported.
#[allow(clippy::type_complexity)]
fn spawns<'t>(
    ctx: &Context<'_, 't>,
    site: &Site<'t>,
) -> Result<Vec<Spawn<'t>>, (Vec<Spawn<'t>>, String)> {
    let mut found = Vec::new();
    let mut problem = None;
    for statement in &site.statements {
        let mut stack = vec![*statement];
        while let Some(node) = stack.pop() {
            if node.kind() == "identifier" && ctx.text(node) == site.name {
                let call = node
                    .parent()
                    .filter(|p| {
                        p.kind() == "attribute" && p.child_by_field_name("object") == Some(node)
                    })
                    .and_then(|a| a.parent())
                    .filter(|c| c.kind() == "call");
                match call.and_then(|c| spawn_of(ctx, c, site.name, site.class.api)) {
                    Some(spawn) => {
                        if inside_nested_scope(spawn.call, *statement) {
                            let user = syntax::ancestor(spawn.call, "function_definition")
                                .map_or("a lambda", |f| function_name(ctx, f));
                            problem.get_or_insert(format!(
                                "the pool is made in one place and used inside `{user}`; corral \
                                 moves a pool made and used in one block"
                            ));
                        }
                        found.push(spawn);
                    }
                    None => {
                        let shown = node.parent().map_or(site.name, |p| ctx.text(p));
                        problem.get_or_insert(format!(
                            "the block also uses the pool as `{}`, which corral does not move",
                            first_line(shown)
                        ));
                    }
                }
            }
            let mut cursor = node.walk();
            stack.extend(node.named_children(&mut cursor));
        }
    }
    found.sort_by_key(|s| s.call.start_byte());
    match problem {
        Some(why) => Err((found, why)),
        None if found.is_empty() => Err((found, "nothing is handed to it".into())),
        None => Ok(found),
    }
}

fn inside_nested_scope(node: Node, stop: Node) -> bool {
    let mut current = node.parent();
    while let Some(n) = current {
        if n == stop {
            return syntax::is_nested_scope(n);
        }
        if syntax::is_nested_scope(n) {
            return true;
        }
        current = n.parent();
    }
    false
}

/// Pool-level reasons the work cannot move: an initializer the tasks' threads would not run.
fn pool_refusal<'t>(ctx: &Context<'_, 't>, site: &Site<'t>) -> Option<String> {
    let (_, keywords) = ctx.split_arguments(site.ctor);
    for kw in keywords {
        let name = kw.child_by_field_name("name").map_or("", |n| ctx.text(n));
        if matches!(name, "initializer" | "initargs") {
            return Some(format!(
                "the pool runs an `{name}` in each of its threads, which asyncio.to_thread's \
                 threads would not run"
            ));
        }
    }
    let (positional, _) = ctx.split_arguments(site.ctor);
    if site.class.api == Api::Multiprocessing && positional.len() > 1 {
        return Some("the pool is given an initializer, which corral does not move".into());
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Where the pool stands: the function or module code that becomes async.

/// How the pool's code becomes async.
enum Container<'t> {
    /// In an `async def`: rewritten in place.
    Async { function: Node<'t> },
    /// A synchronous function of a script: an async implementation named `shim` plus a sync
    /// shim with the original's signature.
    Shim { function: Node<'t>, shim: String },
    /// A synchronous library function, with `--library-variants`: an additive `async def`
    /// variant named `variant`, the function left as it is.
    Variant { function: Node<'t>, variant: String },
    /// Module-level code of a script: the statements in `moved` become `async def <name>()`,
    /// run by `asyncio.run`; `guard` is the `if __name__ == "__main__":` they are the body of.
    Main {
        moved: Range<usize>,
        statements: Vec<Node<'t>>,
        guard: Option<Node<'t>>,
        name: String,
    },
}

impl<'t> Container<'t> {
    fn function(&self) -> Option<Node<'t>> {
        match self {
            Container::Async { function }
            | Container::Shim { function, .. }
            | Container::Variant { function, .. } => Some(*function),
            Container::Main { .. } => None,
        }
    }
}

fn container<'t>(ctx: &Context<'_, 't>, site: &Site<'t>) -> Result<Container<'t>, String> {
    let head = site.head;
    let function = syntax::ancestor(head, "function_definition");
    let stop = function.unwrap_or(ctx.semantic.root());
    if syntax::inside(head, "class_definition", stop) || syntax::inside(head, "lambda", stop) {
        return Err("in a class body; corral moves pools in functions and module code".into());
    }
    check_enclosing_handlers(ctx, head, stop)?;
    let Some(function) = function else {
        return main_container(ctx, site);
    };
    if function.child(0).is_some_and(|c| c.kind() == "async") {
        return Ok(Container::Async { function });
    }
    if syntax::contains_kind(
        function.child_by_field_name("body").unwrap_or(function),
        "yield",
    ) {
        return Err(format!(
            "in `{}`, a generator: an async version would be an async generator, which its \
             callers cannot iterate as they do",
            function_name(ctx, function)
        ));
    }
    match crate::http::sync_policy(ctx, function) {
        Ok(shim) => Ok(Container::Shim { function, shim }),
        Err(why) if crate::http::is_library_reason(&why) && has_async_variant(ctx, function) => {
            // The library already offers an async variant next to its sync API: its choice.
            let _ = why;
            Err(String::new())
        }
        Err(why) if ctx.settings.library_variants && crate::http::is_library_reason(&why) => {
            let name = function_name(ctx, function);
            let variant = crate::http::variant_name(ctx, function, name).ok_or_else(|| {
                format!("in the synchronous `{name}`: `{name}_async` is already taken, so corral cannot add an async variant by that name")
            })?;
            Ok(Container::Variant { function, variant })
        }
        Err(why) => Err(format!(
            "in the synchronous `{}`: {why}",
            function_name(ctx, function)
        )),
    }
}

/// Whether an async variant stands next to the function, by the names libraries give one:
/// `<name>_async`, `async_<name>`, `a<name>` (`_agenerate` for `_generate`).
fn has_async_variant<'t>(ctx: &Context<'_, 't>, function: Node<'t>) -> bool {
    let name = function_name(ctx, function);
    let bare = name.trim_start_matches('_');
    let underscores = &name[..name.len() - bare.len()];
    [
        format!("{name}_async"),
        format!("{underscores}async_{bare}"),
        format!("{underscores}a{bare}"),
    ]
    .iter()
    .any(|variant| {
        crate::http::sibling_def(ctx, function, variant)
            .is_some_and(|d| d.child(0).is_some_and(|c| c.kind() == "async"))
    })
}

/// A `try` around the pool whose handlers would see other exceptions after the move: an
/// `ExceptionGroup` from a TaskGroup, httpx's exceptions, `CancelledError` for Ctrl-C. Handlers
/// of `Exception` (or broader) still catch what they caught.
fn check_enclosing_handlers(ctx: &Context, node: Node, stop: Node) -> Result<(), String> {
    for handler in syntax::enclosing_handlers(node, stop) {
        let broad = match syntax::except_types(handler) {
            None => true,
            Some(types) => types.iter().all(|t| {
                matches!(
                    ctx.semantic
                        .qualified_name(*t)
                        .or_else(|| (ctx.semantic.lookup(ctx.text(*t), *t).is_none())
                            .then(|| format!("builtins.{}", ctx.text(*t))))
                        .as_deref(),
                    Some("builtins.Exception" | "builtins.BaseException")
                )
            }),
        };
        if !broad {
            let caught = syntax::except_types(handler)
                .unwrap_or_default()
                .iter()
                .map(|t| ctx.text(*t))
                .collect::<Vec<_>>()
                .join(", ");
            return Err(format!(
                "inside a try statement that catches `{caught}`: after the move it would see \
                 other exceptions (an ExceptionGroup, httpx's, or a cancellation for Ctrl-C); \
                 corral leaves it to you"
            ));
        }
    }
    Ok(())
}

/// Module-level code: the script's `if __name__ == "__main__":` body, or the run of module
/// statements from the pool's up to the next definition or import.
fn main_container<'t>(ctx: &Context<'_, 't>, site: &Site<'t>) -> Result<Container<'t>, String> {
    let root = ctx.semantic.root();
    // The module-level statement holding the pool.
    let mut top = site.head;
    while let Some(parent) = top.parent() {
        if parent == root {
            break;
        }
        top = parent;
    }
    let guard = (is_main_guard(ctx, top)
        && top
            .child_by_field_name("consequence")
            .is_some_and(|c| c.byte_range().contains(&site.head.start_byte())))
    .then_some(top);
    let statements: Vec<Node> = match guard {
        Some(guard) => {
            let body = guard.child_by_field_name("consequence").ok_or("no body")?;
            let mut cursor = body.walk();
            let found: Vec<Node> = body
                .named_children(&mut cursor)
                .filter(|s| s.kind() != "comment")
                .collect();
            found
        }
        None => {
            let mut found = vec![top];
            let mut next = top.next_named_sibling();
            while let Some(s) = next {
                if matches!(
                    s.kind(),
                    "function_definition"
                        | "class_definition"
                        | "decorated_definition"
                        | "import_statement"
                        | "import_from_statement"
                        | "future_import_statement"
                ) || is_main_guard(ctx, s)
                {
                    break;
                }
                if s.kind() != "comment" {
                    found.push(s);
                }
                next = s.next_named_sibling();
            }
            found
        }
    };
    for statement in &statements {
        if syntax::contains_kind(*statement, "global_statement") {
            return Err(
                "at module level with a `global` statement, which corral does not move".into(),
            );
        }
    }
    let first = statements.first().ok_or("no statements")?;
    let last = statements.last().ok_or("no statements")?;
    let moved = ctx.line_start(first.start_byte())..ctx.line_end(last.end_byte());
    let name = fresh_main(ctx);
    Ok(Container::Main {
        moved,
        statements,
        guard,
        name,
    })
}

fn fresh_main(ctx: &Context) -> String {
    let name = ctx.semantic.fresh_name("main");
    if name == "main" {
        name
    } else {
        ctx.semantic.fresh_name("_main")
    }
}

fn is_main_guard(ctx: &Context, statement: Node) -> bool {
    statement.kind() == "if_statement"
        && statement.child_by_field_name("condition").is_some_and(|c| {
            let text: String = ctx
                .text(c)
                .chars()
                .filter(|ch| !ch.is_whitespace())
                .collect();
            matches!(
                text.as_str(),
                "__name__==\"__main__\""
                    | "__name__=='__main__'"
                    | "\"__main__\"==__name__"
                    | "'__main__'==__name__"
            )
        })
}

// ---------------------------------------------------------------------------------------------
// The rewrite.

/// Names the rewrite introduces, local to the code that becomes async: each fresh against that
/// code's words, the module's names and the others chosen.
struct Names<'a, 't> {
    ctx: &'a Context<'a, 't>,
    /// The text of the function (or module code) the names are local to.
    scope: &'t str,
    taken: Vec<String>,
}

impl Names<'_, '_> {
    fn fresh(&mut self, base: &str) -> String {
        let mut n = 1;
        loop {
            let candidate = if n == 1 {
                base.to_string()
            } else {
                format!("{base}_{n}")
            };
            if !self.taken.contains(&candidate)
                && !crate::outline::has_word(self.scope.as_bytes(), &candidate)
                && self.ctx.semantic.module_bindings(&candidate).is_empty()
            {
                self.taken.push(candidate.clone());
                return candidate;
            }
            n += 1;
        }
    }
}

/// How a spawn's value is consumed.
enum Use<'t> {
    /// `for target in ex.map(...): body`: each result in turn.
    Stream {
        header: Node<'t>,
        target: Node<'t>,
        body: Node<'t>,
        ordered: bool,
    },
    /// The results as a list: `node` (the map call, or `list(...)` around it) is replaced.
    List { node: Node<'t> },
    /// `ex.map(...)` as a statement: nothing reads the results.
    UnreadMap { statement: Node<'t> },
    /// `for x in xs: ex.submit(fn, x)`: nothing reads the futures.
    UnreadLoop {
        statement: Node<'t>,
        loop_: Node<'t>,
    },
    /// `ex.submit(...)` whose future is kept.
    Future,
}

/// Where the futures of `submit` are kept and how they are read.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Holder {
    /// A list, or a dict whose keys are futures: `*name` gathers them.
    Keys,
    /// A dict whose values are futures.
    Values,
    /// One future.
    Single,
}

struct Reads<'t> {
    /// `fut.result()` / `res.get()` calls, each inside the pool's block or after it.
    reads: Vec<Node<'t>>,
    /// `for fut in as_completed(futures):` loops.
    completed: Vec<Node<'t>>,
    /// Names holding futures, with how.
    holders: Vec<(&'t str, Holder, Node<'t>)>,
}

/// What the pool's work becomes, and the message's closing words.
fn rewrite<'t>(
    ctx: &Context<'_, 't>,
    site: &Site<'t>,
    spawns: &[Spawn<'t>],
) -> Result<(Fix, String), String> {
    if let Some(why) = spawns.iter().find_map(|s| s.worker.declined()) {
        return Err(why.to_string());
    }
    let container = container(ctx, site)?;
    let first_statement = site.body.and_then(|b| {
        let mut cursor = b.walk();
        let first = b
            .named_children(&mut cursor)
            .find(|n| n.kind() != "comment");
        first
    });
    if first_statement.is_some_and(|first| !ctx.starts_line(first.start_byte())) {
        return Err("its block stands on the `with` line, which corral does not move".into());
    }
    if spawns.iter().any(|s| {
        s.family == Family::Map
            && s.args
                .iter()
                .any(|a| syntax::contains_kind(*a, "named_expression"))
    }) {
        return Err(
            "its iterable assigns with `:=`, which a comprehension's iterable cannot".into(),
        );
    }
    let region = container.function().unwrap_or(ctx.semantic.root());
    if mixes_tabs_and_spaces(ctx.text(region)) {
        return Err(
            "its indentation mixes tabs and spaces, which corral does not re-indent".into(),
        );
    }
    let swapped: Vec<Spawn<'t>>;
    let spawns = match read_alike_spawns(ctx, site, spawns, &container) {
        Some(alike) => {
            swapped = alike;
            &swapped[..]
        }
        None => spawns,
    };
    let uses: Vec<Use> = spawns
        .iter()
        .map(|s| spawn_use(ctx, site, s))
        .collect::<Result<_, _>>()?;
    let reads = future_reads(ctx, site, spawns, &uses, &container)?;
    check_blocking(ctx, site, spawns)?;
    let target = ctx.settings.target;
    let has_future = uses.iter().any(|u| matches!(u, Use::Future));
    let unread = uses
        .iter()
        .any(|u| matches!(u, Use::UnreadMap { .. } | Use::UnreadLoop { .. }));
    if has_future && unread {
        return Err("it mixes futures that are read with work whose results are never read".into());
    }
    if unread && !site.closing.is_empty() && site.body.is_none() && is_terminate(ctx, site) {
        return Err("the pool is terminated, which cancels work nobody waited for".into());
    }
    if site.body.is_none() && site.closing.is_empty() && unread {
        return Err(
            "nothing waits for the pool's work (it is never shut down and its results are never \
             read), so corral cannot tell where the work must be finished"
                .into(),
        );
    }
    if site.class.api == Api::Multiprocessing && site.body.is_some() && unread {
        return Err("the pool's `with` terminates work whose results were never read".into());
    }
    for (spawn, used) in spawns.iter().zip(&uses) {
        if let (Use::UnreadMap { statement } | Use::UnreadLoop { statement, .. }, Some(last)) =
            (used, site.statements.last())
        {
            if statement != last {
                return Err(format!(
                    "the results of `{}` are never read and more code follows it in the block, \
                     which ran while the work did",
                    first_line(ctx.text(spawn.call))
                ));
            }
        }
        if let Use::Stream { body, .. } = used {
            if own_exits(*body) {
                return Err(
                    "the loop over its results stops early (break or return): a TaskGroup has \
                     already started every item, so corral leaves it"
                        .into(),
                );
            }
        }
    }
    // httpx only when every worker allows it and the handlers that see its failures map.
    let mut backend_reason: Option<String> = None;
    if ctx.settings.http_client == HttpClient::ToThread {
        backend_reason = Some(String::new());
    }
    for spawn in spawns {
        if backend_reason.is_none() {
            match &spawn.worker {
                Worker::Thread { why } => backend_reason = Some(why.clone()),
                Worker::Call { verb, fixed, .. }
                    if spawn.method != "starmap" && {
                        let expected = if verb == "request" { 2 } else { 1 };
                        fixed.len() + spawn.args.len() != expected
                    } =>
                {
                    backend_reason = Some(format!(
                        "`{}` is given positional arguments after the URL, which httpx takes as \
                         keywords",
                        first_line(ctx.text(spawn.worker_node))
                    ))
                }
                Worker::Call { verb, .. }
                    if spawn.family == Family::Submit
                        && crate::http::map_keywords(ctx, verb, &spawn.keywords).is_err() =>
                {
                    backend_reason = crate::http::map_keywords(ctx, verb, &spawn.keywords)
                        .err()
                        .map(|why| format!("`{}` {why}", first_line(ctx.text(spawn.call))));
                }
                Worker::Call { .. } if spawn.method == "starmap" => {
                    backend_reason = Some(
                        "starmap unpacks each item into requests' arguments, which httpx takes \
                         as keywords after the URL"
                            .into(),
                    )
                }
                Worker::NotNetwork => {
                    backend_reason = Some(format!(
                        "`{}` is not network I/O",
                        first_line(ctx.text(spawn.worker_node))
                    ))
                }
                _ => {}
            }
        }
    }
    let mut handler_edits = Vec::new();
    if backend_reason.is_none() {
        match map_handlers(ctx, &reads, &container) {
            Ok(edits) => handler_edits = edits,
            Err(why) => backend_reason = Some(why),
        }
    }
    let httpx = backend_reason.is_none();
    if !httpx && target < PyVersion(9) {
        return Err(format!(
            "its calls would run through asyncio.to_thread, which needs Python 3.9, and the \
             target is {target}{}",
            backend_reason
                .as_deref()
                .filter(|w| !w.is_empty())
                .map(|w| format!(" ({w})"))
                .unwrap_or_default()
        ));
    }
    let backend = if httpx {
        Backend::new(ctx, site.head)?
    } else {
        backend_to_thread(ctx, site.head)?
    };
    let asyncio = backend.asyncio.clone();
    let scope = match &container {
        Container::Main { moved, .. } => ctx.text_range(moved.clone()),
        other => other.function().map_or(ctx.src, |f| ctx.text(f)),
    };
    let mut names = Names {
        ctx,
        scope,
        taken: Vec::new(),
    };
    let limiter = names.fresh("_limiter");
    let bounded = names.fresh("_bounded");
    let client = names.fresh("_client");
    let mut module_statements = backend.module_statements.clone();
    let mut changes_early: Vec<String> = Vec::new();
    let (limit, limit_note) = match site.class.api {
        Api::Executor => pool_limit(ctx, site.ctor, site.head, &mut module_statements),
        Api::Multiprocessing => mp_limit(ctx, site, &mut module_statements),
    };

    if limit_note == "the thread pool's size was not visible" {
        let default = match site.class.api {
            Api::Executor => "min(32, os.cpu_count() + 4)",
            Api::Multiprocessing => "os.cpu_count()",
        };
        changes_early.push(format!(
            "the pool's default size, {default}, gives way to {limit} ({}) calls at once",
            ctx.settings.max_concurrency
        ));
    }
    let unit = indent_unit(ctx, site, &container);
    let extra = match &container {
        Container::Main { guard: None, .. } => 1,
        _ => 0,
    };
    let base = shifted(
        ctx.line_indent(site.head.start_byte()),
        extra as isize,
        &unit,
    );
    let inner = if httpx {
        format!("{base}{unit}")
    } else {
        base.clone()
    };
    let map_group = target >= PyVersion(11)
        && uses
            .iter()
            .any(|u| matches!(u, Use::Stream { .. } | Use::List { .. }));
    let futures_mode = has_future;
    // A map's timeout runs from the map call for as long as its results are read.
    let mut deadline: Option<String> = None;
    for (spawn, used) in spawns.iter().zip(&uses) {
        let Some(value) = ctx
            .keyword(spawn.call, "timeout")
            .filter(|_| spawn.family == Family::Map)
            .and_then(|k| k.child_by_field_name("value"))
        else {
            continue;
        };
        let read_in_block = match used {
            Use::UnreadMap { .. } => false,
            Use::List { node } if *node == spawn.call => !read_after_block(ctx, site, spawn.call),
            _ => true,
        };
        if !read_in_block {
            changes_early.push(
                "the map's timeout is dropped: its results are read after the pool's block, \
                 which had already waited for every call, so it could not expire"
                    .to_string(),
            );
            continue;
        }
        let stable = match value.kind() {
            "integer" | "float" => true,
            "identifier" => !site
                .statements
                .iter()
                .any(|s| binds_name(ctx, *s, ctx.text(value))),
            _ => false,
        };
        if !stable || deadline.is_some() {
            return Err(format!(
                "`{}` has a timeout corral cannot carry over",
                first_line(ctx.text(spawn.call))
            ));
        }
        deadline = Some(ctx.text(value).to_string());
    }

    // Every edit, in file coordinates; `deltas` says how many units each line moves.
    let mut edits: Vec<Edit> = handler_edits;
    let mut deltas: Vec<(Range<usize>, isize)> = Vec::new();
    let mut changes: Vec<String> = changes_early;
    let mut outside: Vec<Edit> = Vec::new();

    // The callables each spawn awaits, with twins and helpers they need.
    let mut helpers = String::new();
    let mut callables: Vec<String> = Vec::new();
    let mut twins: Vec<(Node, String)> = Vec::new();
    for spawn in spawns {
        let callable = match (&spawn.worker, httpx) {
            (_, false) => format!("{asyncio}.to_thread, {}", ctx.text(spawn.worker_node)),
            (Worker::Call { verb, fixed, .. }, true) => {
                let mut parts = vec![format!("{client}.{verb}")];
                parts.extend(fixed.iter().cloned());
                parts.join(", ")
            }
            (
                Worker::Function {
                    def,
                    name,
                    receiver,
                    fixed,
                    mutates,
                    ..
                },
                true,
            ) => {
                let (twin, text) = crate::http::twin_of(ctx, *def, name)?;
                if let Some(text) = text {
                    if !twins.iter().any(|(d, _)| d == def) {
                        twins.push((*def, text));
                    }
                }
                let reference = match receiver {
                    Some(r) => format!("{r}.{twin}"),
                    None => twin.clone(),
                };
                for attr in mutates {
                    let note = format!(
                        "`{twin}` updates `{attr}` as `{name}` did, from tasks on one thread \
                         instead of the pool's threads"
                    );
                    if !changes.contains(&note) {
                        changes.push(note);
                    }
                }
                let mut parts = vec![reference, client.clone()];
                parts.extend(fixed.iter().cloned());
                parts.join(", ")
            }
            (Worker::Lambda { lambda }, true) => {
                let helper = names.fresh("_call");
                helpers.push_str(&lambda_helper(
                    ctx, *lambda, &helper, &client, &inner, &unit,
                )?);
                helper
            }
            _ => return Err("unreachable worker".into()),
        };
        callables.push(callable);
    }
    let removed = if httpx {
        removed_bindings(ctx, spawns, &container)
    } else {
        Vec::new()
    };
    for (def, text) in &twins {
        let others = references_elsewhere(ctx, *def, spawns, &removed);
        let keep = others || matches!(container, Container::Variant { .. });
        let name = function_name(ctx, *def);
        if keep {
            outside.push(crate::http::twin_after(ctx, *def, text));
            let twin = text
                .split_whitespace()
                .nth(2)
                .and_then(|t| t.split('(').next())
                .unwrap_or_default();
            changes.push(format!(
                "`{name}` stays for its other callers; `{twin}` is its async twin"
            ));
        } else {
            outside.push(Edit::replace(*def, text.clone()));
            changes.push(format!(
                "`{name}` becomes its async twin: nothing else calls it"
            ));
        }
    }

    // How far the block's statements move: into the client block and the TaskGroup.
    let original_depth = match site.body {
        Some(_) => 1,
        None => 0,
    };
    let client_depth = usize::from(httpx);
    // Within the container; moving module code into `main()` adds `extra` to every line.
    let timed_group = map_group && deadline.is_some();
    let statement_shift =
        client_depth as isize + isize::from(map_group) + isize::from(timed_group) - original_depth;

    // A worker named by `fn = functools.partial(...)` is written out where it was used; the
    // binding goes when nothing else reads the name.
    if httpx {
        for statement in removed_bindings(ctx, spawns, &container) {
            let range = ctx.node_lines(statement);
            if !edits.iter().any(|e| e.range == range) {
                edits.push(Edit {
                    range,
                    text: String::new(),
                });
            }
        }
    }

    // The spawns, where they are.
    let mut group_needed = false;
    let mut hoisted: Option<Node> = None;
    let tg = names.fresh("_tg");
    for ((spawn, used), callable) in spawns.iter().zip(&uses).zip(&callables) {
        let extra_kw: Vec<String> = match &spawn.worker {
            Worker::Call { keywords, .. } if httpx => keywords.clone(),
            Worker::Function { keywords, .. } if httpx => keywords.clone(),
            _ => Vec::new(),
        };
        // `submit`'s keywords go to the worker; `map`'s (timeout, chunksize) are the pool's.
        let submit_kw: Vec<String> = match (&spawn.worker, httpx) {
            _ if spawn.family == Family::Map => Vec::new(),
            (Worker::Call { verb, .. }, true) => {
                crate::http::map_keywords(ctx, verb, &spawn.keywords)?
            }
            _ => spawn
                .keywords
                .iter()
                .map(|k| ctx.text(*k).to_string())
                .collect(),
        };
        // The item variables and the clauses that give them, for the map family.
        let (items, clauses) = map_items(ctx, &mut names, spawn);
        let call_args = |args: &str| {
            let mut parts = vec![callable.clone()];
            if !args.is_empty() {
                parts.push(args.to_string());
            }
            parts.extend(extra_kw.iter().cloned());
            parts.extend(submit_kw.iter().cloned());
            format!("{bounded}({})", parts.join(", "))
        };
        match used {
            Use::Stream {
                header,
                target,
                body,
                ordered,
            } => {
                let coroutine = call_args(&items);
                if map_group {
                    group_needed = true;
                    let tasks = names.fresh("_tasks");
                    let task = names.fresh("_task");
                    let indent = ctx.line_indent(header.start_byte()).to_string();
                    // The tasks are created just before the loop.
                    edits.push(Edit::insert(
                        header.start_byte(),
                        format!(
                            "{tasks} = [{tg}.create_task({coroutine}) {clauses}]\n{}",
                            Marker::Indent(indent.clone()).text()
                        ),
                    ));
                    let iterable = if *ordered {
                        tasks.clone()
                    } else {
                        format!("{asyncio}.as_completed({tasks})")
                    };
                    edits.push(Edit {
                        range: target.start_byte()..spawn_node_end(ctx, *header),
                        text: format!("{task} in {iterable}"),
                    });
                    // `target = await task` opens the body.
                    let first = body_start(ctx, *body);
                    let body_indent = ctx.line_indent(first).to_string();
                    edits.push(Edit::insert(
                        first,
                        format!(
                            "{} = await {task}\n{}",
                            ctx.text(*target),
                            Marker::Indent(body_indent).text()
                        ),
                    ));
                } else {
                    edits.push(Edit::replace(
                        spawn.call,
                        gathered(&asyncio, &coroutine, &clauses, deadline.as_deref()),
                    ));
                    changes.push(
                        "the loop handles the results once every request has finished (a \
                         TaskGroup, which streams them, needs 3.11); results keep their order"
                            .into(),
                    );
                    if !ordered {
                        changes.push(
                            "results arrive in input order, which imap_unordered did not promise"
                                .into(),
                        );
                    }
                }
            }
            Use::List { node } => {
                let coroutine = call_args(&items);
                let statement = top_statement(site, *node).ok_or("no statement")?;
                // `results = ex.map(...)` read later inside the block: the iterator gave each
                // result as it came, in order; the list holds them once all have finished.
                let lazy = spawn.method != "map" || site.class.api == Api::Executor;
                if *node == spawn.call
                    && lazy
                    && node.parent().is_some_and(|p| p.kind() == "assignment")
                    && !read_after_block(ctx, site, spawn.call)
                {
                    changes.push(format!(
                        "the code reading the results runs once every request has finished, \
                         where the map's iterator gave each result as soon as {}",
                        if spawn.method == "imap_unordered" {
                            "it was done"
                        } else {
                            "it and those before it were done"
                        }
                    ));
                }
                if map_group {
                    group_needed = true;
                    let tasks = names.fresh("_tasks");
                    let task = names.fresh("_task");
                    let last = site.statements.last() == Some(&statement) && is_simple(statement);
                    let own = innermost_statement(*node);
                    let indent = ctx.line_indent(own.start_byte()).to_string();
                    let create = format!("{tasks} = [{tg}.create_task({coroutine}) {clauses}]");
                    let discarded = node
                        .parent()
                        .is_some_and(|p| p.kind() == "expression_statement")
                        && own == statement;
                    if discarded {
                        // `list(ex.map(...))` for its effects: the group raises what it raised.
                        edits.push(Edit {
                            range: own.start_byte()..own.end_byte(),
                            text: create,
                        });
                        continue;
                    }
                    let text = if last && own == statement {
                        // The tasks are made in the group; the statement reads them after it.
                        hoisted = Some(statement);
                        edits.push(Edit::insert(
                            ctx.line_start(own.start_byte()),
                            format!(
                                "{}{create}\n",
                                shifted(&indent, statement_shift + extra as isize, &unit)
                            ),
                        ));
                        format!("[{task}.result() for {task} in {tasks}]")
                    } else {
                        edits.push(Edit::insert(
                            own.start_byte(),
                            format!("{create}\n{}", Marker::Indent(indent).text()),
                        ));
                        format!("[await {task} for {task} in {tasks}]")
                    };
                    edits.push(Edit::replace(*node, text));
                } else {
                    let text = gathered(&asyncio, &coroutine, &clauses, deadline.as_deref());
                    edits.push(Edit::replace(*node, parenthesize(*node, text)));
                }
            }
            Use::UnreadMap { statement } => {
                let coroutine = call_args(&items);
                edits.push(Edit::replace(
                    *statement,
                    format!(
                        "await {asyncio}.gather(*[{coroutine} {clauses}], return_exceptions=True)"
                    ),
                ));
                changes.push(
                    "nothing read the results, so failures went unseen; they still do \
                     (gather with return_exceptions=True)"
                        .into(),
                );
            }
            Use::UnreadLoop { statement, loop_ } => {
                let args: Vec<String> = spawn
                    .args
                    .iter()
                    .map(|a| ctx.text(*a).to_string())
                    .collect();
                let coroutine = call_args(&args.join(", "));
                let left = loop_.child_by_field_name("left").ok_or("no target")?;
                let right = loop_.child_by_field_name("right").ok_or("no iterable")?;
                edits.push(Edit::replace(
                    *statement,
                    format!(
                        "await {asyncio}.gather(\n{}*[{coroutine} for {} in {}],\n{}return_exceptions=True,\n{})",
                        Marker::Indent(format!("{}{unit}", ctx.line_indent(statement.start_byte()))).text(),
                        ctx.text(left),
                        ctx.text(right),
                        Marker::Indent(format!("{}{unit}", ctx.line_indent(statement.start_byte()))).text(),
                        Marker::Indent(ctx.line_indent(statement.start_byte()).to_string()).text(),
                    ),
                ));
                changes.push(
                    "nothing read the futures, so failures went unseen; they still do \
                     (gather with return_exceptions=True)"
                        .into(),
                );
            }
            Use::Future => {
                let args: Vec<String> = spawn
                    .args
                    .iter()
                    .map(|a| ctx.text(*a).to_string())
                    .collect();
                let coroutine = call_args(&args.join(", "));
                edits.push(Edit::replace(
                    spawn.call,
                    format!("{asyncio}.create_task({coroutine})"),
                ));
            }
        }
    }

    // Futures: reads inside the block are awaited; `as_completed` waits with asyncio.wait.
    let block_end = site.end();
    // A generator expression becomes a list once, however many reads it holds.
    let mut listed: Vec<Node> = Vec::new();
    for read in &reads.reads {
        let receiver = read
            .child_by_field_name("function")
            .and_then(|f| f.child_by_field_name("object"))
            .ok_or("no receiver")?;
        if in_completed_loop(*read, &reads.completed) {
            continue; // done by then: result() returns at once
        }
        if read.start_byte() < block_end {
            let text = format!("await {}", ctx.text(receiver));
            edits.push(Edit::replace(*read, parenthesize(*read, text)));
            if let Some(genexp) = enclosing_genexp(*read, site).filter(|g| !listed.contains(g)) {
                listed.push(genexp);
                edits.extend(genexp_to_list(ctx, genexp)?);
            }
        } else if site.class.api == Api::Multiprocessing {
            let method = read
                .child_by_field_name("function")
                .and_then(|f| f.child_by_field_name("attribute"))
                .ok_or("no method")?;
            outside.push(Edit::replace(method, "result"));
        }
    }
    for loop_ in &reads.completed {
        let call = loop_.child_by_field_name("right").ok_or("no iterable")?;
        let futures = call
            .child_by_field_name("arguments")
            .and_then(|a| a.named_child(0))
            .ok_or("no futures")?;
        let futures_text = ctx.text(futures);
        if loop_.start_byte() >= block_end {
            // After the block every task is done: any order is an order they completed in.
            outside.push(Edit::replace(call, futures_text.to_string()));
            continue;
        }
        let body = loop_.child_by_field_name("body").ok_or("no body")?;
        let target_node = loop_.child_by_field_name("left").ok_or("no target")?;
        if target >= PyVersion(13) {
            edits.push(Edit {
                range: loop_.start_byte()..call.end_byte(),
                text: format!(
                    "async for {} in {asyncio}.as_completed({futures_text})",
                    ctx.text(target_node)
                ),
            });
        } else {
            let pending = names.fresh("_pending");
            let done = names.fresh("_done");
            let indent = ctx.line_indent(loop_.start_byte()).to_string();
            let i1 = Marker::Indent(indent.clone()).text();
            let i2 = Marker::Indent(format!("{indent}{unit}")).text();
            edits.push(Edit {
                range: loop_.start_byte()..call.end_byte(),
                text: format!(
                    "{pending} = set({futures_text})\n{i1}while {pending}:\n{i2}{done}, {pending} = await {asyncio}.wait(\n{}{pending}, return_when={asyncio}.FIRST_COMPLETED\n{i2})\n{i2}for {} in {done}",
                    Marker::Indent(format!("{indent}{unit}{unit}")).text(),
                    ctx.text(target_node)
                ),
            });
            deltas.push((ctx.block_lines(body), 1));
        }
    }

    // Layout: where the block's statements go, and the header and footer around them.
    let mut header = String::new();
    header.push_str(&format!(
        "{base}{limiter} = {}({limit})  # {limit_note}\n",
        backend.semaphore
    ));
    if let Some((client_ref, timeout)) = &backend.client {
        header.push_str(&format!(
            "{base}async with {client_ref}(follow_redirects=True, timeout={timeout}) as {client}:\n"
        ));
    }
    header.push_str(&format!(
        "\n{inner}async def {bounded}(fn, *args, **kwargs):\n{inner}{unit}async with {limiter}:\n{inner}{unit}{unit}return await fn(*args, **kwargs)\n"
    ));
    header.push_str(&helpers);
    header.push('\n');
    let mut footer = String::new();
    debug_assert_eq!(group_needed, map_group);
    if group_needed {
        let mut group_indent = inner.clone();
        if let Some(t) = &deadline {
            header.push_str(&format!("{inner}async with {asyncio}.timeout({t}):\n"));
            group_indent.push_str(&unit);
            changes.push(
                "when the map's timeout expires, the requests still running are cancelled \
                 (the pool left them running)"
                    .into(),
            );
        }
        header.push_str(&format!(
            "{group_indent}async with {asyncio}.TaskGroup() as {tg}:\n"
        ));
        if let Some(h) = hoisted {
            let out = client_depth + 1 + usize::from(timed_group);
            deltas.push((ctx.node_lines(h), -(out as isize)));
        }
    } else if futures_mode {
        // Every task is awaited before the block ends, as the pool's shutdown waited.
        let gathered: Vec<String> = reads
            .holders
            .iter()
            .map(|(name, holder, _)| match holder {
                Holder::Keys => format!("*{name}"),
                Holder::Values => format!("*{name}.values()"),
                Holder::Single => name.to_string(),
            })
            .collect();
        let wait = format!(
            "await {asyncio}.gather({}, return_exceptions=True)",
            gathered.join(", ")
        );
        // Statements up to the last that binds a holder come before the `try`.
        let split = site
            .statements
            .iter()
            .rposition(|s| binds_holder(ctx, *s, &reads.holders))
            .map_or(0, |i| i + 1);
        let rest = &site.statements[split..];
        if rest.is_empty() {
            footer.push_str(&format!("{inner}{wait}\n"));
            changes.push(
                "each failure still arrives where its result is read, as the future's did; the \
                 block waits for every request before it ends, as the pool's shutdown did"
                    .into(),
            );
        } else {
            changes.push(
                "each failure still arrives where its result is read, as the future's did; the \
                 block waits for every request before it ends, also when it raises, as the \
                 pool's shutdown did"
                    .into(),
            );
            let first_rest = rest[0];
            edits.push(Edit::insert(
                ctx.line_start(first_rest.start_byte()),
                format!("{inner}try:\n"),
            ));
            let rest_range = ctx.line_start(first_rest.start_byte())
                ..ctx.line_end(rest.last().expect("not empty").end_byte());
            deltas.push((rest_range, 1));
            footer.push_str(&format!("{inner}finally:\n{inner}{unit}{wait}\n"));
        }
    }
    if let (Some(first), Some(last)) = (site.statements.first(), site.statements.last()) {
        let from = site.body.map_or(ctx.line_start(first.start_byte()), |b| {
            ctx.block_lines(b).start
        });
        deltas.push((from..ctx.line_end(last.end_byte()), statement_shift));
    }
    // The head (and, for a `with`, its header line) gives way to the new header.
    let head_lines = match site.body {
        Some(body) => ctx.line_start(site.head.start_byte())..ctx.block_lines(body).start,
        None => ctx.node_lines(site.head),
    };
    edits.push(Edit {
        range: head_lines,
        text: Marker::Raw(header).text(),
    });
    // Closing calls go; the footer takes their place.
    let footer_at = site
        .statements
        .last()
        .map_or(site.head.end_byte(), |s| ctx.line_end(s.end_byte()));
    if !site.closing.is_empty() {
        let first = site.closing.first().expect("not empty");
        let last = site.closing.last().expect("not empty");
        edits.push(Edit {
            range: ctx.line_start(first.start_byte())..ctx.line_end(last.end_byte()),
            text: Marker::Raw(footer).text(),
        });
    } else if !footer.is_empty() {
        let at = footer_at;
        let newline = if ctx.src[..at].ends_with('\n') {
            ""
        } else {
            "\n"
        };
        edits.push(Edit::insert(
            at,
            Marker::Raw(format!("{newline}{footer}")).text(),
        ));
    }

    // Notes on what changes.
    if group_needed {
        changes.push(
            "the first failure cancels the other requests and is raised inside an ExceptionGroup \
             (the pool raised it bare, in input order)"
                .into(),
        );
    } else if uses
        .iter()
        .any(|u| matches!(u, Use::List { .. } | Use::Stream { .. }))
    {
        changes.push(
            "gather raises the first failure bare and leaves the other requests running".into(),
        );
    }
    if httpx {
        changes.push(format!(
            "requests gives way to one httpx.AsyncClient: redirects are still followed, a \
             request that had no timeout gets an explicit {} s one, exceptions are httpx's, and \
             httpx becomes a dependency",
            crate::rule::seconds(ctx.settings.timeout)
        ));
    } else if limit.parse::<u32>().is_ok_and(|n| n <= 5) {
        changes.push("each call keeps its library and runs through asyncio.to_thread".into());
    } else {
        changes.push(
            "each call keeps its library and runs through asyncio.to_thread, on the default \
             executor's threads: at most min(32, os.cpu_count() + 4) run at once, which may be \
             fewer than the pool had"
                .into(),
        );
    }

    // Put it together in the container.
    let span = site.span(ctx);
    let (fix_edits, container_change) = embed(
        ctx, &container, span, edits, deltas, outside, &unit, &asyncio, site,
    )?;
    changes.extend(container_change);
    let how = match (&backend_reason, futures_mode, group_needed) {
        (None, true, _) => {
            "run each call as a bounded asyncio task over one httpx.AsyncClient".to_string()
        }
        (None, false, true) => {
            "move it to a bounded asyncio.TaskGroup over one httpx.AsyncClient".to_string()
        }
        (None, false, false) => {
            "move it to a bounded asyncio.gather over one httpx.AsyncClient".to_string()
        }
        (Some(why), _, _) => {
            let shape = if futures_mode {
                "bounded asyncio tasks"
            } else if group_needed {
                "a bounded asyncio.TaskGroup"
            } else {
                "a bounded asyncio.gather"
            };
            if why.is_empty() {
                format!("move it to {shape} over asyncio.to_thread")
            } else {
                format!("move it to {shape} over asyncio.to_thread ({why})")
            }
        }
    };
    let how = match &container {
        Container::Variant { variant, .. } => format!("{how}, in an async variant `{variant}`"),
        Container::Main { name, .. } => {
            format!("{how}, in `async def {name}()` run by asyncio.run")
        }
        _ => how,
    };
    Ok((
        Fix {
            edits: fix_edits,
            imports: backend.imports(),
            module_statements,
            changes,
        },
        how,
    ))
}

/// `await asyncio.gather(*[...])`, under `asyncio.wait_for` when the map had a timeout.
/// Whether lines of `text` are indented with tabs and others with spaces, or one line with both.
fn mixes_tabs_and_spaces(text: &str) -> bool {
    let (mut tabs, mut spaces) = (false, false);
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let indent = &line[..line.len() - line.trim_start_matches([' ', '\t']).len()];
        tabs |= indent.contains('\t');
        spaces |= indent.contains(' ');
        if tabs && spaces {
            return true;
        }
    }
    false
}

/// The spawns again, with httpx's workers for those that keep requests only because they hand
/// responses back, when every read of the results is seen and httpx's responses read the same
/// there; `None` when nothing changes.
fn read_alike_spawns<'t>(
    ctx: &Context<'_, 't>,
    site: &Site<'t>,
    spawns: &[Spawn<'t>],
    container: &Container<'t>,
) -> Option<Vec<Spawn<'t>>> {
    let raw: Vec<Worker<'t>> = spawns
        .iter()
        .map(|s| {
            let args = match s.family {
                Family::Submit => &s.args[..],
                Family::Map => &[],
            };
            crate::worker::classify_worker_reading_alike(ctx, s.worker_node, args)
        })
        .collect();
    let gains = |s: &Spawn, w: &Worker| {
        matches!(s.worker, Worker::Thread { .. })
            && !matches!(w, Worker::Thread { .. } | Worker::NotNetwork)
    };
    if !spawns.iter().zip(&raw).any(|(s, w)| gains(s, w)) {
        return None;
    }
    let uses: Vec<Use> = spawns
        .iter()
        .map(|s| spawn_use(ctx, site, s))
        .collect::<Result<_, _>>()
        .ok()?;
    let reads = future_reads(ctx, site, spawns, &uses, container).ok()?;
    let scope = container.function().unwrap_or(ctx.semantic.root());
    let alike = uses.iter().all(|u| match u {
        Use::Stream { header, target, .. } => {
            crate::worker::responses_read_alike(ctx, *header, vec![*target])
        }
        Use::List { node } => crate::worker::value_read_alike(ctx, scope, *node),
        Use::UnreadMap { .. } | Use::UnreadLoop { .. } | Use::Future => true,
    }) && reads
        .reads
        .iter()
        .all(|r| crate::worker::value_read_alike(ctx, scope, *r));
    if !alike {
        return None;
    }
    Some(
        spawns
            .iter()
            .zip(raw)
            .map(|(s, w)| Spawn {
                call: s.call,
                method: s.method,
                family: s.family,
                worker_node: s.worker_node,
                worker: if gains(s, &w) { w } else { s.worker.clone() },
                args: s.args.clone(),
                keywords: s.keywords.clone(),
            })
            .collect(),
    )
}

fn gathered(asyncio: &str, coroutine: &str, clauses: &str, deadline: Option<&str>) -> String {
    let gather = format!("{asyncio}.gather(*[{coroutine} {clauses}])");
    match deadline {
        Some(t) => format!("await {asyncio}.wait_for({gather}, {t})"),
        None => format!("await {gather}"),
    }
}

/// Whether the results of `results = ex.map(...)` are read after the pool's block.
fn read_after_block<'t>(ctx: &Context<'_, 't>, site: &Site<'t>, call: Node<'t>) -> bool {
    let Some(target) = call
        .parent()
        .filter(|p| p.kind() == "assignment")
        .and_then(|a| a.child_by_field_name("left"))
    else {
        return false;
    };
    let scope = syntax::ancestor(call, "function_definition").unwrap_or(ctx.tree.root_node());
    identifier_uses(ctx, scope, ctx.text(target), target)
        .iter()
        .all(|u| u.start_byte() >= site.end())
}

/// Whether a statement binds `name`.
fn binds_name(ctx: &Context, statement: Node, name: &str) -> bool {
    let mut stack = vec![statement];
    while let Some(node) = stack.pop() {
        if matches!(
            node.kind(),
            "assignment" | "augmented_assignment" | "for_statement"
        ) {
            if let Some(left) = node.child_by_field_name("left") {
                if mentions(ctx, left, name) {
                    return true;
                }
            }
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    false
}

/// Text that carries indentation to be adjusted when lines move: the engine of this module
/// writes the final indentation of inserted lines relative to the original line they belong
/// to, so that a line's own shift applies to them as well.
enum Marker {
    /// Indentation equal to an original line's: it moves with the lines around it.
    Indent(String),
    /// Text already at its final indentation.
    Raw(String),
}

const SHIFT_MARK: char = '\u{1}';

impl Marker {
    fn text(&self) -> String {
        match self {
            // The mark says "shift this indentation like the line it stands on".
            Marker::Indent(indent) => format!("{SHIFT_MARK}{indent}"),
            Marker::Raw(text) => text.clone(),
        }
    }
}

/// The indentation `indent` moved by `delta` units.
fn shifted(indent: &str, delta: isize, unit: &str) -> String {
    if delta >= 0 {
        format!("{indent}{}", unit.repeat(delta as usize))
    } else {
        let mut out = indent;
        for _ in 0..(-delta) {
            out = out.strip_suffix(unit).unwrap_or(out);
        }
        out.to_string()
    }
}

/// The container's edits: the pool's block rewritten, moved where the container says.
#[allow(clippy::too_many_arguments)]
fn embed<'t>(
    ctx: &Context<'_, 't>,
    container: &Container<'t>,
    span: Range<usize>,
    edits: Vec<Edit>,
    mut deltas: Vec<(Range<usize>, isize)>,
    outside: Vec<Edit>,
    unit: &str,
    asyncio: &str,
    site: &Site<'t>,
) -> Result<(Vec<Edit>, Vec<String>), String> {
    let mut changes = Vec::new();
    // Edits of the pool's function outside its block (a partial's binding, a handler after the
    // block) go with the other edits outside it.
    let (inside, elsewhere): (Vec<Edit>, Vec<Edit>) = edits.into_iter().partition(|e| {
        (span.contains(&e.range.start) || e.range.start == span.end) && e.range.end <= span.end
    });
    let mut edits = inside;
    let mut outside = outside;
    outside.extend(elsewhere);
    match container {
        Container::Async { function } => {
            let text = shift_region(ctx, span.clone(), &edits, &deltas, unit);
            let mut all = vec![Edit { range: span, text }];
            all.extend(outside);
            // The fix spans its whole function, so that two pools of one function are moved in
            // turn and the second one's names are chosen against the first one's.
            all.push(Edit::insert(function.start_byte(), ""));
            all.push(Edit::insert(function.end_byte(), ""));
            Ok((all, changes))
        }
        Container::Shim { function, shim } => {
            let text = shift_region(ctx, span.clone(), &edits, &deltas, unit);
            let mut all = vec![Edit {
                range: span.clone(),
                text,
            }];
            let (shim_edits, change) =
                crate::http::sync_shim(ctx, *function, shim, asyncio, unit, span)?;
            all.extend(shim_edits);
            all.extend(outside);
            changes.push(change);
            Ok((all, changes))
        }
        Container::Variant { function, variant } => {
            // The function is copied, with the pool rewritten, as an async variant after it.
            let name = function.child_by_field_name("name").ok_or("no name")?;
            edits.push(Edit {
                range: function.start_byte()..name.end_byte(),
                text: format!("async def {variant}"),
            });
            let range = function.start_byte()..function.end_byte();
            let (inside, outside): (Vec<Edit>, Vec<Edit>) = outside
                .into_iter()
                .partition(|e| range.contains(&e.range.start) && e.range.end <= range.end);
            edits.extend(inside);
            let copy = shift_region(ctx, range, &edits, &deltas, unit);
            let indent = ctx.line_indent(function.start_byte());
            let mut all = vec![Edit::insert(
                function.end_byte(),
                format!("\n\n\n{indent}{}", copy.trim_end_matches('\n')),
            )];
            all.extend(outside);
            changes.push(format!(
                "`{}` stays as it was; `{variant}` is an async variant callers can await",
                ctx.text(name)
            ));
            Ok((all, changes))
        }
        Container::Main {
            moved,
            statements,
            guard,
            name,
        } => {
            let (inside, outside): (Vec<Edit>, Vec<Edit>) = outside
                .into_iter()
                .partition(|e| moved.contains(&e.range.start) && e.range.end <= moved.end);
            edits.extend(inside);
            if guard.is_none() {
                deltas.push((moved.clone(), 1));
            }
            // Names the moved code binds that other code reads stay module globals.
            let globals = moved_globals(ctx, statements, moved.clone());
            let body = shift_region(ctx, moved.clone(), &edits, &deltas, unit);
            let body_indent = match guard {
                Some(_) => ctx.line_indent(statements[0].start_byte()).to_string(),
                None => unit.to_string(),
            };
            let global_line = if globals.is_empty() {
                String::new()
            } else {
                format!("{body_indent}global {}\n", globals.join(", "))
            };
            let def = format!("async def {name}():\n{global_line}{body}");
            let all = match guard {
                Some(guard) => {
                    let mut all = vec![
                        Edit::insert(ctx.line_start(guard.start_byte()), format!("{def}\n\n")),
                        Edit {
                            range: moved.clone(),
                            text: format!("{body_indent}{asyncio}.run({name}())\n"),
                        },
                    ];
                    all.extend(outside);
                    all
                }
                None => {
                    // Two blank lines around a top-level definition, as formatters want.
                    let before = ctx.src[..moved.start].trim_end_matches(['\n', '\r']).len();
                    let blank = ctx.src[before..moved.start]
                        .matches('\n')
                        .count()
                        .saturating_sub(1);
                    let pad = if before == 0 {
                        String::new()
                    } else {
                        "\n".repeat(2usize.saturating_sub(blank))
                    };
                    let mut all = vec![Edit {
                        range: moved.clone(),
                        text: format!("{pad}{def}\n\n{asyncio}.run({name}())\n"),
                    }];
                    all.extend(outside);
                    all
                }
            };
            if !globals.is_empty() {
                changes.push(format!(
                    "`{}` stay module globals, declared `global` in `{name}`, as other code reads them",
                    globals.join("`, `")
                ));
            }
            changes.push(format!(
                "the module code runs in `async def {name}()` under asyncio.run: it must not run \
                 while an event loop is running"
            ));
            let _ = site;
            Ok((all, changes))
        }
    }
}

/// The text of `range` with `edits` applied and every line moved by its delta (in units),
/// except blank lines and lines inside multi-line strings or inside a replaced range.
fn shift_region(
    ctx: &Context,
    range: Range<usize>,
    edits: &[Edit],
    deltas: &[(Range<usize>, isize)],
    unit: &str,
) -> String {
    // Lines inside multi-line strings keep their text.
    let mut protected: Vec<Range<usize>> = Vec::new();
    let mut stack = vec![ctx.tree.root_node()];
    while let Some(node) = stack.pop() {
        if node.end_byte() <= range.start || node.start_byte() >= range.end {
            continue;
        }
        if matches!(node.kind(), "string" | "concatenated_string")
            && node.start_position().row != node.end_position().row
        {
            protected.push(node.start_byte() + 1..node.end_byte());
            continue;
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    let replaced: Vec<Range<usize>> = edits
        .iter()
        .filter(|e| e.range.start < e.range.end)
        .map(|e| e.range.clone())
        .collect();
    let delta_at = |at: usize| -> isize {
        deltas
            .iter()
            .filter(|(r, _)| r.contains(&at))
            .map(|(_, d)| *d)
            .sum()
    };
    let mut all: Vec<Edit> = edits
        .iter()
        .filter(|e| range.contains(&e.range.start) || e.range.start == range.end)
        .map(|e| {
            // An inserted line's indentation moves as the line it was written for.
            let at = e.range.start;
            Edit {
                range: e.range.clone(),
                text: resolve_marks(
                    &e.text,
                    delta_at(ctx.line_start(at.min(ctx.src.len()))),
                    unit,
                ),
            }
        })
        .collect();
    let mut line = range.start;
    while line < range.end {
        let next = ctx.line_end(line);
        let blank = ctx.src[line..next].trim().is_empty();
        let inside_replaced = replaced.iter().any(|r| r.start < line && line < r.end)
            || replaced.iter().any(|r| r.start == line && r.end > line);
        let delta = delta_at(line);
        if !blank && delta != 0 && !inside_replaced && !protected.iter().any(|p| p.contains(&line))
        {
            if delta > 0 {
                all.push(Edit::insert(line, unit.repeat(delta as usize)));
            } else {
                let indent = ctx.line_indent(line);
                let keep = shifted(indent, delta, unit).len();
                all.push(Edit {
                    range: line + keep..line + indent.len(),
                    text: String::new(),
                });
            }
        }
        line = next;
    }
    ctx.rewrite_range(range, &all)
}

/// Replaces each shift mark with the indentation after it moved by `delta` units.
fn resolve_marks(text: &str, delta: isize, unit: &str) -> String {
    if !text.contains(SHIFT_MARK) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(SHIFT_MARK) {
        out.push_str(&rest[..at]);
        rest = &rest[at + SHIFT_MARK.len_utf8()..];
        let width = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        out.push_str(&shifted(&rest[..width], delta, unit));
        rest = &rest[width..];
    }
    out.push_str(rest);
    out
}

/// Names bound by the moved module code that something outside it reads.
fn moved_globals<'t>(
    ctx: &Context<'_, 't>,
    statements: &[Node<'t>],
    moved: Range<usize>,
) -> Vec<String> {
    let mut bound: Vec<&str> = Vec::new();
    for statement in statements {
        let mut stack = vec![*statement];
        while let Some(node) = stack.pop() {
            let targets: Vec<Node> = match node.kind() {
                "assignment" | "augmented_assignment" => {
                    node.child_by_field_name("left").into_iter().collect()
                }
                "for_statement" => node.child_by_field_name("left").into_iter().collect(),
                "function_definition" | "class_definition" => {
                    bound.extend(node.child_by_field_name("name").map(|n| ctx.text(n)));
                    continue;
                }
                "as_pattern_target" => vec![node],
                "import_statement" | "import_from_statement" => {
                    let mut cursor = node.walk();
                    for name in node.children_by_field_name("name", &mut cursor) {
                        let bound_name = match name.kind() {
                            "aliased_import" => name.child_by_field_name("alias"),
                            _ => name.named_child(0),
                        };
                        bound.extend(bound_name.map(|n| ctx.text(n)));
                    }
                    continue;
                }
                "lambda"
                | "list_comprehension"
                | "set_comprehension"
                | "dictionary_comprehension"
                | "generator_expression" => continue,
                _ => Vec::new(),
            };
            for target in targets {
                let mut inner = vec![target];
                while let Some(t) = inner.pop() {
                    match t.kind() {
                        "identifier" => bound.push(ctx.text(t)),
                        "attribute" | "subscript" => {}
                        _ => {
                            let mut cursor = t.walk();
                            inner.extend(t.named_children(&mut cursor));
                        }
                    }
                }
            }
            let mut cursor = node.walk();
            stack.extend(node.named_children(&mut cursor));
        }
    }
    bound.sort();
    bound.dedup();
    let mut globals = Vec::new();
    for name in bound {
        let module = ctx.semantic.module_bindings(name).as_ptr();
        let mut stack = vec![ctx.semantic.root()];
        let mut read = false;
        while let Some(node) = stack.pop() {
            let moved_here = moved.contains(&node.start_byte()) && node.end_byte() <= moved.end;
            // `import concurrent.futures` names `futures` without reading a variable.
            let import = matches!(
                node.kind(),
                "import_statement" | "import_from_statement" | "future_import_statement"
            );
            if moved_here || import {
                continue;
            }
            if node.kind() == "identifier"
                && ctx.text(node) == name
                && is_variable(node)
                && ctx.semantic.lookup(name, node).map(<[_]>::as_ptr) == Some(module)
            {
                read = true;
                break;
            }
            let mut cursor = node.walk();
            stack.extend(node.named_children(&mut cursor));
        }
        if read {
            globals.push(name.to_string());
        }
    }
    globals
}

/// The file's unit of indentation, as seen around the pool.
fn indent_unit(ctx: &Context, site: &Site, container: &Container) -> String {
    if let Some(body) = site.body {
        return ctx.indent_unit(site.head, body);
    }
    if let Some(function) = container.function() {
        if let Some(body) = function.child_by_field_name("body") {
            return ctx.indent_unit(function, body);
        }
    }
    if let Container::Main {
        guard: Some(guard), ..
    } = container
    {
        if let Some(body) = guard.child_by_field_name("consequence") {
            return ctx.indent_unit(*guard, body);
        }
    }
    if ctx.src.contains("\n\t") {
        "\t".into()
    } else {
        "    ".into()
    }
}

/// A to-thread backend: asyncio only.
pub fn backend_to_thread<'t>(ctx: &Context<'_, 't>, at: Node<'t>) -> Result<Backend, String> {
    let reference = ctx
        .semantic
        .import_ref("asyncio", "Semaphore", at)
        .ok_or("the name `asyncio` is taken here")?;
    let asyncio = reference.expr.trim_end_matches(".Semaphore").to_string();
    if asyncio == "Semaphore" {
        return Err("asyncio is imported by member only; corral needs the module".into());
    }
    Ok(Backend {
        asyncio,
        semaphore: reference.expr,
        client: None,
        imports: reference.add_import.into_iter().collect(),
        module_statements: Vec::new(),
    })
}

/// `ThreadPool(4)` / `ThreadPool(processes=4)`: its size, or the `MAX_CONCURRENCY` constant.
fn mp_limit<'t>(
    ctx: &Context<'_, 't>,
    site: &Site<'t>,
    statements: &mut Vec<String>,
) -> (String, String) {
    let visible = ctx
        .keyword(site.ctor, "processes")
        .and_then(|k| k.child_by_field_name("value"))
        .or_else(|| {
            site.ctor
                .child_by_field_name("arguments")
                .and_then(|a| a.named_child(0))
                .filter(|a| a.kind() != "keyword_argument")
        })
        .map(|n| ctx.text(n).to_string());
    match visible {
        Some(expr) => (expr.clone(), format!("was processes={expr}")),
        None => {
            let (name, more) = ctx.limit_constant(site.head);
            statements.extend(more);
            (name, "the thread pool's size was not visible".to_string())
        }
    }
}

fn is_terminate(ctx: &Context, site: &Site) -> bool {
    site.closing
        .iter()
        .any(|s| ctx.text(*s).contains(".terminate("))
}

/// How the value of one spawn is consumed, or why corral cannot follow it.
fn spawn_use<'t>(
    ctx: &Context<'_, 't>,
    site: &Site<'t>,
    spawn: &Spawn<'t>,
) -> Result<Use<'t>, String> {
    let call = spawn.call;
    let shown = first_line(ctx.text(call));
    if spawn.family == Family::Map {
        let allowed: &[&str] = match site.class.api {
            Api::Executor => &["chunksize", "timeout"],
            Api::Multiprocessing => &["chunksize"],
        };
        if let Some(other) = spawn.keywords.iter().find(|k| {
            k.child_by_field_name("name")
                .is_none_or(|n| !allowed.contains(&ctx.text(n)))
        }) {
            return Err(format!(
                "`{shown}` passes `{}`, which corral does not move",
                ctx.text(*other)
            ));
        }
        if spawn.args.is_empty()
            || spawn
                .args
                .iter()
                .any(|a| matches!(a.kind(), "list_splat" | "dictionary_splat"))
        {
            return Err(format!("`{shown}` unpacks its iterables"));
        }
        let eager =
            site.class.api == Api::Multiprocessing && matches!(spawn.method, "map" | "starmap");
        let parent = call.parent().ok_or("no parent")?;
        // `for x in ex.map(...)`
        if parent.kind() == "for_statement" && parent.child_by_field_name("right") == Some(call) {
            if parent.child_by_field_name("alternative").is_some() {
                return Err("the loop over its results has an `else`".into());
            }
            return Ok(Use::Stream {
                header: parent,
                target: parent.child_by_field_name("left").ok_or("no target")?,
                body: parent.child_by_field_name("body").ok_or("no body")?,
                ordered: spawn.method != "imap_unordered",
            });
        }
        if parent.kind() == "expression_statement" {
            // multiprocessing's map returns a list, raising the first failure, read or not.
            if eager {
                return Ok(Use::List { node: call });
            }
            return Ok(Use::UnreadMap { statement: parent });
        }
        // `list(ex.map(...))`
        let list_call = parent.parent().filter(|c| {
            parent.kind() == "argument_list"
                && parent.named_child_count() == 1
                && c.kind() == "call"
                && c.child_by_field_name("function").is_some_and(|f| {
                    ctx.text(f) == "list" && ctx.semantic.lookup("list", f).is_none()
                })
        });
        if let Some(list_call) = list_call {
            return Ok(Use::List { node: list_call });
        }
        if eager || consumes_fully(ctx, call) {
            return Ok(Use::List { node: call });
        }
        if parent.kind() == "assignment" && parent.child_by_field_name("right") == Some(call) {
            // `results = ex.map(...)`: read once, as a whole, later.
            let target = parent
                .child_by_field_name("left")
                .filter(|l| l.kind() == "identifier")
                .ok_or("its results are unpacked")?;
            let name = ctx.text(target);
            let scope =
                syntax::ancestor(call, "function_definition").unwrap_or(ctx.tree.root_node());
            let uses = identifier_uses(ctx, scope, name, target);
            match uses.as_slice() {
                [only] if consumes_fully(ctx, *only) => return Ok(Use::List { node: call }),
                // Never read: the results (and failures) go unseen, as without the name.
                [] => {
                    return Ok(Use::UnreadMap {
                        statement: parent.parent().ok_or("no statement")?,
                    })
                }
                _ => {
                    return Err(format!(
                        "its results iterator `{name}` is read in a way a list would change (more \
                         than once, or partly)"
                    ))
                }
            }
        }
        if let Some(consumer) = parent
            .parent()
            .filter(|c| parent.kind() == "argument_list" && c.kind() == "call")
            .and_then(|c| c.child_by_field_name("function"))
        {
            return Err(format!(
                "its results go through `{}`, which corral does not follow",
                first_line(ctx.text(consumer))
            ));
        }
        return Err(format!(
            "the results of `{shown}` are used in a shape corral does not move"
        ));
    }
    // submit / apply_async
    if spawn.method == "apply_async" {
        let (positional, _) = ctx.split_arguments(call);
        let args = positional.get(1).copied().or_else(|| {
            ctx.keyword(call, "args")
                .and_then(|k| k.child_by_field_name("value"))
        });
        if let Some(extra) = spawn.keywords.first() {
            return Err(format!(
                "`{shown}` passes `{}`, which corral does not move",
                first_line(ctx.text(*extra))
            ));
        }
        if positional.len() > 2 || args.is_some_and(|a| !matches!(a.kind(), "tuple" | "list")) {
            return Err(format!(
                "`{shown}` passes its arguments in a way corral does not unpack"
            ));
        }
    }
    let parent = call.parent().ok_or("no parent")?;
    if parent.kind() == "expression_statement" {
        let block = parent.parent();
        let loop_ = block
            .and_then(|b| b.parent())
            .filter(|l| l.kind() == "for_statement");
        let only = block.is_some_and(|b| {
            let mut cursor = b.walk();
            let n = b
                .named_children(&mut cursor)
                .filter(|s| s.kind() != "comment")
                .count();
            n == 1
        });
        if let (Some(loop_), true) = (loop_, only) {
            if loop_.child_by_field_name("alternative").is_none()
                && site.statements.contains(&loop_)
            {
                return Ok(Use::UnreadLoop {
                    statement: loop_,
                    loop_,
                });
            }
        }
        return Err(format!(
            "the future of `{shown}` is never read, which corral moves only for a loop that does \
             nothing else"
        ));
    }
    Ok(Use::Future)
}

/// Whether the value of `expr` is read whole where it stands: a comprehension's or a `for`
/// loop's iterable, or the argument of a builtin that reads all of it.
fn consumes_fully(ctx: &Context, expr: Node) -> bool {
    let Some(parent) = expr.parent() else {
        return false;
    };
    match parent.kind() {
        "for_in_clause" => parent.child_by_field_name("right") == Some(expr),
        "for_statement" => parent.child_by_field_name("right") == Some(expr),
        "argument_list" => {
            let Some(call) = parent.parent() else {
                return false;
            };
            let callee = call.child_by_field_name("function");
            callee.is_some_and(|f| {
                matches!(
                    ctx.text(f),
                    "list"
                        | "tuple"
                        | "set"
                        | "frozenset"
                        | "sorted"
                        | "sum"
                        | "dict"
                        | "zip"
                        | "enumerate"
                ) && ctx.semantic.lookup(ctx.text(f), f).is_none()
                    && (ctx.text(f) != "zip" && ctx.text(f) != "enumerate"
                        || consumes_fully(ctx, call))
            })
        }
        _ => false,
    }
}

/// How many identifiers named `name` stand in `scope`.
fn identifier_count(ctx: &Context, scope: Node, name: &str) -> usize {
    let mut count = 0;
    let mut stack = vec![scope];
    while let Some(node) = stack.pop() {
        if node.kind() == "identifier" && ctx.text(node) == name && is_variable(node) {
            count += 1;
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    count
}

/// The identifiers named `name` in `scope` that read the binding `target` makes.
fn identifier_uses<'t>(
    ctx: &Context<'_, 't>,
    scope: Node<'t>,
    name: &str,
    target: Node<'t>,
) -> Vec<Node<'t>> {
    let mut found = Vec::new();
    let mut stack = vec![scope];
    while let Some(node) = stack.pop() {
        if node.kind() == "identifier"
            && ctx.text(node) == name
            && node != target
            && node.start_byte() > target.start_byte()
        {
            let is_attr_name = node.parent().is_some_and(|p| {
                p.kind() == "attribute" && p.child_by_field_name("attribute") == Some(node)
                    || p.kind() == "keyword_argument" && p.child_by_field_name("name") == Some(node)
            });
            if !is_attr_name {
                found.push(node);
            }
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    found
}

/// The block statement holding `node`.
fn top_statement<'t>(site: &Site<'t>, node: Node<'t>) -> Option<Node<'t>> {
    site.statements
        .iter()
        .copied()
        .find(|s| s.byte_range().contains(&node.start_byte()))
}

/// The innermost statement holding `node`.
fn innermost_statement(node: Node) -> Node {
    let mut current = node;
    while let Some(parent) = current.parent() {
        if parent.kind() == "block" || parent.kind() == "module" {
            return current;
        }
        current = parent;
    }
    current
}

fn is_simple(statement: Node) -> bool {
    matches!(
        statement.kind(),
        "expression_statement" | "return_statement"
    )
}

/// Where a `for` statement's iterable ends (before the colon).
fn spawn_node_end(_ctx: &Context, header: Node) -> usize {
    header
        .child_by_field_name("right")
        .map_or(header.end_byte(), |r| r.end_byte())
}

/// The first byte of a block's first statement.
fn body_start(ctx: &Context, body: Node) -> usize {
    let mut cursor = body.walk();
    let first = body.named_children(&mut cursor).next();
    first.map_or(ctx.line_start(body.start_byte()), |s| s.start_byte())
}

/// `(text)` where an `await` expression needs parentheses.
fn parenthesize(node: Node, text: String) -> String {
    let needs = node.parent().is_some_and(|p| {
        matches!(p.kind(), "attribute" | "subscript" | "call") && p.child(0) == Some(node)
    });
    if needs {
        format!("({text})")
    } else {
        text
    }
}

/// `break` or `return` of the loop whose body this is.
fn own_exits(body: Node) -> bool {
    let mut stack = vec![body];
    while let Some(node) = stack.pop() {
        match node.kind() {
            "return_statement" => return true,
            "break_statement" => {
                let mut owner = node.parent();
                while let Some(o) = owner {
                    if matches!(o.kind(), "for_statement" | "while_statement") {
                        break;
                    }
                    owner = o.parent();
                }
                if owner == body.parent() {
                    return true;
                }
            }
            _ => {}
        }
        if node != body && syntax::is_nested_scope(node) {
            continue;
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    false
}

/// The item variables and comprehension clauses a map spawn runs over: `_item0` over `urls`,
/// `_item0, _item1` over `zip(a, b)`, or `*_args` over `pairs` for `starmap`.
fn map_items(ctx: &Context, names: &mut Names, spawn: &Spawn) -> (String, String) {
    if spawn.family != Family::Map {
        return (String::new(), String::new());
    }
    // Written after `in` or as an argument: what binds looser than that keeps its meaning in
    // parentheses.
    let operand = |a: Node| -> String {
        let text = ctx.text(a);
        if matches!(
            a.kind(),
            "lambda"
                | "conditional_expression"
                | "named_expression"
                | "boolean_operator"
                | "not_operator"
        ) {
            format!("({text})")
        } else {
            text.to_string()
        }
    };
    if spawn.method == "starmap" {
        let args = names.fresh("_args");
        let iterable = spawn.args.first().map_or(String::new(), |a| operand(*a));
        return (format!("*{args}"), format!("for {args} in {iterable}"));
    }
    let vars: Vec<String> = (0..spawn.args.len())
        .map(|i| names.fresh(&format!("_item{i}")))
        .collect();
    let joined = vars.join(", ");
    let clauses = if spawn.args.len() == 1 {
        format!("for {joined} in {}", operand(spawn.args[0]))
    } else {
        let iterables: Vec<String> = spawn.args.iter().map(|a| operand(*a)).collect();
        format!("for {joined} in zip({})", iterables.join(", "))
    };
    (joined, clauses)
}

/// `lambda x: <expression>` as a nested `async def` awaiting its requests on the client.
fn lambda_helper<'t>(
    ctx: &Context<'_, 't>,
    lambda: Node<'t>,
    name: &str,
    client: &str,
    indent: &str,
    unit: &str,
) -> Result<String, String> {
    let body = lambda.child_by_field_name("body").ok_or("no body")?;
    let params = lambda
        .child_by_field_name("parameters")
        .map_or("", |p| ctx.text(p));
    let edits =
        crate::http::twin_edits(ctx, body, client).ok_or("corral could not rewrite the lambda")?;
    let expression = ctx.rewrite_range(body.byte_range(), &edits);
    Ok(format!(
        "\n{indent}async def {name}({params}):\n{indent}{unit}return {expression}\n"
    ))
}

/// Whether the function `def` is referenced anywhere but in its own definition and the spawns.
/// The statements binding a worker's name to a partial or a lambda (`fn = partial(...)`) that
/// nothing but the spawns reads: the rewrite writes the value out where it was used, and they go.
fn removed_bindings<'t>(
    ctx: &Context<'_, 't>,
    spawns: &[Spawn<'t>],
    container: &Container<'t>,
) -> Vec<Node<'t>> {
    let mut removed = Vec::new();
    for spawn in spawns {
        let Some(statement) = crate::worker::binding_statement(ctx, spawn.worker_node) else {
            continue;
        };
        let name = ctx.text(spawn.worker_node);
        let scope = container.function().unwrap_or(ctx.semantic.root());
        let uses = identifier_count(ctx, scope, name);
        let spawned = spawns
            .iter()
            .filter(|s| ctx.text(s.worker_node) == name)
            .count();
        if uses == spawned + 1 && !removed.contains(&statement) {
            removed.push(statement);
        }
    }
    removed
}

/// Whether anything but the spawns (and the bindings the rewrite removes) refers to `def`.
fn references_elsewhere<'t>(
    ctx: &Context<'_, 't>,
    def: Node<'t>,
    spawns: &[Spawn<'t>],
    removed: &[Node<'t>],
) -> bool {
    let name = function_name(ctx, def);
    let mut stack = vec![ctx.semantic.root()];
    while let Some(node) = stack.pop() {
        if node.kind() == "identifier"
            && ctx.text(node) == name
            && !def.byte_range().contains(&node.start_byte())
            && !removed
                .iter()
                .any(|r| r.byte_range().contains(&node.start_byte()))
            && !spawns
                .iter()
                .any(|s| s.worker_node.byte_range().contains(&node.start_byte()))
            && refers_to(ctx, node, def)
        {
            return true;
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    false
}

/// Whether `node` may name the function `def`: a name that resolves to its definition, or an
/// attribute of that name when `def` is a method.
fn refers_to(ctx: &Context, node: Node, def: Node) -> bool {
    let attribute_name = node.parent().is_some_and(|p| {
        p.kind() == "attribute" && p.child_by_field_name("attribute") == Some(node)
    });
    if attribute_name {
        return syntax::ancestor(def, "class_definition").is_some();
    }
    ctx.semantic
        .lookup(ctx.text(node), node)
        .is_some_and(|bindings| bindings.iter().any(|b| b.node == def))
}

/// Calls that would hold the event loop up while the requests are in flight: sleeping, waiting
/// on other processes, network I/O made outside the workers.
fn check_blocking<'t>(
    ctx: &Context<'_, 't>,
    site: &Site<'t>,
    spawns: &[Spawn<'t>],
) -> Result<(), String> {
    let Some(first) = spawns.first() else {
        return Ok(());
    };
    for statement in &site.statements {
        let mut stack = vec![*statement];
        while let Some(node) = stack.pop() {
            if syntax::is_nested_scope(node) {
                continue;
            }
            if spawns.iter().any(|s| s.call == node) {
                continue;
            }
            if node.kind() == "call" && node.end_byte() > first.call.start_byte() {
                let callee = node.child_by_field_name("function");
                let q = callee.and_then(|c| ctx.semantic.qualified_name(c));
                let blocks = matches!(q.as_deref(), Some("time.sleep" | "os.system"))
                    || q.as_deref().is_some_and(|q| q.starts_with("subprocess."))
                    || crate::network::blocking_call(ctx, node).is_some()
                    || callee.is_some_and(|c| {
                        ctx.text(c) == "input" && ctx.semantic.lookup("input", c).is_none()
                    });
                if blocks {
                    return Err(format!(
                        "the block also calls `{}` while the work is in flight; on the event loop \
                         it would hold the requests up",
                        first_line(ctx.text(callee.unwrap_or(node)))
                    ));
                }
            }
            let mut cursor = node.walk();
            stack.extend(node.named_children(&mut cursor));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Futures: where `submit`'s futures are kept and how they are read.

fn future_reads<'t>(
    ctx: &Context<'_, 't>,
    site: &Site<'t>,
    spawns: &[Spawn<'t>],
    uses: &[Use<'t>],
    container: &Container<'t>,
) -> Result<Reads<'t>, String> {
    let mut reads = Reads {
        reads: Vec::new(),
        completed: Vec::new(),
        holders: Vec::new(),
    };
    let scope = container.function().unwrap_or(ctx.semantic.root());
    let result_method = match site.class.api {
        Api::Executor => "result",
        Api::Multiprocessing => "get",
    };
    for (spawn, used) in spawns.iter().zip(uses) {
        if !matches!(used, Use::Future) {
            continue;
        }
        let (name, holder, binder) = holder_of(ctx, spawn.call)?;
        if !reads.holders.iter().any(|(n, _, _)| *n == name) {
            reads.holders.push((name, holder, binder));
        }
    }
    if reads.holders.is_empty() {
        return Ok(reads);
    }
    // Every use of a holder, and of the futures taken out of it.
    let holders = reads.holders.clone();
    for (name, holder, binder) in &holders {
        if *holder == Holder::Single && inside_loop(*binder, site) {
            return Err(format!(
                "the future kept in `{name}` is rebound in a loop, so the earlier ones are not \
                 followed"
            ));
        }
        let mut stack = vec![scope];
        while let Some(node) = stack.pop() {
            if node.kind() == "identifier"
                && ctx.text(node) == *name
                && is_variable(node)
                && node.start_byte() >= site.head.start_byte()
            {
                let role = holder_use(ctx, node, holder, result_method)?;
                match role {
                    HolderUse::Ignored => {}
                    HolderUse::Read(call) => reads.reads.push(call),
                    HolderUse::Futures(vars, completed) => {
                        if let Some(loop_) = completed {
                            if own_exits_break(loop_) {
                                return Err(
                                    "the loop over as_completed stops early (break), which \
                                     corral does not move"
                                        .into(),
                                );
                            }
                            if loop_.child_by_field_name("alternative").is_some() {
                                return Err("the loop over as_completed has an `else`".into());
                            }
                            let args = loop_
                                .child_by_field_name("right")
                                .and_then(|r| r.child_by_field_name("arguments"));
                            if args.is_some_and(|a| a.named_child_count() != 1) {
                                return Err(
                                    "as_completed is given a timeout, which corral does not move"
                                        .into(),
                                );
                            }
                            reads.completed.push(loop_);
                        }
                        for var in vars {
                            future_var_reads(
                                ctx,
                                var,
                                result_method,
                                &mut reads.reads,
                                name,
                                completed.is_some(),
                            )?;
                        }
                    }
                }
            }
            let mut cursor = node.walk();
            stack.extend(node.named_children(&mut cursor));
        }
    }
    for read in &reads.reads {
        if syntax::ancestor(*read, "lambda")
            .is_some_and(|l| scope.byte_range().contains(&l.start_byte()))
            || syntax::ancestor(*read, "function_definition") != container.function()
        {
            return Err("a future is read inside a nested function".into());
        }
        if let Some(genexp) = enclosing_genexp(*read, site) {
            let consumer = genexp
                .parent()
                .and_then(|p| p.child_by_field_name("function"))
                .map(|f| ctx.text(f));
            if matches!(consumer, Some("any" | "all" | "next")) {
                return Err("the futures are read lazily, by `any`, `all` or `next`".into());
            }
        }
        if read.start_byte() < site.head.start_byte() {
            return Err("a future is read before the pool".into());
        }
    }
    Ok(reads)
}

fn inside_loop(node: Node, site: &Site) -> bool {
    let mut current = node.parent();
    while let Some(n) = current {
        if n == site.head
            || site.statements.contains(&n)
                && !matches!(n.kind(), "for_statement" | "while_statement")
        {
            return false;
        }
        if matches!(
            n.kind(),
            "for_statement" | "while_statement" | "list_comprehension" | "dictionary_comprehension"
        ) {
            return true;
        }
        current = n.parent();
    }
    false
}

/// Where the future `submit` returns is kept: the holder's name, how, and the node binding it.
fn holder_of<'t>(
    ctx: &Context<'_, 't>,
    call: Node<'t>,
) -> Result<(&'t str, Holder, Node<'t>), String> {
    let unfollowed = || {
        format!(
            "the future of `{}` is kept in a way corral does not follow",
            first_line(ctx.text(call))
        )
    };
    let parent = call.parent().ok_or_else(unfollowed)?;
    let assigned_name = |assignment: Node<'t>| -> Option<&'t str> {
        assignment
            .child_by_field_name("left")
            .filter(|l| l.kind() == "identifier")
            .map(|l| ctx.text(l))
    };
    match parent.kind() {
        // [ex.submit(...) for ...]
        "list_comprehension" if parent.child_by_field_name("body") == Some(call) => {
            let assignment = parent
                .parent()
                .filter(|a| a.kind() == "assignment")
                .ok_or_else(unfollowed)?;
            let name = assigned_name(assignment).ok_or_else(unfollowed)?;
            Ok((name, Holder::Keys, assignment))
        }
        // {ex.submit(...): x for ...} / {x: ex.submit(...) for ...}
        "pair" => {
            let comprehension = parent
                .parent()
                .filter(|c| c.kind() == "dictionary_comprehension");
            let holder = if parent.child_by_field_name("key") == Some(call) {
                Holder::Keys
            } else {
                Holder::Values
            };
            match comprehension {
                Some(c) => {
                    let assignment = c
                        .parent()
                        .filter(|a| a.kind() == "assignment")
                        .ok_or_else(unfollowed)?;
                    let name = assigned_name(assignment).ok_or_else(unfollowed)?;
                    Ok((name, holder, assignment))
                }
                None => Err(unfollowed()),
            }
        }
        // futures.append(ex.submit(...))
        "argument_list" => {
            let outer = parent
                .parent()
                .filter(|c| c.kind() == "call")
                .ok_or_else(unfollowed)?;
            let callee = outer
                .child_by_field_name("function")
                .ok_or_else(unfollowed)?;
            let object = callee
                .child_by_field_name("object")
                .filter(|o| o.kind() == "identifier");
            let method = callee.child_by_field_name("attribute").map(|a| ctx.text(a));
            match (object, method) {
                (Some(object), Some("append")) if parent.named_child_count() == 1 => {
                    let name = ctx.text(object);
                    let binder = ctx
                        .semantic
                        .origin(object)
                        .map(|b| b.node)
                        .ok_or_else(unfollowed)?;
                    Ok((name, Holder::Keys, binder))
                }
                _ => Err(unfollowed()),
            }
        }
        "assignment" => {
            let left = parent.child_by_field_name("left").ok_or_else(unfollowed)?;
            match left.kind() {
                "identifier" if parent.child_by_field_name("right") == Some(call) => {
                    // `fut = ex.submit(...)` then `futures.append(fut)`: the list holds them.
                    if let Some(list) = appended_alias(ctx, parent, ctx.text(left)) {
                        let binder = ctx
                            .semantic
                            .origin(list)
                            .map(|b| b.node)
                            .ok_or_else(unfollowed)?;
                        return Ok((ctx.text(list), Holder::Keys, binder));
                    }
                    Ok((ctx.text(left), Holder::Single, parent))
                }
                // futures[ex.submit(...)] = x / futures[x] = ex.submit(...)
                "subscript" => {
                    let object = left
                        .child_by_field_name("value")
                        .filter(|v| v.kind() == "identifier")
                        .ok_or_else(unfollowed)?;
                    let holder = if parent.child_by_field_name("right") == Some(call) {
                        Holder::Values
                    } else {
                        Holder::Keys
                    };
                    let binder = ctx
                        .semantic
                        .origin(object)
                        .map(|b| b.node)
                        .ok_or_else(unfollowed)?;
                    Ok((ctx.text(object), holder, binder))
                }
                _ => Err(unfollowed()),
            }
        }
        _ => Err(unfollowed()),
    }
}

/// For `name = ex.submit(...)` followed in its block by `futures.append(name)` and no other use
/// of `name`: the list `futures`.
fn appended_alias<'t>(ctx: &Context<'_, 't>, assignment: Node<'t>, name: &str) -> Option<Node<'t>> {
    let statement = assignment
        .parent()
        .filter(|s| s.kind() == "expression_statement")?;
    let block = statement.parent()?;
    let mut list = None;
    let mut cursor = block.walk();
    for sibling in block.named_children(&mut cursor) {
        if sibling.start_byte() <= statement.start_byte() {
            continue;
        }
        let mut stack = vec![sibling];
        while let Some(node) = stack.pop() {
            if node.kind() == "identifier" && ctx.text(node) == name && is_variable(node) {
                let append_target = node
                    .parent()
                    .filter(|a| a.kind() == "argument_list" && a.named_child_count() == 1)
                    .and_then(|a| a.parent())
                    .and_then(|c| c.child_by_field_name("function"))
                    .filter(|f| {
                        f.kind() == "attribute"
                            && f.child_by_field_name("attribute")
                                .is_some_and(|a| ctx.text(a) == "append")
                    })
                    .and_then(|f| f.child_by_field_name("object"))
                    .filter(|o| o.kind() == "identifier");
                match (append_target, list) {
                    (Some(target), None) => list = Some(target),
                    _ => return None,
                }
            }
            let mut inner = node.walk();
            stack.extend(node.named_children(&mut inner));
        }
    }
    list
}

/// What one use of a holder name does.
enum HolderUse<'t> {
    /// Binding it, adding to it, its length, or looking an item up by a future.
    Ignored,
    /// `fut.result()` of a single future.
    Read(Node<'t>),
    /// Iterating it: the loop variables that hold futures, and the `as_completed` loop if so.
    Futures(Vec<Node<'t>>, Option<Node<'t>>),
}

fn holder_use<'t>(
    ctx: &Context<'_, 't>,
    node: Node<'t>,
    holder: &Holder,
    method: &str,
) -> Result<HolderUse<'t>, String> {
    let name = ctx.text(node);
    let unfollowed = || format!("`{name}` is used in a way corral does not follow");
    let parent = node.parent().ok_or_else(unfollowed)?;
    // Binding or adding to it.
    match parent.kind() {
        "assignment" if parent.child_by_field_name("left") == Some(node) => {
            return Ok(HolderUse::Ignored)
        }
        "attribute" => {
            let attr = parent.child_by_field_name("attribute").map(|a| ctx.text(a));
            let call = parent.parent().filter(|c| c.kind() == "call");
            match (attr, holder) {
                (Some("append"), Holder::Keys) => return Ok(HolderUse::Ignored),
                (Some(m), Holder::Single)
                    if m == method
                        && call.is_some_and(|c| {
                            c.child_by_field_name("arguments")
                                .is_some_and(|a| a.named_child_count() == 0)
                        }) =>
                {
                    return Ok(HolderUse::Read(call.expect("checked")));
                }
                (Some(m @ ("items" | "values" | "keys")), Holder::Keys | Holder::Values) => {
                    let call = call.ok_or_else(unfollowed)?;
                    let position = match (m, holder) {
                        ("items", Holder::Keys) => Some(0),
                        ("items", Holder::Values) => Some(1),
                        ("values", Holder::Values) | ("keys", Holder::Keys) => None,
                        _ => return iteration(ctx, call, None, false).map(|_| HolderUse::Ignored),
                    };
                    return iteration(ctx, call, position, m == "items");
                }
                _ => return Err(unfollowed()),
            }
        }
        "subscript" if parent.child_by_field_name("value") == Some(node) => {
            // futures[fut] (a dict keyed by futures) gives the item; a list's or a dict of
            // futures' item is a future.
            if parent.parent().is_some_and(|a| {
                a.kind() == "assignment" && a.child_by_field_name("left") == Some(parent)
            }) {
                return Ok(HolderUse::Ignored);
            }
            return match holder {
                Holder::Keys if is_dict_keyed(ctx, node) => Ok(HolderUse::Ignored),
                _ => Ok(HolderUse::Futures(vec![parent], None)),
            };
        }
        "argument_list" => {
            let call = parent.parent().ok_or_else(unfollowed)?;
            let callee = call
                .child_by_field_name("function")
                .map(|f| ctx.text(f))
                .unwrap_or("");
            if callee == "len" {
                return Ok(HolderUse::Ignored);
            }
            let q = call
                .child_by_field_name("function")
                .and_then(|f| ctx.semantic.qualified_name(f));
            if q.as_deref() == Some("concurrent.futures.as_completed") && *holder == Holder::Keys {
                let loop_ = call
                    .parent()
                    .filter(|l| {
                        l.kind() == "for_statement" && l.child_by_field_name("right") == Some(call)
                    })
                    .ok_or_else(|| {
                        "as_completed is used other than as a `for` loop's iterable".to_string()
                    })?;
                let target = loop_
                    .child_by_field_name("left")
                    .filter(|t| t.kind() == "identifier")
                    .ok_or_else(unfollowed)?;
                return Ok(HolderUse::Futures(vec![target], Some(loop_)));
            }
            if matches!(callee, "zip" | "enumerate")
                && ctx.semantic.lookup(callee, call).is_none()
                && *holder != Holder::Single
            {
                let position = if callee == "enumerate" {
                    1
                } else {
                    let mut cursor = parent.walk();
                    let index = parent.named_children(&mut cursor).position(|a| a == node);
                    index.ok_or_else(unfollowed)?
                };
                if *holder == Holder::Values {
                    return Err(unfollowed());
                }
                return iteration(ctx, call, Some(position), true);
            }
            return Err(format!(
                "`{name}` is passed to `{}`, which corral does not follow",
                first_line(callee)
            ));
        }
        _ => {}
    }
    if *holder == Holder::Single {
        return Err(unfollowed());
    }
    // Iterating it directly: a list's items, or a dict's keys.
    if *holder == Holder::Values {
        return iteration(ctx, node, None, false).map(|_| HolderUse::Ignored);
    }
    iteration(ctx, node, None, false)
}

/// Whether the holder is a dict keyed by futures (not a list).
fn is_dict_keyed(ctx: &Context, node: Node) -> bool {
    let Some(binding) = ctx.semantic.origin(node) else {
        return false;
    };
    binding
        .node
        .child_by_field_name("right")
        .is_some_and(|r| matches!(r.kind(), "dictionary_comprehension" | "dictionary"))
}

/// `expr` as the iterable of a `for` loop or comprehension: the loop variables that receive the
/// futures (the whole target, or the item at `position` of a tuple target).
fn iteration<'t>(
    ctx: &Context<'_, 't>,
    expr: Node<'t>,
    position: Option<usize>,
    tuple: bool,
) -> Result<HolderUse<'t>, String> {
    let unfollowed = || {
        format!(
            "`{}` is used in a way corral does not follow",
            ctx.text(expr)
        )
    };
    let parent = expr.parent().ok_or_else(unfollowed)?;
    if !matches!(parent.kind(), "for_statement" | "for_in_clause")
        || parent.child_by_field_name("right") != Some(expr)
    {
        return Err(unfollowed());
    }
    let target = parent.child_by_field_name("left").ok_or_else(unfollowed)?;
    let var = match (position, tuple) {
        (None, _) if target.kind() == "identifier" => target,
        (Some(i), true) if matches!(target.kind(), "pattern_list" | "tuple_pattern") => {
            let mut cursor = target.walk();
            let items: Vec<Node> = target.named_children(&mut cursor).collect();
            *items
                .get(i)
                .filter(|n| n.kind() == "identifier")
                .ok_or_else(unfollowed)?
        }
        _ => return Err(unfollowed()),
    };
    Ok(HolderUse::Futures(vec![var], None))
}

/// The reads of a variable holding a future: `var.result()`, `holder[var]`; anything else is
/// refused. `var` may also be a subscript expression `futures[i]` holding one future.
fn future_var_reads<'t>(
    ctx: &Context<'_, 't>,
    var: Node<'t>,
    method: &str,
    reads: &mut Vec<Node<'t>>,
    holder: &str,
    done: bool,
) -> Result<(), String> {
    let check = |use_node: Node<'t>, reads: &mut Vec<Node<'t>>| -> Result<(), String> {
        let parent = use_node.parent().ok_or("no parent")?;
        if parent.kind() == "attribute" && parent.child_by_field_name("object") == Some(use_node) {
            let attr = parent
                .child_by_field_name("attribute")
                .map_or("", |a| ctx.text(a));
            let call = parent.parent().filter(|c| c.kind() == "call");
            // A future `as_completed` gives is done, and so is the task in its place: asking
            // how it ended means the same.
            let asks = matches!(attr, "exception" | "done" | "cancelled")
                && call.is_some_and(|c| {
                    c.child_by_field_name("arguments")
                        .is_some_and(|a| a.named_child_count() == 0)
                });
            if done && asks {
                return Ok(());
            }
            if attr == method {
                if let Some(call) = call.filter(|c| {
                    c.child_by_field_name("arguments")
                        .is_some_and(|a| a.named_child_count() == 0)
                }) {
                    reads.push(call);
                    return Ok(());
                }
                return Err(format!(
                    "a future's `{method}()` is given a timeout, which corral does not move"
                ));
            }
            return Err(format!(
                "a future is used as `.{attr}`, which corral does not move (it moves `.{method}()`)"
            ));
        }
        if parent.kind() == "subscript"
            && parent
                .child_by_field_name("value")
                .is_some_and(|v| ctx.text(v) == holder)
        {
            return Ok(()); // futures[fut]: the item it was submitted for
        }
        Err(format!(
            "a future is used as `{}`, which corral does not move",
            first_line(ctx.text(parent))
        ))
    };
    if var.kind() == "subscript" {
        return check(var, reads);
    }
    // Uses of the loop variable inside the loop (or comprehension) that binds it.
    let owner = var.parent().and_then(|p| {
        if matches!(p.kind(), "pattern_list" | "tuple_pattern") {
            p.parent()
        } else {
            Some(p)
        }
    });
    let owner = owner.ok_or("no loop")?;
    let scope = match owner.kind() {
        "for_in_clause" => owner.parent().ok_or("no comprehension")?,
        _ => owner,
    };
    let name = ctx.text(var);
    let mut stack = vec![scope];
    while let Some(node) = stack.pop() {
        if node.kind() == "identifier" && ctx.text(node) == name && node != var && is_variable(node)
        {
            // The binding itself, in the `for` clause, is skipped above; other occurrences read.
            check(node, reads)?;
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    Ok(())
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

fn own_exits_break(loop_: Node) -> bool {
    let Some(body) = loop_.child_by_field_name("body") else {
        return false;
    };
    let mut stack = vec![body];
    while let Some(node) = stack.pop() {
        if node.kind() == "break_statement" {
            let mut owner = node.parent();
            while let Some(o) = owner {
                if matches!(o.kind(), "for_statement" | "while_statement") {
                    break;
                }
                owner = o.parent();
            }
            if owner == Some(loop_) {
                return true;
            }
        }
        if syntax::is_nested_scope(node) {
            continue;
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    false
}

fn in_completed_loop(read: Node, loops: &[Node]) -> bool {
    loops.iter().any(|l| {
        l.child_by_field_name("body")
            .is_some_and(|b| b.byte_range().contains(&read.start_byte()))
    })
}

/// A generator expression around a read inside the pool's block.
fn enclosing_genexp<'t>(read: Node<'t>, site: &Site<'t>) -> Option<Node<'t>> {
    let mut current = read.parent();
    while let Some(n) = current {
        if n == site.head || site.statements.contains(&n) {
            return None;
        }
        if n.kind() == "generator_expression" {
            return Some(n);
        }
        current = n.parent();
    }
    None
}

/// `(x for x in y)` → `[x for x in y]`; `f(x for x in y)` → `f([x for x in y])`: an `await`
/// inside a generator expression would make it an async generator.
fn genexp_to_list(ctx: &Context, genexp: Node) -> Result<Vec<Edit>, String> {
    let text = ctx.text(genexp);
    if !(text.starts_with('(') && text.ends_with(')')) {
        return Err("a generator expression corral cannot rewrite".into());
    }
    let sole_argument = genexp
        .parent()
        .is_some_and(|p| p.kind() == "call" && p.child_by_field_name("arguments") == Some(genexp));
    if sole_argument {
        Ok(vec![
            Edit::insert(genexp.start_byte() + 1, "["),
            Edit::insert(genexp.end_byte() - 1, "]"),
        ])
    } else {
        Ok(vec![
            Edit {
                range: genexp.start_byte()..genexp.start_byte() + 1,
                text: "[".into(),
            },
            Edit {
                range: genexp.end_byte() - 1..genexp.end_byte(),
                text: "]".into(),
            },
        ])
    }
}

/// Whether a block statement binds one of the holders (`futures = ...`).
fn binds_holder(ctx: &Context, statement: Node, holders: &[(&str, Holder, Node)]) -> bool {
    holders
        .iter()
        .any(|(_, _, binder)| statement.byte_range().contains(&binder.start_byte()))
        && statement.named_child(0).is_some_and(|a| {
            a.kind() == "assignment"
                && a.child_by_field_name("left")
                    .is_some_and(|l| holders.iter().any(|(n, _, _)| ctx.text(l) == *n))
        })
}

/// Handlers that see a read's failure name httpx's exceptions instead of requests'.
fn map_handlers<'t>(
    ctx: &Context<'_, 't>,
    reads: &Reads<'t>,
    container: &Container<'t>,
) -> Result<Vec<Edit>, String> {
    let stop = container.function().unwrap_or(ctx.semantic.root());
    let mut edits: Vec<Edit> = Vec::new();
    for read in &reads.reads {
        for handler in syntax::enclosing_handlers(*read, stop) {
            for t in syntax::except_types(handler).unwrap_or_default() {
                match map_exception(ctx, t) {
                    Ok(Some(mapped)) => {
                        if !edits.iter().any(|e| e.range == t.byte_range()) {
                            edits.push(Edit::replace(t, mapped));
                        }
                    }
                    Ok(None) => {}
                    Err(why) => return Err(format!("the handling of a result {why}")),
                }
            }
        }
    }
    Ok(edits)
}
