use super::*;
use crate::error::ErrorCode;

// RFC 7636 Appendix B.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

fn challenge() -> CodeChallenge {
    CodeChallenge::parse(CHALLENGE, Some("S256")).unwrap()
}

#[test]
fn rfc7636_appendix_b_vector_verifies() {
    let c = challenge();
    assert_eq!(c.as_str(), CHALLENGE);
    assert!(c.verify(VERIFIER));
}

#[test]
fn mismatched_or_malformed_verifier_fails() {
    let c = challenge();
    assert!(!c.verify("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK"));
    assert!(!c.verify(CHALLENGE));
    assert!(!c.verify("short"));
    assert!(!c.verify(&"a".repeat(129)));
    assert!(!c.verify(&format!("{VERIFIER}+")));
    assert!(!c.verify(""));
}

#[test]
fn only_s256_is_accepted() {
    assert_eq!(
        CodeChallenge::parse(CHALLENGE, None),
        Err(PkceError::MissingMethod)
    );
    for m in ["plain", "s256", "S512", ""] {
        assert_eq!(
            CodeChallenge::parse(CHALLENGE, Some(m)),
            Err(PkceError::UnsupportedMethod),
            "{m}"
        );
    }
    assert!(
        PkceError::UnsupportedMethod
            .to_string()
            .contains("plain and downgrades rejected")
    );
}

#[test]
fn challenge_must_be_43_to_128_unreserved_chars() {
    for bad in [
        &"a".repeat(42),
        &"a".repeat(129),
        &format!("{}=", &CHALLENGE[..42]),
        &format!("{}/", &CHALLENGE[..42]),
    ] {
        assert_eq!(
            CodeChallenge::parse(bad, Some("S256")),
            Err(PkceError::MalformedChallenge),
            "{bad}"
        );
    }
    assert!(CodeChallenge::parse(&"a~._-".repeat(26)[..128], Some("S256")).is_ok());
}

#[test]
fn token_side_check_blocks_mismatch_and_downgrades() {
    let c = challenge();
    assert!(check_pkce(None, None).is_ok());
    assert!(check_pkce(Some(&c), Some(VERIFIER)).is_ok());
    for (stored, verifier) in [
        (
            Some(&c),
            Some("wrong-wrong-wrong-wrong-wrong-wrong-wrong-wrong"),
        ),
        // Challenge sent at authorize, verifier missing at token: downgrade.
        (Some(&c), None),
        // Verifier without a challenge: RFC 9700 §4.8 downgrade.
        (None, Some(VERIFIER)),
    ] {
        let e = check_pkce(stored, verifier).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidGrant);
    }
}
