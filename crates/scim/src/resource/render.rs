//! Building a User or Group response from its stored document (RFC 7643 §3,
//! §4), honouring `returned` (RFC 7643 §7) and `attributes` /
//! `excludedAttributes` (RFC 7644 §3.4.2.5, §3.9).
//!
//! No `null` is ever written: unassigned attributes are omitted (RFC 7643
//! §2.5), which is also what Entra asks for (idp-wire EN-2).

use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::Error;
use crate::path::{AttrPath, parse_attribute_list};
use crate::schema::{
    Attribute, COMMON, GROUP_URN, ResourceKind, Returned, Schema, USER_URN, by_urn, resolve,
};

/// The server-held metadata of a resource (RFC 7643 §3.1 `meta`).
#[derive(Debug, Clone, Copy)]
pub struct Meta<'a> {
    /// `meta.resourceType`.
    pub resource_type: ResourceKind,
    /// `meta.created`.
    pub created: OffsetDateTime,
    /// `meta.lastModified`.
    pub last_modified: OffsetDateTime,
    /// `meta.location`: the resource's absolute URL, also the `Location`
    /// header of a 201 (RFC 7644 §3.3).
    pub location: &'a str,
    /// The resource version, raw (`"7"`) or already an entity tag
    /// (`W/"7"`); rendered through [`etag`].
    pub version: &'a str,
}

/// The entity tag of a version: `W/"<version>"` (RFC 7644 §3.14: SCIM uses
/// weak validators). A value that is already an entity tag (starts with
/// `W/"` or `"`) is returned unchanged, so the `ETag` header and
/// `meta.version` always agree.
pub fn etag(version: &str) -> String {
    if version.starts_with("W/\"") || version.starts_with('"') {
        version.to_owned()
    } else {
        format!("W/\"{version}\"")
    }
}

/// One name from `attributes` or `excludedAttributes`, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    /// A whole schema, e.g. `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`.
    Schema(&'static str),
    /// An attribute (`""` schema for the common ones), possibly one sub-attribute.
    Attr {
        schema: &'static str,
        name: &'static str,
        sub: Option<&'static str>,
    },
}

impl Target {
    /// Whether this target names `attr` of `schema`, or a part of it.
    fn touches(&self, schema: &str, attr: &str) -> bool {
        match self {
            Self::Schema(s) => *s == schema,
            Self::Attr {
                schema: s, name, ..
            } => *s == schema && *name == attr,
        }
    }

    /// Whether this target names all of `attr` of `schema`.
    fn covers(&self, schema: &str, attr: &str) -> bool {
        match self {
            Self::Schema(s) => *s == schema,
            Self::Attr {
                schema: s,
                name,
                sub,
            } => *s == schema && *name == attr && sub.is_none(),
        }
    }

    /// Whether this target names exactly the sub-attribute `sub` of `attr`.
    fn names_sub(&self, schema: &str, attr: &str, sub: &str) -> bool {
        matches!(self, Self::Attr { schema: s, name, sub: Some(x) }
            if *s == schema && *name == attr && *x == sub)
    }
}

/// Which attributes a response carries: the `attributes` and
/// `excludedAttributes` query parameters (RFC 7644 §3.4.2.5), resolved
/// against the resource's schemas.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Projection {
    /// `attributes`: when set, only these (plus `returned: always`).
    include: Option<Vec<Target>>,
    /// `excludedAttributes`: removed from the default set.
    exclude: Vec<Target>,
}

impl Projection {
    /// Parses the two query parameters for a resource of `kind`.
    ///
    /// Names are matched ignoring case (RFC 7643 §2.1), with or without
    /// schema URN (RFC 7644 §3.10); a bare schema URN selects the whole
    /// extension. Names that match no attribute are ignored: RFC 7644 does
    /// not make them an error, and a list request must not fail because a
    /// client asks for something the server does not hold. A malformed list
    /// is 400 `invalidValue` ([`parse_attribute_list`]). An empty
    /// `attributes` is treated as absent.
    ///
    /// RFC 7644 §3.9 calls the two parameters mutually exclusive; when a
    /// client sends both, both apply (the included set minus the excluded
    /// one) rather than failing the request.
    pub fn parse(
        attributes: Option<&str>,
        excluded: Option<&str>,
        kind: ResourceKind,
    ) -> Result<Self, Error> {
        let resolve_all = |text: Option<&str>| -> Result<Vec<Target>, Error> {
            let Some(text) = text else {
                return Ok(Vec::new());
            };
            Ok(parse_attribute_list(text)?
                .iter()
                .filter_map(|p| target(kind, p))
                .collect())
        };
        let include_given = attributes.is_some_and(|a| !a.trim().is_empty());
        let include = resolve_all(attributes)?;
        Ok(Self {
            // Every name unknown: only the `returned: always` attributes.
            include: include_given.then_some(include),
            exclude: resolve_all(excluded)?,
        })
    }

    /// The default set: every attribute whose `returned` is `always` or
    /// `default` (RFC 7643 §7).
    pub fn all() -> Self {
        Self::default()
    }

    /// Whether the response carries any part of the top-level attribute
    /// `name` (any case) of the schema `schema_urn` (`""`, or the core URN,
    /// for the common attributes `id`, `externalId`, `meta`). For example
    /// `wants(GROUP_URN, "members")`, so the store can skip loading members
    /// for `excludedAttributes=members` (idp-wire EN-9). Unknown names are
    /// not wanted.
    pub fn wants(&self, schema_urn: &str, name: &str) -> bool {
        let schema = if schema_urn.is_empty() {
            None
        } else {
            let Some(schema) = by_urn(schema_urn) else {
                return false;
            };
            Some(schema)
        };
        let found = match schema.and_then(|s| s.attribute(name).map(|a| (s.id, a))) {
            Some(found) => Some(found),
            // The common attributes belong to no schema (RFC 7643 §3.1) but
            // are also reached through the core URN (RFC 7644 §3.10).
            None if schema.is_none_or(is_core) => common(name).map(|a| ("", a)),
            None => None,
        };
        found.is_some_and(|(schema, attr)| self.wants_attr(schema, attr))
    }

    fn wants_attr(&self, schema: &str, attr: &Attribute) -> bool {
        match attr.returned {
            Returned::Never => return false,
            Returned::Always => return true,
            Returned::Default | Returned::Request => {}
        }
        if let Some(include) = &self.include {
            if !include.iter().any(|t| t.touches(schema, attr.name)) {
                return false;
            }
        } else if attr.returned == Returned::Request {
            return false;
        }
        !self.exclude.iter().any(|t| t.covers(schema, attr.name))
    }

    fn wants_sub(&self, schema: &str, attr: &Attribute, sub: &Attribute) -> bool {
        match sub.returned {
            Returned::Never => return false,
            Returned::Always => return true,
            Returned::Default | Returned::Request => {}
        }
        if let Some(include) = &self.include {
            let named = include
                .iter()
                .any(|t| t.names_sub(schema, attr.name, sub.name));
            let whole = include.iter().any(|t| t.covers(schema, attr.name));
            // RFC 7643 §7: "request" sub-attributes need naming themselves.
            if !(named || (whole && sub.returned != Returned::Request)) {
                return false;
            }
        } else if sub.returned == Returned::Request {
            return false;
        }
        !self
            .exclude
            .iter()
            .any(|t| t.names_sub(schema, attr.name, sub.name))
    }
}

fn is_core(schema: &Schema) -> bool {
    schema.id == USER_URN || schema.id == GROUP_URN
}

fn common(name: &str) -> Option<&'static Attribute> {
    COMMON.iter().find(|a| a.name.eq_ignore_ascii_case(name))
}

fn target(kind: ResourceKind, path: &AttrPath) -> Option<Target> {
    // `AttrPath` splits at the last `:`, so a bare URN arrives as
    // urn = "…:2.0", name = "User".
    if let Some(urn) = &path.urn
        && path.sub.is_none()
    {
        let full = format!("{urn}:{}", path.name);
        if let Some(schema) = kind.schemas().find(|s| s.id.eq_ignore_ascii_case(&full)) {
            return Some(Target::Schema(schema.id));
        }
    }
    let r = resolve(kind, path.urn.as_deref(), &path.name, path.sub.as_deref())?;
    Some(Target::Attr {
        schema: r.schema,
        name: r.attribute.name,
        sub: r.sub.map(|s| s.name),
    })
}

/// Build the response for the resource `id` of `kind` from its stored `doc`.
///
/// Emits `schemas` (the core URN, plus an extension URN only when that
/// extension's data is in the response), `id`, `externalId` and the stored
/// attributes, `related` as `groups` (users) or `members` (groups) — already
/// a JSON array of `{value, $ref, display, type}` — and `meta`, all under
/// `projection`. Attributes are never `null`: unassigned ones are omitted.
/// `returned: never` (`password`) is never emitted; `returned: always` (`id`)
/// always is.
///
/// A group's `members` is emitted whenever `related` is given, `[]`
/// included (Entra expects `members: []` on a new group, idp-wire EN-9,
/// EN-11); a user's empty `groups` is omitted (RFC 7643 §2.5: an empty
/// multi-valued attribute is unassigned). A user's `active` is emitted
/// whenever the projection wants it, as `true` when the document has none
/// (every user is created active, see [`crate::resource::Incoming`]); both
/// IdPs read it from every user (idp-wire EN-3, OK-4).
pub fn render(
    kind: ResourceKind,
    id: &str,
    doc: &Value,
    related: Option<Value>,
    meta: &Meta,
    projection: &Projection,
) -> Value {
    let core = kind.core();
    let mut schemas = vec![Value::String(core.id.to_owned())];
    let mut out = Map::new();
    out.insert("id".to_owned(), Value::String(id.to_owned()));

    let empty = Map::new();
    let stored = doc.as_object().unwrap_or(&empty);
    for (key, value) in stored {
        if let Some(schema) = kind
            .extensions()
            .iter()
            .find(|s| s.id.eq_ignore_ascii_case(key))
        {
            let Value::Object(ext) = value else { continue };
            let projected = project_object(schema, ext, projection);
            if !projected.is_empty() {
                schemas.push(Value::String(schema.id.to_owned()));
                out.insert(schema.id.to_owned(), Value::Object(projected));
            }
            continue;
        }
        let (schema, attr) = match core.attribute(key) {
            Some(a) => (core.id, a),
            // Only `externalId` of the common attributes is stored; `id`
            // and `meta` are the server's, written below.
            None => match common(key) {
                Some(a) if a.name == "externalId" => ("", a),
                _ => continue,
            },
        };
        if !projection.wants_attr(schema, attr) {
            continue;
        }
        if let Some(v) = project_value(schema, attr, value.clone(), projection) {
            out.insert(attr.name.to_owned(), v);
        }
    }

    if kind == ResourceKind::User
        && !out.contains_key("active")
        && projection.wants(USER_URN, "active")
    {
        out.insert("active".to_owned(), Value::Bool(true));
    }
    if let Some(related) = related {
        render_related(kind, related, projection, &mut out);
    }
    if projection.wants("", "meta") {
        let meta = render_meta(meta, projection);
        if !meta.is_empty() {
            out.insert("meta".to_owned(), Value::Object(meta));
        }
    }
    out.insert("schemas".to_owned(), Value::Array(schemas));
    Value::Object(out)
}

fn render_related(
    kind: ResourceKind,
    related: Value,
    projection: &Projection,
    out: &mut Map<String, Value>,
) {
    let core = kind.core();
    let name = match kind {
        ResourceKind::User => "groups",
        ResourceKind::Group => "members",
    };
    let Some(attr) = core.attribute(name) else {
        return;
    };
    if !projection.wants_attr(core.id, attr) {
        return;
    }
    let empty_group = kind == ResourceKind::Group && related.as_array().is_some_and(Vec::is_empty);
    match project_value(core.id, attr, related, projection) {
        Some(v) => {
            out.insert(name.to_owned(), v);
        }
        None if empty_group => {
            out.insert(name.to_owned(), Value::Array(Vec::new()));
        }
        None => {}
    }
}

fn render_meta(meta: &Meta, projection: &Projection) -> Map<String, Value> {
    let Some(attr) = common("meta") else {
        return Map::new();
    };
    let format = |t: OffsetDateTime| t.format(&Rfc3339).ok().map(Value::String);
    let fields = [
        (
            "resourceType",
            Some(Value::String(meta.resource_type.name().to_owned())),
        ),
        ("created", format(meta.created)),
        ("lastModified", format(meta.last_modified)),
        ("location", Some(Value::String(meta.location.to_owned()))),
        ("version", Some(Value::String(etag(meta.version)))),
    ];
    let mut out = Map::new();
    for (name, value) in fields {
        let (Some(sub), Some(value)) = (attr.sub_attribute(name), value) else {
            continue;
        };
        if projection.wants_sub("", attr, sub) {
            out.insert(name.to_owned(), value);
        }
    }
    out
}

/// An extension object's attributes under the projection.
fn project_object(
    schema: &'static Schema,
    obj: &Map<String, Value>,
    projection: &Projection,
) -> Map<String, Value> {
    let mut out = Map::new();
    for (key, value) in obj {
        let Some(attr) = schema.attribute(key) else {
            continue;
        };
        if !projection.wants_attr(schema.id, attr) {
            continue;
        }
        if let Some(v) = project_value(schema.id, attr, value.clone(), projection) {
            out.insert(attr.name.to_owned(), v);
        }
    }
    out
}

/// One attribute's value under the projection, with nulls and unknown
/// sub-attributes left out; `None` when nothing remains.
fn project_value(
    schema: &str,
    attr: &Attribute,
    value: Value,
    projection: &Projection,
) -> Option<Value> {
    // By value: a group's 10,000 members are moved into the response, not copied.
    let element = |v: Value| -> Option<Value> {
        if !attr.is_complex() {
            return (!v.is_null()).then_some(v);
        }
        let Value::Object(obj) = v else { return None };
        let mut out = Map::new();
        for (key, sub_value) in obj {
            let Some(sub) = attr.sub_attribute(&key) else {
                continue;
            };
            if sub_value.is_null() || !projection.wants_sub(schema, attr, sub) {
                continue;
            }
            out.insert(sub.name.to_owned(), sub_value);
        }
        (!out.is_empty()).then_some(Value::Object(out))
    };
    if attr.multi_valued {
        let Value::Array(items) = value else {
            return None;
        };
        let items: Vec<Value> = items.into_iter().filter_map(element).collect();
        (!items.is_empty()).then_some(Value::Array(items))
    } else {
        element(value)
    }
}
