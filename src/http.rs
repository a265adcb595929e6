//! What moving blocking `requests` calls onto asyncio needs to know (catalog CONC201, §T-K, §T-X):
//! how requests calls, their keywords, exceptions and responses read with an
//! `httpx.AsyncClient`; async twins of workers; and where a moved pool's function stands (T5).
//! Whether a callable is network I/O at all is `worker.rs`'s question.

use tree_sitter::Node;

use crate::rule::{Context, Edit};
use crate::syntax;
pub use crate::worker::{classify_worker, classify_worker_with, Worker};
use crate::worker::{requests_verb, response_attribute};

pub const REQUESTS_VERBS: &[&str] = &[
    "get", "post", "put", "patch", "delete", "head", "options", "request",
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

/// The async twin of a network-only function or method: `async def <twin>(client, ...)` (after
/// `self` for a method) whose requests calls are awaited on the client, with exception handlers
/// mapped to httpx.
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
    let mut cursor = params.walk();
    let first = params
        .named_children(&mut cursor)
        .find(|p| p.kind() != "comment");
    let is_method = syntax::ancestor(def, "class_definition").is_some_and(|class| {
        class.child_by_field_name("body").is_some_and(|b| {
            def.parent() == Some(b) || def.parent().and_then(|p| p.parent()) == Some(b)
        })
    }) && first.is_some_and(|p| p.kind() == "identifier");
    match (is_method, first) {
        (true, Some(this)) => edits.push(Edit::insert(this.end_byte(), format!(", {client}"))),
        (false, Some(_)) => {
            edits.push(Edit::insert(params.start_byte() + 1, format!("{client}, ")))
        }
        (_, None) => edits.push(Edit::insert(params.start_byte() + 1, client.to_string())),
    }
    edits.extend(twin_edits(ctx, def.child_by_field_name("body")?, client)?);
    Some(ctx.rewrite_range(start..def.end_byte(), &edits))
}

/// The edits that make the code under `root` await its requests calls on `client`: the calls,
/// their keywords, the handlers of their exceptions and the response attributes httpx spells
/// differently.
pub fn twin_edits<'t>(ctx: &Context<'_, 't>, root: Node<'t>, client: &str) -> Option<Vec<Edit>> {
    let mut edits = Vec::new();
    let mut stack = vec![root];
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
    Some(edits)
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
/// implementation plus a sync shim, or why not. A module-level function or a method of a
/// module-level class may; library code may not (see `is_library_reason`).
pub fn sync_policy<'t>(ctx: &Context<'_, 't>, function: Node<'t>) -> Result<String, String> {
    if !shim_able(ctx, function) {
        return Err(
            "only a module-level function or a method of a module-level class can get an async \
             implementation and a sync shim"
                .into(),
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
    let name = function_name(ctx, function);
    if called_from_async(ctx, name) {
        return Err("it has async callers, which should await an async version instead".into());
    }
    if !is_script(ctx, name) {
        return Err(LIBRARY_REASON.into());
    }
    Ok(ctx.semantic.fresh_name(&format!("_{name}_async")))
}

const LIBRARY_REASON: &str = "importable library code must not start owning an event loop \
    (asyncio.run fails under a running loop); --library-variants adds an async variant alongside \
    it instead";

/// Whether `sync_policy` refused because the code is an importable library's.
pub fn is_library_reason(why: &str) -> bool {
    why == LIBRARY_REASON
}

/// A module-level function, or a method (not a static or class method) of a module-level class.
fn shim_able<'t>(ctx: &Context<'_, 't>, function: Node<'t>) -> bool {
    let root = ctx.semantic.root();
    let outer = match function.parent() {
        Some(p) if p.kind() == "decorated_definition" => p,
        Some(p) => p,
        None => return false,
    };
    if outer == root {
        return outer.kind() != "decorated_definition";
    }
    method_class(ctx, function).is_some_and(|class| class.parent() == Some(root))
}

/// The class `function` is a plain method of: defined in its body, not decorated, taking
/// `self` first.
pub fn method_class<'t>(ctx: &Context<'_, 't>, function: Node<'t>) -> Option<Node<'t>> {
    let body = function.parent().filter(|b| b.kind() == "block")?;
    let class = body.parent().filter(|c| c.kind() == "class_definition")?;
    let params = function.child_by_field_name("parameters")?;
    let first = params.named_child(0)?;
    (first.kind() == "identifier" && ctx.text(first) == "self").then_some(class)
}

/// The name of an async variant of `function` added next to it: `<name>_async`, fresh.
/// `None` when something else already goes by that name next to it.
pub fn variant_name<'t>(ctx: &Context<'_, 't>, function: Node<'t>, name: &str) -> Option<String> {
    let wanted = format!("{name}_async");
    let taken = match method_class(ctx, function) {
        Some(class) => crate::outline::has_word(ctx.text(class).as_bytes(), &wanted),
        None => !ctx.semantic.module_bindings(&wanted).is_empty(),
    };
    (!taken).then_some(wanted)
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
fn is_script(ctx: &Context, function: &str) -> bool {
    let root = ctx.semantic.root();
    let mut cursor = root.walk();
    let found = root.named_children(&mut cursor).any(|s| {
        let guard = s.kind() == "if_statement"
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
            });
        // `main()` (or `print(fetch_all(...))`) at the top of the module: importing it runs
        // the program. Only an entry point's name, or the function itself, says so; libraries
        // call their own set-up functions at import too.
        guard || (s.kind() == "expression_statement" && calls_own_function(ctx, s, function))
    });
    found
}

/// Whether `statement` calls a function of this module (outside lambdas and comprehensions).
fn calls_own_function(ctx: &Context, statement: Node, function: &str) -> bool {
    let mut stack = vec![statement];
    while let Some(node) = stack.pop() {
        if matches!(
            node.kind(),
            "lambda" | "function_definition" | "class_definition"
        ) {
            continue;
        }
        if node.kind() == "call" {
            let own = node
                .child_by_field_name("function")
                .filter(|f| f.kind() == "identifier")
                .filter(|f| {
                    matches!(ctx.text(*f), "main" | "run" | "cli") || ctx.text(*f) == function
                })
                .and_then(|f| ctx.semantic.origin(f))
                .is_some_and(|b| b.kind == crate::semantic::BindingKind::FunctionDef);
            if own {
                return true;
            }
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    false
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
    let method = method_class(ctx, function).is_some();
    let forwarded = forward_arguments_of(ctx, parameters, method)
        .ok_or("its parameters cannot be forwarded")?;
    let returns = function
        .child_by_field_name("return_type")
        .map(|r| format!(" -> {}", ctx.text(r)))
        .unwrap_or_default();
    let indent = ctx.line_indent(function.start_byte());
    let receiver = if method { "self." } else { "" };
    let shim_text = format!(
        "def {}{}{returns}:\n{indent}{unit}return {asyncio}.run({receiver}{shim_name}({forwarded}))",
        ctx.text(name),
        ctx.text(parameters)
    );
    // When the rewritten part ends the function, the shim follows it.
    let gap = if method { "\n" } else { "\n\n" };
    if rewritten.contains(&function.end_byte()) || rewritten.end == function.end_byte() {
        edits.push(Edit::insert(
            rewritten.end,
            format!("{gap}{indent}{shim_text}\n"),
        ));
    } else {
        edits.push(Edit::insert(
            function.end_byte(),
            format!("\n{gap}{indent}{shim_text}"),
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
    forward_arguments_of(ctx, parameters, false)
}

/// As `forward_arguments`, leaving out a method's `self`.
pub fn forward_arguments_of<'t>(
    ctx: &Context<'_, 't>,
    parameters: Node<'t>,
    method: bool,
) -> Option<String> {
    let mut out = Vec::new();
    let mut keyword_only = false;
    let mut cursor = parameters.walk();
    let params: Vec<Node> = parameters
        .named_children(&mut cursor)
        .filter(|p| p.kind() != "comment")
        .skip(usize::from(method))
        .collect();
    for param in params {
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

/// The async twin of the worker `def` named `name`: an existing one next to it (written by an
/// earlier fix, word for word what corral would write now) is reused; otherwise a fresh name and
/// the text of the new twin.
pub fn twin_of<'t>(
    ctx: &Context<'_, 't>,
    def: Node<'t>,
    name: &str,
) -> Result<(String, Option<String>), String> {
    let wanted = format!("{name}_async");
    // The client's parameter, unless the worker already uses that word.
    let client = ["client", "http_client", "_http_client"]
        .into_iter()
        .find(|c| !crate::outline::has_word(ctx.text(def).as_bytes(), c))
        .ok_or("corral could not name the client parameter")?;
    let existing = sibling_def(ctx, def, &wanted);
    if let Some(existing) = existing {
        // Alike up to line ends: a twin written into a CRLF file has them mixed.
        let alike = |text: &str| text.replace("\r\n", "\n");
        if async_twin(ctx, def, &wanted, client).map(|t| alike(&t))
            == Some(alike(ctx.text(existing)))
        {
            return Ok((wanted, None));
        }
    }
    // `<name>_async` unless something already goes by that name (words in strings or comments
    // do not count, so that a later pass finds the twin by its name).
    let taken = existing.is_some() || !ctx.semantic.module_bindings(&wanted).is_empty();
    let twin = if taken {
        ctx.semantic.fresh_name(&wanted)
    } else {
        wanted
    };
    let text =
        async_twin(ctx, def, &twin, client).ok_or("corral could not write the async twin")?;
    Ok((twin, Some(text)))
}

/// The function named `name` defined in the same block as `def`.
pub fn sibling_def<'t>(ctx: &Context<'_, 't>, def: Node<'t>, name: &str) -> Option<Node<'t>> {
    let outer = match def.parent() {
        Some(p) if p.kind() == "decorated_definition" => p.parent()?,
        Some(p) => p,
        None => return None,
    };
    let mut cursor = outer.walk();
    let found = outer.named_children(&mut cursor).find_map(|stmt| {
        let candidate = match stmt.kind() {
            "decorated_definition" => stmt.child_by_field_name("definition")?,
            _ => stmt,
        };
        (candidate.kind() == "function_definition"
            && candidate
                .child_by_field_name("name")
                .is_some_and(|n| ctx.text(n) == name))
        .then_some(candidate)
    });
    found
}

/// An edit placing an async twin's text after the worker it was made from.
pub fn twin_after<'t>(ctx: &Context<'_, 't>, def: Node<'t>, text: &str) -> Edit {
    let indent = ctx.line_indent(def.start_byte());
    // Two blank lines between top-level definitions, one inside a class or function.
    let top_level = def.parent().is_some_and(|p| {
        p.kind() == "module"
            || p.kind() == "decorated_definition"
                && p.parent().is_some_and(|g| g.kind() == "module")
    });
    let gap = if top_level { "\n\n\n" } else { "\n\n" };
    Edit::insert(def.end_byte(), format!("{gap}{indent}{text}"))
}
