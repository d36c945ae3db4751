//! Faults: the gateway killed mid-import, the database stopped under traffic.
//! Whatever was acknowledged must be there and complete; whatever was not must be
//! absent or complete, never half-applied.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{Backend, Env, Gateway, eventually, scim};
use crate::pgcluster::PgCluster;

/// The import the crash test runs: Okta's first push of a large directory.
const IMPORT_USERS: usize = 10_000;
/// The gateway is killed once this many creates were acknowledged.
const KILL_AFTER_ACKS: usize = 1_500;
/// Concurrent connections importing, as Okta's provisioning workers would.
const WORKERS: usize = 8;
/// No phase of these tests may take longer.
const PHASE_DEADLINE: Duration = Duration::from_secs(240);

/// A user as Okta's import sends it, every attribute derived from `i` so the
/// stored copy can be checked field by field.
pub fn user(i: usize) -> Value {
    json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
        ],
        "userName": format!("user{i}@import.test"),
        "externalId": format!("00u{i}"),
        "name": {"givenName": format!("Given{i}"), "familyName": format!("Family{i}")},
        "displayName": format!("Given{i} Family{i}"),
        "emails": [{"value": format!("user{i}@import.test"), "type": "work", "primary": true}],
        "title": format!("Title {i}"),
        "active": true,
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": format!("{i}"),
            "department": format!("Dept {}", i % 17)
        }
    })
}

/// Asserts a stored user carries every attribute `user(i)` sent.
fn assert_complete(i: usize, stored: &Value) {
    let sent = user(i);
    for key in [
        "userName",
        "externalId",
        "name",
        "displayName",
        "title",
        "active",
    ] {
        assert_eq!(
            stored[key], sent[key],
            "user {i}: {key} is incomplete: {stored}"
        );
    }
    assert_eq!(
        stored["emails"][0]["value"], sent["emails"][0]["value"],
        "user {i}: emails incomplete: {stored}"
    );
    let ext = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    assert_eq!(
        stored[ext]["employeeNumber"], sent[ext]["employeeNumber"],
        "user {i}: {stored}"
    );
}

fn index_of(user_name: &str) -> usize {
    user_name
        .strip_prefix("user")
        .and_then(|r| r.strip_suffix("@import.test"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected userName {user_name}"))
}

/// Every user of the workspace by index, read page by page.
async fn all_users(gw: &Gateway, token: &str) -> HashMap<usize, Value> {
    let mut out = HashMap::new();
    let mut start = 1;
    loop {
        let (status, _, page) = scim(
            gw,
            reqwest::Method::GET,
            &format!("/scim/v2/Users?startIndex={start}&count=1000"),
            token,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let resources = page["Resources"].as_array().cloned().unwrap_or_default();
        for r in &resources {
            let i = index_of(r["userName"].as_str().unwrap());
            assert!(out.insert(i, r.clone()).is_none(), "user {i} listed twice");
        }
        if resources.is_empty()
            || out.len() >= usize::try_from(page["totalResults"].as_u64().unwrap()).unwrap()
        {
            return out;
        }
        start += resources.len();
    }
}

/// What the importers saw.
#[derive(Default)]
struct Outcomes {
    acked: HashSet<usize>,
    /// Sent and answered with an error, or never answered.
    unacked: HashSet<usize>,
    five_xx: usize,
}

async fn kill_mid_import(backend: Backend) {
    let env = Env::new(backend).await;
    let (_, token) = env.workspace_with_token("Import").await;
    // No rate limit: the import is as fast as the gateway allows.
    let gw = Arc::new(env.start_with(&["--scim-rate-limit", "off"], &[]).await);
    let next = Arc::new(AtomicUsize::new(0));
    let outcomes = Arc::new(Mutex::new(Outcomes::default()));
    let mut workers = Vec::new();
    for _ in 0..WORKERS {
        let (gw, next, outcomes, token) =
            (gw.clone(), next.clone(), outcomes.clone(), token.clone());
        workers.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= IMPORT_USERS {
                    return;
                }
                outcomes.lock().unwrap().unacked.insert(i);
                let sent = gw
                    .http
                    .post(gw.url("/scim/v2/Users"))
                    .bearer_auth(&token)
                    .header("content-type", "application/scim+json")
                    .body(user(i).to_string())
                    .send()
                    .await;
                let Ok(resp) = sent else {
                    return; // the gateway is gone
                };
                let status = resp.status();
                let mut o = outcomes.lock().unwrap();
                if status == StatusCode::CREATED {
                    o.unacked.remove(&i);
                    o.acked.insert(i);
                } else if status.is_server_error() {
                    o.five_xx += 1;
                }
            }
        }));
    }
    eventually("the import to get under way", PHASE_DEADLINE, || {
        let n = outcomes.lock().unwrap().acked.len();
        async move { (n >= KILL_AFTER_ACKS).then_some(()) }
    })
    .await;
    // SIGKILL while the importers are mid-request: nothing is flushed or drained.
    let killed = tokio::process::Command::new("kill")
        .args(["-KILL", &gw.pid().to_string()])
        .status()
        .await
        .unwrap();
    assert!(killed.success());
    for w in workers {
        tokio::time::timeout(PHASE_DEADLINE, w)
            .await
            .unwrap()
            .unwrap();
    }
    drop(gw);
    let outcomes = Arc::try_unwrap(outcomes)
        .ok()
        .unwrap()
        .into_inner()
        .unwrap();
    assert_eq!(outcomes.five_xx, 0, "no 5xx before the kill");
    assert!(
        !outcomes.unacked.is_empty(),
        "requests were in flight when the gateway was killed"
    );

    let gw = env.start_with(&["--scim-rate-limit", "off"], &[]).await;
    let stored = all_users(&gw, &token).await;
    for i in &outcomes.acked {
        let doc = stored
            .get(i)
            .unwrap_or_else(|| panic!("user {i} was acknowledged with 201 but is missing"));
        assert_complete(*i, doc);
    }
    let mut applied_unacked = 0;
    for (i, doc) in &stored {
        assert!(
            outcomes.acked.contains(i) || outcomes.unacked.contains(i),
            "user {i} exists but was never sent"
        );
        assert_complete(*i, doc);
        if outcomes.unacked.contains(i) {
            applied_unacked += 1;
        }
    }
    // The derived lookup rows went in with the documents: a filter on the email
    // finds every user that exists, and only those.
    for i in outcomes
        .unacked
        .iter()
        .chain(outcomes.acked.iter().take(50))
    {
        let (status, _, page) = scim(
            &gw,
            reqwest::Method::GET,
            &format!("/scim/v2/Users?filter=emails.value%20eq%20%22user{i}@import.test%22"),
            &token,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let expected = u64::from(stored.contains_key(i));
        assert_eq!(page["totalResults"], expected, "user {i}: {page}");
    }
    // The IdP retries what it got no answer for: each is created or found taken.
    for i in &outcomes.unacked {
        let (status, _, body) = scim(
            &gw,
            reqwest::Method::POST,
            "/scim/v2/Users",
            &token,
            Some(&user(*i)),
        )
        .await;
        let expected = if stored.contains_key(i) {
            StatusCode::CONFLICT
        } else {
            StatusCode::CREATED
        };
        assert_eq!(status, expected, "retrying user {i}: {body}");
    }
    println!(
        "crash test ({backend:?}): {} creates acknowledged before SIGKILL, {} in flight \
         ({applied_unacked} of them committed), {} users verified complete after restart",
        outcomes.acked.len(),
        outcomes.unacked.len(),
        stored.len()
    );
}

/// PostgreSQL stopped under traffic: 503s with SCIM bodies and a failing `/readyz`;
/// started again: the same process serves again and nothing acknowledged is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_outage_is_503_then_recovers() {
    let cluster = PgCluster::start().await;
    let env = Env::on(store::testing::TestDatabase::external(cluster.url()));
    let (_, token) = env.workspace_with_token("Outage").await;
    let mut gw = env
        .start_with(
            &["--db-acquire-timeout", "1s", "--scim-rate-limit", "off"],
            &[],
        )
        .await;
    let gw_ref = &gw;
    let acked: Mutex<Vec<usize>> = Mutex::default();
    let statuses: Mutex<HashMap<u16, usize>> = Mutex::default();
    let send = |i: usize| {
        let (acked, statuses, token) = (&acked, &statuses, &token);
        async move {
            let (status, headers, body) = scim(
                gw_ref,
                reqwest::Method::POST,
                "/scim/v2/Users",
                token,
                Some(&user(i)),
            )
            .await;
            *statuses.lock().unwrap().entry(status.as_u16()).or_default() += 1;
            match status {
                StatusCode::CREATED => acked.lock().unwrap().push(i),
                StatusCode::SERVICE_UNAVAILABLE => {
                    assert!(
                        headers.contains_key("retry-after"),
                        "503 without Retry-After"
                    );
                    assert_eq!(body["status"], "503");
                    assert_eq!(body["schemas"][0], scim::ERROR_SCHEMA);
                }
                other => panic!("unexpected {other}: {body}"),
            }
            status
        }
    };
    let mut i = 0;
    // Before: traffic flows.
    for _ in 0..50 {
        assert_eq!(send(i).await, StatusCode::CREATED);
        i += 1;
    }
    cluster.stop_now().await;
    let mut refused = 0;
    eventually("readyz to fail", PHASE_DEADLINE, || async {
        let r = gw_ref.get("/readyz", None).await;
        (r.status() == StatusCode::SERVICE_UNAVAILABLE).then_some(())
    })
    .await;
    // During: every write is a clean 503; bounded in count.
    for _ in 0..20 {
        assert_eq!(send(i).await, StatusCode::SERVICE_UNAVAILABLE);
        i += 1;
        refused += 1;
    }
    cluster.start_again().await;
    // After: the same process recovers without a restart.
    eventually("the gateway to write again", PHASE_DEADLINE, || {
        let n = i;
        i += 1;
        let send = &send;
        async move { (send(n).await == StatusCode::CREATED).then_some(()) }
    })
    .await;
    assert_eq!(gw.get("/readyz", None).await.status(), StatusCode::OK);
    for _ in 0..50 {
        assert_eq!(send(i).await, StatusCode::CREATED);
        i += 1;
    }
    assert!(gw.is_running(), "the gateway process survived the outage");
    let stored = all_users(&gw, &token).await;
    let acked = acked.into_inner().unwrap();
    for n in &acked {
        assert_complete(
            *n,
            stored
                .get(n)
                .unwrap_or_else(|| panic!("acknowledged user {n} lost")),
        );
    }
    assert_eq!(
        stored.len(),
        acked.len(),
        "only acknowledged writes were applied"
    );
    let statuses = statuses.into_inner().unwrap();
    assert!(
        statuses.keys().all(|s| *s == 201 || *s == 503),
        "{statuses:?}"
    );
    println!(
        "outage test: {i} requests, 1 outage, {refused} refused with 503 during it, {} acknowledged and verified, statuses {statuses:?}",
        acked.len()
    );
}

crate::both_backends!(kill_mid_import);
