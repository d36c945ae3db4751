use super::*;
use time::macros::datetime;

// The vector used by the Standard Webhooks (and Svix) reference libraries' `sign` tests.
// Checked independently with Python's standard library:
//   key = base64.b64decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")          # 24 bytes
//   msg = b'msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{"test": 2432232314}'
//   base64.b64encode(hmac.new(key, msg, hashlib.sha256).digest())
//   == b"g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
const VECTOR_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const VECTOR_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const VECTOR_TS: i64 = 1_614_265_330;
const VECTOR_PAYLOAD: &[u8] = br#"{"test": 2432232314}"#;
const VECTOR_SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

const NOW: OffsetDateTime = datetime!(2025-03-04 05:06:07 UTC);
const ID: &str = "0190f3c2-7a4e-7b1a-9c1e-5f2a3b4c5d6e";
const BODY: &[u8] =
    br#"{"type":"seat.charged","timestamp":"2025-03-04T05:06:07Z","data":{"workspace":"acme"}}"#;

fn vector_secret() -> WebhookSecret {
    WebhookSecret::parse(VECTOR_SECRET).unwrap()
}

fn now_secs() -> i64 {
    NOW.unix_timestamp()
}

fn check(secret: &WebhookSecret, h: &[(&str, String)], body: &[u8]) -> Result<(), VerifyError> {
    verify(secret, h, body, NOW, DEFAULT_TOLERANCE)
}

fn set(h: &mut [(&'static str, String)], name: &str, value: &str) {
    for (n, v) in h.iter_mut() {
        if *n == name {
            value.clone_into(v);
        }
    }
}

#[test]
fn sign_reproduces_the_reference_vector() {
    assert_eq!(
        sign(&vector_secret(), VECTOR_ID, VECTOR_TS, VECTOR_PAYLOAD),
        VECTOR_SIGNATURE
    );
}

#[test]
fn verify_accepts_the_reference_vector_at_its_time() {
    let h = [
        ("webhook-id", VECTOR_ID.to_owned()),
        ("webhook-timestamp", VECTOR_TS.to_string()),
        ("webhook-signature", VECTOR_SIGNATURE.to_owned()),
    ];
    let at = OffsetDateTime::from_unix_timestamp(VECTOR_TS).unwrap();
    assert_eq!(
        verify(&vector_secret(), &h, VECTOR_PAYLOAD, at, DEFAULT_TOLERANCE),
        Ok(())
    );
}

#[test]
fn headers_carry_id_timestamp_and_signature() {
    let s = vector_secret();
    let h = headers(&s, VECTOR_ID, VECTOR_TS, VECTOR_PAYLOAD);
    assert_eq!(h[0], ("webhook-id", VECTOR_ID.to_owned()));
    assert_eq!(h[1], ("webhook-timestamp", "1614265330".to_owned()));
    assert_eq!(h[2], ("webhook-signature", VECTOR_SIGNATURE.to_owned()));
}

#[test]
fn round_trip_with_a_generated_secret() {
    let s = WebhookSecret::generate().unwrap();
    let h = headers(&s, ID, now_secs(), BODY);
    assert_eq!(check(&s, &h, BODY), Ok(()));
    let again = WebhookSecret::parse(&s.expose()).unwrap();
    assert_eq!(again, s);
    assert_eq!(check(&again, &h, BODY), Ok(()));
}

#[test]
fn generated_secrets_are_prefixed_random_and_long_enough() {
    let a = WebhookSecret::generate().unwrap();
    let b = WebhookSecret::generate().unwrap();
    assert_ne!(a, b);
    let text = a.expose();
    assert!(text.starts_with("whsec_"));
    assert_eq!(STANDARD.decode(&text[6..]).unwrap().len(), 32);
}

#[test]
fn debug_never_shows_the_secret() {
    let s = vector_secret();
    let shown = format!("{s:?} {:?}", [&s]);
    assert!(!shown.contains("MfKQ"), "{shown}");
    assert!(shown.contains("redacted"));
}

#[test]
fn parse_rejects_malformed_secrets() {
    assert_eq!(
        WebhookSecret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
        Err(SecretError::MissingPrefix)
    );
    assert_eq!(
        WebhookSecret::parse("whsec_not base64!"),
        Err(SecretError::NotBase64)
    );
    // 23 bytes: one short of the spec's minimum.
    let short = format!("whsec_{}", STANDARD.encode([7u8; 23]));
    assert_eq!(WebhookSecret::parse(&short), Err(SecretError::Length(23)));
    let long = format!("whsec_{}", STANDARD.encode([7u8; 65]));
    assert_eq!(WebhookSecret::parse(&long), Err(SecretError::Length(65)));
    let max = format!("whsec_{}", STANDARD.encode([7u8; 64]));
    assert!(WebhookSecret::parse(&max).is_ok());
}

#[test]
fn a_tampered_payload_fails() {
    let s = vector_secret();
    let h = headers(&s, ID, now_secs(), BODY);
    let mut body = BODY.to_vec();
    body[10] ^= 1;
    assert_eq!(check(&s, &h, &body), Err(VerifyError::NoMatchingSignature));
    // A re-serialised body (one added space) is a different message too.
    let spaced = String::from_utf8(BODY.to_vec())
        .unwrap()
        .replacen(':', ": ", 1);
    assert_eq!(
        check(&s, &h, spaced.as_bytes()),
        Err(VerifyError::NoMatchingSignature)
    );
}

#[test]
fn a_tampered_id_fails() {
    let s = vector_secret();
    let mut h = headers(&s, ID, now_secs(), BODY);
    set(&mut h, "webhook-id", "0190f3c2-7a4e-7b1a-9c1e-5f2a3b4c5d6f");
    assert_eq!(check(&s, &h, BODY), Err(VerifyError::NoMatchingSignature));
}

#[test]
fn a_tampered_timestamp_fails() {
    let s = vector_secret();
    let mut h = headers(&s, ID, now_secs(), BODY);
    set(&mut h, "webhook-timestamp", &(now_secs() + 1).to_string());
    assert_eq!(check(&s, &h, BODY), Err(VerifyError::NoMatchingSignature));
}

#[test]
fn the_wrong_secret_fails() {
    let h = headers(&vector_secret(), ID, now_secs(), BODY);
    let other = WebhookSecret::generate().unwrap();
    assert_eq!(
        check(&other, &h, BODY),
        Err(VerifyError::NoMatchingSignature)
    );
}

#[test]
fn timestamps_outside_the_tolerance_fail_either_way() {
    let s = vector_secret();
    let tol = DEFAULT_TOLERANCE.as_secs().cast_signed();
    for (offset, ok) in [
        (-tol, true),
        (tol, true),
        (-tol - 1, false),
        (tol + 1, false),
    ] {
        let h = headers(&s, ID, now_secs() + offset, BODY);
        let expected = if ok {
            Ok(())
        } else {
            Err(VerifyError::TimestampOutOfTolerance)
        };
        assert_eq!(check(&s, &h, BODY), expected, "offset {offset}");
    }
    // A day-old delivery replayed verbatim.
    let h = headers(&s, ID, now_secs() - 86_400, BODY);
    assert_eq!(
        check(&s, &h, BODY),
        Err(VerifyError::TimestampOutOfTolerance)
    );
}

#[test]
fn one_matching_signature_among_several_is_enough() {
    let s = vector_secret();
    let old = WebhookSecret::generate().unwrap();
    let ts = now_secs();
    let mut h = headers(&s, ID, ts, BODY);
    let ours = h[2].1.clone();
    let rotated = format!(
        "{} v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw== v1,bm9wZQ== {ours}",
        sign(&old, ID, ts, BODY)
    );
    set(&mut h, "webhook-signature", &rotated);
    assert_eq!(check(&s, &h, BODY), Ok(()));
    assert_eq!(check(&old, &h, BODY), Ok(()));
}

#[test]
fn only_v1_entries_count() {
    let s = vector_secret();
    let mut h = headers(&s, ID, now_secs(), BODY);
    let b64 = h[2].1.trim_start_matches("v1,").to_owned();
    for bad in [
        format!("v1a,{b64}"),
        format!("v2,{b64}"),
        b64.clone(),
        String::new(),
    ] {
        set(&mut h, "webhook-signature", &bad);
        assert_eq!(
            check(&s, &h, BODY),
            Err(VerifyError::NoMatchingSignature),
            "{bad}"
        );
    }
}

#[test]
fn a_truncated_signature_fails() {
    let s = vector_secret();
    let ts = now_secs();
    let mut h = headers(&s, ID, ts, BODY);
    let tag = STANDARD.decode(h[2].1.trim_start_matches("v1,")).unwrap();
    set(
        &mut h,
        "webhook-signature",
        &format!("v1,{}", STANDARD.encode(&tag[..16])),
    );
    assert_eq!(check(&s, &h, BODY), Err(VerifyError::NoMatchingSignature));
}

#[test]
fn header_names_match_case_insensitively() {
    let s = vector_secret();
    let h = headers(&s, ID, now_secs(), BODY);
    let upper: Vec<(String, String)> = h
        .iter()
        .map(|(n, v)| (n.to_ascii_uppercase(), v.clone()))
        .collect();
    assert_eq!(verify(&s, &upper, BODY, NOW, DEFAULT_TOLERANCE), Ok(()));
}

#[test]
fn missing_headers_are_named() {
    let s = vector_secret();
    let h = headers(&s, ID, now_secs(), BODY);
    for (i, name) in [HEADER_ID, HEADER_TIMESTAMP, HEADER_SIGNATURE]
        .into_iter()
        .enumerate()
    {
        let partial: Vec<_> = h
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, p)| p.clone())
            .collect();
        assert_eq!(
            check(&s, &partial, BODY),
            Err(VerifyError::MissingHeader(name))
        );
    }
}

#[test]
fn malformed_timestamps_and_ids_are_refused() {
    let s = vector_secret();
    for bad in ["", "abc", "+1741064767", "-5", "01741064767", "1.5"] {
        let mut h = headers(&s, ID, now_secs(), BODY);
        set(&mut h, "webhook-timestamp", bad);
        assert_eq!(
            check(&s, &h, BODY),
            Err(VerifyError::InvalidTimestamp),
            "{bad:?}"
        );
    }
    // A `.` in the id could shift text between the id and the timestamp.
    let h = headers(&s, "msg.1", now_secs(), BODY);
    assert_eq!(check(&s, &h, BODY), Err(VerifyError::InvalidId));
}

proptest::proptest! {
    #[test]
    fn any_payload_round_trips_and_any_flipped_bit_fails(
        body in proptest::collection::vec(proptest::num::u8::ANY, 0..256),
        bit in 0usize..2048,
    ) {
        let s = vector_secret();
        let h = headers(&s, ID, now_secs(), &body);
        proptest::prop_assert_eq!(check(&s, &h, &body), Ok(()));
        if !body.is_empty() {
            let mut tampered = body.clone();
            tampered[(bit / 8) % body.len()] ^= 1 << (bit % 8);
            proptest::prop_assert_eq!(check(&s, &h, &tampered), Err(VerifyError::NoMatchingSignature));
        }
    }
}
