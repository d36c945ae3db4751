//! Issue #5: seat licensing enforced in the SCIM write path, the ledger and the
//! refusal text Okta and Entra ID show the IT admin.

use std::sync::Arc;

use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{Backend, Env, Gateway, scim};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

fn user(name: &str, active: bool) -> Value {
    json!({"schemas": [USER], "userName": name, "active": active,
           "emails": [{"primary": true, "value": name, "type": "work"}]})
}

async fn create(gw: &Gateway, token: &str, name: &str, active: bool) -> (u16, Value) {
    let (status, _, body) = scim(
        gw,
        Method::POST,
        "/scim/v2/Users",
        token,
        Some(&user(name, active)),
    )
    .await;
    (status.as_u16(), body)
}

/// Entra ID's deactivation and reactivation: PATCH with a string boolean.
async fn set_active(gw: &Gateway, token: &str, id: &str, active: &str) -> (u16, Value) {
    let body = json!({"schemas": [PATCH],
        "Operations": [{"op": "Replace", "path": "active", "value": active}]});
    let (status, _, body) = scim(
        gw,
        Method::PATCH,
        &format!("/scim/v2/Users/{id}"),
        token,
        Some(&body),
    )
    .await;
    (status.as_u16(), body)
}

async fn seats(env: &Env, ws: &str) -> (i64, i64) {
    let s = env.cli(&["seats", "show", "--workspace", ws]).await;
    (
        s["seats_in_use"].as_i64().unwrap(),
        s["seats_purchased"].as_i64().unwrap(),
    )
}

async fn event_types(env: &Env, ws: &str) -> Vec<String> {
    let e = env.cli(&["events", "list", "--workspace", ws]).await;
    e["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect()
}

fn assert_seat_refusal(status: u16, body: &Value, numbers: &str) {
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["status"], "403");
    let detail = body["detail"].as_str().unwrap();
    assert!(detail.starts_with("Seat limit reached"), "{detail}");
    assert!(detail.contains(numbers), "{detail}");
    assert!(detail.contains("A workspace admin can"), "{detail}");
}

async fn seats_are_taken_charged_refused_and_freed(backend: Backend) {
    let env = Env::new(backend).await;
    let (ws, token) = env
        .workspace_with_token_args("Acme", &["--seats", "2", "--auto-charge-cap", "3"])
        .await;
    let gw = env.start().await;

    // Two free seats, then auto-charge buys the third, then the cap refuses.
    let (s, a) = create(&gw, &token, "a@acme.test", true).await;
    assert_eq!(s, 201, "{a}");
    let a = a["id"].as_str().unwrap().to_owned();
    assert_eq!(create(&gw, &token, "b@acme.test", true).await.0, 201);
    assert_eq!(seats(&env, &ws).await, (2, 2));
    assert_eq!(create(&gw, &token, "c@acme.test", true).await.0, 201);
    assert_eq!(seats(&env, &ws).await, (3, 3));
    let (s, body) = create(&gw, &token, "d@acme.test", true).await;
    assert_seat_refusal(s, &body, "3 of 3 seats are in use");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("raise the auto-charge cap")
    );
    assert_eq!(seats(&env, &ws).await, (3, 3), "a refusal changes nothing");
    let (_, _, found) = scim(
        &gw,
        Method::GET,
        "/scim/v2/Users?filter=userName+eq+%22d%40acme.test%22",
        &token,
        None,
    )
    .await;
    assert_eq!(found["totalResults"], 0, "the refused user was not written");

    // An inactive user holds no seat.
    let (s, e) = create(&gw, &token, "e@acme.test", false).await;
    assert_eq!(s, 201, "{e}");
    let e = e["id"].as_str().unwrap().to_owned();
    assert_eq!(seats(&env, &ws).await, (3, 3));

    // Deactivation frees a seat (bought seats stay bought); reactivation takes one.
    assert_eq!(set_active(&gw, &token, &a, "False").await.0, 200);
    assert_eq!(seats(&env, &ws).await, (2, 3));
    let (s, body) = set_active(&gw, &token, &e, "True").await;
    assert_eq!((s, &body["active"]), (200, &json!(true)), "{body}");
    assert_eq!(seats(&env, &ws).await, (3, 3));
    let (s, body) = set_active(&gw, &token, &a, "True").await;
    assert_seat_refusal(s, &body, "3 of 3 seats are in use");
    let (_, _, still) = scim(
        &gw,
        Method::GET,
        &format!("/scim/v2/Users/{a}"),
        &token,
        None,
    )
    .await;
    assert_eq!(
        still["active"], false,
        "a refused reactivation is not applied"
    );

    // PUT without a seat is refused too; deleting an active user frees one.
    let (s, _, body) = scim(
        &gw,
        Method::PUT,
        &format!("/scim/v2/Users/{a}"),
        &token,
        Some(&user("a@acme.test", true)),
    )
    .await;
    assert_seat_refusal(s.as_u16(), &body, "3 of 3");
    let (s, _, _) = scim(
        &gw,
        Method::DELETE,
        &format!("/scim/v2/Users/{e}"),
        &token,
        None,
    )
    .await;
    assert_eq!(s, 204);
    assert_eq!(seats(&env, &ws).await, (2, 3));
    let (s, _, body) = scim(
        &gw,
        Method::PUT,
        &format!("/scim/v2/Users/{a}"),
        &token,
        Some(&user("a@acme.test", true)),
    )
    .await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(seats(&env, &ws).await, (3, 3));

    // The ledger has the one auto-charge, naming its user; an admin buys beyond the cap.
    let ledger = env.cli(&["seats", "ledger", "--workspace", &ws]).await;
    let entries = ledger["purchases"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{ledger}");
    assert_eq!(entries[0]["cause"], "auto_charge");
    assert_eq!(entries[0]["user_name"], "c@acme.test");
    assert_eq!(entries[0]["seats_purchased"], 3);
    assert_eq!(entries[0]["actor"], "token okta");
    let bought = env
        .cli(&["seats", "buy", "--workspace", &ws, "--count", "2"])
        .await;
    assert_eq!(bought["seats_purchased"], 5);
    assert_eq!(create(&gw, &token, "d@acme.test", true).await.0, 201);
    let ledger = env.cli(&["seats", "ledger", "--workspace", &ws]).await;
    assert_eq!(ledger["purchases"][1]["cause"], "admin");
    assert_eq!(ledger["purchases"][1]["quantity"], 2);

    // Auto-charge off: at the limit the detail says to turn it on.
    env.cli(&["seats", "set", "--workspace", &ws, "--auto-charge", "false"])
        .await;
    assert_eq!(create(&gw, &token, "f@acme.test", true).await.0, 201);
    let (s, body) = create(&gw, &token, "g@acme.test", true).await;
    assert_seat_refusal(s, &body, "5 of 5 seats are in use and auto-charge is off");

    let types = event_types(&env, &ws).await;
    for t in [
        "user.provisioned",
        "seat.charged",
        "seat.limit_reached",
        "provisioning.failed",
        "user.deactivated",
        "user.reactivated",
        "user.deleted",
    ] {
        assert!(types.iter().any(|x| x == t), "{t} missing from {types:?}");
    }
    assert_eq!(
        types.iter().filter(|t| *t == "seat.charged").count(),
        1,
        "{types:?}"
    );
    assert_eq!(
        types.iter().filter(|t| *t == "seat.limit_reached").count(),
        4,
        "{types:?}"
    );
}

async fn events_carry_the_workspace_the_user_and_the_seat_counts(backend: Backend) {
    let env = Env::new(backend).await;
    let (ws, token) = env
        .workspace_with_token_args("Globex", &["--seats", "0", "--auto-charge-cap", "1"])
        .await;
    let gw = env.start().await;
    assert_eq!(create(&gw, &token, "ann@globex.test", true).await.0, 201);
    let events = env.cli(&["events", "list", "--workspace", &ws]).await;
    let events = events["events"].as_array().unwrap();
    let charged = events.iter().find(|e| e["type"] == "seat.charged").unwrap();
    let data = &charged["payload"]["data"];
    assert_eq!(charged["payload"]["type"], "seat.charged");
    assert_eq!(data["workspace"], "globex");
    assert_eq!(data["user_name"], "ann@globex.test");
    assert_eq!(
        (&data["seats_in_use"], &data["seats_purchased"]),
        (&json!(1), &json!(1))
    );
    let provisioned = events
        .iter()
        .find(|e| e["type"] == "user.provisioned")
        .unwrap();
    assert_eq!(
        provisioned["payload"]["data"]["user_id"],
        charged["payload"]["data"]["user_id"]
    );
    // The cursor pages: nothing after the last event.
    let last = events.last().unwrap()["id"].as_str().unwrap().to_owned();
    let after = env
        .cli(&["events", "list", "--workspace", &ws, "--after", &last])
        .await;
    assert_eq!(after["events"], json!([]));
}

/// Two `scimgate serve` processes on one database, 200 concurrent creates, 50 free
/// seats and auto-charge allowed 20 more: exactly 70 users, never one more.
async fn two_gateways_never_oversell(backend: Backend) {
    let env = Env::new(backend).await;
    let (ws, token) = env
        .workspace_with_token_args("Initech", &["--seats", "50", "--auto-charge-cap", "70"])
        .await;
    // A generous wait for the write lock: every create serialises on the workspace row.
    let args = ["--db-acquire-timeout", "60s"];
    let gateways = Arc::new([
        env.start_with(&args, &[]).await,
        env.start_with(&args, &[]).await,
    ]);
    let token = Arc::new(token);
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..200 {
        let (gateways, token) = (gateways.clone(), token.clone());
        tasks.spawn(async move {
            let gw = &gateways[i % 2];
            let (status, body) = create(gw, &token, &format!("u{i}@initech.test"), true).await;
            if status == 403 {
                assert!(
                    body["detail"]
                        .as_str()
                        .unwrap()
                        .starts_with("Seat limit reached: 70 of 70 seats are in use"),
                    "{body}"
                );
            }
            status
        });
    }
    let (mut created, mut refused) = (0, 0);
    while let Some(status) = tasks.join_next().await {
        match status.unwrap() {
            201 => created += 1,
            403 => refused += 1,
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!((created, refused), (70, 130));
    assert_eq!(seats(&env, &ws).await, (70, 70));
    let ledger = env.cli(&["seats", "ledger", "--workspace", &ws]).await;
    assert_eq!(ledger["purchases"].as_array().unwrap().len(), 20);
    let (_, _, list) = scim(
        &gateways[0],
        Method::GET,
        "/scim/v2/Users?count=1",
        &token,
        None,
    )
    .await;
    assert_eq!(list["totalResults"], 70);
}

async fn mass_deprovisioning_pauses_until_an_admin_resumes_or_cancels(backend: Backend) {
    let env = Env::new(backend).await;
    let (ws, token) = env.workspace_with_token("Acme").await;
    let g = env
        .cli(&[
            "guard",
            "set",
            "--workspace",
            &ws,
            "--min-users",
            "3",
            "--window",
            "1h",
        ])
        .await;
    assert_eq!(
        (&g["share_percent"], &g["state"]),
        (&json!(20), &json!("active"))
    );
    let gw = env.start().await;
    let mut ids = Vec::new();
    for i in 0..10 {
        let (s, body) = create(&gw, &token, &format!("u{i}@acme.test"), true).await;
        assert_eq!(s, 201);
        ids.push(body["id"].as_str().unwrap().to_owned());
    }
    // 10 active users, 20 % and at least 3: two may go, the third pauses.
    assert_eq!(set_active(&gw, &token, &ids[0], "False").await.0, 200);
    let (s, _, _) = scim(
        &gw,
        Method::DELETE,
        &format!("/scim/v2/Users/{}", ids[1]),
        &token,
        None,
    )
    .await;
    assert_eq!(s, 204);
    let (s, headers, body) = scim(
        &gw,
        Method::PATCH,
        &format!("/scim/v2/Users/{}", ids[2]),
        &token,
        Some(&json!({"schemas": [PATCH], "Operations": [{"op": "replace", "value": {"active": false}}]})),
    )
    .await;
    assert_eq!(s, 503, "{body}");
    assert_eq!(headers["retry-after"], "600");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("Deprovisioning is paused"),
        "{body}"
    );
    let (s, _, _) = scim(
        &gw,
        Method::DELETE,
        &format!("/scim/v2/Users/{}", ids[3]),
        &token,
        None,
    )
    .await;
    assert_eq!(s, 503, "deletions wait too");
    let (_, _, still) = scim(
        &gw,
        Method::GET,
        &format!("/scim/v2/Users/{}", ids[2]),
        &token,
        None,
    )
    .await;
    assert_eq!(
        still["active"], true,
        "the held deactivation was not applied"
    );
    // Creates and updates still go through while deprovisioning waits.
    assert_eq!(create(&gw, &token, "new@acme.test", true).await.0, 201);
    let types = event_types(&env, &ws).await;
    assert_eq!(
        types.iter().filter(|t| *t == "provisioning.paused").count(),
        1,
        "{types:?}"
    );
    let g = env.cli(&["guard", "show", "--workspace", &ws]).await;
    assert_eq!(g["state"], "paused");

    // The admin resumes: the IdP's retry succeeds, and counting starts afresh.
    env.cli(&["guard", "resume", "--workspace", &ws]).await;
    assert_eq!(set_active(&gw, &token, &ids[2], "False").await.0, 200);
    assert_eq!(set_active(&gw, &token, &ids[3], "False").await.0, 200);
    assert_eq!(set_active(&gw, &token, &ids[4], "False").await.0, 503);

    // Cancelled: the IdP gets a final 403 until the admin resumes.
    env.cli(&["guard", "cancel", "--workspace", &ws]).await;
    let (s, body) = set_active(&gw, &token, &ids[4], "False").await;
    assert_eq!(s, 403, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("cancelled"),
        "{body}"
    );
    env.cli(&["guard", "resume", "--workspace", &ws]).await;
    assert_eq!(set_active(&gw, &token, &ids[4], "False").await.0, 200);
    let seats = env.cli(&["seats", "show", "--workspace", &ws]).await;
    assert_eq!(seats["seats_in_use"], 6, "11 created, 5 deprovisioned");
}

crate::both_backends!(
    mass_deprovisioning_pauses_until_an_admin_resumes_or_cancels,
    seats_are_taken_charged_refused_and_freed,
    events_carry_the_workspace_the_user_and_the_seat_counts,
    two_gateways_never_oversell,
);
