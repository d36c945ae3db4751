//! SCIM schema definitions (RFC 7643 §2, §7) as static data.
//!
//! One table drives everything that depends on the schema: the `/Schemas`
//! discovery documents, filter checking (attribute names, types, caseExact),
//! and request validation (mutability, `returned`).
//!
//! The tables live in `user.rs` (core User, RFC 7643 §4.1), `enterprise.rs`
//! (§4.3), `group.rs` (§4.2) and `common.rs` (§3.1); this module holds the
//! types, the resource kinds and the name resolver.

mod common;
mod enterprise;
mod group;
mod user;

#[cfg(test)]
mod tests;

pub use common::COMMON;
pub use enterprise::ENTERPRISE_USER;
pub use group::GROUP;
pub use user::USER;

/// URN of the core User schema (RFC 7643 §4.1).
pub const USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// URN of the core Group schema (RFC 7643 §4.2).
pub const GROUP_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// URN of the Enterprise User extension (RFC 7643 §4.3).
pub const ENTERPRISE_USER_URN: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// Every schema this server publishes, in `/Schemas` order.
pub static SCHEMAS: [&Schema; 3] = [&USER, &GROUP, &ENTERPRISE_USER];

/// An attribute's data type (RFC 7643 §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrType {
    String,
    Boolean,
    Decimal,
    Integer,
    DateTime,
    Binary,
    Reference,
    Complex,
}

impl AttrType {
    /// The wire spelling used in schema documents (RFC 7643 §7 "type").
    pub fn as_str(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Boolean => "boolean",
            Self::Decimal => "decimal",
            Self::Integer => "integer",
            Self::DateTime => "dateTime",
            Self::Binary => "binary",
            Self::Reference => "reference",
            Self::Complex => "complex",
        }
    }
}

/// When a client may write an attribute (RFC 7643 §7 "mutability").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutability {
    ReadOnly,
    ReadWrite,
    Immutable,
    WriteOnly,
}

impl Mutability {
    /// The wire spelling used in schema documents.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReadOnly => "readOnly",
            Self::ReadWrite => "readWrite",
            Self::Immutable => "immutable",
            Self::WriteOnly => "writeOnly",
        }
    }
}

/// When an attribute appears in a response (RFC 7643 §7 "returned").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returned {
    Always,
    Never,
    Default,
    Request,
}

impl Returned {
    /// The wire spelling used in schema documents.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Always => "always",
            Self::Never => "never",
            Self::Default => "default",
            Self::Request => "request",
        }
    }
}

/// How the service provider enforces uniqueness (RFC 7643 §7 "uniqueness").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uniqueness {
    None,
    Server,
    Global,
}

impl Uniqueness {
    /// The wire spelling used in schema documents.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Server => "server",
            Self::Global => "global",
        }
    }
}

/// One attribute definition (RFC 7643 §7), possibly with sub-attributes.
#[derive(Debug)]
pub struct Attribute {
    pub name: &'static str,
    pub ty: AttrType,
    pub multi_valued: bool,
    pub description: &'static str,
    pub required: bool,
    pub case_exact: bool,
    pub mutability: Mutability,
    pub returned: Returned,
    pub uniqueness: Uniqueness,
    pub canonical_values: &'static [&'static str],
    pub reference_types: &'static [&'static str],
    pub sub_attributes: &'static [Attribute],
}

impl Attribute {
    /// The sub-attribute called `name`, matched ignoring ASCII case
    /// (RFC 7643 §2.1: attribute names are case-insensitive). `$ref` is a
    /// legal name. `None` for simple attributes.
    pub fn sub_attribute(&self, name: &str) -> Option<&'static Attribute> {
        find(self.sub_attributes, name)
    }

    /// Whether this is a complex attribute (RFC 7643 §2.3.8).
    pub fn is_complex(&self) -> bool {
        self.ty == AttrType::Complex
    }

    // Table builders. The defaults are the RFC 7643 §7 defaults for an
    // attribute whose characteristics are not given: single-valued, not
    // required, caseExact false, readWrite, returned default, uniqueness none.

    const fn new(name: &'static str, ty: AttrType, description: &'static str) -> Self {
        Self {
            name,
            ty,
            multi_valued: false,
            description,
            required: false,
            case_exact: false,
            mutability: Mutability::ReadWrite,
            returned: Returned::Default,
            uniqueness: Uniqueness::None,
            canonical_values: &[],
            reference_types: &[],
            sub_attributes: &[],
        }
    }

    const fn string(name: &'static str, description: &'static str) -> Self {
        Self::new(name, AttrType::String, description)
    }

    const fn boolean(name: &'static str, description: &'static str) -> Self {
        Self::new(name, AttrType::Boolean, description)
    }

    const fn date_time(name: &'static str, description: &'static str) -> Self {
        Self::new(name, AttrType::DateTime, description)
    }

    const fn binary(name: &'static str, description: &'static str) -> Self {
        Self::new(name, AttrType::Binary, description)
    }

    const fn reference(
        name: &'static str,
        reference_types: &'static [&'static str],
        description: &'static str,
    ) -> Self {
        let mut a = Self::new(name, AttrType::Reference, description);
        a.reference_types = reference_types;
        a
    }

    const fn complex(
        name: &'static str,
        sub_attributes: &'static [Attribute],
        description: &'static str,
    ) -> Self {
        let mut a = Self::new(name, AttrType::Complex, description);
        a.sub_attributes = sub_attributes;
        a
    }

    const fn multi(mut self) -> Self {
        self.multi_valued = true;
        self
    }

    const fn required(mut self) -> Self {
        self.required = true;
        self
    }

    const fn case_exact(mut self) -> Self {
        self.case_exact = true;
        self
    }

    const fn mutability(mut self, mutability: Mutability) -> Self {
        self.mutability = mutability;
        self
    }

    const fn read_only(self) -> Self {
        self.mutability(Mutability::ReadOnly)
    }

    const fn immutable(self) -> Self {
        self.mutability(Mutability::Immutable)
    }

    const fn returned(mut self, returned: Returned) -> Self {
        self.returned = returned;
        self
    }

    const fn unique_server(mut self) -> Self {
        self.uniqueness = Uniqueness::Server;
        self
    }

    const fn canonical(mut self, values: &'static [&'static str]) -> Self {
        self.canonical_values = values;
        self
    }
}

/// A schema: its URN id and its top-level attributes.
#[derive(Debug)]
pub struct Schema {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub attributes: &'static [Attribute],
}

impl Schema {
    /// The top-level attribute called `name`, ignoring ASCII case (RFC 7643 §2.1).
    pub fn attribute(&self, name: &str) -> Option<&'static Attribute> {
        find(self.attributes, name)
    }
}

/// The published schema whose URN is `urn`, ignoring ASCII case.
pub fn by_urn(urn: &str) -> Option<&'static Schema> {
    SCHEMAS
        .iter()
        .copied()
        .find(|s| s.id.eq_ignore_ascii_case(urn))
}

fn find(attributes: &'static [Attribute], name: &str) -> Option<&'static Attribute> {
    attributes
        .iter()
        .find(|a| a.name.eq_ignore_ascii_case(name))
}

/// A SCIM resource type served by this gateway (RFC 7643 §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    User,
    Group,
}

impl ResourceKind {
    /// Every resource type, in `/ResourceTypes` order.
    pub const ALL: [ResourceKind; 2] = [ResourceKind::User, ResourceKind::Group];

    /// The core schema of the resource type.
    pub fn core(self) -> &'static Schema {
        match self {
            Self::User => &USER,
            Self::Group => &GROUP,
        }
    }

    /// The schema extensions the resource type accepts (all optional).
    pub fn extensions(self) -> &'static [&'static Schema] {
        static USER_EXTENSIONS: [&Schema; 1] = [&ENTERPRISE_USER];
        match self {
            Self::User => &USER_EXTENSIONS,
            Self::Group => &[],
        }
    }

    /// The resource type's name and id, also `meta.resourceType`: `"User"`, `"Group"`.
    pub fn name(self) -> &'static str {
        match self {
            Self::User => "User",
            Self::Group => "Group",
        }
    }

    /// The endpoint relative to the SCIM base URL: `"/Users"`, `"/Groups"`.
    pub fn endpoint(self) -> &'static str {
        match self {
            Self::User => "/Users",
            Self::Group => "/Groups",
        }
    }

    /// The resource type named `name` (`"User"`, `"Group"`), ignoring ASCII case.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(name))
    }

    /// The core schema followed by the extensions.
    pub fn schemas(self) -> impl Iterator<Item = &'static Schema> {
        std::iter::once(self.core()).chain(self.extensions().iter().copied())
    }
}

/// A resolved attribute reference.
#[derive(Debug, Clone, Copy)]
pub struct Resolved {
    /// The URN of the schema owning the attribute, or `""` for the common
    /// attributes of RFC 7643 §3.1 (`id`, `externalId`, `meta`), which belong
    /// to no schema.
    pub schema: &'static str,
    /// The top-level attribute.
    pub attribute: &'static Attribute,
    /// The sub-attribute, when one was named.
    pub sub: Option<&'static Attribute>,
}

impl Resolved {
    /// The attribute the reference finally names: the sub-attribute if any,
    /// else the top-level attribute. Its type and caseExact govern comparisons.
    pub fn leaf(&self) -> &'static Attribute {
        self.sub.unwrap_or(self.attribute)
    }

    /// Whether this is one of the common attributes (RFC 7643 §3.1).
    pub fn is_common(&self) -> bool {
        self.schema.is_empty()
    }
}

/// Resolve `[urn:]name[.sub]` case-insensitively (RFC 7643 §2.1: attribute
/// names are case-insensitive).
///
/// `urn` is an optional schema URN prefix (case-insensitive), as split off by
/// [`split_urn`]; it must be the core schema or an extension of `kind`.
/// Without one, the core schema, then [`COMMON`], then the extensions are
/// searched (RFC 7644 §3.10: unqualified names belong to the core schema,
/// but Entra also sends bare extension names such as `manager`).
/// With the core URN, the common attributes are found too, so
/// `urn:…:core:2.0:User:meta.lastModified` resolves.
///
/// `sub` must name a sub-attribute of a complex attribute; otherwise the
/// result is `None`.
pub fn resolve(
    kind: ResourceKind,
    urn: Option<&str>,
    name: &str,
    sub: Option<&str>,
) -> Option<Resolved> {
    let (schema, attribute) = if let Some(urn) = urn {
        let schema = kind.schemas().find(|s| s.id.eq_ignore_ascii_case(urn))?;
        if let Some(a) = schema.attribute(name) {
            (schema.id, a)
        } else if std::ptr::eq(schema, kind.core()) {
            ("", find(COMMON, name)?)
        } else {
            return None;
        }
    } else {
        let core = kind.core();
        if let Some(a) = core.attribute(name) {
            (core.id, a)
        } else if let Some(a) = find(COMMON, name) {
            ("", a)
        } else {
            kind.extensions()
                .iter()
                .find_map(|s| s.attribute(name).map(|a| (s.id, a)))?
        }
    };
    let sub = if let Some(sub) = sub {
        Some(attribute.sub_attribute(sub)?)
    } else {
        None
    };
    Some(Resolved {
        schema,
        attribute,
        sub,
    })
}

/// Resolve a whole attribute path without value filter, such as `userName`,
/// `name.familyName` or
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`:
/// [`split_urn`], then split the rest at its first `.`, then [`resolve`].
pub fn resolve_path(kind: ResourceKind, path: &str) -> Option<Resolved> {
    let (urn, rest) = split_urn(path);
    let (name, sub) = match rest.split_once('.') {
        Some((name, sub)) => (name, Some(sub)),
        None => (rest, None),
    };
    resolve(kind, urn, name, sub)
}

/// Split a fully qualified attribute such as
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`
/// into `(Some(urn), "manager.value")`.
///
/// Only the published schema URNs are recognised, ignoring ASCII case, and
/// the returned URN is their canonical spelling. RFC 7644 §3.10: the URN is
/// followed by `:` and the attribute. A string that is exactly a known URN
/// gives `(Some(urn), "")` (a PATCH may target a whole extension). Anything
/// else is returned as `(None, full)`, unchanged.
pub fn split_urn(full: &str) -> (Option<&'static str>, &str) {
    for schema in SCHEMAS {
        let urn = schema.id;
        let Some(head) = full.get(..urn.len()) else {
            continue;
        };
        if !head.eq_ignore_ascii_case(urn) {
            continue;
        }
        let rest = &full[urn.len()..];
        if rest.is_empty() {
            return (Some(urn), "");
        }
        if let Some(attr) = rest.strip_prefix(':') {
            return (Some(urn), attr);
        }
    }
    (None, full)
}
