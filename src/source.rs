//! Reading Python source as bytes and writing it back byte-exact.
//!
//! A file is decoded once: a UTF-8 byte-order mark is remembered and stripped, a PEP 263 coding
//! declaration selects the codec, and the newline style is recorded so that inserted text can match
//! it. Encoding the untouched text again gives back the original bytes; a file for which that does
//! not hold is refused rather than risk rewriting bytes the user did not ask to change.

use std::borrow::Cow;

use encoding_rs::Encoding;
use thiserror::Error;

const BOM: &[u8] = b"\xEF\xBB\xBF";

#[derive(Debug, Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error("not valid UTF-8 at byte {0}, and no coding declaration says otherwise")]
    InvalidUtf8(usize),
    #[error("unknown coding declaration `{0}`")]
    UnknownEncoding(String),
    #[error("bytes are not valid {0}")]
    Malformed(&'static str),
    #[error("{0} does not round-trip byte for byte, so corral will not rewrite it")]
    NoRoundTrip(&'static str),
    #[error("a second byte-order mark at byte 3; Python reads it as part of the first line")]
    SecondBom,
    #[error("a NUL byte at byte {0}; Python does not accept source with NUL bytes")]
    Nul(usize),
    #[error(
        "a carriage return alone ends a line at byte {0}; corral reads LF and CRLF line ends only"
    )]
    LoneCarriageReturn(usize),
}

#[derive(Debug, Error)]
#[error("the rewritten text cannot be encoded as {0}")]
pub struct EncodeError(&'static str);

/// The newline convention of a file, taken from its first line ending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Newline {
    Lf,
    CrLf,
}

impl Newline {
    pub fn as_str(self) -> &'static str {
        match self {
            Newline::Lf => "\n",
            Newline::CrLf => "\r\n",
        }
    }

    fn detect(text: &str) -> Newline {
        match text.find('\n') {
            Some(i) if i > 0 && text.as_bytes()[i - 1] == b'\r' => Newline::CrLf,
            _ => Newline::Lf,
        }
    }
}

/// A decoded Python file: its text (without BOM) and what is needed to write it back.
#[derive(Debug, Clone)]
pub struct SourceText {
    pub text: String,
    pub bom: bool,
    pub newline: Newline,
    encoding: &'static Encoding,
}

impl SourceText {
    pub fn decode(bytes: &[u8]) -> Result<SourceText, DecodeError> {
        let (bom, body) = match bytes.strip_prefix(BOM) {
            Some(rest) => (true, rest),
            None => (false, bytes),
        };
        let encoding = match coding_declaration(body) {
            // A BOM wins over a declaration; Python rejects a BOM with a non-UTF-8 declaration anyway.
            Some(label) if !bom => Encoding::for_label(label.as_bytes())
                .ok_or_else(|| DecodeError::UnknownEncoding(label.to_string()))?,
            _ => encoding_rs::UTF_8,
        };
        let text = if encoding == encoding_rs::UTF_8 {
            std::str::from_utf8(body)
                .map_err(|e| DecodeError::InvalidUtf8(e.valid_up_to() + bom as usize * 3))?
                .to_string()
        } else {
            let (text, had_errors) = encoding.decode_without_bom_handling(body);
            if had_errors {
                return Err(DecodeError::Malformed(encoding.name()));
            }
            let (again, _, unmappable) = encoding.encode(&text);
            if unmappable || again.as_ref() != body {
                return Err(DecodeError::NoRoundTrip(encoding.name()));
            }
            text.into_owned()
        };
        // Text inserted at the top would go after it, leaving it mid-file, where Python
        // rejects it.
        if text.starts_with('\u{feff}') {
            return Err(DecodeError::SecondBom);
        }
        // Neither parses as Python here: tree-sitter reads NUL as the end of the text and a lone
        // CR as no line end at all. Say so rather than report a syntax error.
        if let Some(at) = memchr::memchr(0, text.as_bytes()) {
            return Err(DecodeError::Nul(at));
        }
        if let Some(at) = memchr::memchr_iter(b'\r', text.as_bytes())
            .find(|&at| text.as_bytes().get(at + 1) != Some(&b'\n'))
        {
            return Err(DecodeError::LoneCarriageReturn(at));
        }
        let newline = Newline::detect(&text);
        Ok(SourceText {
            text,
            bom,
            newline,
            encoding,
        })
    }

    /// The same file with `text` as its content, ready to be written.
    pub fn encode(&self, text: &str) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::with_capacity(text.len() + 3);
        if self.bom {
            out.extend_from_slice(BOM);
        }
        if self.encoding == encoding_rs::UTF_8 {
            out.extend_from_slice(text.as_bytes());
        } else {
            let (bytes, _, unmappable) = self.encoding.encode(text);
            if unmappable {
                return Err(EncodeError(self.encoding.name()));
            }
            out.extend_from_slice(&bytes);
        }
        Ok(out)
    }

    /// The text as a diff should show it: with the BOM, so that patches apply to the real bytes.
    pub fn display(&self, text: &str) -> String {
        if self.bom {
            format!("\u{feff}{text}")
        } else {
            text.to_string()
        }
    }

    /// Converts text written with `\n` to this file's newline convention.
    pub fn with_newlines<'a>(&self, inserted: &'a str) -> Cow<'a, str> {
        match self.newline {
            Newline::Lf => Cow::Borrowed(inserted),
            Newline::CrLf => Cow::Owned(inserted.replace("\r\n", "\n").replace('\n', "\r\n")),
        }
    }
}

/// The PEP 263 declaration in the first two lines, if any: `# -*- coding: latin-1 -*-`.
fn coding_declaration(body: &[u8]) -> Option<String> {
    let mut lines = body.split(|&b| b == b'\n');
    for _ in 0..2 {
        let line = lines.next()?;
        let trimmed = trim_ascii_start(line);
        if !trimmed.starts_with(b"#") {
            // Only a comment or blank first line lets the second line declare the coding.
            if trimmed.iter().all(|b| b.is_ascii_whitespace()) {
                continue;
            }
            return None;
        }
        if let Some(label) = coding_in_comment(trimmed) {
            return Some(label);
        }
    }
    None
}

fn trim_ascii_start(line: &[u8]) -> &[u8] {
    let start = line
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t' | b'\x0c'))
        .unwrap_or(line.len());
    &line[start..]
}

fn coding_in_comment(comment: &[u8]) -> Option<String> {
    let at = comment.windows(6).position(|w| w == b"coding")?;
    let rest = &comment[at + 6..];
    let rest = rest
        .strip_prefix(b":")
        .or_else(|| rest.strip_prefix(b"="))?;
    let rest = trim_ascii_start(rest);
    let end = rest
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')))
        .unwrap_or(rest.len());
    if end == 0 {
        return None;
    }
    let label = std::str::from_utf8(&rest[..end]).ok()?.to_ascii_lowercase();
    // Python spells these differently from the WHATWG labels encoding_rs knows.
    Some(match label.as_str() {
        "utf8" | "utf_8" | "utf-8-sig" => "utf-8".to_string(),
        "latin-1" | "latin_1" | "latin1" | "l1" | "iso8859-1" | "iso_8859_1" => {
            "iso-8859-1".to_string()
        }
        _ => label.replace('_', "-"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_bom_round_trips() {
        let bytes = b"\xEF\xBB\xBFx = 1\r\ny = 2\r\n";
        let src = SourceText::decode(bytes).unwrap();
        assert!(src.bom);
        assert_eq!(src.newline, Newline::CrLf);
        assert_eq!(src.text, "x = 1\r\ny = 2\r\n");
        assert_eq!(src.encode(&src.text).unwrap(), bytes);
    }

    #[test]
    fn latin1_declaration_round_trips() {
        let bytes = b"# -*- coding: latin-1 -*-\nname = '\xe9t\xe9'\n";
        let src = SourceText::decode(bytes).unwrap();
        assert!(src.text.contains("été"));
        assert_eq!(src.encode(&src.text).unwrap(), bytes);
    }

    #[test]
    fn declaration_on_second_line_only_after_comment() {
        assert_eq!(
            coding_declaration(b"#!/usr/bin/env python\n# coding=utf8\n"),
            Some("utf-8".into())
        );
        assert_eq!(coding_declaration(b"x = 1\n# coding: latin-1\n"), None);
    }

    #[test]
    fn invalid_utf8_names_the_byte() {
        assert_eq!(
            SourceText::decode(b"x = '\xff'\n").unwrap_err(),
            DecodeError::InvalidUtf8(5)
        );
    }

    #[test]
    fn nul_bytes_lone_carriage_returns_and_a_second_bom_are_refused() {
        assert_eq!(
            SourceText::decode(b"x = 1\n\0").unwrap_err(),
            DecodeError::Nul(6)
        );
        assert_eq!(
            SourceText::decode(b"x = 1\ry = 2\r\n").unwrap_err(),
            DecodeError::LoneCarriageReturn(5)
        );
        assert!(SourceText::decode(b"x = 1\r\n").is_ok());
        assert_eq!(
            SourceText::decode(b"\xEF\xBB\xBF\xEF\xBB\xBFx = 1\n").unwrap_err(),
            DecodeError::SecondBom
        );
    }

    #[test]
    fn crlf_conversion_does_not_double_carriage_returns() {
        let src = SourceText::decode(b"a\r\n").unwrap();
        assert_eq!(src.with_newlines("x\ny\r\nz"), "x\r\ny\r\nz");
    }
}
