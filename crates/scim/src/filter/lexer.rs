//! Tokens of the filter and path grammars (RFC 7644 §3.4.2.2, §3.5.2).
//!
//! The lexer knows no context: a *word* is any run of characters other than
//! white space, parentheses, brackets and `"`. The parser decides whether a
//! word is an attribute path, an operator, a keyword or a literal, because
//! the same characters appear in all of them (`urn:…:2.0:User:name.givenName`,
//! `2.5`, Entra's unquoted `jyoung` or `example.com`).

use super::FilterError;

/// One token and where it is in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token<'a> {
    pub(crate) kind: Kind<'a>,
    /// Byte offset of the first character.
    pub(crate) start: usize,
    /// Byte offset just past the last character.
    pub(crate) end: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind<'a> {
    Word(&'a str),
    /// A JSON string literal, escapes decoded.
    Str(String),
    LParen,
    RParen,
    LBracket,
    RBracket,
    End,
}

impl Token<'_> {
    /// How an error message names this token: `')'`, `"foo"`, `end of filter`.
    pub(crate) fn describe(&self) -> String {
        match &self.kind {
            Kind::Word(w) => format!("\"{}\"", shorten(w)),
            Kind::Str(s) => format!("string \"{}\"", shorten(s)),
            Kind::LParen => "'('".to_owned(),
            Kind::RParen => "')'".to_owned(),
            Kind::LBracket => "'['".to_owned(),
            Kind::RBracket => "']'".to_owned(),
            Kind::End => "end of filter".to_owned(),
        }
    }
}

/// At most 40 characters of `s`, so an error detail stays short whatever the input.
pub(crate) fn shorten(s: &str) -> String {
    const MAX: usize = 40;
    match s.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Lexer<'a> {
    src: &'a str,
    pos: usize,
}

fn is_word_char(c: char) -> bool {
    !(c.is_whitespace() || matches!(c, '(' | ')' | '[' | ']' | '"'))
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(src: &'a str) -> Self {
        Self { src, pos: 0 }
    }

    pub(crate) fn next_token(&mut self) -> Result<Token<'a>, FilterError> {
        let rest = &self.src[self.pos..];
        let trimmed = rest.trim_start();
        self.pos += rest.len() - trimmed.len();
        let start = self.pos;
        let Some(c) = trimmed.chars().next() else {
            return Ok(Token {
                kind: Kind::End,
                start,
                end: start,
            });
        };
        let kind = match c {
            '(' => Kind::LParen,
            ')' => Kind::RParen,
            '[' => Kind::LBracket,
            ']' => Kind::RBracket,
            '"' => {
                let (s, len) = string(trimmed, start)?;
                self.pos += len;
                return Ok(Token {
                    kind: Kind::Str(s),
                    start,
                    end: self.pos,
                });
            }
            _ => {
                let len = trimmed
                    .find(|c: char| !is_word_char(c))
                    .unwrap_or(trimmed.len());
                self.pos += len;
                return Ok(Token {
                    kind: Kind::Word(&trimmed[..len]),
                    start,
                    end: self.pos,
                });
            }
        };
        self.pos += 1;
        Ok(Token {
            kind,
            start,
            end: self.pos,
        })
    }
}

/// Decodes the JSON string (RFC 7159 §7) at the start of `s`, which begins
/// with `"` at byte `offset` of the whole text. Returns the value and the
/// number of bytes consumed, closing quote included.
fn string(s: &str, offset: usize) -> Result<(String, usize), FilterError> {
    let mut out = String::new();
    let mut chars = s.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((out, i + 1)),
            '\\' => {
                let Some((j, e)) = chars.next() else { break };
                let decoded = match e {
                    '"' => '"',
                    '\\' => '\\',
                    '/' => '/',
                    'b' => '\u{8}',
                    'f' => '\u{c}',
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    'u' => {
                        let (ch, used) = unicode_escape(&s[j + 1..], offset + i)?;
                        for _ in 0..used {
                            chars.next();
                        }
                        ch
                    }
                    other => {
                        return Err(FilterError::new(
                            offset + i,
                            format!("invalid escape \"\\{other}\" in string"),
                        ));
                    }
                };
                out.push(decoded);
            }
            // RFC 7159 §7: control characters must be escaped.
            c if c < '\u{20}' => {
                return Err(FilterError::new(offset + i, "control character in string"));
            }
            c => out.push(c),
        }
    }
    Err(FilterError::new(offset, "unterminated string starting"))
}

/// Decodes the 4 hex digits after `\u` (and a low surrogate escape after a
/// high one). `s` starts just after the `u`; `at` is the backslash's offset.
/// Returns the character and the number of characters consumed after the `u`.
fn unicode_escape(s: &str, at: usize) -> Result<(char, usize), FilterError> {
    let bad = || FilterError::new(at, "invalid \\u escape in string");
    let hex4 = |h: Option<&str>| {
        h.filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|h| u16::from_str_radix(h, 16).ok())
    };
    let high = hex4(s.get(..4)).ok_or_else(bad)?;
    if !(0xD800..0xE000).contains(&high) {
        return char::from_u32(u32::from(high))
            .map(|c| (c, 4))
            .ok_or_else(bad);
    }
    // A UTF-16 surrogate pair: `\uD83D\uDE00`.
    if high >= 0xDC00 || s.get(4..6) != Some("\\u") {
        return Err(bad());
    }
    let low = hex4(s.get(6..10)).ok_or_else(bad)?;
    if !(0xDC00..0xE000).contains(&low) {
        return Err(bad());
    }
    let code = 0x10000 + ((u32::from(high) - 0xD800) << 10) + (u32::from(low) - 0xDC00);
    char::from_u32(code).map(|c| (c, 10)).ok_or_else(bad)
}

/// Writes `s` as a JSON string literal.
pub(crate) fn write_json_string(f: &mut impl std::fmt::Write, s: &str) -> std::fmt::Result {
    f.write_char('"')?;
    for c in s.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            c if c < '\u{20}' => write!(f, "\\u{:04x}", u32::from(c))?,
            c => f.write_char(c)?,
        }
    }
    f.write_char('"')
}
