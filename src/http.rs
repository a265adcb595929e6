//! What moving blocking `requests` calls onto asyncio needs to know (catalog CONC201, §T-K, §T-X):
//! whether a callable handed to an executor is network-only, and how its requests calls read with
//! an `httpx.AsyncClient`.

use tree_sitter::Node;

use crate::rule::{Context, Edit};
use crate::semantic::BindingKind;
use crate::syntax;

pub const REQUESTS_VERBS: &[&str] = &[
    "get", "post", "put", "patch", "delete", "head", "options", "request",
];

/// Builtins a network-only worker may call: plain Python, no I/O that matters.
const PLAIN_BUILTINS: &[&str] = &[
    "abs",
    "all",
    "any",
    "bool",
    "dict",
    "enumerate",
    "float",
    "int",
    "isinstance",
    "len",
    "list",
    "max",
    "min",
    "print",
    "range",
    "repr",
    "round",
    "set",
    "sorted",
    "str",
    "sum",
    "tuple",
    "zip",
];

/// Module functions a network-only worker may call.
const PLAIN_FUNCTIONS: &[&str] = &[
    "json.dumps",
    "json.loads",
    "urllib.parse.urlencode",
    "urllib.parse.urljoin",
    "urllib.parse.quote",
];

/// Response attributes that mean the same in httpx.
pub const SAME_RESPONSE_API: &[&str] = &[
    "status_code",
    "text",
    "content",
    "headers",
    "json",
    "raise_for_status",
    "encoding",
];

/// A callable handed to an executor, judged.
pub enum Worker<'t> {
    /// Not network I/O (a CPU-bound function, or something corral cannot see): left alone.
    NotNetwork,
    /// Network I/O that corral will not move, with the reason.
    Refused(String),
    /// `requests.<verb>`, possibly through `functools.partial` or a one-call lambda; `keywords`
    /// are the fixed keyword arguments, already in httpx's spelling.
    Call { verb: String, keywords: Vec<String> },
    /// A same-module function that only does requests calls and plain Python.
    Function { def: Node<'t>, name: &'t str },
}

pub fn classify_worker<'t>(ctx: &Context<'_, 't>, callable: Node<'t>) -> Worker<'t> {
    let sem = ctx.semantic;
    if let Some(verb) = requests_verb(ctx, callable) {
        return Worker::Call {
            verb,
            keywords: Vec::new(),
        };
    }
    if let Some(verb) = session_verb(ctx, callable) {
        // Through to_thread the session goes on working as it is; one httpx client would not
        // carry its headers, auth, cookies and mounted adapters.
        return match ctx.settings.http_client {
            crate::settings::HttpClient::ToThread => Worker::Call {
                verb,
                keywords: Vec::new(),
            },
            _ => Worker::Refused(
                "it is a method of a requests.Session, whose headers, auth, cookies and adapters \
                 an httpx client would not carry over; --http-client to-thread keeps the session"
                    .to_string(),
            ),
        };
    }
    match callable.kind() {
        "call" => {
            let is_partial = callable
                .child_by_field_name("function")
                .and_then(|f| sem.qualified_name(f))
                .is_some_and(|q| q == "functools.partial");
            let args = callable.child_by_field_name("arguments");
            let Some((target, rest)) = args.filter(|_| is_partial).and_then(|a| {
                let mut cursor = a.walk();
                let items: Vec<Node> = a
                    .named_children(&mut cursor)
                    .filter(|n| n.kind() != "comment")
                    .collect();
                items.split_first().map(|(f, r)| (*f, r.to_vec()))
            }) else {
                return Worker::NotNetwork;
            };
            let Some(verb) = requests_verb(ctx, target) else {
                return Worker::NotNetwork;
            };
            if rest.iter().any(|a| a.kind() != "keyword_argument") {
                return Worker::Refused(
                    "a functools.partial that fixes positional arguments".to_string(),
                );
            }
            match map_keywords(ctx, &verb, &rest) {
                Ok(keywords) => Worker::Call { verb, keywords },
                Err(why) => Worker::Refused(why),
            }
        }
        "lambda" => {
            let body = callable.child_by_field_name("body");
            let params = callable
                .child_by_field_name("parameters")
                .map(|p| ctx.text(p).trim().to_string())
                .unwrap_or_default();
            let Some(call) = body.filter(|b| b.kind() == "call") else {
                return Worker::NotNetwork;
            };
            let Some(verb) = call
                .child_by_field_name("function")
                .and_then(|f| requests_verb(ctx, f))
            else {
                return Worker::NotNetwork;
            };
            let args = call.child_by_field_name("arguments");
            let items: Vec<Node> = args
                .map(|a| {
                    let mut cursor = a.walk();
                    let items: Vec<Node> = a
                        .named_children(&mut cursor)
                        .filter(|n| n.kind() != "comment")
                        .collect();
                    items
                })
                .unwrap_or_default();
            let simple = items
                .first()
                .is_some_and(|first| ctx.text(*first) == params)
                && !params.contains(',')
                && !params.is_empty();
            if !simple || items[1..].iter().any(|a| a.kind() != "keyword_argument") {
                return Worker::Refused(
                    "a lambda that is not `lambda x: requests.<verb>(x, key=value, ...)`"
                        .to_string(),
                );
            }
            match map_keywords(ctx, &verb, &items[1..]) {
                Ok(keywords) => Worker::Call { verb, keywords },
                Err(why) => Worker::Refused(why),
            }
        }
        "identifier" => {
            let Some(binding) = sem.origin(callable) else {
                return Worker::NotNetwork;
            };
            if binding.kind != BindingKind::FunctionDef {
                return Worker::NotNetwork;
            }
            let def = binding.node;
            match network_only(ctx, def) {
                Ok(true) => Worker::Function {
                    def,
                    name: ctx.text(callable),
                },
                Ok(false) => Worker::NotNetwork,
                Err(why) => Worker::Refused(why),
            }
        }
        _ => Worker::NotNetwork,
    }
}

/// `session.get` on a name whose origin is a `requests.Session`, as its verb.
fn session_verb(ctx: &Context, callee: Node) -> Option<String> {
    if callee.kind() != "attribute" {
        return None;
    }
    let verb = ctx.text(callee.child_by_field_name("attribute")?);
    let object = callee.child_by_field_name("object")?;
    let origin = ctx.semantic.value_origin(object)?;
    (matches!(origin.as_str(), "requests.Session" | "requests.session")
        && REQUESTS_VERBS.contains(&verb))
    .then(|| verb.to_string())
}

/// `requests.get` (or an alias of it) as its verb.
fn requests_verb<'t>(ctx: &Context<'_, 't>, callee: Node<'t>) -> Option<String> {
    let q = ctx.semantic.qualified_name(callee)?;
    let verb = q.strip_prefix("requests.")?;
    REQUESTS_VERBS.contains(&verb).then(|| verb.to_string())
}

/// Whether a function only does requests calls plus plain Python: `Ok(true)` when it does
/// requests calls and nothing else that blocks, `Ok(false)` when it does no requests call at all,
/// `Err` with the reason when it mixes them with something corral cannot move.
fn network_only<'t>(ctx: &Context<'_, 't>, def: Node<'t>) -> Result<bool, String> {
    let sem = ctx.semantic;
    let name = def
        .child_by_field_name("name")
        .map_or("the worker", |n| ctx.text(n));
    if def.child(0).is_some_and(|c| c.kind() == "async") {
        return Ok(false);
    }
    let Some(body) = def.child_by_field_name("body") else {
        return Ok(false);
    };
    let mut has_requests = false;
    let mut problem: Option<String> = None;
    let mut note = |why: String| {
        problem.get_or_insert(why);
    };
    if def
        .parent()
        .is_some_and(|p| p.kind() == "decorated_definition")
    {
        note(format!("`{name}` is decorated"));
    }
    let mut stack = vec![body];
    while let Some(node) = stack.pop() {
        match node.kind() {
            "function_definition" | "lambda" | "class_definition" => {
                note(format!("`{name}` defines a nested function or class"));
                continue;
            }
            "global_statement" | "nonlocal_statement" | "yield" | "await" | "with_statement" => {
                note(format!(
                    "`{name}` uses `{}`",
                    node.kind().replace("_statement", "")
                ));
            }
            "call" => {
                if let Err(why) = judge_call(ctx, node, &mut has_requests) {
                    note(format!("`{name}` {why}"));
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
                            "`{name}` uses the response's `.{attr}`, which httpx does not offer the same way"
                        ));
                    }
                }
            }
            "except_clause" => {
                for t in syntax::except_types(node).unwrap_or_default() {
                    if let Err(why) = map_exception(ctx, t) {
                        note(format!("`{name}` {why}"));
                    }
                }
            }
            _ => {}
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    let _ = sem;
    match (has_requests, problem) {
        (false, _) => Ok(false),
        (true, None) => Ok(true),
        (true, Some(why)) => Err(why),
    }
}

/// One call inside a worker: a requests verb, a response method, plain Python, or a problem.
fn judge_call<'t>(
    ctx: &Context<'_, 't>,
    call: Node<'t>,
    has_requests: &mut bool,
) -> Result<(), String> {
    let sem = ctx.semantic;
    let Some(callee) = call.child_by_field_name("function") else {
        return Ok(());
    };
    if let Some(verb) = requests_verb(ctx, callee) {
        *has_requests = true;
        let args = requests_keywords(call);
        return map_keywords(ctx, &verb, &args).map(|_| ());
    }
    let shown = ctx.text(callee);
    match callee.kind() {
        "identifier" => match sem.lookup(ctx.text(callee), callee) {
            None if PLAIN_BUILTINS.contains(&shown) => Ok(()),
            _ => Err(format!("calls `{shown}`, which may block")),
        },
        "attribute" => {
            if response_attribute(ctx, callee).is_some() {
                return Ok(()); // judged as an attribute
            }
            match sem.qualified_name(callee) {
                Some(q) if PLAIN_FUNCTIONS.contains(&q.as_str()) => Ok(()),
                Some(q) => Err(format!(
                    "calls `{q}`, which is not network I/O corral can move"
                )),
                // A method of a local value: plain Python.
                None => Ok(()),
            }
        }
        _ => Ok(()),
    }
}

/// For `resp.<attr>` where `resp` holds a requests response in this function: the attribute.
fn response_attribute<'t>(ctx: &Context<'_, 't>, attribute: Node<'t>) -> Option<&'t str> {
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

fn requests_keywords(call: Node) -> Vec<Node> {
    let Some(args) = call.child_by_field_name("arguments") else {
        return Vec::new();
    };
    let mut cursor = args.walk();
    let items: Vec<Node> = args
        .named_children(&mut cursor)
        .filter(|a| matches!(a.kind(), "keyword_argument" | "dictionary_splat"))
        .collect();
    items
}

/// requests keyword arguments as httpx reads them (table T-K), or why they cannot be.
pub fn map_keywords<'t>(
    ctx: &Context<'_, 't>,
    verb: &str,
    keywords: &[Node<'t>],
) -> Result<Vec<String>, String> {
    let mut mapped = Vec::new();
    for kw in keywords {
        if kw.kind() == "dictionary_splat" {
            return Err("passes **kwargs, whose keys corral cannot map to httpx".to_string());
        }
        let (Some(name), Some(value)) = (
            kw.child_by_field_name("name"),
            kw.child_by_field_name("value"),
        ) else {
            continue;
        };
        let name = ctx.text(name);
        let text = ctx.text(value);
        match name {
            "timeout" if value.kind() == "tuple" => {
                return Err(
                    "passes a (connect, read) timeout tuple, which httpx spells differently"
                        .to_string(),
                )
            }
            "allow_redirects" => mapped.push(format!("follow_redirects={text}")),
            "params" => {
                if value.kind() != "dictionary" || contains_none_value(value) {
                    return Err(
                        "passes params= that may hold None values, which requests drops and httpx sends"
                            .to_string(),
                    );
                }
                mapped.push(format!("params={text}"));
            }
            "data" if value.kind() != "dictionary" => {
                return Err(
                    "passes data= that is not a dict (httpx wants content= for raw bytes)"
                        .to_string(),
                )
            }
            "verify" | "cert" | "proxies" => {
                return Err(format!(
                    "passes {name}= per request, which httpx only takes on the client"
                ))
            }
            "stream" => return Err("streams the response (stream=True)".to_string()),
            "hooks" => {
                return Err("passes hooks=, which httpx takes as client event_hooks".to_string())
            }
            "timeout" | "headers" | "cookies" | "auth" | "json" | "data" | "files" => {
                mapped.push(format!("{name}={text}"))
            }
            other => {
                return Err(format!(
                    "passes {other}=, which corral does not map to httpx"
                ))
            }
        }
    }
    // requests.head does not follow redirects; the shared client does.
    if verb == "head" && !mapped.iter().any(|k| k.starts_with("follow_redirects=")) {
        mapped.push("follow_redirects=False".to_string());
    }
    Ok(mapped)
}

fn contains_none_value(dict: Node) -> bool {
    let mut cursor = dict.walk();
    let found = dict.named_children(&mut cursor).any(|pair| {
        pair.kind() != "pair"
            || pair
                .child_by_field_name("value")
                .is_some_and(|v| v.kind() == "none" || v.kind() == "identifier")
    });
    found
}

/// A requests exception as the httpx exception(s) that mean the same (table T-X), written with
/// `httpx` as the module's name.
pub fn map_exception<'t>(ctx: &Context<'_, 't>, node: Node<'t>) -> Result<Option<String>, String> {
    let Some(q) = ctx.semantic.qualified_name(node).or_else(|| {
        (node.kind() == "identifier" && ctx.semantic.lookup(ctx.text(node), node).is_none())
            .then(|| format!("builtins.{}", ctx.text(node)))
    }) else {
        return Ok(None);
    };
    let q = q.replace("requests.exceptions.", "requests.");
    Ok(Some(match q.as_str() {
        "builtins.OSError" | "builtins.IOError" | "builtins.EnvironmentError" => {
            return Err(
                "catches OSError: requests exceptions are OSErrors, httpx exceptions are not"
                    .to_string(),
            )
        }
        "requests.RequestException" => {
            "(httpx.HTTPError, httpx.InvalidURL, ValueError)".to_string()
        }
        "requests.HTTPError" => "httpx.HTTPStatusError".to_string(),
        "requests.ConnectionError" => {
            "(httpx.ConnectError, httpx.ConnectTimeout, httpx.ProxyError)".to_string()
        }
        "requests.Timeout" => "httpx.TimeoutException".to_string(),
        "requests.ConnectTimeout" => "httpx.ConnectTimeout".to_string(),
        "requests.ReadTimeout" => "httpx.ReadTimeout".to_string(),
        "requests.TooManyRedirects" => "httpx.TooManyRedirects".to_string(),
        other if other.starts_with("requests.") => {
            return Err(format!(
                "catches `{other}`, which has no httpx equivalent corral knows"
            ))
        }
        _ => return Ok(None),
    }))
}

/// Edits that keep requests' response API where httpx differs, for a response expression
/// `object`: `.ok` (status below 400 in requests; httpx has no such attribute) becomes
/// `(object.status_code < 400)`, and a statement `resp.raise_for_status()` raises only for 4xx
/// and 5xx as in requests (httpx also raises for 1xx and 3xx). `None` for a response attribute
/// httpx does not have at all.
pub fn response_fixups(ctx: &Context, attribute: Node) -> Option<Vec<Edit>> {
    let object = attribute.child_by_field_name("object")?;
    let attr = ctx.text(attribute.child_by_field_name("attribute")?);
    match attr {
        "ok" if object.kind() == "identifier" => Some(vec![Edit::replace(
            attribute,
            format!("({}.status_code < 400)", ctx.text(object)),
        )]),
        "raise_for_status" => {
            let call = attribute.parent().filter(|c| c.kind() == "call")?;
            let statement = call.parent().filter(|s| s.kind() == "expression_statement");
            match statement {
                // On a line of its own, the guard gets a line of its own, as a formatter
                // lays a compound statement out.
                Some(_) if object.kind() == "identifier" && ctx.starts_line(call.start_byte()) => {
                    let indent = ctx.line_indent(call.start_byte());
                    let unit = if indent.starts_with('\t') {
                        "\t"
                    } else {
                        "    "
                    };
                    Some(vec![Edit::insert(
                        call.start_byte(),
                        format!("if {}.is_error:\n{indent}{unit}", ctx.text(object)),
                    )])
                }
                Some(_) if object.kind() == "identifier" => Some(vec![Edit::insert(
                    call.start_byte(),
                    format!("if {}.is_error: ", ctx.text(object)),
                )]),
                _ => Some(Vec::new()),
            }
        }
        other if SAME_RESPONSE_API.contains(&other) => Some(Vec::new()),
        _ => None,
    }
}

/// The async twin of a network-only function: `async def <twin>(client, ...)` whose requests
/// calls are awaited on the client, with exception handlers mapped to httpx.
pub fn async_twin<'t>(
    ctx: &Context<'_, 't>,
    def: Node<'t>,
    twin: &str,
    client: &str,
) -> Option<String> {
    let start = def.start_byte();
    let mut edits = Vec::new();
    let name = def.child_by_field_name("name")?;
    let params = def.child_by_field_name("parameters")?;
    edits.push(Edit {
        range: start..name.end_byte(),
        text: format!("async def {twin}"),
    });
    let inner_empty = ctx
        .text(params)
        .trim_start_matches('(')
        .trim()
        .starts_with(')');
    edits.push(Edit::insert(
        params.start_byte() + 1,
        if inner_empty {
            client.to_string()
        } else {
            format!("{client}, ")
        },
    ));
    let body = def.child_by_field_name("body")?;
    let mut stack = vec![body];
    while let Some(node) = stack.pop() {
        match node.kind() {
            "call" => {
                let callee = node.child_by_field_name("function")?;
                if let Some(verb) = requests_verb(ctx, callee) {
                    let wrap = node.parent().is_some_and(|p| {
                        matches!(p.kind(), "attribute" | "subscript" | "call")
                            && p.child(0) == Some(node)
                    });
                    edits.push(Edit::insert(
                        node.start_byte(),
                        if wrap { "(await " } else { "await " },
                    ));
                    edits.push(Edit::replace(callee, format!("{client}.{verb}")));
                    for kw in requests_keywords(node) {
                        let kw_name = kw.child_by_field_name("name")?;
                        if ctx.text(kw_name) == "allow_redirects" {
                            edits.push(Edit::replace(kw_name, "follow_redirects"));
                        }
                    }
                    if verb == "head"
                        && !requests_keywords(node)
                            .iter()
                            .any(|k| ctx.text(*k).starts_with("allow_redirects"))
                    {
                        edits.extend(ctx.add_keyword(node, "follow_redirects", "False")?);
                    }
                    if wrap {
                        edits.push(Edit::insert(node.end_byte(), ")"));
                    }
                }
            }
            "except_clause" => {
                for t in syntax::except_types(node).unwrap_or_default() {
                    if let Ok(Some(mapped)) = map_exception(ctx, t) {
                        edits.push(Edit::replace(t, mapped));
                    }
                }
            }
            "attribute" if response_attribute(ctx, node).is_some() => {
                edits.extend(response_fixups(ctx, node)?);
            }
            _ => {}
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    Some(ctx.rewrite_range(start..def.end_byte(), &edits))
}

/// A bounded fan-out on asyncio as the thread-pool transforms write it: a semaphore, optionally
/// one `httpx.AsyncClient` around the work, a helper that holds a permit while it awaits one call,
/// and a TaskGroup (3.11+) or a gather (older targets) over the items.
pub struct BoundedFanOut {
    pub indent: String,
    pub unit: String,
    /// The `asyncio` module as this file names it.
    pub asyncio: String,
    pub limiter: String,
    pub limit: String,
    pub limit_note: String,
    /// `httpx.AsyncClient`, the timeout constant and the client's name, for the httpx backend.
    pub client: Option<(String, String, String)>,
    pub helper: String,
    /// The helper's parameters, `_item0, _item1`.
    pub params: String,
    /// What the helper awaits.
    pub call: String,
    pub task_group: String,
    pub tasks: String,
    /// The helper's arguments and the comprehension clauses that give them:
    /// `_helper(u)` over `for u in urls`.
    pub spawn: String,
    pub clauses: String,
}

impl BoundedFanOut {
    /// The limiter, the client block and the helper; returns the text and the indentation of
    /// the code that goes inside the client block.
    pub fn head(&self) -> (String, String) {
        let (indent, unit) = (&self.indent, &self.unit);
        let mut text = format!(
            "{indent}{} = {}.Semaphore({})  # {}\n",
            self.limiter, self.asyncio, self.limit, self.limit_note
        );
        let inner = match &self.client {
            Some((client_ref, timeout, client)) => {
                // A blank line before the nested `async def`, as ruff and black want it.
                text.push_str(&format!(
                    "{indent}async with {client_ref}(follow_redirects=True, timeout={timeout}) as {client}:\n\n"
                ));
                format!("{indent}{unit}")
            }
            None => {
                text.push('\n');
                indent.clone()
            }
        };
        text.push_str(&format!(
            "{inner}async def {}({}):\n{inner}{unit}async with {}:\n{inner}{unit}{unit}return await {}\n\n",
            self.helper, self.params, self.limiter, self.call
        ));
        (text, inner)
    }

    /// `async with asyncio.TaskGroup() as tg:` and the line that creates the tasks, at `inner`.
    pub fn task_group(&self, inner: &str) -> String {
        format!(
            "{inner}async with {}.TaskGroup() as {}:\n{inner}{}{} = [{}.create_task({}) {}]\n",
            self.asyncio,
            self.task_group,
            self.unit,
            self.tasks,
            self.task_group,
            self.spawn,
            self.clauses
        )
    }

    /// The results of the tasks, in order.
    pub fn results(&self, task: &str) -> String {
        format!("[{task}.result() for {task} in {}]", self.tasks)
    }

    /// Before 3.11: `await asyncio.gather(*[helper(...) for ...])`.
    pub fn gathered(&self) -> String {
        format!(
            "await {}.gather(*[{} {}])",
            self.asyncio, self.spawn, self.clauses
        )
    }
}

/// The name of a function definition, for messages.
pub fn function_name<'t>(ctx: &Context<'_, 't>, function: Node<'t>) -> &'t str {
    function
        .child_by_field_name("name")
        .map_or("function", |n| ctx.text(n))
}

/// For a synchronous enclosing function (catalog T5): `Ok(shim name)` when it may get an async
/// implementation plus a sync shim, or why not.
pub fn sync_policy<'t>(ctx: &Context<'_, 't>, function: Node<'t>) -> Result<String, String> {
    let root = ctx.semantic.root();
    let module_level = function.parent().is_some_and(|p| p == root);
    if !module_level {
        return Err(
            "only a module-level function can get an async implementation and a sync shim".into(),
        );
    }
    for framework in ["django", "flask", "celery"] {
        if !ctx.semantic.module_bindings(framework).is_empty() || imports_from(ctx, framework) {
            return Err(format!(
                "this is {framework} worker code, where threads are the sanctioned adapter; \
                 corral reports it and leaves the pool"
            ));
        }
    }
    if !is_script(ctx) {
        return Err(
            "importable library code must not start owning an event loop (asyncio.run fails \
             under a running loop); offer an async variant alongside it instead"
                .into(),
        );
    }
    let name = function_name(ctx, function);
    if called_from_async(ctx, name) {
        return Err("it has async callers, which should await an async version instead".into());
    }
    Ok(ctx.semantic.fresh_name(&format!("_{name}_async")))
}

fn imports_from<'t>(ctx: &Context<'_, 't>, module: &str) -> bool {
    let mut cursor = ctx.semantic.root().walk();
    let found = ctx.semantic.root().named_children(&mut cursor).any(|s| {
        s.kind() == "import_from_statement"
            && s.child_by_field_name("module_name").is_some_and(|m| {
                ctx.text(m) == module || ctx.text(m).starts_with(&format!("{module}."))
            })
    });
    found
}

/// A script: the module has an `if __name__ == "__main__":` block.
fn is_script(ctx: &Context) -> bool {
    let root = ctx.semantic.root();
    let mut cursor = root.walk();
    let found = root.named_children(&mut cursor).any(|s| {
        s.kind() == "if_statement"
            && s.child_by_field_name("condition").is_some_and(|c| {
                let text: String = ctx
                    .text(c)
                    .chars()
                    .filter(|ch| !ch.is_whitespace())
                    .collect();
                matches!(
                    text.as_str(),
                    "__name__==\"__main__\"" | "__name__=='__main__'"
                )
            })
    });
    found
}

/// Whether any async function of the module calls or hands off `name`.
fn called_from_async<'t>(ctx: &Context<'_, 't>, name: &str) -> bool {
    let mut stack = vec![ctx.semantic.root()];
    while let Some(node) = stack.pop() {
        if node.kind() == "identifier"
            && ctx.text(node) == name
            && ctx.semantic.in_async_context(node)
        {
            return true;
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    false
}

/// The edits that turn a synchronous `function` into an async implementation named `shim_name`
/// plus a sync shim with the same signature that runs it through `asyncio.run` (catalog T5), and
/// the behaviour change to report. `rewritten` is the part of the body a transform replaces.
pub fn sync_shim<'t>(
    ctx: &Context<'_, 't>,
    function: Node<'t>,
    shim_name: &str,
    asyncio: &str,
    unit: &str,
    rewritten: std::ops::Range<usize>,
) -> Result<(Vec<Edit>, String), String> {
    let name = function.child_by_field_name("name").ok_or("no name")?;
    let parameters = function
        .child_by_field_name("parameters")
        .ok_or("no parameters")?;
    let mut edits = vec![Edit {
        range: function.start_byte()..name.end_byte(),
        text: format!("async def {shim_name}"),
    }];
    let forwarded =
        forward_arguments(ctx, parameters).ok_or("its parameters cannot be forwarded")?;
    let returns = function
        .child_by_field_name("return_type")
        .map(|r| format!(" -> {}", ctx.text(r)))
        .unwrap_or_default();
    let shim_text = format!(
        "def {}{}{returns}:\n{unit}return {asyncio}.run({shim_name}({forwarded}))",
        ctx.text(name),
        ctx.text(parameters)
    );
    // When the rewritten part ends the function, the shim follows it.
    if rewritten.contains(&function.end_byte()) || rewritten.end == function.end_byte() {
        edits.push(Edit::insert(rewritten.end, format!("\n\n{shim_text}\n")));
    } else {
        edits.push(Edit::insert(
            function.end_byte(),
            format!("\n\n\n{shim_text}"),
        ));
    }
    let change = format!(
        "`{}` keeps its signature and now runs `{shim_name}` with asyncio.run: it must not be \
         called while an event loop is running",
        ctx.text(name)
    );
    Ok((edits, change))
}

/// The arguments that pass a function's parameters on unchanged: `a, *args, k=k, **kw`.
pub fn forward_arguments<'t>(ctx: &Context<'_, 't>, parameters: Node<'t>) -> Option<String> {
    let mut out = Vec::new();
    let mut keyword_only = false;
    let mut cursor = parameters.walk();
    for param in parameters.named_children(&mut cursor) {
        let text = match param.kind() {
            "identifier" => ctx.text(param).to_string(),
            "default_parameter" | "typed_default_parameter" => {
                ctx.text(param.child_by_field_name("name")?).to_string()
            }
            "typed_parameter" => {
                let inner = param.named_child(0)?;
                match inner.kind() {
                    "identifier" => ctx.text(inner).to_string(),
                    "list_splat_pattern" | "dictionary_splat_pattern" => {
                        out.push(ctx.text(inner).to_string());
                        if inner.kind() == "list_splat_pattern" {
                            keyword_only = true;
                        }
                        continue;
                    }
                    _ => return None,
                }
            }
            "list_splat_pattern" => {
                keyword_only = true;
                out.push(ctx.text(param).to_string());
                continue;
            }
            "dictionary_splat_pattern" => {
                out.push(ctx.text(param).to_string());
                continue;
            }
            "keyword_separator" => {
                keyword_only = true;
                continue;
            }
            "positional_separator" | "comment" => continue,
            _ => return None,
        };
        if text == "self" || text == "cls" {
            return None;
        }
        out.push(if keyword_only {
            format!("{text}={text}")
        } else {
            text
        });
    }
    Some(out.join(", "))
}

/// What a move to asyncio writes with: the `asyncio` module as the file names it, the
/// semaphore's spelling, the httpx client when that is the backend, and the imports and module
/// constants all that needs.
pub struct Backend {
    pub asyncio: String,
    pub semaphore: String,
    /// `httpx.AsyncClient` and the timeout constant, for the httpx backend.
    pub client: Option<(String, String)>,
    pub imports: Vec<String>,
    pub module_statements: Vec<String>,
}

impl Backend {
    pub fn new<'t>(ctx: &Context<'_, 't>, at: Node<'t>) -> Result<Backend, String> {
        let reference = |module: &str, member: &str| {
            ctx.semantic
                .import_ref(module, member, at)
                .ok_or_else(|| format!("the name `{module}` is taken here"))
        };
        let semaphore = reference("asyncio", "Semaphore")?;
        let asyncio = semaphore.expr.trim_end_matches(".Semaphore").to_string();
        if asyncio == "Semaphore" {
            return Err("asyncio is imported by member only; corral needs the module".into());
        }
        let mut imports: Vec<String> = semaphore.add_import.into_iter().collect();
        let mut module_statements = Vec::new();
        let client = if ctx.settings.http_client != crate::settings::HttpClient::ToThread {
            let r = reference("httpx", "AsyncClient")?;
            if r.expr != "httpx.AsyncClient" {
                return Err("httpx is imported under another name".into());
            }
            // `httpx.AsyncClient` resolves, so the mapped handlers' `httpx.*` names do too; the
            // import is needed only when the module does not have it yet.
            imports.extend(r.add_import);
            let (timeout, statements) = ctx.timeout_constant(at);
            module_statements.extend(statements);
            Some((r.expr, timeout))
        } else {
            None
        };
        Ok(Backend {
            asyncio,
            semaphore: semaphore.expr,
            client,
            imports,
            module_statements,
        })
    }

    /// The imports to request, each once, in a stable order.
    pub fn imports(&self) -> Vec<String> {
        let mut imports = self.imports.clone();
        imports.sort();
        imports.dedup();
        imports
    }
}

/// The bound a thread pool had: its `max_workers` expression and a note saying so, or the
/// `MAX_CONCURRENCY` constant (whose statement is added to `statements`) when none is visible.
pub fn pool_limit<'t>(
    ctx: &Context<'_, 't>,
    executor: Node<'t>,
    at: Node<'t>,
    statements: &mut Vec<String>,
) -> (String, String) {
    let visible = ctx
        .keyword(executor, "max_workers")
        .and_then(|k| k.child_by_field_name("value"))
        .or_else(|| {
            executor
                .child_by_field_name("arguments")
                .and_then(|a| a.named_child(0))
                .filter(|a| a.kind() != "keyword_argument")
        })
        .map(|n| ctx.text(n).to_string());
    match visible {
        Some(expr) => (expr.clone(), format!("was max_workers={expr}")),
        None => {
            let (name, more) = ctx.limit_constant(at);
            statements.extend(more);
            (name, "the thread pool's size was not visible".to_string())
        }
    }
}

/// One `with <Executor>(...) as <pool>:` block, from the query the thread-pool transforms share.
pub struct ExecutorBlock<'t> {
    pub with: Node<'t>,
    /// The executor class, resolved: `concurrent.futures.ThreadPoolExecutor`, ...
    pub class: Option<String>,
    pub executor: Node<'t>,
    pub pool: &'t str,
    pub body: Node<'t>,
}

pub fn executor_blocks<'t>(
    ctx: &Context<'_, 't>,
    query: &'static crate::rule::LazyQuery,
) -> Vec<ExecutorBlock<'t>> {
    query
        .matches(ctx)
        .iter()
        .filter_map(|m| {
            Some(ExecutorBlock {
                with: m.get("with")?,
                class: ctx.semantic.qualified_name(m.get("ctor")?),
                executor: m.get("executor")?,
                pool: ctx.text(m.get("pool")?),
                body: m.get("body")?,
            })
        })
        .collect()
}

/// The async twin of the worker `def` named `name`: an existing one (written by an earlier fix,
/// word for word what corral would write now) is reused; otherwise a fresh name and the text of
/// the new twin.
pub fn twin_of<'t>(
    ctx: &Context<'_, 't>,
    def: Node<'t>,
    name: &str,
) -> Result<(String, Option<String>), String> {
    let wanted = format!("{name}_async");
    if let [existing] = ctx.semantic.module_bindings(&wanted) {
        let same = existing.kind == crate::semantic::BindingKind::FunctionDef
            && async_twin(ctx, def, &wanted, "client").as_deref() == Some(ctx.text(existing.node));
        if same {
            return Ok((wanted, None));
        }
    }
    let twin = ctx.semantic.fresh_name(&wanted);
    let text =
        async_twin(ctx, def, &twin, "client").ok_or("corral could not write the async twin")?;
    Ok((twin, Some(text)))
}

/// The edits that put `block` in place of the pool's `with` statement and, for a synchronous
/// caller, turn the function into an async implementation named `shim` plus a sync shim; with
/// the behaviour change the shim makes, if any.
pub fn replace_pool<'t>(
    ctx: &Context<'_, 't>,
    with: Node<'t>,
    block: String,
    function: Node<'t>,
    shim: Option<&str>,
    asyncio: &str,
    unit: &str,
) -> Result<(Vec<Edit>, Option<String>), String> {
    let lines = ctx.node_lines(with);
    // A file that ends without a newline keeps ending without one.
    let block = if lines.end == ctx.src.len() && !ctx.src.ends_with('\n') {
        block.trim_end_matches('\n').to_string()
    } else {
        block
    };
    let mut edits = vec![Edit {
        range: lines.clone(),
        text: block,
    }];
    let Some(shim) = shim else {
        return Ok((edits, None));
    };
    let (shim_edits, change) = sync_shim(ctx, function, shim, asyncio, unit, lines)?;
    edits.extend(shim_edits);
    Ok((edits, Some(change)))
}

/// An edit placing an async twin's text after the worker it was made from.
pub fn twin_after<'t>(ctx: &Context<'_, 't>, def: Node<'t>, text: &str) -> Edit {
    let indent = ctx.line_indent(def.start_byte());
    Edit::insert(def.end_byte(), format!("\n\n\n{indent}{text}"))
}

/// The function a pool's `with` runs in, and the name of the async implementation a synchronous
/// one gets (catalog T5); or, after the finding's opening words, why the pool stays.
pub fn pool_caller<'t>(
    ctx: &Context<'_, 't>,
    with: Node<'t>,
) -> Result<(Node<'t>, Option<String>), String> {
    let Some(function) = syntax::ancestor(with, "function_definition") else {
        return Err(" at module level; corral moves it only inside a function".into());
    };
    if syntax::inside(with, "try_statement", function) {
        return Err(
            " inside a try statement: a TaskGroup raises ExceptionGroup, so the handlers \
                    would need except*; corral leaves it to you"
                .into(),
        );
    }
    if function.child(0).is_some_and(|c| c.kind() == "async") {
        return Ok((function, None));
    }
    match sync_policy(ctx, function) {
        Ok(shim) => Ok((function, Some(shim))),
        Err(why) => Err(format!(
            " in the synchronous `{}`: {why}",
            function_name(ctx, function)
        )),
    }
}
