//! Access-token verification: any presented bearer value is refused with a
//! typed error or accepted only if it is a token this key signed.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;

const ISSUER: &str = "http://127.0.0.1:8080";
const AUDIENCE: &str = "http://127.0.0.1:8080/scim/v2";

static KEYS: LazyLock<oauth::KeySet> = LazyLock::new(|| {
    let key = oauth::SigningKey::from_parts("k1", "c2NpbWdhdGUtZnV6ei1rZXktMzItYnl0ZXMtbG9uZy0tLQ")
        .expect("a 32-byte key");
    oauth::KeySet::new(&[key]).expect("one key")
});

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    let now = time::OffsetDateTime::from_unix_timestamp(1_800_000_000).expect("a valid instant");
    if let Ok(claims) = KEYS.verify(token, ISSUER, AUDIENCE, now) {
        // Only a token signed with our key gets here, so re-signing its claims
        // must verify too.
        assert_eq!(KEYS.verify(&KEYS.sign(&claims), ISSUER, AUDIENCE, now).map(|c| c.jti), Ok(claims.jti));
    }
});
