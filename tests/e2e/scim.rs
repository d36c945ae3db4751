//! Issue #3: Users and Groups invariants over HTTP (the IdP sequences themselves
//! are replayed by `scimgate selftest`, see selftest.rs).

use std::sync::Arc;

use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{Backend, Env, Gateway, scim};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

fn user_body(name: &str) -> Value {
    json!({"schemas": [USER], "userName": name, "active": true,
           "name": {"givenName": "Ann", "familyName": "Lee"},
           "emails": [{"primary": true, "value": name, "type": "work"}]})
}

async fn create_user(gw: &Gateway, token: &str, name: &str) -> String {
    let (status, _, body) = scim(
        gw,
        Method::POST,
        "/scim/v2/Users",
        token,
        Some(&user_body(name)),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

async fn users_round_trip_with_etags_and_clear_errors(backend: Backend) {
    let env = Env::new(backend).await;
    let (_, token) = env.workspace_with_token("Acme").await;
    let gw = env.start().await;

    let (status, headers, created) = scim(
        &gw,
        Method::POST,
        "/scim/v2/Users",
        &token,
        Some(&user_body("Ann.Lee@Example.com")),
    )
    .await;
    assert_eq!(status, 201);
    let id = created["id"].as_str().unwrap();
    assert_eq!(
        headers["location"],
        created["meta"]["location"].as_str().unwrap()
    );
    assert_eq!(headers["etag"], "W/\"1\"");
    assert_eq!(
        created["userName"], "Ann.Lee@Example.com",
        "stored and returned exactly as sent"
    );
    assert_eq!(created["meta"]["resourceType"], "User");

    // A case variant is the same user: 409 uniqueness, and the lookup finds it.
    let (status, _, err) = scim(
        &gw,
        Method::POST,
        "/scim/v2/Users",
        &token,
        Some(&user_body("ann.lee@example.COM")),
    )
    .await;
    assert_eq!(
        (status.as_u16(), err["scimType"].as_str()),
        (409, Some("uniqueness"))
    );
    let (_, _, found) = scim(
        &gw,
        Method::GET,
        "/scim/v2/Users?filter=userName+eq+%22ANN.LEE%40EXAMPLE.COM%22",
        &token,
        None,
    )
    .await;
    assert_eq!(found["totalResults"], 1);
    assert_eq!(found["Resources"][0]["id"], id);

    // Conditional requests.
    let r = gw
        .http
        .get(gw.url(&format!("/scim/v2/Users/{id}")))
        .bearer_auth(&token)
        .header("if-none-match", "W/\"1\"")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);
    let patch = json!({"schemas": [PATCH], "Operations": [{"op": "replace", "path": "title", "value": "CTO"}]});
    let stale = gw
        .http
        .patch(gw.url(&format!("/scim/v2/Users/{id}")))
        .bearer_auth(&token)
        .header("if-match", "W/\"7\"")
        .header("content-type", "application/scim+json")
        .body(patch.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 412);

    // One bad operation fails the whole PATCH and changes nothing.
    let bad = json!({"schemas": [PATCH], "Operations": [
        {"op": "replace", "path": "displayName", "value": "Changed"},
        {"op": "replace", "path": "active", "value": "maybe"}]});
    let (status, _, err) = scim(
        &gw,
        Method::PATCH,
        &format!("/scim/v2/Users/{id}"),
        &token,
        Some(&bad),
    )
    .await;
    assert_eq!(
        (status.as_u16(), err["scimType"].as_str()),
        (400, Some("invalidValue"))
    );
    let (_, headers, now) = scim(
        &gw,
        Method::GET,
        &format!("/scim/v2/Users/{id}"),
        &token,
        None,
    )
    .await;
    assert!(now.get("displayName").is_none());
    assert_eq!(headers["etag"], "W/\"1\"");

    let (status, _, _) = scim(&gw, Method::GET, "/scim/v2/Users/not-an-id", &token, None).await;
    assert_eq!(status, 404);

    // Deletion: gone for SCIM.
    let (status, _, body) = scim(
        &gw,
        Method::DELETE,
        &format!("/scim/v2/Users/{id}"),
        &token,
        None,
    )
    .await;
    assert_eq!((status.as_u16(), body), (204, Value::Null));
    let (status, _, _) = scim(
        &gw,
        Method::DELETE,
        &format!("/scim/v2/Users/{id}"),
        &token,
        None,
    )
    .await;
    assert_eq!(status, 404);
}

/// Bad input of every kind is a SCIM error with the right `scimType`, and creates nothing.
async fn bad_input_is_a_scim_error_and_changes_nothing(backend: Backend) {
    let env = Env::new(backend).await;
    let (_, token) = env.workspace_with_token("Acme").await;
    let gw = env.start().await;
    create_user(&gw, &token, "ann@example.com").await;
    // Bad input of every kind is a SCIM error with the right scimType.
    let raw = |body: &'static str, ct: &'static str| {
        gw.http
            .post(gw.url("/scim/v2/Users"))
            .bearer_auth(&token)
            .header("content-type", ct)
            .body(body)
            .send()
    };
    let r = raw("{not json", "application/scim+json").await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.json::<Value>().await.unwrap()["scimType"],
        "invalidSyntax"
    );
    let r = raw(r#"{"userName":"x@y"}"#, "application/json")
        .await
        .unwrap();
    assert_eq!(
        (
            r.status().as_u16(),
            r.json::<Value>().await.unwrap()["scimType"].clone()
        ),
        (400, json!("invalidSyntax"))
    );
    let r = raw(
        r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]}"#,
        "application/json",
    )
    .await
    .unwrap();
    assert_eq!(
        r.json::<Value>().await.unwrap()["scimType"],
        "invalidValue",
        "userName is required"
    );
    let r = raw("userName=x", "application/x-www-form-urlencoded")
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    let huge = format!(
        r#"{{"schemas":["{USER}"],"userName":"big","title":"{}"}}"#,
        "x".repeat(2 * 1024 * 1024)
    );
    let r = gw
        .http
        .post(gw.url("/scim/v2/Users"))
        .bearer_auth(&token)
        .header("content-type", "application/scim+json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let (status, _, err) = scim(
        &gw,
        Method::GET,
        "/scim/v2/Users?filter=userName%20eqq%20%22x%22",
        &token,
        None,
    )
    .await;
    assert_eq!(
        (status.as_u16(), err["scimType"].as_str()),
        (400, Some("invalidFilter"))
    );
    assert!(err["detail"].as_str().unwrap().contains("position"));
    let (_, _, all) = scim(&gw, Method::GET, "/scim/v2/Users", &token, None).await;
    assert_eq!(
        all["totalResults"], 1,
        "nothing was created by the bad requests"
    );
}

/// 50 concurrent creates of one userName: exactly one 201, the rest 409.
async fn concurrent_creates_of_one_user_name(backend: Backend) {
    let env = Env::new(backend).await;
    let (_, token) = env.workspace_with_token("Acme").await;
    let gw = Arc::new(env.start().await);
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let (gw, token) = (gw.clone(), token.clone());
            let name = if i % 2 == 0 {
                "race@example.com"
            } else {
                "RACE@example.com"
            };
            tokio::spawn(async move {
                scim(
                    &gw,
                    Method::POST,
                    "/scim/v2/Users",
                    &token,
                    Some(&user_body(name)),
                )
                .await
                .0
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap().as_u16());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        49,
        "{statuses:?}"
    );
}

async fn paging_visits_every_user_once(backend: Backend) {
    let env = Env::new(backend).await;
    let (_, token) = env.workspace_with_token("Acme").await;
    let gw = env.start().await;
    for i in 0..230 {
        create_user(&gw, &token, &format!("user{i:03}@example.com")).await;
    }
    let mut seen = std::collections::HashSet::new();
    let mut start = 1;
    // Okta's import: startIndex moves by 100; numbers may arrive as strings.
    for _ in 0..10 {
        let (_, _, page) = scim(
            &gw,
            Method::GET,
            &format!("/scim/v2/Users?startIndex={start}&count=100"),
            &token,
            None,
        )
        .await;
        assert_eq!(page["totalResults"], 230);
        assert!(page["startIndex"].is_u64() && page["itemsPerPage"].is_u64());
        for r in page["Resources"].as_array().unwrap() {
            assert!(
                seen.insert(r["id"].as_str().unwrap().to_owned()),
                "an id appeared twice"
            );
        }
        start += 100;
        if start > 230 {
            break;
        }
    }
    assert_eq!(seen.len(), 230);
    let (_, _, page) = scim(
        &gw,
        Method::GET,
        "/scim/v2/Users?startIndex=0&count=2",
        &token,
        None,
    )
    .await;
    assert_eq!(
        (page["startIndex"].as_u64(), page["itemsPerPage"].as_u64()),
        (Some(1), Some(2))
    );
    let (_, _, page) = scim(
        &gw,
        Method::GET,
        "/scim/v2/Users?startIndex=229&count=100&attributes=userName",
        &token,
        None,
    )
    .await;
    assert_eq!(page["itemsPerPage"], 2);
    assert!(page["Resources"][0].get("emails").is_none());
    let search = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                        "filter": "userName sw \"user00\"", "startIndex": "1", "count": 5});
    let (status, _, found) = scim(
        &gw,
        Method::POST,
        "/scim/v2/Users/.search",
        &token,
        Some(&search),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        (
            found["totalResults"].as_u64(),
            found["itemsPerPage"].as_u64()
        ),
        (Some(10), Some(5))
    );
    let (_, _, none) = scim(
        &gw,
        Method::GET,
        "/scim/v2/Users?filter=userName%20eq%20%22nobody%22",
        &token,
        None,
    )
    .await;
    assert_eq!(
        (
            none["totalResults"].as_u64(),
            none["Resources"].as_array().map(Vec::len)
        ),
        (Some(0), Some(0))
    );
}

/// Parallel membership `PATCH`es of one group all land (no read-modify-write of the list).
async fn concurrent_membership_patches_keep_every_member(backend: Backend) {
    let env = Env::new(backend).await;
    let (_, token) = env.workspace_with_token("Acme").await;
    let gw = Arc::new(env.start().await);
    let mut users = Vec::new();
    for i in 0..20 {
        users.push(create_user(&gw, &token, &format!("m{i}@example.com")).await);
    }
    let (_, _, group) = scim(
        &gw,
        Method::POST,
        "/scim/v2/Groups",
        &token,
        Some(&json!({"schemas": [GROUP], "displayName": "Everyone"})),
    )
    .await;
    let gid = group["id"].as_str().unwrap().to_owned();
    let tasks: Vec<_> = users
        .iter()
        .map(|u| {
            let (gw, token, gid) = (gw.clone(), token.clone(), gid.clone());
            let body = json!({"schemas": [PATCH], "Operations": [{"op": "Add", "path": "members", "value": [{"value": u}]}]});
            tokio::spawn(async move { scim(&gw, Method::PATCH, &format!("/scim/v2/Groups/{gid}"), &token, Some(&body)).await.0 })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap(), 204);
    }
    let (_, _, g) = scim(
        &gw,
        Method::GET,
        &format!("/scim/v2/Groups/{gid}"),
        &token,
        None,
    )
    .await;
    assert_eq!(g["members"].as_array().unwrap().len(), 20);

    // Entra's legacy removal removes only the listed member, never all.
    let remove = json!({"schemas": [PATCH], "Operations": [{"op": "Remove", "path": "members", "value": [{"value": users[0]}]}]});
    scim(
        &gw,
        Method::PATCH,
        &format!("/scim/v2/Groups/{gid}"),
        &token,
        Some(&remove),
    )
    .await;
    let (_, _, g) = scim(
        &gw,
        Method::GET,
        &format!("/scim/v2/Groups/{gid}"),
        &token,
        None,
    )
    .await;
    assert_eq!(g["members"].as_array().unwrap().len(), 19);
    // The user's read-only `groups` is derived from membership.
    let (_, _, u) = scim(
        &gw,
        Method::GET,
        &format!("/scim/v2/Users/{}", users[1]),
        &token,
        None,
    )
    .await;
    assert_eq!(u["groups"][0]["value"], gid.as_str());
    // Okta: replace with an empty list empties the group; excludedAttributes=members omits it.
    let empty = json!({"schemas": [PATCH], "Operations": [{"op": "replace", "path": "members", "value": []}]});
    scim(
        &gw,
        Method::PATCH,
        &format!("/scim/v2/Groups/{gid}"),
        &token,
        Some(&empty),
    )
    .await;
    let (_, _, g) = scim(
        &gw,
        Method::GET,
        &format!("/scim/v2/Groups/{gid}?excludedAttributes=members"),
        &token,
        None,
    )
    .await;
    assert!(g.get("members").is_none());
    let (_, _, g) = scim(
        &gw,
        Method::GET,
        &format!("/scim/v2/Groups/{gid}"),
        &token,
        None,
    )
    .await;
    assert_eq!(g["members"], json!([]));
}

async fn workspaces_never_see_each_other(backend: Backend) {
    let env = Env::new(backend).await;
    let (_, a) = env.workspace_with_token("Acme").await;
    let (_, b) = env.workspace_with_token("Globex").await;
    let gw = env.start().await;
    let ua = create_user(&gw, &a, "same@example.com").await;
    // The same userName in another workspace is another user.
    let ub = create_user(&gw, &b, "same@example.com").await;
    assert_ne!(ua, ub);
    let (status, _, _) = scim(&gw, Method::GET, &format!("/scim/v2/Users/{ua}"), &b, None).await;
    assert_eq!(status, 404);
    let patch = json!({"schemas": [PATCH], "Operations": [{"op": "replace", "path": "active", "value": false}]});
    let (status, _, _) = scim(
        &gw,
        Method::PATCH,
        &format!("/scim/v2/Users/{ua}"),
        &b,
        Some(&patch),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _, _) = scim(
        &gw,
        Method::DELETE,
        &format!("/scim/v2/Users/{ua}"),
        &b,
        None,
    )
    .await;
    assert_eq!(status, 404);
    let (_, _, list) = scim(&gw, Method::GET, "/scim/v2/Users", &b, None).await;
    assert_eq!(list["totalResults"], 1);
    assert_eq!(list["Resources"][0]["id"], ub.as_str());
    // B's group cannot take A's user as a member.
    let body = json!({"schemas": [GROUP], "displayName": "G", "members": [{"value": ua}]});
    let (status, _, err) = scim(&gw, Method::POST, "/scim/v2/Groups", &b, Some(&body)).await;
    assert_eq!(
        (status.as_u16(), err["scimType"].as_str()),
        (400, Some("invalidValue"))
    );
    let (_, _, u) = scim(&gw, Method::GET, &format!("/scim/v2/Users/{ua}"), &a, None).await;
    assert_eq!(u["active"], true);
}

crate::both_backends!(
    users_round_trip_with_etags_and_clear_errors,
    bad_input_is_a_scim_error_and_changes_nothing,
    concurrent_creates_of_one_user_name,
    paging_visits_every_user_once,
    concurrent_membership_patches_keep_every_member,
    workspaces_never_see_each_other,
);
