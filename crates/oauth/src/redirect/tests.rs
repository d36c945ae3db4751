use super::*;

const OKTA: &str = "https://system-admin.okta.com/admin/app/cpc/myapp_1/oauth/callback";

fn uri(s: &str) -> RedirectUri {
    RedirectUri::parse(s).unwrap()
}

#[test]
fn accepts_https_loopback_http_and_query() {
    for ok in [
        OKTA,
        "https://example.com/cb?x=1",
        "http://127.0.0.1:8080/cb",
        "http://127.9.9.9/cb",
        "http://[::1]:9000/cb",
        "http://localhost:3000/callback",
        "https://example.com/",
    ] {
        assert_eq!(uri(ok).as_str(), ok);
    }
}

type Check = fn(&RedirectUriError) -> bool;

#[test]
fn rejects_registration_rule_violations() {
    use RedirectUriError as E;
    let cases: [(&str, Check); 12] = [
        ("/relative/cb", |e| matches!(e, E::NotAbsolute(_))),
        ("http://example.com/cb", |e| matches!(e, E::InsecureScheme)),
        ("http://x", |e| matches!(e, E::InsecureScheme)),
        ("http://localhost.evil.com/cb", |e| {
            matches!(e, E::InsecureScheme)
        }),
        ("http://128.0.0.1/cb", |e| matches!(e, E::InsecureScheme)),
        ("javascript:alert(1)", |e| matches!(e, E::InsecureScheme)),
        ("https://example.com/cb#f", |e| matches!(e, E::Fragment)),
        ("https://example.com/cb#", |e| matches!(e, E::Fragment)),
        ("https://*.okta.com/cb", |e| matches!(e, E::Wildcard)),
        ("https://system-admin.okta.com@evil.com/", |e| {
            matches!(e, E::UserInfo)
        }),
        ("https://user:pw@example.com/", |e| matches!(e, E::UserInfo)),
        (&"https://e.com/".repeat(200), |e| matches!(e, E::TooLong)),
    ];
    for (raw, check) in cases {
        let err = RedirectUri::parse(raw).unwrap_err();
        assert!(check(&err), "{raw}: {err:?}");
    }
}

#[test]
fn rejects_non_normalised_forms_instead_of_rewriting_them() {
    for raw in [
        "https://system-admin.okta.com/admin/app/cpc/x/oauth/callback/../../evil",
        "https://System-Admin.Okta.com/cb",
        "https://example.com:443/cb",
        "https://example.com",
        "https:\\\\example.com\\cb",
        "https://example.com/a b",
    ] {
        assert!(
            matches!(
                RedirectUri::parse(raw),
                Err(RedirectUriError::NotNormalised { .. })
            ),
            "{raw}"
        );
    }
}

#[test]
fn matching_is_exact_string_comparison() {
    let r = uri(OKTA);
    assert!(r.matches(OKTA));
    for presented in [
        &format!("{OKTA}/"),
        "https://system-admin.okta.com/admin/app/cpc/myapp_1/oauth/callback?x=1",
        "https://SYSTEM-ADMIN.okta.com/admin/app/cpc/myapp_1/oauth/callback",
        "https://system-admin.okta.com:443/admin/app/cpc/myapp_1/oauth/callback",
        "https://system-admin.okta.com/admin/app/cpc/myapp_1/oauth/callback#frag",
        "https://system-admin.okta.com.evil.com/admin/app/cpc/myapp_1/oauth/callback",
        "https://system-admin.okta.com@evil.com/admin/app/cpc/myapp_1/oauth/callback",
        "https://system-admin.okta.com/admin/app/cpc/myapp_1/oauth/callback/../../evil",
        "https://system-admin.okta.com/admin/app/cpc/myapp_1/oauth/callback/..;/evil",
        "https://system-admin.okta.com/admin/app/cpc/myapp_1%2Foauth%2Fcallback",
        "http://system-admin.okta.com/admin/app/cpc/myapp_1/oauth/callback",
        "",
    ] {
        assert!(!r.matches(presented), "{presented}");
    }
    let slash = uri("https://example.com/cb/");
    assert!(!slash.matches("https://example.com/cb"));
}

#[test]
fn okta_presets_cover_the_four_https_cells() {
    let presets = okta_presets("acme-scim_2").unwrap();
    let got: Vec<&str> = presets.iter().map(RedirectUri::as_str).collect();
    assert_eq!(
        got,
        [
            "https://system-admin.okta.com/admin/app/cpc/acme-scim_2/oauth/callback",
            "https://system-admin.okta-emea.com/admin/app/cpc/acme-scim_2/oauth/callback",
            "https://system-admin.oktapreview.com/admin/app/cpc/acme-scim_2/oauth/callback",
            "https://system-admin.trexcloud.com/admin/app/cpc/acme-scim_2/oauth/callback",
        ]
    );
}

#[test]
fn okta_app_name_cannot_inject_path_or_host() {
    for bad in [
        "",
        "a/b",
        "..",
        "a?x=1",
        "a#f",
        "a@evil.com",
        "a b",
        "évil",
        "a%2Fb",
        "a.b",
        &"a".repeat(MAX_APP_NAME_LEN + 1),
    ] {
        assert_eq!(
            okta_presets(bad).unwrap_err(),
            RedirectUriError::InvalidAppName,
            "{bad}"
        );
    }
}

#[test]
fn with_params_keeps_existing_query_and_encodes() {
    let r = uri("https://h.example/cb?x=1");
    assert_eq!(
        r.with_params(&[("code", "abc"), ("state", "a b&c=d/é")]),
        "https://h.example/cb?x=1&code=abc&state=a+b%26c%3Dd%2F%C3%A9"
    );
    assert_eq!(
        uri(OKTA).with_params(&[("error", "access_denied")]),
        format!("{OKTA}?error=access_denied")
    );
}
