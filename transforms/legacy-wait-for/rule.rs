//! `legacy-wait-for` (CONC406): on 3.11+, `await asyncio.wait_for(aw, t)` becomes
//! `async with asyncio.timeout(t): await aw`, and `except asyncio.TimeoutError` around it becomes
//! `except TimeoutError` (ruff UP041), the same class from 3.11 on.

use tree_sitter::Node;

use crate::rule::{Context, Edit, Finding, Fix, LazyQuery, Reads, Rule};
use crate::settings::PyVersion;
use crate::syntax;

pub static RULE: Rule = Rule {
    id: "legacy-wait-for",
    code: "CONC406",
    summary: "asyncio.wait_for where asyncio.timeout (3.11+) says the same thing",
    opt_in: None,
    doc: include_str!("doc.md"),
    triggers: &["wait_for(", "wait_for as"],
    requires: &[],
    reads: Reads::Calls {
        functions: &["wait_for"],
        methods: &[],
        callees: false,
        callers: false,
        settled_by: &[],
    },
    check,
};

static QUERY: LazyQuery = LazyQuery::new(include_str!("query.scm"));

fn check(ctx: &Context) -> Vec<Finding> {
    if ctx.settings.target < PyVersion(11) {
        return Vec::new();
    }
    let mut findings = Vec::new();
    for m in QUERY.matches(ctx).iter() {
        let (Some(await_), Some(call), Some(callee), Some(args)) = (
            m.get("await"),
            m.get("call"),
            m.get("callee"),
            m.get("args"),
        ) else {
            continue;
        };
        if ctx.semantic.qualified_name(callee).as_deref() != Some("asyncio.wait_for") {
            continue;
        }
        if let Some(finding) = rewrite(ctx, await_, call, args) {
            findings.push(finding);
        }
    }
    findings
}

/// The statement `await_` is the whole value of: `await ...`, `x = await ...`, `return await ...`.
fn whole_statement<'t>(await_: Node<'t>) -> Option<Node<'t>> {
    let parent = await_.parent()?;
    let statement = match parent.kind() {
        "expression_statement" | "return_statement" => parent,
        "assignment" if parent.child_by_field_name("right") == Some(await_) => parent
            .parent()
            .filter(|p| p.kind() == "expression_statement")?,
        _ => return None,
    };
    (statement.named_child_count() == 1 && statement.parent().is_some_and(|b| b.kind() == "block"))
        .then_some(statement)
}

fn rewrite<'t>(
    ctx: &Context<'_, 't>,
    await_: Node<'t>,
    call: Node<'t>,
    args: Node<'t>,
) -> Option<Finding> {
    let statement = whole_statement(await_)?;
    let shape = ctx.arguments_shape(call);
    if shape.star_args || shape.star_kwargs {
        return None;
    }
    let mut cursor = args.walk();
    let positional: Vec<Node> = args
        .named_children(&mut cursor)
        .filter(|a| !matches!(a.kind(), "keyword_argument" | "comment"))
        .collect();
    let awaitable = *positional.first()?;
    let timeout = positional.get(1).copied().or_else(|| {
        ctx.keyword(call, "timeout")
            .and_then(|k| k.child_by_field_name("value"))
    })?;
    let keywords = args.named_child_count() - positional.len();
    let expected_keywords = usize::from(positional.len() < 2);
    if awaitable.kind() != "call" || positional.len() > 2 || keywords != expected_keywords {
        // A Task or Future made elsewhere, or extra arguments: not the plain shape.
        return None;
    }
    let report = |why: &str| {
        Some(Finding {
            rule: &RULE,
            range: call.byte_range(),
            message: format!(
                "`asyncio.wait_for` on 3.11+ reads better as `asyncio.timeout`; {why}"
            ),
            fix: None,
        })
    };
    if syntax::contains_kind(timeout, "call") {
        return report("its timeout is computed by a call, which would then run before the awaitable is made, so corral leaves it to you");
    }
    if !ctx.starts_line(statement.start_byte()) {
        return report("the statement shares its line with another, so corral cannot wrap it");
    }
    let scope = ctx.semantic.import_ref("asyncio", "timeout", statement)?;
    let body = statement.parent()?;
    let unit = ctx.indent_unit(body.parent()?, body);
    let mut function = body;
    while function.kind() != "function_definition" {
        function = function.parent()?;
    }

    let std::ops::Range { start, end } = ctx.node_lines(statement);
    let indent = ctx.line_indent(statement.start_byte());
    let removed_prefix = call.start_byte()..awaitable.start_byte();
    let removed_suffix = awaitable.end_byte()..call.end_byte();
    let strictly_inside = |r: &std::ops::Range<usize>, at: usize| r.start < at && at < r.end;

    let mut edits = vec![Edit::insert(
        start,
        format!(
            "{indent}async with {}({}):\n",
            scope.expr,
            ctx.text(timeout)
        ),
    )];
    // An awaitable that started on a line of its own inside `wait_for(` moves up to the
    // statement's line: its other lines move out by the indent it had there, as a formatter
    // would lay them, and in by the block's.
    let moved_out = if ctx.text_range(removed_prefix.clone()).contains('\n') {
        ctx.line_indent(awaitable.start_byte()).len() - indent.len().min(ctx.line_indent(awaitable.start_byte()).len())
    } else {
        0
    };
    let awaitable_lines = ctx.line_end(awaitable.start_byte())..awaitable.end_byte();
    edits.extend(
        ctx.indent_lines(start, end, &unit)
            .into_iter()
            .filter(|e| {
                !strictly_inside(&removed_prefix, e.range.start)
                    && !strictly_inside(&removed_suffix, e.range.start)
            })
            .filter_map(|e| {
                let at = e.range.start;
                if moved_out == 0 || !awaitable_lines.contains(&at) {
                    return Some(e);
                }
                let leading = ctx.line_indent(at).len();
                let out = moved_out.min(leading);
                match unit.len().cmp(&out) {
                    std::cmp::Ordering::Greater => Some(Edit::insert(at, &unit[out..])),
                    std::cmp::Ordering::Equal => None,
                    std::cmp::Ordering::Less => Some(Edit {
                        range: at..at + (out - unit.len()),
                        text: String::new(),
                    }),
                }
            }),
    );
    edits.push(Edit {
        range: removed_prefix,
        text: String::new(),
    });
    edits.push(Edit {
        range: removed_suffix,
        text: String::new(),
    });
    let renamed = modernise_handlers(ctx, statement, function, &mut edits);
    let mut changes = vec![
        "on 3.11 the awaitable now runs in the current task rather than a new one: contextvar \
         changes inside it become visible and current_task() differs (3.12+ wait_for already \
         behaves so)"
            .to_string(),
    ];
    if renamed {
        changes.push(
            "`except asyncio.TimeoutError` around it now reads `except TimeoutError`, the same \
             class from 3.11 on"
                .to_string(),
        );
    }
    Some(Finding {
        rule: &RULE,
        range: call.byte_range(),
        message: "`asyncio.wait_for` on 3.11+ reads better as `async with asyncio.timeout(...)`"
            .to_string(),
        fix: Some(Fix {
            edits,
            imports: scope.add_import.into_iter().collect(),
            module_statements: Vec::new(),
            changes,
        }),
    })
}

/// In the `try` directly around `statement`, `asyncio.TimeoutError` in `except` clauses becomes
/// the builtin `TimeoutError` (when that name is not shadowed). Returns whether any was renamed.
fn modernise_handlers(
    ctx: &Context,
    statement: Node,
    function: Node,
    edits: &mut Vec<Edit>,
) -> bool {
    // Only the innermost `try`: an outer handler may also see other code's timeouts.
    let handlers = syntax::enclosing_handlers(statement, function);
    let Some(innermost) = handlers.first().and_then(|h| h.parent()) else {
        return false;
    };
    let mut renamed = false;
    for clause in handlers.iter().filter(|h| h.parent() == Some(innermost)) {
        for candidate in syntax::except_types(*clause).unwrap_or_default() {
            let is_asyncio_timeout = candidate.kind() == "attribute"
                && ctx.semantic.qualified_name(candidate).as_deref()
                    == Some("asyncio.TimeoutError");
            if is_asyncio_timeout && ctx.semantic.lookup("TimeoutError", candidate).is_none() {
                edits.push(Edit::replace(candidate, "TimeoutError"));
                renamed = true;
            }
        }
    }
    renamed
}
