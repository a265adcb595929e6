//! The statement outline of a file, from one pass over its bytes: where each module-level
//! statement starts, which are `def`s and `class`es and their names, and the same for the members
//! of each class body.
//!
//! This is not a parser. It knows only what it needs to split a file at statement boundaries:
//! strings, comments, brackets and backslash continuations. Whatever it cannot follow (a string
//! left open, an unbalanced bracket, a lone carriage return) makes it give up, and the file is
//! parsed whole. `regions.rs` checks every split it uses against the tree tree-sitter builds.

use std::ops::Range;

/// One logical line: a statement's first line plus its continuation lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    /// Where its first physical line starts.
    pub start: usize,
    /// Its first token, after the indentation.
    pub token: usize,
    /// Just past its last newline (or the end of the file).
    pub end: usize,
    /// Its last token is `:`, so a block follows on the next lines.
    pub opens_block: bool,
}

impl Line {
    fn indent<'s>(&self, src: &'s [u8]) -> &'s [u8] {
        &src[self.start..self.token]
    }
}

/// The logical lines of `src` that hold a statement (blank and comment-only lines are skipped).
/// `None` when the scan cannot follow the text.
pub fn logical_lines(src: &[u8]) -> Option<Vec<Line>> {
    let n = src.len();
    let mut lines = Vec::new();
    let mut i = 0;
    while i < n {
        let start = i;
        while i < n && matches!(src[i], b' ' | b'\t' | b'\x0c') {
            i += 1;
        }
        if i == n {
            break;
        }
        match src[i] {
            b'\n' => {
                i += 1;
                continue;
            }
            b'\r' if src.get(i + 1) == Some(&b'\n') => {
                i += 2;
                continue;
            }
            b'#' => {
                i = memchr::memchr(b'\n', &src[i..]).map_or(n, |k| i + k + 1);
                continue;
            }
            b'\r' | b'\\' => return None,
            _ => {}
        }
        let token = i;
        let mut depth = 0usize;
        let mut last = 0u8;
        loop {
            let Some(&c) = src.get(i) else {
                if depth != 0 {
                    return None;
                }
                break;
            };
            match c {
                b'\n' => {
                    i += 1;
                    if depth == 0 {
                        break;
                    }
                }
                b'\r' => {
                    if src.get(i + 1) != Some(&b'\n') {
                        return None;
                    }
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                }
                b'#' => i = memchr::memchr(b'\n', &src[i..]).map_or(n, |k| i + k),
                b'\\' => match (src.get(i + 1), src.get(i + 2)) {
                    (Some(b'\n'), _) => i += 2,
                    (Some(b'\r'), Some(b'\n')) => i += 3,
                    _ => return None,
                },
                b'\'' | b'"' => {
                    i = string_end(src, i)?;
                    last = c;
                }
                b'(' | b'[' | b'{' => {
                    depth += 1;
                    last = c;
                    i += 1;
                }
                b')' | b']' | b'}' => {
                    depth = depth.checked_sub(1)?;
                    last = c;
                    i += 1;
                }
                b' ' | b'\t' | b'\x0c' => i += 1,
                _ => {
                    last = c;
                    i += 1;
                }
            }
        }
        lines.push(Line {
            start,
            token,
            end: i,
            opens_block: last == b':',
        });
    }
    Some(lines)
}

/// Just past the string literal whose opening quote is at `at`. A backslash always keeps the next
/// byte inside the string, raw or not, so prefixes do not matter here.
pub fn string_end(src: &[u8], at: usize) -> Option<usize> {
    let quote = src[at];
    let triple = src.get(at + 1) == Some(&quote) && src.get(at + 2) == Some(&quote);
    let mut i = if triple { at + 3 } else { at + 1 };
    if !triple && src.get(i) == Some(&quote) {
        return Some(i + 1); // the empty string
    }
    while i < src.len() {
        match src[i] {
            b'\\' => i += 2,
            b'\n' | b'\r' if !triple => return None,
            c if c == quote => {
                if !triple {
                    return Some(i + 1);
                }
                if src.get(i + 1) == Some(&quote) && src.get(i + 2) == Some(&quote) {
                    return Some(i + 3);
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    None
}

/// What a statement is, as far as choosing regions goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Statement,
    Def {
        name: String,
        is_async: bool,
    },
    /// A class whose body could be split into members (empty when it could not: a one-line class
    /// or an unusual layout; the class is then one piece).
    Class {
        name: String,
        header: Range<usize>,
        members: Vec<Unit>,
    },
}

/// A statement (with its decorators) and the comments and blank lines after it, up to the next
/// statement at its level. Units of one level tile their parent without gaps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub range: Range<usize>,
    /// Where the statement itself starts (its first decorator, if any).
    pub token: usize,
    pub kind: Kind,
}

impl Unit {
    pub fn name(&self) -> Option<&str> {
        match &self.kind {
            Kind::Statement => None,
            Kind::Def { name, .. } | Kind::Class { name, .. } => Some(name),
        }
    }
}

/// The module-level units of `src`; `None` when the scan cannot follow it.
pub fn units(src: &[u8]) -> Option<Vec<Unit>> {
    units_of(src, &logical_lines(src)?)
}

/// The module-level units of `src`, from its logical lines.
pub fn units_of(src: &[u8], lines: &[Line]) -> Option<Vec<Unit>> {
    let top: Vec<usize> = (0..lines.len())
        .filter(|&k| lines[k].token == lines[k].start)
        .collect();
    if lines.first().is_some_and(|l| l.token != l.start) {
        return None; // an indented first statement is a syntax error
    }
    let mut out = group(src, lines, &top, 0, src.len(), true)?;
    if let Some(first) = out.first_mut() {
        first.range.start = 0;
    }
    Some(out)
}

/// Groups the lines at `starts` (indexes into `lines`, all at one indentation) into units that
/// tile `from..to`, each running until the next one. Decorators join the definition they precede.
fn group(
    src: &[u8],
    lines: &[Line],
    starts: &[usize],
    from: usize,
    to: usize,
    split_classes: bool,
) -> Option<Vec<Unit>> {
    // Unit boundaries: a start line that neither follows a decorator line nor continues a
    // compound statement (`else:`, `except ...:`).
    // Each head as its index into `starts`, so that its definition line is found from there on.
    let mut heads: Vec<usize> = Vec::new();
    for (k, &line) in starts.iter().enumerate() {
        let after_decorator = k > 0 && src[lines[starts[k - 1]].token] == b'@';
        let clause = matches!(
            leading_words(&src[lines[line].token..lines[line].end]).first(),
            Some(&("else" | "elif" | "except" | "finally"))
        );
        let continues = after_decorator || (clause && k > 0);
        if !continues {
            heads.push(k);
        }
    }
    let mut units = Vec::with_capacity(heads.len());
    for (k, &at) in heads.iter().enumerate() {
        let head = starts[at];
        let start = if k == 0 { from } else { lines[head].start };
        let end = heads
            .get(k + 1)
            .map_or(to, |&next| lines[starts[next]].start);
        // The definition line: the first line at this level from `head` that is not a decorator.
        let def_line = starts[at..]
            .iter()
            .copied()
            .find(|&l| src[lines[l].token] != b'@')?;
        let words = leading_words(&src[lines[def_line].token..lines[def_line].end]);
        let kind = match words.as_slice() {
            ["async", "def", name, ..] => Kind::Def {
                name: name.to_string(),
                is_async: true,
            },
            ["def", name, ..] => Kind::Def {
                name: name.to_string(),
                is_async: false,
            },
            ["class", name, ..] => {
                let members = if split_classes && lines[def_line].opens_block {
                    class_members(src, lines, def_line, end)
                } else {
                    None
                };
                match members {
                    Some((header_end, members)) => Kind::Class {
                        name: name.to_string(),
                        header: start..header_end,
                        members,
                    },
                    None => Kind::Class {
                        name: name.to_string(),
                        header: start..end,
                        members: Vec::new(),
                    },
                }
            }
            _ => Kind::Statement,
        };
        units.push(Unit {
            range: start..end,
            token: lines[head].token,
            kind,
        });
    }
    Some(units)
}

/// The members of the class whose `class` line is `lines[class_line]` and whose unit ends at
/// `end`: where its header ends, and its body's units. `None` when the body's indentation is not
/// one consistent prefix.
fn class_members(
    src: &[u8],
    lines: &[Line],
    class_line: usize,
    end: usize,
) -> Option<(usize, Vec<Unit>)> {
    let body: Vec<usize> = (class_line + 1..lines.len())
        .take_while(|&k| lines[k].start < end)
        .collect();
    let first = *body.first()?;
    let indent = lines[first].indent(src);
    if indent.is_empty() {
        return None;
    }
    let mut starts = Vec::new();
    for &k in &body {
        let own = lines[k].indent(src);
        if own == indent {
            starts.push(k);
        } else if !own.starts_with(indent) {
            return None;
        }
    }
    let header_end = lines[first].start;
    let members = group(src, lines, &starts, header_end, end, false)?;
    Some((header_end, members))
}

/// The keyword or name a statement starts with.
pub fn first_word(statement: &[u8]) -> Option<&str> {
    leading_words(statement).into_iter().next()
}

/// The first few identifier words of a line: enough to tell `async def name`.
fn leading_words(line: &[u8]) -> Vec<&str> {
    let mut words = Vec::new();
    let mut i = 0;
    while i < line.len() && words.len() < 3 {
        let c = line[i];
        if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 {
            let start = i;
            while i < line.len() && is_word_byte(line[i]) {
                i += 1;
            }
            words.push(std::str::from_utf8(&line[start..i]).unwrap_or(""));
        } else if matches!(c, b' ' | b'\t') {
            i += 1;
        } else {
            break;
        }
    }
    words
}

/// A byte that can be part of a Python identifier (any non-ASCII byte counts).
pub fn is_word_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

/// `bytes[start..end]` is a whole word.
pub fn is_word(bytes: &[u8], start: usize, end: usize) -> bool {
    (start == 0 || !is_word_byte(bytes[start - 1]))
        && bytes.get(end).is_none_or(|&c| !is_word_byte(c))
}

/// Whether `text` holds `word` as a whole word.
pub fn has_word(text: &[u8], word: &str) -> bool {
    memchr::memmem::find_iter(text, word.as_bytes()).any(|at| is_word(text, at, at + word.len()))
}

/// The identifier-like words of `text`, as bytes, in order.
pub fn words(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    text.split(|&c| !is_word_byte(c)).filter(|w| !w.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(src: &str) -> Vec<String> {
        units(src.as_bytes())
            .unwrap()
            .iter()
            .map(|u| match &u.kind {
                Kind::Statement => format!("stmt@{}", u.token),
                Kind::Def { name, is_async } => {
                    format!("def {name}{}", if *is_async { " async" } else { "" })
                }
                Kind::Class { name, members, .. } => format!(
                    "class {name}[{}]",
                    members
                        .iter()
                        .map(|m| m.name().unwrap_or("stmt").to_string())
                        .collect::<Vec<_>>()
                        .join(",")
                ),
            })
            .collect()
    }

    #[test]
    fn splits_module_and_class_bodies() {
        let src = "\"\"\"Doc.\n\nclass Fake:\n\"\"\"\nimport x\n\n@dec(\n  1)\nasync def f(a,\n b):\n    s = '''\ndef g():\n'''\n\nclass C(Base):\n    x = [\n1]\n    # note\n    @property\n    def p(self):\n        return 1\n\n    def __init__(self): pass\nclass D: pass\n";
        assert_eq!(
            shape(src),
            [
                "stmt@0",
                "stmt@25",
                "def f async",
                "class C[stmt,p,__init__]",
                "class D[]"
            ]
        );
        let units = units(src.as_bytes()).unwrap();
        // Units tile the file.
        assert_eq!(units[0].range.start, 0);
        assert!(units.windows(2).all(|w| w[0].range.end == w[1].range.start));
        assert_eq!(units.last().unwrap().range.end, src.len());
    }

    #[test]
    fn clauses_stay_with_their_statement() {
        let src = "try:\n    import x\nexcept ImportError:\n    def f():\n        pass\nelse:\n    pass\nfinally:\n    pass\ndef g():\n    pass\n";
        assert_eq!(shape(src), ["stmt@0", "def g"]);
    }

    #[test]
    fn gives_up_on_what_it_cannot_follow() {
        assert_eq!(units(b"x = 'open\n"), None);
        assert_eq!(units(b"x = (1,\n"), None);
        assert_eq!(units(b"x = 1)\n"), None);
        assert_eq!(units(b"  x = 1\n"), None);
        assert_eq!(units(b"x = 1\ry = 2\n"), None);
    }

    #[test]
    fn continuation_lines_and_comments_stay_in_their_statement() {
        let src = "x = 1 + \\\n2\ny = {\n# c\n'a': 1,\n}\n# trailing\n";
        let lines = logical_lines(src.as_bytes()).unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[1].token, src.find("y =").unwrap());
    }
}
