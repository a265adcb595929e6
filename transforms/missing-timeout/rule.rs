//! `missing-timeout` (CONC401): network calls that can wait forever get `timeout=`.
//!
//! Which calls are network I/O, and what bounds them now, is the network model's answer
//! (`network.rs`): requests calls (module functions, and methods of a session whose origin is
//! visible, also through locals and same-module helpers), `urllib.request.urlopen`,
//! `http.client` connections, `socket.create_connection`, `smtplib` and `ftplib` with no timeout
//! get `timeout=TIMEOUT_SECONDS`; httpx and aiohttp timeouts disabled with `None` get the same
//! constant instead. A timeout disabled on purpose (a named constant, a stream or proxy), a
//! call that waits for a model to generate, and a call whose `**kwargs` may carry a timeout are
//! reported without a fix.

use tree_sitter::Node;

use crate::network::{self, Bound, By, CallKind, Library, NetCall};
use crate::rule::{Context, Edit, Finding, Fix, LazyQuery, Reads, Rule};
use crate::syntax;

/// What a session or client receiver's origin names: `requests.Session`, `requests.session`,
/// `httpx.Client`, `httpx.AsyncClient`, `aiohttp.ClientSession`, or the same-module helper that
/// returned one (read as a callee).
const SESSIONS: &[&str] = &["Session", "session", "Client", "ClientSession"];

pub static RULE: Rule = Rule {
    id: "missing-timeout",
    code: "CONC401",
    summary: "network call with no timeout, or with its timeout disabled",
    opt_in: None,
    doc: include_str!("doc.md"),
    triggers: &[
        // Shaped like imports and calls, not bare words: "requests" alone is common prose.
        "import requests",
        "from requests",
        "urlopen(",
        "HTTPConnection(",
        "HTTPSConnection(",
        "create_connection(",
        "SMTP(",
        "SMTP_SSL(",
        "LMTP(",
        "FTP(",
        "FTP_TLS(",
        "timeout=None",
        "total=None",
    ],
    requires: &[],
    reads: Reads::Calls {
        functions: &[
            "get",
            "post",
            "put",
            "patch",
            "delete",
            "head",
            "options",
            "request",
            "stream",
            "urlopen",
            "HTTPConnection",
            "HTTPSConnection",
            "create_connection",
            "SMTP",
            "SMTP_SSL",
            "LMTP",
            "FTP",
            "FTP_TLS",
            "ClientTimeout",
            "Client",
            "AsyncClient",
        ],
        methods: &[
            ("get", SESSIONS),
            ("post", SESSIONS),
            ("put", SESSIONS),
            ("patch", SESSIONS),
            ("delete", SESSIONS),
            ("head", SESSIONS),
            ("options", SESSIONS),
            ("request", SESSIONS),
            ("stream", SESSIONS),
            ("send", SESSIONS),
            ("ws_connect", SESSIONS),
        ],
        // A session made by a same-module helper is followed into the helper.
        callees: true,
        callers: false,
        settled_by: &["timeout"],
    },
    check,
};

static QUERY: LazyQuery = LazyQuery::new(include_str!("query.scm"));

/// Keys of a request body that ask a model to generate: the answer can take longer than any
/// timeout that suits an ordinary request, and a non-streaming answer sends nothing until done.
const GENERATION_KEYS: &[&str] = &[
    "prompt",
    "messages",
    "max_tokens",
    "max_new_tokens",
    "wait_for_model",
];
/// Methods of a model wrapper that run a generation (langchain's `LLM._call` and kin).
const GENERATION_METHODS: &[&str] = &["_call", "_acall", "_generate", "_agenerate"];

fn check(ctx: &Context) -> Vec<Finding> {
    let mut findings = Vec::new();
    for m in QUERY.matches(ctx).iter() {
        let (Some(call), Some(callee)) = (m.get("call"), m.get("callee")) else {
            continue;
        };
        if in_test_code(ctx, call) {
            continue;
        }
        let finding = match network::classify(ctx, call) {
            Some(net) => judge_call(ctx, call, callee, &net),
            None => judge_constructor(ctx, call, callee),
        };
        findings.extend(finding);
    }
    findings
}

/// A test function or method: a hang there is the test's to catch, and tests talk to mocks.
fn in_test_code(ctx: &Context, call: Node) -> bool {
    let mut node = call;
    while let Some(def) = syntax::ancestor(node, "function_definition") {
        if def
            .child_by_field_name("name")
            .is_some_and(|n| ctx.text(n).starts_with("test_"))
        {
            return true;
        }
        node = def;
    }
    false
}

/// What the rule says of one network call.
fn judge_call<'t>(
    ctx: &Context<'_, 't>,
    call: Node<'t>,
    callee: Node<'t>,
    net: &NetCall<'t>,
) -> Option<Finding> {
    let shown = ctx.text(callee);
    if !matches!(net.kind, CallKind::Request | CallKind::Connect) {
        return None;
    }
    let raises = raises(net.library);
    match network::bound(ctx, call, net) {
        Bound::None => {
            if loopback_to_own_listener(ctx, call) {
                return None;
            }
            let missed = if net.library == Library::Requests && net.client.is_some() {
                " (a requests.Session method: ruff S113 and bandit B113 do not see these)"
            } else {
                ""
            };
            let what = format!(
                "`{shown}` has no timeout: a peer that stops answering keeps it waiting \
                 forever{missed}"
            );
            if let Some(why) = generates(ctx, call).or_else(|| streams(ctx, call)) {
                return Some(report(
                    call,
                    format!(
                        "{what}; {why}, so the wait can outlast a timeout that suits an \
                         ordinary request and corral leaves the value to you"
                    ),
                ));
            }
            let (constant, statements) = ctx.timeout_constant(call);
            let edits = ctx.add_keyword(call, "timeout", &constant)?;
            Some(fixed(ctx, call, what, "timeout", &constant, statements, edits, raises, false))
        }
        Bound::Disabled { by: By::Call, on_purpose } => {
            let value = ctx.keyword(call, "timeout")?.child_by_field_name("value")?;
            // A named ClientTimeout is reported where it is made, once.
            let named_constructor = value.kind() == "identifier"
                && ctx
                    .semantic
                    .origin(value)
                    .and_then(|b| b.node.child_by_field_name("right"))
                    .is_some_and(|r| r.kind() == "call");
            if named_constructor {
                return None;
            }
            disabled(ctx, call, shown, "timeout", value, on_purpose, raises, false)
        }
        // A library with a default timeout stays bounded whatever `**kwargs` holds.
        Bound::Unknown(why)
            if net.library.default_bound() == Bound::None
                && (why.contains("kwargs") || why.contains("*args")) =>
        {
            Some(report(
                call,
                format!("`{shown}` has no visible timeout; {why}, so corral leaves it to you"),
            ))
        }
        _ => None,
    }
}

/// `httpx.Client(timeout=None)` and `aiohttp.ClientTimeout(total=None)`: constructors that
/// disable the timeout of every call made with what they build.
fn judge_constructor<'t>(
    ctx: &Context<'_, 't>,
    call: Node<'t>,
    callee: Node<'t>,
) -> Option<Finding> {
    let q = ctx.semantic.qualified_name(callee)?;
    let shown = ctx.text(callee);
    match q.as_str() {
        "httpx.Client" | "httpx.AsyncClient" => {
            let value = ctx.keyword(call, "timeout")?.child_by_field_name("value")?;
            let Bound::Disabled { on_purpose, .. } =
                network::timeout_value(ctx, value, By::Client, Library::Httpx)
            else {
                return None;
            };
            disabled(ctx, call, shown, "timeout", value, on_purpose, raises(Library::Httpx), false)
        }
        "aiohttp.ClientTimeout" => {
            let Bound::Disabled { .. } = network::client_timeout_bound(ctx, call, By::Call, false)
            else {
                return None;
            };
            let value = ctx.keyword(call, "total")?.child_by_field_name("value")?;
            if value.kind() != "none" {
                return None;
            }
            // A ClientTimeout held by a module constant is disabled on purpose.
            let on_purpose = assigned_to_constant(ctx, call);
            disabled(ctx, call, shown, "total", value, on_purpose, raises(Library::Aiohttp), true)
        }
        _ => None,
    }
}

/// A timeout disabled with `None`: fixed, or reported when it is disabled on purpose.
#[allow(clippy::too_many_arguments)]
fn disabled<'t>(
    ctx: &Context<'_, 't>,
    call: Node<'t>,
    shown: &str,
    keyword: &str,
    value: Node<'t>,
    on_purpose: bool,
    raises: &str,
    total: bool,
) -> Option<Finding> {
    let what = if total {
        format!(
            "`{shown}` disables its total timeout and sets no `sock_read`: a peer that stops \
             answering keeps it waiting forever"
        )
    } else {
        format!(
            "`{shown}` disables its timeout with `{keyword}={}` and can wait forever",
            ctx.text(value)
        )
    };
    if let Some(why) = on_purpose
        .then_some("the timeout is disabled by a named value, on purpose")
        .or_else(|| streams(ctx, call))
        .or_else(|| generates(ctx, call))
    {
        return Some(report(
            call,
            format!("{what}; {why}, so corral leaves it to you"),
        ));
    }
    if value.kind() != "none" {
        return None;
    }
    let (constant, statements) = ctx.timeout_constant(call);
    let edits = vec![Edit::replace(value, constant.clone())];
    Some(fixed(ctx, call, what, keyword, &constant, statements, edits, raises, total))
}

#[allow(clippy::too_many_arguments)]
fn fixed<'t>(
    ctx: &Context<'_, 't>,
    call: Node<'t>,
    what: String,
    keyword: &str,
    constant: &str,
    statements: Vec<String>,
    edits: Vec<Edit>,
    raises: &str,
    total: bool,
) -> Finding {
    let seconds = crate::rule::seconds(ctx.settings.timeout);
    Finding {
        rule: &RULE,
        range: call.byte_range(),
        message: format!("{what}; give it {keyword}={constant} ({seconds} s)"),
        fix: Some(Fix {
            edits,
            imports: Vec::new(),
            module_statements: statements,
            changes: vec![
                format!("a peer slower than {seconds} s now makes the call raise {raises}"),
                if total {
                    "the timeout bounds the whole request, connection wait included".to_string()
                } else {
                    "the timeout applies to each connect and read, not to the whole exchange"
                        .to_string()
                },
            ],
        }),
    }
}

fn report(call: Node, message: String) -> Finding {
    Finding {
        rule: &RULE,
        range: call.byte_range(),
        message,
        fix: None,
    }
}

fn raises(library: Library) -> &'static str {
    match library {
        Library::Requests => "requests.exceptions.Timeout (ConnectTimeout or ReadTimeout)",
        Library::Httpx => "httpx.TimeoutException",
        Library::Aiohttp => "asyncio.TimeoutError (TimeoutError from 3.11)",
        Library::Urllib => "urllib.error.URLError or TimeoutError",
        Library::Socket | Library::Streams => "TimeoutError (socket.timeout)",
    }
}

/// Why the call waits for the server's own long work, a model's generation or a remote job, so
/// that a timeout fit for an ordinary request would cut it off: its body carries a prompt or asks
/// the server to wait for a model, its URL names a generation or run endpoint, or it runs in (or
/// for) a model wrapper's generation method.
fn generates<'t>(ctx: &Context<'_, 't>, call: Node<'t>) -> Option<&'static str> {
    let function = syntax::ancestor(call, "function_definition");
    if function.is_some_and(|f| is_generation_method(ctx, f)) {
        return Some("the call runs for a model's generation");
    }
    for keyword in ["json", "data"] {
        let Some(value) = ctx
            .keyword(call, keyword)
            .and_then(|k| k.child_by_field_name("value"))
        else {
            continue;
        };
        if body_keys(ctx, value).iter().any(|k| GENERATION_KEYS.contains(k)) {
            return Some("the call sends a prompt for a model to generate from, or asks the server to wait for a model");
        }
    }
    let url = url_text(ctx, call)?.to_ascii_lowercase();
    LONG_WORK_URLS
        .iter()
        .any(|hint| url.contains(hint))
        .then_some("the call goes to an endpoint that generates or runs a job while it waits")
}

/// Parts of a URL that name work the server does while the call waits: a model's generation,
/// a query or a job run.
const LONG_WORK_URLS: &[&str] = &[
    "/chat/completions",
    "chatcompletion",
    "/completions",
    "/complete",
    "/generate",
    "/generation",
    "/predict",
    "/inference",
    "/infer",
    "/run",
    "/execute",
    "sparql",
    "query_endpoint",
    "/research",
    "/smart",
];

fn is_generation_method(ctx: &Context, function: Node) -> bool {
    function
        .child_by_field_name("name")
        .is_some_and(|n| GENERATION_METHODS.contains(&ctx.text(n)))
        && syntax::ancestor(function, "class_definition").is_some()
}

/// The string keys a request body can hold: a dict literal, or every dict assigned to the name
/// (on any branch) plus the keys set on it with `body["key"] = ...`.
fn body_keys<'t>(ctx: &Context<'_, 't>, value: Node<'t>) -> Vec<&'t str> {
    let mut keys = Vec::new();
    let key_text = |k: Node<'t>| -> Option<&'t str> {
        (k.kind() == "string").then(|| ctx.text(k).trim_matches(|c| c == '"' || c == '\''))
    };
    let mut dicts = Vec::new();
    match value.kind() {
        "dictionary" => dicts.push(value),
        "identifier" => {
            let name = ctx.text(value);
            for binding in ctx.semantic.lookup(name, value).unwrap_or_default() {
                if let Some(right) = binding.node.child_by_field_name("right") {
                    if right.kind() == "dictionary" {
                        dicts.push(right);
                    }
                }
            }
            // `body["prompt"] = ...` in the same function.
            if let Some(function) = syntax::ancestor(value, "function_definition") {
                let mut stack = vec![function];
                while let Some(node) = stack.pop() {
                    if node.kind() == "assignment" {
                        let subscript = node
                            .child_by_field_name("left")
                            .filter(|l| l.kind() == "subscript");
                        if let Some(l) = subscript {
                            let on_name = l
                                .child_by_field_name("value")
                                .is_some_and(|v| ctx.text(v) == name);
                            if on_name {
                                keys.extend(l.child_by_field_name("subscript").and_then(key_text));
                            }
                        }
                    }
                    let mut cursor = node.walk();
                    stack.extend(node.named_children(&mut cursor));
                }
            }
        }
        _ => {}
    }
    for dict in dicts {
        let mut cursor = dict.walk();
        for pair in dict.named_children(&mut cursor) {
            if let Some(k) = pair.child_by_field_name("key").and_then(key_text) {
                keys.push(k);
            }
            // `"options": {"wait_for_model": True}`
            if let Some(inner) = pair.child_by_field_name("value").filter(|v| v.kind() == "dictionary") {
                keys.extend(body_keys(ctx, inner));
            }
        }
    }
    keys
}

/// The text of the URL a request goes to: its `url=` or first positional argument (after the
/// method of `request`), followed through a local name to the value assigned to it.
fn url_text<'t>(ctx: &Context<'_, 't>, call: Node<'t>) -> Option<&'t str> {
    let (positional, _) = ctx.split_arguments(call);
    let is_request = call
        .child_by_field_name("function")
        .map(|f| ctx.text(f))
        .is_some_and(|t| t == "request" || t.ends_with(".request"));
    let url = ctx
        .keyword(call, "url")
        .and_then(|k| k.child_by_field_name("value"))
        .or_else(|| positional.get(usize::from(is_request)).copied())?;
    match url.kind() {
        "identifier" => ctx
            .semantic
            .origin(url)
            .and_then(|b| b.node.child_by_field_name("right"))
            .map(|r| ctx.text(r))
            .or(Some(ctx.text(url))),
        // `self.api_url`: the class says what it is, in its defaults and where it sets it.
        "attribute"
            if url
                .child_by_field_name("object")
                .is_some_and(|o| ctx.text(o) == "self") =>
        {
            syntax::ancestor(url, "class_definition")
                .map(|class| ctx.text(class))
                .or(Some(ctx.text(url)))
        }
        _ => Some(ctx.text(url)),
    }
}

/// Why the call streams, so that a timeout may be off on purpose: `client.stream(...)`,
/// `ws_connect`, `stream=True`, or a function that relays chunks of the response.
fn streams<'t>(ctx: &Context<'_, 't>, call: Node<'t>) -> Option<&'static str> {
    let callee = call.child_by_field_name("function")?;
    let method = (callee.kind() == "attribute")
        .then(|| callee.child_by_field_name("attribute"))
        .flatten()
        .map(|a| ctx.text(a));
    if matches!(method, Some("stream" | "ws_connect")) {
        return Some("the call streams, and a stream may be quiet for long");
    }
    let streaming_keyword = ctx
        .keyword(call, "stream")
        .and_then(|k| k.child_by_field_name("value"))
        .is_some_and(|v| ctx.text(v) == "True");
    if streaming_keyword {
        return Some("the call streams, and a stream may be quiet for long");
    }
    const RELAYS: &[&str] = &[
        "iter_content",
        "iter_lines",
        "iter_chunked",
        "iter_any",
        "iter_chunks",
        "aiter_bytes",
        "aiter_lines",
        "aiter_raw",
        "aiter_text",
        "StreamResponse",
        "StreamingResponse",
        "EventSourceResponse",
    ];
    let function = syntax::ancestor(call, "function_definition")?;
    let body = ctx.text(function);
    RELAYS
        .iter()
        .any(|w| crate::outline::has_word(body.as_bytes(), w))
        .then_some("the function relays a stream, which may be quiet for long")
}

/// Whether the call's value is assigned to a module-level name: a named setting.
fn assigned_to_constant(ctx: &Context, call: Node) -> bool {
    call.parent().is_some_and(|p| {
        p.kind() == "assignment"
            && p.parent()
                .is_some_and(|s| s.kind() == "expression_statement" && s.parent() == Some(ctx.semantic.root()))
    })
}

/// `socket.create_connection(listener.getsockname())` where the same function made `listener`
/// listen: a connection to itself on loopback, not a wait on a peer.
fn loopback_to_own_listener<'t>(ctx: &Context<'_, 't>, call: Node<'t>) -> bool {
    let is_create_connection = call
        .child_by_field_name("function")
        .and_then(|c| ctx.semantic.qualified_name(c))
        .is_some_and(|q| q == "socket.create_connection");
    if !is_create_connection {
        return false;
    }
    let Some(function) = syntax::ancestor(call, "function_definition") else {
        return false;
    };
    let text = ctx.text(call);
    text.contains("getsockname()")
        && crate::outline::has_word(ctx.text(function).as_bytes(), "listen")
}
