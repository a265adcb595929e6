//! One model of network I/O that every transform asks (catalog §S3, §S6): is this call, or the
//! value a receiver holds, network I/O; which library is it; and what bounds its wait now: the
//! call's own timeout, its client's or session's, or the library's default.
//!
//! Before this model each transform had its own idea of these answers, and the deadline
//! transforms contradicted each other: one said "can wait forever" of a call whose client had a
//! 60 s timeout. Every answer here is conservative in the same direction: when corral cannot see
//! what bounds a wait, it says so (`Bound::Unknown`) rather than calling it unbounded.

use tree_sitter::Node;

use crate::rule::Context;
use crate::semantic::BindingKind;

/// The library a network call belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Library {
    /// `requests` functions and `requests.Session` methods: no timeout unless given.
    Requests,
    /// `httpx` functions, `httpx.Client` and `httpx.AsyncClient`: 5 s per phase by default.
    Httpx,
    /// `aiohttp.ClientSession`: 300 s in all by default.
    Aiohttp,
    /// `urllib.request.urlopen`: the socket default, which is no timeout.
    Urllib,
    /// `http.client` connections, `smtplib`, `ftplib`, `socket.create_connection`: the timeout
    /// the constructor was given, else the socket default.
    Socket,
    /// `asyncio.open_connection` and the streams it returns: no timeout at all.
    Streams,
}

impl Library {
    /// What the library does when nothing sets a timeout.
    pub fn default_bound(self) -> Bound {
        match self {
            Library::Httpx => Bound::PerPhase {
                seconds: Some(5.0),
                by: By::LibraryDefault,
            },
            Library::Aiohttp => Bound::Total {
                seconds: Some(300.0),
                by: By::LibraryDefault,
            },
            Library::Requests | Library::Urllib | Library::Socket | Library::Streams => Bound::None,
        }
    }
}

/// Where the timeout that bounds a wait was set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    /// The call's own `timeout=`.
    Call,
    /// The client's or session's constructor.
    Client,
    /// The library's default.
    LibraryDefault,
}

impl By {
    pub fn describe(self) -> &'static str {
        match self {
            By::Call => "the call's timeout",
            By::Client => "its client's timeout",
            By::LibraryDefault => "the library's default timeout",
        }
    }
}

/// What bounds a network wait now.
#[derive(Debug, Clone, PartialEq)]
pub enum Bound {
    /// Nothing: a peer that stops answering keeps it waiting forever.
    None,
    /// A timeout was explicitly disabled (`timeout=None`, `ClientTimeout(total=None)` with no
    /// per-read bound).
    Disabled { by: By, on_purpose: bool },
    /// A timeout per connect and per read: a silent peer is caught, a peer that drips bytes can
    /// stretch the whole exchange.
    PerPhase { seconds: Option<f64>, by: By },
    /// A timeout on the whole exchange.
    Total { seconds: Option<f64>, by: By },
    /// Something corral cannot see may set one: `**kwargs`, a client passed in, a variable.
    Unknown(&'static str),
}

impl Bound {
    /// Whether a peer that stops answering can keep the wait going forever.
    pub fn unbounded(&self) -> bool {
        matches!(self, Bound::None | Bound::Disabled { .. })
    }
}

/// The class a value was made from, and the call that made it when corral can see it.
#[derive(Debug, Clone)]
pub struct Origin<'t> {
    /// The canonical class or factory: `requests.Session`, `httpx.AsyncClient`, ...
    pub class: String,
    pub made_by: Option<Node<'t>>,
}

/// Clients and sessions, by the names that make them, with their library.
const CLIENT_CLASSES: &[(&str, Library)] = &[
    ("requests.Session", Library::Requests),
    ("requests.session", Library::Requests),
    ("httpx.Client", Library::Httpx),
    ("httpx.AsyncClient", Library::Httpx),
    ("aiohttp.ClientSession", Library::Aiohttp),
];

/// Connection classes whose constructor takes the socket timeout, with its 1-based position
/// (`usize::MAX`: keyword only on some supported version).
pub const SOCKET_CONSTRUCTORS: &[(&str, usize)] = &[
    ("http.client.HTTPConnection", 3),
    ("http.client.HTTPSConnection", 3),
    ("socket.create_connection", 2),
    ("smtplib.SMTP", 4),
    ("smtplib.SMTP_SSL", usize::MAX),
    ("smtplib.LMTP", usize::MAX),
    ("ftplib.FTP", 5),
    ("ftplib.FTP_TLS", usize::MAX),
];

pub const REQUESTS_VERBS: &[&str] = &[
    "get", "post", "put", "patch", "delete", "head", "options", "request",
];
pub const HTTPX_METHODS: &[&str] = &[
    "get", "post", "put", "patch", "delete", "head", "options", "request", "stream", "send",
];
const AIOHTTP_METHODS: &[&str] = &[
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "head",
    "options",
    "request",
    "ws_connect",
];
const STREAM_READS: &[&str] = &["read", "readline", "readexactly", "readuntil"];
const STREAM_FLUSHES: &[&str] = &["drain", "wait_closed"];

/// How deep corral follows a value through locals and same-module helpers.
const MAX_HOPS: usize = 4;

/// The library a client or session class belongs to.
pub fn client_library(class: &str) -> Option<Library> {
    CLIENT_CLASSES
        .iter()
        .find(|(c, _)| *c == class)
        .map(|(_, l)| *l)
}

/// What the value `expr` holds was made by: a single binding `n = X(...)` (awaited or not), `n =
/// other` whose origin is known, `n = helper()` where the same-module `helper` returns such a
/// value on every path that returns, `with X(...) as n`, a parameter annotated `n: X`, or
/// `self.n = ...` in the class's `__init__`; `X(...)` itself.
pub fn origin<'t>(ctx: &Context<'_, 't>, expr: Node<'t>) -> Option<Origin<'t>> {
    origin_within(ctx, expr, MAX_HOPS)
}

fn origin_within<'t>(ctx: &Context<'_, 't>, expr: Node<'t>, hops: usize) -> Option<Origin<'t>> {
    let sem = ctx.semantic;
    let hops = hops.checked_sub(1)?;
    match expr.kind() {
        "call" => made_by_call(ctx, expr, hops),
        "await" | "parenthesized_expression" => origin_within(ctx, expr.named_child(0)?, hops + 1),
        "identifier" => {
            let binding = sem.origin(expr)?;
            match binding.kind {
                BindingKind::Assignment => {
                    let assignment = binding.node;
                    if let Some(annotation) = assignment.child_by_field_name("type") {
                        let class =
                            sem.qualified_name(annotation.named_child(0).unwrap_or(annotation))?;
                        let made_by = assignment
                            .child_by_field_name("right")
                            .and_then(|r| unawaited_call(r));
                        return Some(Origin { class, made_by });
                    }
                    // `a = b = X()` binds both to the one value.
                    let mut right = assignment.child_by_field_name("right")?;
                    while right.kind() == "assignment" {
                        right = right.child_by_field_name("right")?;
                    }
                    origin_within(ctx, right, hops + 1)
                }
                BindingKind::With => {
                    let value = binding.node.child_by_field_name("value")?;
                    origin_within(ctx, value.named_child(0)?, hops + 1)
                }
                BindingKind::Parameter => {
                    let annotation = binding.node.child_by_field_name("type")?;
                    let class =
                        sem.qualified_name(annotation.named_child(0).unwrap_or(annotation))?;
                    Some(Origin {
                        class,
                        made_by: None,
                    })
                }
                _ => None,
            }
        }
        "attribute" => match sem.value_origin(expr) {
            Some(class) => {
                let made_by = self_attribute_call(ctx, expr);
                Some(Origin { class, made_by })
            }
            None => thread_local_attribute(ctx, expr, hops),
        },
        _ => None,
    }
}

/// `local.session` where `local = threading.local()` at module level: the one origin every
/// `local.session = ...` of the module gives, as in the "one session per thread" recipe.
fn thread_local_attribute<'t>(
    ctx: &Context<'_, 't>,
    expr: Node<'t>,
    hops: usize,
) -> Option<Origin<'t>> {
    let object = expr.child_by_field_name("object")?;
    if object.kind() != "identifier"
        || ctx.semantic.value_origin(object).as_deref() != Some("threading.local")
    {
        return None;
    }
    let holder = ctx.text(object);
    let attr = ctx.text(expr.child_by_field_name("attribute")?);
    let mut found: Option<Origin> = None;
    let mut stack = vec![ctx.semantic.root()];
    while let Some(node) = stack.pop() {
        if node.kind() == "assignment" {
            let assigns = node.child_by_field_name("left").is_some_and(|l| {
                l.kind() == "attribute"
                    && l.child_by_field_name("object")
                        .is_some_and(|o| ctx.text(o) == holder)
                    && l.child_by_field_name("attribute")
                        .is_some_and(|a| ctx.text(a) == attr)
            });
            if assigns {
                let here = origin_within(ctx, node.child_by_field_name("right")?, hops)?;
                match &found {
                    Some(seen) if seen.class != here.class => return None,
                    Some(_) => {}
                    None => found = Some(here),
                }
            }
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    found
}

/// `X(...)` as the origin of what it returns: a class or factory that resolves through imports,
/// or a same-module function whose every `return` gives one origin.
fn made_by_call<'t>(ctx: &Context<'_, 't>, call: Node<'t>, hops: usize) -> Option<Origin<'t>> {
    let callee = call.child_by_field_name("function")?;
    if let Some(class) = ctx.semantic.qualified_name(callee) {
        return Some(Origin {
            class,
            made_by: Some(call),
        });
    }
    if callee.kind() == "attribute" {
        // Clients a factory object makes: `session.client("s3")` of a boto3 session,
        // `opener.open` of urllib's build_opener.
        let object = callee.child_by_field_name("object")?;
        let method = ctx.text(callee.child_by_field_name("attribute")?);
        let made = origin_within(ctx, object, hops)?;
        return boto_made(&made.class, method).map(|class| Origin {
            class: class.to_string(),
            made_by: Some(call),
        });
    }
    if callee.kind() != "identifier" {
        return None;
    }
    let binding = ctx.semantic.origin(callee)?;
    if binding.kind != BindingKind::FunctionDef {
        return None;
    }
    returned_origin(ctx, binding.node, hops)
}

/// What a method of a boto3 or botocore object makes: a client from a session, a resource
/// (or a sub-resource, such as `s3.Bucket(name)`) from a session or a resource.
fn boto_made(class: &str, method: &str) -> Option<&'static str> {
    if !is_boto(class) {
        return None;
    }
    match method {
        "client" | "create_client" => Some("boto3.client"),
        "resource" => Some("boto3.resource"),
        m if class == "boto3.resource" && m.starts_with(|c: char| c.is_ascii_uppercase()) => {
            Some("boto3.resource")
        }
        _ => None,
    }
}

/// The async client libraries that serve calls on a receiver of this class, among those a
/// project may declare: aiobotocore or aioboto3 for boto3, aiosmtplib, aioftp.
pub fn async_alternatives(class: &str) -> &'static [&'static str] {
    if is_boto(class) {
        &["aiobotocore", "aioboto3"]
    } else if class.starts_with("smtplib.") {
        &["aiosmtplib"]
    } else if class.starts_with("ftplib.") {
        &["aioftp"]
    } else {
        &[]
    }
}

fn is_boto(class: &str) -> bool {
    ["boto3", "botocore"]
        .iter()
        .any(|m| class == *m || class.starts_with(&format!("{m}.")))
}

/// The one origin every `return` of a same-module function gives.
fn returned_origin<'t>(ctx: &Context<'_, 't>, def: Node<'t>, hops: usize) -> Option<Origin<'t>> {
    let body = def.child_by_field_name("body")?;
    let mut found: Option<Origin> = None;
    let mut stack = vec![body];
    while let Some(node) = stack.pop() {
        if crate::syntax::is_nested_scope(node) {
            continue;
        }
        if node.kind() == "yield" {
            return None;
        }
        if node.kind() == "return_statement" {
            let value = node.named_child(0)?;
            let here = origin_within(ctx, value, hops)?;
            match &found {
                Some(seen) if seen.class != here.class => return None,
                Some(_) => {}
                None => found = Some(here),
            }
            continue;
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    found
}

fn unawaited_call(node: Node) -> Option<Node> {
    let node = if node.kind() == "await" {
        node.named_child(0)?
    } else {
        node
    };
    (node.kind() == "call").then_some(node)
}

/// The call assigned to `self.x` in `__init__`, for `self.x`.
fn self_attribute_call<'t>(ctx: &Context<'_, 't>, expr: Node<'t>) -> Option<Node<'t>> {
    let attr = ctx.text(expr.child_by_field_name("attribute")?);
    let class = crate::syntax::ancestor(expr, "class_definition")?;
    let mut stack = vec![class.child_by_field_name("body")?];
    while let Some(node) = stack.pop() {
        if node.kind() == "class_definition" {
            continue;
        }
        if node.kind() == "assignment" {
            let assigns = node.child_by_field_name("left").is_some_and(|l| {
                l.kind() == "attribute"
                    && l.child_by_field_name("object")
                        .is_some_and(|o| ctx.text(o) == "self")
                    && l.child_by_field_name("attribute")
                        .is_some_and(|a| ctx.text(a) == attr)
            });
            if assigns {
                return node
                    .child_by_field_name("right")
                    .and_then(|r| unawaited_call(r));
            }
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    None
}

/// A network call: what it is, and the client it runs on, when it runs on one.
#[derive(Debug, Clone)]
pub struct NetCall<'t> {
    pub library: Library,
    pub kind: CallKind,
    /// The client or session the method runs on.
    pub client: Option<Origin<'t>>,
    /// The method or function name, for messages: `get`, `urlopen`.
    pub name: &'t str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    /// A request that waits on the peer: `requests.get`, `client.post`, `urlopen`.
    Request,
    /// A constructor that connects (or keeps the timeout for its later connects):
    /// `HTTPConnection(host)`, `smtplib.SMTP(host)`, `socket.create_connection(addr)`.
    Connect,
    /// `asyncio.open_connection` / `open_unix_connection`.
    OpenStream,
    /// A read on a stream from `open_connection`.
    StreamRead,
    /// `drain()` / `wait_closed()` on a stream writer.
    StreamFlush,
}

/// What `call` is, when it is network I/O corral knows.
pub fn classify<'t>(ctx: &Context<'_, 't>, call: Node<'t>) -> Option<NetCall<'t>> {
    classify_callee(ctx, call.child_by_field_name("function")?)
}

/// What a call of `callee` is, when it is network I/O corral knows: `client.get` handed to
/// `map` is judged as `client.get(...)` would be.
pub fn classify_callee<'t>(ctx: &Context<'_, 't>, callee: Node<'t>) -> Option<NetCall<'t>> {
    let sem = ctx.semantic;
    let net = |library, kind, client, name| {
        Some(NetCall {
            library,
            kind,
            client,
            name,
        })
    };
    let last = |q: &str| -> &'t str {
        // The callee's own last word, borrowed from the source.
        let text = ctx.text(callee);
        let tail = q.rsplit('.').next().unwrap_or(q);
        text.rsplit('.')
            .next()
            .filter(|t| *t == tail)
            .unwrap_or(text)
    };
    if let Some(q) = sem.qualified_name(callee) {
        if let Some(verb) = q.strip_prefix("requests.") {
            if REQUESTS_VERBS.contains(&verb) {
                return net(Library::Requests, CallKind::Request, None, last(&q));
            }
        }
        if let Some(verb) = q.strip_prefix("httpx.") {
            if HTTPX_METHODS.contains(&verb) {
                return net(Library::Httpx, CallKind::Request, None, last(&q));
            }
        }
        match q.as_str() {
            "aiohttp.request" => return net(Library::Aiohttp, CallKind::Request, None, last(&q)),
            "urllib.request.urlopen" => {
                return net(Library::Urllib, CallKind::Request, None, last(&q))
            }
            "asyncio.open_connection" | "asyncio.open_unix_connection" => {
                return net(Library::Streams, CallKind::OpenStream, None, last(&q))
            }
            _ => {}
        }
        if SOCKET_CONSTRUCTORS.iter().any(|(c, _)| *c == q) {
            return net(Library::Socket, CallKind::Connect, None, last(&q));
        }
    }
    if callee.kind() != "attribute" {
        return None;
    }
    let object = callee.child_by_field_name("object")?;
    let method = ctx.text(callee.child_by_field_name("attribute")?);
    if let Some(client) = origin(ctx, object) {
        let library = client_library(&client.class);
        let kind = match library {
            Some(Library::Requests) if REQUESTS_VERBS.contains(&method) => Some(CallKind::Request),
            Some(Library::Httpx) if HTTPX_METHODS.contains(&method) => Some(CallKind::Request),
            Some(Library::Aiohttp) if AIOHTTP_METHODS.contains(&method) => Some(CallKind::Request),
            _ => None,
        };
        if let (Some(library), Some(kind)) = (library, kind) {
            return net(library, kind, Some(client), method);
        }
        match (client.class.as_str(), method) {
            ("asyncio.StreamReader", m) if STREAM_READS.contains(&m) => {
                return net(Library::Streams, CallKind::StreamRead, None, method)
            }
            ("asyncio.StreamWriter", m) if STREAM_FLUSHES.contains(&m) => {
                return net(Library::Streams, CallKind::StreamFlush, None, method)
            }
            _ => {}
        }
    }
    // `reader, writer = await asyncio.open_connection(...)`: the reader is the first target.
    match opened_stream(ctx, object) {
        Some((_, 0)) if STREAM_READS.contains(&method) => {
            net(Library::Streams, CallKind::StreamRead, None, method)
        }
        Some((_, 1)) if STREAM_FLUSHES.contains(&method) => {
            net(Library::Streams, CallKind::StreamFlush, None, method)
        }
        _ => None,
    }
}

/// For a name unpacked from `await asyncio.open_connection(...)` (also under
/// `asyncio.wait_for(...)`): the call that opened it, and its position among the targets
/// (0 the reader, 1 the writer).
pub fn opened_stream<'t>(ctx: &Context<'_, 't>, name: Node<'t>) -> Option<(Node<'t>, usize)> {
    if name.kind() != "identifier" {
        return None;
    }
    let binding = ctx.semantic.origin(name)?;
    if binding.kind != BindingKind::Other || binding.node.kind() != "assignment" {
        return None;
    }
    let left = binding.node.child_by_field_name("left")?;
    if !matches!(left.kind(), "pattern_list" | "tuple_pattern") {
        return None;
    }
    let mut cursor = left.walk();
    let index = left
        .named_children(&mut cursor)
        .position(|target| target.kind() == "identifier" && ctx.text(target) == ctx.text(name))?;
    let mut call = unawaited_call(binding.node.child_by_field_name("right")?)?;
    let qualified = |c: Node<'t>| {
        c.child_by_field_name("function")
            .and_then(|f| ctx.semantic.qualified_name(f))
    };
    if qualified(call).as_deref() == Some("asyncio.wait_for") {
        call = call
            .child_by_field_name("arguments")?
            .named_child(0)
            .filter(|a| a.kind() == "call")?;
    }
    matches!(
        qualified(call).as_deref(),
        Some("asyncio.open_connection" | "asyncio.open_unix_connection")
    )
    .then_some((call, index))
}

/// What bounds the wait of a network call now.
pub fn bound<'t>(ctx: &Context<'_, 't>, call: Node<'t>, net: &NetCall<'t>) -> Bound {
    let shape = ctx.arguments_shape(call);
    match net.library {
        Library::Requests => {
            if let Some(b) = keyword_bound(ctx, call, "timeout", By::Call, net.library) {
                return b;
            }
            if shape.star_kwargs {
                return Bound::Unknown("its **kwargs may carry a timeout");
            }
            Bound::None
        }
        Library::Httpx | Library::Aiohttp => {
            if let Some(b) = keyword_bound(ctx, call, "timeout", By::Call, net.library) {
                return b;
            }
            if shape.star_kwargs {
                return Bound::Unknown("its **kwargs may carry a timeout");
            }
            match &net.client {
                None => net.library.default_bound(),
                Some(client) => match client.made_by {
                    Some(ctor) => {
                        match keyword_bound(ctx, ctor, "timeout", By::Client, net.library) {
                            // aiohttp reads a session's `timeout=None` as its default.
                            Some(Bound::Disabled { .. }) if net.library == Library::Aiohttp => {
                                return net.library.default_bound()
                            }
                            Some(b) => return b,
                            None => {}
                        }
                        if ctx.arguments_shape(ctor).star_kwargs {
                            return Bound::Unknown("its client's **kwargs may carry a timeout");
                        }
                        net.library.default_bound()
                    }
                    None => Bound::Unknown("its client is made elsewhere, with its own timeout"),
                },
            }
        }
        Library::Urllib | Library::Socket => {
            let position = match net.library {
                Library::Urllib => 3,
                _ => {
                    let q = ctx
                        .semantic
                        .qualified_name(call.child_by_field_name("function").expect("a call"))
                        .unwrap_or_default();
                    SOCKET_CONSTRUCTORS
                        .iter()
                        .find(|(c, _)| *c == q)
                        .map_or(usize::MAX, |(_, p)| *p)
                }
            };
            if let Some(b) = keyword_bound(ctx, call, "timeout", By::Call, net.library) {
                return b;
            }
            if shape.positional >= position {
                return Bound::PerPhase {
                    seconds: None,
                    by: By::Call,
                };
            }
            if shape.star_kwargs || (shape.star_args && position != usize::MAX) {
                return Bound::Unknown("its *args or **kwargs may carry a timeout");
            }
            Bound::None
        }
        Library::Streams => Bound::None,
    }
}

/// The bound a `timeout=` keyword sets, when the call has one.
fn keyword_bound<'t>(
    ctx: &Context<'_, 't>,
    call: Node<'t>,
    keyword: &str,
    by: By,
    library: Library,
) -> Option<Bound> {
    let value = ctx.keyword(call, keyword)?.child_by_field_name("value")?;
    Some(timeout_value(ctx, value, by, library))
}

/// What a timeout expression sets: `None`, a number, `httpx.Timeout(...)`,
/// `aiohttp.ClientTimeout(...)`, a `(connect, read)` tuple, or a name bound to one of these.
pub fn timeout_value<'t>(
    ctx: &Context<'_, 't>,
    value: Node<'t>,
    by: By,
    library: Library,
) -> Bound {
    timeout_value_within(ctx, value, by, library, false, MAX_HOPS)
}

fn timeout_value_within<'t>(
    ctx: &Context<'_, 't>,
    value: Node<'t>,
    by: By,
    library: Library,
    named: bool,
    hops: usize,
) -> Bound {
    let Some(hops) = hops.checked_sub(1) else {
        return Bound::Unknown("corral cannot follow the timeout's value");
    };
    match value.kind() {
        "none" => Bound::Disabled {
            by,
            on_purpose: named,
        },
        "integer" | "float" => match library {
            Library::Aiohttp => Bound::Total {
                seconds: number(ctx.text(value)),
                by,
            },
            _ => Bound::PerPhase {
                seconds: number(ctx.text(value)),
                by,
            },
        },
        "tuple" => Bound::PerPhase { seconds: None, by },
        "identifier" => {
            let Some(binding) = ctx.semantic.origin(value) else {
                return Bound::Unknown("its timeout is a value corral cannot follow");
            };
            let right = (binding.kind == BindingKind::Assignment)
                .then(|| binding.node.child_by_field_name("right"))
                .flatten();
            match right {
                // A constant that names a disabled timeout says it is disabled on purpose.
                Some(right) => timeout_value_within(ctx, right, by, library, true, hops),
                None => Bound::Unknown("its timeout is a value corral cannot follow"),
            }
        }
        "call" => {
            let q = value
                .child_by_field_name("function")
                .and_then(|f| ctx.semantic.qualified_name(f))
                .unwrap_or_default();
            match q.as_str() {
                "aiohttp.ClientTimeout" => client_timeout_bound(ctx, value, by, named),
                "httpx.Timeout" => httpx_timeout_bound(ctx, value, by, named),
                _ => Bound::Unknown("its timeout is a value corral cannot follow"),
            }
        }
        _ => Bound::Unknown("its timeout is a value corral cannot follow"),
    }
}

fn number(text: &str) -> Option<f64> {
    text.replace('_', "").parse().ok()
}

/// `aiohttp.ClientTimeout(total=..., sock_read=..., ...)`: every field defaults to `None`.
pub fn client_timeout_bound<'t>(
    ctx: &Context<'_, 't>,
    call: Node<'t>,
    by: By,
    named: bool,
) -> Bound {
    let (positional, _) = ctx.split_arguments(call);
    let shape = ctx.arguments_shape(call);
    if shape.star_args || shape.star_kwargs {
        return Bound::Unknown("its ClientTimeout's arguments are not visible");
    }
    let field = |name: &str, position: usize| -> Option<Node<'t>> {
        ctx.keyword(call, name)
            .and_then(|k| k.child_by_field_name("value"))
            .or_else(|| positional.get(position).copied())
            .filter(|v| v.kind() != "none")
    };
    if let Some(total) = field("total", 0) {
        return Bound::Total {
            seconds: number(ctx.text(total)),
            by,
        };
    }
    if let Some(read) = field("sock_read", 2) {
        return Bound::PerPhase {
            seconds: number(ctx.text(read)),
            by,
        };
    }
    Bound::Disabled {
        by,
        on_purpose: named,
    }
}

/// `httpx.Timeout(5.0, read=None, ...)`: a first argument of `None` disables every phase it
/// does not name.
fn httpx_timeout_bound<'t>(ctx: &Context<'_, 't>, call: Node<'t>, by: By, named: bool) -> Bound {
    let (positional, _) = ctx.split_arguments(call);
    let shape = ctx.arguments_shape(call);
    if shape.star_args || shape.star_kwargs {
        return Bound::Unknown("its httpx.Timeout's arguments are not visible");
    }
    let read = ctx
        .keyword(call, "read")
        .and_then(|k| k.child_by_field_name("value"))
        .or_else(|| positional.first().copied());
    match read {
        Some(v) if v.kind() == "none" => Bound::Disabled {
            by,
            on_purpose: named,
        },
        Some(v) => Bound::PerPhase {
            seconds: number(ctx.text(v)),
            by,
        },
        None => Bound::Unknown("its httpx.Timeout sets no read timeout corral can see"),
    }
}

/// Whether an `await`ed or called expression reaches network I/O: the call is a network call,
/// a same-module coroutine (or method) that awaits one within `depth` calls, or it is handed a
/// client or session.
pub fn reaches_network<'t>(ctx: &Context<'_, 't>, call: Node<'t>, depth: usize) -> bool {
    let Some(callee) = call.child_by_field_name("function") else {
        return false;
    };
    reaches_network_through(ctx, callee, Some(call), depth)
}

/// Whether calling `callee`, as `map(callee, xs)` does with arguments corral cannot see, reaches
/// network I/O, as [`reaches_network`] judges a call.
pub fn callee_reaches_network<'t>(ctx: &Context<'_, 't>, callee: Node<'t>, depth: usize) -> bool {
    reaches_network_through(ctx, callee, None, depth)
}

fn reaches_network_through<'t>(
    ctx: &Context<'_, 't>,
    callee: Node<'t>,
    call: Option<Node<'t>>,
    depth: usize,
) -> bool {
    if classify_callee(ctx, callee).is_some() {
        return true;
    }
    let lifecycle = match callee.kind() {
        "attribute" => callee
            .child_by_field_name("attribute")
            .map_or("", |a| ctx.text(a)),
        _ => ctx.text(callee),
    };
    if is_lifecycle_method(lifecycle) {
        return false;
    }
    if call.is_some_and(|c| passes_a_client(ctx, c)) || calls_a_named_client(ctx, callee) {
        return true;
    }
    if depth == 0 {
        return false;
    }
    let Some(def) = local_definition(ctx, callee) else {
        return false;
    };
    if def.child(0).is_none_or(|c| c.kind() != "async") {
        return false;
    }
    let Some(body) = def.child_by_field_name("body") else {
        return false;
    };
    // Only what the coroutine awaits: a call it makes without awaiting does no I/O it waits for.
    let mut stack = vec![body];
    while let Some(node) = stack.pop() {
        if crate::syntax::is_nested_scope(node) {
            continue;
        }
        let awaited: Vec<Node> = match node.kind() {
            "await" => node.named_child(0).into_iter().collect(),
            "with_statement" if crate::syntax::is_async_with(node) => {
                crate::syntax::with_items(node)
            }
            _ => Vec::new(),
        };
        if awaited
            .into_iter()
            .any(|a| a.kind() == "call" && reaches_network(ctx, a, depth - 1))
        {
            return true;
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    false
}

/// Whether one of the call's arguments holds an HTTP client or session: one whose origin is a
/// client class, or a name that says it is one (`session`, `api_client`, ...), as in the common
/// `fetch(session, url)`.
fn passes_a_client<'t>(ctx: &Context<'_, 't>, call: Node<'t>) -> bool {
    let Some(args) = call.child_by_field_name("arguments") else {
        return false;
    };
    let mut cursor = args.walk();
    let found = args.named_children(&mut cursor).any(|arg| {
        let value = match arg.kind() {
            "keyword_argument" => arg.child_by_field_name("value"),
            _ => Some(arg),
        };
        value
            .filter(|v| matches!(v.kind(), "identifier" | "attribute"))
            .is_some_and(|v| holds_a_client(ctx, v))
    });
    found
}

/// Whether a name or `obj.name` holds a network client: its origin is a client class, or,
/// when its origin is unknown, its name says so.
fn holds_a_client<'t>(ctx: &Context<'_, 't>, expr: Node<'t>) -> bool {
    match origin(ctx, expr) {
        Some(o) => client_library(&o.class).is_some(),
        None => {
            let name = match expr.kind() {
                "attribute" => expr.child_by_field_name("attribute").map(|a| ctx.text(a)),
                "identifier" => Some(ctx.text(expr)),
                _ => None,
            };
            name.is_some_and(named_like_a_client)
        }
    }
}

/// Names code gives a network client: `client`, `api`, `session`, `rpc`, `http`, and
/// compounds such as `api_client`, `http_session`, `websession`.
pub fn named_like_a_client(name: &str) -> bool {
    let name = name.trim_start_matches('_').to_ascii_lowercase();
    const WHOLE: &[&str] = &[
        "client",
        "api",
        "session",
        "rpc",
        "http",
        "websession",
        "apiclient",
    ];
    const ENDINGS: &[&str] = &["_client", "_api", "_session", "_rpc", "_http"];
    WHOLE.contains(&name.as_str()) || ENDINGS.iter().any(|e| name.ends_with(e))
}

/// Methods that start, stop or wire up an object rather than exchange data: a fan-out of these
/// is lifecycle fan-out, not network work over data.
pub fn is_lifecycle_method(name: &str) -> bool {
    const VERBS: &[&str] = &[
        "close",
        "aclose",
        "stop",
        "start",
        "shutdown",
        "connect",
        "disconnect",
        "setup",
        "teardown",
        "cleanup",
        "terminate",
        "cancel",
        "flush",
        "reset",
        "reload",
        "unload",
        "dispose",
        "open",
        "login",
        "logout",
        "initialize",
        "init",
        "register",
        "unregister",
        "subscribe",
        "unsubscribe",
        "refresh",
        "wait_closed",
        "remove_worker",
        "retire",
        "restart",
        "kill",
    ];
    // Handing an event to its handlers and receivers is lifecycle work too.
    const EVENTS: &[&str] = &["handle", "dispatch", "notify", "emit", "on"];
    is_lifecycle_phase(name) || starts_with_verb(name, EVENTS) || starts_with_verb(name, VERBS)
}

/// A function that sets up, starts, stops or tears down: what it fans out over is what the
/// configuration holds, not data.
pub fn is_lifecycle_phase(name: &str) -> bool {
    const PHASES: &[&str] = &[
        "setup",
        "start",
        "stop",
        "close",
        "aclose",
        "shutdown",
        "unload",
        "teardown",
        "cleanup",
        "initialize",
        "init",
        "reload",
        "restart",
        "connect",
        "disconnect",
    ];
    starts_with_verb(name, PHASES)
}

/// `name`, without leading underscores and an `async_` prefix, is one of `verbs` or starts with
/// one followed by `_`.
fn starts_with_verb(name: &str, verbs: &[&str]) -> bool {
    let name = name.trim_start_matches('_');
    let stem = name.strip_prefix("async_").unwrap_or(name);
    verbs
        .iter()
        .any(|v| stem == *v || stem.starts_with(&format!("{v}_")))
}

/// A method call on a receiver whose name says it is a network client: `self.api.delete_task(uid)`,
/// `client.fetch(x)`, `self.rpc(addr).gather(...)`. Lifecycle methods do not count.
fn calls_a_named_client<'t>(ctx: &Context<'_, 't>, callee: Node<'t>) -> bool {
    let method = match callee.kind() {
        "attribute" => callee.child_by_field_name("attribute").map(|a| ctx.text(a)),
        _ => Some(ctx.text(callee)),
    };
    if method.is_none_or(is_lifecycle_method) {
        return false;
    }
    let mut receiver = callee.child_by_field_name("object");
    // `self.rpc(addr).gather(...)`: the client is what was called.
    while let Some(r) = receiver.filter(|r| r.kind() == "call") {
        receiver = r.child_by_field_name("function");
    }
    receiver
        .filter(|r| matches!(r.kind(), "identifier" | "attribute"))
        .is_some_and(|r| {
            origin(ctx, r).is_none()
                && holds_a_client(ctx, r)
                // Database sessions are not network clients of this kind.
                && !ctx.text(r).contains("db")
        })
}

/// The call that made the value a name holds (`x = make(...)`, `with make(...) as x`), or `self.x`
/// in `__init__`, whether or not corral can resolve what it calls.
pub fn made_by<'t>(ctx: &Context<'_, 't>, expr: Node<'t>) -> Option<Node<'t>> {
    match expr.kind() {
        "call" => Some(expr),
        "identifier" => {
            let binding = ctx.semantic.origin(expr)?;
            let value = match binding.kind {
                BindingKind::Assignment => binding.node.child_by_field_name("right")?,
                BindingKind::With => binding.node.child_by_field_name("value")?.named_child(0)?,
                _ => return None,
            };
            unawaited_call(value)
        }
        "attribute" => self_attribute_call(ctx, expr),
        _ => None,
    }
}

/// The `def` a callee refers to in this module: a function name, or `self.method` /
/// `cls.method` in the enclosing class.
pub fn local_definition<'t>(ctx: &Context<'_, 't>, callee: Node<'t>) -> Option<Node<'t>> {
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
            let class = crate::syntax::ancestor(callee, "class_definition")?;
            method_named(ctx, class, method)
        }
        _ => None,
    }
}

/// The method `name` defined directly in `class`.
pub fn method_named<'t>(ctx: &Context<'_, 't>, class: Node<'t>, name: &str) -> Option<Node<'t>> {
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
                .is_some_and(|n| ctx.text(n) == name))
        .then_some(def)
    });
    found
}

/// A call that blocks its thread while it waits on the network: what a thread pool's worker
/// does when the pool is there for network I/O.
#[derive(Debug, Clone)]
pub struct Blocking {
    pub kind: BlockingKind,
    /// How a message names it: `requests.get`, `session.get`, `urllib.request.urlopen`.
    pub shown: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlockingKind {
    /// `requests.<verb>`: the one kind an `httpx.AsyncClient` call can replace word for word.
    RequestsFunction(String),
    /// A method of a `requests.Session`, which carries its own headers, auth and adapters.
    RequestsSession,
    /// `urllib.request`, `http.client`, `smtplib`, `ftplib`, `socket.create_connection`.
    Stdlib,
    /// httpx's synchronous API: `httpx.get`, an `httpx.Client`'s methods.
    HttpxSync,
    /// A boto3 or botocore client or resource.
    Boto,
    /// One of the project's own network functions, named in `network-calls`.
    Declared,
}

impl Blocking {
    /// Why a call of this kind keeps its library and runs through `asyncio.to_thread` rather
    /// than on an `httpx.AsyncClient`; `None` for a requests function.
    pub fn stays_in_a_thread(&self) -> Option<String> {
        let shown = &self.shown;
        match self.kind {
            BlockingKind::RequestsFunction(_) => None,
            BlockingKind::RequestsSession => Some(format!(
                "`{shown}`, a requests.Session method: the session's headers, auth, cookies and \
                 adapters would not carry over to an httpx client"
            )),
            BlockingKind::Stdlib => Some(format!(
                "`{shown}`, standard-library network I/O that keeps its library"
            )),
            BlockingKind::HttpxSync => Some(format!(
                "`{shown}`, httpx's synchronous API, which keeps its client"
            )),
            BlockingKind::Boto => Some(format!(
                "`{shown}`, a boto3 client call that keeps its library"
            )),
            BlockingKind::Declared => Some(format!(
                "`{shown}`, declared in network-calls, which keeps its library"
            )),
        }
    }
}

/// Methods of boto3 clients that compute rather than call AWS.
const BOTO_LOCAL: &[&str] = &[
    "generate_presigned_url",
    "generate_presigned_post",
    "get_paginator",
    "get_waiter",
    "can_paginate",
    "close",
];

/// Whether `call` blocks its thread on the network: requests (functions and sessions, however
/// the session was made), urllib, http.client, smtplib, ftplib, httpx's synchronous API, boto3
/// and botocore clients, and the project's own functions named in `network-calls`.
pub fn blocking_call<'t>(ctx: &Context<'_, 't>, call: Node<'t>) -> Option<Blocking> {
    blocking_callee(ctx, call.child_by_field_name("function")?)
}

/// Whether calling `callee` (`requests.get`, `session.get`, `s3.upload_file`) blocks on the
/// network, as `blocking_call` judges a call of it.
pub fn blocking_callee<'t>(ctx: &Context<'_, 't>, callee: Node<'t>) -> Option<Blocking> {
    let shown = ctx.text(callee).to_string();
    let found = |kind| {
        Some(Blocking {
            kind,
            shown: shown.clone(),
        })
    };
    let declared = |name: &str| ctx.settings.network_calls.iter().any(|n| n == name);
    if let Some(q) = ctx.semantic.qualified_name(callee) {
        if let Some(verb) = q.strip_prefix("requests.") {
            if REQUESTS_VERBS.contains(&verb) {
                return found(BlockingKind::RequestsFunction(verb.to_string()));
            }
        }
        if let Some(method) = q.strip_prefix("httpx.") {
            if HTTPX_METHODS.contains(&method) {
                return found(BlockingKind::HttpxSync);
            }
        }
        if matches!(
            q.as_str(),
            "urllib.request.urlopen" | "urllib.request.urlretrieve"
        ) || SOCKET_CONSTRUCTORS.iter().any(|(c, _)| *c == q)
        {
            return Some(Blocking {
                kind: BlockingKind::Stdlib,
                shown: q,
            });
        }
        if declared(&q) {
            return Some(Blocking {
                kind: BlockingKind::Declared,
                shown: q,
            });
        }
        if q.starts_with("boto3.") || q.starts_with("botocore.") {
            return None;
        }
    }
    if callee.kind() != "attribute" {
        return None;
    }
    blocking_call_on(ctx, callee, callee.child_by_field_name("object")?)
}

/// Whether the method `callee` names blocks on the network when its receiver holds what
/// `receiver` holds: a session handed to a worker through the pool's arguments.
pub fn blocking_call_on<'t>(
    ctx: &Context<'_, 't>,
    callee: Node<'t>,
    receiver: Node<'t>,
) -> Option<Blocking> {
    let shown = ctx.text(callee).to_string();
    let found = |kind| {
        Some(Blocking {
            kind,
            shown: shown.clone(),
        })
    };
    let declared = |name: &str| ctx.settings.network_calls.iter().any(|n| n == name);
    let method = ctx.text(callee.child_by_field_name("attribute")?);
    let receiver = origin(ctx, receiver)?;
    let class = receiver.class.as_str();
    match client_library(class) {
        Some(Library::Requests) if REQUESTS_VERBS.contains(&method) => {
            return found(BlockingKind::RequestsSession)
        }
        _ => {}
    }
    if class == "httpx.Client" && HTTPX_METHODS.contains(&method) {
        return found(BlockingKind::HttpxSync);
    }
    if SOCKET_CONSTRUCTORS.iter().any(|(c, _)| *c == class) && method != "close" {
        return found(BlockingKind::Stdlib);
    }
    if class == "urllib.request.build_opener" && method == "open" {
        return found(BlockingKind::Stdlib);
    }
    if is_boto(class) && !BOTO_LOCAL.contains(&method) && boto_made(class, method).is_none() {
        return found(BlockingKind::Boto);
    }
    if declared(&format!("{class}.{method}")) {
        return found(BlockingKind::Declared);
    }
    None
}
