//! The SCIM 1.1 discovery documents, `/ServiceProviderConfigs` and `/Schemas`
//! (draft-scim-core-schema-01 §5 and §7), derived from the 2.0 ones so both
//! dialects describe the same server.

use serde_json::{Map, Value, json};

use super::{Bases, CORE_URN, ENTERPRISE_URN};
use crate::discovery::schema_document;
use crate::schema::{ENTERPRISE_USER_URN, ResourceKind, SCHEMAS, Schema};

/// `GET /ServiceProviderConfigs` from the 2.0 `ServiceProviderConfig` document:
/// the same capabilities, 1.1 names (`specUrl`, `documentationUrl`,
/// `xmlDataFormat`, which is never supported here).
pub fn service_provider_config(v2: Value, bases: Bases<'_>) -> Value {
    let Value::Object(v2) = v2 else {
        return v2;
    };
    let mut out = Map::with_capacity(v2.len() + 1);
    for (key, value) in v2 {
        match key.as_str() {
            "schemas" => {
                out.insert(key, json!([CORE_URN]));
            }
            "documentationUri" => {
                out.insert("documentationUrl".to_owned(), value);
            }
            "authenticationSchemes" => {
                out.insert(key, authentication_schemes(value));
            }
            "meta" => {
                out.insert(
                    key,
                    json!({"location": format!("{}/ServiceProviderConfigs", bases.v1)}),
                );
            }
            _ => {
                out.insert(key, value);
            }
        }
    }
    out.insert("xmlDataFormat".to_owned(), json!({"supported": false}));
    Value::Object(out)
}

fn authentication_schemes(schemes: Value) -> Value {
    let Value::Array(mut schemes) = schemes else {
        return schemes;
    };
    for scheme in &mut schemes {
        if let Value::Object(m) = scheme {
            if let Some(uri) = m.remove("specUri") {
                m.insert("specUrl".to_owned(), uri);
            }
            // Header-auth templates send the token without the scheme word.
            m.insert(
                "description".to_owned(),
                "The workspace token in 'Authorization: Bearer <token>' or 'Authorization: <token>'"
                    .into(),
            );
        }
    }
    Value::Array(schemes)
}

/// `GET /Schemas`: the User, Group and enterprise extension schemas, as a 1.1 list.
pub fn schemas(bases: Bases<'_>) -> Value {
    let docs: Vec<Value> = SCHEMAS.iter().map(|s| document(s, bases)).collect();
    json!({
        "schemas": [CORE_URN],
        "totalResults": docs.len(),
        "itemsPerPage": docs.len(),
        "startIndex": 1,
        "Resources": docs,
    })
}

/// `GET /Schemas/{id}`: by 1.1 id (`urn:scim:schemas:core:1.0:User`, the
/// extension URN) or by resource (`User`, `Users`), ignoring case.
pub fn schema(id: &str, bases: Bases<'_>) -> Option<Value> {
    SCHEMAS
        .iter()
        .find(|s| {
            let (v1_id, endpoint) = ids(s);
            id.eq_ignore_ascii_case(&v1_id)
                || endpoint.is_some_and(|e| {
                    id.eq_ignore_ascii_case(e.trim_start_matches('/'))
                        || id.eq_ignore_ascii_case(s.name)
                })
        })
        .map(|s| document(s, bases))
}

/// A schema's 1.1 id and, for a resource schema, its endpoint.
fn ids(s: &Schema) -> (String, Option<&'static str>) {
    if s.id == ENTERPRISE_USER_URN {
        (ENTERPRISE_URN.to_owned(), None)
    } else {
        let endpoint = ResourceKind::from_name(s.name).map(ResourceKind::endpoint);
        (format!("{CORE_URN}:{}", s.name), endpoint)
    }
}

fn document(s: &Schema, bases: Bases<'_>) -> Value {
    let (id, endpoint) = ids(s);
    let schema_urn = if endpoint.is_some() {
        CORE_URN
    } else {
        ENTERPRISE_URN
    };
    let v2 = schema_document(bases.v2, s);
    let attributes = v2
        .get("attributes")
        .cloned()
        .map_or(Value::Array(Vec::new()), |a| attributes(a, schema_urn, ""));
    let mut doc = json!({
        "id": id,
        "name": s.name,
        "description": s.description,
        "schema": schema_urn,
        "attributes": attributes,
        "meta": {"location": format!("{}/Schemas/{id}", bases.v1)},
    });
    if let (Some(e), Some(m)) = (endpoint, doc.as_object_mut()) {
        m.insert("endpoint".to_owned(), e.into());
    }
    doc
}

/// 2.0 attribute definitions in 1.1 terms: `readOnly` instead of `mutability`,
/// `reference` as `string` (1.1 has no reference type), no `returned`/`uniqueness`.
fn attributes(attrs: Value, schema_urn: &str, parent: &str) -> Value {
    let Value::Array(attrs) = attrs else {
        return attrs;
    };
    Value::Array(
        attrs
            .into_iter()
            .filter_map(|a| {
                let Value::Object(a) = a else { return None };
                let name = a.get("name")?.as_str()?;
                // 1.1 carries the manager's id as managerId and has no $ref.
                let name = match name {
                    "$ref" => return None,
                    "value" if parent == "manager" => "managerId",
                    other => other,
                };
                let ty = match a.get("type").and_then(Value::as_str) {
                    Some("reference") | None => "string",
                    Some(t) => t,
                };
                let mut out = json!({
                    "name": name,
                    "type": ty,
                    "multiValued": a.get("multiValued").cloned().unwrap_or(Value::Bool(false)),
                    "description": a.get("description").cloned().unwrap_or_default(),
                    "schema": schema_urn,
                    "readOnly": a.get("mutability").and_then(Value::as_str) == Some("readOnly"),
                    "required": a.get("required").cloned().unwrap_or(Value::Bool(false)),
                    "caseExact": a.get("caseExact").cloned().unwrap_or(Value::Bool(false)),
                });
                if let (Some(sub), Some(m)) = (a.get("subAttributes").cloned(), out.as_object_mut())
                {
                    m.insert(
                        "subAttributes".to_owned(),
                        attributes(sub, schema_urn, name),
                    );
                }
                Some(out)
            })
            .collect(),
    )
}
