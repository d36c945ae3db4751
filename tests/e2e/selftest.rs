//! Issue #3, "Self-test, a product feature": `scimgate selftest` replays Okta's and
//! Entra ID's request sequences against the real gateway on both backends and every
//! step passes; against a deliberately broken server it fails with the IdP's message.

use std::collections::HashMap;
use std::time::Duration;

use axum::Router;
use axum::extract::Query;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use reqwest::Method;
use serde_json::{Value, json};
use tokio::process::Command;

use crate::harness::{Backend, Env, scim};

const BIN: &str = env!("CARGO_BIN_EXE_scimgate");
/// A whole profile is a few dozen requests on loopback; this only bounds a hang.
const DEADLINE: Duration = Duration::from_secs(300);

/// Runs `scimgate --json selftest …` (no database configured: it needs none) and
/// returns its exit code and report. The token never appears in its output.
pub(crate) async fn selftest(profile: &str, base: &str, token: &str) -> (Option<i32>, Value) {
    let run = Command::new(BIN)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("RUST_LOG", "warn")
        .args([
            "--json",
            "selftest",
            "--profile",
            profile,
            "--base",
            base,
            "--token",
            token,
        ])
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(DEADLINE, run)
        .await
        .expect("selftest did not finish in time")
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        !stdout.contains(token) && !stderr.contains(token),
        "the token was printed"
    );
    let report: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("selftest printed no JSON ({e}): {stdout}\nstderr: {stderr}"));
    (out.status.code(), report)
}

pub(crate) fn failures(report: &Value) -> Vec<&Value> {
    report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["ok"] != true)
        .collect()
}

/// Runs `profile` against a fresh gateway holding `seeded` users of its own, which
/// make Okta's import page past 100 (OK-2) and must survive the run untouched.
async fn passes_against_the_gateway(
    backend: Backend,
    profile: &str,
    min_steps: u64,
    seeded: usize,
) {
    let env = Env::new(backend).await;
    let (_, token) = env.workspace_with_token("Selftest").await;
    let gw = env.start().await;
    for n in 0..seeded {
        let name = format!("seed-{n}@example.com");
        let body = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name, "active": n % 7 != 0,
            "name": {"givenName": "Seed", "familyName": format!("No{n}")}, "emails": [{"primary": true, "type": "work", "value": name}]});
        let (status, _, created) =
            scim(&gw, Method::POST, "/scim/v2/Users", &token, Some(&body)).await;
        assert_eq!(status, 201, "{created}");
    }
    let base = gw.url("/scim/v2");
    let (code, report) = selftest(profile, &base, &token).await;
    assert_eq!(
        report["failed"],
        0,
        "failed steps: {:#?}",
        failures(&report)
    );
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(
        (report["profile"].as_str(), report["base"].as_str()),
        (Some(profile), Some(base.as_str()))
    );
    let passed = report["passed"].as_u64().unwrap();
    assert!(passed >= min_steps, "only {passed} steps ran: {report:#}");
    assert_eq!(report["steps"].as_array().unwrap().len() as u64, passed);
    for step in report["steps"].as_array().unwrap() {
        assert!(step["name"].as_str().is_some_and(|n| !n.is_empty()));
        assert!(
            step["request"]
                .as_str()
                .is_some_and(|r| r.starts_with(['G', 'P', 'D'])),
            "{step}"
        );
    }
    // Everything it created is gone again; the seeded users are still there.
    for (resource, want) in [("/scim/v2/Users", seeded), ("/scim/v2/Groups", 0)] {
        let (status, _, list) = scim(&gw, Method::GET, resource, &token, None).await;
        assert_eq!(status, 200);
        assert_eq!(
            list["totalResults"], want,
            "left behind in {resource}: {list:#}"
        );
    }
}

async fn okta_profile_passes(backend: Backend) {
    passes_against_the_gateway(backend, "okta", 49, 120).await;
}

async fn entra_profile_passes(backend: Backend) {
    passes_against_the_gateway(backend, "entra", 58, 0).await;
}

crate::both_backends!(okta_profile_passes, entra_profile_passes);

/// A SCIM server with the commonest IdP-breaking bug (idp-wire §0 rule 1): a filter
/// that matches nothing is answered 404. Everything else is a minimal happy answer.
async fn broken_server() -> String {
    async fn users(Query(q): Query<HashMap<String, String>>) -> impl IntoResponse {
        let ct = [(header::CONTENT_TYPE, "application/scim+json")];
        if q.contains_key("filter") {
            let err = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "404", "detail": "User not found"});
            return (StatusCode::NOT_FOUND, ct, err.to_string());
        }
        let empty = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                           "totalResults": 0, "startIndex": 1, "itemsPerPage": 0, "Resources": []});
        (StatusCode::OK, ct, empty.to_string())
    }
    let app = Router::new()
        .route("/scim/v2/Users", get(users))
        .route("/scim/v2/Groups", get(users));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/scim/v2")
}

fn step<'a>(report: &'a Value, name_prefix: &str) -> &'a Value {
    report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"].as_str().unwrap().starts_with(name_prefix))
        .unwrap_or_else(|| panic!("no step {name_prefix:?} in {report:#}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entra_profile_fails_on_a_404_for_an_empty_filter() {
    let base = broken_server().await;
    let (code, report) = selftest("entra", &base, "not-checked").await;
    assert_eq!(code, Some(1), "{report:#}");
    assert!(report["failed"].as_u64().unwrap() >= 1);
    let probe = step(&report, "EN-1 Test Connection: userName filter");
    assert_eq!(
        (probe["ok"].as_bool(), probe["status"].as_u64()),
        (Some(false), Some(404)),
        "{probe:#}"
    );
    assert!(
        probe["request"]
            .as_str()
            .unwrap()
            .starts_with("GET /Users?filter=userName+eq+"),
        "{probe:#}"
    );
    assert!(
        probe["problem"].as_str().unwrap().contains("404"),
        "{probe:#}"
    );
    assert!(
        probe["idp_message"]
            .as_str()
            .unwrap()
            .contains("quarantine"),
        "{probe:#}"
    );
    // The Users list without a filter is fine on this server, so the step is not blamed.
    assert_eq!(step(&report, "EN-3 match user (no match yet)")["ok"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn okta_profile_fails_on_a_404_for_the_existence_check() {
    let base = broken_server().await;
    let (code, report) = selftest("okta", &base, "not-checked").await;
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(
        step(&report, "OK-1 Test Connector: list users")["ok"],
        true,
        "{report:#}"
    );
    let check = step(&report, "OK-4 existence check");
    assert_eq!(
        (check["ok"].as_bool(), check["status"].as_u64()),
        (Some(false), Some(404)),
        "{check:#}"
    );
    assert!(
        check["request"]
            .as_str()
            .unwrap()
            .starts_with("GET /Users?filter=userName%20eq%20%22selftest-"),
        "{check:#}"
    );
    // Okta shows the server's `detail` to the admin under Tasks.
    assert_eq!(
        check["idp_message"], "Checking whether the user exists failed: HTTP 404: User not found",
        "{check:#}"
    );
    // Accepting a request without a valid token fails Okta's spec test.
    assert_eq!(step(&report, "Okta spec test #11")["ok"], false);
}
