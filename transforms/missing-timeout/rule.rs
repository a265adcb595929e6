//! `missing-timeout` (CONC401): network calls that can wait forever get `timeout=`.
//!
//! requests calls (module functions and methods of a `requests.Session` whose origin is visible),
//! `urllib.request.urlopen`, `http.client` connections, `socket.create_connection`,
//! `smtplib.SMTP` and `ftplib.FTP` with no timeout get `timeout=TIMEOUT_SECONDS`; httpx and
//! aiohttp timeouts explicitly disabled with `None` get the same constant instead.

use tree_sitter::Node;

use crate::rule::{Context, Edit, Finding, Fix, LazyQuery, Reads, Rule};

/// What a session or client receiver's origin names: `requests.Session`, `requests.session`,
/// `httpx.Client`, `httpx.AsyncClient`.
const SESSIONS: &[&str] = &["Session", "session", "Client"];

pub static RULE: Rule = Rule {
    id: "missing-timeout",
    code: "CONC401",
    summary: "network call with no timeout, or with its timeout disabled",
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
        "FTP(",
        "timeout=None",
        "total=None",
    ],
    requires: &[],
    reads: Reads::Calls {
        functions: &[
            "get", "post", "put", "patch", "delete", "head", "options", "request", "stream",
            "urlopen", "HTTPConnection", "HTTPSConnection", "create_connection", "SMTP", "FTP",
            "ClientTimeout", "Client", "AsyncClient",
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
        ],
        callees: false,
        callers: false,
        settled_by: &["timeout"],
    },
    check,
};

static QUERY: LazyQuery = LazyQuery::new(include_str!("query.scm"));

const REQUESTS_VERBS: &[&str] = &[
    "get", "post", "put", "patch", "delete", "head", "options", "request",
];
const HTTPX_METHODS: &[&str] = &[
    "get", "post", "put", "patch", "delete", "head", "options", "request", "stream", "send",
];

/// Where a call takes its timeout, and what a missing one means.
#[derive(Clone, Copy)]
enum Kind {
    /// The timeout is a keyword (requests); missing means no timeout at all.
    Keyword {
        api: &'static str,
        raises: &'static str,
    },
    /// The timeout is also the n-th positional parameter (1-based); missing means none.
    Positional {
        position: usize,
        raises: &'static str,
    },
    /// A timeout the API applies by default, so only an explicit `None` is a finding.
    DisabledOnly {
        keyword: &'static str,
        raises: &'static str,
    },
}

fn classify<'t>(ctx: &Context<'_, 't>, callee: Node<'t>) -> Option<Kind> {
    let sem = ctx.semantic;
    let qualified = sem.qualified_name(callee);
    let method = (callee.kind() == "attribute")
        .then(|| callee.child_by_field_name("attribute"))
        .flatten()
        .map(|a| ctx.text(a));
    let receiver = || {
        callee
            .child_by_field_name("object")
            .and_then(|o| sem.value_origin(o))
    };
    const REQUESTS_RAISES: &str = "requests.exceptions.Timeout (ConnectTimeout or ReadTimeout)";
    const SOCKET_RAISES: &str = "TimeoutError (socket.timeout)";
    if let Some(q) = qualified.as_deref() {
        if let Some(verb) = q.strip_prefix("requests.") {
            if REQUESTS_VERBS.contains(&verb) {
                return Some(Kind::Keyword {
                    api: "requests",
                    raises: REQUESTS_RAISES,
                });
            }
        }
        let positional = |position, raises| Some(Kind::Positional { position, raises });
        match q {
            "urllib.request.urlopen" => {
                return positional(3, "urllib.error.URLError or TimeoutError")
            }
            "http.client.HTTPConnection" => return positional(3, SOCKET_RAISES),
            "http.client.HTTPSConnection" => return positional(3, SOCKET_RAISES),
            "socket.create_connection" => return positional(2, SOCKET_RAISES),
            "smtplib.SMTP" => return positional(4, SOCKET_RAISES),
            "ftplib.FTP" => return positional(5, SOCKET_RAISES),
            "aiohttp.ClientTimeout" => {
                return Some(Kind::DisabledOnly {
                    keyword: "total",
                    raises: "asyncio.TimeoutError (TimeoutError from 3.11)",
                })
            }
            _ => {}
        }
        if let Some(name) = q.strip_prefix("httpx.") {
            if HTTPX_METHODS.contains(&name) || matches!(name, "Client" | "AsyncClient") {
                return Some(Kind::DisabledOnly {
                    keyword: "timeout",
                    raises: "httpx.TimeoutException",
                });
            }
        }
    }
    let method = method?;
    if !REQUESTS_VERBS.contains(&method) && !HTTPX_METHODS.contains(&method) {
        return None;
    }
    match receiver().as_deref() {
        Some("requests.Session" | "requests.session") if REQUESTS_VERBS.contains(&method) => {
            Some(Kind::Keyword {
                api: "requests.Session",
                raises: REQUESTS_RAISES,
            })
        }
        Some("httpx.Client" | "httpx.AsyncClient") if HTTPX_METHODS.contains(&method) => {
            Some(Kind::DisabledOnly {
                keyword: "timeout",
                raises: "httpx.TimeoutException",
            })
        }
        _ => None,
    }
}

fn check(ctx: &Context) -> Vec<Finding> {
    let mut findings = Vec::new();
    for m in QUERY.matches(ctx).iter() {
        let (Some(call), Some(callee)) = (m.get("call"), m.get("callee")) else {
            continue;
        };
        let Some(kind) = classify(ctx, callee) else {
            continue;
        };
        if let Some(finding) = judge(ctx, call, callee, kind) {
            findings.push(finding);
        }
    }
    findings
}

fn judge<'t>(
    ctx: &Context<'_, 't>,
    call: Node<'t>,
    callee: Node<'t>,
    kind: Kind,
) -> Option<Finding> {
    let shown = ctx.text(callee);
    let report = |message: String| Finding {
        rule: &RULE,
        range: call.byte_range(),
        message,
        fix: None,
    };
    let shape = ctx.arguments_shape(call);
    let (keyword, raises) = match kind {
        Kind::Keyword { raises, .. } | Kind::Positional { raises, .. } => ("timeout", raises),
        Kind::DisabledOnly {
            keyword, raises, ..
        } => (keyword, raises),
    };
    let existing = ctx.keyword(call, keyword);
    let disabled = existing
        .and_then(|k| k.child_by_field_name("value"))
        .filter(|v| v.kind() == "none");
    let (constant, statements) = ctx.timeout_constant(call);
    let seconds = crate::rule::seconds(ctx.settings.timeout);

    let (message, edit): (String, Vec<Edit>) = match (existing, disabled) {
        (Some(_), Some(none)) => (
            format!("`{shown}` disables its timeout with `{keyword}=None` and can wait forever"),
            vec![Edit::replace(none, constant.clone())],
        ),
        (Some(_), None) => return None,
        (None, _) => {
            match kind {
                Kind::DisabledOnly { .. } => return None,
                Kind::Positional { position, .. } if shape.positional >= position => return None,
                Kind::Positional { .. } if shape.star_args => {
                    return Some(report(format!(
                        "`{shown}` has no visible timeout; its `*args` may carry one, so corral \
                         leaves it to you"
                    )))
                }
                _ => {}
            }
            if shape.star_kwargs {
                return Some(report(format!(
                    "`{shown}` has no visible timeout; its `**kwargs` may carry one, so corral \
                     leaves it to you"
                )));
            }
            let missed = match kind {
                Kind::Keyword {
                    api: "requests.Session",
                    ..
                } => " (a requests.Session method: ruff S113 and bandit B113 do not see these)",
                _ => "",
            };
            (
                format!("`{shown}` has no timeout and can wait forever{missed}"),
                ctx.add_keyword(call, "timeout", &constant)?,
            )
        }
    };
    Some(Finding {
        rule: &RULE,
        range: call.byte_range(),
        message: format!("{message}; give it {keyword}={constant} ({seconds} s)"),
        fix: Some(Fix {
            edits: edit,
            imports: Vec::new(),
            module_statements: statements,
            changes: vec![
                format!("a peer slower than {seconds} s now makes the call raise {raises}"),
                if keyword == "total" {
                    "the timeout bounds the whole request, connection wait included".to_string()
                } else {
                    "the timeout applies to each connect and read, not to the whole exchange"
                        .to_string()
                },
            ],
        }),
    })
}
