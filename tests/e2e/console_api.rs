//! Issue #6 part A's admin JSON API: Provisioning settings (enforced on SCIM),
//! bearer tokens, admin API keys (a credential of their own), OAuth clients and
//! grants, and the audit log, each refusing another workspace's things with 404,
//! a missing credential with 401 and a cookie write without CSRF with 403. Also the
//! OpenAPI document and the console pages' security headers.

use reqwest::Method;
use serde_json::{Value, json};

use crate::billing_api::Admin;
use crate::harness::{Backend, Env, Gateway};

/// Every /admin/api route the router registers: the literal paths of `.route(…)`
/// calls in the admin module's sources.
fn routed_api_paths() -> Vec<String> {
    let sources = [
        include_str!("../../crates/gateway/src/http/admin/mod.rs"),
        include_str!("../../crates/gateway/src/http/admin/billing_api.rs"),
    ];
    let mut paths = Vec::new();
    for src in sources {
        for (at, _) in src.match_indices(".route(") {
            let rest = src[at + ".route(".len()..].trim_start();
            let path = rest
                .strip_prefix('"')
                .and_then(|r| r.split('"').next())
                .unwrap();
            if path.starts_with("/admin/api/") && path != "/admin/api/openapi.json" {
                paths.push(path.to_owned());
            }
        }
    }
    paths
}

async fn the_openapi_document_describes_every_admin_api_route(backend: Backend) {
    let env = Env::new(backend).await;
    let gw = env.start().await;
    let resp = gw.get("/admin/api/openapi.json", None).await;
    assert_eq!(resp.status(), 200);
    let text = resp.text().await.unwrap();
    let spec: oas3::OpenApiV3Spec = oas3::from_json(&text).expect("a valid OpenAPI 3.1 document");
    assert!(spec.openapi.starts_with("3."), "{}", spec.openapi);
    let documented = spec.paths.clone().unwrap_or_default();
    let routed = routed_api_paths();
    assert!(routed.len() >= 20, "found only {routed:?}");
    for path in &routed {
        assert!(
            documented.contains_key(path),
            "{path} is routed but not in the OpenAPI document"
        );
    }
    let raw: Value = serde_json::from_str(&text).unwrap();
    let schemes = &raw["components"]["securitySchemes"];
    assert_eq!(schemes["api_key"]["scheme"], "bearer");
    assert_eq!(schemes["session"]["in"], "cookie");
}

/// The SCIM answer to `token` for a list of users: status and `detail`.
async fn scim_status(gw: &Gateway, token: &str) -> (u16, String) {
    let resp = gw.scim_get("/scim/v2/Users", token).await;
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    (
        status,
        body["detail"].as_str().unwrap_or_default().to_owned(),
    )
}

async fn tokens_settings_and_keys_are_the_workspace_admins_own(backend: Backend) {
    let env = Env::new(backend).await;
    let (acme, _) = env.workspace_with_token("Acme").await;
    let (other, other_token) = env.workspace_with_token("Other").await;
    let gw = env.start().await;
    let anon = Admin::anonymous();
    for (method, path) in [
        (Method::GET, "/admin/api/tokens"),
        (Method::POST, "/admin/api/tokens"),
        (Method::GET, "/admin/api/settings"),
        (Method::PUT, "/admin/api/settings"),
        (Method::GET, "/admin/api/api-keys"),
        (Method::GET, "/admin/api/audit"),
    ] {
        let (s, body) = anon.call(&gw, method, path, Some(json!({}))).await;
        assert_eq!(s, 401, "{path} without a credential");
        assert!(body["error"].is_string());
    }
    let admin = Admin::sign_in(&env, &gw, &acme).await;
    let intruder = Admin::sign_in(&env, &gw, &other).await;

    // A bearer token: created with its secret once, listed without it, usable.
    let (s, created) = admin
        .call(
            &gw,
            Method::POST,
            "/admin/api/tokens",
            Some(json!({"name": "provisioner", "expires_in_days": 30})),
        )
        .await;
    assert_eq!(s, 201, "{created}");
    let token = created["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("sgt_"));
    assert_eq!(created["tenant_url"], gw.url("/scim/v2"));
    assert!(created["expires_at"].is_string());
    let (_, list) = admin
        .call(&gw, Method::GET, "/admin/api/tokens", None)
        .await;
    assert!(
        !list.to_string().contains(&token),
        "a token is shown only once"
    );
    assert!(
        list["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "provisioner" && t["status"] == "active")
    );
    assert_eq!(scim_status(&gw, &token).await.0, 200);
    let (s, dup) = admin
        .call(
            &gw,
            Method::POST,
            "/admin/api/tokens",
            Some(json!({"name": "provisioner"})),
        )
        .await;
    assert_eq!(s, 400, "{dup}");
    let (s, _) = admin
        .call(
            &gw,
            Method::POST,
            "/admin/api/tokens",
            Some(json!({"name": " "})),
        )
        .await;
    assert_eq!(s, 400);
    let (s, _) = admin
        .call(
            &gw,
            Method::POST,
            "/admin/api/tokens",
            Some(json!({"name": "x", "expires_in_days": 0})),
        )
        .await;
    assert_eq!(s, 400);

    // Another workspace's admin sees none of it and cannot revoke it.
    let (_, theirs) = intruder
        .call(&gw, Method::GET, "/admin/api/tokens", None)
        .await;
    assert!(!theirs.to_string().contains("provisioner"), "{theirs}");
    let (s, _) = intruder
        .call(
            &gw,
            Method::DELETE,
            "/admin/api/tokens/provisioner",
            Some(json!({})),
        )
        .await;
    assert_eq!(s, 404);
    assert_eq!(scim_status(&gw, &token).await.0, 200);

    // A cookie write without a JSON body or the CSRF header is refused.
    let forged = admin
        .http
        .delete(gw.url("/admin/api/tokens/provisioner"))
        .header("cookie", &admin.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    assert_eq!(scim_status(&gw, &token).await.0, 200);

    // Settings: bearer tokens off refuses them with a pointer to the console;
    // SCIM off refuses everything with 403; nothing of the other workspace moves.
    let (s, settings) = admin
        .call(&gw, Method::GET, "/admin/api/settings", None)
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        settings,
        json!({"scim_enabled": true, "allow_bearer_tokens": true, "allow_oauth": true, "tenant_url": gw.url("/scim/v2")})
    );
    let (s, _) = admin
        .call(
            &gw,
            Method::PUT,
            "/admin/api/settings",
            Some(json!({"scim_enabled": true, "allow_bearer_tokens": false, "allow_oauth": true})),
        )
        .await;
    assert_eq!(s, 200);
    let (status, detail) = scim_status(&gw, &token).await;
    assert_eq!(status, 401);
    assert!(detail.contains("Provisioning settings"), "{detail}");
    assert_eq!(
        scim_status(&gw, &other_token).await.0,
        200,
        "other workspaces are untouched"
    );
    let (s, _) = admin
        .call(
            &gw,
            Method::PUT,
            "/admin/api/settings",
            Some(json!({"scim_enabled": false, "allow_bearer_tokens": true, "allow_oauth": true})),
        )
        .await;
    assert_eq!(s, 200);
    let (status, detail) = scim_status(&gw, &token).await;
    assert_eq!(status, 403);
    assert!(detail.contains("turned off"), "{detail}");
    let malformed = admin
        .http
        .put(gw.url("/admin/api/settings"))
        .header("cookie", &admin.cookie)
        .json(&json!({"scim_enabled": "yes"}))
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), 422, "a malformed body changes nothing");
    let (s, _) = admin
        .call(
            &gw,
            Method::PUT,
            "/admin/api/settings",
            Some(json!({"scim_enabled": true, "allow_bearer_tokens": true, "allow_oauth": true})),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(scim_status(&gw, &token).await.0, 200);

    // API keys: one from the CLI for bootstrapping, one from the API; both act as
    // the workspace's admin, need no CSRF, and die when revoked.
    let cli_key = env
        .cli(&[
            "admin",
            "api-key",
            "create",
            "--workspace",
            &acme,
            "--name",
            "bootstrap",
        ])
        .await;
    let cli_key = cli_key["key"].as_str().unwrap().to_owned();
    assert!(cli_key.starts_with("sgak_"));
    let script = Admin::with_key(&cli_key);
    let (s, created) = script
        .call(
            &gw,
            Method::POST,
            "/admin/api/api-keys",
            Some(json!({"name": "deploy"})),
        )
        .await;
    assert_eq!(s, 201, "{created}");
    let key = created["key"].as_str().unwrap().to_owned();
    let key_id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["created_by"], "api key bootstrap");
    let deploy = Admin::with_key(&key);
    let (s, list) = deploy
        .call(&gw, Method::GET, "/admin/api/tokens", None)
        .await;
    assert_eq!(s, 200);
    assert!(list.to_string().contains("provisioner"));
    let no_csrf = deploy
        .http
        .delete(gw.url("/admin/api/tokens/provisioner"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(no_csrf.status(), 200, "a key needs no CSRF token");
    assert_eq!(scim_status(&gw, &token).await.0, 401, "revoked");
    let (_, keys) = admin
        .call(&gw, Method::GET, "/admin/api/api-keys", None)
        .await;
    assert!(!keys.to_string().contains(&key) && !keys.to_string().contains(&cli_key));
    assert_eq!(keys["api_keys"].as_array().unwrap().len(), 2);
    let (s, _) = intruder
        .call(
            &gw,
            Method::DELETE,
            &format!("/admin/api/api-keys/{key_id}"),
            Some(json!({})),
        )
        .await;
    assert_eq!(s, 404, "another workspace's key is not found");
    let (s, _) = Admin::with_key(&key)
        .call(&gw, Method::GET, "/admin/api/tokens", None)
        .await;
    assert_eq!(s, 200, "still live");
    let (s, _) = admin
        .call(
            &gw,
            Method::DELETE,
            &format!("/admin/api/api-keys/{key_id}"),
            Some(json!({})),
        )
        .await;
    assert_eq!(s, 200);
    let (s, body) = deploy
        .call(&gw, Method::GET, "/admin/api/tokens", None)
        .await;
    assert_eq!(s, 401, "{body}");
    let (s, _) = Admin::with_key("sgak_nonsense")
        .call(&gw, Method::GET, "/admin/api/tokens", None)
        .await;
    assert_eq!(s, 401);
    // Another workspace's key sees only its own workspace.
    let theirs = env
        .cli(&[
            "admin",
            "api-key",
            "create",
            "--workspace",
            &other,
            "--name",
            "k",
            "--json",
        ])
        .await;
    let (_, list) = Admin::with_key(theirs["key"].as_str().unwrap())
        .call(&gw, Method::GET, "/admin/api/tokens", None)
        .await;
    assert!(!list.to_string().contains("provisioner"), "{list}");
}

async fn every_admin_action_is_in_the_audit_log(backend: Backend) {
    let env = Env::new(backend).await;
    let (acme, _) = env.workspace_with_token("Acme").await;
    let (other, _) = env.workspace_with_token("Other").await;
    let gw = env.start().await;
    let admin = Admin::sign_in(&env, &gw, &acme).await;
    let intruder = Admin::sign_in(&env, &gw, &other).await;

    let (s, client) = admin
        .call(
            &gw,
            Method::POST,
            "/admin/api/oauth/clients",
            Some(json!({"okta_app": "acmecorp_scim_1"})),
        )
        .await;
    assert_eq!(s, 201, "{client}");
    let client_id = client["client_id"].as_str().unwrap().to_owned();
    let uri = "https://idp.example/callback";
    for (who, status) in [(&intruder, 404), (&admin, 200)] {
        let path = format!("/admin/api/oauth/clients/{client_id}/redirect-uris");
        let (s, _) = who
            .call(&gw, Method::POST, &path, Some(json!({"uri": uri})))
            .await;
        assert_eq!(s, status);
        let path = format!("/admin/api/oauth/clients/{client_id}/rotate-secret");
        let (s, _) = who.call(&gw, Method::POST, &path, Some(json!({}))).await;
        assert_eq!(s, status);
    }
    let (s, _) = intruder
        .call(
            &gw,
            Method::DELETE,
            &format!("/admin/api/oauth/clients/{client_id}"),
            Some(json!({})),
        )
        .await;
    assert_eq!(s, 404);
    admin
        .call(
            &gw,
            Method::POST,
            "/admin/api/tokens",
            Some(json!({"name": "entra"})),
        )
        .await;
    admin
        .call(
            &gw,
            Method::DELETE,
            "/admin/api/tokens/entra",
            Some(json!({})),
        )
        .await;
    admin
        .call(
            &gw,
            Method::PUT,
            "/admin/api/settings",
            Some(json!({"scim_enabled": true, "allow_bearer_tokens": true, "allow_oauth": false})),
        )
        .await;

    let (s, log) = admin.call(&gw, Method::GET, "/admin/api/audit", None).await;
    assert_eq!(s, 200);
    let events = log["events"].as_array().unwrap();
    let actions: Vec<&str> = events
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for expected in [
        "admin.signed_in",
        "client.created",
        "client.redirect_uri_added",
        "client.secret_rotated",
        "token.created",
        "token.revoked",
        "settings.updated",
    ] {
        assert!(
            actions.contains(&expected),
            "{expected} missing from {actions:?}"
        );
    }
    assert_eq!(actions[0], "settings.updated", "newest first");
    assert!(
        events
            .iter()
            .all(|e| e["actor"] == "admin admin@acme.test" || e["actor"] == "cli"),
        "{log}"
    );
    assert!(
        !log.to_string().contains("other"),
        "nothing of another workspace: {log}"
    );

    // Filters: action, actor, resource, time range; paging by cursor.
    let (_, only) = admin
        .call(
            &gw,
            Method::GET,
            "/admin/api/audit?action=token.created&actor=admin%20admin%40acme.test",
            None,
        )
        .await;
    let only = only["events"].as_array().unwrap();
    assert_eq!(only.len(), 1);
    assert_eq!(only[0]["resource_name"], "entra");
    let (_, by_resource) = admin
        .call(&gw, Method::GET, "/admin/api/audit?resource=entra", None)
        .await;
    assert_eq!(by_resource["events"].as_array().unwrap().len(), 2);
    let (_, by_actor) = admin
        .call(
            &gw,
            Method::GET,
            "/admin/api/audit?actor=admin%20nobody%40x.test",
            None,
        )
        .await;
    assert!(by_actor["events"].as_array().unwrap().is_empty());
    let (_, future) = admin
        .call(
            &gw,
            Method::GET,
            "/admin/api/audit?since=2999-01-01T00:00:00Z",
            None,
        )
        .await;
    assert!(future["events"].as_array().unwrap().is_empty());
    let (_, past) = admin
        .call(
            &gw,
            Method::GET,
            "/admin/api/audit?until=2999-01-01T00:00:00Z&since=2000-01-01T00:00",
            None,
        )
        .await;
    assert_eq!(past["events"].as_array().unwrap().len(), events.len());
    let mut seen = Vec::new();
    let mut path = "/admin/api/audit?limit=2".to_owned();
    for _ in 0..20 {
        let (_, page) = admin.call(&gw, Method::GET, &path, None).await;
        seen.extend(
            page["events"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["id"].clone()),
        );
        match page["next"].as_str() {
            Some(next) => path = format!("/admin/api/audit?limit=2&before={next}"),
            None => break,
        }
    }
    let all: Vec<Value> = events.iter().map(|e| e["id"].clone()).collect();
    assert_eq!(seen, all, "pages cover the log once, in order");
    let (s, err) = admin
        .call(&gw, Method::GET, "/admin/api/audit?since=yesterday", None)
        .await;
    assert_eq!(s, 400);
    assert!(err["error"].as_str().unwrap().contains("RFC 3339"));
    let (s, _) = admin
        .call(&gw, Method::GET, "/admin/api/audit?limit=0", None)
        .await;
    assert_eq!(s, 400);

    // Deleting the client is audited too, and the other workspace's log is its own.
    let (s, _) = admin
        .call(
            &gw,
            Method::DELETE,
            &format!("/admin/api/oauth/clients/{client_id}"),
            Some(json!({})),
        )
        .await;
    assert_eq!(s, 204);
    let (_, deleted) = admin
        .call(
            &gw,
            Method::GET,
            "/admin/api/audit?action=client.deleted",
            None,
        )
        .await;
    assert_eq!(deleted["events"].as_array().unwrap().len(), 1);
    let (_, theirs) = intruder
        .call(&gw, Method::GET, "/admin/api/audit", None)
        .await;
    let theirs = theirs["events"].as_array().unwrap();
    assert!(
        theirs.iter().all(|e| e["actor"] != "admin admin@acme.test"),
        "{theirs:?}"
    );
}

async fn console_pages_refuse_framing_caching_and_foreign_forms(backend: Backend) {
    let env = Env::new(backend).await;
    let (acme, _) = env.workspace_with_token("Acme").await;
    let gw = env.start().await;
    let admin = Admin::sign_in(&env, &gw, &acme).await;
    for path in [
        "/admin",
        "/admin/settings",
        "/admin/tokens",
        "/admin/clients",
        "/admin/audit",
        "/admin/api-keys",
    ] {
        let resp = admin
            .http
            .get(gw.url(path))
            .header("cookie", &admin.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{path}");
        let h = resp.headers().clone();
        for (name, value) in [
            ("cache-control", "no-store"),
            ("x-frame-options", "DENY"),
            ("referrer-policy", "no-referrer"),
            ("x-content-type-options", "nosniff"),
        ] {
            assert_eq!(h[name], value, "{path} {name}");
        }
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"),
            "{csp}"
        );
        assert!(!csp.contains("unsafe-inline"));
        let page = resp.text().await.unwrap();
        assert!(!page.contains("<script>"), "no inline script on {path}");
        assert!(
            page.contains("aria-current=\"page\"") || path == "/admin",
            "{path} marks its section"
        );
        // Signed out, each page sends the admin to sign in and back.
        let resp = admin.http.get(gw.url(path)).send().await.unwrap();
        assert_eq!(resp.status(), 303);
        assert!(
            resp.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with("/admin/login?next=")
        );
    }
    // A form without the session's CSRF token changes nothing.
    let resp = admin
        .http
        .post(gw.url("/admin/tokens"))
        .header("cookie", &admin.cookie)
        .form(&[("csrf", "forged"), ("name", "evil")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let (_, list) = admin
        .call(&gw, Method::GET, "/admin/api/tokens", None)
        .await;
    assert!(!list.to_string().contains("evil"));
    let js = gw.get("/admin/static/console.js", None).await;
    assert_eq!(
        js.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
}

crate::both_backends!(
    the_openapi_document_describes_every_admin_api_route,
    tokens_settings_and_keys_are_the_workspace_admins_own,
    every_admin_action_is_in_the_audit_log,
    console_pages_refuse_framing_caching_and_foreign_forms,
);
