//! Checking a parsed filter against a schema: `Filter<Unchecked>` →
//! `Filter<Checked>` (docs/style.md §7).
//!
//! Every name is resolved with [`schema::resolve`] (ignoring case, RFC 7643
//! §2.1) and replaced by the schema's spelling; every literal is typed by the
//! attribute it is compared with; operator and type combinations RFC 7644
//! §3.4.2.2 forbids are refused. All failures are 400 `invalidFilter`
//! (RFC 7644 §3.12: "the specified attribute and filter comparison
//! combination is not supported").

use std::ptr;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{
    CheckedAttr, CheckedExpr, CompValue, CompareOp, Comparison, Expr, Filter, Scope, TypedValue,
    Unchecked,
};
use crate::path::AttrPath;
use crate::schema::{self, AttrType, Attribute, Resolved, ResourceKind, Returned};
use crate::{Error, ScimType};

impl Filter<Unchecked> {
    /// Checks the filter against the schemas of `kind` (its core schema, the
    /// common attributes and its extensions).
    pub fn check(self, kind: ResourceKind) -> Result<Filter<super::Checked>, Error> {
        let expr = check_expr(self.into_expr(), Ctx::Resource(kind))?;
        Ok(Filter::checked(expr, Scope::Resource))
    }
}

/// Checks the value filter of a PATCH path (`members[value eq "x"]`,
/// `emails[type eq "work"]`) against the sub-attributes of `parent`, the
/// complex attribute the path names. The result has [`Scope::Element`]:
/// [`Filter::matches`] tests one element of `parent` with it.
pub fn check_value_filter(
    filter: Filter<Unchecked>,
    parent: &'static Attribute,
) -> Result<Filter<super::Checked>, Error> {
    if !parent.is_complex() {
        return Err(no_sub_attributes(parent.name));
    }
    let expr = check_expr(
        filter.into_expr(),
        Ctx::Element {
            schema: owning_schema(parent),
            parent,
        },
    )?;
    Ok(Filter::checked(expr, Scope::Element))
}

/// The URN of the published schema that defines the top-level attribute
/// `parent`, or `""` (the common attributes' convention, see
/// [`schema::Resolved`]) when there is none.
fn owning_schema(parent: &'static Attribute) -> &'static str {
    schema::SCHEMAS
        .iter()
        .find(|s| s.attributes.iter().any(|a| ptr::eq(a, parent)))
        .map_or("", |s| s.id)
}

/// Where names are looked up.
#[derive(Clone, Copy)]
enum Ctx {
    /// Top-level names of a resource type.
    Resource(ResourceKind),
    /// Sub-attributes of `parent`, inside `parent[...]`.
    Element {
        schema: &'static str,
        parent: &'static Attribute,
    },
}

fn invalid(detail: String) -> Error {
    Error::bad_request(ScimType::InvalidFilter, detail)
}

fn no_sub_attributes(name: &str) -> Error {
    invalid(format!(
        "attribute \"{name}\" has no sub-attributes to filter with '[...]'"
    ))
}

fn check_expr(e: Expr, ctx: Ctx) -> Result<CheckedExpr, Error> {
    Ok(match e {
        Expr::Compare { path, op, value } => compare(&path, op, value, ctx)?,
        Expr::Present(path) => CheckedExpr::Present(checked_attr(&resolve(&path, ctx)?, ctx)),
        Expr::Not(e) => CheckedExpr::Not(Box::new(check_expr(*e, ctx)?)),
        Expr::And(a, b) => CheckedExpr::And(
            Box::new(check_expr(*a, ctx)?),
            Box::new(check_expr(*b, ctx)?),
        ),
        Expr::Or(a, b) => CheckedExpr::Or(
            Box::new(check_expr(*a, ctx)?),
            Box::new(check_expr(*b, ctx)?),
        ),
        Expr::ValuePath { attr, filter } => {
            if matches!(ctx, Ctx::Element { .. }) {
                return Err(invalid("value filters cannot be nested".to_owned()));
            }
            let parent = resolve(&attr, ctx)?;
            if parent.sub.is_some() || !parent.attribute.is_complex() {
                return Err(no_sub_attributes(&attr.to_string()));
            }
            let inner = Ctx::Element {
                schema: parent.schema,
                parent: parent.attribute,
            };
            CheckedExpr::ValuePath {
                attr: checked_attr(&parent, ctx),
                filter: Box::new(check_expr(*filter, inner)?),
            }
        }
    })
}

/// Resolves `path` in `ctx`; refuses unknown names and attributes that are
/// never returned (RFC 7643 §7: a filter on `password` would reveal it).
fn resolve(path: &AttrPath, ctx: Ctx) -> Result<Resolved, Error> {
    let resolved = match ctx {
        Ctx::Resource(kind) => {
            schema::resolve(kind, path.urn.as_deref(), &path.name, path.sub.as_deref())
        }
        // RFC 7644 §3.4.2.2: "FILTER uses sub-attributes of a parent attrPath".
        Ctx::Element { schema, parent } if path.urn.is_none() && path.sub.is_none() => {
            parent.sub_attribute(&path.name).map(|sub| Resolved {
                schema,
                attribute: parent,
                sub: Some(sub),
            })
        }
        Ctx::Element { .. } => None,
    };
    let Some(resolved) = resolved else {
        let shown = match ctx {
            Ctx::Resource(_) => path.to_string(),
            Ctx::Element { parent, .. } => format!("{}.{path}", parent.name),
        };
        return Err(invalid(format!("unknown attribute \"{shown}\" in filter")));
    };
    if resolved.attribute.returned == Returned::Never
        || resolved.sub.is_some_and(|s| s.returned == Returned::Never)
    {
        return Err(invalid(format!(
            "attribute \"{}\" cannot be used in a filter",
            dotted(&resolved)
        )));
    }
    Ok(resolved)
}

/// `name` or `name.sub` in the schema's spelling, for messages.
fn dotted(r: &Resolved) -> String {
    match r.sub {
        Some(sub) => format!("{}.{}", r.attribute.name, sub.name),
        None => r.attribute.name.to_owned(),
    }
}

fn checked_attr(r: &Resolved, ctx: Ctx) -> CheckedAttr {
    let leaf = r.leaf();
    // Inside `parent[...]` each element is tested alone, so only a
    // multi-valued sub-attribute yields several values there.
    let parent_multi = matches!(ctx, Ctx::Resource(_)) && r.attribute.multi_valued;
    CheckedAttr {
        schema: r.schema,
        name: r.attribute.name,
        sub: r.sub.map(|s| s.name),
        ty: leaf.ty,
        case_exact: leaf.case_exact,
        multi_valued: parent_multi || r.sub.is_some_and(|s| s.multi_valued),
    }
}

fn compare(
    path: &AttrPath,
    op: CompareOp,
    value: CompValue,
    ctx: Ctx,
) -> Result<CheckedExpr, Error> {
    let mut r = resolve(path, ctx)?;
    if value == CompValue::Null {
        // No SCIM rule gives `null` a meaning; the JSON reading is "has no
        // value", which is `not (a pr)` (and `ne null` is `a pr`). Rewriting
        // here spares the SQL translation a third kind of literal.
        let attr = checked_attr(&r, ctx);
        return match op {
            CompareOp::Eq => Ok(CheckedExpr::Not(Box::new(CheckedExpr::Present(attr)))),
            CompareOp::Ne => Ok(CheckedExpr::Present(attr)),
            _ => Err(invalid(format!(
                "null can only be compared with \"eq\" or \"ne\", not \"{op}\""
            ))),
        };
    }
    if r.leaf().is_complex() {
        // RFC 7644 §3.4.2.2 filters `emails co "example.com"` next to
        // `emails.value co "example.org"`: a complex attribute compared as a
        // whole stands for its `value` sub-attribute (RFC 7643 §2.4). Entra's
        // `manager eq "<id>"` (idp-wire EN-7) relies on it too.
        match r.attribute.sub_attribute("value") {
            Some(v) if r.sub.is_none() => r.sub = Some(v),
            _ => {
                return Err(invalid(format!(
                    "attribute \"{}\" is complex; compare one of its sub-attributes, \
                     such as \"{}.{}\"",
                    dotted(&r),
                    r.attribute.name,
                    r.attribute
                        .sub_attributes
                        .first()
                        .map_or("value", |s| s.name)
                )));
            }
        }
    }
    let attr = checked_attr(&r, ctx);
    let name = dotted(&r);
    let ty = attr.ty;
    // RFC 7644 §3.4.2.2: gt, ge, lt and le on boolean or binary attributes
    // "SHALL cause a failed response" with invalidFilter; co, sw and ew are
    // substring tests, meaningful for strings only.
    let refused = (op.is_ordering() && matches!(ty, AttrType::Boolean | AttrType::Binary))
        || (op.is_substring() && !matches!(ty, AttrType::String | AttrType::Reference));
    if refused {
        return Err(invalid(format!(
            "operator \"{op}\" cannot be used with {} attribute \"{name}\"",
            ty.as_str()
        )));
    }
    let value = typed(value, ty, &name)?;
    Ok(CheckedExpr::Compare(Comparison { attr, op, value }))
}

/// Types the literal `value` for an attribute of type `ty` called `name`.
fn typed(value: CompValue, ty: AttrType, name: &str) -> Result<TypedValue, Error> {
    let mismatch = |value: &CompValue| {
        invalid(format!(
            "attribute \"{name}\" is of type {} and cannot be compared with {value}",
            ty.as_str()
        ))
    };
    match (ty, value) {
        (AttrType::String | AttrType::Reference | AttrType::Binary, CompValue::String(s)) => {
            Ok(TypedValue::String(s))
        }
        // An unquoted number where a string is expected: Entra leaves values
        // unquoted (idp-wire EN-3: `externalId eq jyoung`), so `employeeNumber
        // eq 701984` means the text as written.
        (AttrType::String | AttrType::Reference | AttrType::Binary, CompValue::Number(n)) => {
            Ok(TypedValue::String(n.as_str().to_owned()))
        }
        (AttrType::Boolean, CompValue::Bool(b)) => Ok(TypedValue::Boolean(b)),
        // Entra compares booleans with the strings "True" and "False"
        // (idp-wire §8.3 `roles[primary eq "True"]`); only for boolean attributes.
        (AttrType::Boolean, CompValue::String(s)) if s.eq_ignore_ascii_case("true") => {
            Ok(TypedValue::Boolean(true))
        }
        (AttrType::Boolean, CompValue::String(s)) if s.eq_ignore_ascii_case("false") => {
            Ok(TypedValue::Boolean(false))
        }
        (AttrType::Integer, CompValue::Number(n)) => n
            .as_i64()
            .map(TypedValue::Integer)
            .ok_or_else(|| mismatch(&CompValue::Number(n))),
        (AttrType::Decimal, CompValue::Number(n)) => n
            .as_f64()
            .map(TypedValue::Decimal)
            .ok_or_else(|| mismatch(&CompValue::Number(n))),
        // RFC 7643 §2.3.5: dateTime values are xsd:dateTime without
        // fractional-second limits, in practice RFC 3339.
        (AttrType::DateTime, CompValue::String(s)) => match OffsetDateTime::parse(&s, &Rfc3339) {
            Ok(t) => Ok(TypedValue::DateTime(t)),
            Err(_) => Err(invalid(format!(
                "attribute \"{name}\" is a dateTime; {} is not an RFC 3339 date-time \
                 such as \"2024-01-31T09:00:00Z\"",
                CompValue::String(s)
            ))),
        },
        (_, value) => Err(mismatch(&value)),
    }
}
