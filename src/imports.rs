//! Placing the imports and module-level statements that fixes ask for (catalog §S7).
//!
//! Imports go after the module docstring and `from __future__` imports, among the existing imports
//! in isort's spirit: a standard-library module joins the standard-library group in alphabetical
//! position, and a group is separated from the next by a blank line. Module statements (named
//! constants) follow the import block after a blank line.

use tree_sitter::Node;

use crate::rule::Edit;

/// Edits that add `import <module>` for each of `modules` and each of `statements` once.
/// `before` is the offset of the first fix edit: the statements are defined above any use.
pub fn header_edits(
    root: Node,
    src: &str,
    modules: &[String],
    statements: &[String],
    before: usize,
) -> Vec<Edit> {
    let layout = Layout::of(root, src);
    let mut edits: Vec<Edit> = Vec::new();
    let mut after_block = String::new();

    for module in modules {
        let line = format!("import {module}\n");
        if layout.imports.is_empty() {
            after_block.push_str(&line);
            continue;
        }
        let stdlib = is_stdlib(module);
        let same_group: Vec<&ImportLine> = layout
            .imports
            .iter()
            .filter(|i| is_stdlib(&i.module) == stdlib)
            .collect();
        let edit = match same_group
            .iter()
            .find(|i| (i.is_from, i.module.as_str()) > (false, module.as_str()))
        {
            Some(next) => Edit::insert(next.start, line),
            None => match same_group.last() {
                Some(last) => Edit::insert(last.line_end, line),
                // A new standard-library group goes first; a new third-party group goes last.
                None if stdlib => Edit::insert(layout.imports[0].start, format!("{line}\n")),
                None => {
                    let last = layout.imports.last().expect("non-empty");
                    Edit::insert(last.line_end, format!("\n{line}"))
                }
            },
        };
        edits.push(edit);
    }

    if !statements.is_empty() {
        if !after_block.is_empty() || !layout.imports.is_empty() {
            after_block.push('\n');
        }
        for statement in statements {
            after_block.push_str(statement);
            after_block.push('\n');
        }
    }
    if !after_block.is_empty() {
        let leading = layout
            .imports
            .last()
            .map_or(layout.header_end, |i| i.line_end);
        // After the whole import block, imports under `try`/`if` included, so that no import
        // follows the constants (E402); but above the first use.
        let at = match layout.block_end {
            Some(end) if end > leading && end <= before => end,
            _ => leading,
        };
        let mut text = String::new();
        if at == src.len() && !src.is_empty() && !src.ends_with('\n') {
            text.push('\n');
        }
        if layout.imports.is_empty() && at > 0 {
            // Keep the docstring or `__future__` line apart from what follows it.
            text.push('\n');
        }
        text.push_str(&after_block);
        // A definition after the constants stands two blank lines below them, as formatters
        // want; anything else one.
        let rest = &src[at..];
        let blank_lines = rest
            .split_inclusive('\n')
            .take_while(|l| l.trim().is_empty() && l.ends_with('\n'))
            .count();
        let next = rest
            .split_inclusive('\n')
            .find(|l| !l.trim().is_empty())
            .map(str::trim_start);
        let wanted: usize = match next {
            None => 0,
            Some(l)
                if ["def ", "async def ", "class ", "@"]
                    .iter()
                    .any(|k| l.starts_with(k)) =>
            {
                2
            }
            Some(_) => 1,
        };
        for _ in blank_lines..wanted {
            text.push('\n');
        }
        edits.push(Edit::insert(at, text));
    }
    edits
}

struct ImportLine {
    module: String,
    /// `from m import x` sorts after `import m`, as isort orders them.
    is_from: bool,
    start: usize,
    /// The offset just after the newline that ends the statement's last line.
    line_end: usize,
}

struct Layout {
    /// Where the leading comments, docstring and `__future__` imports end (a line start).
    header_end: usize,
    /// The leading block of top-level imports, in order.
    imports: Vec<ImportLine>,
    /// Where the last module-level import before the first definition ends, counting imports
    /// under `try`, `if` and `with` (a line start).
    block_end: Option<usize>,
}

impl Layout {
    fn of(root: Node, src: &str) -> Layout {
        let mut header_end = 0;
        let mut imports = Vec::new();
        let mut cursor = root.walk();
        let mut seen_code = false;
        for stmt in root.named_children(&mut cursor) {
            let line_end = after_line(src, stmt.end_byte());
            match stmt.kind() {
                // A shebang, licence or coding comment above all code stays on top.
                "comment" if imports.is_empty() && !seen_code => {
                    header_end = line_end;
                }
                "comment" => {}
                // The docstring, implicitly concatenated or not: `from __future__` may follow it.
                "expression_statement"
                    if !seen_code
                        && stmt.named_child(0).is_some_and(|c| {
                            matches!(c.kind(), "string" | "concatenated_string")
                        }) =>
                {
                    seen_code = true;
                    header_end = line_end;
                }
                "future_import_statement" => {
                    seen_code = true;
                    header_end = line_end;
                }
                "import_statement" | "import_from_statement" => {
                    seen_code = true;
                    imports.push(ImportLine {
                        module: imported_module(stmt, src),
                        is_from: stmt.kind() == "import_from_statement",
                        start: line_start(src, stmt.start_byte()),
                        line_end,
                    });
                }
                _ => break,
            }
        }
        let mut block_end = None;
        let mut cursor = root.walk();
        for stmt in root.named_children(&mut cursor) {
            match stmt.kind() {
                "function_definition" | "class_definition" | "decorated_definition" => break,
                "import_statement" | "import_from_statement" | "future_import_statement" => {
                    block_end = Some(after_line(src, stmt.end_byte()));
                }
                "if_statement" | "try_statement" | "with_statement" if holds_import(stmt) => {
                    block_end = Some(after_line(src, stmt.end_byte()));
                }
                _ => {}
            }
        }
        Layout {
            header_end,
            imports,
            block_end,
        }
    }
}

/// Whether a compound statement's blocks import at their top level (`try: import ujson`).
fn holds_import(stmt: Node) -> bool {
    let mut stack = vec![stmt];
    while let Some(node) = stack.pop() {
        match node.kind() {
            "import_statement" | "import_from_statement" => return true,
            "function_definition" | "class_definition" => continue,
            _ => {}
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    false
}

fn imported_module(stmt: Node, src: &str) -> String {
    let name = match stmt.kind() {
        "import_from_statement" => stmt.child_by_field_name("module_name"),
        _ => stmt.child_by_field_name("name").map(|n| {
            if n.kind() == "aliased_import" {
                n.child_by_field_name("name").unwrap_or(n)
            } else {
                n
            }
        }),
    };
    name.map(|n| src[n.byte_range()].to_string())
        .unwrap_or_default()
}

fn line_start(src: &str, offset: usize) -> usize {
    src[..offset].rfind('\n').map_or(0, |i| i + 1)
}

fn after_line(src: &str, offset: usize) -> usize {
    src[offset..]
        .find('\n')
        .map_or(src.len(), |i| offset + i + 1)
}

/// Top-level standard-library packages that concurrency code imports; sorted for binary search.
const STDLIB: &[&str] = &[
    "__future__",
    "abc",
    "argparse",
    "array",
    "ast",
    "asyncio",
    "base64",
    "bisect",
    "builtins",
    "bz2",
    "calendar",
    "collections",
    "concurrent",
    "contextlib",
    "contextvars",
    "copy",
    "csv",
    "ctypes",
    "dataclasses",
    "datetime",
    "decimal",
    "difflib",
    "email",
    "enum",
    "errno",
    "faulthandler",
    "fnmatch",
    "fractions",
    "ftplib",
    "functools",
    "gc",
    "getpass",
    "gettext",
    "glob",
    "gzip",
    "hashlib",
    "heapq",
    "hmac",
    "html",
    "http",
    "importlib",
    "inspect",
    "io",
    "ipaddress",
    "itertools",
    "json",
    "logging",
    "lzma",
    "math",
    "mimetypes",
    "multiprocessing",
    "numbers",
    "operator",
    "os",
    "pathlib",
    "pickle",
    "platform",
    "pprint",
    "queue",
    "random",
    "re",
    "sched",
    "secrets",
    "selectors",
    "shlex",
    "shutil",
    "signal",
    "smtplib",
    "socket",
    "socketserver",
    "sqlite3",
    "ssl",
    "stat",
    "statistics",
    "string",
    "struct",
    "subprocess",
    "sys",
    "sysconfig",
    "tarfile",
    "tempfile",
    "textwrap",
    "threading",
    "time",
    "timeit",
    "tomllib",
    "traceback",
    "types",
    "typing",
    "unicodedata",
    "unittest",
    "urllib",
    "uuid",
    "warnings",
    "weakref",
    "xml",
    "zipfile",
    "zlib",
    "zoneinfo",
];

/// Whether a module is part of the standard library, by its top-level package.
fn is_stdlib(module: &str) -> bool {
    let top = module.split('.').next().unwrap_or(module);
    STDLIB.binary_search(&top).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse;

    fn add(src: &str, modules: &[&str], statements: &[&str]) -> String {
        let tree = parse(src).unwrap();
        let modules: Vec<String> = modules.iter().map(|m| m.to_string()).collect();
        let statements: Vec<String> = statements.iter().map(|m| m.to_string()).collect();
        let mut edits = header_edits(tree.root_node(), src, &modules, &statements, src.len());
        edits.sort_by_key(|e| e.range.start);
        let mut out = src.to_string();
        for edit in edits.iter().rev() {
            out.replace_range(edit.range.clone(), &edit.text);
        }
        out
    }

    #[test]
    fn stdlib_list_is_sorted_for_binary_search() {
        assert!(STDLIB.windows(2).all(|w| w[0] < w[1]));
        assert!(is_stdlib("asyncio") && is_stdlib("concurrent.futures") && is_stdlib("zlib"));
        assert!(!is_stdlib("httpx"));
    }

    #[test]
    fn joins_stdlib_group_in_order() {
        assert_eq!(
            add("import os\n\nimport httpx\n\nx = 1\n", &["asyncio"], &[]),
            "import asyncio\nimport os\n\nimport httpx\n\nx = 1\n"
        );
        assert_eq!(
            add("import abc\n\nimport httpx\n", &["asyncio"], &[]),
            "import abc\nimport asyncio\n\nimport httpx\n"
        );
    }

    #[test]
    fn new_stdlib_group_precedes_third_party() {
        assert_eq!(
            add(
                "import httpx\n\n\ndef f():\n    pass\n",
                &["asyncio"],
                &["LIMIT = 3"]
            ),
            "import asyncio\n\nimport httpx\n\nLIMIT = 3\n\n\ndef f():\n    pass\n"
        );
    }

    #[test]
    fn plain_import_precedes_from_import_of_same_module() {
        assert_eq!(
            add(
                "from asyncio import gather\n\nimport httpx\n",
                &["asyncio"],
                &[]
            ),
            "import asyncio\nfrom asyncio import gather\n\nimport httpx\n"
        );
    }

    #[test]
    fn shebang_and_docstring_stay_on_top() {
        assert_eq!(
            add(
                "#!/usr/bin/env python3\n\"\"\"Doc.\"\"\"\nx = 1\n",
                &["asyncio"],
                &[]
            ),
            "#!/usr/bin/env python3\n\"\"\"Doc.\"\"\"\n\nimport asyncio\n\nx = 1\n"
        );
    }

    #[test]
    fn after_docstring_and_future_import() {
        assert_eq!(
            add(
                "\"\"\"Doc.\"\"\"\nfrom __future__ import annotations\nx = 1\n",
                &["asyncio"],
                &[]
            ),
            "\"\"\"Doc.\"\"\"\nfrom __future__ import annotations\n\nimport asyncio\n\nx = 1\n"
        );
    }

    #[test]
    fn constants_follow_the_whole_import_block() {
        assert_eq!(
            add(
                "import os\n\ntry:\n    import ujson as json\nexcept ImportError:\n    import json\n\nlog = 1\n\n\ndef f():\n    pass\n",
                &[],
                &["LIMIT = 3"]
            ),
            "import os\n\ntry:\n    import ujson as json\nexcept ImportError:\n    import json\n\nLIMIT = 3\n\nlog = 1\n\n\ndef f():\n    pass\n"
        );
    }

    #[test]
    fn a_licence_header_stays_whole() {
        assert_eq!(
            add(
                "# Copyright the authors.\n\n# Licensed under the MIT licence.\n\n\ndef f():\n    pass\n",
                &[],
                &["LIMIT = 3"]
            ),
            "# Copyright the authors.\n\n# Licensed under the MIT licence.\n\nLIMIT = 3\n\n\ndef f():\n    pass\n"
        );
    }

    #[test]
    fn empty_module_gets_import_and_constant() {
        assert_eq!(
            add("async def f():\n    pass\n", &["asyncio"], &["LIMIT = 3"]),
            "import asyncio\n\nLIMIT = 3\n\n\nasync def f():\n    pass\n"
        );
    }
}
