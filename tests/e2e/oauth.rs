//! Okta's "OAuth 2.0 Authorization Code" connection (seed 003), end to end: the
//! workspace admin generates credentials with the CLI, Okta's admin approves in a
//! browser (plain HTTP with a cookie here), and a real OAuth client library (the
//! `oauth2` crate) exchanges and refreshes tokens that SCIM then accepts. Then the
//! security checklist's negative cases (docs/oauth.md), each against the binary.

use std::collections::HashMap;

use oauth2::basic::{BasicClient, BasicErrorResponseType};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet,
    EndpointSet, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError,
    TokenResponse, TokenUrl,
};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::{Value, json};

use crate::harness::{Backend, Env, Gateway, scim};

const CALLBACK: &str = "http://127.0.0.1:9/oauth/callback";

type Client = BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

/// A browser without JavaScript: follows nothing by itself, keeps cookies.
struct Browser {
    http: reqwest::Client,
    cookies: HashMap<String, String>,
}

impl Browser {
    fn new() -> Self {
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: HashMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep(&mut self, resp: &reqwest::Response) {
        for c in resp.headers().get_all(SET_COOKIE) {
            let text = c.to_str().unwrap();
            let (pair, _) = text.split_once(';').unwrap_or((text, ""));
            let (k, v) = pair.split_once('=').unwrap();
            if v.is_empty() || text.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), v.to_owned());
            }
        }
    }

    async fn get(&mut self, url: &str) -> (StatusCode, reqwest::header::HeaderMap, String) {
        let resp = self
            .http
            .get(url)
            .header(COOKIE, self.cookie_header())
            .send()
            .await
            .unwrap();
        self.keep(&resp);
        (
            resp.status(),
            resp.headers().clone(),
            resp.text().await.unwrap(),
        )
    }

    async fn post(
        &mut self,
        url: &str,
        form: &[(&str, &str)],
    ) -> (StatusCode, reqwest::header::HeaderMap, String) {
        let resp = self
            .http
            .post(url)
            .header(COOKIE, self.cookie_header())
            .form(form)
            .send()
            .await
            .unwrap();
        self.keep(&resp);
        (
            resp.status(),
            resp.headers().clone(),
            resp.text().await.unwrap(),
        )
    }

    /// Signs in through the login page, as a person would.
    async fn sign_in(&mut self, gw: &Gateway, email: &str, password: &str) {
        let (status, _, page) = self.get(&gw.url("/admin/login")).await;
        assert_eq!(status, StatusCode::OK);
        let csrf = hidden(&page, "csrf");
        let (status, headers, _) = self
            .post(
                &gw.url("/admin/login"),
                &[
                    ("email", email),
                    ("password", password),
                    ("csrf", &csrf),
                    ("next", "/admin"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "sign-in failed");
        assert_eq!(headers[LOCATION], "/admin");
    }

    /// Opens the authorization URL signed in and clicks `decision`; returns the
    /// redirect Location.
    async fn approve(&mut self, authorize_url: &str, decision: &str) -> String {
        let (status, headers, page) = self.get(authorize_url).await;
        assert_eq!(status, StatusCode::OK, "consent page expected: {page}");
        for (h, v) in [
            ("cache-control", "no-store"),
            ("x-frame-options", "DENY"),
            ("referrer-policy", "no-referrer"),
        ] {
            assert_eq!(headers[h], v, "{h}");
        }
        assert!(
            headers["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("frame-ancestors 'none'")
        );
        let ticket = hidden(&page, "ticket");
        let base = authorize_url.split_once('?').unwrap().0;
        let (status, headers, _) = self
            .post(base, &[("ticket", &ticket), ("decision", decision)])
            .await;
        assert_eq!(
            status,
            StatusCode::SEE_OTHER,
            "consent answers 303 See Other"
        );
        headers[LOCATION].to_str().unwrap().to_owned()
    }
}

/// The value of a hidden form field.
fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} field in {page}"))
        + marker.len();
    page[start..].split('"').next().unwrap().to_owned()
}

/// A query parameter of a redirect Location.
fn param(location: &str, name: &str) -> Option<String> {
    let url = url::Url::parse(location).unwrap();
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

struct Setup {
    env: Env,
    gw: Gateway,
    client_id: String,
    client_secret: String,
    password: String,
}

async fn setup(backend: Backend, serve_args: &[&str]) -> Setup {
    let env = Env::new(backend).await;
    env.cli(&["workspace", "create", "--name", "Acme"]).await;
    let admin = env
        .cli(&[
            "admin",
            "create",
            "--workspace",
            "acme",
            "--email",
            "IT@Acme.test",
        ])
        .await;
    assert_eq!(admin["email"], "it@acme.test");
    let password = admin["password"].as_str().unwrap().to_owned();
    let created = env
        .cli(&[
            "client",
            "create",
            "--workspace",
            "acme",
            "--redirect-uri",
            CALLBACK,
            "--okta-app",
            "acme",
        ])
        .await;
    for key in ["authorization_url", "token_url", "tenant_url"] {
        assert!(
            created[key].as_str().unwrap().starts_with("http://"),
            "{key}"
        );
    }
    assert_eq!(created["redirect_uris"].as_array().unwrap().len(), 5);
    let gw = env.start_with(serve_args, &[]).await;
    Setup {
        client_id: created["client_id"].as_str().unwrap().to_owned(),
        client_secret: created["client_secret"].as_str().unwrap().to_owned(),
        env,
        gw,
        password,
    }
}

fn oauth_client(s: &Setup, auth: AuthType) -> Client {
    BasicClient::new(ClientId::new(s.client_id.clone()))
        .set_client_secret(ClientSecret::new(s.client_secret.clone()))
        .set_auth_uri(AuthUrl::new(s.gw.url("/oauth/authorize")).unwrap())
        .set_token_uri(TokenUrl::new(s.gw.url("/oauth/token")).unwrap())
        .set_redirect_uri(RedirectUrl::new(CALLBACK.to_owned()).unwrap())
        .set_auth_type(auth)
}

fn http() -> oauth2::reqwest::Client {
    oauth2::reqwest::Client::builder()
        .redirect(oauth2::reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The server's error code of a failed token request.
fn error_code<T: std::fmt::Debug>(
    r: Result<T, RequestTokenError<impl std::error::Error, oauth2::basic::BasicErrorResponse>>,
) -> BasicErrorResponseType {
    match r {
        Err(RequestTokenError::ServerResponse(e)) => e.error().clone(),
        other => panic!("expected an OAuth error response, got {other:?}"),
    }
}

async fn scim_status(gw: &Gateway, token: &str) -> StatusCode {
    scim(
        gw,
        reqwest::Method::GET,
        "/scim/v2/Users?count=1",
        token,
        None,
    )
    .await
    .0
}

/// Signs in, approves and returns the code and the PKCE verifier (when used).
async fn authorize(
    browser: &mut Browser,
    client: &Client,
    pkce: bool,
) -> (String, Option<PkceCodeVerifier>) {
    let mut req = client.authorize_url(|| CsrfToken::new("a b&c=d/é".to_owned()));
    let verifier = if pkce {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        req = req.set_pkce_challenge(challenge);
        Some(verifier)
    } else {
        None
    };
    let (url, state) = req.url();
    let location = browser.approve(url.as_str(), "allow").await;
    assert!(location.starts_with(CALLBACK), "{location}");
    assert_eq!(
        param(&location, "state").as_deref(),
        Some(state.secret().as_str()),
        "state round-trips exactly"
    );
    (param(&location, "code").unwrap(), verifier)
}

async fn okta_connects_with_oauth(backend: Backend) {
    let s = setup(backend, &[]).await;
    let mut browser = Browser::new();

    // Okta's "Authenticate with" opens the authorization URL; not signed in yet.
    let client = oauth_client(&s, AuthType::BasicAuth);
    let (url, _) = client.authorize_url(CsrfToken::new_random).url();
    let (status, headers, _) = browser.get(url.as_str()).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let login = headers[LOCATION].to_str().unwrap().to_owned();
    assert!(
        login.starts_with("/admin/login?next=%2Foauth%2Fauthorize"),
        "{login}"
    );
    browser.sign_in(&s.gw, "it@acme.test", &s.password).await;
    let session = browser.cookies.get("scimgate_session").unwrap().clone();
    assert!(session.starts_with("sgss_"));

    // Allow, then Okta exchanges the code with HTTP Basic.
    let (code, _) = authorize(&mut browser, &client, false).await;
    let tokens = client
        .exchange_code(AuthorizationCode::new(code.clone()))
        .request_async(&http())
        .await
        .unwrap();
    assert_eq!(tokens.expires_in().unwrap().as_secs(), 3600);
    assert_eq!(tokens.scopes().unwrap()[0].as_str(), "scim");
    let access = tokens.access_token().secret().clone();
    let refresh1 = tokens.refresh_token().unwrap().secret().clone();

    // SCIM accepts the access token like a workspace token.
    let user = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "ada@acme.test", "active": true,
        "name": {"givenName": "Ada", "familyName": "Lovelace"},
        "emails": [{"value": "ada@acme.test", "type": "work", "primary": true}]
    });
    let (status, _, created) = scim(
        &s.gw,
        reqwest::Method::POST,
        "/scim/v2/Users",
        &access,
        Some(&user),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");

    // Refresh with credentials in the body (what Okta is believed to send): a new
    // pair, and the refresh response always carries a refresh token.
    let body_client = oauth_client(&s, AuthType::RequestBody);
    let refreshed = body_client
        .exchange_refresh_token(&RefreshToken::new(refresh1.clone()))
        .request_async(&http())
        .await
        .unwrap();
    let refresh2 = refreshed.refresh_token().unwrap().secret().clone();
    assert_ne!(refresh2, refresh1);
    assert_eq!(
        scim_status(&s.gw, refreshed.access_token().secret()).await,
        StatusCode::OK
    );
    // A lost response: the old refresh token still works until its successor is used.
    let retried = client
        .exchange_refresh_token(&RefreshToken::new(refresh1.clone()))
        .request_async(&http())
        .await
        .unwrap();
    assert!(retried.refresh_token().is_some());
    // The successor is used; from now on the old one is reuse, which revokes the grant.
    let refresh3 = client
        .exchange_refresh_token(&RefreshToken::new(refresh2))
        .request_async(&http())
        .await
        .unwrap()
        .refresh_token()
        .unwrap()
        .secret()
        .clone();
    assert_eq!(
        error_code(
            client
                .exchange_refresh_token(&RefreshToken::new(refresh1))
                .request_async(&http())
                .await
        ),
        BasicErrorResponseType::InvalidGrant
    );
    assert_eq!(
        error_code(
            client
                .exchange_refresh_token(&RefreshToken::new(refresh3))
                .request_async(&http())
                .await
        ),
        BasicErrorResponseType::InvalidGrant,
        "reuse killed the whole family"
    );
    let (status, headers, body) =
        scim(&s.gw, reqwest::Method::GET, "/scim/v2/Users", &access, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        headers["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );
    assert!(
        body["detail"].as_str().unwrap().contains("Re-authenticate"),
        "{body}"
    );

    // Re-authenticate in Okta: a fresh approval and a fresh token that works, with PKCE this time.
    let (code, verifier) = authorize(&mut browser, &client, true).await;
    let again = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(verifier.unwrap())
        .request_async(&http())
        .await
        .unwrap();
    assert_eq!(
        scim_status(&s.gw, again.access_token().secret()).await,
        StatusCode::OK
    );

    // The workspace admin sees the grants and revokes the live one from the admin API.
    let api = |path: &str| format!("{}{path}", s.gw.url(""));
    let grants: Value = browser
        .http
        .get(api("/admin/api/oauth/grants"))
        .header(COOKIE, browser.cookie_header())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let grants = grants["grants"].as_array().unwrap();
    assert_eq!(grants.len(), 2);
    assert_eq!(grants[1]["revoked_reason"], "retired refresh token reused");
    assert_eq!(grants[0]["approved_by"], "it@acme.test");
    let live = grants[0]["id"].as_str().unwrap();
    let revoke_url = api(&format!("/admin/api/oauth/grants/{live}/revoke"));
    let forged = browser
        .http
        .post(&revoke_url)
        .header(COOKIE, browser.cookie_header())
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .await
        .unwrap();
    assert_eq!(
        forged.status(),
        StatusCode::FORBIDDEN,
        "a cross-site form cannot revoke"
    );
    let revoked = browser
        .http
        .post(&revoke_url)
        .header(COOKIE, browser.cookie_header())
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::OK);
    assert_eq!(
        scim_status(&s.gw, again.access_token().secret()).await,
        StatusCode::UNAUTHORIZED
    );

    // RFC 7009: the client revokes its own refresh token; its access token dies too.
    let (code, _) = authorize(&mut browser, &client, false).await;
    let last = client
        .exchange_code(AuthorizationCode::new(code))
        .request_async(&http())
        .await
        .unwrap();
    let revoke = |token: &str, id: &str, secret: &str| {
        s.gw.http
            .post(s.gw.url("/oauth/revoke"))
            .basic_auth(id, Some(secret))
            .form(&[("token", token), ("token_type_hint", "refresh_token")])
            .send()
    };
    let r = revoke(
        last.refresh_token().unwrap().secret(),
        &s.client_id,
        &s.client_secret,
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert_eq!(
        scim_status(&s.gw, last.access_token().secret()).await,
        StatusCode::UNAUTHORIZED
    );
    let r = revoke("sgrt_unknown", &s.client_id, &s.client_secret)
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "unknown tokens are not an error"
    );

    // Sign-out ends the session: the authorization URL asks for sign-in again.
    let (_, _, home) = browser.get(&s.gw.url("/admin")).await;
    // The console names both base URLs and which Okta template takes the 1.1 one (issue #9).
    assert!(home.contains(&s.gw.url("/scim/v2")) && home.contains(&s.gw.url("/scim/v1")));
    assert!(home.contains("SCIM 1.1 Header Auth"), "{home}");
    let csrf = hidden(&home, "csrf");
    let (status, headers, _) = browser
        .post(&s.gw.url("/admin/logout"), &[("csrf", &csrf)])
        .await;
    assert_eq!(
        (status, headers[LOCATION].to_str().unwrap()),
        (StatusCode::SEE_OTHER, "/admin/login")
    );
    let (status, _, _) = browser.get(url.as_str()).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    drop(s.env);
}

async fn authorize_refuses_without_redirecting(backend: Backend) {
    let s = setup(backend, &[]).await;
    let mut browser = Browser::new();
    browser.sign_in(&s.gw, "it@acme.test", &s.password).await;
    let authz = |q: &str| s.gw.url(&format!("/oauth/authorize?{q}"));
    let id = &s.client_id;
    // A1/A2: unknown client, missing, unregistered or near-miss redirect URIs → a page, never a Location.
    let near_misses = [
        format!("client_id=sgci_nope&response_type=code&redirect_uri={CALLBACK}"),
        format!("client_id={id}&response_type=code&redirect_uri=https://evil.test/cb"),
        format!("client_id={id}&response_type=code&redirect_uri={CALLBACK}/"),
        format!("client_id={id}&response_type=code&redirect_uri={CALLBACK}?x=1"),
        format!("client_id={id}&response_type=code&redirect_uri={CALLBACK}%23frag"),
        format!(
            "client_id={id}&response_type=code&redirect_uri=http://127.0.0.1:9/oauth/callback/../evil"
        ),
        format!(
            "client_id={id}&response_type=code&redirect_uri=http://evil@127.0.0.1:9/oauth/callback"
        ),
        format!(
            "client_id={id}&response_type=code&redirect_uri=HTTPS://SYSTEM-ADMIN.OKTA.COM/admin/app/cpc/acme/oauth/callback"
        ),
        format!("client_id={id}&response_type=code"),
        format!("client_id={id}&client_id={id}&response_type=code&redirect_uri={CALLBACK}"),
    ];
    for q in &near_misses {
        let (status, headers, page) = browser.get(&authz(q)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{q}");
        assert!(headers.get(LOCATION).is_none(), "{q}");
        assert!(page.contains("<h1>"), "an error page: {q}");
    }
    // A7/A16/A18: once the client and redirect are verified, errors go back to the client.
    for (q, error) in [
        ("response_type=token", "unsupported_response_type"),
        ("response_type=code&scope=admin", "invalid_scope"),
        (
            "response_type=code&code_challenge=abc&code_challenge_method=plain",
            "invalid_request",
        ),
    ] {
        let (status, headers, _) = browser
            .get(&authz(&format!(
                "client_id={id}&redirect_uri={CALLBACK}&state=s1&{q}"
            )))
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{q}");
        let loc = headers[LOCATION].to_str().unwrap();
        assert_eq!(param(loc, "error").as_deref(), Some(error), "{q}");
        assert_eq!(param(loc, "state").as_deref(), Some("s1"));
    }
    // Deny → access_denied; A5: the registered URI's own query is kept.
    s.env
        .cli(&[
            "client",
            "add-redirect-uri",
            "--client-id",
            id,
            "--uri",
            "https://h.test/cb?x=1",
        ])
        .await;
    let loc = browser
        .approve(
            &authz(&format!(
                "client_id={id}&response_type=code&redirect_uri=https://h.test/cb?x%3D1&state=s2"
            )),
            "deny",
        )
        .await;
    assert!(
        loc.starts_with("https://h.test/cb?x=1&error=access_denied"),
        "{loc}"
    );
    assert_eq!(param(&loc, "state").as_deref(), Some("s2"));

    // A9: the consent POST needs this session's unused ticket.
    let url = authz(&format!(
        "client_id={id}&response_type=code&redirect_uri={CALLBACK}"
    ));
    let (_, _, page) = browser.get(&url).await;
    let ticket = hidden(&page, "ticket");
    let post = s.gw.url("/oauth/authorize");
    let (status, headers, _) = browser
        .post(&post, &[("decision", "allow"), ("ticket", "sgct_forged")])
        .await;
    assert_eq!(
        (status, headers.get(LOCATION)),
        (StatusCode::FORBIDDEN, None)
    );
    let mut other = Browser::new();
    other.sign_in(&s.gw, "it@acme.test", &s.password).await;
    let (status, _, _) = other
        .post(&post, &[("decision", "allow"), ("ticket", &ticket)])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "another session's ticket");
    let (status, _, _) = browser
        .post(&post, &[("decision", "allow"), ("ticket", &ticket)])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, _) = browser
        .post(&post, &[("decision", "allow"), ("ticket", &ticket)])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a ticket is used once");

    // A8: an admin of another workspace cannot approve this workspace's client.
    s.env
        .cli(&["workspace", "create", "--name", "Globex"])
        .await;
    let g = s
        .env
        .cli(&[
            "admin",
            "create",
            "--workspace",
            "globex",
            "--email",
            "it@globex.test",
        ])
        .await;
    let mut globex = Browser::new();
    globex
        .sign_in(&s.gw, "it@globex.test", g["password"].as_str().unwrap())
        .await;
    let (status, headers, _) = globex.get(&url).await;
    assert_eq!(
        (status, headers.get(LOCATION)),
        (StatusCode::FORBIDDEN, None)
    );

    // A15: sign-in never redirects off-site.
    let (_, _, page) = browser
        .get(&s.gw.url("/admin/login?next=https://evil.test/"))
        .await;
    assert!(
        page.contains("name=\"next\" value=\"/admin\""),
        "next falls back to /admin"
    );
    let (_, _, page) = browser
        .get(&s.gw.url("/admin/login?next=//evil.test/"))
        .await;
    assert!(page.contains("name=\"next\" value=\"/admin\""));

    // Sign-in: wrong password, forged form, and the per-account lock.
    let mut fresh = Browser::new();
    let (_, _, page) = fresh.get(&s.gw.url("/admin/login")).await;
    let csrf = hidden(&page, "csrf");
    let login = s.gw.url("/admin/login");
    let (status, _, page) = fresh
        .post(
            &login,
            &[
                ("email", "it@acme.test"),
                ("password", "wrong"),
                ("csrf", &format!("{csrf}x")),
                ("next", "/admin"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "login CSRF");
    // Every answer renders a fresh form with a fresh double-submit token.
    let mut csrf = hidden(&page, "csrf");
    for _ in 0..5 {
        let (status, _, page) = fresh
            .post(
                &login,
                &[
                    ("email", "it@acme.test"),
                    ("password", "wrong password!"),
                    ("csrf", &csrf),
                    ("next", "/admin"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(page.contains("Wrong e-mail or password"));
        csrf = hidden(&page, "csrf");
    }
    let (_, _, page) = fresh.get(&s.gw.url("/admin/login")).await;
    let csrf = hidden(&page, "csrf");
    let (status, headers, _) = fresh
        .post(
            &login,
            &[
                ("email", "it@acme.test"),
                ("password", &s.password),
                ("csrf", &csrf),
                ("next", "/admin"),
            ],
        )
        .await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "locked even with the right password"
    );
    assert!(headers.get("retry-after").is_some());
}

async fn token_endpoint_negative_cases(backend: Backend) {
    let s = setup(backend, &["--oauth-code-lifetime", "2s"]).await;
    let mut browser = Browser::new();
    browser.sign_in(&s.gw, "it@acme.test", &s.password).await;
    let client = oauth_client(&s, AuthType::BasicAuth);
    let token_url = s.gw.url("/oauth/token");
    let post = |form: Vec<(&'static str, String)>, basic: Option<(&str, &str)>| {
        let mut req = s.gw.http.post(&token_url).form(&form);
        if let Some((id, secret)) = basic {
            req = req.basic_auth(id, Some(secret));
        }
        async move {
            let resp = req.send().await.unwrap();
            let (status, headers) = (resp.status(), resp.headers().clone());
            (status, headers, resp.json::<Value>().await.unwrap())
        }
    };
    let creds = Some((s.client_id.as_str(), s.client_secret.as_str()));

    // T1: GET is not allowed; JSON bodies and repeated parameters are invalid_request.
    assert_eq!(
        s.gw.get("/oauth/token", None).await.status(),
        StatusCode::METHOD_NOT_ALLOWED
    );
    let json_body =
        s.gw.http
            .post(&token_url)
            .basic_auth(&s.client_id, Some(&s.client_secret))
            .json(&json!({"grant_type": "refresh_token"}))
            .send()
            .await
            .unwrap();
    assert_eq!(json_body.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_body.json::<Value>().await.unwrap()["error"],
        "invalid_request"
    );
    let (_, _, body) = post(
        vec![
            ("grant_type", "authorization_code".into()),
            ("code", "a".into()),
            ("code", "b".into()),
        ],
        creds,
    )
    .await;
    assert_eq!(body["error"], "invalid_request");
    // T2/T3: Basic plus a body secret; a wrong secret by Basic and by body.
    let (_, _, body) = post(
        vec![
            ("grant_type", "client_credentials".into()),
            ("client_secret", s.client_secret.clone()),
        ],
        creds,
    )
    .await;
    assert_eq!(body["error"], "invalid_request");
    let (status, headers, body) = post(
        vec![("grant_type", "client_credentials".into())],
        Some((&s.client_id, "sgcs_wrong")),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
    assert!(
        headers["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Basic")
    );
    let (status, _, body) = post(
        vec![
            ("grant_type", "client_credentials".into()),
            ("client_id", s.client_id.clone()),
            ("client_secret", "nope".into()),
        ],
        None,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
    // T7/T8: unsupported grant types.
    let (_, _, body) = post(vec![("grant_type", "password".into())], creds).await;
    assert_eq!(body["error"], "unsupported_grant_type");

    // Entra's option: client_credentials for a workspace client; SCIM accepts it.
    let (status, headers, body) =
        post(vec![("grant_type", "client_credentials".into())], creds).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (
            headers["cache-control"].to_str().unwrap(),
            headers["pragma"].to_str().unwrap()
        ),
        ("no-store", "no-cache")
    );
    assert_eq!(body["token_type"], "Bearer");
    assert!(body.get("refresh_token").is_none(), "RFC 6749 §4.4.3");
    assert_eq!(
        scim_status(&s.gw, body["access_token"].as_str().unwrap()).await,
        StatusCode::OK
    );

    // C4: replay revokes what the first exchange issued.
    let (code, _) = authorize(&mut browser, &client, false).await;
    let first = client
        .exchange_code(AuthorizationCode::new(code.clone()))
        .request_async(&http())
        .await
        .unwrap();
    assert_eq!(
        error_code(
            client
                .exchange_code(AuthorizationCode::new(code))
                .request_async(&http())
                .await
        ),
        BasicErrorResponseType::InvalidGrant
    );
    assert_eq!(
        scim_status(&s.gw, first.access_token().secret()).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        error_code(
            client
                .exchange_refresh_token(first.refresh_token().unwrap())
                .request_async(&http())
                .await
        ),
        BasicErrorResponseType::InvalidGrant
    );
    // C5: another client, another redirect URI, or no redirect URI when one was sent.
    let other = s
        .env
        .cli(&[
            "client",
            "create",
            "--workspace",
            "acme",
            "--redirect-uri",
            CALLBACK,
        ])
        .await;
    let other_client = BasicClient::new(ClientId::new(
        other["client_id"].as_str().unwrap().to_owned(),
    ))
    .set_client_secret(ClientSecret::new(
        other["client_secret"].as_str().unwrap().to_owned(),
    ))
    .set_token_uri(TokenUrl::new(token_url.clone()).unwrap())
    .set_redirect_uri(RedirectUrl::new(CALLBACK.to_owned()).unwrap());
    let (code, _) = authorize(&mut browser, &client, false).await;
    assert_eq!(
        error_code(
            other_client
                .exchange_code(AuthorizationCode::new(code.clone()))
                .request_async(&http())
                .await
        ),
        BasicErrorResponseType::InvalidGrant
    );
    let (_, _, body) = post(
        vec![
            ("grant_type", "authorization_code".into()),
            ("code", code.clone()),
            ("redirect_uri", "https://h.test/other".into()),
        ],
        creds,
    )
    .await;
    assert_eq!(body["error"], "invalid_grant");
    let (_, _, body) = post(
        vec![
            ("grant_type", "authorization_code".into()),
            ("code", code.clone()),
        ],
        creds,
    )
    .await;
    assert_eq!(body["error"], "invalid_request");
    // The refused attempts did not burn the code.
    let ok = client
        .exchange_code(AuthorizationCode::new(code))
        .request_async(&http())
        .await
        .unwrap();
    // S4: a token of Acme cannot see Globex's users.
    s.env
        .cli(&["workspace", "create", "--name", "Globex"])
        .await;
    let globex = s
        .env
        .cli(&["token", "create", "--workspace", "globex", "--name", "okta"])
        .await;
    let user = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "g@globex.test"});
    let (_, _, g) = scim(
        &s.gw,
        reqwest::Method::POST,
        "/scim/v2/Users",
        globex["token"].as_str().unwrap(),
        Some(&user),
    )
    .await;
    let path = format!("/scim/v2/Users/{}", g["id"].as_str().unwrap());
    let (status, _, _) = scim(
        &s.gw,
        reqwest::Method::GET,
        &path,
        ok.access_token().secret(),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // R3: refresh cannot widen the scope.
    let (_, _, body) = post(
        vec![
            ("grant_type", "refresh_token".into()),
            (
                "refresh_token",
                ok.refresh_token().unwrap().secret().clone(),
            ),
            ("scope", "scim admin".into()),
        ],
        creds,
    )
    .await;
    assert_eq!(body["error"], "invalid_scope");

    // C6: PKCE mismatch, and a verifier where no challenge was sent (downgrade).
    let (code, _) = authorize(&mut browser, &client, true).await;
    let (_, _, body) = post(
        vec![
            ("grant_type", "authorization_code".into()),
            ("code", code),
            ("redirect_uri", CALLBACK.into()),
            ("code_verifier", "x".repeat(43)),
        ],
        creds,
    )
    .await;
    assert_eq!(body["error"], "invalid_grant");
    let (code, _) = authorize(&mut browser, &client, false).await;
    let (_, _, body) = post(
        vec![
            ("grant_type", "authorization_code".into()),
            ("code", code),
            ("redirect_uri", CALLBACK.into()),
            ("code_verifier", "x".repeat(43)),
        ],
        creds,
    )
    .await;
    assert_eq!(body["error"], "invalid_grant");
    // C2: the code lifetime is configured to 2 s here.
    let (code, _) = authorize(&mut browser, &client, false).await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(
        error_code(
            client
                .exchange_code(AuthorizationCode::new(code))
                .request_async(&http())
                .await
        ),
        BasicErrorResponseType::InvalidGrant
    );

    // S1/S2: a forged or foreign JWT, and a query-string token, are 401.
    let forged = format!("{}x", ok.access_token().secret());
    assert_eq!(scim_status(&s.gw, &forged).await, StatusCode::UNAUTHORIZED);
    let q =
        s.gw.get(
            &format!("/scim/v2/Users?access_token={}", ok.access_token().secret()),
            None,
        )
        .await;
    assert_eq!(q.status(), StatusCode::UNAUTHORIZED);
    // M1: metadata names the configured issuer whatever Host says.
    let meta: Value =
        s.gw.http
            .get(s.gw.url("/.well-known/oauth-authorization-server"))
            .header("host", "evil.test")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(meta["issuer"], s.gw.url(""));
    assert_eq!(meta["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(
        meta["token_endpoint_auth_methods_supported"],
        json!(["client_secret_basic", "client_secret_post"])
    );
    // Deleting the client revokes everything issued to it.
    s.env
        .cli(&["client", "delete", "--client-id", &s.client_id])
        .await;
    assert_eq!(
        scim_status(&s.gw, ok.access_token().secret()).await,
        StatusCode::UNAUTHORIZED
    );
    let (status, _, _) = post(vec![("grant_type", "client_credentials".into())], creds).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn cli_refuses_bad_clients(backend: Backend) {
    let env = Env::new(backend).await;
    env.cli(&["workspace", "create", "--name", "Acme"]).await;
    for (uri, needle) in [
        ("http://idp.test/cb", "https"),
        ("https://idp.test/cb#f", "fragment"),
        ("https://*.okta.com/cb", "wildcard"),
    ] {
        let err = env
            .cli_fails(
                &[
                    "client",
                    "create",
                    "--workspace",
                    "acme",
                    "--redirect-uri",
                    uri,
                ],
                &[],
            )
            .await;
        assert!(err.contains(needle), "{uri}: {err}");
    }
    let err = env
        .cli_fails(
            &[
                "admin",
                "create",
                "--workspace",
                "nope",
                "--email",
                "a@b.test",
            ],
            &[],
        )
        .await;
    assert!(err.contains("no workspace"), "{err}");
    let listed = env.cli(&["client", "list", "--workspace", "acme"]).await;
    assert_eq!(listed["clients"], json!([]));
    // A vendor-level client (Okta catalog apps): client_credentials has no workspace.
    let vendor = env
        .cli(&["client", "create", "--vendor", "--okta-app", "scimgate"])
        .await;
    assert_eq!(vendor["workspace"], Value::Null);
    let gw = env.start().await;
    let resp = gw
        .http
        .post(gw.url("/oauth/token"))
        .basic_auth(
            vendor["client_id"].as_str().unwrap(),
            vendor["client_secret"].as_str(),
        )
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "unauthorized_client"
    );
    // T5: ten wrong secrets, then the client is refused for a while, even with
    // the right secret.
    let id = vendor["client_id"].as_str().unwrap();
    for _ in 0..10 {
        assert_eq!(
            client_credentials(&gw, id, "sgcs_wrong").await,
            StatusCode::UNAUTHORIZED
        );
    }
    let resp = gw
        .http
        .post(gw.url("/oauth/token"))
        .basic_auth(id, vendor["client_secret"].as_str())
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(resp.headers().get("retry-after").is_some());
}

/// A JSON call to the admin API with the browser's session cookie.
async fn admin_api(
    b: &Browser,
    gw: &Gateway,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = b
        .http
        .request(method, gw.url(path))
        .header(COOKIE, b.cookie_header());
    if let Some(body) = body {
        req = req.json(&body);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap();
    (
        status,
        if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap()
        },
    )
}

async fn client_credentials(gw: &Gateway, id: &str, secret: &str) -> StatusCode {
    gw.http
        .post(gw.url("/oauth/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .status()
}

async fn admins_manage_clients_and_vendor_clients_bind_to_the_approver(backend: Backend) {
    use reqwest::Method;
    let s = setup(backend, &[]).await;
    let gw = &s.gw;
    let mut acme = Browser::new();
    acme.sign_in(gw, "it@acme.test", &s.password).await;

    // Generate Credentials in the admin API: the secret is in this answer only.
    let (status, created) = admin_api(
        &acme,
        gw,
        Method::POST,
        "/admin/api/oauth/clients",
        Some(json!({"redirect_uris": [CALLBACK], "okta_app": "acme", "name": "Okta production"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["client_id"].as_str().unwrap().to_owned();
    let secret1 = created["client_secret"].as_str().unwrap().to_owned();
    assert_eq!(created["tenant_url"], gw.url("/scim/v2"));
    let (_, listed) = admin_api(&acme, gw, Method::GET, "/admin/api/oauth/clients", None).await;
    assert_eq!(listed["clients"].as_array().unwrap().len(), 2);
    assert!(
        listed.to_string().find("client_secret").is_none(),
        "secrets are shown once"
    );
    let (status, body) = admin_api(
        &acme,
        gw,
        Method::POST,
        "/admin/api/oauth/clients",
        Some(json!({"redirect_uris": ["http://idp.test/cb"]})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    // Rotation: with an overlap both secrets work; without one the old dies at once.
    assert_eq!(client_credentials(gw, &id, &secret1).await, StatusCode::OK);
    let rotate = format!("/admin/api/oauth/clients/{id}/rotate-secret");
    let (_, r) = admin_api(
        &acme,
        gw,
        Method::POST,
        &rotate,
        Some(json!({"overlap_seconds": 3600})),
    )
    .await;
    let secret2 = r["client_secret"].as_str().unwrap().to_owned();
    assert_eq!(
        client_credentials(gw, &id, &secret1).await,
        StatusCode::OK,
        "overlap"
    );
    assert_eq!(client_credentials(gw, &id, &secret2).await, StatusCode::OK);
    let (_, r) = admin_api(
        &acme,
        gw,
        Method::POST,
        &rotate,
        Some(json!({"overlap_seconds": 0})),
    )
    .await;
    let secret3 = r["client_secret"].as_str().unwrap().to_owned();
    assert_eq!(
        client_credentials(gw, &id, &secret2).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(client_credentials(gw, &id, &secret3).await, StatusCode::OK);

    // Redirect URIs: checked when added; removing an unknown one is 404.
    let uris = format!("/admin/api/oauth/clients/{id}/redirect-uris");
    let (status, _) = admin_api(
        &acme,
        gw,
        Method::POST,
        &uris,
        Some(json!({"uri": "https://h.test/cb#x"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, c) = admin_api(
        &acme,
        gw,
        Method::POST,
        &uris,
        Some(json!({"uri": "https://h.test/cb"})),
    )
    .await;
    assert_eq!(
        (status, c["redirect_uris"].as_array().unwrap().len()),
        (StatusCode::OK, 6)
    );
    let (status, _) = admin_api(
        &acme,
        gw,
        Method::DELETE,
        &uris,
        Some(json!({"uri": "https://h.test/nope"})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Another workspace's admin cannot see or touch it.
    s.env
        .cli(&["workspace", "create", "--name", "Globex"])
        .await;
    let g = s
        .env
        .cli(&[
            "admin",
            "create",
            "--workspace",
            "globex",
            "--email",
            "it@globex.test",
        ])
        .await;
    let mut globex = Browser::new();
    globex
        .sign_in(gw, "it@globex.test", g["password"].as_str().unwrap())
        .await;
    let (status, _) = admin_api(
        &globex,
        gw,
        Method::DELETE,
        &format!("/admin/api/oauth/clients/{id}"),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = admin_api(
        &acme,
        gw,
        Method::DELETE,
        &format!("/admin/api/oauth/clients/{id}"),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        client_credentials(gw, &id, &secret3).await,
        StatusCode::UNAUTHORIZED
    );

    // A vendor-level client: each approving admin's workspace owns its grant.
    let vendor = s
        .env
        .cli(&[
            "client",
            "create",
            "--vendor",
            "--redirect-uri",
            CALLBACK,
            "--name",
            "Acme SaaS",
        ])
        .await;
    let vs = Setup {
        env: Env::new(backend).await,
        gw: s.env.start().await,
        client_id: vendor["client_id"].as_str().unwrap().to_owned(),
        client_secret: vendor["client_secret"].as_str().unwrap().to_owned(),
        password: String::new(),
    };
    let vendor_client = oauth_client(&vs, AuthType::RequestBody);
    let mut acme = Browser::new();
    acme.sign_in(&vs.gw, "it@acme.test", &s.password).await;
    let mut globex = Browser::new();
    globex
        .sign_in(&vs.gw, "it@globex.test", g["password"].as_str().unwrap())
        .await;
    let (code, _) = authorize(&mut acme, &vendor_client, false).await;
    let acme_token = vendor_client
        .exchange_code(AuthorizationCode::new(code))
        .request_async(&http())
        .await
        .unwrap();
    let (code, _) = authorize(&mut globex, &vendor_client, false).await;
    let globex_token = vendor_client
        .exchange_code(AuthorizationCode::new(code))
        .request_async(&http())
        .await
        .unwrap();
    let user = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "ada@acme.test"});
    let (status, _, _) = scim(
        &vs.gw,
        Method::POST,
        "/scim/v2/Users",
        acme_token.access_token().secret(),
        Some(&user),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let count = |token: String| {
        let gw = &vs.gw;
        async move {
            scim(gw, Method::GET, "/scim/v2/Users", &token, None)
                .await
                .2["totalResults"]
                .clone()
        }
    };
    assert_eq!(count(acme_token.access_token().secret().clone()).await, 1);
    assert_eq!(
        count(globex_token.access_token().secret().clone()).await,
        0,
        "Globex sees only Globex"
    );
    let acme_bearer = s
        .env
        .cli(&["token", "create", "--workspace", "acme", "--name", "check"])
        .await;
    assert_eq!(
        count(acme_bearer["token"].as_str().unwrap().to_owned()).await,
        1,
        "the user landed in Acme"
    );
}

/// S5: a whole OAuth + SCIM session with logging at trace level leaves no
/// password, secret, code, token or session cookie in the log.
async fn no_secret_reaches_the_logs(backend: Backend) {
    let env = Env::new(backend).await;
    env.cli(&["workspace", "create", "--name", "Acme"]).await;
    let admin = env
        .cli(&[
            "admin",
            "create",
            "--workspace",
            "acme",
            "--email",
            "it@acme.test",
        ])
        .await;
    let created = env
        .cli(&[
            "client",
            "create",
            "--workspace",
            "acme",
            "--redirect-uri",
            CALLBACK,
        ])
        .await;
    let bearer = env
        .cli(&["token", "create", "--workspace", "acme", "--name", "okta"])
        .await;
    let (gw, log) = env.start_logged("trace").await;
    let s = Setup {
        client_id: created["client_id"].as_str().unwrap().to_owned(),
        client_secret: created["client_secret"].as_str().unwrap().to_owned(),
        password: admin["password"].as_str().unwrap().to_owned(),
        env,
        gw,
    };
    let mut browser = Browser::new();
    browser.sign_in(&s.gw, "it@acme.test", &s.password).await;
    let client = oauth_client(&s, AuthType::RequestBody);
    let (code, verifier) = authorize(&mut browser, &client, true).await;
    let tokens = client
        .exchange_code(AuthorizationCode::new(code.clone()))
        .set_pkce_verifier(PkceCodeVerifier::new(
            verifier.as_ref().unwrap().secret().clone(),
        ))
        .request_async(&http())
        .await
        .unwrap();
    let refreshed = client
        .exchange_refresh_token(tokens.refresh_token().unwrap())
        .request_async(&http())
        .await
        .unwrap();
    let user = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "ada@acme.test"});
    for token in [
        refreshed.access_token().secret().as_str(),
        bearer["token"].as_str().unwrap(),
    ] {
        let (status, _, _) = scim(
            &s.gw,
            reqwest::Method::POST,
            "/scim/v2/Users",
            token,
            Some(&user),
        )
        .await;
        assert!(status.is_success() || status == StatusCode::CONFLICT);
    }
    // Failures log too, and their bodies are kept: a wrong secret, a replayed code
    // with its verifier, a rotated-out refresh token, a bad access token.
    let mut bodies = Vec::new();
    let token_error = |form: Vec<(&'static str, String)>| {
        s.gw.http
            .post(s.gw.url("/oauth/token"))
            .basic_auth(&s.client_id, Some(&s.client_secret))
            .form(&form)
            .send()
    };
    let r =
        s.gw.http
            .post(s.gw.url("/oauth/token"))
            .basic_auth(&s.client_id, Some("sgcs_wrong"))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    bodies.push(r.text().await.unwrap());
    for form in [
        vec![
            ("grant_type", "authorization_code".to_owned()),
            ("code", code.clone()),
            ("redirect_uri", CALLBACK.to_owned()),
            ("code_verifier", verifier.as_ref().unwrap().secret().clone()),
        ],
        vec![
            ("grant_type", "refresh_token".to_owned()),
            (
                "refresh_token",
                tokens.refresh_token().unwrap().secret().clone(),
            ),
        ],
    ] {
        let r = token_error(form).await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        bodies.push(r.text().await.unwrap());
    }
    let (status, _, body) = scim(
        &s.gw,
        reqwest::Method::GET,
        "/scim/v2/Users",
        &format!("{}x", tokens.access_token().secret()),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    bodies.push(body.to_string());
    // The admin surfaces list clients and grants, never their secrets.
    for path in ["/admin/api/oauth/clients", "/admin/api/oauth/grants"] {
        let (status, body) = admin_api(&browser, &s.gw, reqwest::Method::GET, path, None).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        bodies.push(body.to_string());
    }
    let (_, _, page) = browser.get(&s.gw.url("/admin")).await;
    bodies.push(page);
    s.gw.stop().await;

    let log = log.text();
    assert!(log.contains("token request"), "the log was captured");
    let secrets = [
        ("admin password", s.password.as_str()),
        ("client secret", s.client_secret.as_str()),
        ("authorization code", code.as_str()),
        (
            "PKCE verifier",
            verifier.as_ref().unwrap().secret().as_str(),
        ),
        ("access token", tokens.access_token().secret().as_str()),
        (
            "refresh token",
            tokens.refresh_token().unwrap().secret().as_str(),
        ),
        (
            "rotated refresh token",
            refreshed.refresh_token().unwrap().secret().as_str(),
        ),
        ("bearer token", bearer["token"].as_str().unwrap()),
        (
            "session cookie",
            browser.cookies["scimgate_session"].as_str(),
        ),
    ];
    for (what, secret) in secrets {
        assert!(!log.contains(secret), "the {what} appears in the log");
        for body in &bodies {
            assert!(
                !body.contains(secret),
                "the {what} appears in a response: {body}"
            );
        }
    }
}

crate::both_backends!(
    no_secret_reaches_the_logs,
    okta_connects_with_oauth,
    admins_manage_clients_and_vendor_clients_bind_to_the_approver,
    authorize_refuses_without_redirecting,
    token_endpoint_negative_cases,
    cli_refuses_bad_clients,
);
