//! The Entra ID profile: Test Connection, schema discovery, a provisioning cycle for a
//! user (match, create, update in both PATCH dialects, disable/enable, manager, delete)
//! and for a group (match, create, rename, members) (idp-wire §4 EN-1..EN-15).

use reqwest::Method;
use serde_json::{Value, json};

use super::{
    Check, ENTERPRISE, GROUP, Problem, Profile, Req, Resp, Runner, USER, expect_active,
    expect_members, expect_str, filter, id_of, patch_ops, random_tag, str_at,
};

/// The extra schema URI Entra puts on POST /Groups (EN-11); servers must not reject it.
const MS_GROUP: &str = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group";

pub(super) async fn run(r: &mut Runner) {
    let tag = random_tag();
    connection(r).await;
    let Some((main, mgr)) = user_cycle(r, &tag).await else {
        return;
    };
    groups(r, &tag, &main, &mgr).await;
    delete_user(r, &main).await;
}

fn guid() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn users_where(expr: &str) -> String {
    // EN-3: Entra sends no startIndex or count.
    format!("/Users?{}", filter(Profile::Entra, expr))
}

fn groups_where(expr: &str) -> String {
    // EN-9: every group query excludes members.
    format!(
        "/Groups?excludedAttributes=members&{}",
        filter(Profile::Entra, expr)
    )
}

/// EN-1 Test Connection and EN-2 schema discovery.
async fn connection(r: &mut Runner) {
    let test = "Test Connection";
    let probe = |resp: &Resp| {
        resp.empty_list().map_err(|p| {
            if resp.status == 404 {
                Problem::with_idp(
                    "a filter that matches nothing was answered 404",
                    "Test Connection fails, and in a running job a 404 where 200 was expected puts provisioning in quarantine.",
                )
            } else {
                p
            }
        })
    };
    r.step(
        Req::get(
            "EN-1 Test Connection: userName filter with a random GUID",
            users_where(&format!("userName eq \"{}\"", guid())),
        )
        .action(test),
        probe,
    )
    .await;
    r.step(
        Req::get(
            "EN-1 Test Connection: group probe excluding members",
            groups_where(&format!("displayName eq \"{}\"", guid())),
        )
        .action(test),
        probe,
    )
    .await;
    r.step(Req::get("EN-2 schema discovery: /Schemas is a ListResponse with User and Group", "/Schemas").action("Schema discovery"), |resp| {
        let page = resp.list()?;
        for urn in [USER, GROUP] {
            if !page.resources.iter().any(|s| s.get("id").and_then(Value::as_str).is_some_and(|id| id.eq_ignore_ascii_case(urn))) {
                return Err(Problem::with_idp(
                    format!("/Schemas has no {urn}"),
                    format!("Schema_Discoverability_Test fails: /Schemas lacks {urn}, so the group (or user) tests fail."),
                ));
            }
        }
        Ok(())
    })
    .await;
}

/// A user Entra has provisioned.
struct User {
    id: String,
    user_name: String,
}

/// The EN-4 body, minus the mobile phone so that EN-5 can upsert it.
fn create_body(user_name: &str, external_id: &str) -> Value {
    json!({
        "schemas": [USER, ENTERPRISE],
        "externalId": external_id,
        "userName": user_name,
        "active": true,
        "displayName": "Selftest Entra",
        "title": "Engineer",
        "preferredLanguage": "en-US",
        "emails": [{"primary": true, "type": "work", "value": user_name}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "Selftest Entra", "familyName": "Entra", "givenName": "Selftest"},
        "addresses": [{"type": "work", "formatted": "B40", "streetAddress": "1 Main St", "locality": "Redmond",
                       "region": "WA", "postalCode": "98052", "country": "US", "primary": true}],
        "phoneNumbers": [{"type": "work", "value": "+1 425 555 0100", "primary": true},
                         {"type": "fax", "value": "+1 425 555 0102"}],
        ENTERPRISE: {"employeeNumber": "701984", "department": "Tour Ops"},
        "roles": [],
    })
}

/// The value of the element of multi-valued `attr` whose `type` is `ty`.
fn typed<'a>(u: &'a Value, attr: &str, ty: &str) -> Option<&'a str> {
    u.get(attr)?
        .as_array()?
        .iter()
        .find(|e| {
            e.get("type")
                .and_then(Value::as_str)
                .is_some_and(|t| t.eq_ignore_ascii_case(ty))
        })?
        .get("value")?
        .as_str()
}

fn expect_typed(u: &Value, attr: &str, ty: &str, want: &str) -> Check<()> {
    match typed(u, attr, ty) {
        Some(v) if v == want => Ok(()),
        other => Err(format!(
            "`{attr}[type eq \"{ty}\"].value` should be {want:?} (exactly as sent), got {other:?}"
        )
        .into()),
    }
}

/// EN-4: POST, 201 with the full user; Entra's validator compares `userName` and
/// `displayName` with what it sent.
async fn create(r: &mut Runner, name: &str, body: Value) -> Option<User> {
    let user_name = str_at(&body, &["userName"]).unwrap_or_default().to_owned();
    let req = Req::new(name, Method::POST, "/Users")
        .body(body.clone())
        .action(&format!("Create user {user_name}"));
    let id = r
        .step(req, |resp| {
            let u = resp.resource(&[201])?;
            let id = id_of(u)?;
            expect_str(u, &["userName"], &user_name)?;
            expect_str(
                u,
                &["displayName"],
                str_at(&body, &["displayName"]).unwrap_or_default(),
            )?;
            expect_active(u, true)?;
            if let Some(phone) = typed(&body, "phoneNumbers", "work") {
                expect_typed(u, "phoneNumbers", "work", phone)?;
            }
            Ok(id)
        })
        .await?;
    r.created_user(&id);
    Some(User { id, user_name })
}

async fn get_user(
    r: &mut Runner,
    name: &str,
    id: &str,
    check: impl FnOnce(&Value) -> Check<()>,
) -> Option<()> {
    r.step(Req::get(name, format!("/Users/{id}")), |resp| {
        let u = resp.resource(&[200])?;
        expect_str(u, &["id"], id)?;
        check(u)
    })
    .await
}

async fn patch_user(r: &mut Runner, name: &str, id: &str, action: &str, ops: Value) -> Option<()> {
    let req = Req::new(name, Method::PATCH, format!("/Users/{id}"))
        .body(patch_ops(ops))
        .action(action);
    r.step(req, |resp| resp.patched().map(drop)).await
}

/// EN-3 → EN-4 → EN-3 → EN-5 → EN-6 → EN-7. Returns the user and a manager.
async fn user_cycle(r: &mut Runner, tag: &str) -> Option<(User, User)> {
    let user_name = format!("selftest-{tag}.Entra@Example.com");
    let external_id = format!("selftest-{tag}");
    r.step(
        Req::get(
            "EN-3 match user (no match yet)",
            users_where(&format!("userName eq \"{user_name}\"")),
        )
        .action("Matching the user"),
        Resp::empty_list,
    )
    .await?;
    let main = create(
        r,
        "EN-4 create user (default mapping, enterprise extension)",
        create_body(&user_name, &external_id),
    )
    .await?;
    let mgr1 = create(
        r,
        "EN-4 create manager 1",
        create_body(
            &format!("selftest-{tag}-mgr1@example.com"),
            &format!("selftest-{tag}-m1"),
        ),
    )
    .await?;
    let mgr2 = create(
        r,
        "EN-4 create manager 2",
        create_body(
            &format!("selftest-{tag}-mgr2@example.com"),
            &format!("selftest-{tag}-m2"),
        ),
    )
    .await?;
    tolerant_create(r, tag).await;
    let id = main.id.clone();
    for (name, expr) in [
        (
            "EN-3 match user by userName",
            format!("userName eq \"{user_name}\""),
        ),
        (
            "EN-3 match user by userName in another case",
            format!("userName eq \"{}\"", user_name.to_lowercase()),
        ),
        (
            "EN-3 match user by externalId",
            format!("externalId eq \"{external_id}\""),
        ),
    ] {
        r.step(
            Req::get(name, users_where(&expr)).action("Matching the user"),
            |resp| expect_active(&resp.one(&id)?, true),
        )
        .await?;
    }
    let renamed = update(r, tag, &id).await?;
    disable(r, &id, &renamed).await?;
    manager(r, &id, &mgr1.id, &mgr2.id).await?;
    Some((
        User {
            id,
            user_name: renamed,
        },
        mgr1,
    ))
}

/// EN-4's tolerance list: the tutorial's older body with nulls and the misspelt
/// enterprise URN (optional in the IdP's traffic, so a failure here is reported
/// but stops nothing).
async fn tolerant_create(r: &mut Runner, tag: &str) {
    let user_name = format!("selftest-{tag}-legacy@example.com");
    let body = json!({
        "schemas": [USER, "urn:ietf:params:scim:schemas:extension:enterprise:2.0User"],
        "externalId": format!("selftest-{tag}-l"),
        "userName": user_name,
        "active": true,
        "displayName": "Selftest Legacy",
        "emails": [{"primary": true, "type": "work", "value": user_name}],
        "meta": {"resourceType": "User"},
        "name": {"familyName": "Legacy", "givenName": "Selftest"},
        "addresses": null,
        "phoneNumbers": null,
        "title": null,
        "department": null,
        "manager": null,
    });
    create(
        r,
        "EN-4 create user, older body (nulls, misspelt enterprise URN)",
        body,
    )
    .await;
}

/// EN-5 in both dialects. Returns the new userName.
async fn update(r: &mut Runner, tag: &str, id: &str) -> Option<String> {
    let email = format!("selftest-{tag}.updated@example.com");
    let other = format!("selftest-{tag}.other@example.com");
    let renamed = format!("selftest-{tag}.Renamed@Example.com");
    let dept = format!("{ENTERPRISE}:department");
    let ops = json!([
        {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": email},
        {"op": "Replace", "path": "name.familyName", "value": "Updated"},
        {"op": "Add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+1 425 555 0199"},
        {"op": "Add", "path": "emails[type eq \"other\"].Value", "value": other},
        {"op": "Replace", "path": dept, "value": "Sales"},
        {"op": "Replace", "path": "userName", "value": renamed},
    ]);
    patch_user(
        r,
        "EN-5 update, legacy dialect (capitalised ops, value-filter paths)",
        id,
        "Update user",
        ops,
    )
    .await?;
    get_user(
        r,
        "EN-5 legacy update read back (mobile phone created, values as sent)",
        id,
        |u| {
            expect_typed(u, "emails", "work", &email)?;
            expect_typed(u, "emails", "other", &other)?;
            expect_typed(u, "phoneNumbers", "mobile", "+1 425 555 0199")?;
            expect_typed(u, "phoneNumbers", "work", "+1 425 555 0100")?;
            expect_str(u, &["name", "familyName"], "Updated")?;
            expect_str(u, &[ENTERPRISE, "department"], "Sales")?;
            expect_str(u, &["userName"], &renamed)
        },
    )
    .await?;
    let email2 = format!("selftest-{tag}.flag@example.com");
    let ops = json!([
        {"op": "replace", "path": "emails[type eq \"work\"].value", "value": email2},
        {"op": "replace", "value": {"displayName": "Selftest Flag", "name.givenName": "Flag", "name.familyName": "Dialect",
            format!("{ENTERPRISE}:employeeNumber"): "702000"}},
    ]);
    patch_user(
        r,
        "EN-5 update, aadOptscim062020 dialect (pathless replace, dotted and URN keys)",
        id,
        "Update user",
        ops,
    )
    .await?;
    get_user(r, "EN-5 flag update read back", id, |u| {
        expect_typed(u, "emails", "work", &email2)?;
        expect_str(u, &["displayName"], "Selftest Flag")?;
        expect_str(u, &["name", "givenName"], "Flag")?;
        expect_str(u, &["name", "familyName"], "Dialect")?;
        expect_str(u, &[ENTERPRISE, "employeeNumber"], "702000")?;
        expect_str(u, &[ENTERPRISE, "department"], "Sales")
    })
    .await?;
    Some(renamed)
}

/// EN-6: disable with the string `"False"` inside a multi-op PATCH, read back by
/// filter as the validator does, re-enable with `"True"`; then the flag dialect.
async fn disable(r: &mut Runner, id: &str, user_name: &str) -> Option<()> {
    let by_name = users_where(&format!("userName eq \"{user_name}\""));
    let ops = json!([
        {"op": "Replace", "path": "title", "value": "Departed"},
        {"op": "Replace", "path": "active", "value": "False"},
    ]);
    patch_user(
        r,
        "EN-6 disable, legacy (\"False\" inside a multi-op PATCH)",
        id,
        "Disable user",
        ops,
    )
    .await?;
    r.step(
        Req::get(
            "EN-6 disabled user is found by filter with active false",
            by_name.clone(),
        )
        .action("Matching the user"),
        |resp| {
            let u = resp.one(id)?;
            expect_str(&u, &["title"], "Departed")?;
            expect_active(&u, false)
        },
    )
    .await?;
    patch_user(
        r,
        "EN-6 re-enable, legacy (\"True\")",
        id,
        "Enable user",
        json!([{"op": "Replace", "path": "active", "value": "True"}]),
    )
    .await?;
    get_user(r, "EN-6 re-enabled: active is the boolean true", id, |u| {
        expect_active(u, true)
    })
    .await?;
    patch_user(
        r,
        "EN-6 disable, flag dialect (boolean false)",
        id,
        "Disable user",
        json!([{"op": "replace", "path": "active", "value": false}]),
    )
    .await?;
    r.step(
        Req::get(
            "EN-6 flag-disabled user is found by filter with active false",
            by_name,
        )
        .action("Matching the user"),
        |resp| expect_active(&resp.one(id)?, false),
    )
    .await?;
    patch_user(
        r,
        "EN-6 re-enable, flag dialect (boolean true)",
        id,
        "Enable user",
        json!([{"op": "replace", "path": "active", "value": true}]),
    )
    .await?;
    get_user(r, "EN-6 flag re-enabled read back", id, |u| {
        expect_active(u, true)
    })
    .await
}

fn manager_of(u: &Value) -> Option<&Value> {
    u.get(ENTERPRISE)?.get("manager").filter(|m| !m.is_null())
}

/// EN-7: the manager forms Entra sends, each in its own PATCH.
async fn manager(r: &mut Runner, id: &str, mgr1: &str, mgr2: &str) -> Option<()> {
    let path = format!("{ENTERPRISE}:manager");
    let is = |want: &str| {
        let want = want.to_owned();
        move |u: &Value| match manager_of(u)
            .and_then(|m| m.get("value"))
            .and_then(Value::as_str)
        {
            Some(v) if v == want => Ok(()),
            other => Err(Problem::from(format!(
                "manager.value should be {want:?}, got {other:?}"
            ))),
        }
    };
    let gone = |u: &Value| match manager_of(u) {
        None => Ok(()),
        Some(m) => Err(Problem::from(format!(
            "after removal `manager` must be absent or null, got {m}"
        ))),
    };
    let action = "Update manager";
    patch_user(
        r,
        "EN-7 set manager (Add, bare string)",
        id,
        action,
        json!([{"op": "Add", "path": path, "value": mgr1}]),
    )
    .await?;
    get_user(r, "EN-7 manager.value read back", id, is(mgr1)).await?;
    patch_user(
        r,
        "EN-7 change manager (replace)",
        id,
        action,
        json!([{"op": "replace", "path": path, "value": mgr2}]),
    )
    .await?;
    get_user(r, "EN-7 changed manager read back", id, is(mgr2)).await?;
    patch_user(
        r,
        "EN-7 remove manager (replace with \"\")",
        id,
        action,
        json!([{"op": "replace", "path": path, "value": ""}]),
    )
    .await?;
    get_user(r, "EN-7 manager absent after \"\"", id, gone).await?;
    patch_user(
        r,
        "EN-7 set manager again (Add, bare string)",
        id,
        action,
        json!([{"op": "Add", "path": path, "value": mgr1}]),
    )
    .await?;
    get_user(r, "EN-7 manager set again read back", id, is(mgr1)).await?;
    patch_user(
        r,
        "EN-7 remove manager (replace with {\"value\":\"\"})",
        id,
        action,
        json!([{"op": "replace", "path": path, "value": {"value": ""}}]),
    )
    .await?;
    get_user(r, "EN-7 manager absent after {\"value\":\"\"}", id, gone).await
}

async fn patch_group(r: &mut Runner, name: &str, gid: &str, ops: Value) -> Option<()> {
    let req = Req::new(name, Method::PATCH, format!("/Groups/{gid}"))
        .body(patch_ops(ops))
        .action("Update group");
    r.step(req, |resp| resp.patched().map(drop)).await
}

async fn members_are(r: &mut Runner, name: &str, gid: &str, want: &[&str]) -> Option<()> {
    r.step(Req::get(name, format!("/Groups/{gid}")), |resp| {
        expect_members(resp.resource(&[200])?, want)
    })
    .await
}

/// A group read with `excludedAttributes=members` has no `members` key (EN-9, EN-10).
fn no_members(g: &Value) -> Check<()> {
    match g.get("members") {
        None => Ok(()),
        Some(_) => Err("`members` was returned despite excludedAttributes=members".into()),
    }
}

/// EN-9 → EN-11 → EN-13 → EN-10 → EN-12 → EN-14 → duplicate → EN-15.
async fn groups(r: &mut Runner, tag: &str, a: &User, b: &User) -> Option<()> {
    let name = format!("selftest-{tag} Entra Group");
    r.step(
        Req::get(
            "EN-9 match group (no match yet)",
            groups_where(&format!("displayName eq \"{name}\"")),
        )
        .action("Matching the group"),
        Resp::empty_list,
    )
    .await?;
    let body = json!({"schemas": [GROUP, MS_GROUP], "externalId": guid(), "displayName": name, "meta": {"resourceType": "Group"}});
    let create = Req::new(
        "EN-11 create group (extra Microsoft schema URI)",
        Method::POST,
        "/Groups",
    )
    .body(body)
    .action(&format!("Create group {name}"));
    let gid = r
        .step(create, |resp| {
            let g = resp.resource(&[201])?;
            expect_str(g, &["displayName"], &name)?;
            expect_members(g, &[])?;
            id_of(g)
        })
        .await?;
    r.created_group(&gid);
    r.step(
        Req::get(
            "EN-9 match group in another case, excluding members",
            groups_where(&format!("displayName eq \"{}\"", name.to_uppercase())),
        )
        .action("Matching the group"),
        |resp| no_members(&resp.one(&gid)?),
    )
    .await?;
    let (ua, ub) = (a.id.as_str(), b.id.as_str());
    let add = json!([{"op": "Add", "path": "members", "value": [{"$ref": null, "value": ua}, {"$ref": null, "value": ub}]}]);
    patch_group(
        r,
        "EN-13 add two members (\"$ref\": null)",
        &gid,
        add.clone(),
    )
    .await?;
    members_are(r, "EN-13 both members present", &gid, &[ua, ub]).await?;
    let excluded = format!("/Groups/{gid}?excludedAttributes=members");
    r.step(
        Req::get("EN-10 get group by id excluding members", excluded.clone()),
        |resp| {
            let g = resp.resource(&[200])?;
            expect_str(g, &["id"], &gid)?;
            no_members(g)
        },
    )
    .await?;
    let flag = rename_group(r, &gid, &name, &excluded).await?;
    remove_members(r, &gid, (ua, ub), add).await?;
    duplicate_group(r, &flag).await;
    delete_group(r, &gid).await
}

/// EN-12 in both dialects, plus the validator's pathless `externalId` replace.
/// Returns the final displayName.
async fn rename_group(r: &mut Runner, gid: &str, name: &str, excluded: &str) -> Option<String> {
    let gid = gid.to_owned();
    let excluded = excluded.to_owned();
    let legacy = format!("{name} (legacy)");
    patch_group(
        r,
        "EN-12 rename, legacy (Replace displayName)",
        &gid,
        json!([{"op": "Replace", "path": "displayName", "value": legacy}]),
    )
    .await?;
    r.step(
        Req::get("EN-12 legacy rename read back", excluded.clone()),
        |resp| expect_str(resp.resource(&[200])?, &["displayName"], &legacy),
    )
    .await?;
    let flag = format!("{name} (flag)");
    patch_group(
        r,
        "EN-12 rename, flag dialect (pathless replace)",
        &gid,
        json!([{"op": "replace", "value": {"displayName": flag}}]),
    )
    .await?;
    let ext = guid();
    patch_group(
        r,
        "EN-12 replace externalId, flag dialect (pathless)",
        &gid,
        json!([{"op": "replace", "value": {"externalId": ext}}]),
    )
    .await?;
    r.step(Req::get("EN-12 flag updates read back", excluded), |resp| {
        let g = resp.resource(&[200])?;
        expect_str(g, &["displayName"], &flag)?;
        expect_str(g, &["externalId"], &ext)
    })
    .await?;
    Some(flag)
}

/// EN-14: legacy remove-with-value removes only the listed member; re-adding an
/// existing member is a no-op (EN-13); the flag dialect removes by value filter.
async fn remove_members(
    r: &mut Runner,
    gid: &str,
    (ua, ub): (&str, &str),
    add: Value,
) -> Option<()> {
    let gid = gid.to_owned();
    let remove = json!([{"op": "Remove", "path": "members", "value": [{"value": ua}]}]);
    patch_group(
        r,
        "EN-14 remove one member, legacy (Remove members with a value list)",
        &gid,
        remove,
    )
    .await?;
    members_are(
        r,
        "EN-14 legacy remove removed only the listed member",
        &gid,
        &[ub],
    )
    .await?;
    patch_group(
        r,
        "EN-13 add again (an existing member is a no-op)",
        &gid,
        add,
    )
    .await?;
    members_are(r, "EN-13 members after re-adding", &gid, &[ua, ub]).await?;
    patch_group(
        r,
        "EN-14 remove one member, flag dialect (members[value eq …])",
        &gid,
        json!([{"op": "remove", "path": format!("members[value eq \"{ua}\"]")}]),
    )
    .await?;
    members_are(r, "EN-14 flag remove removed only that member", &gid, &[ub]).await?;
    Some(())
}

/// EN-11: a second group whose displayName differs only in case → 409 (Entra matches
/// groups by displayName, rule 8).
async fn duplicate_group(r: &mut Runner, existing: &str) {
    let body = json!({"schemas": [GROUP, MS_GROUP], "externalId": guid(), "displayName": existing.to_uppercase(), "meta": {"resourceType": "Group"}});
    let req = Req::new(
        "EN-11 duplicate group displayName (other case) → 409",
        Method::POST,
        "/Groups",
    )
    .body(body)
    .action("Create group");
    let (_, resp) = r
        .step_resp(req, |resp| {
            if resp.status == 201 {
                return Err(Problem::with_idp(
                    "a second group with the same displayName (other case) was created",
                    "No error, but later cycles match two groups by displayName and the group cannot be provisioned.",
                ));
            }
            resp.error(409)
        })
        .await;
    if let Some(resp) = resp
        && resp.status == 201
        && let Ok(id) = id_of(&resp.body)
    {
        r.created_group(&id);
    }
}

/// EN-15: DELETE → 204, then GET → 404 and a second DELETE → 404.
async fn delete_group(r: &mut Runner, gid: &str) -> Option<()> {
    r.step(
        Req::new(
            "EN-15 delete group",
            Method::DELETE,
            format!("/Groups/{gid}"),
        )
        .action("Delete group"),
        Resp::deleted,
    )
    .await?;
    r.deleted(gid);
    r.step(
        Req::get("EN-15 GET deleted group → 404", format!("/Groups/{gid}")),
        |resp| resp.error(404),
    )
    .await;
    r.step(
        Req::new(
            "EN-15 DELETE the group again → 404",
            Method::DELETE,
            format!("/Groups/{gid}"),
        ),
        |resp| resp.error(404),
    )
    .await
}

/// EN-8: hard delete; then GET → 404, the match filter finds nothing, DELETE again → 404.
async fn delete_user(r: &mut Runner, user: &User) -> Option<()> {
    let id = &user.id;
    r.step(
        Req::new("EN-8 delete user", Method::DELETE, format!("/Users/{id}")).action("Delete user"),
        Resp::deleted,
    )
    .await?;
    r.deleted(id);
    r.step(
        Req::get("EN-8 GET deleted user → 404", format!("/Users/{id}")),
        |resp| resp.error(404),
    )
    .await;
    r.step(
        Req::get(
            "EN-8 match filter no longer finds the user",
            users_where(&format!("userName eq \"{}\"", user.user_name)),
        )
        .action("Matching the user"),
        Resp::empty_list,
    )
    .await;
    r.step(
        Req::new(
            "EN-8 DELETE the user again → 404",
            Method::DELETE,
            format!("/Users/{id}"),
        ),
        |resp| resp.error(404),
    )
    .await
}
