//! Issue #2: workspaces, bearer tokens, discovery, health, configuration, restarts.

use serde_json::Value;

use crate::harness::{Backend, Env, scim_json};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

async fn discovery_with_a_workspace_token(backend: Backend) {
    let env = Env::new(backend).await;
    let (_, token) = env.workspace_with_token("Acme Corp").await;
    let gw = env
        .start_with(&["--public-url", "https://scim.example.test/base/"], &[])
        .await;

    let spc = scim_json(gw.scim_get("/scim/v2/ServiceProviderConfig", &token).await).await;
    assert_eq!(
        spc["schemas"][0],
        "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
    );
    assert_eq!(spc["authenticationSchemes"][0]["type"], "oauthbearertoken");
    assert_eq!(
        spc["meta"]["location"],
        "https://scim.example.test/base/scim/v2/ServiceProviderConfig"
    );

    let types = scim_json(gw.scim_get("/scim/v2/ResourceTypes", &token).await).await;
    assert_eq!(types["totalResults"], 2);
    let user_type = scim_json(gw.scim_get("/scim/v2/ResourceTypes/User", &token).await).await;
    assert_eq!(user_type["endpoint"], "/Users");
    assert_eq!(user_type["schemaExtensions"][0]["schema"], ENTERPRISE);

    // Entra requires a ListResponse of every schema, Group included.
    let schemas = scim_json(gw.scim_get("/scim/v2/Schemas", &token).await).await;
    assert_eq!(
        schemas["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:ListResponse"
    );
    let ids: Vec<&str> = schemas["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"urn:ietf:params:scim:schemas:core:2.0:User"));
    assert!(ids.contains(&"urn:ietf:params:scim:schemas:core:2.0:Group"));
    assert!(ids.contains(&ENTERPRISE));

    let user = scim_json(
        gw.scim_get(
            "/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User",
            &token,
        )
        .await,
    )
    .await;
    let user_name = user["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "userName")
        .unwrap();
    assert_eq!(user_name["uniqueness"], "server");
    assert_eq!(user_name["caseExact"], false);
    assert_eq!(user_name["required"], true);

    // Okta admins often paste the base URL with a trailing slash; Entra may add a query flag.
    let r = gw
        .scim_get("/scim/v2/ServiceProviderConfig/?aadOptscim062020", &token)
        .await;
    assert_eq!(r.status(), 200);
    let r = gw
        .scim_get("/scim/v2/Schemas/urn:example:nope", &token)
        .await;
    assert_eq!(r.status(), 404);
    assert_eq!(scim_json(r).await["status"], "404");
}

/// Each bad credential gets a 401 SCIM error with a challenge and its own explanation.
async fn every_bad_credential_is_a_clear_401(backend: Backend) {
    let env = Env::new(backend).await;
    let (ws, good) = env.workspace_with_token("Acme").await;
    let expired = env
        .cli(&[
            "token",
            "create",
            "--workspace",
            &ws,
            "--name",
            "old",
            "--expires-in",
            "1ms",
        ])
        .await;
    let revoked = env
        .cli(&["token", "create", "--workspace", &ws, "--name", "gone"])
        .await;
    env.cli(&["token", "revoke", "--workspace", &ws, "--name", "gone"])
        .await;
    let gw = env.start().await;

    let unknown = format!("Bearer sgt_{}", "0".repeat(64));
    let expired = format!("Bearer {}", expired["token"].as_str().unwrap());
    let revoked = format!("Bearer {}", revoked["token"].as_str().unwrap());
    let cases: [(&str, Option<&str>, &str); 9] = [
        ("missing", None, "No credential"),
        (
            "not a token (Okta spec test)",
            Some("non-token"),
            "not a bearer token",
        ),
        (
            "basic auth",
            Some("Basic dXNlcjpwYXNz"),
            "not a bearer token",
        ),
        (
            "another product's token",
            Some("Bearer xoxb-1234-abcd"),
            "neither a scimgate SCIM token",
        ),
        (
            "another product's JWT",
            Some("Bearer abc.def.ghi"),
            "not issued by this gateway",
        ),
        ("truncated paste", Some(&good[..40]), "incomplete"),
        ("unknown", Some(&unknown), "not recognised"),
        ("expired", Some(&expired), "expired"),
        ("revoked", Some(&revoked), "revoked"),
    ];
    for (what, auth, detail) in cases {
        let truncated;
        let auth = if what == "truncated paste" {
            truncated = format!("Bearer {}", auth.unwrap());
            Some(truncated.as_str())
        } else {
            auth
        };
        let r = gw
            .get("/scim/v2/Users?filter=userName%20eq%20%22x%22", auth)
            .await;
        assert_eq!(r.status(), 401, "{what}");
        let challenge = r.headers()["www-authenticate"].to_str().unwrap().to_owned();
        assert!(
            challenge.starts_with("Bearer ") && challenge.contains(r#"error="invalid_token""#),
            "{what}: {challenge}"
        );
        let body: Value = scim_json(r).await;
        assert_eq!(body["status"], "401", "{what}");
        assert_eq!(
            body["schemas"][0],
            "urn:ietf:params:scim:api:messages:2.0:Error"
        );
        let text = body["detail"].as_str().unwrap();
        assert!(text.contains(detail), "{what}: {text}");
        assert!(
            !text.contains(&ws),
            "{what}: the detail must not name the workspace"
        );
    }
    // The good token still works, and discovery needs it too.
    assert_eq!(
        gw.scim_get("/scim/v2/ResourceTypes", &good).await.status(),
        200
    );
    assert_eq!(gw.get("/scim/v2/Schemas", None).await.status(), 401);
}

async fn workspaces_are_isolated(backend: Backend) {
    let env = Env::new(backend).await;
    let (a, token_a) = env.workspace_with_token("Acme").await;
    let (b, token_b) = env.workspace_with_token("Globex").await;
    assert_ne!(token_a, token_b);
    // Same token name in both; revoking A's leaves B's working.
    env.cli(&["token", "revoke", "--workspace", &a, "--name", "okta"])
        .await;
    let gw = env.start().await;
    assert_eq!(
        gw.scim_get("/scim/v2/ServiceProviderConfig", &token_a)
            .await
            .status(),
        401
    );
    assert_eq!(
        gw.scim_get("/scim/v2/ServiceProviderConfig", &token_b)
            .await
            .status(),
        200
    );
    let listed = env.cli(&["token", "list", "--workspace", &b]).await;
    let tokens = listed["tokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0]["status"], "active");
    assert!(
        !listed.to_string().contains("sgt_"),
        "token lists never show tokens"
    );
    // The token of one workspace cannot be revoked through another.
    let err = env
        .cli_fails(
            &["token", "revoke", "--workspace", &a, "--name", "okta"],
            &[],
        )
        .await;
    assert!(err.contains("no live token"), "{err}");
}

async fn restart_keeps_workspaces_and_tokens(backend: Backend) {
    let env = Env::new(backend).await;
    let (ws, token) = env.workspace_with_token("Acme").await;
    let gw = env.start().await;
    assert_eq!(
        gw.scim_get("/scim/v2/ServiceProviderConfig", &token)
            .await
            .status(),
        200
    );
    let status = gw.stop().await;
    assert!(status.success(), "SIGTERM is a clean shutdown: {status}");

    let gw = env.start().await;
    assert_eq!(
        gw.scim_get("/scim/v2/ServiceProviderConfig", &token)
            .await
            .status(),
        200
    );
    let listed = env.cli(&["token", "list", "--workspace", &ws]).await;
    assert!(
        listed["tokens"][0]["last_used_at"].is_string(),
        "use is recorded: {listed}"
    );
}

async fn health_readiness_metrics_and_request_ids(backend: Backend) {
    let env = Env::new(backend).await;
    let (ws, token) = env.workspace_with_token("Acme").await;
    let (gw, log) = env.start_logged("info").await;
    assert_eq!(gw.get("/healthz", None).await.status(), 200);
    let ready = gw.get("/readyz", None).await;
    assert_eq!(ready.status(), 200);
    let r = gw.scim_get("/scim/v2/ServiceProviderConfig", &token).await;
    let id = r.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id.len(), 32);
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    // The request's log line (written before the response) says what it was, for
    // whom and how it ended, and carries the id the client was given.
    let log = log.text();
    let line: Value = log
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|l| l["span"]["request_id"] == id.as_str())
        .unwrap_or_else(|| panic!("no log line with request id {id}: {log}"));
    assert_eq!(line["message"], "request finished", "{line}");
    assert_eq!(line["method"], "GET", "{line}");
    assert_eq!(line["route"], "/scim/v2/ServiceProviderConfig", "{line}");
    assert_eq!(line["workspace.id"], ws.as_str(), "{line}");
    assert_eq!(line["status"], 200, "{line}");
    assert!(line["duration_ms"].is_f64(), "{line}");
    assert!(!log.contains(&token), "the token appears in the log");
    gw.scim_get("/scim/v2/Nope", &token).await;
    let metrics = gw.get("/metrics", None).await.text().await.unwrap();
    assert!(
        metrics.contains(r#"scimgate_http_requests_total{method="GET",route="/scim/v2/ServiceProviderConfig",status="200"} 1"#),
        "{metrics}"
    );
    assert!(metrics.contains("scimgate_http_request_duration_seconds_bucket"));
    assert!(
        !metrics.contains("Nope"),
        "metrics label by matched route, never the raw path"
    );
}

async fn unknown_endpoints_are_scim_errors_after_authentication(backend: Backend) {
    let env = Env::new(backend).await;
    let (_, token) = env.workspace_with_token("Acme").await;
    let gw = env.start().await;
    assert_eq!(gw.get("/scim/v2/Bulk", None).await.status(), 401);
    let r = gw.scim_get("/scim/v2/Bulk", &token).await;
    assert_eq!(r.status(), 404);
    let body = scim_json(r).await;
    assert!(body["detail"].as_str().unwrap().contains("/scim/v2"));
    let r = gw
        .http
        .delete(gw.url("/scim/v2/Schemas"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(scim_json(r).await["status"], "405");
}

async fn configuration_precedence_and_errors(backend: Backend) {
    let env = Env::new(backend).await;
    let (_, token) = env.workspace_with_token("Acme").await;
    // The harness passes `--listen 127.0.0.1:0`; a broken SCIMGATE_LISTEN and a broken
    // file `listen` must both lose to it (flag > environment > file).
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("scimgate.toml");
    std::fs::write(
        &file,
        "public_url = \"https://from-file.example\"\nlisten = \"not an address\"\n",
    )
    .unwrap();
    let file = file.to_str().unwrap();
    let gw = env
        .start_with(
            &["--config", file],
            &[
                ("SCIMGATE_PUBLIC_URL", "https://from-env.example"),
                ("SCIMGATE_LISTEN", "not an address either"),
            ],
        )
        .await;
    let spc = scim_json(gw.scim_get("/scim/v2/ServiceProviderConfig", &token).await).await;
    assert_eq!(
        spc["meta"]["location"], "https://from-env.example/scim/v2/ServiceProviderConfig",
        "environment beats file"
    );
    drop(gw);

    let err = env.cli_fails(&["serve", "--config", file], &[]).await;
    assert!(err.contains("`listen`") && err.contains(file), "{err}");
    std::fs::write(dir.path().join("bad.toml"), "lisen = \"127.0.0.1:1\"\n").unwrap();
    let bad = dir.path().join("bad.toml");
    let err = env
        .cli_fails(&["migrate", "--config", bad.to_str().unwrap()], &[])
        .await;
    assert!(err.contains("lisen"), "unknown keys are named: {err}");
    let err = env
        .cli_fails(
            &["migrate"],
            &[("SCIMGATE_DATABASE_URL", "mysql://u:hunter2@h/db")],
        )
        .await;
    assert!(
        err.contains("sqlite://") && !err.contains("hunter2"),
        "{err}"
    );
}

async fn cli_validates_input(backend: Backend) {
    let env = Env::new(backend).await;
    env.cli(&["workspace", "create", "--name", "Acme"]).await;
    let err = env
        .cli_fails(&["workspace", "create", "--name", "ACME"], &[])
        .await;
    assert!(err.contains("already exists"), "{err}");
    let err = env
        .cli_fails(&["workspace", "create", "--name", "!!!"], &[])
        .await;
    assert!(err.contains("letter or digit"), "{err}");
    let err = env
        .cli_fails(
            &["token", "create", "--workspace", "nope", "--name", "x"],
            &[],
        )
        .await;
    assert!(err.contains("no workspace \"nope\""), "{err}");
    env.cli(&["token", "create", "--workspace", "acme", "--name", "okta"])
        .await;
    let err = env
        .cli_fails(
            &["token", "create", "--workspace", "acme", "--name", "okta"],
            &[],
        )
        .await;
    assert!(err.contains("already has a live token"), "{err}");
    let t = env
        .cli(&[
            "token",
            "create",
            "--workspace",
            "acme",
            "--name",
            "entra",
            "--expires-in",
            "90d",
        ])
        .await;
    assert!(t["expires_at"].is_string());
    assert!(t["tenant_url"].as_str().unwrap().ends_with("/scim/v2"));
}

crate::both_backends!(
    discovery_with_a_workspace_token,
    every_bad_credential_is_a_clear_401,
    workspaces_are_isolated,
    restart_keeps_workspaces_and_tokens,
    health_readiness_metrics_and_request_ids,
    unknown_endpoints_are_scim_errors_after_authentication,
    configuration_precedence_and_errors,
    cli_validates_input,
);
