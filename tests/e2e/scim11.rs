//! Issue #9: Okta's "SCIM 1.1 Header Auth" template against `/scim/v1`, with the
//! bare `Authorization: <token>` header it sends, and one directory seen through
//! both dialects.

use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{Backend, Env, Gateway, SCIM11, scim, send};
use crate::selftest::{failures, selftest};

const CORE: &str = "urn:scim:schemas:core:1.0";
const ENTERPRISE: &str = "urn:scim:schemas:extension:enterprise:1.0";

/// A SCIM 1.1 request as the header-auth template sends it: the bare token as the
/// whole `Authorization` value, `application/json` both ways.
async fn scim11(
    gw: &Gateway,
    method: Method,
    path: &str,
    token: &str,
    body: Option<&Value>,
) -> (reqwest::StatusCode, reqwest::header::HeaderMap, Value) {
    send(gw, method, path, token, &SCIM11, body).await
}

async fn created_in_v1_is_the_same_user_in_v2(backend: Backend) {
    let env = Env::new(backend).await;
    let (ws, token) = env.workspace_with_token("Acme").await;
    let gw = env.start().await;

    // Create over 1.1, with the enterprise 1.0 extension and a manager.
    let body = json!({"schemas": [CORE, ENTERPRISE], "userName": "ada@example.com", "externalId": "00u1",
        "name": {"givenName": "Ada", "familyName": "Lovelace"},
        "emails": [{"value": "ada@example.com", "type": "work", "primary": true}],
        "active": true, "password": "placeholder",
        ENTERPRISE: {"employeeNumber": "1815", "manager": {"managerId": "m-1"}}});
    let (status, headers, v1) =
        scim11(&gw, Method::POST, "/scim/v1/Users", &token, Some(&body)).await;
    assert_eq!(status, 201, "{v1}");
    let id = v1["id"].as_str().unwrap().to_owned();
    assert_eq!(v1["schemas"], json!([CORE, ENTERPRISE]));
    assert_eq!(v1[ENTERPRISE]["manager"]["managerId"], "m-1");
    assert!(v1.get("password").is_none());
    let location = headers["location"].to_str().unwrap();
    assert!(
        location.ends_with(&format!("/scim/v1/Users/{id}")),
        "{location}"
    );
    assert_eq!(v1["meta"]["location"], location);
    assert!(v1["meta"].get("resourceType").is_none());

    // The same user over 2.0: same id, the extension under its 2.0 URN.
    let (status, _, v2) = scim(
        &gw,
        Method::GET,
        &format!("/scim/v2/Users/{id}"),
        &token,
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(v2["userName"], "ada@example.com");
    let ext = &v2["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"];
    assert_eq!(
        (
            ext["employeeNumber"].as_str(),
            ext["manager"]["value"].as_str()
        ),
        (Some("1815"), Some("m-1"))
    );
    assert_eq!(
        v2["meta"]["location"],
        gw.url(&format!("/scim/v2/Users/{id}"))
    );

    // Deactivate over 2.0; 1.1 sees it, by id and by filter.
    let deactivate = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "value": {"active": false}}]});
    let (status, _, _) = scim(
        &gw,
        Method::PATCH,
        &format!("/scim/v2/Users/{id}"),
        &token,
        Some(&deactivate),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _, v1) = scim11(
        &gw,
        Method::GET,
        &format!("/scim/v1/Users/{id}"),
        &token,
        None,
    )
    .await;
    assert_eq!((status.as_u16(), &v1["active"]), (200, &json!(false)));
    let filter =
        "/scim/v1/Users?filter=userName%20eq%20%22ADA%40example.com%22&startIndex=1&count=100";
    let (status, _, list) = scim11(&gw, Method::GET, filter, &token, None).await;
    assert_eq!(status, 200);
    assert_eq!(
        (list["totalResults"].as_u64(), list["schemas"].clone()),
        (Some(1), json!([CORE]))
    );
    assert_eq!(list["Resources"][0]["id"], id.as_str());
    let by_ext = format!(
        "/scim/v1/Users?filter={}",
        urlencode(&format!(
            "{ENTERPRISE}:employeeNumber eq \"1815\" and active eq false"
        ))
    );
    let (_, _, list) = scim11(&gw, Method::GET, &by_ext, &token, None).await;
    assert_eq!(list["totalResults"], 1, "{list}");

    // And back: reactivate over 1.1 with the template's full PUT, remove the
    // title with meta.attributes; 2.0 sees both.
    let mut put = v1.clone();
    put["active"] = json!(true);
    put["title"] = json!("Analyst");
    let (status, _, v1) = scim11(
        &gw,
        Method::PUT,
        &format!("/scim/v1/Users/{id}"),
        &token,
        Some(&put),
    )
    .await;
    assert_eq!(
        (status.as_u16(), &v1["active"]),
        (200, &json!(true)),
        "{v1}"
    );
    let patch = json!({"schemas": [CORE], "meta": {"attributes": ["title"]}, "name": {"givenName": "Augusta"}});
    let (status, _, v1) = scim11(
        &gw,
        Method::PATCH,
        &format!("/scim/v1/Users/{id}"),
        &token,
        Some(&patch),
    )
    .await;
    assert_eq!(status, 200, "{v1}");
    let (_, _, v2) = scim(
        &gw,
        Method::GET,
        &format!("/scim/v2/Users/{id}"),
        &token,
        None,
    )
    .await;
    assert_eq!(
        (v2["active"].as_bool(), v2.get("title")),
        (Some(true), None)
    );
    assert_eq!(
        (
            v2["name"]["givenName"].as_str(),
            v2["name"]["familyName"].as_str()
        ),
        (Some("Augusta"), Some("Lovelace"))
    );
    // Both dialects wrote one audit trail, in the same terms.
    let store = store::Store::connect(
        &store::DatabaseUrl::parse(env.db.url()).unwrap(),
        &store::PoolOptions::default(),
    )
    .await
    .unwrap();
    let uuid = id.parse().unwrap();
    let mut actions: Vec<String> = store
        .audit_events(&ws, Some(uuid), 50)
        .await
        .unwrap()
        .into_iter()
        .map(|e| {
            assert_eq!(e.actor, "token okta");
            e.action
        })
        .collect();
    actions.reverse();
    assert_eq!(
        actions,
        [
            "user.provisioned",
            "user.deactivated",
            "user.reactivated",
            "user.updated"
        ]
    );
    // One userName per workspace whatever the dialect: a 1.1 duplicate is a 1.1 409.
    let (status, _, err) = scim11(&gw, Method::POST, "/scim/v1/Users", &token, Some(&body)).await;
    assert_eq!(status, 409);
    assert_eq!(err["Errors"][0]["code"], "409");
    assert!(
        err["Errors"][0]["description"]
            .as_str()
            .unwrap()
            .contains("already exists")
    );
}

async fn groups_push_over_v1(backend: Backend) {
    let env = Env::new(backend).await;
    let (_, token) = env.workspace_with_token("Acme").await;
    let gw = env.start().await;
    let mut users = Vec::new();
    for name in ["a@example.com", "b@example.com"] {
        let body = json!({"schemas": [CORE], "userName": name, "active": true});
        let (status, _, u) = scim11(&gw, Method::POST, "/scim/v1/Users", &token, Some(&body)).await;
        assert_eq!(status, 201);
        users.push(u["id"].as_str().unwrap().to_owned());
    }
    let body = json!({"schemas": [CORE], "displayName": "Eng", "members": [{"value": users[0], "display": "a"}]});
    let (status, _, g) = scim11(&gw, Method::POST, "/scim/v1/Groups", &token, Some(&body)).await;
    assert_eq!(status, 201, "{g}");
    let gid = g["id"].as_str().unwrap().to_owned();
    assert_eq!(g["members"][0]["value"], users[0].as_str());
    assert!(g["members"][0].get("$ref").is_none());

    // Okta's 1.1 membership PATCH: add one, delete one, in one partial resource.
    let patch = json!({"schemas": [CORE], "id": gid, "displayName": "Engineering", "members": [
        {"value": users[1], "display": "b"}, {"value": users[0], "operation": "delete"}]});
    let (status, _, _) = scim11(
        &gw,
        Method::PATCH,
        &format!("/scim/v1/Groups/{gid}"),
        &token,
        Some(&patch),
    )
    .await;
    assert_eq!(status, 204);
    let (_, _, v2) = scim(
        &gw,
        Method::GET,
        &format!("/scim/v2/Groups/{gid}"),
        &token,
        None,
    )
    .await;
    assert_eq!(v2["displayName"], "Engineering");
    let members: Vec<&str> = v2["members"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["value"].as_str())
        .collect();
    assert_eq!(members, [users[1].as_str()]);
    let (_, _, list) = scim11(
        &gw,
        Method::GET,
        "/scim/v1/Groups?filter=displayName%20eq%20%22engineering%22",
        &token,
        None,
    )
    .await;
    assert_eq!(list["totalResults"], 1);
    // A member that is no user of the workspace: a 1.1 400 naming it.
    let bad = json!({"schemas": [CORE], "members": [{"value": "not-a-user"}]});
    let (status, _, err) = scim11(
        &gw,
        Method::PATCH,
        &format!("/scim/v1/Groups/{gid}"),
        &token,
        Some(&bad),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        err["Errors"][0]["description"]
            .as_str()
            .unwrap()
            .contains("not-a-user"),
        "{err}"
    );
    let (status, _, _) = scim11(
        &gw,
        Method::DELETE,
        &format!("/scim/v1/Groups/{gid}"),
        &token,
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, _, err) = scim11(
        &gw,
        Method::GET,
        &format!("/scim/v1/Groups/{gid}"),
        &token,
        None,
    )
    .await;
    assert_eq!(
        (status.as_u16(), err["Errors"][0]["code"].as_str()),
        (404, Some("404"))
    );
}

async fn header_variants_discovery_and_errors(backend: Backend) {
    let env = Env::new(backend).await;
    let (ws, token) = env.workspace_with_token("Acme").await;
    // `token create` names both base URLs, so the admin knows which template takes which.
    let created = env
        .cli(&["token", "create", "--workspace", &ws, "--name", "okta11"])
        .await;
    assert!(
        created["scim11_url"]
            .as_str()
            .unwrap()
            .ends_with("/scim/v1"),
        "{created}"
    );
    assert!(
        created["tenant_url"]
            .as_str()
            .unwrap()
            .ends_with("/scim/v2"),
        "{created}"
    );
    let gw = env.start().await;
    // Bearer, bare, and a paste with surrounding whitespace all authenticate, on both bases.
    for auth in [
        format!("Bearer {token}"),
        token.clone(),
        format!("  {token} "),
    ] {
        for path in ["/scim/v1/Users", "/scim/v2/Users"] {
            let r = gw.get(path, Some(&auth)).await;
            assert_eq!(r.status(), 200, "{path} with {} chars", auth.len());
        }
    }
    // Anything else stays a 401, in the dialect's error format.
    for auth in ["Basic dXNlcjpwYXNz", "non-token", &format!("Token {token}")] {
        let (status, headers, err) = scim11(&gw, Method::GET, "/scim/v1/Users", auth, None).await;
        assert_eq!(status, 401);
        assert!(headers.contains_key("www-authenticate"));
        assert!(
            err["Errors"][0]["description"]
                .as_str()
                .unwrap()
                .contains("not a bearer token"),
            "{err}"
        );
    }
    let (status, _, spc) = scim11(
        &gw,
        Method::GET,
        "/scim/v1/ServiceProviderConfigs",
        &token,
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        (spc["schemas"].clone(), spc["patch"]["supported"].clone()),
        (json!([CORE]), json!(true))
    );
    let (status, _, schemas) = scim11(&gw, Method::GET, "/scim/v1/Schemas", &token, None).await;
    assert_eq!(
        (status.as_u16(), schemas["totalResults"].as_u64()),
        (200, Some(3))
    );
    let (status, _, user) = scim11(&gw, Method::GET, "/scim/v1/Schemas/Users", &token, None).await;
    assert_eq!(
        (status.as_u16(), user["id"].as_str()),
        (200, Some("urn:scim:schemas:core:1.0:User"))
    );
    for (path, code) in [
        ("/scim/v1/Users?filter=userName%20zz%20%22x%22", 400),
        ("/scim/v1/Nope", 404),
        ("/scim/v1/Users/.search", 404),
    ] {
        let (status, _, err) = scim11(&gw, Method::GET, path, &token, None).await;
        assert_eq!(status.as_u16(), code, "{path}: {err}");
        assert_eq!(err["Errors"][0]["code"], code.to_string());
    }
    let (status, _, err) = scim11(
        &gw,
        Method::POST,
        "/scim/v1/Users",
        &token,
        Some(&json!({"schemas": [CORE]})),
    )
    .await;
    assert_eq!(
        (status.as_u16(), err["Errors"][0]["code"].as_str()),
        (400, Some("400")),
        "{err}"
    );
}

/// Seed 002: the template's whole sequence against the real gateway's `/scim/v1`,
/// leaving nothing behind; the same run against `/scim/v2` fails, as Okta would.
async fn okta_scim11_profile_passes(backend: Backend) {
    let env = Env::new(backend).await;
    let (_, token) = env.workspace_with_token("Selftest").await;
    let gw = env.start().await;
    let base = gw.url("/scim/v1");
    let (code, report) = selftest("okta-scim11", &base, &token).await;
    assert_eq!(
        report["failed"],
        0,
        "failed steps: {:#?}",
        failures(&report)
    );
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["profile"], "okta-scim11");
    assert!(report["passed"].as_u64().unwrap() >= 24, "{report:#}");
    for resource in ["/scim/v2/Users", "/scim/v2/Groups"] {
        let (_, _, list) = scim(&gw, Method::GET, resource, &token, None).await;
        assert_eq!(list["totalResults"], 0, "left behind: {list:#}");
    }
    let (code, report) = selftest("okta-scim11", &gw.url("/scim/v2"), &token).await;
    assert_eq!(code, Some(1));
    assert!(report["failed"].as_u64().unwrap() > 0, "{report:#}");
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

crate::both_backends!(
    created_in_v1_is_the_same_user_in_v2,
    groups_push_over_v1,
    header_variants_discovery_and_errors,
    okta_scim11_profile_passes,
);
