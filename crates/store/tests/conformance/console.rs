//! The console's access storage: admin API keys (hash lookup, live-name
//! uniqueness, revocation, use tracking), the SCIM switches, and the audit log's
//! writer and filtered, paged reader, each change audited in its transaction.

use store::{
    AuditEntry, AuditFilter, Change, ScimSettings, Store, StoreError, UniqueField, Workspace,
};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

const T0: OffsetDateTime = datetime!(2026-11-23 09:00:00.5 UTC);

async fn workspace(store: &Store, id: &str) {
    store
        .create_workspace(&Workspace {
            id: id.into(),
            name: id.into(),
            created_at: T0,
        })
        .await
        .unwrap();
}

fn by<'a>(ws: &'a str, actor: &'a str, now: OffsetDateTime) -> Change<'a> {
    Change {
        workspace: ws,
        actor,
        now,
    }
}

async fn api_keys_are_hashed_named_once_and_revocable(store: Store) {
    workspace(&store, "acme").await;
    workspace(&store, "other").await;
    let change = by("acme", "admin it@acme.test", T0);
    let key = store
        .create_api_key(&change, "deploy", "hash-1")
        .await
        .unwrap();
    assert_eq!(
        (key.name.as_str(), key.created_by.as_str()),
        ("deploy", "admin it@acme.test")
    );
    assert!(matches!(
        store.create_api_key(&change, "deploy", "hash-2").await,
        Err(StoreError::Conflict(UniqueField::ApiKeyName))
    ));
    assert!(matches!(
        store
            .create_api_key(&by("nope", "cli", T0), "x", "hash-3")
            .await,
        Err(StoreError::NotFound)
    ));
    // The same name in another workspace is fine.
    store
        .create_api_key(&by("other", "cli", T0), "deploy", "hash-4")
        .await
        .unwrap();

    let used = store
        .use_api_key("hash-1", T0 + Duration::minutes(5), Duration::minutes(1))
        .await
        .unwrap();
    assert_eq!(used.map(|k| k.id), Some(key.id));
    let listed = store.api_keys("acme").await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].last_used_at, Some(T0 + Duration::minutes(5)));
    // Within the granularity the stored time does not move.
    store
        .use_api_key(
            "hash-1",
            T0 + Duration::minutes(5) + Duration::seconds(10),
            Duration::minutes(1),
        )
        .await
        .unwrap();
    assert_eq!(
        store.api_keys("acme").await.unwrap()[0].last_used_at,
        Some(T0 + Duration::minutes(5))
    );
    assert!(
        store
            .use_api_key("hash-unknown", T0, Duration::minutes(1))
            .await
            .unwrap()
            .is_none()
    );

    // Another workspace cannot revoke it; its own admin can, once; the name frees up.
    assert!(matches!(
        store.revoke_api_key(&by("other", "cli", T0), key.id).await,
        Err(StoreError::NotFound)
    ));
    let later = by("acme", "admin it@acme.test", T0 + Duration::hours(1));
    let revoked = store.revoke_api_key(&later, key.id).await.unwrap();
    assert_eq!(revoked.revoked_at, Some(T0 + Duration::hours(1)));
    assert!(matches!(
        store.revoke_api_key(&later, key.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(
        store
            .use_api_key("hash-1", T0, Duration::minutes(1))
            .await
            .unwrap()
            .is_none()
    );
    store
        .create_api_key(&later, "deploy", "hash-5")
        .await
        .unwrap();

    let log = store
        .audit_log("acme", &AuditFilter::default(), 10)
        .await
        .unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["api_key.created", "api_key.revoked", "api_key.created"]
    );
}

async fn scim_settings_default_on_and_are_audited(store: Store) {
    workspace(&store, "acme").await;
    let on = ScimSettings {
        scim_enabled: true,
        allow_bearer_tokens: true,
        allow_oauth: true,
    };
    assert_eq!(store.scim_settings("acme").await.unwrap(), on);
    assert!(matches!(
        store.scim_settings("nope").await,
        Err(StoreError::NotFound)
    ));
    let off = ScimSettings {
        scim_enabled: false,
        allow_bearer_tokens: true,
        allow_oauth: false,
    };
    store
        .set_scim_settings(&by("acme", "api key k", T0), off)
        .await
        .unwrap();
    assert_eq!(store.scim_settings("acme").await.unwrap(), off);
    assert!(matches!(
        store.set_scim_settings(&by("nope", "cli", T0), off).await,
        Err(StoreError::NotFound)
    ));
    let log = store
        .audit_log("acme", &AuditFilter::default(), 10)
        .await
        .unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].action, "settings.updated");
    assert_eq!(log[0].actor, "api key k");
    assert_eq!(
        log[0].resource_name,
        "scim off, bearer tokens on, oauth off"
    );
}

async fn the_audit_log_filters_and_pages(store: Store) {
    workspace(&store, "acme").await;
    workspace(&store, "other").await;
    let target = Uuid::now_v7();
    for i in 0..7_i64 {
        let actor = if i % 2 == 0 {
            "admin a@x.test"
        } else {
            "token okta"
        };
        let id = if i == 3 { target } else { Uuid::now_v7() };
        let name = format!("thing-{i}");
        store
            .audit(
                &by("acme", actor, T0 + Duration::minutes(i)),
                &AuditEntry {
                    action: if i < 4 {
                        "token.created"
                    } else {
                        "client.created"
                    },
                    resource_type: "token",
                    resource_id: id,
                    resource_name: &name,
                },
            )
            .await
            .unwrap();
    }
    store
        .audit(
            &by("other", "admin a@x.test", T0),
            &AuditEntry {
                action: "token.created",
                resource_type: "token",
                resource_id: Uuid::now_v7(),
                resource_name: "theirs",
            },
        )
        .await
        .unwrap();
    let names = |rows: &[store::AuditEvent]| {
        rows.iter()
            .map(|e| e.resource_name.clone())
            .collect::<Vec<_>>()
    };
    let all = store
        .audit_log("acme", &AuditFilter::default(), 100)
        .await
        .unwrap();
    assert_eq!(
        names(&all),
        [
            "thing-6", "thing-5", "thing-4", "thing-3", "thing-2", "thing-1", "thing-0"
        ]
    );
    let created = store
        .audit_log(
            "acme",
            &AuditFilter {
                action: Some("token.created".into()),
                actor: Some("admin a@x.test".into()),
                ..AuditFilter::default()
            },
            100,
        )
        .await
        .unwrap();
    assert_eq!(names(&created), ["thing-2", "thing-0"]);
    let by_id = store
        .audit_log(
            "acme",
            &AuditFilter {
                resource: Some(target.to_string()),
                ..AuditFilter::default()
            },
            100,
        )
        .await
        .unwrap();
    assert_eq!(names(&by_id), ["thing-3"]);
    let by_name = store
        .audit_log(
            "acme",
            &AuditFilter {
                resource: Some("thing-5".into()),
                ..AuditFilter::default()
            },
            100,
        )
        .await
        .unwrap();
    assert_eq!(names(&by_name), ["thing-5"]);
    let window = store
        .audit_log(
            "acme",
            &AuditFilter {
                since: Some(T0 + Duration::minutes(2)),
                until: Some(T0 + Duration::minutes(4)),
                ..AuditFilter::default()
            },
            100,
        )
        .await
        .unwrap();
    assert_eq!(names(&window), ["thing-3", "thing-2"]);
    // Pages of three by cursor cover everything once, newest first.
    let mut seen = Vec::new();
    let mut before = None;
    for _ in 0..10 {
        let page = store
            .audit_log(
                "acme",
                &AuditFilter {
                    before,
                    ..AuditFilter::default()
                },
                3,
            )
            .await
            .unwrap();
        seen.extend(names(&page));
        if page.len() < 3 {
            break;
        }
        before = page.last().map(|e| e.id);
    }
    assert_eq!(seen, names(&all));
}

crate::both_backends!(
    api_keys_are_hashed_named_once_and_revocable,
    scim_settings_default_on_and_are_audited,
    the_audit_log_filters_and_pages,
);
