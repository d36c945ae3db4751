//! SCIM request bodies through validation (`resource::from_request`), as POST and
//! PUT of users and groups, and through the SCIM 1.1 → 2.0 mapping.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scim::resource::Mode;
use scim::schema::ResourceKind;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(body) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    for kind in [ResourceKind::User, ResourceKind::Group] {
        for mode in [Mode::Create, Mode::Replace] {
            let _ = scim::resource::from_request(kind, body.clone(), mode);
        }
        let _ = scim::resource::from_request(kind, scim::v1::resource_to_v2(kind, body.clone()), Mode::Create);
    }
});
