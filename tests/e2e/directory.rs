//! Issue #6, the console's directory half, through its JSON API: the provisioning
//! log with each failure's reason, users and groups as the IdPs provisioned them,
//! and role mappings, as a signed-in workspace admin; never another workspace's.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::billing_api::Admin;
use crate::harness::{Backend, Env, Gateway, SCIM2, SCIM11, eventually, send_as};

pub(crate) const OKTA: &str = "Okta SCIM Client 1.0.0";
const ENTRA: &str = "Microsoft Azure AD SCIM provisioning; (compatible)";

/// A SCIM request (2.0, or 1.1 under `/scim/v1`) with an IdP's `User-Agent` and a raw
/// `Authorization` value.
pub(crate) async fn idp(
    gw: &Gateway,
    agent: &str,
    method: Method,
    path: &str,
    authorization: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let media = if path.starts_with("/scim/v1") {
        &SCIM11
    } else {
        &SCIM2
    };
    let (status, _, json) = send_as(
        gw,
        Some(agent),
        method,
        path,
        authorization,
        media,
        body.as_ref(),
    )
    .await;
    (status.as_u16(), json)
}

pub(crate) fn user(name: &str, active: bool, roles: &Value) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": name, "active": active,
        "name": {"givenName": "Test", "familyName": name},
        "emails": [{"value": format!("{name}@corp.test"), "primary": true, "type": "work"}],
        "roles": roles,
    })
}

/// The log once it holds at least `n` entries (the writer is asynchronous).
async fn log_with(admin: &Admin, gw: &Gateway, query: &str, n: usize) -> Vec<Value> {
    eventually("the provisioning log", Duration::from_secs(20), || async {
        let (s, body) = admin
            .call(
                gw,
                Method::GET,
                &format!("/admin/api/provisioning-log{query}"),
                None,
            )
            .await;
        assert_eq!(s, 200, "{body}");
        let entries = body["entries"].as_array().unwrap().clone();
        (entries.len() >= n).then_some(entries)
    })
    .await
}

async fn the_provisioning_log_says_why_requests_failed(backend: Backend) {
    let env = Env::new(backend).await;
    let (ws, token) = env
        .workspace_with_token_args("Acme", &["--seats", "1"])
        .await;
    let (other_ws, other_token) = env.workspace_with_token("Globex").await;
    let revoked = env
        .cli(&["token", "create", "--workspace", &ws, "--name", "old"])
        .await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    env.cli(&["token", "revoke", "--workspace", &ws, "--name", "old"])
        .await;
    let gw = env.start().await;
    let bearer = format!("Bearer {token}");

    // As Okta would: a user, a second one past the seat limit, a bad filter, a duplicate.
    let (s, _) = idp(
        &gw,
        OKTA,
        Method::POST,
        "/scim/v2/Users",
        &bearer,
        Some(user("ann", true, &json!([]))),
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
    let (s, _) = idp(
        &gw,
        OKTA,
        Method::GET,
        "/scim/v2/Users?filter=userName%20zz%20%22x%22&count=5",
        &bearer,
        None,
    )
    .await;
    assert_eq!(s, 400);
    let (s, _) = idp(
        &gw,
        ENTRA,
        Method::POST,
        "/scim/v2/Users",
        &bearer,
        Some(user("ANN", false, &json!([]))),
    )
    .await;
    assert_eq!(s, 409);
    // A revoked token is told from an unknown one: its workspace's admin sees it.
    let (s, _) = idp(
        &gw,
        OKTA,
        Method::GET,
        "/scim/v2/Users",
        &format!("Bearer {revoked}"),
        None,
    )
    .await;
    assert_eq!(s, 401);
    let unknown = format!("Bearer sgt_{}", "a".repeat(64));
    let (s, _) = idp(&gw, OKTA, Method::GET, "/scim/v2/Users", &unknown, None).await;
    assert_eq!(s, 401);
    // SCIM 1.1 with a bare header token is logged under the path Okta called.
    let (s, _) = idp(
        &gw,
        OKTA,
        Method::GET,
        "/scim/v1/Users?count=1",
        &token,
        None,
    )
    .await;
    assert_eq!(s, 200);
    let (s, _) = idp(
        &gw,
        ENTRA,
        Method::GET,
        "/scim/v2/Users",
        &format!("Bearer {other_token}"),
        None,
    )
    .await;
    assert_eq!(s, 200);

    let (s, _) = Admin::anonymous()
        .call(&gw, Method::GET, "/admin/api/provisioning-log", None)
        .await;
    assert_eq!(s, 401, "the log needs a signed-in admin");
    let admin = Admin::sign_in(&env, &gw, &ws).await;
    let entries = log_with(&admin, &gw, "", 6).await;
    assert_eq!(entries.len(), 6, "{entries:#?}");
    let summary: Vec<(&str, &str, i64, Option<&str>, &str)> = entries
        .iter()
        .rev()
        .map(|e| {
            (
                e["method"].as_str().unwrap(),
                e["route"].as_str().unwrap(),
                e["status"].as_i64().unwrap(),
                e["reason"]["code"].as_str(),
                e["idp"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("POST", "/scim/v2/Users", 201, None, "okta"),
            ("POST", "/scim/v2/Users", 403, Some("seat_limit"), "okta"),
            ("GET", "/scim/v2/Users", 400, Some("invalid_filter"), "okta"),
            ("POST", "/scim/v2/Users", 409, Some("uniqueness"), "entra"),
            ("GET", "/scim/v2/Users", 401, Some("revoked_token"), "okta"),
            ("GET", "/scim/v1/Users", 200, None, "okta"),
        ]
    );
    let seat = &entries[4];
    assert_eq!(seat["reason"]["text"], "Seat limit reached");
    let filtered = &entries[3];
    assert_eq!(
        filtered["filter"], "userName zz \"x\"",
        "the filter apart from the route"
    );
    assert!(filtered["duration_ms"].as_f64().unwrap() >= 0.0);
    assert!(filtered["occurred_at"].as_str().unwrap().ends_with('Z'));

    // Filters and pages.
    let (_, failures) = admin
        .call(
            &gw,
            Method::GET,
            "/admin/api/provisioning-log?failures=true",
            None,
        )
        .await;
    assert_eq!(failures["entries"].as_array().unwrap().len(), 4);
    let (_, fours) = admin
        .call(
            &gw,
            Method::GET,
            "/admin/api/provisioning-log?status=4xx&method=POST",
            None,
        )
        .await;
    let codes: Vec<_> = fours["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_i64().unwrap())
        .collect();
    assert_eq!(codes, [409, 403]);
    let (_, ok) = admin
        .call(
            &gw,
            Method::GET,
            "/admin/api/provisioning-log?status=2xx",
            None,
        )
        .await;
    assert_eq!(ok["entries"].as_array().unwrap().len(), 2);
    let (_, p1) = admin
        .call(
            &gw,
            Method::GET,
            "/admin/api/provisioning-log?limit=4",
            None,
        )
        .await;
    assert_eq!(p1["entries"].as_array().unwrap().len(), 4);
    let next = p1["next"].as_str().unwrap();
    let (_, p2) = admin
        .call(
            &gw,
            Method::GET,
            &format!("/admin/api/provisioning-log?limit=4&before={next}"),
            None,
        )
        .await;
    assert_eq!(p2["entries"].as_array().unwrap().len(), 2);
    assert_eq!(p2["next"], Value::Null);
    for bad in ["status=9xx", "method=TRACE", "before=nope", "colour=red"] {
        let (s, body) = admin
            .call(
                &gw,
                Method::GET,
                &format!("/admin/api/provisioning-log?{bad}"),
                None,
            )
            .await;
        assert_eq!(s, 400, "{bad}: {body}");
    }

    // Another workspace's admin sees only its own request; the unknown token is in
    // no workspace's log but is counted in /metrics.
    let globex = Admin::sign_in(&env, &gw, &other_ws).await;
    let theirs = log_with(&globex, &gw, "", 1).await;
    assert_eq!(theirs.len(), 1);
    assert_eq!(
        (theirs[0]["status"].as_i64(), theirs[0]["idp"].as_str()),
        (Some(200), Some("entra"))
    );
    let metrics = gw.get("/metrics", None).await.text().await.unwrap();
    assert!(
        metrics.contains(r#"scimgate_scim_unattributed_requests_total{reason="wrong_token"} 1"#),
        "{metrics}"
    );
}

async fn users_groups_and_role_mappings(backend: Backend) {
    let env = Env::new(backend).await;
    let (ws, token) = env.workspace_with_token("Acme").await;
    let (other_ws, _) = env.workspace_with_token("Globex").await;
    let gw = env.start().await;
    let bearer = format!("Bearer {token}");
    for path in [
        "/admin/api/users",
        "/admin/api/groups",
        "/admin/api/role-mappings",
    ] {
        let (s, _) = Admin::anonymous().call(&gw, Method::GET, path, None).await;
        assert_eq!(s, 401, "{path}");
    }
    let admin = Admin::sign_in(&env, &gw, &ws).await;

    // Seed 004: map IdP role values, and a default for the rest.
    for (idp_value, app_role) in [("Admin", "owner"), ("Editor", "member")] {
        let (s, _) = admin
            .call(
                &gw,
                Method::POST,
                "/admin/api/role-mappings",
                Some(json!({"idp_value": idp_value, "app_role": app_role})),
            )
            .await;
        assert_eq!(s, 201);
    }
    let (s, map) = admin
        .call(
            &gw,
            Method::PUT,
            "/admin/api/role-mappings/default",
            Some(json!({"app_role": "viewer"})),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        map,
        json!({"mappings": [{"idp_value": "Admin", "app_role": "owner"}, {"idp_value": "Editor", "app_role": "member"}],
               "default_app_role": "viewer"})
    );
    let (s, err) = admin
        .call(
            &gw,
            Method::POST,
            "/admin/api/role-mappings",
            Some(json!({"idp_value": " ", "app_role": "x"})),
        )
        .await;
    assert_eq!(s, 400, "{err}");
    assert!(err["error"].as_str().unwrap().contains("idp_value"));

    // Okta (`roles.^[primary==true].value`), Entra (SingleAppRoleAssignment) and a script.
    let okta_roles = json!([{"primary": true, "value": "Admin"}]);
    let (s, ann) = idp(
        &gw,
        OKTA,
        Method::POST,
        "/scim/v2/Users",
        &bearer,
        Some(user("ann", true, &okta_roles)),
    )
    .await;
    assert_eq!(s, 201);
    let ann_id = ann["id"].as_str().unwrap().to_owned();
    let entra_roles =
        json!([{"primary": "True", "type": "WindowsAzureActiveDirectoryRole", "value": "Editor"}]);
    let (s, bob) = idp(
        &gw,
        ENTRA,
        Method::POST,
        "/scim/v2/Users",
        &bearer,
        Some(user("bob", true, &entra_roles)),
    )
    .await;
    assert_eq!(s, 201);
    let (s, _) = idp(
        &gw,
        "curl/8",
        Method::POST,
        "/scim/v2/Users",
        &bearer,
        Some(user("carl", false, &json!([]))),
    )
    .await;
    assert_eq!(s, 201);
    let (s, group) = idp(
        &gw,
        OKTA,
        Method::POST,
        "/scim/v2/Groups",
        &bearer,
        Some(json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Engineering",
                    "members": [{"value": ann_id}, {"value": bob["id"]}]})),
    )
    .await;
    assert_eq!(s, 201);
    let group_id = group["id"].as_str().unwrap().to_owned();

    let (s, list) = admin.call(&gw, Method::GET, "/admin/api/users", None).await;
    assert_eq!(s, 200);
    let rows: Vec<(&str, &str, bool, Option<&str>)> = list["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["user_name"].as_str().unwrap(),
                u["source_idp"].as_str().unwrap(),
                u["active"].as_bool().unwrap(),
                u["app_role"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("ann", "okta", true, Some("owner")),
            ("bob", "entra", true, Some("member")),
            ("carl", "other", false, Some("viewer"))
        ]
    );
    assert_eq!(list["users"][0]["email"], "ann@corp.test");
    assert_eq!(list["users"][0]["idp_roles"], json!(["Admin"]));
    for (query, expected) in [
        ("q=BOB", vec!["bob"]),
        ("q=ann%40corp", vec!["ann"]),
        ("active=false", vec!["carl"]),
        ("idp=entra", vec!["bob"]),
        ("idp=okta&active=true", vec!["ann"]),
    ] {
        let (s, body) = admin
            .call(&gw, Method::GET, &format!("/admin/api/users?{query}"), None)
            .await;
        assert_eq!(s, 200);
        let names: Vec<_> = body["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["user_name"].as_str().unwrap())
            .collect();
        assert_eq!(names, expected, "{query}");
    }
    let (_, p1) = admin
        .call(&gw, Method::GET, "/admin/api/users?limit=2", None)
        .await;
    let next = p1["next"].as_str().unwrap();
    let (_, p2) = admin
        .call(
            &gw,
            Method::GET,
            &format!("/admin/api/users?limit=2&after={next}"),
            None,
        )
        .await;
    assert_eq!(p2["users"][0]["user_name"], "carl");
    assert_eq!(p2["next"], Value::Null);
    for bad in ["active=maybe", "idp=ping", "limit=x"] {
        let (s, _) = admin
            .call(&gw, Method::GET, &format!("/admin/api/users?{bad}"), None)
            .await;
        assert_eq!(s, 400, "{bad}");
    }

    // A user's detail: memberships and history.
    let (s, detail) = admin
        .call(
            &gw,
            Method::GET,
            &format!("/admin/api/users/{ann_id}"),
            None,
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        detail["groups"],
        json!([{"id": group_id, "display_name": "Engineering"}])
    );
    assert_eq!(detail["history"][0]["action"], "user.provisioned");
    assert!(
        detail["history"][0]["actor"]
            .as_str()
            .unwrap()
            .starts_with("token ")
    );
    let (s, g) = admin
        .call(
            &gw,
            Method::GET,
            &format!("/admin/api/groups/{group_id}?limit=1"),
            None,
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        (g["display_name"].as_str(), g["members"].as_i64()),
        (Some("Engineering"), Some(2))
    );
    assert_eq!(
        g["member_list"],
        json!([{"id": ann_id, "user_name": "ann"}])
    );
    let after = g["members_next"].as_str().unwrap();
    let (_, g2) = admin
        .call(
            &gw,
            Method::GET,
            &format!("/admin/api/groups/{group_id}?limit=1&after={after}"),
            None,
        )
        .await;
    assert_eq!(g2["member_list"][0]["user_name"], "bob");
    let (_, groups) = admin
        .call(&gw, Method::GET, "/admin/api/groups?q=engin", None)
        .await;
    assert_eq!(groups["groups"][0]["members"], 2);

    // The billing events carry the mapped role.
    let (_, events) = admin
        .call(&gw, Method::GET, "/admin/api/events", None)
        .await;
    let provisioned = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "user.provisioned")
        .unwrap();
    assert_eq!(provisioned["payload"]["data"]["app_role"], "owner");
    assert_eq!(provisioned["payload"]["data"]["user_name"], "ann");

    // Removing the mapping moves ann to the default; clearing it leaves her without one.
    let (s, _) = admin
        .call(&gw, Method::DELETE, "/admin/api/role-mappings/Admin", None)
        .await;
    assert_eq!(
        s, 403,
        "a write with the cookie alone may come from another site"
    );
    let (s, _) = admin
        .call(
            &gw,
            Method::DELETE,
            "/admin/api/role-mappings/Admin",
            Some(json!({})),
        )
        .await;
    assert_eq!(s, 204);
    let (s, _) = admin
        .call(
            &gw,
            Method::DELETE,
            "/admin/api/role-mappings/Admin",
            Some(json!({})),
        )
        .await;
    assert_eq!(s, 404);
    let (_, detail) = admin
        .call(
            &gw,
            Method::GET,
            &format!("/admin/api/users/{ann_id}"),
            None,
        )
        .await;
    assert_eq!(detail["app_role"], "viewer");
    let (_, map) = admin
        .call(
            &gw,
            Method::PUT,
            "/admin/api/role-mappings/default",
            Some(json!({"app_role": null})),
        )
        .await;
    assert_eq!(map["default_app_role"], Value::Null);
    let (_, detail) = admin
        .call(
            &gw,
            Method::GET,
            &format!("/admin/api/users/{ann_id}"),
            None,
        )
        .await;
    assert_eq!(detail["app_role"], Value::Null);

    // Another workspace's admin: nothing of Acme's, 404 for its ids.
    let globex = Admin::sign_in(&env, &gw, &other_ws).await;
    for path in [
        format!("/admin/api/users/{ann_id}"),
        format!("/admin/api/groups/{group_id}"),
        "/admin/api/users/not-an-id".to_owned(),
    ] {
        let (s, _) = globex.call(&gw, Method::GET, &path, None).await;
        assert_eq!(s, 404, "{path}");
    }
    let (s, _) = globex
        .call(
            &gw,
            Method::DELETE,
            "/admin/api/role-mappings/Editor",
            Some(json!({})),
        )
        .await;
    assert_eq!(s, 404);
    let (_, theirs) = globex
        .call(&gw, Method::GET, "/admin/api/users", None)
        .await;
    assert_eq!(theirs["users"], json!([]));
    let (_, theirs) = globex
        .call(&gw, Method::GET, "/admin/api/groups", None)
        .await;
    assert_eq!(theirs["groups"], json!([]));
    let (_, theirs) = globex
        .call(&gw, Method::GET, "/admin/api/role-mappings", None)
        .await;
    assert_eq!(theirs["mappings"], json!([]));
}

crate::both_backends!(
    the_provisioning_log_says_why_requests_failed,
    users_groups_and_role_mappings,
);
