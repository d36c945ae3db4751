use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use time::macros::datetime;

use super::*;

const ISS: &str = "https://gw.example";
const AUD: &str = "https://gw.example/scim/v2";
const NOW: OffsetDateTime = datetime!(2026-11-23 12:00 UTC);

fn claims() -> AccessClaims {
    AccessClaims::new(ISS, AUD, "sgci_x", Uuid::nil(), "acme", "scim", NOW)
}

fn keyset(kids: &[&str]) -> (KeySet, Vec<SigningKey>) {
    let keys: Vec<SigningKey> = kids.iter().map(|k| SigningKey::generate(*k)).collect();
    (KeySet::new(&keys).unwrap(), keys)
}

#[test]
fn round_trip_with_kid_and_lifetime() {
    let (set, _) = keyset(&["k1"]);
    let issued = claims();
    let token = set.sign(&issued);
    let header = jsonwebtoken::decode_header(&token).unwrap();
    assert_eq!(header.kid.as_deref(), Some("k1"));
    let back = set.verify(&token, ISS, AUD, NOW).unwrap();
    assert_eq!(back, issued);
    assert_ne!(claims().jti, issued.jti, "every token has its own jti");
    assert_eq!(back.exp - back.iat, 3600);
}

#[test]
fn expiry_uses_the_callers_clock() {
    let (set, _) = keyset(&["k1"]);
    let token = set.sign(&claims());
    let just_before = NOW + ACCESS_TOKEN_LIFETIME - Duration::seconds(1);
    assert!(set.verify(&token, ISS, AUD, just_before).is_ok());
    assert_eq!(
        set.verify(&token, ISS, AUD, NOW + ACCESS_TOKEN_LIFETIME),
        Err(AccessTokenError::Expired)
    );
}

#[test]
fn wrong_audience_or_issuer() {
    let (set, _) = keyset(&["k1"]);
    let token = set.sign(&claims());
    // First as a token never seen, then as one remembered from a verification.
    for remembered in [false, true] {
        assert_eq!(
            set.verify(&token, ISS, "https://other/scim/v2", NOW),
            Err(AccessTokenError::WrongAudience),
            "remembered: {remembered}"
        );
        assert_eq!(
            set.verify(&token, "https://evil", AUD, NOW),
            Err(AccessTokenError::WrongAudience),
            "remembered: {remembered}"
        );
        assert!(set.verify(&token, ISS, AUD, NOW).is_ok());
    }
}

#[test]
fn another_keys_signature_is_refused() {
    let (a, _) = keyset(&["k1"]);
    let (b, _) = keyset(&["k1"]);
    assert_eq!(
        b.verify(&a.sign(&claims()), ISS, AUD, NOW),
        Err(AccessTokenError::Invalid)
    );
    let (c, _) = keyset(&["k2"]);
    assert_eq!(
        c.verify(&a.sign(&claims()), ISS, AUD, NOW),
        Err(AccessTokenError::UnknownKey)
    );
}

#[test]
fn rotation_old_key_still_verifies_new_key_signs() {
    let (old, old_keys) = keyset(&["k1"]);
    let issued_before = old.sign(&claims());
    let rotated = KeySet::new(&[SigningKey::generate("k2"), old_keys[0].clone()]).unwrap();
    assert!(rotated.verify(&issued_before, ISS, AUD, NOW).is_ok());
    let issued_after = rotated.sign(&claims());
    assert_eq!(
        jsonwebtoken::decode_header(&issued_after)
            .unwrap()
            .kid
            .as_deref(),
        Some("k2")
    );
}

#[test]
fn alg_none_and_tampering_are_refused() {
    let (set, _) = keyset(&["k1"]);
    let token = set.sign(&claims());
    // Verified first, so the altered copies below meet a remembered original.
    assert!(set.verify(&token, ISS, AUD, NOW).is_ok());
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","kid":"k1","typ":"JWT"}"#);
    let unsigned = format!("{none_header}.{}.", parts[1]);
    assert!(set.verify(&unsigned, ISS, AUD, NOW).is_err());
    let hs512 = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS512","kid":"k1","typ":"JWT"}"#);
    assert_eq!(
        set.verify(&format!("{hs512}.{}.{}", parts[1], parts[2]), ISS, AUD, NOW),
        Err(AccessTokenError::WrongAlgorithm)
    );
    let mut body: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
    body["ws"] = "other".into();
    parts[1] = URL_SAFE_NO_PAD.encode(body.to_string());
    assert_eq!(
        set.verify(&parts.join("."), ISS, AUD, NOW),
        Err(AccessTokenError::Invalid)
    );
    assert_eq!(
        set.verify("not-a-jwt", ISS, AUD, NOW),
        Err(AccessTokenError::Malformed)
    );
}

#[test]
fn a_remembered_token_is_checked_again_on_every_use() {
    let (set, _) = keyset(&["k1"]);
    let token = set.sign(&claims());
    assert!(set.verify(&token, ISS, AUD, NOW).is_ok());
    assert_eq!(set.verified().len(), 1, "the verified token is remembered");
    // Issuer and audience on a remembered token: `wrong_audience_or_issuer`.
    assert_eq!(
        set.verify(&token, ISS, AUD, NOW + ACCESS_TOKEN_LIFETIME),
        Err(AccessTokenError::Expired)
    );
    assert!(set.verify(&token, ISS, AUD, NOW).is_ok());
    // Another key set (a restart with the old key dropped) knows nothing of it.
    let (rotated, _) = keyset(&["k2"]);
    assert_eq!(
        rotated.verify(&token, ISS, AUD, NOW),
        Err(AccessTokenError::UnknownKey)
    );
}

#[test]
fn expired_tokens_are_not_remembered_and_the_memory_is_bounded() {
    let (set, _) = keyset(&["k1"]);
    let stale = set.sign(&claims());
    let later = NOW + ACCESS_TOKEN_LIFETIME;
    assert_eq!(
        set.verify(&stale, ISS, AUD, later),
        Err(AccessTokenError::Expired)
    );
    assert!(set.verified().is_empty());
    for _ in 0..VERIFIED_CAPACITY + 10 {
        let token = set.sign(&claims());
        assert!(set.verify(&token, ISS, AUD, NOW).is_ok());
        assert!(set.verified().len() <= VERIFIED_CAPACITY);
    }
    assert!(!set.verified().is_empty());
}

#[test]
fn key_list_parsing() {
    let k = SigningKey::generate("a");
    let text = format!(
        " a:{} , b:{}",
        k.secret_b64(),
        SigningKey::generate("b").secret_b64()
    );
    let keys = parse_key_list(&text).unwrap();
    assert_eq!(
        keys.iter().map(SigningKey::kid).collect::<Vec<_>>(),
        ["a", "b"]
    );
    assert!(matches!(parse_key_list(""), Err(KeyError::Empty)));
    assert!(matches!(
        parse_key_list("nocolon"),
        Err(KeyError::Malformed(_))
    ));
    assert!(matches!(
        parse_key_list("a:c2hvcnQ"),
        Err(KeyError::TooShort(_))
    ));
    assert!(matches!(
        parse_key_list(&format!("a:{0},a:{0}", k.secret_b64())),
        Err(KeyError::DuplicateKid(_))
    ));
    assert!(format!("{k:?}").contains('a') && !format!("{k:?}").contains(&k.secret_b64()));
}
