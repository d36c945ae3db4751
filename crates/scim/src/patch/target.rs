//! Resolving a PATCH path against the schema of a resource type: what an
//! operation is aimed at, and whether it is applied, ignored or refused.

use crate::filter::{Checked, Filter, check_value_filter};
use crate::path::PatchPath;
use crate::schema::{self, Attribute, Mutability, ResourceKind};
use crate::{Error, ScimType};

/// What a path names.
#[derive(Debug)]
pub(super) enum Target {
    /// An unknown attribute (idp-wire §0 rule 5) or a readOnly one
    /// (rule 6): ignored and reported, never refused.
    Ignored,
    /// A writeOnly attribute (`password`): never stored in the document.
    WriteOnly(&'static Attribute),
    /// A Group's `members`, kept out of the document.
    Members {
        attr: &'static Attribute,
        filter: Option<Filter<Checked>>,
        sub: Option<&'static Attribute>,
    },
    /// A whole schema by its URN: the core schema (the resource itself) or
    /// an extension (`urn:…:enterprise:2.0:User` with an object value).
    Schema(&'static str),
    /// An attribute stored in the document.
    Attr(AttrTarget),
}

/// An attribute of the document, possibly narrowed to a sub-attribute and
/// to the elements a value filter selects.
#[derive(Debug)]
pub(super) struct AttrTarget {
    /// The extension URN whose object holds the attribute; `None` for core
    /// and common attributes, which sit at the top level.
    pub(super) ext: Option<&'static str>,
    /// The top-level attribute.
    pub(super) attr: &'static Attribute,
    /// The sub-attribute: `givenName` of `name.givenName`, or `value` of
    /// `emails[type eq "work"].value`.
    pub(super) sub: Option<&'static Attribute>,
    /// The value filter, checked against `attr`'s sub-attributes.
    pub(super) filter: Option<Filter<Checked>>,
}

/// Resolves `path` (written as `text`) for a resource of type `kind`.
pub(super) fn resolve(kind: ResourceKind, text: &str, path: &PatchPath) -> Result<Target, Error> {
    // A path that is exactly a schema URN names that schema's attributes as
    // a whole (RFC 7644 §3.10 qualifies names with the URN; §3.5.2.1 adds a
    // "set of attributes").
    if let (Some(urn), "") = schema::split_urn(text) {
        return Ok(if kind.schemas().any(|s| s.id == urn) {
            Target::Schema(urn)
        } else {
            Target::Ignored
        });
    }
    let Some(r) = schema::resolve(
        kind,
        path.attr.urn.as_deref(),
        &path.attr.name,
        path.attr.sub.as_deref(),
    ) else {
        return Ok(Target::Ignored);
    };
    // `PatchPath` puts a sub-attribute either on the attribute
    // (`name.givenName`) or after the value filter (`emails[…].value`).
    let sub = match &path.sub {
        Some(name) => match r.attribute.sub_attribute(name) {
            Some(sub) => Some(sub),
            None => return Ok(Target::Ignored),
        },
        None => r.sub,
    };
    let read_only = |a: &Attribute| a.mutability == Mutability::ReadOnly;
    if read_only(r.attribute) || sub.is_some_and(read_only) {
        return Ok(Target::Ignored);
    }
    if r.attribute.mutability == Mutability::WriteOnly {
        return Ok(Target::WriteOnly(r.attribute));
    }
    let filter = match &path.filter {
        Some(_) if !r.attribute.multi_valued => {
            return Err(Error::bad_request(
                ScimType::InvalidPath,
                format!(
                    "\"{}\" is not multi-valued; a value filter \"[...]\" selects elements \
                     of a multi-valued attribute",
                    r.attribute.name
                ),
            ));
        }
        Some(filter) => Some(check_value_filter(filter.clone(), r.attribute)?),
        None => None,
    };
    if kind == ResourceKind::Group && r.attribute.name == "members" {
        return Ok(Target::Members {
            attr: r.attribute,
            filter,
            sub,
        });
    }
    let ext = (!r.is_common() && r.schema != kind.core().id).then_some(r.schema);
    Ok(Target::Attr(AttrTarget {
        ext,
        attr: r.attribute,
        sub,
        filter,
    }))
}
