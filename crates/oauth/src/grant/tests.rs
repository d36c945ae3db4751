use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use secrecy::ExposeSecret;

use super::*;
use crate::error::ErrorCode;

fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn basic(raw: &str) -> String {
    format!("Basic {}", STANDARD.encode(raw))
}

#[test]
fn basic_credentials_are_form_urldecoded() {
    let c = ClientCredentials::from_request(Some(&basic("my%20id:s%3Acr%2Bt+x")), &[]).unwrap();
    assert_eq!(c.client_id, "my id");
    assert_eq!(c.client_secret.expose_secret(), "s:cr+t x");
    assert_eq!(c.method, AuthMethod::Basic);
    // Only the first colon splits; scheme is case-insensitive; padding optional.
    let header = format!("basic {}", STANDARD.encode("id:a:b").trim_end_matches('='));
    let c = ClientCredentials::from_request(Some(&header), &[]).unwrap();
    assert_eq!(c.client_secret.expose_secret(), "a:b");
}

#[test]
fn body_credentials_are_accepted() {
    let c = ClientCredentials::from_request(
        None,
        &form(&[
            ("grant_type", "refresh_token"),
            ("client_id", "id"),
            ("client_secret", "s"),
        ]),
    )
    .unwrap();
    assert_eq!((c.client_id.as_str(), c.method), ("id", AuthMethod::Post));
    assert_eq!(c.client_secret.expose_secret(), "s");
}

#[test]
fn basic_with_redundant_equal_body_client_id_is_tolerated() {
    let c = ClientCredentials::from_request(Some(&basic("id:s")), &form(&[("client_id", "id")]))
        .unwrap();
    assert_eq!(c.method, AuthMethod::Basic);
}

#[test]
fn conflicting_or_missing_credentials_are_refused() {
    let code = |h: Option<&str>, f: &[(&str, &str)]| {
        ClientCredentials::from_request(h, &form(f))
            .unwrap_err()
            .code
    };
    let b = basic("id:s");
    assert_eq!(
        code(Some(&b), &[("client_id", "other")]),
        ErrorCode::InvalidRequest
    );
    assert_eq!(
        code(Some(&b), &[("client_secret", "s")]),
        ErrorCode::InvalidRequest
    );
    assert_eq!(
        code(
            None,
            &[
                ("client_id", "id"),
                ("client_id", "id"),
                ("client_secret", "s")
            ]
        ),
        ErrorCode::InvalidRequest
    );
    assert_eq!(code(None, &[]), ErrorCode::InvalidClient);
    assert_eq!(code(None, &[("client_id", "id")]), ErrorCode::InvalidClient);
    assert_eq!(
        code(None, &[("client_secret", "s")]),
        ErrorCode::InvalidClient
    );
    for bad in [
        "Bearer abc".to_owned(),
        "Basic".to_owned(),
        "Basic !!!notbase64".to_owned(),
        basic("no-colon"),
        basic(":secret"),
        basic("id:bad%zz"),
        format!("Basic {}", STANDARD.encode([0xff, b':', b'x'])),
    ] {
        assert_eq!(code(Some(&bad), &[]), ErrorCode::InvalidClient, "{bad}");
    }
}

#[test]
fn token_requests_parse_per_grant() {
    let r = TokenRequest::parse(&form(&[
        ("grant_type", "authorization_code"),
        ("code", "c"),
        ("redirect_uri", "https://h/cb"),
        ("code_verifier", "v"),
    ]))
    .unwrap();
    let TokenRequest::AuthorizationCode {
        code,
        redirect_uri,
        code_verifier,
    } = &r
    else {
        panic!("{r:?}");
    };
    assert_eq!(code.expose_secret(), "c");
    assert_eq!(redirect_uri.as_deref(), Some("https://h/cb"));
    assert_eq!(
        code_verifier.as_ref().map(ExposeSecret::expose_secret),
        Some("v")
    );
    assert_eq!(r.grant_type(), "authorization_code");

    let r = TokenRequest::parse(&form(&[
        ("grant_type", "authorization_code"),
        ("code", "c"),
    ]))
    .unwrap();
    assert!(matches!(
        r,
        TokenRequest::AuthorizationCode {
            redirect_uri: None,
            code_verifier: None,
            ..
        }
    ));

    let r = TokenRequest::parse(&form(&[
        ("grant_type", "refresh_token"),
        ("refresh_token", "rt"),
        ("scope", "scim"),
    ]))
    .unwrap();
    let TokenRequest::RefreshToken {
        refresh_token,
        scope,
    } = &r
    else {
        panic!("{r:?}")
    };
    assert_eq!(
        (refresh_token.expose_secret(), scope.as_deref()),
        ("rt", Some("scim"))
    );

    let r = TokenRequest::parse(&form(&[("grant_type", "client_credentials")])).unwrap();
    assert!(matches!(r, TokenRequest::ClientCredentials { scope: None }));
    assert_eq!(r.grant_type(), "client_credentials");
}

#[test]
fn token_request_errors() {
    let code = |f: &[(&str, &str)]| TokenRequest::parse(&form(f)).unwrap_err().code;
    assert_eq!(code(&[]), ErrorCode::InvalidRequest);
    assert_eq!(code(&[("grant_type", "")]), ErrorCode::InvalidRequest);
    for g in [
        "password",
        "implicit",
        "urn:ietf:params:oauth:grant-type:device_code",
    ] {
        assert_eq!(
            code(&[("grant_type", g)]),
            ErrorCode::UnsupportedGrantType,
            "{g}"
        );
    }
    assert_eq!(
        code(&[("grant_type", "authorization_code")]),
        ErrorCode::InvalidRequest
    );
    assert_eq!(
        code(&[("grant_type", "refresh_token")]),
        ErrorCode::InvalidRequest
    );
    assert_eq!(
        code(&[
            ("grant_type", "authorization_code"),
            ("code", "a"),
            ("code", "b")
        ]),
        ErrorCode::InvalidRequest
    );
    assert_eq!(
        code(&[
            ("grant_type", "refresh_token"),
            ("grant_type", "refresh_token"),
            ("refresh_token", "r")
        ]),
        ErrorCode::InvalidRequest
    );
}

#[test]
fn debug_never_shows_secrets() {
    let secrets = ["S3CRETxyz", "C0DExyz", "VERIFIERxyz", "REFRESHxyz"];
    let creds = ClientCredentials::from_request(
        None,
        &form(&[("client_id", "id"), ("client_secret", secrets[0])]),
    )
    .unwrap();
    let basic_creds =
        ClientCredentials::from_request(Some(&basic(&format!("id:{}", secrets[0]))), &[]).unwrap();
    let code = TokenRequest::parse(&form(&[
        ("grant_type", "authorization_code"),
        ("code", secrets[1]),
        ("code_verifier", secrets[2]),
    ]))
    .unwrap();
    let refresh = TokenRequest::parse(&form(&[
        ("grant_type", "refresh_token"),
        ("refresh_token", secrets[3]),
    ]))
    .unwrap();
    let printed = format!("{creds:?} {basic_creds:?} {code:?} {refresh:?} {code:#?}");
    assert!(printed.contains("REDACTED"));
    for s in secrets {
        assert!(!printed.contains(s), "{s} leaked in {printed}");
    }
}

#[test]
fn redirect_binding_at_token_endpoint() {
    let used = "https://h/cb";
    assert!(check_redirect_binding(used, true, Some(used)).is_ok());
    assert!(check_redirect_binding(used, false, None).is_ok());
    assert!(check_redirect_binding(used, false, Some(used)).is_ok());
    assert_eq!(
        check_redirect_binding(used, true, None).unwrap_err().code,
        ErrorCode::InvalidRequest
    );
    for other in ["https://h/cb/", "https://H/cb", "https://evil/cb"] {
        assert_eq!(
            check_redirect_binding(used, true, Some(other))
                .unwrap_err()
                .code,
            ErrorCode::InvalidGrant
        );
    }
}
