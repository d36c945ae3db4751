//! Part B of the console in a real browser: turn auto-charge on with a cap, map an
//! IdP role value, provision users as Okta would, and find the user with its app
//! role in Users and the seat-limit and revoked-token failures in the provisioning log.

use std::time::Duration;

use fantoccini::Locator;
use reqwest::Method;
use serde_json::json;

use super::Browser;
use crate::directory::{OKTA, idp, user};
use crate::harness::{Backend, Env, eventually};

async fn an_admin_follows_provisioning_in_the_console(backend: Backend) {
    let env = Env::new(backend).await;
    let (ws, token) = env
        .workspace_with_token_args("Acme", &["--seats", "1"])
        .await;
    let revoked = env
        .cli(&["token", "create", "--workspace", &ws, "--name", "old"])
        .await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    env.cli(&["token", "revoke", "--workspace", &ws, "--name", "old"])
        .await;
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
    b.open("/admin/seats").await;
    b.fill("email", "it@acme.test").await;
    b.fill("password", &password).await;
    b.press("form", "Sign in").await;
    b.wait("nav a[aria-current=page][href='/admin/seats']")
        .await;

    // Auto-charge on, capped at the one seat bought: the second user will not fit.
    b.wait("input[name=auto_charge]")
        .await
        .click()
        .await
        .unwrap();
    b.fill("auto_charge_cap", "1").await;
    b.press("form[action='/admin/seats']", "Save auto-charge")
        .await;
    b.flash("Auto-charge saved.").await;
    assert_eq!(b.wait("#auto-charge").await.text().await.unwrap(), "On");
    assert_eq!(b.wait("#cap").await.text().await.unwrap(), "1");
    b.shot("seats").await;

    // Seed 004: the IdP role value Admin is the app's owner.
    b.open("/admin/role-mappings").await;
    b.fill("idp_value", "Admin").await;
    b.fill("app_role", "owner").await;
    b.press("form[action='/admin/role-mappings']", "Add mapping")
        .await;
    b.flash("Mapping saved.").await;
    b.shot("role-mappings").await;

    // Okta provisions two users (the second over the cap) and an old token is refused.
    let bearer = format!("Bearer {token}");
    let roles = json!([{"primary": true, "value": "Admin"}]);
    let (s, _) = idp(
        &gw,
        OKTA,
        Method::POST,
        "/scim/v2/Users",
        &bearer,
        Some(user("ann", true, &roles)),
    )
    .await;
    assert_eq!(s, 201);
    let (s, _) = idp(
        &gw,
        OKTA,
        Method::POST,
        "/scim/v2/Users",
        &bearer,
        Some(user("bob", true, &json!([]))),
    )
    .await;
    assert_eq!(s, 403);
    let old = format!("Bearer {revoked}");
    let (s, _) = idp(&gw, OKTA, Method::GET, "/scim/v2/Users", &old, None).await;
    assert_eq!(s, 401);

    b.open("/admin/users").await;
    let row = b.wait("tbody tr").await.text().await.unwrap();
    assert!(
        row.contains("ann") && row.contains("owner") && row.contains("Okta"),
        "{row}"
    );
    b.shot("users").await;

    // The log is written off the request path: reload until both failures are there.
    let text = eventually(
        "the failures in the provisioning log",
        Duration::from_secs(20),
        || async {
            b.open("/admin/provisioning-log").await;
            let text = b.text().await;
            (text.contains("Seat limit reached") && text.contains("The token was revoked"))
                .then_some(text)
        },
    )
    .await;
    assert!(text.contains("/scim/v2/Users"), "{text}");
    let failed = b.client.find_all(Locator::Css("tr.failed")).await.unwrap();
    assert_eq!(failed.len(), 2);
    b.shot("provisioning-log").await;
    b.close().await;
}

crate::both_backends!(an_admin_follows_provisioning_in_the_console);
