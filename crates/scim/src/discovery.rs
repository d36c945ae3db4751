//! The discovery documents: `/Schemas`, `/ResourceTypes` and
//! `/ServiceProviderConfig` (RFC 7644 §4, representations in RFC 7643 §5–§7).
//!
//! Built from the static schema table, so what is published is exactly what
//! filters and requests are checked against. Entra reads these documents
//! (docs/idp-wire.md EN-2): lists are `ListResponse`s, never bare arrays, and
//! properties without a value are omitted, never `null`.
//!
//! `base` is always the SCIM base URL without a trailing slash, such as
//! `https://gw.example.com/scim/v2`; every `meta.location` starts with it.

use serde_json::{Map, Value, json};

use crate::ListResponse;
use crate::schema::{self, Attribute, ResourceKind, SCHEMAS, Schema};

/// `schemas` value of a Schema resource (RFC 7643 §7).
pub const SCHEMA_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";
/// `schemas` value of a `ResourceType` resource (RFC 7643 §6).
pub const RESOURCE_TYPE_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
/// `schemas` value of the `ServiceProviderConfig` resource (RFC 7643 §5).
pub const SERVICE_PROVIDER_CONFIG_SCHEMA: &str =
    "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";

/// The RFC 7643 §7 representation of one schema.
pub fn schema_document(base: &str, s: &Schema) -> Value {
    json!({
        "schemas": [SCHEMA_SCHEMA],
        "id": s.id,
        "name": s.name,
        "description": s.description,
        "attributes": attributes_json(s.attributes),
        "meta": {
            "resourceType": "Schema",
            "location": format!("{base}/Schemas/{}", s.id),
        },
    })
}

/// `GET /Schemas`: a `ListResponse` of the User, Group and Enterprise User
/// schemas. Entra's validator fails without the Group schema here.
pub fn schemas(base: &str) -> Value {
    list(SCHEMAS.iter().map(|s| schema_document(base, s)).collect())
}

/// `GET /Schemas/{id}`: the schema whose URN is `id`, ignoring ASCII case;
/// `None` (a 404) for any other id.
pub fn schema(base: &str, id: &str) -> Option<Value> {
    schema::by_urn(id).map(|s| schema_document(base, s))
}

/// `GET /ResourceTypes`: a `ListResponse` of User and Group.
pub fn resource_types(base: &str) -> Value {
    list(
        ResourceKind::ALL
            .into_iter()
            .map(|k| resource_type_document(base, k))
            .collect(),
    )
}

/// `GET /ResourceTypes/{id}`: `"User"` or `"Group"`, ignoring ASCII case;
/// `None` (a 404) for any other id.
pub fn resource_type(base: &str, id: &str) -> Option<Value> {
    ResourceKind::from_name(id).map(|k| resource_type_document(base, k))
}

/// What this deployment supports, for the `ServiceProviderConfig` document.
#[derive(Debug, Clone, PartialEq, Eq)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "one independent flag per RFC 7643 §5 capability"
)]
pub struct Capabilities {
    /// PATCH (RFC 7644 §3.5.2).
    pub patch: bool,
    /// Bulk (RFC 7644 §3.7) and its limits; `None` when unsupported.
    pub bulk: Option<BulkLimits>,
    /// The most resources a filtered query returns; `None` when filtering is
    /// unsupported.
    pub filter_max_results: Option<u32>,
    /// Changing the password (RFC 7644 §3.5.2 on `password`).
    pub change_password: bool,
    /// `sortBy` and `sortOrder` (RFC 7644 §3.4.2.3).
    pub sort: bool,
    /// `ETag` headers and `meta.version` (RFC 7644 §3.14).
    pub etag: bool,
    /// The largest request body the gateway accepts, in bytes. RFC 7643 §5
    /// has no key for it outside bulk, so it is published only as a cap on
    /// `bulk.maxPayloadSize`; the HTTP layer enforces it.
    pub max_payload_bytes: u64,
}

/// Limits of bulk requests (RFC 7643 §5 `bulk`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BulkLimits {
    /// Most operations in one bulk request.
    pub max_operations: u32,
    /// Largest bulk request body, in bytes.
    pub max_payload_bytes: u64,
}

/// `GET /ServiceProviderConfig` (RFC 7643 §5). `documentation_uri` is
/// omitted when `None`.
pub fn service_provider_config(
    base: &str,
    caps: &Capabilities,
    documentation_uri: Option<&str>,
) -> Value {
    // RFC 7643 §5: maxOperations and maxPayloadSize are REQUIRED even when
    // bulk is unsupported, so they are zeros then. A bulk body can never be
    // larger than any request body the gateway accepts.
    let (bulk_ops, bulk_bytes) = caps.bulk.map_or((0, 0), |b| {
        (
            b.max_operations,
            b.max_payload_bytes.min(caps.max_payload_bytes),
        )
    });
    let mut doc = json!({
        "schemas": [SERVICE_PROVIDER_CONFIG_SCHEMA],
        "patch": { "supported": caps.patch },
        "bulk": {
            "supported": caps.bulk.is_some(),
            "maxOperations": bulk_ops,
            "maxPayloadSize": bulk_bytes,
        },
        "filter": {
            "supported": caps.filter_max_results.is_some(),
            "maxResults": caps.filter_max_results.unwrap_or(0),
        },
        "changePassword": { "supported": caps.change_password },
        "sort": { "supported": caps.sort },
        "etag": { "supported": caps.etag },
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "OAuth Bearer Token",
            "description": "Authentication with a workspace bearer token or an OAuth 2.0 access token",
            "specUri": "https://www.rfc-editor.org/info/rfc6750",
            "primary": true,
        }],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": format!("{base}/ServiceProviderConfig"),
        },
    });
    if let (Some(uri), Some(obj)) = (documentation_uri, doc.as_object_mut()) {
        obj.insert("documentationUri".to_owned(), uri.into());
    }
    doc
}

/// The RFC 7643 §6 representation of one resource type.
fn resource_type_document(base: &str, kind: ResourceKind) -> Value {
    let name = kind.name();
    let mut doc = json!({
        "schemas": [RESOURCE_TYPE_SCHEMA],
        "id": name,
        "name": name,
        "endpoint": kind.endpoint(),
        "description": resource_type_description(kind),
        "schema": kind.core().id,
        "meta": {
            "resourceType": "ResourceType",
            "location": format!("{base}/ResourceTypes/{name}"),
        },
    });
    // Entra: omit what has no value, so Group carries no empty
    // `schemaExtensions`. Every extension is optional: Okta and Entra create
    // users without it.
    let extensions: Vec<Value> = kind
        .extensions()
        .iter()
        .map(|s| json!({ "schema": s.id, "required": false }))
        .collect();
    if let (false, Some(obj)) = (extensions.is_empty(), doc.as_object_mut()) {
        obj.insert("schemaExtensions".to_owned(), Value::Array(extensions));
    }
    doc
}

fn resource_type_description(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::User => "User Account",
        ResourceKind::Group => "Group",
    }
}

fn attributes_json(attributes: &[Attribute]) -> Value {
    Value::Array(attributes.iter().map(attribute_json).collect())
}

/// One attribute definition (RFC 7643 §7), camel-cased. `canonicalValues`,
/// `referenceTypes` and `subAttributes` appear only when non-empty: Entra
/// wants absent properties rather than `null` or empty placeholders.
fn attribute_json(a: &Attribute) -> Value {
    let mut m = Map::new();
    m.insert("name".to_owned(), a.name.into());
    m.insert("type".to_owned(), a.ty.as_str().into());
    m.insert("multiValued".to_owned(), a.multi_valued.into());
    m.insert("description".to_owned(), a.description.into());
    m.insert("required".to_owned(), a.required.into());
    m.insert("caseExact".to_owned(), a.case_exact.into());
    m.insert("mutability".to_owned(), a.mutability.as_str().into());
    m.insert("returned".to_owned(), a.returned.as_str().into());
    m.insert("uniqueness".to_owned(), a.uniqueness.as_str().into());
    if !a.canonical_values.is_empty() {
        m.insert("canonicalValues".to_owned(), strings(a.canonical_values));
    }
    if !a.reference_types.is_empty() {
        m.insert("referenceTypes".to_owned(), strings(a.reference_types));
    }
    if !a.sub_attributes.is_empty() {
        m.insert(
            "subAttributes".to_owned(),
            attributes_json(a.sub_attributes),
        );
    }
    Value::Object(m)
}

fn strings(values: &[&str]) -> Value {
    Value::Array(values.iter().map(|&v| Value::from(v)).collect())
}

/// A complete, unpaged `ListResponse` (RFC 7644 §3.4.2) of `resources`.
fn list(resources: Vec<Value>) -> Value {
    // Serialising a struct of strings, integers and JSON values into a
    // `Value` cannot fail: only maps with non-string keys can.
    serde_json::to_value(ListResponse::complete(resources))
        .expect("a ListResponse of JSON values serialises")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{ENTERPRISE_USER, GROUP, USER};

    const BASE: &str = "https://gw.example.com/scim/v2";

    fn caps() -> Capabilities {
        Capabilities {
            patch: true,
            bulk: None,
            filter_max_results: Some(200),
            change_password: false,
            sort: false,
            etag: true,
            max_payload_bytes: 1_048_576,
        }
    }

    /// Every `(path, value)` in a document, depth first.
    fn walk<'a>(path: &str, v: &'a Value, out: &mut Vec<(String, &'a Value)>) {
        out.push((path.to_owned(), v));
        match v {
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    walk(&format!("{path}[{i}]"), item, out);
                }
            }
            Value::Object(map) => {
                for (k, item) in map {
                    walk(&format!("{path}.{k}"), item, out);
                }
            }
            _ => {}
        }
    }

    fn all_documents() -> Vec<Value> {
        vec![
            schemas(BASE),
            resource_types(BASE),
            service_provider_config(BASE, &caps(), None),
            service_provider_config(BASE, &caps(), Some("https://docs.example.com/scim")),
            service_provider_config(
                BASE,
                &Capabilities {
                    bulk: Some(BulkLimits {
                        max_operations: 10,
                        max_payload_bytes: 1 << 20,
                    }),
                    filter_max_results: None,
                    ..caps()
                },
                None,
            ),
        ]
    }

    fn attribute_of<'a>(doc: &'a Value, name: &str) -> &'a Value {
        doc["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == name)
            .unwrap()
    }

    #[test]
    fn user_name_json_is_exact() {
        let doc = schema_document(BASE, &USER);
        assert_eq!(
            attribute_of(&doc, "userName"),
            &json!({
                "name": "userName",
                "type": "string",
                "multiValued": false,
                "description": USER.attribute("userName").unwrap().description,
                "required": true,
                "caseExact": false,
                "mutability": "readWrite",
                "returned": "default",
                "uniqueness": "server",
            })
        );
    }

    #[test]
    fn password_json_is_exact() {
        let doc = schema_document(BASE, &USER);
        assert_eq!(
            attribute_of(&doc, "password"),
            &json!({
                "name": "password",
                "type": "string",
                "multiValued": false,
                "description": USER.attribute("password").unwrap().description,
                "required": false,
                "caseExact": false,
                "mutability": "writeOnly",
                "returned": "never",
                "uniqueness": "none",
            })
        );
    }

    #[test]
    fn complex_attribute_json_nests_sub_attributes() {
        let doc = schema_document(BASE, &GROUP);
        let members = attribute_of(&doc, "members");
        assert_eq!(members["type"], "complex");
        assert_eq!(members["multiValued"], true);
        let subs = members["subAttributes"].as_array().unwrap();
        let names: Vec<&str> = subs.iter().map(|s| s["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["value", "$ref", "display", "type"]);
        assert_eq!(
            subs[1],
            json!({
                "name": "$ref",
                "type": "reference",
                "multiValued": false,
                "description": "The URI corresponding to a SCIM resource that is a member of this Group.",
                "required": false,
                "caseExact": false,
                "mutability": "immutable",
                "returned": "default",
                "uniqueness": "none",
                "referenceTypes": ["User", "Group"],
            })
        );
        assert_eq!(subs[3]["canonicalValues"], json!(["User", "Group"]));
        assert!(subs[0].get("subAttributes").is_none());
    }

    #[test]
    fn empty_lists_are_omitted() {
        let doc = schema_document(BASE, &USER);
        let display = attribute_of(&doc, "displayName");
        for key in ["canonicalValues", "referenceTypes", "subAttributes"] {
            assert!(display.get(key).is_none(), "{key} present on displayName");
        }
        // roles.type has no canonical values (RFC 7643 §8.7.1 gives `[]`).
        let roles = attribute_of(&doc, "roles");
        assert!(roles["subAttributes"][2].get("canonicalValues").is_none());
    }

    #[test]
    fn every_type_spelling_is_camel_case() {
        let mut seen = Vec::new();
        for doc in SCHEMAS.iter().map(|s| schema_document(BASE, s)) {
            let mut nodes = Vec::new();
            walk("", &doc, &mut nodes);
            for (path, v) in nodes {
                if path.rsplit('.').next() == Some("type") && path.contains("attributes") {
                    seen.push(v.as_str().unwrap().to_owned());
                }
            }
        }
        for t in &seen {
            assert!(
                [
                    "string",
                    "boolean",
                    "decimal",
                    "integer",
                    "dateTime",
                    "binary",
                    "reference",
                    "complex"
                ]
                .contains(&t.as_str()),
                "{t}"
            );
        }
        assert!(seen.iter().any(|t| t == "binary"));
    }

    #[test]
    fn schema_document_envelope() {
        let doc = schema_document(BASE, &ENTERPRISE_USER);
        assert_eq!(doc["schemas"], json!([SCHEMA_SCHEMA]));
        assert_eq!(doc["id"], schema::ENTERPRISE_USER_URN);
        assert_eq!(doc["name"], "EnterpriseUser");
        assert_eq!(
            doc["meta"],
            json!({
                "resourceType": "Schema",
                "location": format!("{BASE}/Schemas/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"),
            })
        );
        let manager = attribute_of(&doc, "manager");
        assert_eq!(manager["subAttributes"][2]["mutability"], "readOnly");
    }

    #[test]
    fn no_null_anywhere() {
        for doc in all_documents() {
            let mut nodes = Vec::new();
            walk("", &doc, &mut nodes);
            for (path, v) in nodes {
                assert!(!v.is_null(), "null at {path}");
            }
        }
    }

    #[test]
    fn every_location_starts_with_base() {
        let mut count = 0;
        for doc in all_documents() {
            let mut nodes = Vec::new();
            walk("", &doc, &mut nodes);
            for (path, v) in nodes {
                if path.ends_with(".location") {
                    let loc = v.as_str().unwrap();
                    assert!(loc.starts_with(&format!("{BASE}/")), "{path} = {loc}");
                    count += 1;
                }
            }
        }
        // 3 schemas + 2 resource types + 3 service provider configs.
        assert_eq!(count, 8);
    }

    #[test]
    fn schemas_is_a_complete_list_response() {
        let doc = schemas(BASE);
        assert_eq!(doc["schemas"], json!([crate::LIST_RESPONSE_SCHEMA]));
        assert_eq!(doc["totalResults"], 3);
        assert_eq!(doc["itemsPerPage"], 3);
        assert_eq!(doc["startIndex"], 1);
        let ids: Vec<&str> = doc["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap())
            .collect();
        assert_eq!(
            ids,
            [
                schema::USER_URN,
                schema::GROUP_URN,
                schema::ENTERPRISE_USER_URN
            ]
        );
    }

    #[test]
    fn schema_lookup_ignores_case() {
        let doc = schema(BASE, "URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:GROUP").unwrap();
        assert_eq!(doc["id"], schema::GROUP_URN);
        assert_eq!(doc, schema_document(BASE, &GROUP));
        assert!(schema(BASE, "urn:ietf:params:scim:schemas:core:2.0:Device").is_none());
        assert!(schema(BASE, "").is_none());
        assert!(schema(BASE, "User").is_none());
    }

    #[test]
    fn resource_types_list() {
        let doc = resource_types(BASE);
        assert_eq!(doc["totalResults"], 2);
        let ids: Vec<&str> = doc["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["User", "Group"]);
    }

    #[test]
    fn user_resource_type_is_exact() {
        assert_eq!(
            resource_type(BASE, "user").unwrap(),
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
                "id": "User",
                "name": "User",
                "endpoint": "/Users",
                "description": "User Account",
                "schema": "urn:ietf:params:scim:schemas:core:2.0:User",
                "schemaExtensions": [{
                    "schema": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
                    "required": false,
                }],
                "meta": {
                    "resourceType": "ResourceType",
                    "location": format!("{BASE}/ResourceTypes/User"),
                },
            })
        );
    }

    #[test]
    fn group_resource_type_has_no_extensions() {
        let doc = resource_type(BASE, "GROUP").unwrap();
        assert_eq!(doc["endpoint"], "/Groups");
        assert_eq!(doc["schema"], schema::GROUP_URN);
        assert!(doc.get("schemaExtensions").is_none());
        assert!(resource_type(BASE, "Users").is_none());
        assert!(resource_type(BASE, "").is_none());
    }

    #[test]
    fn service_provider_config_is_exact() {
        assert_eq!(
            service_provider_config(BASE, &caps(), Some("https://docs.example.com/scim")),
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
                "documentationUri": "https://docs.example.com/scim",
                "patch": { "supported": true },
                "bulk": { "supported": false, "maxOperations": 0, "maxPayloadSize": 0 },
                "filter": { "supported": true, "maxResults": 200 },
                "changePassword": { "supported": false },
                "sort": { "supported": false },
                "etag": { "supported": true },
                "authenticationSchemes": [{
                    "type": "oauthbearertoken",
                    "name": "OAuth Bearer Token",
                    "description": "Authentication with a workspace bearer token or an OAuth 2.0 access token",
                    "specUri": "https://www.rfc-editor.org/info/rfc6750",
                    "primary": true,
                }],
                "meta": {
                    "resourceType": "ServiceProviderConfig",
                    "location": format!("{BASE}/ServiceProviderConfig"),
                },
            })
        );
    }

    #[test]
    fn service_provider_config_optional_parts() {
        let doc = service_provider_config(BASE, &caps(), None);
        assert!(doc.get("documentationUri").is_none());

        let with_bulk = Capabilities {
            bulk: Some(BulkLimits {
                max_operations: 50,
                max_payload_bytes: 4 << 20,
            }),
            filter_max_results: None,
            ..caps()
        };
        let doc = service_provider_config(BASE, &with_bulk, None);
        // The bulk body limit is capped by the gateway's request body limit.
        assert_eq!(
            doc["bulk"],
            json!({ "supported": true, "maxOperations": 50, "maxPayloadSize": 1_048_576 })
        );
        assert_eq!(
            doc["filter"],
            json!({ "supported": false, "maxResults": 0 })
        );

        let small_bulk = Capabilities {
            bulk: Some(BulkLimits {
                max_operations: 5,
                max_payload_bytes: 1000,
            }),
            ..caps()
        };
        let doc = service_provider_config(BASE, &small_bulk, None);
        assert_eq!(doc["bulk"]["maxPayloadSize"], 1000);
    }
}
