//! The Okta profile: Test Connector, push new user, profile update, deactivate and
//! reactivate (AIW GET+PUT and OIN PATCH), group push, import, unlink, and the error
//! cases of Okta's SCIM 2.0 spec test (idp-wire §2, §3 OK-1..OK-14, §3.2).

mod import;

use reqwest::Method;
use serde_json::{Value, json};

use super::{
    Check, ENTERPRISE, GROUP, Headers, Problem, Profile, Req, Resp, Runner, USER, expect_active,
    expect_members, expect_str, filter, id_of, patch_ops, random_tag, str_at,
};

/// One provisioned user as Okta knows it.
struct User {
    id: String,
    user_name: String,
}

pub(super) async fn run(r: &mut Runner) {
    let tag = random_tag();
    connector(r).await;
    let users = lifecycle(r, &tag).await;
    if let Some(users) = users
        && let Some(group) = push_groups(r, &tag, &users).await
    {
        import::import(r, &users, &group).await;
        unlink(r, &group, &users[0].id).await;
    }
}

/// OK-1 Test Connector Configuration, plus the spec test's error cases (§3.2 #4, #10, #11).
async fn connector(r: &mut Runner) {
    let test = "Test Connector Configuration";
    r.step(
        Req::get(
            "OK-1 Test Connector: list users",
            "/Users?startIndex=1&count=2",
        )
        .action(test),
        |resp| {
            let page = resp.list()?;
            if page.resources.len() > 2 {
                return Err(
                    format!("asked for count=2, got {} resources", page.resources.len()).into(),
                );
            }
            Ok(())
        },
    )
    .await;
    r.step(
        Req::get(
            "OK-1 Test Connector: list groups (Import Groups ticked)",
            "/Groups?startIndex=1&count=100",
        )
        .action(test),
        |resp| resp.list().map(drop),
    )
    .await;
    r.step(
        Req::get(
            "Okta spec test #10: list groups with no parameters",
            "/Groups",
        )
        .headers(Headers::OktaSpecGet)
        .action("Okta SCIM 2.0 spec test"),
        |resp| resp.list().map(drop),
    )
    .await;
    let probe = filter(
        Profile::Okta,
        r#"userName eq "selftest-nobody@example.com""#,
    );
    r.step(
        Req::get("Okta spec test #11: malformed credential (`Authorization: non-token`)", format!("/Users?{probe}"))
            .headers(Headers::OktaSpecGet)
            .authorization("non-token")
            .action("Okta SCIM 2.0 spec test"),
        |resp| {
            resp.error(401).map_err(|p| {
                if resp.status < 300 {
                    Problem::with_idp(
                        format!("a request without a valid bearer token was answered {}", resp.status),
                        "The spec test fails: the server must refuse requests without a valid token (401).",
                    )
                } else {
                    p
                }
            })
        },
    )
    .await;
    r.step(
        Req::get(
            "Okta spec test #4: GET an unknown user id",
            "/Users/010101001010101011001010101011",
        )
        .headers(Headers::OktaSpecGet)
        .action("Okta SCIM 2.0 spec test"),
        |resp| resp.error(404),
    )
    .await;
}

/// The body Okta POSTs for a new user (OK-4), enterprise mappings included.
fn new_user_body(user_name: &str, given: &str, family: &str, okta_id: &str) -> Value {
    json!({
        "schemas": [USER, ENTERPRISE],
        "userName": user_name,
        "name": {"givenName": given, "familyName": family},
        "emails": [{"primary": true, "value": user_name, "type": "work"}],
        "displayName": format!("{given} {family}"),
        "locale": "en-US",
        "externalId": okta_id,
        "groups": [],
        // OK-4: a placeholder Okta sends even when Sync Password is off.
        "password": "1mz050nq",
        "active": true,
        ENTERPRISE: {"department": "Sales", "employeeNumber": "4711"},
    })
}

/// Checks a created or read user carries what Okta and its spec test read back (§3.2 #6, #7).
pub(super) fn check_user(u: &Value, sent: &Value) -> Check<String> {
    let id = id_of(u)?;
    expect_str(
        u,
        &["userName"],
        str_at(sent, &["userName"]).unwrap_or_default(),
    )?;
    expect_str(
        u,
        &["name", "givenName"],
        str_at(sent, &["name", "givenName"]).unwrap_or_default(),
    )?;
    expect_str(
        u,
        &["name", "familyName"],
        str_at(sent, &["name", "familyName"]).unwrap_or_default(),
    )?;
    match u.pointer("/emails/0/value").and_then(Value::as_str) {
        Some(e) if !e.is_empty() => {}
        _ => {
            return Err(
                "`emails[0].value` is missing; Okta reads the work email from emails[0]".into(),
            );
        }
    }
    if u.get("password").is_some() {
        return Err("`password` was returned; it is returned: never".into());
    }
    Ok(id)
}

/// POST a user as OK-4 does; 201 with the full resource and `Location` = `meta.location`.
async fn create(r: &mut Runner, name: &str, body: Value) -> Option<User> {
    let user_name = str_at(&body, &["userName"]).unwrap_or_default().to_owned();
    let req = Req::new(name, Method::POST, "/Users")
        .body(body.clone())
        .action(&format!("Create user {user_name}"));
    let id = r
        .step(req, |resp| {
            if resp.status == 201 && resp.empty {
                return Err(Problem::with_idp(
                    "201 with an empty body",
                    "Create new user returned empty user",
                ));
            }
            let u = resp.resource(&[201])?;
            let id = check_user(u, &body)?;
            if !super::has_schema(u, USER) {
                return Err("`schemas` lacks the core User schema".into());
            }
            expect_active(u, true)?;
            let loc = str_at(u, &["meta", "location"]);
            match (resp.location.as_deref(), loc) {
                (Some(h), Some(m)) if h == m => {}
                (h, m) => {
                    return Err(format!(
                        "the Location header ({h:?}) must equal meta.location ({m:?})"
                    )
                    .into());
                }
            }
            Ok(id)
        })
        .await?;
    r.created_user(&id);
    Some(User { id, user_name })
}

/// OK-4 → spec test #8/#9 → OK-5 → OK-6/OK-7 in AIW and OIN form. Returns three users
/// (the lifecycle user first) for the group steps.
async fn lifecycle(r: &mut Runner, tag: &str) -> Option<Vec<User>> {
    let user_name = format!("selftest-{tag}.Okta@Example.com");
    let lookup = |name: &str| {
        format!(
            "/Users?{}&startIndex=1&count=100",
            filter(Profile::Okta, &format!("userName eq \"{name}\""))
        )
    };
    r.step(
        Req::get(
            "OK-4 existence check before create (no match)",
            lookup(&user_name),
        )
        .action("Checking whether the user exists"),
        Resp::empty_list,
    )
    .await?;
    let body = new_user_body(&user_name, "Selftest", "Okta", &format!("00u{tag}"));
    let user = create(
        r,
        "OK-4 push new user (POST, case of userName preserved)",
        body.clone(),
    )
    .await?;
    let id = user.id.clone();
    r.step(
        Req::get(
            "Okta spec test #7: GET the new user",
            format!("/Users/{id}"),
        ),
        |resp| {
            let got = check_user(resp.resource(&[200])?, &body)?;
            if got == id {
                Ok(())
            } else {
                Err(format!("`id` is {got}, asked for {id}").into())
            }
        },
    )
    .await;
    let dup = json!({"schemas": [USER], "userName": user_name, "name": {"givenName": "Selftest", "familyName": "Okta"},
        "emails": [{"primary": true, "value": user_name, "type": "work"}], "displayName": "Selftest Okta", "active": true});
    let dup_req = Req::new(
        "Okta spec test #8: POST the same userName again → 409",
        Method::POST,
        "/Users",
    )
    .body(dup)
    .headers(Headers::OktaSpecPost)
    .action("Okta SCIM 2.0 spec test");
    let (_, resp) = r
        .step_resp(dup_req, |resp| {
            if resp.status == 201 {
                return Err(Problem::with_idp(
                    "a second user with the same userName was created",
                    "No error: Okta would create a duplicate account instead of stopping with a conflict.",
                ));
            }
            resp.error(409)
        })
        .await;
    // A wrongly created duplicate is cleaned up too.
    if let Some(resp) = resp
        && resp.status == 201
        && let Ok(dup_id) = id_of(&resp.body)
    {
        r.created_user(&dup_id);
    }
    r.step(
        Req::get(
            "Okta spec test #9: userName lookup is case-insensitive",
            lookup(&user_name.to_uppercase()),
        )
        .headers(Headers::OktaSpecGet),
        |resp| resp.one(&id).map(drop),
    )
    .await;
    profile_update(r, &id).await?;
    deactivate_aiw(r, &id, &user_name).await?;
    deactivate_oin(r, &id, &user_name).await?;
    let mut users = vec![user];
    for n in 1..=2 {
        let name = format!("selftest-{tag}-m{n}@example.com");
        let body = new_user_body(&name, "Member", &format!("No{n}"), &format!("00u{tag}m{n}"));
        users.push(create(r, &format!("OK-4 push member user {n} (POST)"), body).await?);
    }
    Some(users)
}

/// GET /Users/{id} as the first half of every AIW write (OK-5, OK-6, OK-7).
async fn read(r: &mut Runner, name: &str, id: &str) -> Option<Value> {
    r.step(Req::get(name, format!("/Users/{id}")), |resp| {
        Ok(resp.resource(&[200])?.clone())
    })
    .await
}

/// OK-5: GET, then PUT echoing everything read (`id`, `meta`, `groups`) with the
/// mapped attributes overwritten; Okta adds `groups: []` and the placeholder password.
async fn profile_update(r: &mut Runner, id: &str) -> Option<()> {
    let mut u = read(r, "OK-5 profile update 1/2: GET", id).await?;
    u["name"]["givenName"] = json!("Updated");
    u["title"] = json!("Self-test Engineer");
    u[ENTERPRISE]["department"] = json!("Engineering");
    u["groups"] = json!([]);
    u["password"] = json!("1mz050nq");
    let sent = u.clone();
    let put = Req::new(
        "OK-5 profile update 2/2: PUT echoing id, meta and groups",
        Method::PUT,
        format!("/Users/{id}"),
    )
    .body(u)
    .action("Update user attributes");
    r.step(put, |resp| {
        let got = resp.put()?;
        check_user(got, &sent)?;
        expect_str(got, &["title"], "Self-test Engineer")?;
        expect_str(got, &["id"], id)?;
        expect_str(got, &[ENTERPRISE, "department"], "Engineering")
    })
    .await
}

/// OK-6 and OK-7 as an AIW app sends them: GET then PUT with `active` flipped.
async fn deactivate_aiw(r: &mut Runner, id: &str, user_name: &str) -> Option<()> {
    for (active, step) in [
        (false, "OK-6 deactivate (AIW)"),
        (true, "OK-7 reactivate (AIW)"),
    ] {
        let mut u = read(r, &format!("{step} 1/2: GET"), id).await?;
        u["active"] = json!(active);
        let action = if active {
            "Reactivate user"
        } else {
            "Deactivate user"
        };
        let put = Req::new(
            &format!("{step} 2/2: PUT with active {active}"),
            Method::PUT,
            format!("/Users/{id}"),
        )
        .body(u)
        .action(action);
        r.step(put, |resp| {
            let got = resp.put()?;
            expect_str(got, &["id"], id)?;
            expect_active(got, active)
        })
        .await?;
        if !active {
            still_listed(
                r,
                id,
                user_name,
                "OK-6 deactivated user is still filterable (AIW)",
            )
            .await?;
        }
    }
    Some(())
}

/// OK-6 and OK-7 as an OIN app sends them: PATCH replace with a value object.
async fn deactivate_oin(r: &mut Runner, id: &str, user_name: &str) -> Option<()> {
    for (active, step) in [
        (false, "OK-6 deactivate (OIN PATCH)"),
        (true, "OK-7 reactivate (OIN PATCH)"),
    ] {
        let body = patch_ops(json!([{"op": "replace", "value": {"active": active}}]));
        let action = if active {
            "Reactivate user"
        } else {
            "Deactivate user"
        };
        r.step(
            Req::new(step, Method::PATCH, format!("/Users/{id}"))
                .body(body)
                .action(action),
            |resp| match resp.patched()? {
                Some(u) => expect_active(u, active),
                None => Ok(()),
            },
        )
        .await?;
        // Okta's CRUD test reads the user back and asserts `active` (§3.2).
        r.step(
            Req::get(&format!("{step}: read back"), format!("/Users/{id}")),
            |resp| {
                let u = resp.resource(&[200])?;
                expect_str(u, &["id"], id)?;
                expect_active(u, active)
            },
        )
        .await?;
        if !active {
            still_listed(
                r,
                id,
                user_name,
                "OK-6 deactivated user is still filterable (OIN)",
            )
            .await?;
        }
    }
    Some(())
}

/// A deactivated user stays listed and filterable, with `active: false` (OK-6, OK-7).
async fn still_listed(r: &mut Runner, id: &str, user_name: &str, name: &str) -> Option<()> {
    let path = format!(
        "/Users?{}&startIndex=1&count=100",
        filter(Profile::Okta, &format!("userName eq \"{user_name}\""))
    );
    r.step(Req::get(name, path), |resp| {
        expect_active(&resp.one(id)?, false)
    })
    .await
}

/// A member element as Okta sends it: the server's user id plus `display`.
fn member(u: &User) -> Value {
    json!({"value": u.id, "display": u.user_name})
}

/// GET a group and check its members are exactly `want`.
async fn members_are(r: &mut Runner, name: &str, gid: &str, want: &[&str]) -> Option<()> {
    r.step(Req::get(name, format!("/Groups/{gid}")), |resp| {
        expect_members(resp.resource(&[200])?, want)
    })
    .await
}

/// OK-9 → OK-10 (AIW and OIN) → OK-12 (OIN and AIW) → OK-11. Returns the group id.
async fn push_groups(r: &mut Runner, tag: &str, users: &[User]) -> Option<String> {
    let name = format!("selftest-{tag} Okta Group");
    let (u0, u1, u2) = (
        users[0].id.as_str(),
        users[1].id.as_str(),
        users[2].id.as_str(),
    );
    let by_name = |n: &str| {
        format!(
            "/Groups?{}&startIndex=1&count=100",
            filter(Profile::Okta, &format!("displayName eq \"{n}\""))
        )
    };
    let push = format!("Push group {name}");
    r.step(
        Req::get(
            "OK-9 group push: lookup by displayName (no match)",
            by_name(&name),
        )
        .action(&push),
        Resp::empty_list,
    )
    .await?;
    let body = json!({"schemas": [GROUP], "displayName": name, "members": []});
    let gid = r
        .step(
            Req::new("OK-9 group push: POST group", Method::POST, "/Groups")
                .body(body)
                .action(&push),
            |resp| {
                let g = resp.resource(&[201])?;
                expect_str(g, &["displayName"], &name)?;
                expect_members(g, &[])?;
                id_of(g)
            },
        )
        .await?;
    r.created_group(&gid);
    r.step(
        Req::get(
            "OK-14 link: lookup by displayName finds the group",
            by_name(&name),
        ),
        |resp| resp.one(&gid).map(drop),
    )
    .await?;
    // AIW: GET then PUT with the whole member list (OK-9 step 3, OK-10).
    let mut g = r
        .step(
            Req::get(
                "OK-10 push members (AIW) 1/2: GET group",
                format!("/Groups/{gid}"),
            ),
            |resp| Ok(resp.resource(&[200])?.clone()),
        )
        .await?;
    g["members"] = json!([member(&users[0]), member(&users[1])]);
    let put = Req::new(
        "OK-10 push members (AIW) 2/2: PUT group with members",
        Method::PUT,
        format!("/Groups/{gid}"),
    )
    .body(g)
    .action(&push);
    r.step(put, |resp| group_write(resp, Some(&name))).await?;
    members_are(r, "OK-10 members after AIW PUT", &gid, &[u0, u1]).await?;
    // OIN: one PATCH removing by value filter and adding (OK-10).
    let ops = patch_ops(json!([
        {"op": "remove", "path": format!("members[value eq \"{u0}\"]")},
        {"op": "add", "path": "members", "value": [member(&users[2])]},
    ]));
    let patch = Req::new(
        "OK-10 membership change (OIN PATCH remove + add)",
        Method::PATCH,
        format!("/Groups/{gid}"),
    )
    .body(ops)
    .action(&push);
    r.step(patch, |resp| resp.patched().map(drop)).await?;
    members_are(r, "OK-10 members after OIN PATCH", &gid, &[u1, u2]).await?;
    let renamed = rename(r, &gid, &name, &[u1, u2], &users[1..]).await?;
    push_now(r, &gid, &renamed, users).await?;
    Some(gid)
}

/// A group PUT or PATCH answer: 200 with the group or 204 (OK-10, OK-12).
fn group_write(resp: &Resp, name: Option<&str>) -> Check<()> {
    match (resp.patched()?, name) {
        (Some(g), Some(n)) => expect_str(g, &["displayName"], n),
        _ => Ok(()),
    }
}

/// OK-12: OIN PATCH with `id` inside the value, then AIW PUT. Returns the final name.
async fn rename(
    r: &mut Runner,
    gid: &str,
    name: &str,
    members: &[&str],
    users: &[User],
) -> Option<String> {
    let oin = format!("{name} (renamed)");
    let ops = patch_ops(json!([{"op": "replace", "value": {"id": gid, "displayName": oin}}]));
    let action = format!("Rename group {name}");
    r.step(
        Req::new(
            "OK-12 rename (OIN PATCH, value carries id)",
            Method::PATCH,
            format!("/Groups/{gid}"),
        )
        .body(ops)
        .action(&action),
        |resp| group_write(resp, Some(&oin)),
    )
    .await?;
    r.step(
        Req::get(
            "OK-12 rename read back: new name, members kept",
            format!("/Groups/{gid}"),
        ),
        |resp| {
            let g = resp.resource(&[200])?;
            expect_str(g, &["displayName"], &oin)?;
            expect_members(g, members)
        },
    )
    .await?;
    let aiw = format!("{name} (AIW)");
    let body = json!({"schemas": [GROUP], "id": gid, "displayName": aiw, "members": users.iter().map(member).collect::<Vec<_>>()});
    r.step(
        Req::new(
            "OK-12 rename (AIW PUT with full members)",
            Method::PUT,
            format!("/Groups/{gid}"),
        )
        .body(body)
        .action(&action),
        |resp| group_write(resp, Some(&aiw)),
    )
    .await?;
    r.step(
        Req::get("OK-12 AIW rename read back", format!("/Groups/{gid}")),
        |resp| {
            let g = resp.resource(&[200])?;
            expect_str(g, &["displayName"], &aiw)?;
            expect_members(g, members)
        },
    )
    .await?;
    Some(aiw)
}

/// OK-11 "Push Now": a full overwrite of membership, by PATCH replace (to one member,
/// then to none) and by AIW PUT.
async fn push_now(r: &mut Runner, gid: &str, name: &str, users: &[User]) -> Option<()> {
    let action = format!("Push Now for group {name}");
    let ops =
        patch_ops(json!([{"op": "replace", "path": "members", "value": [member(&users[0])]}]));
    r.step(
        Req::new(
            "OK-11 Push Now (OIN PATCH replace members)",
            Method::PATCH,
            format!("/Groups/{gid}"),
        )
        .body(ops)
        .action(&action),
        |resp| resp.patched().map(drop),
    )
    .await?;
    members_are(
        r,
        "OK-11 members are exactly the pushed list",
        gid,
        &[&users[0].id],
    )
    .await?;
    let ops = patch_ops(json!([{"op": "replace", "path": "members", "value": []}]));
    r.step(
        Req::new(
            "OK-11 Push Now of an empty list (OIN PATCH)",
            Method::PATCH,
            format!("/Groups/{gid}"),
        )
        .body(ops)
        .action(&action),
        |resp| resp.patched().map(drop),
    )
    .await?;
    members_are(
        r,
        "OK-11 group is empty after pushing an empty list",
        gid,
        &[],
    )
    .await?;
    let body = json!({"schemas": [GROUP], "id": gid, "displayName": name, "members": [member(&users[1]), member(&users[2])]});
    r.step(
        Req::new(
            "OK-11 Push Now (AIW PUT)",
            Method::PUT,
            format!("/Groups/{gid}"),
        )
        .body(body)
        .action(&action),
        |resp| group_write(resp, Some(name)),
    )
    .await?;
    members_are(
        r,
        "OK-11 members after AIW Push Now",
        gid,
        &[&users[1].id, &users[2].id],
    )
    .await
}

/// OK-13: unlink with "Delete the group": 204, then 404; member users stay.
async fn unlink(r: &mut Runner, gid: &str, user: &str) {
    let del = Req::new(
        "OK-13 unlink: DELETE group",
        Method::DELETE,
        format!("/Groups/{gid}"),
    )
    .action("Unlink pushed group");
    if r.step(del, Resp::deleted).await.is_none() {
        return;
    }
    r.deleted(gid);
    r.step(
        Req::get(
            "OK-13 GET the deleted group → 404",
            format!("/Groups/{gid}"),
        ),
        |resp| resp.error(404),
    )
    .await;
    r.step(
        Req::get(
            "OK-13 member users are not deleted",
            format!("/Users/{user}"),
        ),
        |resp| resp.resource(&[200]).map(drop),
    )
    .await;
}
