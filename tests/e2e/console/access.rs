//! Part A of the console in a real browser: sign in, create a bearer token and read
//! it once, generate OAuth credentials and add Okta's redirect URIs, approve Okta's
//! authorization request on the consent page, turn a credential kind off in
//! Provisioning settings, and find all of it in the audit log.

use std::time::Duration;

use fantoccini::Locator;
use serde_json::Value;

use super::Browser;
use crate::harness::{Backend, Env, eventually};

/// A stand-in for Okta's OAuth callback: a real loopback server the browser is
/// redirected to, so the code arrives as it would at Okta.
async fn callback_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().route(
        "/oauth/callback",
        axum::routing::get(|| async { "Okta received the authorization code." }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/oauth/callback")
}

async fn an_admin_sets_up_provisioning_in_the_console(backend: Backend) {
    let env = Env::new(backend).await;
    let ws = env
        .cli(&["workspace", "create", "--name", "Acme Corp"])
        .await;
    let ws = ws["id"].as_str().unwrap().to_owned();
    let admin = env
        .cli(&[
            "admin",
            "create",
            "--workspace",
            &ws,
            "--email",
            "it@acme.test",
        ])
        .await;
    let password = admin["password"].as_str().unwrap().to_owned();
    let gw = env.start().await;
    let prefix = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    let b = Browser::start(&gw, prefix).await;

    // Sign in: the console sends a signed-out admin to the sign-in page and back.
    b.open("/admin/tokens").await;
    b.fill("email", "it@acme.test").await;
    b.fill("password", &password).await;
    b.shot("sign-in").await;
    b.press("form", "Sign in").await;
    b.wait("nav a[aria-current=page][href='/admin/tokens']")
        .await;

    // A bearer token, shown once with a copy button, that SCIM accepts.
    b.fill("name", "okta").await;
    b.fill("expires_in_days", "90").await;
    b.press("form[action='/admin/tokens']", "Create token")
        .await;
    b.flash("Created bearer token").await;
    let token = b.wait(".secret-value").await.text().await.unwrap();
    assert!(token.starts_with("sgt_"), "{token}");
    b.shot("token-created").await;
    b.press(".secret", "Copy").await;
    eventually("the copy button to act", Duration::from_secs(5), || async {
        let label = b
            .wait("button.copy[data-copy='secret-1']")
            .await
            .text()
            .await
            .unwrap();
        let selected = b
            .client
            .execute("return window.getSelection().toString()", Vec::new())
            .await
            .unwrap();
        (label == "Copied" || selected.as_str() == Some(token.as_str())).then_some(())
    })
    .await;
    assert_eq!(gw.scim_get("/scim/v2/Users", &token).await.status(), 200);
    b.client.refresh().await.unwrap();
    b.wait("table").await;
    let page = b.text().await;
    assert!(!page.contains(&token), "the token is gone on reload");
    assert!(page.contains("okta") && page.contains("active"), "{page}");
    b.shot("tokens").await;

    // OAuth credentials for Okta: client id and secret once, then Okta's presets.
    let callback = callback_server().await;
    b.open("/admin/clients").await;
    b.fill("redirect_uri", &callback).await;
    b.press("form[action='/admin/clients']", "Generate Credentials")
        .await;
    b.flash("Generated credentials").await;
    let secrets = b
        .client
        .find_all(Locator::Css(".secret-value"))
        .await
        .unwrap();
    assert_eq!(secrets.len(), 2);
    let client_id = secrets[0].text().await.unwrap();
    let client_secret = secrets[1].text().await.unwrap();
    assert!(client_id.starts_with("sgci_") && client_secret.starts_with("sgcs_"));
    b.shot("client-created").await;
    b.fill("okta-1", "acmecorp_scim_1").await;
    b.press("section.client", "Add Okta redirect URIs").await;
    b.flash("redirect URIs").await;
    let page = b.text().await;
    assert!(
        !page.contains(&client_secret),
        "the secret is gone after the next action"
    );
    assert!(
        page.contains("https://acmecorp.okta.com/admin/app/cpc/acmecorp_scim_1/oauth/callback")
            || page.contains("/admin/app/cpc/acmecorp_scim_1/oauth/callback"),
        "{page}"
    );
    assert!(page.contains(&callback));
    b.shot("clients").await;

    // Okta's "Authenticate with …": the admin approves on the consent page and the
    // browser carries the code to the callback; the code buys SCIM access.
    let authorize = format!(
        "/oauth/authorize?response_type=code&client_id={client_id}&redirect_uri={}&state=okta-state",
        url::form_urlencoded::byte_serialize(callback.as_bytes()).collect::<String>()
    );
    b.open(&authorize).await;
    b.wait("button[value=allow]").await;
    b.shot("consent").await;
    b.press("form[action='/oauth/authorize']", "Allow").await;
    let landed = eventually(
        "the redirect to the callback",
        Duration::from_secs(20),
        || async {
            let url = b.client.current_url().await.unwrap();
            url.as_str().starts_with(&callback).then_some(url)
        },
    )
    .await;
    let query: std::collections::HashMap<_, _> = landed.query_pairs().into_owned().collect();
    assert_eq!(query["state"], "okta-state");
    let tokens: Value = gw
        .http
        .post(gw.url("/oauth/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", query["code"].as_str()),
            ("redirect_uri", callback.as_str()),
            ("client_id", client_id.as_str()),
            ("client_secret", client_secret.as_str()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let access = tokens["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("{tokens}"));
    assert_eq!(gw.scim_get("/scim/v2/Users", access).await.status(), 200);

    // Provisioning settings: bearer tokens off; the token is refused, OAuth is not.
    b.open("/admin/settings").await;
    let tenant = b.wait("#tenant-url").await.text().await.unwrap();
    assert_eq!(tenant, gw.url("/scim/v2"));
    b.wait("#allow_bearer_tokens").await.click().await.unwrap();
    b.press("form[action='/admin/settings']", "Save settings")
        .await;
    b.flash("Settings saved").await;
    b.shot("settings").await;
    let refused = gw.scim_get("/scim/v2/Users", &token).await;
    assert_eq!(refused.status(), 401);
    let body: Value = refused.json().await.unwrap();
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("Provisioning settings")
    );
    assert_eq!(gw.scim_get("/scim/v2/Users", access).await.status(), 200);

    // The audit log has every step, and filters by action.
    b.open("/admin/audit").await;
    b.wait("table").await;
    let log = b.text().await;
    for action in [
        "admin.signed_in",
        "token.created",
        "client.created",
        "client.redirect_uri_added",
        "oauth.consent_approved",
        "oauth.code_redeemed",
        "settings.updated",
    ] {
        assert!(
            log.contains(action),
            "{action} missing from the audit page: {log}"
        );
    }
    assert!(log.contains("admin it@acme.test"));
    b.shot("audit").await;
    b.fill("action", "token.created").await;
    b.press("form[action='/admin/audit']", "Filter").await;
    eventually(
        "the filtered audit log",
        Duration::from_secs(20),
        || async {
            let rows = b.client.find_all(Locator::Css("tbody tr")).await.unwrap();
            let url = b.client.current_url().await.unwrap();
            (url.as_str().contains("action=token.created") && rows.len() == 1).then_some(())
        },
    )
    .await;
    b.close().await;
}

crate::both_backends!(an_admin_sets_up_provisioning_in_the_console);
