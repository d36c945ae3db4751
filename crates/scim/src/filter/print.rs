//! Canonical text of filters: lower-case keywords, JSON literals, and only the
//! parentheses the tree needs, so that parsing the text gives the same tree.

use std::fmt;

use super::lexer::write_json_string;
use super::{CompValue, Expr};

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Compare { path, op, value } => write!(f, "{path} {op} {value}"),
            Self::Present(path) => write!(f, "{path} pr"),
            Self::Not(e) => write!(f, "not ({e})"),
            // Trees are left-associative as parsed: a right operand of the
            // same operator, and an `or` under an `and`, need parentheses.
            Self::And(a, b) => {
                operand(f, a, matches!(**a, Self::Or(..)))?;
                f.write_str(" and ")?;
                operand(f, b, matches!(**b, Self::Or(..) | Self::And(..)))
            }
            Self::Or(a, b) => {
                operand(f, a, false)?;
                f.write_str(" or ")?;
                operand(f, b, matches!(**b, Self::Or(..)))
            }
            Self::ValuePath { attr, filter } => write!(f, "{attr}[{filter}]"),
        }
    }
}

fn operand(f: &mut fmt::Formatter<'_>, e: &Expr, parenthesise: bool) -> fmt::Result {
    if parenthesise {
        write!(f, "({e})")
    } else {
        write!(f, "{e}")
    }
}

impl fmt::Display for CompValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Null => f.write_str("null"),
            Self::Bool(b) => write!(f, "{b}"),
            Self::Number(n) => write!(f, "{n}"),
            Self::String(s) => write_json_string(f, s),
        }
    }
}
