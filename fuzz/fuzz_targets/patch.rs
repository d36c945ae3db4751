//! PATCH: the path parser on its own, then whole request bodies through
//! `PatchRequest::parse` and the engine, applied to a stored user and group.
//! The engine is all-or-nothing: a refused request must leave the document as it was.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scim::schema::ResourceKind;
use serde_json::{Value, json};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = scim::path::PatchPath::parse(text);
    }
    let Ok(body) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let Ok(request) = scim::patch::PatchRequest::parse(body) else {
        return;
    };
    let user = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "ada@example.com",
        "name": {"givenName": "Ada", "familyName": "Lovelace"},
        "emails": [{"value": "ada@example.com", "type": "work", "primary": true}],
        "active": true
    });
    let group = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": "Engineering"
    });
    for (kind, original) in [(ResourceKind::User, user), (ResourceKind::Group, group)] {
        let mut doc = original.clone();
        if scim::patch::apply(kind, &mut doc, &request).is_err() {
            assert_eq!(doc, original, "a refused PATCH changed the document");
        }
    }
});
