use super::*;

const CB: &str = "https://system-admin.okta.com/admin/app/cpc/acme/oauth/callback";
const CB2: &str = "https://system-admin.oktapreview.com/admin/app/cpc/acme/oauth/callback";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const SCOPES: &[&str] = &["scim"];

fn uris(list: &[&str]) -> Vec<RedirectUri> {
    list.iter()
        .map(|u| RedirectUri::parse(u).unwrap())
        .collect()
}

fn client(redirect_uris: &[RedirectUri]) -> ClientView<'_> {
    ClientView {
        client_id: "cid",
        redirect_uris,
        requires_pkce: false,
        allowed_scopes: SCOPES,
    }
}

fn okta_query(extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut q: Vec<(String, String)> = [
        ("response_type", "code"),
        ("client_id", "cid"),
        ("redirect_uri", CB),
        ("state", "xyz"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    for (k, v) in extra {
        // Replace the parameter; an empty value is still sent (RFC 6749 §3.1: it
        // counts as omitted).
        q.retain(|(key, _)| key != k);
        q.push(((*k).to_owned(), (*v).to_owned()));
    }
    q
}

fn validate(
    q: &[(String, String)],
    registered: &[&str],
) -> Result<ValidAuthorizeRequest, AuthorizeError> {
    let uris = uris(registered);
    AuthorizeRequest::from_query(q.iter().map(|(k, v)| (k, v))).validate(&client(&uris))
}

fn render(q: &[(String, String)], registered: &[&str]) -> RenderError {
    match validate(q, registered) {
        Err(AuthorizeError::Render(r)) => r,
        other => panic!("expected Render, got {other:?}"),
    }
}

fn redirect(q: &[(String, String)], registered: &[&str]) -> (String, ErrorCode) {
    match validate(q, registered) {
        Err(AuthorizeError::Redirect { to, error }) => (to, error.code),
        other => panic!("expected Redirect, got {other:?}"),
    }
}

#[test]
fn okta_request_is_valid_and_defaults_scope() {
    let v = validate(&okta_query(&[]), &[CB, CB2]).unwrap();
    assert_eq!(v.client_id(), "cid");
    assert_eq!(v.redirect_uri().as_str(), CB);
    assert!(v.redirect_uri_sent());
    assert_eq!(v.scopes(), ["scim"]);
    assert_eq!(v.scope_string(), "scim");
    assert!(!v.offline_access());
    assert_eq!(v.state(), Some("xyz"));
    assert!(v.code_challenge().is_none());
    assert_eq!(
        v.success_redirect("c0de"),
        format!("{CB}?code=c0de&state=xyz")
    );
    assert_eq!(
        v.error_redirect(&OAuthError::new(ErrorCode::AccessDenied, "denied")),
        format!("{CB}?error=access_denied&error_description=denied&state=xyz")
    );
}

#[test]
fn bad_client_or_redirect_uri_renders_never_redirects() {
    let no_client: Vec<_> = okta_query(&[])
        .into_iter()
        .filter(|(k, _)| k != "client_id")
        .collect();
    assert_eq!(render(&no_client, &[CB]), RenderError::MissingClientId);
    let mut dup_client = okta_query(&[]);
    dup_client.push(("client_id".into(), "cid".into()));
    assert_eq!(render(&dup_client, &[CB]), RenderError::MissingClientId);
    assert_eq!(
        render(&okta_query(&[("client_id", "other")]), &[CB]),
        RenderError::ClientMismatch
    );
    let mut dup_redirect = okta_query(&[]);
    dup_redirect.push(("redirect_uri".into(), CB.into()));
    assert_eq!(
        render(&dup_redirect, &[CB]),
        RenderError::RepeatedRedirectUri
    );
    for attempt in [
        "https://evil.example/cb",
        "https://system-admin.okta.com.evil.com/admin/app/cpc/acme/oauth/callback",
        "https://system-admin.okta.com/admin/app/cpc/acme/oauth/callback/../../evil",
        "https://system-admin.okta.com@evil.com/",
        "https://system-admin.okta.com/admin/app/cpc/acme/oauth/callback/",
        "https://system-admin.okta.com/admin/app/cpc/acme/oauth/callback?x=1",
        "https://system-admin.okta.com/admin/app/cpc/acme/oauth/callback#f",
        CB2,
        "not a url",
    ] {
        assert_eq!(
            render(&okta_query(&[("redirect_uri", attempt)]), &[CB]),
            RenderError::UnregisteredRedirectUri,
            "{attempt}"
        );
    }
    // Even with other errors present, a bad redirect_uri is rendered.
    assert_eq!(
        render(
            &okta_query(&[
                ("redirect_uri", "https://evil.example/"),
                ("response_type", "token")
            ]),
            &[CB]
        ),
        RenderError::UnregisteredRedirectUri
    );
}

#[test]
fn redirect_uri_may_be_omitted_only_with_one_registered() {
    let q = okta_query(&[("redirect_uri", "")]);
    let v = validate(&q, &[CB]).unwrap();
    assert_eq!(v.redirect_uri().as_str(), CB);
    assert!(!v.redirect_uri_sent());
    assert_eq!(render(&q, &[CB, CB2]), RenderError::RedirectUriRequired);
    assert_eq!(render(&q, &[]), RenderError::RedirectUriRequired);
}

#[test]
fn response_type_other_than_code_redirects_unsupported() {
    let (to, code) = redirect(&okta_query(&[("response_type", "token")]), &[CB]);
    assert_eq!(code, ErrorCode::UnsupportedResponseType);
    assert!(to.starts_with(&format!(
        "{CB}?error=unsupported_response_type&error_description="
    )));
    assert!(to.ends_with("&state=xyz"));
    let (_, code) = redirect(&okta_query(&[("response_type", "")]), &[CB]);
    assert_eq!(code, ErrorCode::InvalidRequest);
}

#[test]
fn repeated_parameters_redirect_invalid_request() {
    for name in [
        "response_type",
        "scope",
        "code_challenge",
        "code_challenge_method",
    ] {
        let mut q = okta_query(&[]);
        q.push((name.into(), "a".into()));
        q.push((name.into(), "b".into()));
        let (to, code) = redirect(&q, &[CB]);
        assert_eq!(code, ErrorCode::InvalidRequest, "{name}");
        assert!(to.contains("state=xyz"), "{to}");
    }
    let mut q = okta_query(&[]);
    q.push(("state".into(), "again".into()));
    let (to, code) = redirect(&q, &[CB]);
    assert_eq!(code, ErrorCode::InvalidRequest);
    assert!(
        !to.contains("state="),
        "a repeated state is not echoed: {to}"
    );
}

#[test]
fn state_round_trips_and_is_capped() {
    let state = "a b&c=d/é";
    let v = validate(&okta_query(&[("state", state)]), &[CB]).unwrap();
    assert_eq!(v.state(), Some(state));
    let to = v.success_redirect("c");
    let url = url::Url::parse(&to).unwrap();
    let back: Vec<_> = url.query_pairs().filter(|(k, _)| k == "state").collect();
    assert_eq!(back[0].1, state);
    let long = "s".repeat(MAX_STATE_LEN + 1);
    let (to, code) = redirect(&okta_query(&[("state", &long)]), &[CB]);
    assert_eq!(code, ErrorCode::InvalidRequest);
    assert!(!to.contains(&long));
}

#[test]
fn existing_query_of_registered_uri_is_kept() {
    let reg = "https://h.example/cb?x=1";
    let v = validate(&okta_query(&[("redirect_uri", reg)]), &[reg]).unwrap();
    assert_eq!(
        v.success_redirect("c"),
        "https://h.example/cb?x=1&code=c&state=xyz"
    );
}

#[test]
fn scope_rules() {
    let v = validate(&okta_query(&[("scope", "offline_access scim")]), &[CB]).unwrap();
    assert_eq!(v.scopes(), ["scim"]);
    assert!(v.offline_access());
    let v = validate(&okta_query(&[("scope", "offline_access")]), &[CB]).unwrap();
    assert_eq!(v.scopes(), ["scim"]);
    for bad in ["admin", "scim admin", "scim\u{7f}"] {
        let (to, code) = redirect(&okta_query(&[("scope", bad)]), &[CB]);
        assert_eq!(code, ErrorCode::InvalidScope, "{bad}");
        assert!(to.contains("error=invalid_scope"));
    }
    assert_eq!(
        parse_scope(Some("b  a b"), &["a", "b"]).unwrap(),
        (vec!["a".to_owned(), "b".to_owned()], false)
    );
}

#[test]
fn pkce_at_authorize() {
    let v = validate(
        &okta_query(&[
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ]),
        &[CB],
    )
    .unwrap();
    assert_eq!(
        v.code_challenge().map(CodeChallenge::as_str),
        Some(CHALLENGE)
    );
    for extra in [
        &[
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "plain"),
        ][..],
        &[("code_challenge", CHALLENGE)][..],
        &[
            ("code_challenge", "short"),
            ("code_challenge_method", "S256"),
        ][..],
        &[("code_challenge_method", "S256")][..],
    ] {
        let (to, code) = redirect(&okta_query(extra), &[CB]);
        assert_eq!(code, ErrorCode::InvalidRequest, "{extra:?}");
        assert!(to.contains("state=xyz"));
    }
}

#[test]
fn client_requiring_pkce_rejects_missing_challenge() {
    let uris = uris(&[CB]);
    let strict = ClientView {
        requires_pkce: true,
        ..client(&uris)
    };
    let q = okta_query(&[]);
    let err = AuthorizeRequest::from_query(q.clone())
        .validate(&strict)
        .unwrap_err();
    assert!(
        matches!(err, AuthorizeError::Redirect { ref error, .. } if error.code == ErrorCode::InvalidRequest)
    );
    let ok = okta_query(&[
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ]);
    assert!(AuthorizeRequest::from_query(ok).validate(&strict).is_ok());
}

#[test]
fn unknown_parameters_are_ignored_and_client_id_is_exposed() {
    let q = okta_query(&[("nonce", "n"), ("prompt", "login")]);
    let req = AuthorizeRequest::from_query(q.clone());
    assert_eq!(req.client_id(), Some("cid"));
    assert!(validate(&q, &[CB]).is_ok());
}
