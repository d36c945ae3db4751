//! A recursive-descent parser for RFC 7644 §3.4.2.2 (figure 1) and the PATCH
//! path of §3.5.2 (figure 7).
//!
//! Precedence, loosest first: `or`, `and`, then `not (…)`, `(…)` and attribute
//! expressions (§3.4.2.2 "not" over "and" over "or"; errata 4670 on where
//! attribute operators sit). `and`/`or` chains are parsed by loops; only
//! `(`, `not (` and `[` recurse, and each counts against [`MAX_DEPTH`], so the
//! stack stays bounded whatever the input.

use super::lexer::{Kind, Lexer, Token, shorten};
use super::{
    AttrPath, CompValue, CompareOp, Expr, FilterError, JsonNumber, MAX_COMPARISONS, MAX_DEPTH,
    MAX_LENGTH,
};

/// Parses a whole filter.
pub(crate) fn parse_filter(src: &str) -> Result<Expr, FilterError> {
    let mut p = Parser::new(src, "filter")?;
    if p.peek()?.kind == Kind::End {
        return Err(FilterError::new(p.peek()?.start, "empty filter"));
    }
    let expr = p.parse_or(false)?;
    p.expect_end()?;
    Ok(expr)
}

/// A PATCH path split into its parts; see [`crate::path::PatchPath`].
pub(crate) struct RawPatchPath {
    pub(crate) attr: AttrPath,
    pub(crate) filter: Option<Expr>,
    pub(crate) sub: Option<String>,
}

/// Where a PATCH path error was found: RFC 7644 §3.12 gives errors inside the
/// `[...]` value filter `invalidFilter`, and the rest of the path `invalidPath`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PathErrorPart {
    Path,
    Filter,
}

/// Parses `PATH = attrPath / valuePath [subAttr]` (RFC 7644 §3.5.2, figure 7).
pub(crate) fn parse_patch_path(src: &str) -> Result<RawPatchPath, (FilterError, PathErrorPart)> {
    let path_err = |e| (e, PathErrorPart::Path);
    let mut p = Parser::new(src, "path").map_err(path_err)?;
    let tok = p.next().map_err(path_err)?;
    let Kind::Word(word) = tok.kind else {
        let what = if tok.kind == Kind::End {
            "empty path".to_owned()
        } else {
            format!("unexpected {}", tok.describe())
        };
        return Err(path_err(FilterError::new(tok.start, what)));
    };
    let attr = attr_path(word, tok.start).map_err(path_err)?;
    let mut filter = None;
    let mut sub = None;
    let after = p.peek().map_err(path_err)?.clone();
    if after.kind == Kind::LBracket && after.start == tok.end {
        p.next().map_err(path_err)?;
        no_sub_before_bracket(&attr, after.start).map_err(path_err)?;
        let (inner, close) = p.value_filter(after.start).map_err(|e| {
            // An unclosed '[' is a malformed path; anything inside, a bad filter.
            let part = if e.position == after.start {
                PathErrorPart::Path
            } else {
                PathErrorPart::Filter
            };
            (e, part)
        })?;
        filter = Some(inner);
        if let Some((s, _)) = p.adjacent_sub(close).map_err(path_err)? {
            sub = Some(s);
        }
    }
    p.expect_end().map_err(path_err)?;
    Ok(RawPatchPath { attr, filter, sub })
}

struct Parser<'a> {
    lexer: Lexer<'a>,
    peeked: Option<Token<'a>>,
    depth: usize,
    comparisons: usize,
}

impl<'a> Parser<'a> {
    /// A parser for `src`, a filter or a path as `what` says.
    fn new(src: &'a str, what: &str) -> Result<Self, FilterError> {
        if src.len() > MAX_LENGTH {
            // Point at the first character that does not fit.
            let at = (0..=MAX_LENGTH)
                .rev()
                .find(|&i| src.is_char_boundary(i))
                .unwrap_or(0);
            return Err(FilterError::new(
                at,
                format!("{what} is longer than {MAX_LENGTH} bytes"),
            ));
        }
        Ok(Self {
            lexer: Lexer::new(src),
            peeked: None,
            depth: 0,
            comparisons: 0,
        })
    }

    fn peek(&mut self) -> Result<&Token<'a>, FilterError> {
        let tok = match self.peeked.take() {
            Some(t) => t,
            None => self.lexer.next_token()?,
        };
        Ok(self.peeked.insert(tok))
    }

    fn next(&mut self) -> Result<Token<'a>, FilterError> {
        match self.peeked.take() {
            Some(t) => Ok(t),
            None => self.lexer.next_token(),
        }
    }

    fn expect_end(&mut self) -> Result<(), FilterError> {
        let tok = self.next()?;
        if tok.kind == Kind::End {
            Ok(())
        } else {
            Err(unexpected(&tok))
        }
    }

    fn enter(&mut self, at: usize) -> Result<(), FilterError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(FilterError::new(
                at,
                format!("filter nests deeper than {MAX_DEPTH} levels"),
            ));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// Whether the next token is the keyword `kw` (`and`, `or`), in any case.
    fn at_keyword(&mut self, kw: &str) -> Result<bool, FilterError> {
        Ok(matches!(self.peek()?.kind, Kind::Word(w) if w.eq_ignore_ascii_case(kw)))
    }

    /// `FILTER`: terms joined by `or`.
    fn parse_or(&mut self, in_value: bool) -> Result<Expr, FilterError> {
        let mut lhs = self.parse_and(in_value)?;
        while self.at_keyword("or")? {
            self.next()?;
            let rhs = self.parse_and(in_value)?;
            lhs = Expr::Or(Box::new(lhs), Box::new(rhs));
        }
        Ok(lhs)
    }

    /// Terms joined by `and`, which binds tighter than `or`.
    fn parse_and(&mut self, in_value: bool) -> Result<Expr, FilterError> {
        let mut lhs = self.parse_term(in_value)?;
        while self.at_keyword("and")? {
            self.next()?;
            let rhs = self.parse_term(in_value)?;
            lhs = Expr::And(Box::new(lhs), Box::new(rhs));
        }
        Ok(lhs)
    }

    /// `(FILTER)`, `not (FILTER)`, `attrExp` or `valuePath`.
    fn parse_term(&mut self, in_value: bool) -> Result<Expr, FilterError> {
        let tok = self.next()?;
        match tok.kind {
            Kind::LParen => self.parenthesised(tok.start, in_value),
            Kind::Word(w) if w.eq_ignore_ascii_case("not") && self.not_is_keyword()? => {
                let open = self.next()?;
                if open.kind != Kind::LParen {
                    // RFC 7644 §3.4.2.2: `*1"not" "(" FILTER ")"`: not needs parentheses.
                    return Err(FilterError::new(
                        open.start,
                        format!("expected '(' after \"not\", found {}", open.describe()),
                    ));
                }
                let inner = self.parenthesised(open.start, in_value)?;
                Ok(Expr::Not(Box::new(inner)))
            }
            Kind::Word(w) => self.attr_expr(w, &tok, in_value),
            _ => Err(unexpected(&tok)),
        }
    }

    /// After the word `not`: whether it is the keyword rather than an
    /// attribute called `not` (which an operator or `[` would follow).
    fn not_is_keyword(&mut self) -> Result<bool, FilterError> {
        Ok(match self.peek()?.kind {
            Kind::LBracket => false,
            Kind::Word(w) => CompareOp::from_keyword(w).is_none() && !w.eq_ignore_ascii_case("pr"),
            _ => true,
        })
    }

    /// The rest of `( FILTER )` after the `(` at `open`.
    fn parenthesised(&mut self, open: usize, in_value: bool) -> Result<Expr, FilterError> {
        self.enter(open)?;
        let inner = self.parse_or(in_value)?;
        let close = self.next()?;
        match close.kind {
            Kind::RParen => {}
            Kind::End => return Err(FilterError::new(open, "unclosed '('")),
            _ => return Err(unexpected(&close)),
        }
        self.leave();
        Ok(inner)
    }

    /// The rest of `[ valFilter ]` after the `[` at `open`; returns the filter
    /// and the end offset of the `]`.
    fn value_filter(&mut self, open: usize) -> Result<(Expr, usize), FilterError> {
        self.enter(open)?;
        let inner = self.parse_or(true)?;
        let close = self.next()?;
        match close.kind {
            Kind::RBracket => {}
            Kind::End => return Err(FilterError::new(open, "unclosed '['")),
            _ => return Err(unexpected(&close)),
        }
        self.leave();
        Ok((inner, close.end))
    }

    /// A `.subAttr` word written right after the `]` ending at `close`: the
    /// name and the end offset of the word.
    fn adjacent_sub(&mut self, close: usize) -> Result<Option<(String, usize)>, FilterError> {
        let tok = self.peek()?;
        let Kind::Word(w) = tok.kind else {
            return Ok(None);
        };
        if tok.start != close || !w.starts_with('.') {
            return Ok(None);
        }
        let (start, end) = (tok.start, tok.end);
        self.next()?;
        let name = &w[1..];
        if is_attr_name(name) {
            Ok(Some((name.to_owned(), end)))
        } else {
            Err(FilterError::new(
                start,
                format!("invalid sub-attribute \"{}\"", shorten(w)),
            ))
        }
    }

    /// `attrPath SP "pr"`, `attrPath SP compareOp SP compValue` or `valuePath`,
    /// the attribute path being `word`.
    fn attr_expr(
        &mut self,
        word: &str,
        tok: &Token<'_>,
        in_value: bool,
    ) -> Result<Expr, FilterError> {
        let path = attr_path(word, tok.start)?;
        let next = self.peek()?.clone();
        if next.kind != Kind::LBracket || next.start != tok.end {
            return self.comparison(path, tok.end);
        }
        if in_value {
            // RFC 7644 §3.4.2.2 errata 4690: value paths do not nest.
            return Err(FilterError::new(
                next.start,
                "value filters cannot be nested",
            ));
        }
        self.next()?;
        no_sub_before_bracket(&path, next.start)?;
        let (inner, close) = self.value_filter(next.start)?;
        match self.adjacent_sub(close)? {
            // Entra matches on `emails[type eq "work"].value eq "x"`
            // (docs/idp-wire.md EN-3), which figure 1 does not allow: a
            // valuePath is a whole filter. It means "some work email has
            // that value", so it becomes `emails[type eq "work" and value eq "x"]`.
            Some((sub, end)) => {
                let cmp = self.comparison(AttrPath::new(sub), end)?;
                Ok(Expr::ValuePath {
                    attr: path,
                    filter: Box::new(Expr::And(Box::new(inner), Box::new(cmp))),
                })
            }
            None => Ok(Expr::ValuePath {
                attr: path,
                filter: Box::new(inner),
            }),
        }
    }

    /// The operator and value after `path`, which ends at `path_end`.
    fn comparison(&mut self, path: AttrPath, path_end: usize) -> Result<Expr, FilterError> {
        let tok = self.next()?;
        let Kind::Word(word) = tok.kind else {
            let at = if tok.kind == Kind::End {
                path_end
            } else {
                tok.start
            };
            return Err(FilterError::new(
                at,
                format!(
                    "expected an operator after \"{}\", found {}",
                    shorten(&path.to_string()),
                    tok.describe()
                ),
            ));
        };
        self.comparisons += 1;
        if self.comparisons > MAX_COMPARISONS {
            return Err(FilterError::new(
                tok.start,
                format!("filter has more than {MAX_COMPARISONS} comparisons"),
            ));
        }
        if word.eq_ignore_ascii_case("pr") {
            return Ok(Expr::Present(path));
        }
        let Some(op) = CompareOp::from_keyword(word) else {
            return Err(FilterError::new(
                tok.start,
                format!("unknown operator \"{}\"", shorten(word)),
            ));
        };
        let value_tok = self.next()?;
        let value = match value_tok.kind {
            Kind::Str(s) => CompValue::String(s),
            Kind::Word(w) => bare_value(w),
            _ => {
                let at = if value_tok.kind == Kind::End {
                    tok.end
                } else {
                    value_tok.start
                };
                return Err(FilterError::new(
                    at,
                    format!(
                        "expected a value after \"{word}\", found {}",
                        value_tok.describe()
                    ),
                ));
            }
        };
        Ok(Expr::Compare { path, op, value })
    }
}

fn unexpected(tok: &Token<'_>) -> FilterError {
    FilterError::new(tok.start, format!("unexpected {}", tok.describe()))
}

fn no_sub_before_bracket(path: &AttrPath, at: usize) -> Result<(), FilterError> {
    if path.sub.is_some() {
        // Sub-attributes are never multi-valued complex (RFC 7643 §2.3.8), so
        // a value filter after one could never match anything.
        return Err(FilterError::new(
            at,
            format!(
                "'[' must follow an attribute, not the sub-attribute \"{}\"",
                shorten(&path.to_string())
            ),
        ));
    }
    Ok(())
}

/// An unquoted literal. `true`, `false` and `null` in any case (RFC 5234
/// §2.3), a JSON number, or else a string: Entra's `externalId eq jyoung` and
/// the reference suite's `emails.Value co example.com` (docs/idp-wire.md EN-3, §5.3).
fn bare_value(w: &str) -> CompValue {
    if w.eq_ignore_ascii_case("true") {
        CompValue::Bool(true)
    } else if w.eq_ignore_ascii_case("false") {
        CompValue::Bool(false)
    } else if w.eq_ignore_ascii_case("null") {
        CompValue::Null
    } else if let Some(n) = JsonNumber::parse(w) {
        CompValue::Number(n)
    } else {
        CompValue::String(w.to_owned())
    }
}

/// `ATTRNAME = ALPHA *(nameChar)`, `nameChar = "-" / "_" / DIGIT / ALPHA`, or
/// `$ref` (RFC 7643 §2.1, which also names `$ref` for references).
pub(crate) fn is_attr_name(s: &str) -> bool {
    let mut b = s.bytes();
    match b.next() {
        Some(c) if c.is_ascii_alphabetic() => {
            b.all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        }
        _ => s == "$ref",
    }
}

/// A URI as the schema prefix of an attribute (RFC 3986 appendix A, loosely):
/// a scheme, `:`, then URI characters. Whether it names a known schema is for
/// the checker to say.
fn is_uri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let mut sb = scheme.bytes();
    sb.next().is_some_and(|c| c.is_ascii_alphabetic())
        && sb.all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'))
        && !rest.is_empty()
        && rest
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"-._~:/?#@!$&'*+,;=%".contains(&c))
}

/// `attrPath = [URI ":"] ATTRNAME *1subAttr` (RFC 7644 §3.4.2.2). The URI is
/// everything up to the last `:`; `word` starts at byte `at`.
pub(crate) fn attr_path(word: &str, at: usize) -> Result<AttrPath, FilterError> {
    let invalid = || FilterError::new(at, format!("invalid attribute name \"{}\"", shorten(word)));
    let (urn, rest) = match word.rfind(':') {
        Some(i) => {
            let urn = &word[..i];
            if !is_uri(urn) {
                return Err(invalid());
            }
            (Some(urn.to_owned()), &word[i + 1..])
        }
        None => (None, word),
    };
    let (name, sub) = match rest.split_once('.') {
        Some((name, sub)) => (name, Some(sub)),
        None => (rest, None),
    };
    if !is_attr_name(name) || sub.is_some_and(|s| !is_attr_name(s)) {
        return Err(invalid());
    }
    Ok(AttrPath {
        urn,
        name: name.to_owned(),
        sub: sub.map(str::to_owned),
    })
}
