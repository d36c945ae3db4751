//! SCIM Users and Groups: canonical documents plus the derived columns that make
//! the IdPs' lookups index lookups.

use std::collections::HashMap;

use scim::filter::{Checked, CheckedExpr, CompareOp, Filter, TypedValue};
use scim::schema::ResourceKind;
use seats::EventType;
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::direct;
use crate::guard::guard_deprovision;
use crate::outbox::{emit, group_data, merge, user_data};
use crate::roles::role_map_in;
use crate::seats::{claim_seat, release_seat, settle_claim};
use crate::ts::Ts;
use crate::tx::{Arg, args, in_tx};
use crate::{Store, StoreError, UniqueField, chunks, on_pool, placeholders};

/// Binds the workspace and the clause's values, in order.
macro_rules! bind_all {
    ($query:expr, $ws:expr, $binds:expr) => {{
        let mut q = $query.bind($ws);
        for b in $binds {
            q = match b {
                Bind::Text(s) => q.bind(s.as_str()),
                Bind::Bool(v) => q.bind(*v),
                Bind::Uuid(u) => q.bind(*u),
            };
        }
        q
    }};
}
#[cfg(feature = "testing")]
pub(crate) use bind_all;

/// Most members per statement of a membership change ([`chunks`]).
const MEMBER_CHUNK: usize = 256;

/// Applies one membership change inside the open transaction `$tx`, many members per
/// statement (a 10,000-member PATCH is a few statements, not 20,000); evaluates to
/// `Result<bool, StoreError>`, true if any row changed.
/// Members must be users of the workspace (`UnknownMembers` otherwise, in the
/// order sent). A macro because the transaction's type differs per backend.
macro_rules! member_change {
    ($tx:ident, $ws:expr, $group:expr, $change:expr, $now:expr) => {
        async {
            let (adds, removes, clear): (Vec<Uuid>, Vec<Uuid>, bool) = match $change {
                MemberChange::Add(users) => (users.clone(), Vec::new(), false),
                MemberChange::Remove(users) => (Vec::new(), users.clone(), false),
                MemberChange::RemoveAll => (Vec::new(), Vec::new(), true),
                MemberChange::Replace(wanted) => {
                    let current: Vec<(Uuid,)> = $tx
                        .rows(
                            "select user_id from group_members where group_id = $1",
                            args![$group],
                        )
                        .await?;
                    let current: std::collections::HashSet<Uuid> =
                        current.into_iter().map(|(u,)| u).collect();
                    let wanted_set: std::collections::HashSet<Uuid> =
                        wanted.iter().copied().collect();
                    let new = wanted
                        .iter()
                        .filter(|u| !current.contains(u))
                        .copied()
                        .collect();
                    (
                        new,
                        current.difference(&wanted_set).copied().collect(),
                        false,
                    )
                }
            };
            let mut changed = false;
            if clear {
                let n = $tx
                    .exec(
                        "delete from group_members where group_id = $1",
                        args![$group],
                    )
                    .await?;
                changed |= n > 0;
            }
            changed |= $tx.remove_members($group, &removes).await? > 0;
            let mut seen = std::collections::HashSet::new();
            let adds: Vec<Uuid> = adds.into_iter().filter(|u| seen.insert(*u)).collect();
            let known: std::collections::HashSet<Uuid> =
                $tx.known_users($ws, &adds).await?.into_iter().collect();
            let unknown: Vec<String> = adds
                .iter()
                .filter(|u| !known.contains(*u))
                .map(Uuid::to_string)
                .collect();
            if !unknown.is_empty() {
                return Err(StoreError::UnknownMembers(unknown));
            }
            changed |= $tx.add_members($group, &adds, $now).await? > 0;
            Ok::<bool, StoreError>(changed)
        }
        .await
    };
}

// Membership rows by the set. The dialects differ on purpose: PostgreSQL takes the
// whole set as one array parameter (`= any($2)`, `unnest`), one statement with one
// plan whatever the set's size; SQLite has no array type, so it gets `in (…)` lists
// and multi-row inserts in chunks ([`chunks`]).
impl crate::writer::DirectTx<'_> {
    async fn remove_members(&mut self, group: Uuid, users: &[Uuid]) -> Result<u64, StoreError> {
        let mut n = 0;
        for chunk in chunks(users, MEMBER_CHUNK) {
            let sql = format!(
                "delete from group_members where group_id = $1 and user_id in ({})",
                placeholders(2, chunk.len())
            );
            let mut binds = args![group];
            binds.extend(chunk.iter().copied().map(Arg::from));
            n += self.exec(&sql, binds).await?;
        }
        Ok(n)
    }

    async fn known_users(&mut self, ws: &str, users: &[Uuid]) -> Result<Vec<Uuid>, StoreError> {
        let mut known = Vec::new();
        for chunk in chunks(users, MEMBER_CHUNK) {
            let sql = format!(
                "select id from users where workspace_id = $1 and id in ({})",
                placeholders(2, chunk.len())
            );
            let mut binds = args![ws];
            binds.extend(chunk.iter().copied().map(Arg::from));
            let rows: Vec<(Uuid,)> = self.rows(&sql, binds).await?;
            known.extend(rows.into_iter().map(|(u,)| u));
        }
        Ok(known)
    }

    async fn add_members(
        &mut self,
        group: Uuid,
        users: &[Uuid],
        now: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        let mut n = 0;
        for chunk in chunks(users, MEMBER_CHUNK) {
            let rows = (0..chunk.len())
                .map(|i| format!("($1, ${}, $2)", i + 3))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "insert into group_members (group_id, user_id, created_at) values {rows} on conflict do nothing"
            );
            let mut binds = args![group, Ts(now)];
            binds.extend(chunk.iter().copied().map(Arg::from));
            n += self.exec(&sql, binds).await?;
        }
        Ok(n)
    }
}

impl crate::tx::Tx<'_, sqlx::Postgres> {
    async fn remove_members(&mut self, group: Uuid, users: &[Uuid]) -> Result<u64, sqlx::Error> {
        if users.is_empty() {
            return Ok(0);
        }
        let r = sqlx::query("delete from group_members where group_id = $1 and user_id = any($2)")
            .bind(group)
            .bind(users)
            .execute(&mut **self)
            .await?;
        Ok(r.rows_affected())
    }

    async fn known_users(&mut self, ws: &str, users: &[Uuid]) -> Result<Vec<Uuid>, sqlx::Error> {
        if users.is_empty() {
            return Ok(Vec::new());
        }
        sqlx::query_scalar("select id from users where workspace_id = $1 and id = any($2)")
            .bind(ws)
            .bind(users)
            .fetch_all(&mut **self)
            .await
    }

    async fn add_members(
        &mut self,
        group: Uuid,
        users: &[Uuid],
        now: OffsetDateTime,
    ) -> Result<u64, sqlx::Error> {
        if users.is_empty() {
            return Ok(0);
        }
        let r = sqlx::query(
            "insert into group_members (group_id, user_id, created_at) \
             select $1, u, $3 from unnest($2::uuid[]) as u on conflict do nothing",
        )
        .bind(group)
        .bind(users)
        .bind(Ts(now))
        .execute(&mut **self)
        .await?;
        Ok(r.rows_affected())
    }
}

/// Who changes what, when: the workspace, the credential acting (for the audit
/// trail, e.g. `token okta`) and the request's time.
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    pub workspace: &'a str,
    pub actor: &'a str,
    pub now: OffsetDateTime,
    /// The IdP that sent the change (`User-Agent`); recorded as a new user's source.
    pub idp: scim::Idp,
}

/// One line of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditEvent {
    pub id: Uuid,
    pub occurred_at: OffsetDateTime,
    pub actor: String,
    /// `user.provisioned`, `user.updated`, `user.deactivated`, `user.reactivated`,
    /// `user.deleted`, `group.created`, `group.updated`, `group.deleted`.
    pub action: String,
    pub resource_type: String,
    pub resource_id: Uuid,
    /// The `userName` or `displayName` at the time.
    pub resource_name: String,
}

/// Writes a user's lowercased email values inside the open transaction `$tx`.
macro_rules! write_emails {
    ($tx:ident, $ws:expr, $user:expr, $emails:expr) => {
        for email in $emails {
            $tx.later(
                "insert into user_emails (user_id, workspace_id, value_norm) values ($1, $2, $3)",
                $crate::tx::args![$user, $ws, email],
            );
        }
    };
}

/// Writes one audit row with the open transaction `$tx` (deferred, [`crate::tx::Tx::later`]).
macro_rules! audit {
    ($tx:ident, $change:expr, $action:expr, $kind:expr, $id:expr, $name:expr) => {
        $tx.later(
            "insert into audit_events (id, workspace_id, occurred_at, actor, action, resource_type, resource_id, \
             resource_name) values ($1, $2, $3, $4, $5, $6, $7, $8)",
            $crate::tx::args![
                Uuid::now_v7(),
                $change.workspace,
                Ts($change.now),
                $change.actor,
                $action,
                $kind,
                $id,
                $name
            ],
        )
    };
}
pub(crate) use audit;

/// The audit action of a modification: (de)activation is its own event because
/// seats and the vendor's billing follow it.
fn modify_action(kind: ResourceKind, before: &Value, after: &Value) -> EventType {
    let active = |d: &Value| d.get("active").and_then(Value::as_bool).unwrap_or(true);
    match kind {
        ResourceKind::User => match (active(before), active(after)) {
            (true, false) => EventType::UserDeactivated,
            (false, true) => EventType::UserReactivated,
            _ => EventType::UserUpdated,
        },
        ResourceKind::Group => EventType::GroupUpdated,
    }
}

/// A stored User or Group.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceRow {
    pub id: Uuid,
    /// The canonical document (no `id`, `meta`, `groups`, `members`, `password`).
    pub doc: Value,
    /// Incremented on every change; the `ETag` is built from it.
    pub version: i64,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// What each resource of a page is related to ([`Store::related`]), by its id.
pub type Related = HashMap<Uuid, Vec<(Uuid, String)>>;

/// The two sides of `group_members` as seen from a resource of one kind: its own
/// column (`of`), and the related table, its name column and its column in
/// `group_members` (`to`).
struct Sides {
    of: &'static str,
    other: &'static str,
    name: &'static str,
    to: &'static str,
}

impl Sides {
    fn of(kind: ResourceKind) -> Self {
        match kind {
            ResourceKind::Group => Self {
                of: "group_id",
                other: "users",
                name: "user_name",
                to: "user_id",
            },
            ResourceKind::User => Self {
                of: "user_id",
                other: "groups",
                name: "display_name",
                to: "group_id",
            },
        }
    }
}

/// A page's row with its related resources as JSON ([`Store::related_column`]).
#[derive(sqlx::FromRow)]
struct RawRelated {
    #[sqlx(flatten)]
    row: RawRow,
    related: String,
}

impl RawRelated {
    /// The same row, from [`crate::direct`].
    fn read(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            row: RawRow {
                id: row.get("id")?,
                doc: row.get("doc")?,
                version: row.get("version")?,
                created_at: direct::time(row, "created_at")?,
                updated_at: direct::time(row, "updated_at")?,
            },
            related: row.get("related")?,
        })
    }
}

/// The `[[id, name], …]` of [`Store::related_column`].
fn related_list(json: &str) -> Result<Vec<(Uuid, String)>, StoreError> {
    let bad = |e: &dyn std::fmt::Display| StoreError::Internal(format!("related resources: {e}"));
    let pairs: Vec<(String, String)> = serde_json::from_str(json).map_err(|e| bad(&e))?;
    pairs
        .into_iter()
        .map(|(id, name)| Ok((Uuid::parse_str(&id).map_err(|e| bad(&e))?, name)))
        .collect()
}

#[derive(sqlx::FromRow)]
struct RawRow {
    id: Uuid,
    doc: String,
    version: i64,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

impl direct::Decode for RawRow {
    fn decode(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get("id")?,
            doc: row.get("doc")?,
            version: row.get("version")?,
            created_at: direct::time(row, "created_at")?,
            updated_at: direct::time(row, "updated_at")?,
        })
    }
}

impl TryFrom<RawRow> for ResourceRow {
    type Error = StoreError;
    fn try_from(r: RawRow) -> Result<Self, StoreError> {
        let doc = serde_json::from_str(&r.doc)
            .map_err(|e| StoreError::Internal(format!("stored document: {e}")))?;
        Ok(Self {
            id: r.id,
            doc,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

/// One page of a list query.
#[derive(Debug, Clone)]
pub struct Page {
    /// Matches in all, across pages.
    pub total: u64,
    pub rows: Vec<ResourceRow>,
}

/// What to list: an optional checked filter and a 1-based window.
#[derive(Debug, Clone, Copy)]
pub struct ListQuery<'a> {
    pub filter: Option<&'a Filter<Checked>>,
    /// 1-based index of the first result (RFC 7644 §3.4.2.4).
    pub start_index: u64,
    pub count: u64,
    /// `sortBy`/`sortOrder`; without it the order is by id (creation order).
    pub sort: Option<&'a scim::sort::Sort>,
}

/// A change to a group's membership, applied row by row inside the write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberChange {
    Add(Vec<Uuid>),
    Remove(Vec<Uuid>),
    RemoveAll,
    /// Membership becomes exactly this set; only the difference is written.
    Replace(Vec<Uuid>),
}

/// The derived columns of a user document.
struct UserColumns {
    user_name: String,
    user_name_norm: String,
    external_id: Option<String>,
    display_name_norm: Option<String>,
    active: bool,
    emails_norm: Vec<String>,
}

fn str_at<'a>(doc: &'a Value, key: &str) -> Option<&'a str> {
    doc.get(key).and_then(Value::as_str)
}

impl UserColumns {
    fn of(doc: &Value) -> Result<Self, StoreError> {
        let user_name = str_at(doc, "userName")
            .ok_or_else(|| StoreError::Internal("user document without userName".into()))?
            .to_owned();
        let mut emails_norm: Vec<String> = doc
            .get("emails")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|e| e.get("value").and_then(Value::as_str))
            .map(str::to_lowercase)
            .collect();
        emails_norm.sort();
        emails_norm.dedup();
        Ok(Self {
            user_name_norm: user_name.to_lowercase(),
            user_name,
            external_id: str_at(doc, "externalId").map(str::to_owned),
            display_name_norm: str_at(doc, "displayName").map(str::to_lowercase),
            // RFC 7643 §4.1.1: absent `active` is not "inactive"; the resource layer defaults it.
            active: doc.get("active").and_then(Value::as_bool).unwrap_or(true),
            emails_norm,
        })
    }
}

/// The derived columns of a group document.
struct GroupColumns {
    display_name: String,
    display_name_norm: String,
    external_id: Option<String>,
}

impl GroupColumns {
    fn of(doc: &Value) -> Result<Self, StoreError> {
        let display_name = str_at(doc, "displayName")
            .ok_or_else(|| StoreError::Internal("group document without displayName".into()))?
            .to_owned();
        Ok(Self {
            display_name_norm: display_name.to_lowercase(),
            display_name,
            external_id: str_at(doc, "externalId").map(str::to_owned),
        })
    }
}

fn doc_text(doc: &Value) -> Result<String, StoreError> {
    serde_json::to_string(doc).map_err(|e| StoreError::Internal(e.to_string()))
}

const COLUMNS: &str = "id, doc, version, created_at, updated_at";

impl Store {
    /// Creates a user. `Conflict(UserName)` when the `userName` exists in the
    /// workspace in any case (RFC 7643 §4.1.1: userName is not case-exact).
    #[tracing::instrument(level = "debug", skip_all, fields(workspace.id = %change.workspace))]
    pub async fn create_user(
        &self,
        change: &Change<'_>,
        id: Uuid,
        doc: &Value,
    ) -> Result<ResourceRow, StoreError> {
        let (ws, now) = (change.workspace, change.now);
        let c = UserColumns::of(doc)?;
        let text = doc_text(doc)?;
        in_tx!(direct self, tx => 'body: {
            // The seat first: a refusal commits only its own events, no user.
            let role = role_map_in!(tx, ws)?.app_role_of(doc);
            let mut data = user_data(id, &c.user_name, c.active, role.as_deref());
            if c.active {
                let claim = claim_seat!(self, tx, ws)?;
                match settle_claim!(tx, change, claim, id, &c.user_name, "create") {
                    Ok(seats) => merge(&mut data, seats.json()),
                    Err(limit) => break 'body Err(StoreError::SeatLimit(limit)),
                }
            }
            audit!(tx, change, "user.provisioned", ResourceKind::User.name(), id, &c.user_name);
            emit!(tx, change, EventType::UserProvisioned, data);
            tx.exec_unique(
                "insert into users (id, workspace_id, user_name, user_name_norm, external_id, display_name_norm, \
                 active, doc, version, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9)",
                args![id, ws, &c.user_name, &c.user_name_norm, &c.external_id, &c.display_name_norm, c.active, &text, Ts(now)],
                UniqueField::UserName,
            )
            .await?;
            tx.later("insert into user_sources (user_id, idp) values ($1, $2)", args![id, change.idp.as_str()]);
            tx.later(count_change(ResourceKind::User, 1), args![ws]);
            write_emails!(tx, ws, id, &c.emails_norm);
            Ok(())
        })?;
        Ok(ResourceRow {
            id,
            doc: doc.clone(),
            version: 1,
            created_at: now,
            updated_at: now,
        })
    }

    /// One resource of the workspace. `NotFound` for another workspace's id.
    pub async fn resource(
        &self,
        kind: ResourceKind,
        ws: &str,
        id: Uuid,
    ) -> Result<ResourceRow, StoreError> {
        Ok(self.resource_related(kind, ws, id, false).await?.0)
    }

    /// [`Store::resource`], and with `related` its [`Store::related`] (an entry for
    /// it only when it has any), read by the same statement as a page's.
    pub async fn resource_related(
        &self,
        kind: ResourceKind,
        ws: &str,
        id: Uuid,
        related: bool,
    ) -> Result<(ResourceRow, Option<Related>), StoreError> {
        let mut clause = Where::new(kind);
        clause.id(id);
        let (mut rows, related) = self.page(kind, &clause, ws, 0, 1, related).await?;
        let row = rows.pop().ok_or(StoreError::NotFound)?;
        Ok((row, related))
    }

    /// Reads a resource, lets `change` edit its document (and, for groups, say how
    /// membership changes), and writes the result, all in one transaction: two
    /// concurrent modifications of one resource serialise instead of losing one.
    /// `if_match`: the version the client last saw (`VersionMismatch` if stale).
    /// The version only moves when the document or membership really changed.
    #[tracing::instrument(level = "debug", skip_all, fields(workspace.id = %who.workspace, resource.id = %id))]
    pub async fn modify<E>(
        &self,
        kind: ResourceKind,
        who: &Change<'_>,
        id: Uuid,
        if_match: Option<i64>,
        change: impl FnOnce(&mut Value) -> Result<Vec<MemberChange>, E>,
    ) -> Result<Result<ResourceRow, E>, StoreError> {
        let (ws, now) = (who.workspace, who.now);
        let lock = match self {
            // PostgreSQL: lock the row for the transaction. SQLite's BEGIN IMMEDIATE
            // already holds the database's write lock.
            Self::Postgres(_) => " for update",
            Self::Sqlite(_) => "",
        };
        let select = format!(
            "select {COLUMNS} from {} where workspace_id = $1 and id = $2{lock}",
            table(kind)
        );
        in_tx!(direct self, tx => 'body: {
            let raw: RawRow = tx.one(&select, args![ws, id]).await?;
            let before: ResourceRow = raw.try_into()?;
            if if_match.is_some_and(|v| v != before.version) {
                return Err(StoreError::VersionMismatch);
            }
            let mut doc = before.doc.clone();
            let members = match change(&mut doc) {
                Ok(m) => m,
                Err(e) => return Ok(Err(e)),
            };
            let mut changed = doc != before.doc;
            for m in &members {
                changed |= member_change!(tx, ws, id, m, now)?;
            }
            if !changed {
                return Ok(Ok(before));
            }
            let version = before.version + 1;
            let text = doc_text(&doc)?;
            let action = modify_action(kind, &before.doc, &doc);
            match kind {
                ResourceKind::User => {
                    let c = UserColumns::of(&doc)?;
                    let role = role_map_in!(tx, ws)?.app_role_of(&doc);
                    let mut data = user_data(id, &c.user_name, c.active, role.as_deref());
                    match action {
                        EventType::UserReactivated => {
                            let claim = claim_seat!(self, tx, ws)?;
                            match settle_claim!(tx, who, claim, id, &c.user_name, "reactivate") {
                                Ok(seats) => merge(&mut data, seats.json()),
                                Err(limit) => break 'body Err(StoreError::SeatLimit(limit)),
                            }
                        }
                        EventType::UserDeactivated => {
                            if let Some(held) = guard_deprovision!(self, tx, who, id)? {
                                break 'body Err(StoreError::DeprovisioningHeld(held));
                            }
                            if let Some(seats) = release_seat!(tx, ws) {
                                merge(&mut data, seats.json());
                            }
                        }
                        _ => {}
                    }
                    audit!(tx, who, action.as_str(), kind.name(), id, &c.user_name);
                    emit!(tx, who, action, data);
                    tx.exec_unique(
                        "update users set user_name = $3, user_name_norm = $4, external_id = $5, display_name_norm = $6, \
                         active = $7, doc = $8, version = $9, updated_at = $10 where workspace_id = $1 and id = $2",
                        args![ws, id, &c.user_name, &c.user_name_norm, &c.external_id, &c.display_name_norm, c.active,
                              &text, version, Ts(now)],
                        UniqueField::UserName,
                    )
                    .await?;
                    tx.later("delete from user_emails where user_id = $1", args![id]);
                    write_emails!(tx, ws, id, &c.emails_norm);
                }
                ResourceKind::Group => {
                    let c = GroupColumns::of(&doc)?;
                    audit!(tx, who, action.as_str(), kind.name(), id, &c.display_name);
                    emit!(tx, who, action, group_data(id, &c.display_name));
                    tx.exec_unique(
                        "update groups set display_name = $3, display_name_norm = $4, external_id = $5, doc = $6, \
                         version = $7, updated_at = $8 where workspace_id = $1 and id = $2",
                        args![ws, id, &c.display_name, &c.display_name_norm, &c.external_id, &text, version, Ts(now)],
                        UniqueField::GroupDisplayName,
                    )
                    .await?;
                }
            }
            Ok(Ok(ResourceRow { id, doc, version, created_at: before.created_at, updated_at: now }))
        })
    }

    /// Deletes a resource (its memberships go with it) and records it in the audit
    /// trail, which outlives the resource. `NotFound` if absent.
    #[tracing::instrument(level = "debug", skip_all, fields(workspace.id = %change.workspace, resource.id = %id))]
    pub async fn delete_resource(
        &self,
        kind: ResourceKind,
        change: &Change<'_>,
        id: Uuid,
    ) -> Result<(), StoreError> {
        let (ws, action) = (
            change.workspace,
            match kind {
                ResourceKind::User => EventType::UserDeleted,
                ResourceKind::Group => EventType::GroupDeleted,
            },
        );
        let lock = match self {
            // PostgreSQL: hold the row while the guard decides. SQLite's BEGIN
            // IMMEDIATE already holds the database's write lock.
            Self::Postgres(_) => " for update",
            Self::Sqlite(_) => "",
        };
        let select = format!(
            "select user_name, active, doc from users where workspace_id = $1 and id = $2{lock}"
        );
        in_tx!(direct self, tx => 'body: {
            let (name, data) = match kind {
                ResourceKind::User => {
                    let (name, active, doc): (String, bool, String) = tx.one(&select, args![ws, id]).await?;
                    let doc: Value = serde_json::from_str(&doc)
                        .map_err(|e| StoreError::Internal(format!("stored document: {e}")))?;
                    let role = role_map_in!(tx, ws)?.app_role_of(&doc);
                    if active && let Some(held) = guard_deprovision!(self, tx, change, id)? {
                        break 'body Err(StoreError::DeprovisioningHeld(held));
                    }
                    tx.exec("delete from users where workspace_id = $1 and id = $2", args![ws, id]).await?;
                    let mut data = user_data(id, &name, active, role.as_deref());
                    if active && let Some(seats) = release_seat!(tx, ws) {
                        merge(&mut data, seats.json());
                    }
                    (name, data)
                }
                ResourceKind::Group => {
                    let (name,): (String,) = tx
                        .one("delete from groups where workspace_id = $1 and id = $2 returning display_name", args![ws, id])
                        .await?;
                    let data = group_data(id, &name);
                    (name, data)
                }
            };
            tx.later(count_change(kind, -1), args![ws]);
            audit!(tx, change, action.as_str(), kind.name(), id, &name);
            emit!(tx, change, action, data);
            Ok(())
        })
    }

    /// The workspace's audit trail, newest first; for one resource when `resource` is given.
    pub async fn audit_events(
        &self,
        ws: &str,
        resource: Option<Uuid>,
        limit: u32,
    ) -> Result<Vec<AuditEvent>, StoreError> {
        let columns = "id, occurred_at, actor, action, resource_type, resource_id, resource_name";
        let events = if let Some(r) = resource {
            let sql = format!(
                "select {columns} from audit_events where workspace_id = $1 and resource_id = $2 order by id desc limit $3"
            );
            on_pool!(self, pool => sqlx::query_as(&sql).bind(ws).bind(r).bind(i64::from(limit)).fetch_all(pool).await)?
        } else {
            let sql = format!(
                "select {columns} from audit_events where workspace_id = $1 order by id desc limit $2"
            );
            on_pool!(self, pool => sqlx::query_as(&sql).bind(ws).bind(i64::from(limit)).fetch_all(pool).await)?
        };
        Ok(events)
    }

    /// Creates a group with its initial members. `Conflict(GroupDisplayName)` when
    /// the name exists in any case; `UnknownMembers` when a member is not a user here.
    #[tracing::instrument(level = "debug", skip_all, fields(workspace.id = %change.workspace))]
    pub async fn create_group(
        &self,
        change: &Change<'_>,
        id: Uuid,
        doc: &Value,
        members: &[Uuid],
    ) -> Result<ResourceRow, StoreError> {
        let (ws, now) = (change.workspace, change.now);
        let c = GroupColumns::of(doc)?;
        let text = doc_text(doc)?;
        in_tx!(direct self, tx => {
            audit!(tx, change, "group.created", ResourceKind::Group.name(), id, &c.display_name);
            emit!(tx, change, EventType::GroupCreated, group_data(id, &c.display_name));
            tx.exec_unique(
                "insert into groups (id, workspace_id, display_name, display_name_norm, external_id, doc, version, \
                 created_at, updated_at) values ($1, $2, $3, $4, $5, $6, 1, $7, $7)",
                args![id, ws, &c.display_name, &c.display_name_norm, &c.external_id, &text, Ts(now)],
                UniqueField::GroupDisplayName,
            )
            .await?;
            tx.later(count_change(ResourceKind::Group, 1), args![ws]);
            if !members.is_empty() {
                member_change!(tx, ws, id, &MemberChange::Add(members.to_vec()), now)?;
            }
        });
        Ok(ResourceRow {
            id,
            doc: doc.clone(),
            version: 1,
            created_at: now,
            updated_at: now,
        })
    }

    /// What a resource is related to through membership, as (id, name) in a stable
    /// order: a group's members with their `userName`, or a user's groups with their
    /// `displayName` (RFC 7643 §4.1.2 `groups`).
    pub async fn related(
        &self,
        kind: ResourceKind,
        ws: &str,
        id: Uuid,
    ) -> Result<Vec<(Uuid, String)>, StoreError> {
        Ok(self
            .related_many(kind, ws, &[id])
            .await?
            .remove(&id)
            .unwrap_or_default())
    }

    /// [`Store::related`] of several resources in one query (a page of a list, which
    /// would otherwise cost a query per row); resources related to nothing are absent.
    pub async fn related_many(
        &self,
        kind: ResourceKind,
        ws: &str,
        ids: &[Uuid],
    ) -> Result<Related, StoreError> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        // The ids as one array on PostgreSQL (one statement text and plan for any page),
        // as an `in (…)` list on SQLite, which has no array type.
        let set = match self {
            Self::Sqlite(_) => format!("in ({})", placeholders(2, ids.len())),
            Self::Postgres(_) => "= any($2)".to_owned(),
        };
        let Sides {
            other,
            name,
            of,
            to,
            ..
        } = Sides::of(kind);
        let sql = format!(
            "select m.{of}, o.id, o.{name} from group_members m join {other} o on o.id = m.{to} \
             where o.workspace_id = $1 and m.{of} {set} order by m.{of}, o.id"
        );
        let rows: Vec<(Uuid, Uuid, String)> = match self {
            Self::Sqlite(db) => {
                let mut q = sqlx::query_as(&sql).bind(ws);
                for id in ids {
                    q = q.bind(*id);
                }
                let mut reader = db.readers.acquire().await?;
                q.fetch_all(&mut *reader).await?
            }
            Self::Postgres(pool) => {
                sqlx::query_as(&sql)
                    .bind(ws)
                    .bind(ids)
                    .fetch_all(pool)
                    .await?
            }
        };
        let mut related = Related::new();
        for (of, id, name) in rows {
            related.entry(of).or_default().push((id, name));
        }
        Ok(related)
    }

    /// Lists resources in a stable order (ids are time-ordered `UUIDv7`). Filters whose
    /// top-level conjuncts are indexed equalities (`userName`, `externalId`, `id`,
    /// `displayName`, `emails.value`, `active`) are answered by SQL alone; any other
    /// filter is narrowed by those conjuncts in SQL and then evaluated in memory with
    /// the filter's own reference semantics, so every filter gives exact results.
    #[tracing::instrument(level = "debug", skip_all, fields(workspace.id = %ws))]
    pub async fn list(
        &self,
        kind: ResourceKind,
        ws: &str,
        q: ListQuery<'_>,
    ) -> Result<Page, StoreError> {
        Ok(self.listed(kind, ws, q, false).await?.0)
    }

    /// [`Store::list`] with each listed resource's [`Store::related`] (absent when
    /// related to nothing). A page SQL answers alone reads both in one statement, a
    /// JSON column per row: the IdPs' `userName eq` lookup is one trip to the
    /// database instead of two (docs/benchmarks.md).
    #[tracing::instrument(level = "debug", skip_all, fields(workspace.id = %ws))]
    pub async fn list_related(
        &self,
        kind: ResourceKind,
        ws: &str,
        q: ListQuery<'_>,
    ) -> Result<(Page, Related), StoreError> {
        let (page, related) = self.listed(kind, ws, q, true).await?;
        if let Some(related) = related {
            return Ok((page, related));
        }
        let ids: Vec<Uuid> = page.rows.iter().map(|r| r.id).collect();
        let related = self.related_many(kind, ws, &ids).await?;
        Ok((page, related))
    }

    /// The page of [`Store::list`], and with `related` what the page's own statement
    /// read of [`Store::related`] (`None` when it could not).
    async fn listed(
        &self,
        kind: ResourceKind,
        ws: &str,
        q: ListQuery<'_>,
        related: bool,
    ) -> Result<(Page, Option<Related>), StoreError> {
        let (sql, exact) = Where::of(kind, q.filter);
        let offset = q.start_index.saturating_sub(1);
        let t = table(kind);
        if exact && q.sort.is_none() {
            let (rows, related) = self.page(kind, &sql, ws, offset, q.count, related).await?;
            let fetched = rows.len() as u64;
            // A short page ends the matches, so it gives the total without a count;
            // an empty page past the start could be past the end, so it counts.
            let total = if fetched < q.count && (fetched > 0 || offset == 0) {
                offset + fetched
            } else if sql.binds.is_empty() {
                // Every resource of the workspace: its kept count, not a count(*).
                let count_sql = format!("select {t}_count from workspaces where id = $1");
                let total: i64 = on_pool!(self, pool => sqlx::query_scalar(&count_sql).bind(ws).fetch_one(pool).await)?;
                u64::try_from(total).unwrap_or(0)
            } else {
                let count_sql = format!("select count(*) from {t} where {}", sql.text);
                let total: i64 = on_pool!(self, pool => bind_all!(sqlx::query_scalar(&count_sql), ws, &sql.binds).fetch_one(pool).await)?;
                u64::try_from(total).unwrap_or(0)
            };
            return Ok((Page { total, rows }, related));
        }
        let all_sql = format!("select {COLUMNS} from {t} where {} order by id", sql.text);
        let candidates: Vec<RawRow> = on_pool!(self, pool => bind_all!(sqlx::query_as(&all_sql), ws, &sql.binds).fetch_all(pool).await)?;
        // Sorting, or a filter SQL cannot answer alone: evaluate over the candidates
        // with the reference semantics, on the resource as a client would see it.
        let mut matched = Vec::new();
        for raw in candidates {
            let row = ResourceRow::try_from(raw)?;
            let view = view(&row);
            if q.filter.is_none_or(|f| f.matches(&view)) {
                matched.push((view, row));
            }
        }
        if let Some(sort) = q.sort {
            // Stable: equal keys keep id (creation) order.
            matched.sort_by(|(a, _), (b, _)| sort.compare(a, b));
        }
        let matched: Vec<ResourceRow> = matched.into_iter().map(|(_, row)| row).collect();
        let total = matched.len() as u64;
        let rows = matched
            .into_iter()
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .take(usize::try_from(q.count).unwrap_or(usize::MAX))
            .collect();
        Ok((Page { total, rows }, None))
    }

    /// `count` rows of `t` matching `clause` after skipping `offset`, by keyset: the
    /// offset walk reads ids only, from the `(workspace_id, id)` index (or the
    /// filter's), then one range read fetches the page. `LIMIT … OFFSET` on the full
    /// rows would read every skipped document, so a deep page cost as much as the
    /// whole list (issue #7). With `related`, the page's statement also reads each
    /// row's [`Store::related`] as a JSON column.
    async fn page(
        &self,
        kind: ResourceKind,
        clause: &Where,
        ws: &str,
        offset: u64,
        count: u64,
        related: bool,
    ) -> Result<(Vec<ResourceRow>, Option<Related>), StoreError> {
        let t = table(kind);
        let none = || related.then(HashMap::new);
        if count == 0 {
            return Ok((Vec::new(), none()));
        }
        let mut text = clause.text.clone();
        let mut first = None;
        if offset > 0 {
            let key_sql = format!(
                "select id from {t} where {} order by id limit 1 offset {offset}",
                clause.text
            );
            let key: Option<Uuid> = on_pool!(self, pool => bind_all!(sqlx::query_scalar(&key_sql), ws, &clause.binds).fetch_optional(pool).await)?;
            let Some(key) = key else {
                return Ok((Vec::new(), none()));
            };
            text = format!("{text} and id >= ${}", clause.binds.len() + 2);
            first = Some(key);
        }
        let column = if related {
            self.related_column(kind)
        } else {
            "'[]'".to_owned()
        };
        let page_sql = format!(
            "select {COLUMNS}, {column} as related from {t} where {text} order by id limit {count}"
        );
        let fetched: Vec<RawRelated> = match self {
            // A lookup's one statement, on the calling thread ([`crate::direct`]);
            // a group's members can be thousands, so only without them.
            Self::Sqlite(db)
                if first.is_none()
                    && clause.selective
                    && (kind == ResourceKind::User || !related) =>
            {
                let mut binds: Vec<&dyn rusqlite::ToSql> = vec![&ws];
                binds.extend(clause.binds.iter().map(|b| b as &dyn rusqlite::ToSql));
                db.direct.rows(&page_sql, &binds, RawRelated::read)?
            }
            _ => on_pool!(self, pool => {
                let q = bind_all!(sqlx::query_as(&page_sql), ws, &clause.binds);
                match first {
                    Some(key) => q.bind(key).fetch_all(pool).await,
                    None => q.fetch_all(pool).await,
                }
            })?,
        };
        let mut rows = Vec::with_capacity(fetched.len());
        let mut map = HashMap::new();
        for f in fetched {
            if related {
                let list = related_list(&f.related)?;
                if !list.is_empty() {
                    map.insert(f.row.id, list);
                }
            }
            rows.push(ResourceRow::try_from(f.row)?);
        }
        Ok((rows, related.then_some(map)))
    }

    /// A correlated subquery giving, for each row of the outer `users` or `groups`,
    /// its [`Store::related`] as a JSON array of `[id, name]` in that order. SQLite
    /// stores ids as blobs, which JSON cannot hold, so it writes them in hex.
    fn related_column(&self, kind: ResourceKind) -> String {
        let Sides {
            other,
            name,
            of,
            to,
        } = Sides::of(kind);
        let outer = table(kind);
        let from = format!(
            "from group_members m join {other} o on o.id = m.{to} \
             where m.{of} = {outer}.id and o.workspace_id = $1"
        );
        match self {
            Self::Sqlite(_) => format!(
                "(select json_group_array(json_array(hex(o.id), o.{name}) order by o.id) {from})"
            ),
            Self::Postgres(_) => format!(
                "(select coalesce(json_agg(json_build_array(o.id, o.{name}) order by o.id), '[]')::text {from})"
            ),
        }
    }
}

/// A stored resource with its `id` and `meta` times, for filtering and sorting in memory.
fn view(row: &ResourceRow) -> Value {
    use time::format_description::well_known::Rfc3339;
    let mut view = row.doc.clone();
    if let Value::Object(m) = &mut view {
        m.insert("id".into(), Value::String(row.id.to_string()));
        let time = |t: OffsetDateTime| t.format(&Rfc3339).map_or(Value::Null, Value::String);
        m.insert(
            "meta".into(),
            serde_json::json!({"created": time(row.created_at), "lastModified": time(row.updated_at)}),
        );
    }
    view
}

/// The statement that moves the workspace's count of `kind` by `by` (migration 0009).
fn count_change(kind: ResourceKind, by: i64) -> String {
    let t = table(kind);
    format!("update workspaces set {t}_count = {t}_count + ({by}) where id = $1")
}

pub(crate) fn table(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::User => "users",
        ResourceKind::Group => "groups",
    }
}

/// A bind value of a list query's WHERE clause.
#[derive(Debug, Clone)]
pub(crate) enum Bind {
    Text(String),
    Bool(bool),
    Uuid(Uuid),
}

impl rusqlite::ToSql for Bind {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        match self {
            Self::Text(s) => s.to_sql(),
            Self::Bool(v) => v.to_sql(),
            Self::Uuid(u) => u.to_sql(),
        }
    }
}

/// The WHERE clause of a list query: `workspace_id = $1` and indexed equalities.
pub(crate) struct Where {
    pub(crate) text: String,
    pub(crate) binds: Vec<Bind>,
    kind: ResourceKind,
    /// Whether an equality probes an index that few rows share (all but `active`):
    /// the IdPs' lookups, short enough for [`crate::direct`].
    selective: bool,
}

impl Where {
    /// The clause for a list query, and whether SQL alone answers the filter exactly.
    pub(crate) fn of(kind: ResourceKind, filter: Option<&Filter<Checked>>) -> (Self, bool) {
        let mut clause = Self::new(kind);
        let exact = filter.is_none_or(|f| clause.narrow(f.expr()));
        (clause, exact)
    }

    fn new(kind: ResourceKind) -> Self {
        Self {
            text: "workspace_id = $1".into(),
            binds: Vec::new(),
            kind,
            selective: false,
        }
    }

    fn push(&mut self, column_sql: &str, bind: Bind) {
        self.selective |= !matches!(bind, Bind::Bool(_));
        self.binds.push(bind);
        let n = self.binds.len() + 1;
        self.text.push_str(" and ");
        self.text
            .push_str(&column_sql.replace("$?", &format!("${n}")));
    }

    fn id(&mut self, id: Uuid) {
        self.push("id = $?", Bind::Uuid(id));
    }

    /// Adds every indexable top-level conjunct; true when the whole filter was translated.
    fn narrow(&mut self, expr: &CheckedExpr) -> bool {
        match expr {
            CheckedExpr::And(a, b) => {
                let left = self.narrow(a);
                let right = self.narrow(b);
                left && right
            }
            CheckedExpr::Compare(c) if c.op == CompareOp::Eq => {
                self.equality(c.attr.schema, c.attr.name, c.attr.sub, &c.value)
            }
            _ => false,
        }
    }

    fn equality(
        &mut self,
        schema: &str,
        name: &str,
        sub: Option<&str>,
        value: &TypedValue,
    ) -> bool {
        let core = schema.is_empty() || schema == self.kind.core().id;
        if !core {
            return false;
        }
        match (self.kind, name, sub, value) {
            (_, "id", None, TypedValue::String(v)) => {
                // A malformed id matches nothing rather than failing the query.
                match Uuid::parse_str(v) {
                    Ok(id) => self.id(id),
                    Err(_) => self.text.push_str(" and 1 = 0"),
                }
                true
            }
            (_, "externalId", None, TypedValue::String(v)) => {
                self.push("external_id = $?", Bind::Text(v.clone()));
                true
            }
            (ResourceKind::User, "userName", None, TypedValue::String(v)) => {
                self.push("user_name_norm = $?", Bind::Text(v.to_lowercase()));
                true
            }
            (_, "displayName", None, TypedValue::String(v)) => {
                self.push("display_name_norm = $?", Bind::Text(v.to_lowercase()));
                true
            }
            (ResourceKind::User, "emails", Some("value"), TypedValue::String(v)) => {
                self.push(
                    "id in (select user_id from user_emails where workspace_id = $1 and value_norm = $?)",
                    Bind::Text(v.to_lowercase()),
                );
                true
            }
            (ResourceKind::User, "active", None, TypedValue::Boolean(b)) => {
                self.push("active = $?", Bind::Bool(*b));
                true
            }
            _ => false,
        }
    }
}
