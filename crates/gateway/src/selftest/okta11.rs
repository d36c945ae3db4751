//! The `okta-scim11` profile: what Okta's "SCIM 1.1 Header Auth" catalog app sends
//! (Okta developer docs, "Okta and SCIM Version 1.1"): the bare API token as the
//! `Authorization` value, plain JSON, the 1.1 core and enterprise 1.0 schemas, user
//! updates and (de)activation by GET + PUT, Push Groups by POST and PATCH with
//! `"operation": "delete"` for removed members, and group import.

use reqwest::Method;
use serde_json::{Value, json};

use super::okta::check_user;
use super::{
    Check, Profile, Req, Resp, Runner, V1_CORE, expect_active, expect_members, expect_str, filter,
    has_schema, id_of, random_tag, str_at,
};

const ENTERPRISE: &str = "urn:scim:schemas:extension:enterprise:1.0";

pub(super) async fn run(r: &mut Runner) {
    let tag = random_tag();
    connector(r).await;
    if let Some(users) = users(r, &tag).await {
        push_group(r, &tag, &users).await;
    }
}

fn lookup(resource: &str, attr: &str, value: &str) -> String {
    format!(
        "/{resource}?{}&startIndex=1&count=100",
        filter(Profile::OktaScim11, &format!("{attr} eq \"{value}\""))
    )
}

/// "Test API Credentials" on the app's Provisioning > Integration page.
async fn connector(r: &mut Runner) {
    let test = "Test API Credentials";
    r.step(
        Req::get(
            "Test API Credentials: list users",
            "/Users?startIndex=1&count=2",
        )
        .action(test),
        |resp| resp.list().map(drop),
    )
    .await;
    r.step(
        Req::get(
            "1.1 discovery: GET /ServiceProviderConfigs",
            "/ServiceProviderConfigs",
        ),
        |resp| {
            let spc = resp.resource(&[200])?;
            if !has_schema(spc, V1_CORE) {
                return Err(format!("`schemas` lacks {V1_CORE}").into());
            }
            match spc.pointer("/patch/supported") {
                Some(Value::Bool(true)) => Ok(()),
                _ => Err("`patch.supported` must be true: Push Groups PATCHes groups".into()),
            }
        },
    )
    .await;
    r.step(
        Req::get(
            "a pasted value that is no token → 401",
            "/Users?startIndex=1&count=1",
        )
        .authorization("non-token")
        .action(test),
        |resp| resp.error(401),
    )
    .await;
    r.step(
        Req::get(
            "GET an unknown user id → 404",
            "/Users/010101001010101011001010101011",
        ),
        |resp| resp.error(404),
    )
    .await;
}

fn new_user(user_name: &str, family: &str, okta_id: &str) -> Value {
    json!({
        "schemas": [V1_CORE, ENTERPRISE],
        "userName": user_name,
        "name": {"givenName": "Selftest", "familyName": family},
        "emails": [{"primary": true, "value": user_name, "type": "work"}],
        "displayName": format!("Selftest {family}"),
        "externalId": okta_id,
        "password": "1mz050nq",
        "active": true,
        ENTERPRISE: {"department": "Sales", "employeeNumber": "4711"},
    })
}

async fn create(r: &mut Runner, name: &str, body: Value) -> Option<String> {
    let user_name = str_at(&body, &["userName"]).unwrap_or_default().to_owned();
    r.step(
        Req::get(
            "Create Users: existence check (no match)",
            lookup("Users", "userName", &user_name),
        )
        .action("Checking whether the user exists"),
        Resp::empty_list,
    )
    .await?;
    let req = Req::new(name, Method::POST, "/Users")
        .body(body.clone())
        .action(&format!("Create user {user_name}"));
    let id = r
        .step(req, |resp| {
            let u = resp.resource(&[201])?;
            let id = check_user(u, &body)?;
            if !has_schema(u, V1_CORE) {
                return Err(format!("`schemas` lacks {V1_CORE}").into());
            }
            expect_str(u, &[ENTERPRISE, "employeeNumber"], "4711")?;
            if resp.location.as_deref() != str_at(u, &["meta", "location"]) {
                return Err("the Location header must equal meta.location".into());
            }
            Ok(id)
        })
        .await?;
    r.created_user(&id);
    Some(id)
}

/// GET then PUT everything read back with `change` applied: how this template
/// updates attributes and deactivates or reactivates.
async fn get_put(
    r: &mut Runner,
    name: &str,
    id: &str,
    change: impl FnOnce(&mut Value),
    check: impl FnOnce(&Value) -> Check<()>,
) -> Option<()> {
    let mut u = r
        .step(
            Req::get(&format!("{name} 1/2: GET"), format!("/Users/{id}")),
            |resp| Ok(resp.resource(&[200])?.clone()),
        )
        .await?;
    change(&mut u);
    let put = Req::new(
        &format!("{name} 2/2: PUT"),
        Method::PUT,
        format!("/Users/{id}"),
    )
    .body(u)
    .action(name);
    r.step(put, |resp| check(resp.put()?)).await
}

/// Create Users, Update User Attributes, Deactivate Users; returns two user ids.
async fn users(r: &mut Runner, tag: &str) -> Option<Vec<String>> {
    let user_name = format!("selftest-{tag}.Okta11@Example.com");
    let id = create(
        r,
        "Create Users: POST (SCIM 1.1 body)",
        new_user(&user_name, "Okta11", &format!("00u{tag}")),
    )
    .await?;
    r.step(
        Req::new(
            "Create Users: the same userName again → 409",
            Method::POST,
            "/Users",
        )
        .body(new_user(&user_name, "Okta11", &format!("00u{tag}")))
        .action(&format!("Create user {user_name}")),
        |resp| resp.error(409),
    )
    .await;
    r.step(
        Req::get(
            "userName lookup ignores case",
            lookup("Users", "userName", &user_name.to_uppercase()),
        ),
        |resp| resp.one(&id).map(drop),
    )
    .await;
    get_put(
        r,
        "Update User Attributes",
        &id,
        |u| {
            u["name"]["givenName"] = json!("Updated");
            u["title"] = json!("Self-test Engineer");
            u[ENTERPRISE]["department"] = json!("Engineering");
        },
        |u| {
            expect_str(u, &["name", "givenName"], "Updated")?;
            expect_str(u, &["title"], "Self-test Engineer")?;
            expect_str(u, &[ENTERPRISE, "department"], "Engineering")
        },
    )
    .await?;
    for active in [false, true] {
        let name = if active {
            "Reactivate user"
        } else {
            "Deactivate Users"
        };
        get_put(
            r,
            name,
            &id,
            |u| u["active"] = json!(active),
            |u| expect_active(u, active),
        )
        .await?;
    }
    let patch =
        json!({"schemas": [V1_CORE], "meta": {"attributes": ["title"]}, "nickName": "Selftest"});
    r.step(
        Req::new(
            "1.1 PATCH: partial resource, meta.attributes removes title",
            Method::PATCH,
            format!("/Users/{id}"),
        )
        .body(patch)
        .action("Update user attributes"),
        |resp| {
            let u = resp
                .patched()?
                .ok_or("the user PATCH should return the user")?;
            expect_str(u, &["nickName"], "Selftest")?;
            match u.get("title") {
                None => Ok(()),
                Some(t) => Err(format!("`title` should be removed, got {t}").into()),
            }
        },
    )
    .await?;
    let member = format!("selftest-{tag}-m1@example.com");
    let second = create(
        r,
        "Create Users: POST a group member",
        new_user(&member, "Member", &format!("00u{tag}m")),
    )
    .await?;
    Some(vec![id, second])
}

/// Push Groups: match by name, create with a member, change members with
/// `"operation": "delete"`, rename, import, delete.
async fn push_group(r: &mut Runner, tag: &str, users: &[String]) -> Option<()> {
    let name = format!("Selftest Okta11 {tag}");
    let action = format!("Push group {name}");
    r.step(
        Req::get(
            "Push Groups: match by displayName (no match)",
            lookup("Groups", "displayName", &name),
        )
        .action(&action),
        Resp::empty_list,
    )
    .await?;
    let body = json!({"schemas": [V1_CORE], "displayName": name, "members": [{"value": users[0], "display": "a"}]});
    let gid = r
        .step(
            Req::new(
                "Push Groups: POST the group with its members",
                Method::POST,
                "/Groups",
            )
            .body(body)
            .action(&action),
            |resp| {
                let g = resp.resource(&[201])?;
                expect_members(g, &[&users[0]])?;
                id_of(g)
            },
        )
        .await?;
    r.created_group(&gid);
    let patch = json!({"schemas": [V1_CORE], "id": gid, "displayName": name, "members": [
        {"value": users[1], "display": "b"}, {"value": users[0], "display": "a", "operation": "delete"}]});
    r.step(
        Req::new(
            "Push Groups: PATCH adds a member and deletes one (`operation: delete`)",
            Method::PATCH,
            format!("/Groups/{gid}"),
        )
        .body(patch)
        .action(&action),
        |resp| resp.patched().map(drop),
    )
    .await?;
    r.step(
        Req::get("Push Groups: GET the group", format!("/Groups/{gid}")),
        |resp| expect_members(resp.resource(&[200])?, &[&users[1]]),
    )
    .await?;
    let renamed = format!("{name} renamed");
    let rename = json!({"schemas": [V1_CORE], "displayName": renamed});
    r.step(
        Req::new(
            "Push Groups: rename by PATCH, members untouched",
            Method::PATCH,
            format!("/Groups/{gid}"),
        )
        .body(rename)
        .action(&action),
        |resp| resp.patched().map(drop),
    )
    .await?;
    r.step(
        Req::get(
            "Import Groups: find the renamed group",
            lookup("Groups", "displayName", &renamed),
        ),
        |resp| {
            let g = resp.one(&gid)?;
            expect_str(&g, &["displayName"], &renamed)?;
            expect_members(&g, &[&users[1]])
        },
    )
    .await?;
    r.step(
        Req::new(
            "Push Groups: delete the pushed group",
            Method::DELETE,
            format!("/Groups/{gid}"),
        )
        .action(&action),
        Resp::deleted,
    )
    .await?;
    r.deleted(&gid);
    Some(())
}
