//! Laying out the lines fixes made too long, as black and ruff format lay them out, so that a
//! file that was formatted before a rewrite is formatted after it.
//!
//! Only statements a rewrite touched are looked at, and only when one of their lines is now
//! longer than the formatter's line length. Such a statement is joined into one line and split
//! again the way the formatters split it ("right hand split"): at the last bracket pair that
//! holds something, its contents on lines of their own, one more indent in; contents that
//! still do not fit are exploded one item per line with a trailing comma (at commas, or before
//! each `for` / `if` of a comprehension), or split again at their own last bracket. Statements
//! with comments, multi-line strings or a trailing comma already in place are left as they are:
//! a formatter keeps those exploded, and so does the rewrite that made them.

use std::ops::Range;

use tree_sitter::Node;

use crate::parse::{first_syntax_error, parse};
use crate::rule::Edit;

/// Edits that lay out the statements of `text` (parsed as `root`) whose lines in `changed` are
/// longer than `limit` characters.
pub fn fit_lines(text: &str, root: Node, changed: &[Range<usize>], limit: usize) -> Vec<Edit> {
    let mut edits: Vec<Edit> = Vec::new();
    for line in changed {
        if text[line.clone()]
            .trim_end_matches(['\n', '\r'])
            .chars()
            .count()
            <= limit
        {
            continue;
        }
        let first = line.start + (text[line.clone()].len() - text[line.clone()].trim_start().len());
        let Some(statement) = statement_at(root, first) else {
            continue;
        };
        let range = header_range(statement);
        if edits
            .iter()
            .any(|e| e.range.start < range.end && range.start < e.range.end)
        {
            continue;
        }
        if let Some(laid) = lay_out(text, statement, range.clone(), limit) {
            edits.push(Edit { range, text: laid });
        } else if let Some((range, laid)) = lay_out_item(text, line.clone(), limit) {
            // One item of a bracket the formatter keeps exploded: laid out on its own.
            edits.push(Edit { range, text: laid });
        }
    }
    edits
}

/// A line that is one whole item of an exploded bracket (balanced, perhaps ending with the
/// item's comma), laid out on its own at its indentation.
fn lay_out_item(text: &str, line: Range<usize>, limit: usize) -> Option<(Range<usize>, String)> {
    let content = text[line.clone()].trim_end_matches(['\n', '\r']);
    let indent_len = content.len() - content.trim_start_matches([' ', '\t']).len();
    let indent = &content[..indent_len];
    let item = content[indent_len..].trim_end();
    let (item, comma) = match item.strip_suffix(',') {
        Some(rest) => (rest.trim_end(), ","),
        None => (item, ""),
    };
    if item.contains('#') || item.starts_with([')', ']', '}']) || !balanced(item) {
        return None;
    }
    // Parsed as the argument of a call: an item may be `*xs` or `key=value`.
    let pairs = bracket_pairs_in(&format!("_({item})"), 2)?;
    let unit = if indent.starts_with('\t') {
        "\t"
    } else {
        "    "
    };
    let mut lines = Vec::new();
    split(item, &pairs, 0..item.len(), indent, unit, limit, &mut lines);
    if lines.len() < 2 {
        return None;
    }
    lines.last_mut().expect("a line").push_str(comma);
    let laid = lines.join("\n");
    let start = line.start;
    let end = line.start + content.len();
    same_tokens(&laid, content).then_some((start..end, laid))
}

/// Whether brackets open and close in order within `text`, outside strings.
fn balanced(text: &str) -> bool {
    let mut depth: i64 = 0;
    let mut quote: Option<char> = None;
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']' | '}') => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0 && quote.is_none()
}

/// The innermost simple statement, or compound statement whose header, holds `offset` on its
/// first line.
fn statement_at(root: Node, offset: usize) -> Option<Node> {
    let mut node = root;
    let mut found = None;
    'descend: loop {
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            if child.start_byte() <= offset && offset < child.end_byte().max(child.start_byte() + 1)
            {
                if is_layout_statement(child) {
                    let header = header_range(child);
                    if header.contains(&offset) || header.start >= offset {
                        found = Some(child);
                    }
                }
                node = child;
                continue 'descend;
            }
        }
        return found;
    }
}

fn is_layout_statement(node: Node) -> bool {
    matches!(
        node.kind(),
        "expression_statement"
            | "function_definition"
            | "return_statement"
            | "with_statement"
            | "for_statement"
            | "if_statement"
            | "while_statement"
            | "raise_statement"
            | "assert_statement"
            | "delete_statement"
    )
}

/// A simple statement whole; a compound statement's header, up to its block.
fn header_range(statement: Node) -> Range<usize> {
    let end = statement
        .child_by_field_name("body")
        .or_else(|| statement.child_by_field_name("consequence"))
        .map_or(statement.end_byte(), |body| {
            // Up to the `:` that ends the header.
            let mut cursor = statement.walk();
            let colon = statement
                .children(&mut cursor)
                .filter(|c| c.kind() == ":" && c.end_byte() <= body.start_byte())
                .last();
            colon.map_or(body.start_byte(), |c| c.end_byte())
        });
    statement.start_byte()..end
}

/// The statement (or header) at `range` laid out within `limit`, when that changes it.
fn lay_out(text: &str, statement: Node, range: Range<usize>, limit: usize) -> Option<String> {
    // A comment after the statement on its last line stays with it only as it is.
    let rest_of_line = text[range.end..].split('\n').next().unwrap_or("");
    if has_comment_or_multiline_string(statement, &range) || !rest_of_line.trim().is_empty() {
        return None;
    }
    let line_start = text[..range.start].rfind('\n').map_or(0, |i| i + 1);
    let indent = &text[line_start..range.start];
    if !indent.chars().all(|c| c == ' ' || c == '\t') {
        return None;
    }
    let mut flat = join(&text[range.clone()])?;
    if width(indent) + flat.chars().count() > limit {
        // A conditional on the right of `=` or `return` splits inside parentheses of its own,
        // before its `if` and `else`, as the formatters do.
        if let Some(value) = conditional_value(statement) {
            let (start, end) = (
                value.start_byte() - range.start,
                value.end_byte() - range.start,
            );
            let original = &text[range.clone()];
            if !original.contains('\n') {
                flat = format!(
                    "{}({}){}",
                    &original[..start],
                    &original[start..end],
                    &original[end..]
                );
            }
        }
    }
    let compound = statement.kind() != "expression_statement"
        && statement.child_by_field_name("body").is_some()
        || statement.child_by_field_name("consequence").is_some();
    let pairs = bracket_pairs(&flat, compound)?;
    let unit = if indent.starts_with('\t') {
        "\t"
    } else {
        "    "
    };
    let mut lines = Vec::new();
    split(
        &flat,
        &pairs,
        0..flat.len(),
        indent,
        unit,
        limit,
        &mut lines,
    );
    let laid = lines.join("\n");
    let laid = laid.strip_prefix(indent).unwrap_or(&laid).to_string();
    (laid != text[range] && same_tokens(&laid, &flat)).then_some(laid)
}

/// The `.` tokens of a method chain that each follow a call or subscript:
/// `a.b(x).c().d` gives the dots before `c` and `d`.
fn chained_dots(expr: Node) -> Vec<Node> {
    let mut dots = Vec::new();
    let mut node = expr;
    loop {
        match node.kind() {
            "call" => match node.child_by_field_name("function") {
                Some(f) => node = f,
                None => break,
            },
            "attribute" => {
                let Some(object) = node.child_by_field_name("object") else {
                    break;
                };
                if matches!(object.kind(), "call" | "subscript") {
                    let mut cursor = node.walk();
                    dots.extend(node.children(&mut cursor).filter(|c| c.kind() == "."));
                }
                node = object;
            }
            "subscript" => match node.child_by_field_name("value") {
                Some(v) => node = v,
                None => break,
            },
            _ => break,
        }
    }
    dots
}

/// The conditional expression an assignment or `return` gives, when it stands bare.
fn conditional_value(statement: Node) -> Option<Node> {
    let value = match statement.kind() {
        "return_statement" => statement.named_child(0)?,
        "expression_statement" => {
            let assignment = statement
                .named_child(0)
                .filter(|a| a.kind() == "assignment")?;
            assignment.child_by_field_name("right")?
        }
        _ => return None,
    };
    (value.kind() == "conditional_expression").then_some(value)
}

fn has_comment_or_multiline_string(statement: Node, range: &Range<usize>) -> bool {
    let mut stack = vec![statement];
    while let Some(node) = stack.pop() {
        if node.start_byte() >= range.end {
            continue;
        }
        if node.kind() == "comment" {
            return true;
        }
        if node.kind() == "string" && node.start_position().row != node.end_position().row {
            return true;
        }
        let mut cursor = node.walk();
        stack.extend(node.children(&mut cursor));
    }
    false
}

/// The statement on one line: line breaks inside brackets and their indentation removed, as a
/// formatter joins them. `None` when it holds a trailing comma (kept exploded) or a backslash.
fn join(text: &str) -> Option<String> {
    if text.contains('\\') {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut lines = text.split('\n');
    out.push_str(lines.next()?.trim_end_matches('\r').trim_end());
    for line in lines {
        let line = line.trim_end_matches('\r').trim();
        if line.is_empty() {
            continue;
        }
        let after_open = out.ends_with(['(', '[', '{']);
        // `)` and `.method()` continue what the line before ends with.
        let closing = line.starts_with([')', ']', '}', '.']);
        if line.starts_with([')', ']', '}']) && out.ends_with(',') {
            return None;
        }
        if !(after_open || closing) {
            out.push(' ');
        }
        out.push_str(line);
    }
    Some(out)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Items {
    /// Call arguments, parameters, collections: exploded at commas.
    Commas,
    /// A comprehension or generator: exploded before each `for` and `if`.
    Clauses,
    /// Anything else: split again at its own last bracket.
    Other,
}

/// A bracket pair of the flat line: where it opens and closes, how its contents explode, and
/// where they do (the offsets of its commas or clauses).
#[derive(Debug, Clone)]
struct Pair {
    open: usize,
    close: usize,
    items: Items,
    breaks: Vec<usize>,
}

/// The bracket pairs of a one-line statement, from its syntax tree.
fn bracket_pairs(flat: &str, compound: bool) -> Option<Vec<Pair>> {
    // Inside a coroutine, where `await`, `async with` and `return` are all at home.
    const PREFIX: &str = "async def _():\n    ";
    let source = if compound {
        format!("{PREFIX}{flat}\n        pass\n")
    } else {
        format!("{PREFIX}{flat}\n")
    };
    bracket_pairs_in(&source, PREFIX.len())
}

/// The bracket pairs of `source`, at offsets less `shift`, for the text after the first `shift`
/// bytes up to the end of its first line.
fn bracket_pairs_in(source: &str, shift: usize) -> Option<Vec<Pair>> {
    let flat_len = source[shift..].find('\n').unwrap_or(source.len() - shift);
    let source = if source.ends_with('\n') {
        source.to_string()
    } else {
        format!("{source}\n")
    };
    let tree = parse(&source)?;
    if first_syntax_error(&tree, &source).is_some() {
        return None;
    }
    let mut pairs = Vec::new();
    let mut stack = vec![tree.root_node()];
    while let Some(node) = stack.pop() {
        // The braces of an f-string's replacement fields are not brackets to split at.
        if node.kind() == "string" {
            continue;
        }
        if node.start_byte() >= shift && node.end_byte() <= shift + flat_len {
            let mut cursor = node.walk();
            let children: Vec<Node> = node.children(&mut cursor).collect();
            for (i, child) in children.iter().enumerate() {
                let closer = match child.kind() {
                    "(" => ")",
                    "[" => "]",
                    "{" => "}",
                    _ => continue,
                };
                let Some(close) = children[i + 1..].iter().rev().find(|c| c.kind() == closer)
                else {
                    continue;
                };
                // Parentheses around a conditional break before its `if` and `else`.
                let conditional = (node.kind() == "parenthesized_expression")
                    .then(|| node.named_child(0))
                    .flatten()
                    .filter(|c| c.kind() == "conditional_expression");
                let items = match node.kind() {
                    "argument_list"
                    | "parameters"
                    | "list"
                    | "tuple"
                    | "set"
                    | "dictionary"
                    | "import_from_statement" => Items::Commas,
                    k if k.ends_with("comprehension") || k == "generator_expression" => {
                        Items::Clauses
                    }
                    _ if conditional.is_some() => Items::Clauses,
                    _ => Items::Other,
                };
                let mut operators = Vec::new();
                if let Some(c) = conditional {
                    let mut cursor = c.walk();
                    operators.extend(
                        c.children(&mut cursor)
                            .filter(|t| matches!(t.kind(), "if" | "else")),
                    );
                }
                // Parentheses around a chain of method calls break before each `.method`
                // that follows a call, when there are two or more, as formatters do.
                let chain = (node.kind() == "parenthesized_expression")
                    .then(|| node.named_child(0))
                    .flatten()
                    .map(chained_dots)
                    .filter(|dots| dots.len() >= 2);
                let items = if chain.is_some() {
                    Items::Clauses
                } else {
                    items
                };
                operators.extend(chain.into_iter().flatten());
                let breaks = children
                    .iter()
                    .chain(operators.iter())
                    .filter(|c| match items {
                        Items::Commas => c.kind() == ",",
                        Items::Clauses => matches!(
                            c.kind(),
                            "for_in_clause" | "if_clause" | "if" | "else" | "."
                        ),
                        Items::Other => false,
                    })
                    .filter(|c| {
                        c.start_byte() > child.start_byte() && c.end_byte() <= close.start_byte()
                    })
                    .map(|c| c.start_byte() - shift)
                    .collect::<std::collections::BTreeSet<usize>>()
                    .into_iter()
                    .collect();
                pairs.push(Pair {
                    open: child.start_byte() - shift,
                    close: close.start_byte() - shift,
                    items,
                    breaks,
                });
            }
        }
        let mut cursor = node.walk();
        stack.extend(node.children(&mut cursor));
    }
    Some(pairs)
}

/// Lays out `flat[range]` at `indent` into `lines`.
fn split(
    flat: &str,
    pairs: &[Pair],
    range: Range<usize>,
    indent: &str,
    unit: &str,
    limit: usize,
    lines: &mut Vec<String>,
) {
    let text = flat[range.clone()].trim();
    if width(indent) + text.chars().count() <= limit {
        lines.push(format!("{indent}{text}"));
        return;
    }
    // The pair that closes last, among those that hold something: black's right hand split.
    let Some(pair) = pairs
        .iter()
        .filter(|p| p.open >= range.start && p.close < range.end && p.close > p.open + 1)
        .filter(|p| !flat[p.open + 1..p.close].trim().is_empty())
        .max_by_key(|p| p.close)
    else {
        lines.push(format!("{indent}{text}"));
        return;
    };
    let head = flat[range.start..=pair.open].trim_start();
    let tail = flat[pair.close..range.end].trim_end();
    let inner = format!("{indent}{unit}");
    let body = pair.open + 1..pair.close;
    if head.trim().is_empty() && tail.len() == 1 {
        // The range is the bracket pair itself: nothing to gain by splitting at it.
        lines.push(format!("{indent}{text}"));
        return;
    }
    lines.push(format!("{indent}{head}"));
    let body_text = flat[body.clone()].trim();
    if width(&inner) + body_text.chars().count() <= limit {
        lines.push(format!("{inner}{body_text}"));
    } else {
        match pair.items {
            Items::Commas if !pair.breaks.is_empty() => {
                let mut start = body.start;
                for end in pair.breaks.iter().copied().chain([body.end]) {
                    let before = lines.len();
                    split(flat, pairs, start..end, &inner, unit, limit, lines);
                    if lines.len() > before {
                        lines.last_mut().expect("a line").push(',');
                    }
                    start = end + 1;
                }
            }
            Items::Clauses if !pair.breaks.is_empty() => {
                let mut start = body.start;
                for end in pair.breaks.iter().copied().chain([body.end]) {
                    split(flat, pairs, start..end, &inner, unit, limit, lines);
                    start = end;
                }
            }
            _ => split(flat, pairs, body, &inner, unit, limit, lines),
        }
    }
    lines.push(format!("{indent}{tail}"));
}

fn width(indent: &str) -> usize {
    indent.chars().map(|c| if c == '\t' { 8 } else { 1 }).sum()
}

/// Whether two layouts of a statement hold the same code: the same text once whitespace and
/// the trailing commas a layout adds are taken out.
fn same_tokens(a: &str, b: &str) -> bool {
    fn squeeze(s: &str) -> String {
        let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        compact
            .replace(",)", ")")
            .replace(",]", "]")
            .replace(",}", "}")
    }
    squeeze(a) == squeeze(b)
}

/// `text` with `edits` applied, when the result still parses; otherwise `text` unchanged.
pub fn apply_if_parses(text: &str, edits: &[Edit]) -> Option<String> {
    if edits.is_empty() {
        return None;
    }
    let laid = crate::engine::apply_edits(text, edits);
    let tree = parse(&laid)?;
    first_syntax_error(&tree, &laid).is_none().then_some(laid)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lays out every line of `text` longer than `limit`, as if a rewrite had touched it.
    fn fit(text: &str, limit: usize) -> String {
        let tree = parse(text).unwrap();
        let mut lines = Vec::new();
        let mut start = 0;
        for line in text.split_inclusive('\n') {
            lines.push(start..start + line.len());
            start += line.len();
        }
        let edits = fit_lines(text, tree.root_node(), &lines, limit);
        apply_if_parses(text, &edits).unwrap_or_else(|| text.to_string())
    }

    #[test]
    fn a_long_call_splits_at_its_last_bracket_then_one_argument_per_line() {
        assert_eq!(
            fit(
                "x = requests.get(url, headers=headers, timeout=TIMEOUT_SECONDS)\n",
                52
            ),
            "x = requests.get(\n    url, headers=headers, timeout=TIMEOUT_SECONDS\n)\n"
        );
        assert_eq!(
            fit(
                "x = requests.get(url, headers=headers, timeout=TIMEOUT_SECONDS)\n",
                30
            ),
            "x = requests.get(\n    url,\n    headers=headers,\n    timeout=TIMEOUT_SECONDS,\n)\n"
        );
    }

    #[test]
    fn trailers_and_comprehensions() {
        assert_eq!(
            fit("def f():\n    meta = session.get(url, timeout=TIMEOUT_SECONDS).json()\n", 50),
            "def f():\n    meta = session.get(\n        url, timeout=TIMEOUT_SECONDS\n    ).json()\n"
        );
        assert_eq!(
            fit(
                "tasks = [_bounded(fetch, client, uid) for uid in user_ids if uid]\n",
                40
            ),
            "tasks = [\n    _bounded(fetch, client, uid)\n    for uid in user_ids\n    if uid\n]\n"
        );
    }

    #[test]
    fn headers_of_compound_statements() {
        assert_eq!(
            fit(
                "async def f():\n    async with httpx.AsyncClient(follow_redirects=True, timeout=TIMEOUT_SECONDS) as _client:\n        pass\n",
                88
            ),
            "async def f():\n    async with httpx.AsyncClient(\n        follow_redirects=True, timeout=TIMEOUT_SECONDS\n    ) as _client:\n        pass\n"
        );
    }

    #[test]
    fn items_of_exploded_brackets_and_conditionals() {
        assert_eq!(
            fit(
                "x = gather(\n    *(_bounded(fetch, start=start, stop=stop) for w in workers),\n    return_exceptions=True,\n)\n",
                50
            ),
            "x = gather(\n    *(\n        _bounded(fetch, start=start, stop=stop)\n        for w in workers\n    ),\n    return_exceptions=True,\n)\n"
        );
        assert_eq!(
            fit("ftp = FTP_TLS(context=ctx, timeout=TIMEOUT) if tls else FTP(timeout=TIMEOUT)\n", 50),
            "ftp = (\n    FTP_TLS(context=ctx, timeout=TIMEOUT)\n    if tls\n    else FTP(timeout=TIMEOUT)\n)\n"
        );
    }

    #[test]
    fn method_chains_in_parentheses() {
        assert_eq!(
            fit(
                "def f():\n    sha = (\n        check_output([\"git\", \"rev-parse\", \"HEAD\"], timeout=SUBPROCESS_TIMEOUT_SECONDS)\n        .decode(\"utf-8\")\n        .strip()\n    )\n",
                60
            ),
            "def f():\n    sha = (\n        check_output(\n            [\"git\", \"rev-parse\", \"HEAD\"],\n            timeout=SUBPROCESS_TIMEOUT_SECONDS,\n        )\n        .decode(\"utf-8\")\n        .strip()\n    )\n"
        );
    }

    #[test]
    fn never_inside_an_f_string() {
        assert_eq!(
            fit("x = get(\n    f\"https://api.example.com/v2/oauth/token/{key}\", timeout=TIMEOUT\n)\n", 30),
            "x = get(\n    f\"https://api.example.com/v2/oauth/token/{key}\",\n    timeout=TIMEOUT,\n)\n"
        );
    }

    #[test]
    fn comments_and_trailing_commas_are_left() {
        let commented = "x = requests.get(url, headers=headers, timeout=T)  # why\n";
        assert_eq!(fit(commented, 30), commented);
        let exploded = "x = f(\n    aaaaaaaaaaaaaaaa,\n    bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb,\n)\n";
        assert_eq!(fit(exploded, 30), exploded);
    }
}
