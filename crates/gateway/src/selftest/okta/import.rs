//! OK-2 and OK-3: Okta's import, paging 100 at a time through users and groups.

use serde_json::Value;

use super::User;
use crate::selftest::{Check, Problem, Req, Runner, expect_members};

/// Okta stops paging an import after this many pages here, so a huge server
/// cannot keep the self-test running for ever (100 resources a page, OK-2).
const MAX_IMPORT_PAGES: u64 = 200;

/// OK-2 and OK-3: page through users and groups 100 at a time, as Import does.
pub(super) async fn import(r: &mut Runner, users: &[User], gid: &str) {
    let mut want: Vec<&str> = users.iter().map(|u| u.id.as_str()).collect();
    want.sort_unstable();
    if let Some(all) = page_all(
        r,
        "OK-2 import users (every page, 100 at a time)",
        "/Users",
        "Import users",
    )
    .await
    {
        let missing: Vec<&&str> = want
            .iter()
            .filter(|id| {
                !all.iter()
                    .any(|u| u.get("id").and_then(Value::as_str) == Some(**id))
            })
            .collect();
        let req = Req::get(
            "OK-2 import: required fields and the self-test's users present",
            "/Users?startIndex=1&count=100",
        )
        .action("Import users");
        let outcome = if missing.is_empty() {
            all.iter()
                .try_for_each(import_fields)
                .map_err(|p| (p, None))
        } else {
            Err((
                Problem::from(format!("users {missing:?} are missing from the import")),
                None,
            ))
        };
        r.record(&req, Some(200), outcome);
    }
    if let Some(all) = page_all(
        r,
        "OK-3 import groups (every page, 100 at a time)",
        "/Groups",
        "Import groups",
    )
    .await
    {
        let req = Req::get(
            "OK-3 import: the pushed group comes with its members",
            "/Groups?startIndex=1&count=100",
        )
        .action("Import groups");
        let outcome = match all
            .iter()
            .find(|g| g.get("id").and_then(Value::as_str) == Some(gid))
        {
            None => Err((
                Problem::from(format!("group {gid} is missing from the import")),
                None,
            )),
            Some(g) => expect_members(g, &[&users[1].id, &users[2].id]).map_err(|p| (p, None)),
        };
        r.record(&req, Some(200), outcome);
    }
}

/// The fields Okta's import and spec test read from each listed user (OK-2, §3.2 #1).
fn import_fields(u: &Value) -> Check<()> {
    let id = u.get("id").and_then(Value::as_str).unwrap_or("?");
    for path in [
        "/id",
        "/userName",
        "/name/givenName",
        "/name/familyName",
        "/emails/0/value",
    ] {
        if u.pointer(path)
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            return Err(format!("user {id} lacks {path} in the list response").into());
        }
    }
    if !u.get("active").is_some_and(Value::is_boolean) {
        return Err(format!("user {id} lacks a boolean `active` in the list response").into());
    }
    Ok(())
}

/// Pages `resource` with `startIndex` += 100 while `startIndex` <= `totalResults`;
/// each id must appear exactly once and `startIndex` must be echoed (OK-2).
async fn page_all(r: &mut Runner, name: &str, resource: &str, action: &str) -> Option<Vec<Value>> {
    let mut all: Vec<Value> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    let mut start = 1;
    let mut last_status = None;
    let mut pages = 0;
    let outcome = loop {
        let req = Req::get(name, format!("{resource}?startIndex={start}&count=100"));
        let resp = match r.raw(&req).await {
            Ok(resp) => resp,
            Err(p) => break Err((p, None)),
        };
        last_status = Some(resp.status);
        let page = match resp.list() {
            Ok(p) => p,
            Err(p) => break Err((p, Some(resp))),
        };
        if page.start != start {
            break Err((
                format!(
                    "asked for startIndex={start}, the page says startIndex {}",
                    page.start
                )
                .into(),
                None,
            ));
        }
        let mut twice = None;
        for res in page.resources {
            let id = res
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            if !seen.insert(id.clone()) {
                twice = Some(id);
                break;
            }
            all.push(res);
        }
        if let Some(id) = twice {
            let text = format!(
                "id {id:?} appeared twice while paging; the order is not stable, so Okta would skip records"
            );
            break Err((text.into(), None));
        }
        pages += 1;
        start += 100;
        if start > page.total {
            break if all.len() as u64 == page.total {
                Ok(())
            } else {
                Err((
                    format!(
                        "totalResults is {} but paging yielded {} distinct resources",
                        page.total,
                        all.len()
                    )
                    .into(),
                    None,
                ))
            };
        }
        if pages >= MAX_IMPORT_PAGES {
            break Ok(());
        }
    };
    let req = Req::get(
        name,
        format!("{resource}?startIndex=1&count=100 … ({pages} pages)"),
    )
    .action(action);
    r.record(&req, last_status, outcome.map(|()| all))
}
