//! Admins, sessions, clients, codes, grants and refresh tokens.

use store::{NewClient, NewCode, Redemption, Refresh, Store, StoreError, UniqueField, Workspace};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

const T0: OffsetDateTime = datetime!(2026-11-23 09:00:00.5 UTC);
const IDLE: Duration = Duration::days(180);

async fn setup(store: &Store) -> Uuid {
    store
        .create_workspace(&Workspace {
            id: "acme".into(),
            name: "Acme".into(),
            created_at: T0,
        })
        .await
        .unwrap();
    let uris = vec!["https://system-admin.okta.com/admin/app/cpc/acme/oauth/callback".to_owned()];
    store
        .create_client(&NewClient {
            client_id: "sgci_a",
            workspace_id: Some("acme"),
            name: "Okta",
            secret_hash: "h-secret",
            require_pkce: false,
            redirect_uris: &uris,
            now: T0,
        })
        .await
        .unwrap()
        .id
}

async fn code(store: &Store, client: Uuid, hash: &str) {
    store
        .create_code(&NewCode {
            code_hash: hash,
            client,
            workspace_id: "acme",
            approved_by: "it@acme.test",
            redirect_uri: "https://system-admin.okta.com/admin/app/cpc/acme/oauth/callback",
            redirect_uri_sent: true,
            scope: "scim",
            code_challenge: None,
            issued_at: T0,
        })
        .await
        .unwrap();
}

async fn issued(store: &Store, client: Uuid, code_hash: &str, refresh: &str) -> Uuid {
    code(store, client, code_hash).await;
    match store.redeem_code(code_hash, refresh, T0).await.unwrap() {
        Redemption::Issued(g) => g.id,
        Redemption::Replayed => panic!("fresh code replayed"),
    }
}

pub async fn admins_and_sessions(store: Store) {
    setup(&store).await;
    let admin = store
        .create_admin("acme", "it@acme.test", "$argon2id$x", T0)
        .await
        .unwrap();
    assert!(matches!(
        store
            .create_admin("acme", "it@acme.test", "$argon2id$y", T0)
            .await,
        Err(StoreError::Conflict(UniqueField::AdminEmail))
    ));
    assert!(matches!(
        store.create_admin("nope", "x@acme.test", "h", T0).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(store.record_failed_login(admin.id).await.unwrap(), 1);
    assert_eq!(store.record_failed_login(admin.id).await.unwrap(), 2);
    store
        .lock_admin(admin.id, T0 + Duration::minutes(1))
        .await
        .unwrap();
    let locked = store.admin_by_email("it@acme.test").await.unwrap().unwrap();
    assert_eq!(locked.failed_logins, 2);
    assert_eq!(locked.locked_until, Some(T0 + Duration::minutes(1)));

    store
        .create_session(admin.id, "s1", T0, T0 + Duration::hours(8))
        .await
        .unwrap();
    let reset = store.admin_by_email("it@acme.test").await.unwrap().unwrap();
    assert_eq!((reset.failed_logins, reset.locked_until), (0, None));
    let s = store.session("s1", T0).await.unwrap().unwrap();
    assert_eq!(
        (s.workspace_id.as_str(), s.email.as_str()),
        ("acme", "it@acme.test")
    );
    assert!(
        store
            .session("s1", T0 + Duration::hours(8))
            .await
            .unwrap()
            .is_none()
    );
    store.delete_session("s1").await.unwrap();
    assert!(store.session("s1", T0).await.unwrap().is_none());
}

pub async fn consent_tickets_are_single_use_and_session_bound(store: Store) {
    let client = setup(&store).await;
    let admin = store
        .create_admin("acme", "it@acme.test", "h", T0)
        .await
        .unwrap();
    for s in ["s1", "s2"] {
        store
            .create_session(admin.id, s, T0, T0 + Duration::hours(1))
            .await
            .unwrap();
    }
    store
        .create_consent("t1", "s1", client, "{}", T0 + Duration::minutes(10))
        .await
        .unwrap();
    assert_eq!(store.take_consent("t1", "s2", T0).await.unwrap(), None);
    assert_eq!(
        store.take_consent("t1", "s1", T0).await.unwrap(),
        Some((client, "{}".to_owned()))
    );
    assert_eq!(store.take_consent("t1", "s1", T0).await.unwrap(), None);
    store
        .create_consent("t2", "s1", client, "{}", T0 + Duration::minutes(10))
        .await
        .unwrap();
    assert_eq!(
        store
            .take_consent("t2", "s1", T0 + Duration::minutes(10))
            .await
            .unwrap(),
        None,
        "expired"
    );
}

pub async fn code_replay_revokes_the_grant(store: Store) {
    let client = setup(&store).await;
    let grant = issued(&store, client, "c1", "r1").await;
    let g = store.grant(grant).await.unwrap().unwrap();
    assert_eq!(
        (g.workspace_id.as_str(), g.approved_by.as_deref()),
        ("acme", Some("it@acme.test"))
    );
    assert_eq!(g.revoked_at, None);
    assert_eq!(
        store.redeem_code("c1", "r2", T0).await.unwrap(),
        Redemption::Replayed
    );
    let g = store.grant(grant).await.unwrap().unwrap();
    assert_eq!(
        g.revoked_reason.as_deref(),
        Some("authorization code replayed")
    );
    assert_eq!(
        store.refresh("r1", client, "r3", T0, IDLE).await.unwrap(),
        Refresh::Revoked
    );
}

pub async fn concurrent_redemptions_issue_once(store: Store) {
    let client = setup(&store).await;
    code(&store, client, "c1").await;
    let (a, b) = tokio::join!(
        store.redeem_code("c1", "ra", T0),
        store.redeem_code("c1", "rb", T0)
    );
    let issued = [a.unwrap(), b.unwrap()]
        .iter()
        .filter(|r| matches!(r, Redemption::Issued(_)))
        .count();
    assert_eq!(issued, 1);
}

pub async fn refresh_retires_on_successor_use(store: Store) {
    let client = setup(&store).await;
    issued(&store, client, "c1", "r1").await;
    let rotated = |r: Refresh| assert!(matches!(r, Refresh::Rotated(_)), "{r:?}");
    // (a) r1 → r2; (b) r1 again before r2 is used still works (a lost response).
    rotated(store.refresh("r1", client, "r2", T0, IDLE).await.unwrap());
    rotated(store.refresh("r1", client, "r2b", T0, IDLE).await.unwrap());
    // Using the successor retires r1 ...
    rotated(store.refresh("r2", client, "r3", T0, IDLE).await.unwrap());
    // (c) ... so r1 now is reuse: the grant dies, r3 with it.
    assert_eq!(
        store.refresh("r1", client, "r4", T0, IDLE).await.unwrap(),
        Refresh::Reused
    );
    assert_eq!(
        store.refresh("r3", client, "r5", T0, IDLE).await.unwrap(),
        Refresh::Revoked
    );
}

pub async fn refresh_is_bound_to_client_and_expires_when_idle(store: Store) {
    let client = setup(&store).await;
    let other = store
        .create_client(&NewClient {
            client_id: "sgci_b",
            workspace_id: Some("acme"),
            name: "Other",
            secret_hash: "h2",
            require_pkce: false,
            redirect_uris: &[],
            now: T0,
        })
        .await
        .unwrap()
        .id;
    let grant = issued(&store, client, "c1", "r1").await;
    assert_eq!(
        store.refresh("r1", other, "x", T0, IDLE).await.unwrap(),
        Refresh::Unknown
    );
    assert_eq!(
        store.refresh("nope", client, "x", T0, IDLE).await.unwrap(),
        Refresh::Unknown
    );
    assert_eq!(
        store
            .refresh("r1", client, "x", T0 + IDLE, IDLE)
            .await
            .unwrap(),
        Refresh::Expired
    );
    assert_eq!(store.refresh_token_grant("r1", other).await.unwrap(), None);
    assert_eq!(
        store.refresh_token_grant("r1", client).await.unwrap(),
        Some(grant)
    );
    assert!(
        !store
            .revoke_grant(grant, Some(other), "revoked", T0)
            .await
            .unwrap()
    );
    assert!(
        store
            .revoke_grant(grant, Some(client), "revoked", T0)
            .await
            .unwrap()
    );
    assert!(!store.revoke_grant(grant, None, "again", T0).await.unwrap());
}

pub async fn clients_rotate_and_delete_with_their_grants(store: Store) {
    let client = setup(&store).await;
    let grant = issued(&store, client, "c1", "r1").await;
    store
        .rotate_client_secret("sgci_a", "h-new", T0 + Duration::hours(24))
        .await
        .unwrap();
    let c = store.client("sgci_a").await.unwrap().unwrap();
    assert_eq!(c.secret_hash, "h-new");
    assert_eq!(c.previous_secret_hash.as_deref(), Some("h-secret"));
    store
        .set_redirect_uri("sgci_a", "https://h/cb?x=1", true, T0)
        .await
        .unwrap();
    assert_eq!(
        store
            .client("sgci_a")
            .await
            .unwrap()
            .unwrap()
            .redirect_uris
            .len(),
        2
    );
    assert!(matches!(
        store
            .set_redirect_uri("sgci_a", "https://nope", false, T0)
            .await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(store.clients(Some("acme")).await.unwrap().len(), 1);
    assert!(store.clients(None).await.unwrap().is_empty());
    let cc = store
        .client_credentials_grant(client, "acme", "scim", T0)
        .await
        .unwrap();
    assert_eq!(
        store
            .client_credentials_grant(client, "acme", "scim", T0)
            .await
            .unwrap()
            .id,
        cc.id,
        "one live client_credentials grant per client"
    );
    store.delete_client("sgci_a").await.unwrap();
    assert!(store.grant(grant).await.unwrap().is_none());
    assert!(store.grant(cc.id).await.unwrap().is_none());
    assert!(matches!(
        store.delete_client("sgci_a").await,
        Err(StoreError::NotFound)
    ));
}

pub async fn first_jwt_key_is_shared(store: Store) {
    let a = store.jwt_keys("secret-a", T0).await.unwrap();
    let b = store.jwt_keys("secret-b", T0).await.unwrap();
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].kid, "initial");
    assert_eq!(
        b[0].secret, "secret-a",
        "the second replica reads the first one's key"
    );
}

crate::both_backends!(
    admins_and_sessions,
    consent_tickets_are_single_use_and_session_bound,
    code_replay_revokes_the_grant,
    concurrent_redemptions_issue_once,
    refresh_retires_on_successor_use,
    refresh_is_bound_to_client_and_expires_when_idle,
    clients_rotate_and_delete_with_their_grants,
    first_jwt_key_is_shared,
);
