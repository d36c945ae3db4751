//! Issue #5: billing hooks delivered to a real HTTP receiver on loopback that checks
//! every Standard Webhooks signature, through outages, failures and a hard kill.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{Backend, Env, Gateway, eventually, scim};

const DEADLINE: Duration = Duration::from_secs(60);
/// Fast polling and retries, so outages heal within the test's deadline.
const FAST: [&str; 6] = [
    "--hook-poll-interval",
    "100ms",
    "--hook-retry-base",
    "200ms",
    "--hook-timeout",
    "2s",
];

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    webhook_id: String,
    event_type: String,
    data: Value,
}

#[derive(Default)]
struct Inbox {
    secret: Option<seats::WebhookSecret>,
    /// Status to answer with; 204 unless a test says otherwise.
    status: Option<u16>,
    received: Vec<Received>,
    attempts: usize,
}

/// A billing system's receiver on loopback: verifies each signature (a bad one is
/// answered 401 and fails the test) and records what it got.
struct Receiver {
    inbox: Arc<Mutex<Inbox>>,
    addr: SocketAddr,
    server: tokio::task::JoinHandle<()>,
}

async fn receive(
    State(inbox): State<Arc<Mutex<Inbox>>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    let mut inbox = inbox.lock().unwrap();
    inbox.attempts += 1;
    let pairs: Vec<(String, String)> = headers
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    let secret = inbox.secret.clone().expect("secret set before any event");
    #[expect(clippy::disallowed_methods, reason = "a receiver checks the real time")]
    let now = time::OffsetDateTime::now_utc();
    seats::verify(&secret, &pairs, &body, now, seats::DEFAULT_TOLERANCE)
        .expect("every delivery carries a valid signature");
    let status = inbox.status.unwrap_or(204);
    let v: Value = serde_json::from_slice(&body).unwrap();
    if (200..300).contains(&status) {
        inbox.received.push(Received {
            webhook_id: headers["webhook-id"].to_str().unwrap().to_owned(),
            event_type: v["type"].as_str().unwrap().to_owned(),
            data: v["data"].clone(),
        });
    }
    StatusCode::from_u16(status).unwrap()
}

impl Receiver {
    async fn start(addr: SocketAddr, inbox: Arc<Mutex<Inbox>>) -> Self {
        let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = axum::Router::new()
            .route("/billing", post(receive))
            .with_state(inbox.clone());
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self {
            inbox,
            addr,
            server,
        }
    }

    fn url(addr: SocketAddr) -> String {
        format!("http://{addr}/billing")
    }

    fn received(&self) -> Vec<Received> {
        self.inbox.lock().unwrap().received.clone()
    }

    fn set_status(&self, status: u16) {
        self.inbox.lock().unwrap().status = Some(status);
    }

    /// Waits until `n` distinct events arrived.
    async fn wait_for(&self, n: usize) -> Vec<Received> {
        eventually(&format!("{n} events at the receiver"), DEADLINE, || {
            let got = self.received();
            let distinct: std::collections::HashSet<_> =
                got.iter().map(|r| r.webhook_id.clone()).collect();
            std::future::ready((distinct.len() >= n).then_some(got))
        })
        .await
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// A loopback address nobody listens on (yet).
async fn free_addr() -> SocketAddr {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    l.local_addr().unwrap()
}

/// Registers a hook for `url`; gives the inbox its secret and returns the hook's id.
async fn add_hook(env: &Env, ws: &str, url: &str, inbox: &Mutex<Inbox>, events: &[&str]) -> String {
    let mut args = vec![
        "hook",
        "add",
        "--workspace",
        ws,
        "--url",
        url,
        "--allow-insecure-loopback",
    ];
    let joined = events.join(",");
    if !events.is_empty() {
        args.extend(["--events", &joined]);
    }
    let hook = env.cli(&args).await;
    assert_eq!(hook["url"], url);
    let secret = hook["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"), "{hook}");
    inbox.lock().unwrap().secret = Some(seats::WebhookSecret::parse(secret).unwrap());
    hook["id"].as_str().unwrap().to_owned()
}

async fn create_user(gw: &Gateway, token: &str, name: &str) -> String {
    let body = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                      "userName": name, "active": true});
    let (status, _, body) = scim(gw, Method::POST, "/scim/v2/Users", token, Some(&body)).await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

async fn deliveries(env: &Env, ws: &str) -> Vec<Value> {
    let d = env.cli(&["hook", "deliveries", "--workspace", ws]).await;
    d["deliveries"].as_array().unwrap().clone()
}

async fn signed_events_reach_the_receiver(backend: Backend) {
    let env = Env::new(backend).await;
    let (ws, token) = env
        .workspace_with_token_args("Acme", &["--seats", "0", "--auto-charge-cap", "5"])
        .await;
    let inbox = Arc::new(Mutex::new(Inbox::default()));
    let receiver = Receiver::start("127.0.0.1:0".parse().unwrap(), inbox.clone()).await;
    let url = Receiver::url(receiver.addr);
    add_hook(&env, &ws, &url, &inbox, &[]).await;
    // A second hook, with its own receiver and secret, wants only seat charges.
    let inbox2 = Arc::new(Mutex::new(Inbox::default()));
    let receiver2 = Receiver::start("127.0.0.1:0".parse().unwrap(), inbox2.clone()).await;
    let charges_only = add_hook(
        &env,
        &ws,
        &Receiver::url(receiver2.addr),
        &inbox2,
        &["seat.charged"],
    )
    .await;
    let listed = env.cli(&["hook", "list", "--workspace", &ws]).await;
    assert_eq!(listed["hooks"].as_array().unwrap().len(), 2);
    assert!(
        !listed.to_string().contains("whsec_"),
        "secrets are shown once"
    );

    let gw = env.start_with(&FAST, &[]).await;
    let id = create_user(&gw, &token, "ann@acme.test").await;
    // user.provisioned and seat.charged to the first hook, seat.charged to the second.
    let got = receiver.wait_for(2).await;
    let provisioned = got
        .iter()
        .find(|r| r.event_type == "user.provisioned")
        .unwrap();
    assert_eq!(provisioned.data["user_id"], id.as_str());
    assert_eq!(provisioned.data["user_name"], "ann@acme.test");
    assert_eq!(provisioned.data["workspace"], "acme");
    assert_eq!(provisioned.data["seats_in_use"], 1);
    let charged = got.iter().find(|r| r.event_type == "seat.charged").unwrap();
    let got2 = receiver2.wait_for(1).await;
    assert_eq!(got2[0].event_type, "seat.charged");
    assert_eq!(
        got2[0].webhook_id, charged.webhook_id,
        "one event, one id, whichever hook gets it"
    );
    let all = eventually("three deliveries delivered", DEADLINE, || async {
        let d = deliveries(&env, &ws).await;
        (d.len() == 3 && d.iter().all(|d| d["state"] == "delivered")).then_some(d)
    })
    .await;
    let to_second: Vec<_> = all
        .iter()
        .filter(|d| d["hook_id"] == charges_only.as_str())
        .collect();
    assert_eq!(to_second.len(), 1);
    assert_eq!(to_second[0]["event_type"], "seat.charged");
    assert_eq!(to_second[0]["attempts"], 1);
    let metrics = gw.get("/metrics", None).await.text().await.unwrap();
    assert!(
        metrics.contains(r#"scimgate_hook_attempts_total{outcome="delivered"} 3"#),
        "{metrics}"
    );

    // Removing a hook stops its deliveries.
    env.cli(&["hook", "remove", "--workspace", &ws, "--id", &charges_only])
        .await;
    let listed = env.cli(&["hook", "list", "--workspace", &ws]).await;
    assert_eq!(listed["hooks"].as_array().unwrap().len(), 1);
}

async fn a_receiver_that_is_down_gets_the_event_when_it_comes_back(backend: Backend) {
    let env = Env::new(backend).await;
    let (ws, token) = env.workspace_with_token("Acme").await;
    let inbox = Arc::new(Mutex::new(Inbox::default()));
    let addr = free_addr().await;
    add_hook(
        &env,
        &ws,
        &Receiver::url(addr),
        &inbox,
        &["user.provisioned"],
    )
    .await;
    let gw = env.start_with(&FAST, &[]).await;
    create_user(&gw, &token, "ann@acme.test").await;
    let failed = eventually("a failed attempt", DEADLINE, || async {
        let d = deliveries(&env, &ws).await;
        (d[0]["attempts"].as_i64().unwrap() >= 1).then_some(d)
    })
    .await;
    assert_eq!(failed[0]["state"], "pending");
    assert!(failed[0]["last_error"].is_string(), "{failed:?}");

    let receiver = Receiver::start(addr, inbox).await;
    let got = receiver.wait_for(1).await;
    assert_eq!(got[0].event_type, "user.provisioned");
    eventually("the delivery recorded as delivered", DEADLINE, || async {
        (deliveries(&env, &ws).await[0]["state"] == "delivered").then_some(())
    })
    .await;
}

async fn failures_are_retried_then_dead_lettered_and_replayed(backend: Backend) {
    let env = Env::new(backend).await;
    let (ws, token) = env.workspace_with_token("Acme").await;
    let inbox = Arc::new(Mutex::new(Inbox::default()));
    let receiver = Receiver::start("127.0.0.1:0".parse().unwrap(), inbox.clone()).await;
    receiver.set_status(500);
    add_hook(
        &env,
        &ws,
        &Receiver::url(receiver.addr),
        &inbox,
        &["user.provisioned"],
    )
    .await;
    let mut args = FAST.to_vec();
    args.extend(["--hook-max-attempts", "3"]);
    let gw = env.start_with(&args, &[]).await;
    create_user(&gw, &token, "ann@acme.test").await;

    let dead = eventually("a dead letter", DEADLINE, || async {
        let d = deliveries(&env, &ws).await;
        (d[0]["state"] == "dead").then(|| d[0].clone())
    })
    .await;
    assert_eq!(dead["attempts"], 3);
    assert_eq!(dead["last_status"], 500);
    assert_eq!(inbox.lock().unwrap().attempts, 3, "exactly max attempts");
    let metrics = gw.get("/metrics", None).await.text().await.unwrap();
    assert!(
        metrics.contains(r#"scimgate_hook_attempts_total{outcome="retry"} 2"#)
            && metrics.contains(r#"scimgate_hook_attempts_total{outcome="dead"} 1"#),
        "{metrics}"
    );
    assert!(receiver.received().is_empty());

    // The receiver is fixed; an admin replays the dead letter with the same event id.
    receiver.set_status(200);
    let id = dead["id"].as_str().unwrap();
    env.cli(&["hook", "replay", "--workspace", &ws, "--delivery", id])
        .await;
    let got = receiver.wait_for(1).await;
    assert_eq!(got[0].webhook_id, dead["event_id"].as_str().unwrap());
    eventually("the replay recorded", DEADLINE, || async {
        (deliveries(&env, &ws).await[0]["state"] == "delivered").then_some(())
    })
    .await;
}

async fn events_pending_at_a_hard_kill_are_delivered_after_restart(backend: Backend) {
    let env = Env::new(backend).await;
    let (ws, token) = env.workspace_with_token("Acme").await;
    let inbox = Arc::new(Mutex::new(Inbox::default()));
    let addr = free_addr().await;
    add_hook(
        &env,
        &ws,
        &Receiver::url(addr),
        &inbox,
        &["user.provisioned"],
    )
    .await;
    let gw = env.start_with(&FAST, &[]).await;
    for i in 0..5 {
        create_user(&gw, &token, &format!("u{i}@acme.test")).await;
    }
    gw.kill_hard().await;
    let pending = deliveries(&env, &ws).await;
    assert_eq!(pending.len(), 5);
    assert!(
        pending.iter().all(|d| d["state"] == "pending"),
        "{pending:?}"
    );

    let receiver = Receiver::start(addr, inbox).await;
    let _gw = env.start_with(&FAST, &[]).await;
    let got = receiver.wait_for(5).await;
    assert!(got.iter().all(|r| r.event_type == "user.provisioned"));
}

async fn two_gateways_deliver_each_event_once(backend: Backend) {
    let env = Env::new(backend).await;
    let (ws, token) = env.workspace_with_token("Acme").await;
    let inbox = Arc::new(Mutex::new(Inbox::default()));
    let receiver = Receiver::start("127.0.0.1:0".parse().unwrap(), inbox.clone()).await;
    add_hook(
        &env,
        &ws,
        &Receiver::url(receiver.addr),
        &inbox,
        &["user.provisioned"],
    )
    .await;
    let gateways = [
        env.start_with(&FAST, &[]).await,
        env.start_with(&FAST, &[]).await,
    ];
    for i in 0..20 {
        create_user(&gateways[i % 2], &token, &format!("u{i}@acme.test")).await;
    }
    receiver.wait_for(20).await;
    eventually("all 20 recorded as delivered", DEADLINE, || async {
        let d = deliveries(&env, &ws).await;
        (d.len() == 20 && d.iter().all(|d| d["state"] == "delivered")).then_some(())
    })
    .await;
    let got = receiver.received();
    assert_eq!(got.len(), 20, "no event delivered twice: {got:?}");
}

crate::both_backends!(
    signed_events_reach_the_receiver,
    a_receiver_that_is_down_gets_the_event_when_it_comes_back,
    failures_are_retried_then_dead_lettered_and_replayed,
    events_pending_at_a_hard_kill_are_delivered_after_restart,
    two_gateways_deliver_each_event_once,
);
