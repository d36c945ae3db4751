//! Reading a POST or PUT body (RFC 7644 §3.3, §3.5.1) into an [`Incoming`].
//!
//! Strict about what would store wrong data (types, required attributes, a
//! missing `schemas`), lenient about everything Okta and Entra echo or add
//! (docs/idp-wire.md §0 rule 6, §9 item 7):
//!
//! - top-level names match in any case (RFC 7643 §2.1) and are stored in
//!   their canonical spelling;
//! - read-only attributes (`id`, `meta`, `groups`, `manager.displayName`) are
//!   ignored, not rejected: Okta PUTs back what it read, `meta` with odd date
//!   formats included (idp-wire OK-5);
//! - unknown top-level attributes are ignored, not rejected: RFC 7644 §3.3
//!   lets a service provider ignore what it does not support, and Entra's
//!   older bodies carry flat `"department": null` and `"manager": null`
//!   (idp-wire EN-4). Extension attributes are read from the extension object
//!   (RFC 7643 §3.3) or from fully qualified keys
//!   (`urn:…:enterprise:2.0:User:employeeNumber`), never from bare names, so
//!   a flat `department` is one of those unknown attributes;
//! - `""`, `null` and `[]` clear an attribute (OIN QA C9337, idp-wire OK-5).

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::{Incoming, MemberRef, Mode};
use crate::schema::{Attribute, ENTERPRISE_USER_URN, Mutability, ResourceKind, Schema, split_urn};
use crate::value::coerce;
use crate::{Error, ScimType};

/// The Enterprise User URN as Entra's older bodies misspell it, without the
/// `:` before `User` (idp-wire EN-4). Accepted as the extension's key.
const ENTERPRISE_USER_URN_MISSPELT: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0User";

/// Validate a POST (`Mode::Create`) or PUT (`Mode::Replace`) body for a
/// resource of `kind` into the canonical stored document.
///
/// Errors, all 400 (RFC 7644 §3.12): a body that is not a JSON object or has
/// no `schemas` list is `invalidSyntax`; a value of the wrong type, or a
/// missing `userName` (or a Group POST without `displayName`), is
/// `invalidValue`, naming the attribute.
pub fn from_request(kind: ResourceKind, body: Value, mode: Mode) -> Result<Incoming, Error> {
    let Value::Object(body) = body else {
        return Err(Error::bad_request(
            ScimType::InvalidSyntax,
            format!(
                "the request body must be a JSON object (a SCIM {} resource)",
                kind.name()
            ),
        ));
    };
    check_schemas(kind, &body)?;

    let mut reader = Reader {
        kind,
        core: Map::new(),
        extensions: Vec::new(),
        members: None,
        password_supplied: false,
    };
    for (key, value) in body {
        reader.entry(&key, value)?;
    }
    reader.finish(mode)
}

/// RFC 7643 §3: `schemas` is REQUIRED. Both IdPs always send it, so a body
/// without it is not one of theirs and is refused. Its content is not policed
/// beyond being a non-empty list of strings: Entra adds an unknown Microsoft
/// URI to groups and misspells the Enterprise URN (idp-wire EN-4, EN-11), and
/// Okta does not always list the extension it sends (OK-4); what is stored
/// depends on the attributes present, not on this list.
fn check_schemas(kind: ResourceKind, body: &Map<String, Value>) -> Result<(), Error> {
    let schemas = body
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("schemas"))
        .map(|(_, v)| v);
    let ok = match schemas {
        Some(Value::Array(items)) => !items.is_empty() && items.iter().all(Value::is_string),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(Error::bad_request(
            ScimType::InvalidSyntax,
            format!(
                "the request body must have a \"schemas\" list naming \"{}\" (RFC 7643 §3)",
                kind.core().id
            ),
        ))
    }
}

struct Reader {
    kind: ResourceKind,
    core: Map<String, Value>,
    /// Extension URN → its attributes, in `kind.extensions()` order.
    extensions: Vec<(&'static Schema, Map<String, Value>)>,
    members: Option<Vec<MemberRef>>,
    password_supplied: bool,
}

impl Reader {
    fn entry(&mut self, key: &str, value: Value) -> Result<(), Error> {
        if key.eq_ignore_ascii_case("schemas") {
            return Ok(());
        }
        if key.eq_ignore_ascii_case(ENTERPRISE_USER_URN_MISSPELT) {
            return self.extension_object(ENTERPRISE_USER_URN, key, value);
        }
        match split_urn(key) {
            // A whole extension object (RFC 7643 §3.3).
            (Some(urn), "") => self.extension_object(urn, key, value),
            // A fully qualified attribute, `urn:…:User:employeeNumber`.
            (Some(urn), name) => self.qualified(urn, name, value),
            (None, name) => match find_core(self.kind, name) {
                Some(attr) => self.core_attribute(attr, value),
                None => Ok(()),
            },
        }
    }

    fn extension_object(&mut self, urn: &str, key: &str, value: Value) -> Result<(), Error> {
        let Some(schema) = self.extension(urn) else {
            // Another resource type's extension: unknown here, ignored.
            return Ok(());
        };
        let obj = match value {
            Value::Null => return Ok(()),
            Value::Object(obj) => obj,
            other => {
                return Err(Error::bad_request(
                    ScimType::InvalidValue,
                    format!("\"{key}\" must be an object (got {})", kind_of(&other)),
                ));
            }
        };
        for (name, v) in obj {
            if let Some(attr) = schema.attribute(&name) {
                self.extension_attribute(schema, attr, v)?;
            }
        }
        Ok(())
    }

    fn qualified(&mut self, urn: &'static str, name: &str, value: Value) -> Result<(), Error> {
        if urn.eq_ignore_ascii_case(self.kind.core().id) {
            if let Some(attr) = find_core(self.kind, name) {
                return self.core_attribute(attr, value);
            }
        } else if let Some(schema) = self.extension(urn)
            && let Some(attr) = schema.attribute(name)
        {
            return self.extension_attribute(schema, attr, value);
        }
        // Dotted keys (`…:manager.value`) and unknown names: ignored like any
        // unknown attribute (module documentation).
        Ok(())
    }

    fn extension(&self, urn: &str) -> Option<&'static Schema> {
        self.kind
            .extensions()
            .iter()
            .copied()
            .find(|s| s.id.eq_ignore_ascii_case(urn))
    }

    fn core_attribute(&mut self, attr: &'static Attribute, value: Value) -> Result<(), Error> {
        if self.kind == ResourceKind::Group && attr.name == "members" {
            self.members = Some(members(attr, value)?);
            return Ok(());
        }
        match attr.mutability {
            Mutability::ReadOnly => Ok(()),
            Mutability::WriteOnly => {
                // `password` (RFC 7643 §4.1.1): type-checked, then dropped;
                // see `Incoming::password_supplied`.
                self.password_supplied |= coerce(attr, value)?.is_some();
                Ok(())
            }
            Mutability::ReadWrite | Mutability::Immutable => {
                // Later keys win when a body spells one name twice in
                // different cases; no IdP does.
                if let Some(v) = coerce(attr, value)? {
                    self.core.insert(attr.name.to_owned(), v);
                } else {
                    self.core.remove(attr.name);
                }
                Ok(())
            }
        }
    }

    fn extension_attribute(
        &mut self,
        schema: &'static Schema,
        attr: &'static Attribute,
        value: Value,
    ) -> Result<(), Error> {
        if attr.mutability == Mutability::ReadOnly {
            return Ok(());
        }
        let coerced = coerce(attr, value)?;
        let index = if let Some(i) = self
            .extensions
            .iter()
            .position(|(s, _)| std::ptr::eq(*s, schema))
        {
            i
        } else {
            self.extensions.push((schema, Map::new()));
            self.extensions.len() - 1
        };
        let map = &mut self.extensions[index].1;
        if let Some(v) = coerced {
            map.insert(attr.name.to_owned(), v);
        } else {
            map.remove(attr.name);
        }
        Ok(())
    }

    fn finish(mut self, mode: Mode) -> Result<Incoming, Error> {
        match self.kind {
            ResourceKind::User => {
                // RFC 7643 §4.1.1: "Each User MUST include a non-empty
                // userName value", on PUT as on POST.
                require(&self.core, "userName", "User")?;
                // RFC 7643 §4.1.1 gives `active` no default; a user created
                // without it is taken as active because that is what an IdP
                // creating an account means (Okta and Entra always send it).
                if mode == Mode::Create && !self.core.contains_key("active") {
                    self.core.insert("active".to_owned(), Value::Bool(true));
                }
            }
            ResourceKind::Group => {
                // RFC 7643 §4.2: displayName is REQUIRED; a PUT without it
                // keeps the current name (see `Incoming`).
                if mode == Mode::Create {
                    require(&self.core, "displayName", "Group")?;
                }
            }
        }
        for (schema, map) in self.extensions {
            if !map.is_empty() {
                self.core.insert(schema.id.to_owned(), Value::Object(map));
            }
        }
        Ok(Incoming {
            doc: Value::Object(self.core),
            members: self.members,
            password_supplied: self.password_supplied,
        })
    }
}

/// A core or common attribute of `kind` named `name` (any case). Extension
/// attributes are not looked up by bare name (module documentation).
fn find_core(kind: ResourceKind, name: &str) -> Option<&'static Attribute> {
    kind.core().attribute(name).or_else(|| {
        crate::schema::COMMON
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    })
}

fn require(doc: &Map<String, Value>, name: &str, resource: &str) -> Result<(), Error> {
    if doc
        .get(name)
        .is_some_and(|v| v.as_str().is_some_and(|s| !s.is_empty()))
    {
        return Ok(());
    }
    Err(Error::bad_request(
        ScimType::InvalidValue,
        format!("\"{name}\" is required: every {resource} needs a non-empty {name}"),
    ))
}

/// A group's `members` (RFC 7643 §4.2). `null` and `[]` mean "no members".
/// Each element needs a string `value`; `display` and `type` are kept as
/// sent; `$ref` is ignored (the server derives it), `"$ref": null` included
/// (idp-wire EN-13). A member listed twice is kept once, at its first place,
/// so the membership table's key holds.
fn members(attr: &'static Attribute, value: Value) -> Result<Vec<MemberRef>, Error> {
    let Some(Value::Array(elements)) = coerce(attr, value)? else {
        return Ok(Vec::new());
    };
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(elements.len());
    for element in elements {
        let text = |k: &str| element.get(k).and_then(Value::as_str).map(str::to_owned);
        let Some(value) = text("value") else {
            return Err(Error::bad_request(
                ScimType::InvalidValue,
                "\"members\": every member needs a \"value\" holding the member's id",
            ));
        };
        if seen.insert(value.clone()) {
            out.push(MemberRef {
                display: text("display"),
                ty: text("type"),
                value,
            });
        }
    }
    Ok(out)
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
