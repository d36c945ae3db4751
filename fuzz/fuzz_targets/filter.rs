//! The SCIM filter language (RFC 7644 §3.4.2.2): parse, check against both
//! resource types, and the SCIM 1.1 → 2.0 rewrite. Any input may be refused;
//! none may panic, overflow the stack or loop.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scim::schema::ResourceKind;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(filter) = scim::filter::Filter::parse(text) {
        for kind in [ResourceKind::User, ResourceKind::Group] {
            let _ = filter.clone().check(kind);
        }
    }
    let _ = scim::filter::Filter::parse(&scim::v1::filter_to_v2(text));
    let _ = scim::path::parse_attribute_list(text);
});
