use super::*;

#[test]
fn codes_have_exact_wire_values_and_statuses() {
    let table = [
        (ErrorCode::InvalidRequest, "invalid_request", 400),
        (ErrorCode::InvalidClient, "invalid_client", 401),
        (ErrorCode::InvalidGrant, "invalid_grant", 400),
        (ErrorCode::UnauthorizedClient, "unauthorized_client", 400),
        (
            ErrorCode::UnsupportedGrantType,
            "unsupported_grant_type",
            400,
        ),
        (ErrorCode::InvalidScope, "invalid_scope", 400),
        (ErrorCode::AccessDenied, "access_denied", 400),
        (
            ErrorCode::UnsupportedResponseType,
            "unsupported_response_type",
            400,
        ),
        (ErrorCode::ServerError, "server_error", 500),
        (
            ErrorCode::TemporarilyUnavailable,
            "temporarily_unavailable",
            503,
        ),
        (
            ErrorCode::UnsupportedTokenType,
            "unsupported_token_type",
            400,
        ),
    ];
    for (code, text, status) in table {
        assert_eq!(code.as_str(), text);
        assert_eq!(code.to_string(), text);
        assert_eq!(OAuthError::new(code, "x").status(), status, "{text}");
    }
}

#[test]
fn serializes_to_rfc6749_body() {
    let e = OAuthError::invalid_grant("code expired");
    assert_eq!(
        serde_json::to_value(&e).unwrap(),
        serde_json::json!({"error": "invalid_grant", "error_description": "code expired"})
    );
    let bare = OAuthError::new(ErrorCode::InvalidClient, "");
    assert_eq!(
        serde_json::to_string(&bare).unwrap(),
        r#"{"error":"invalid_client"}"#
    );
}

#[test]
fn description_is_sanitized_to_the_rfc6749_set() {
    let e = OAuthError::invalid_request("bad \"x\" \\ é\n\tend~");
    assert_eq!(e.description, "bad 'x' / ???end~");
    assert!(
        e.description
            .bytes()
            .all(|b| matches!(b, 0x20..=0x21 | 0x23..=0x5B | 0x5D..=0x7E))
    );
    assert_eq!(e.to_string(), "invalid_request: bad 'x' / ???end~");
}
