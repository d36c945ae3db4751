//! Seats, the outbox and delivery claims on both databases (issue #5).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use scim::schema::ResourceKind::User;
use serde_json::json;
use store::{
    AttemptResult, Change, GuardSettings, Held, SeatSettings, Store, StoreError, Workspace,
};
use time::OffsetDateTime;
use time::macros::datetime;
use uuid::Uuid;

const T0: OffsetDateTime = datetime!(2026-11-23 09:00:00 UTC);
const LEASE: Duration = Duration::from_secs(30);

fn ch(workspace: &str) -> Change<'_> {
    Change {
        workspace,
        actor: "token okta",
        now: T0,
        idp: scim::Idp::Okta,
    }
}

async fn licensed(store: &Store, id: &str, seats: i64, cap: Option<i64>) {
    store
        .create_workspace(&Workspace {
            id: id.into(),
            name: id.into(),
            created_at: T0,
        })
        .await
        .unwrap();
    store
        .update_seat_settings(
            id,
            SeatSettings {
                seats_purchased: Some(seats),
                auto_charge: Some(cap.is_some()),
                auto_charge_cap: Some(cap),
            },
        )
        .await
        .unwrap();
}

async fn create(store: &Store, ws: &str, name: &str) -> Result<Uuid, StoreError> {
    let id = Uuid::now_v7();
    store
        .create_user(&ch(ws), id, &json!({"userName": name, "active": true}))
        .await
        .map(|_| id)
}

async fn concurrent_creates_never_oversell(store: Store) {
    licensed(&store, "acme", 10, Some(15)).await;
    let store = Arc::new(store);
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..40 {
        let store = store.clone();
        tasks.spawn(async move { create(&store, "acme", &format!("u{i}")).await });
    }
    let (mut ok, mut refused) = (0, 0);
    while let Some(r) = tasks.join_next().await {
        match r.unwrap() {
            Ok(_) => ok += 1,
            Err(StoreError::SeatLimit(l)) => {
                assert_eq!((l.in_use, l.purchased, l.cap), (15, 15, Some(15)));
                refused += 1;
            }
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!((ok, refused), (15, 25));
    let s = store.seat_status("acme").await.unwrap();
    assert_eq!((s.seats_in_use, s.seats_purchased), (15, Some(15)));
    assert_eq!(store.seat_ledger("acme").await.unwrap().len(), 5);
}

async fn a_refusal_commits_its_events_but_not_the_user(store: Store) {
    licensed(&store, "acme", 1, None).await;
    create(&store, "acme", "ann").await.unwrap();
    assert!(matches!(
        create(&store, "acme", "bob").await,
        Err(StoreError::SeatLimit(_))
    ));
    let types: Vec<String> = store
        .events_after("acme", None, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.event_type)
        .collect();
    assert_eq!(
        types,
        [
            "user.provisioned",
            "seat.limit_reached",
            "provisioning.failed"
        ]
    );
    let s = store.seat_status("acme").await.unwrap();
    assert_eq!(s.seats_in_use, 1);
    // An unlicensed workspace never refuses, and still counts its active users.
    store
        .create_workspace(&Workspace {
            id: "free".into(),
            name: "free".into(),
            created_at: T0,
        })
        .await
        .unwrap();
    for i in 0..3 {
        create(&store, "free", &format!("u{i}")).await.unwrap();
    }
    let s = store.seat_status("free").await.unwrap();
    assert_eq!((s.seats_in_use, s.seats_purchased), (3, None));
}

async fn a_rolled_back_change_emits_nothing(store: Store) {
    licensed(&store, "acme", 5, None).await;
    let id = create(&store, "acme", "ann").await.unwrap();
    let before = store.events_after("acme", None, 100).await.unwrap().len();
    // A change that fails inside the transaction (a userName taken in another case).
    create(&store, "acme", "bob").await.unwrap();
    let err = store
        .modify(User, &ch("acme"), id, None, |doc| {
            doc["userName"] = json!("BOB");
            Ok::<_, ()>(Vec::new())
        })
        .await;
    assert!(matches!(err, Err(StoreError::Conflict(_))), "{err:?}");
    let after = store.events_after("acme", None, 100).await.unwrap().len();
    assert_eq!(after, before + 1, "only bob's user.provisioned");
}

/// Concurrent dispatchers never claim one delivery twice (`skip locked` on PostgreSQL,
/// the write lock on SQLite), and a claim hides a delivery until its lease ends.
async fn concurrent_claims_never_share_a_delivery(store: Store) {
    licensed(&store, "acme", 100, None).await;
    let hook = store
        .create_hook(
            "acme",
            "https://billing.example/h",
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            &[],
            T0,
        )
        .await
        .unwrap();
    for i in 0..30 {
        create(&store, "acme", &format!("u{i}")).await.unwrap();
    }
    let store = Arc::new(store);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let store = store.clone();
        tasks.spawn(async move { store.claim_deliveries(T0, LEASE, 5).await.unwrap() });
    }
    let mut seen = HashSet::new();
    while let Some(batch) = tasks.join_next().await {
        for d in batch.unwrap() {
            assert_eq!(d.hook_id, hook.id);
            assert!(seen.insert(d.id), "delivery {} claimed twice", d.id);
        }
    }
    assert_eq!(seen.len(), 30);
    assert!(
        store
            .claim_deliveries(T0, LEASE, 50)
            .await
            .unwrap()
            .is_empty(),
        "claimed deliveries are hidden while leased"
    );
    let after_lease = T0 + LEASE;
    assert_eq!(
        store
            .claim_deliveries(after_lease, LEASE, 50)
            .await
            .unwrap()
            .len(),
        30,
        "an expired lease makes them due again"
    );
}

async fn attempts_are_recorded_dead_lettered_and_replayed(store: Store) {
    licensed(&store, "acme", 5, None).await;
    store
        .create_hook(
            "acme",
            "https://billing.example/h",
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            &[seats::EventType::UserProvisioned],
            T0,
        )
        .await
        .unwrap();
    create(&store, "acme", "ann").await.unwrap();
    let d = store
        .claim_deliveries(T0, LEASE, 10)
        .await
        .unwrap()
        .remove(0);
    let retry_at = T0 + time::Duration::seconds(5);
    let failed = AttemptResult {
        status: Some(500),
        error: Some("the receiver answered 500"),
        retry_at: Some(retry_at),
    };
    store.record_attempt(d.id, T0, &failed).await.unwrap();
    assert!(
        store
            .claim_deliveries(T0, LEASE, 10)
            .await
            .unwrap()
            .is_empty(),
        "not due before its retry time"
    );
    let again = store.claim_deliveries(retry_at, LEASE, 10).await.unwrap();
    assert_eq!((again.len(), again[0].attempts), (1, 1));
    let dead = AttemptResult {
        retry_at: None,
        ..failed
    };
    store.record_attempt(d.id, retry_at, &dead).await.unwrap();
    let listed = store.deliveries("acme", 10).await.unwrap();
    assert_eq!(
        (listed[0].state.as_str(), listed[0].attempts),
        (store::DEAD, 2)
    );
    assert_eq!(listed[0].last_status, Some(500));

    store.replay_delivery("acme", d.id, retry_at).await.unwrap();
    let replayed = store.claim_deliveries(retry_at, LEASE, 10).await.unwrap();
    assert_eq!(replayed[0].event_id, d.event_id, "same idempotency id");
    assert_eq!(replayed[0].attempts, 0);
    let ok = AttemptResult {
        status: Some(204),
        error: None,
        retry_at: None,
    };
    store.record_attempt(d.id, retry_at, &ok).await.unwrap();
    let listed = store.deliveries("acme", 10).await.unwrap();
    assert_eq!(listed[0].state, store::DELIVERED);
    assert!(matches!(
        store.replay_delivery("other", d.id, T0).await,
        Err(StoreError::NotFound)
    ));
}

/// Concurrent deactivations are counted one after another under the workspace row's
/// lock: exactly as many pass as the safeguard allows, never one more.
async fn concurrent_deprovisions_never_pass_the_safeguard(store: Store) {
    licensed(&store, "acme", 20, None).await;
    store
        .update_guard(
            "acme",
            GuardSettings {
                share_percent: Some(20),
                min_users: Some(3),
                window_seconds: Some(3600),
            },
        )
        .await
        .unwrap();
    let mut ids = Vec::new();
    for i in 0..20 {
        ids.push(create(&store, "acme", &format!("u{i}")).await.unwrap());
    }
    let store = Arc::new(store);
    let mut tasks = tokio::task::JoinSet::new();
    for id in ids.into_iter().take(10) {
        let store = store.clone();
        tasks.spawn(async move {
            store
                .modify(User, &ch("acme"), id, None, |doc| {
                    doc["active"] = json!(false);
                    Ok::<_, ()>(Vec::new())
                })
                .await
        });
    }
    let (mut passed, mut held) = (0, 0);
    while let Some(r) = tasks.join_next().await {
        match r.unwrap() {
            Ok(Ok(_)) => passed += 1,
            Err(StoreError::DeprovisioningHeld(Held::Paused)) => held += 1,
            other => panic!("{other:?}"),
        }
    }
    // 20 % of 20 is 4: the fifth trips the safeguard, the rest wait with it.
    assert_eq!((passed, held), (4, 6));
    let g = store.guard_status("acme").await.unwrap();
    assert_eq!(g.guard_state.as_deref(), Some(store::GUARD_PAUSED));
    assert_eq!(g.seats_in_use, 16);
    let pause_events = store
        .events_after("acme", None, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.event_type == "provisioning.paused")
        .count();
    assert_eq!(pause_events, 1);
}

crate::both_backends!(
    concurrent_deprovisions_never_pass_the_safeguard,
    concurrent_creates_never_oversell,
    a_refusal_commits_its_events_but_not_the_user,
    a_rolled_back_change_emits_nothing,
    concurrent_claims_never_share_a_delivery,
    attempts_are_recorded_dead_lettered_and_replayed,
);
