//! The SCIM filter language of RFC 7644 §3.4.2.2.
//!
//! A filter goes through two states (docs/style.md §7):
//!
//! 1. [`Filter::parse`] turns text into a [`Filter<Unchecked>`]: a syntax tree of
//!    [`Expr`] whose attribute names are kept as written. Parsing is bounded
//!    ([`MAX_LENGTH`], [`MAX_DEPTH`], [`MAX_COMPARISONS`]), never panics and reports
//!    errors with a byte position ([`FilterError`]).
//! 2. [`Filter::check`] resolves every name against the schema of a resource type
//!    and types every value, giving a [`Filter<Checked>`] of [`CheckedExpr`]: the
//!    only filter the store translates to SQL, and the one [`Filter::matches`]
//!    evaluates in memory.
//!
//! Tolerances the identity providers need (docs/idp-wire.md EN-3, §5.3, §8.3):
//! unquoted values (`externalId eq jyoung`), case-insensitive operators and
//! keywords, `emails[type eq "work"].value eq "x"`, and `roles[primary eq "True"]`.

mod check;
mod eval;
mod lexer;
mod parser;
mod print;

#[cfg(test)]
mod check_tests;
#[cfg(test)]
mod eval_tests;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use std::fmt;
use std::str::FromStr;

use time::OffsetDateTime;

use crate::schema::AttrType;
use crate::{Error, ScimType};

pub use crate::path::AttrPath;
pub use check::check_value_filter;
pub(crate) use parser::{PathErrorPart, attr_path, parse_patch_path};

/// The longest filter accepted, in bytes. Okta and Entra send a single
/// comparison or two joined by `and`; anything near this size is hostile.
pub const MAX_LENGTH: usize = 4096;
/// The deepest nesting accepted: each `(`, `not (` and value filter `[` is a level.
pub const MAX_DEPTH: usize = 32;
/// The most comparisons (`attrExp`, `pr` included) one filter may hold.
pub const MAX_COMPARISONS: usize = 200;

/// A filter in state `S`: [`Unchecked`] straight from the parser, or
/// [`Checked`] against a resource type's schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter<S: State = Unchecked> {
    root: S::Root,
}

/// The states of a [`Filter`]; sealed, so only [`Unchecked`] and [`Checked`] exist.
pub trait State: sealed::Sealed {
    /// What a filter in this state holds.
    type Root: fmt::Debug + Clone + PartialEq;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Unchecked {}
    impl Sealed for super::Checked {}
}

/// A filter as parsed: syntactically valid, names and values not yet checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unchecked {}

/// A filter whose names resolved against a schema and whose values fit the
/// attributes' types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checked {}

impl State for Unchecked {
    type Root = Expr;
}

impl State for Checked {
    type Root = CheckedRoot;
}

/// The contents of a [`Filter<Checked>`].
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedRoot {
    expr: CheckedExpr,
    scope: Scope,
}

/// What a checked filter is evaluated against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// A whole resource (a `filter` query parameter), from [`Filter::check`].
    Resource,
    /// One element of a multi-valued complex attribute (the `[...]` of a PATCH
    /// path), from [`check_value_filter`].
    Element,
}

impl Filter<Unchecked> {
    /// Parses a filter (RFC 7644 §3.4.2.2). The text is the already URL-decoded
    /// `filter` parameter (`+` is a space there, not here).
    pub fn parse(text: &str) -> Result<Self, FilterError> {
        parser::parse_filter(text).map(Self::new)
    }

    /// Wraps a syntax tree built by hand.
    pub fn new(expr: Expr) -> Self {
        Self { root: expr }
    }

    /// The syntax tree.
    pub fn expr(&self) -> &Expr {
        &self.root
    }

    /// Takes the syntax tree out.
    pub fn into_expr(self) -> Expr {
        self.root
    }
}

impl FromStr for Filter<Unchecked> {
    type Err = FilterError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for Filter<Unchecked> {
    /// Canonical text: lower-case operators, quoted strings, the fewest
    /// parentheses; [`Filter::parse`] gives back an equal tree.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.root, f)
    }
}

impl Filter<Checked> {
    pub(crate) fn checked(expr: CheckedExpr, scope: Scope) -> Self {
        Self {
            root: CheckedRoot { expr, scope },
        }
    }

    /// The checked tree, for translation to SQL.
    pub fn expr(&self) -> &CheckedExpr {
        &self.root.expr
    }

    /// Whether the filter applies to whole resources or to elements of a
    /// multi-valued attribute.
    pub fn scope(&self) -> Scope {
        self.root.scope
    }

    /// Every comparison and presence test in the filter, in text order, with
    /// whether it sits inside a value filter (`emails[...]`).
    pub fn leaves(&self) -> Vec<Leaf<'_>> {
        let mut out = Vec::new();
        self.root.expr.collect_leaves(false, &mut out);
        out
    }
}

/// A filter parse error: where, in bytes from the start of the text (0-based), and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    /// Byte offset of the offending token in the filter text.
    pub position: usize,
    /// A short description, written for the admin reading it in Okta or Entra.
    pub message: String,
}

impl FilterError {
    pub(crate) fn new(position: usize, message: impl Into<String>) -> Self {
        Self {
            position,
            message: message.into(),
        }
    }
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at position {}", self.message, self.position)
    }
}

impl std::error::Error for FilterError {}

impl From<FilterError> for Error {
    /// RFC 7644 §3.12: a filter that does not follow Figure 1 is 400 `invalidFilter`.
    fn from(e: FilterError) -> Self {
        Error::bad_request(ScimType::InvalidFilter, format!("invalid filter: {e}"))
    }
}

/// A comparison operator (RFC 7644 §3.4.2.2, table 3), `pr` apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    /// `eq`: equal.
    Eq,
    /// `ne`: not equal.
    Ne,
    /// `co`: contains.
    Co,
    /// `sw`: starts with.
    Sw,
    /// `ew`: ends with.
    Ew,
    /// `gt`: greater than.
    Gt,
    /// `ge`: greater than or equal.
    Ge,
    /// `lt`: less than.
    Lt,
    /// `le`: less than or equal.
    Le,
}

impl CompareOp {
    /// Every operator.
    pub const ALL: [CompareOp; 9] = [
        Self::Eq,
        Self::Ne,
        Self::Co,
        Self::Sw,
        Self::Ew,
        Self::Gt,
        Self::Ge,
        Self::Lt,
        Self::Le,
    ];

    /// The canonical (lower-case) spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eq => "eq",
            Self::Ne => "ne",
            Self::Co => "co",
            Self::Sw => "sw",
            Self::Ew => "ew",
            Self::Gt => "gt",
            Self::Ge => "ge",
            Self::Lt => "lt",
            Self::Le => "le",
        }
    }

    /// The operator spelled `s`, ignoring ASCII case (RFC 5234 §2.3: ABNF
    /// strings are case-insensitive; RFC 7644 §3.4.2.2 examples use lower case).
    pub fn from_keyword(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|op| op.as_str().eq_ignore_ascii_case(s))
    }

    /// Whether this is `gt`, `ge`, `lt` or `le`.
    pub fn is_ordering(self) -> bool {
        matches!(self, Self::Gt | Self::Ge | Self::Lt | Self::Le)
    }

    /// Whether this is `co`, `sw` or `ew`.
    pub fn is_substring(self) -> bool {
        matches!(self, Self::Co | Self::Sw | Self::Ew)
    }
}

impl fmt::Display for CompareOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A parsed filter expression (RFC 7644 §3.4.2.2, figure 1).
///
/// `and` and `or` are binary and left-associative as parsed; `a and b and c`
/// is `And(And(a, b), c)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    /// `attrPath compareOp compValue`.
    Compare {
        /// The attribute, as written.
        path: AttrPath,
        /// The operator.
        op: CompareOp,
        /// The literal.
        value: CompValue,
    },
    /// `attrPath pr`.
    Present(AttrPath),
    /// `not (FILTER)`.
    Not(Box<Expr>),
    /// `FILTER and FILTER`.
    And(Box<Expr>, Box<Expr>),
    /// `FILTER or FILTER`.
    Or(Box<Expr>, Box<Expr>),
    /// `attrPath[valFilter]`: some element of the multi-valued complex
    /// attribute `attr` matches `filter`, whose names are sub-attributes of
    /// `attr`. `attr` never has a sub-attribute and `filter` never holds
    /// another value path (RFC 7644 §3.4.2.2; errata 4690).
    ValuePath {
        /// The multi-valued complex attribute.
        attr: AttrPath,
        /// The filter applied to each of its elements.
        filter: Box<Expr>,
    },
}

/// A comparison literal: `compValue = false / null / true / number / string`
/// (RFC 7644 §3.4.2.2, with the JSON rules of RFC 7159).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompValue {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A JSON number, kept as written.
    Number(JsonNumber),
    /// A JSON string (escapes decoded), or an unquoted word that is no other
    /// literal: Entra sends `externalId eq jyoung` (docs/idp-wire.md EN-3).
    String(String),
}

/// A JSON number (RFC 7159 §6), kept as its text so printing gives it back
/// unchanged and the checker decides whether it is an integer or a decimal.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct JsonNumber(String);

impl JsonNumber {
    /// `s` if it follows the JSON number grammar
    /// `[ "-" ] ( "0" / 1-9 *DIGIT ) [ "." 1*DIGIT ] [ ( "e" / "E" ) [ "+" / "-" ] 1*DIGIT ]`.
    pub fn parse(s: &str) -> Option<Self> {
        is_json_number(s).then(|| Self(s.to_owned()))
    }

    /// The number as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The value as an integer, if it is written without fraction or exponent
    /// and fits.
    pub fn as_i64(&self) -> Option<i64> {
        self.0.parse().ok()
    }

    /// The value as a finite decimal.
    pub fn as_f64(&self) -> Option<f64> {
        self.0.parse::<f64>().ok().filter(|f| f.is_finite())
    }
}

impl fmt::Display for JsonNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn is_json_number(s: &str) -> bool {
    fn digits(b: &[u8], mut i: usize) -> usize {
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        i
    }
    let b = s.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i = digits(b, i + 1),
        _ => return false,
    }
    if b.get(i) == Some(&b'.') {
        let j = digits(b, i + 1);
        if j == i + 1 {
            return false;
        }
        i = j;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let j = digits(b, i);
        if j == i {
            return false;
        }
        i = j;
    }
    i == b.len()
}

/// An attribute reference after checking: canonical names from the schema and
/// the characteristics that govern comparison (RFC 7643 §2.2, §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckedAttr {
    /// The URN of the schema defining the attribute (its canonical spelling),
    /// or `""` for the common attributes `id`, `externalId` and `meta`
    /// (RFC 7643 §3.1), as [`crate::schema::Resolved`] has it.
    pub schema: &'static str,
    /// The top-level attribute's name as the schema spells it.
    pub name: &'static str,
    /// The sub-attribute's name as the schema spells it. Inside a value
    /// filter this is the element's sub-attribute (`type` in `emails[type eq "work"]`).
    pub sub: Option<&'static str>,
    /// The type of the named attribute (the sub-attribute if any).
    pub ty: AttrType,
    /// Whether string comparisons respect case (RFC 7643 §7 "caseExact").
    pub case_exact: bool,
    /// Whether the path can yield several values (the attribute or its
    /// sub-attribute is multi-valued); the comparison then matches if any value does.
    pub multi_valued: bool,
}

/// A typed comparison value, checked against the attribute's type.
#[derive(Debug, Clone, PartialEq)]
pub enum TypedValue {
    /// For string, reference and binary attributes.
    String(String),
    /// For boolean attributes.
    Boolean(bool),
    /// For integer attributes.
    Integer(i64),
    /// For decimal attributes; always finite.
    Decimal(f64),
    /// For dateTime attributes (RFC 3339, RFC 7643 §2.3.5).
    DateTime(OffsetDateTime),
}

/// A checked comparison `attr op value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The attribute compared.
    pub attr: CheckedAttr,
    /// The operator; allowed for the attribute's type.
    pub op: CompareOp,
    /// The value, of the attribute's type.
    pub value: TypedValue,
}

/// A checked filter expression. Comparisons with `null` are gone: `a eq null`
/// became `not (a pr)` and `a ne null` became `a pr`.
#[derive(Debug, Clone, PartialEq)]
pub enum CheckedExpr {
    /// A comparison.
    Compare(Comparison),
    /// `attr pr`: the attribute has a non-empty value (RFC 7644 §3.4.2.2).
    Present(CheckedAttr),
    /// Negation.
    Not(Box<CheckedExpr>),
    /// Conjunction.
    And(Box<CheckedExpr>, Box<CheckedExpr>),
    /// Disjunction.
    Or(Box<CheckedExpr>, Box<CheckedExpr>),
    /// Some element of the complex attribute `attr` (`sub` is `None`) matches
    /// `filter`, whose leaves all name `attr` with a sub-attribute: the same
    /// element must satisfy all of them.
    ValuePath {
        /// The complex attribute.
        attr: CheckedAttr,
        /// The filter each element is tested with.
        filter: Box<CheckedExpr>,
    },
}

/// One comparison or presence test of a checked filter, from [`Filter::leaves`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Leaf<'a> {
    /// A comparison.
    Compare {
        /// The comparison.
        comparison: &'a Comparison,
        /// Whether it sits inside a value filter.
        in_value_filter: bool,
    },
    /// A presence test.
    Present {
        /// The attribute tested.
        attr: &'a CheckedAttr,
        /// Whether it sits inside a value filter.
        in_value_filter: bool,
    },
}

impl CheckedExpr {
    fn collect_leaves<'a>(&'a self, in_value_filter: bool, out: &mut Vec<Leaf<'a>>) {
        match self {
            Self::Compare(comparison) => out.push(Leaf::Compare {
                comparison,
                in_value_filter,
            }),
            Self::Present(attr) => out.push(Leaf::Present {
                attr,
                in_value_filter,
            }),
            Self::Not(e) => e.collect_leaves(in_value_filter, out),
            Self::And(a, b) | Self::Or(a, b) => {
                a.collect_leaves(in_value_filter, out);
                b.collect_leaves(in_value_filter, out);
            }
            Self::ValuePath { filter, .. } => filter.collect_leaves(true, out),
        }
    }
}
