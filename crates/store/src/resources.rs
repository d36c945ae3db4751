//! SCIM Users and Groups: canonical documents plus the derived columns that make
//! the IdPs' lookups index lookups.

use scim::filter::{Checked, CheckedExpr, CompareOp, Filter, TypedValue};
use scim::schema::ResourceKind;
use seats::EventType;
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::guard::guard_deprovision;
use crate::outbox::{emit, group_data, merge, user_data};
use crate::seats::{claim_seat, release_seat, settle_claim};
use crate::ts::Ts;
use crate::tx::in_tx;
use crate::{Store, StoreError, UniqueField, on_pool};

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

/// Applies one membership change row by row inside the open transaction `$tx`;
/// evaluates to `Result<bool, StoreError>`, true if any row changed. Members must be
/// users of the workspace (`UnknownMembers` otherwise). A macro because the
/// transaction's type differs per backend.
macro_rules! member_change {
    ($tx:ident, $ws:expr, $group:expr, $change:expr, $now:expr) => {
        async {
            let (adds, removes, clear): (Vec<Uuid>, Vec<Uuid>, bool) = match $change {
                MemberChange::Add(users) => (users.clone(), Vec::new(), false),
                MemberChange::Remove(users) => (Vec::new(), users.clone(), false),
                MemberChange::RemoveAll => (Vec::new(), Vec::new(), true),
                MemberChange::Replace(wanted) => {
                    let current: Vec<Uuid> = sqlx::query_scalar("select user_id from group_members where group_id = $1")
                        .bind($group)
                        .fetch_all(&mut *$tx)
                        .await?;
                    let current: std::collections::HashSet<Uuid> = current.into_iter().collect();
                    let wanted_set: std::collections::HashSet<Uuid> = wanted.iter().copied().collect();
                    let new = wanted.iter().filter(|u| !current.contains(u)).copied().collect();
                    (new, current.difference(&wanted_set).copied().collect(), false)
                }
            };
            let mut changed = false;
            if clear {
                let n = sqlx::query("delete from group_members where group_id = $1")
                    .bind($group)
                    .execute(&mut *$tx)
                    .await?
                    .rows_affected();
                changed |= n > 0;
            }
            for user in &removes {
                let n = sqlx::query("delete from group_members where group_id = $1 and user_id = $2")
                    .bind($group)
                    .bind(*user)
                    .execute(&mut *$tx)
                    .await?
                    .rows_affected();
                changed |= n > 0;
            }
            let mut unknown = Vec::new();
            for user in &adds {
                let found: Option<i32> = sqlx::query_scalar("select 1 from users where workspace_id = $1 and id = $2")
                    .bind($ws)
                    .bind(*user)
                    .fetch_optional(&mut *$tx)
                    .await?;
                if found.is_none() {
                    unknown.push(user.to_string());
                    continue;
                }
                let n = sqlx::query(
                    "insert into group_members (group_id, user_id, created_at) values ($1, $2, $3) on conflict do nothing",
                )
                .bind($group)
                .bind(*user)
                .bind(Ts($now))
                .execute(&mut *$tx)
                .await?
                .rows_affected();
                changed |= n > 0;
            }
            if !unknown.is_empty() {
                return Err(StoreError::UnknownMembers(unknown));
            }
            Ok::<bool, StoreError>(changed)
        }
        .await
    };
}

/// Who changes what, when: the workspace, the credential acting (for the audit
/// trail, e.g. `token okta`) and the request's time.
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    pub workspace: &'a str,
    pub actor: &'a str,
    pub now: OffsetDateTime,
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
            sqlx::query(
                "insert into user_emails (user_id, workspace_id, value_norm) values ($1, $2, $3)",
            )
            .bind($user)
            .bind($ws)
            .bind(email)
            .execute(&mut *$tx)
            .await?;
        }
    };
}

/// Writes one audit row inside the open transaction `$tx`.
macro_rules! audit {
    ($tx:ident, $change:expr, $action:expr, $kind:expr, $id:expr, $name:expr) => {
        sqlx::query(
            "insert into audit_events (id, workspace_id, occurred_at, actor, action, resource_type, resource_id, \
             resource_name) values ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(Uuid::now_v7())
        .bind($change.workspace)
        .bind(Ts($change.now))
        .bind($change.actor)
        .bind($action)
        .bind($kind)
        .bind($id)
        .bind($name)
        .execute(&mut *$tx)
        .await?
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

#[derive(sqlx::FromRow)]
struct RawRow {
    id: Uuid,
    doc: String,
    version: i64,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
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
    #[tracing::instrument(skip_all, fields(workspace.id = %change.workspace))]
    pub async fn create_user(
        &self,
        change: &Change<'_>,
        id: Uuid,
        doc: &Value,
    ) -> Result<ResourceRow, StoreError> {
        let (ws, now) = (change.workspace, change.now);
        let c = UserColumns::of(doc)?;
        let text = doc_text(doc)?;
        in_tx!(self, tx => 'body: {
            // The seat first: a refusal commits only its own events, no user.
            let mut data = user_data(id, &c.user_name, c.active);
            if c.active {
                let claim = claim_seat!(self, tx, ws)?;
                match settle_claim!(tx, change, claim, id, &c.user_name, "create") {
                    Ok(seats) => merge(&mut data, seats.json()),
                    Err(limit) => break 'body Err(StoreError::SeatLimit(limit)),
                }
            }
            audit!(tx, change, "user.provisioned", ResourceKind::User.name(), id, &c.user_name);
            emit!(tx, change, EventType::UserProvisioned, data);
            sqlx::query(
                "insert into users (id, workspace_id, user_name, user_name_norm, external_id, display_name_norm, \
                 active, doc, version, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9)",
            )
            .bind(id).bind(ws).bind(&c.user_name).bind(&c.user_name_norm).bind(&c.external_id)
            .bind(&c.display_name_norm).bind(c.active).bind(&text).bind(Ts(now))
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::classify(e, Some(UniqueField::UserName)))?;
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
        let sql = format!(
            "select {COLUMNS} from {} where workspace_id = $1 and id = $2",
            table(kind)
        );
        let raw: RawRow =
            on_pool!(self, pool => sqlx::query_as(&sql).bind(ws).bind(id).fetch_one(pool).await)?;
        raw.try_into()
    }

    /// Reads a resource, lets `change` edit its document (and, for groups, say how
    /// membership changes), and writes the result, all in one transaction: two
    /// concurrent modifications of one resource serialise instead of losing one.
    /// `if_match`: the version the client last saw (`VersionMismatch` if stale).
    /// The version only moves when the document or membership really changed.
    #[tracing::instrument(skip_all, fields(workspace.id = %who.workspace, resource.id = %id))]
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
        in_tx!(self, tx => 'body: {
            let raw: RawRow = sqlx::query_as(&select).bind(ws).bind(id).fetch_one(&mut *tx).await?;
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
                    let mut data = user_data(id, &c.user_name, c.active);
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
                    sqlx::query(
                        "update users set user_name = $3, user_name_norm = $4, external_id = $5, display_name_norm = $6, \
                         active = $7, doc = $8, version = $9, updated_at = $10 where workspace_id = $1 and id = $2",
                    )
                    .bind(ws).bind(id).bind(&c.user_name).bind(&c.user_name_norm).bind(&c.external_id)
                    .bind(&c.display_name_norm).bind(c.active).bind(&text).bind(version).bind(Ts(now))
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| StoreError::classify(e, Some(UniqueField::UserName)))?;
                    sqlx::query("delete from user_emails where user_id = $1").bind(id).execute(&mut *tx).await?;
                    write_emails!(tx, ws, id, &c.emails_norm);
                }
                ResourceKind::Group => {
                    let c = GroupColumns::of(&doc)?;
                    audit!(tx, who, action.as_str(), kind.name(), id, &c.display_name);
                    emit!(tx, who, action, group_data(id, &c.display_name));
                    sqlx::query(
                        "update groups set display_name = $3, display_name_norm = $4, external_id = $5, doc = $6, \
                         version = $7, updated_at = $8 where workspace_id = $1 and id = $2",
                    )
                    .bind(ws).bind(id).bind(&c.display_name).bind(&c.display_name_norm).bind(&c.external_id)
                    .bind(&text).bind(version).bind(Ts(now))
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| StoreError::classify(e, Some(UniqueField::GroupDisplayName)))?;
                }
            }
            Ok(Ok(ResourceRow { id, doc, version, created_at: before.created_at, updated_at: now }))
        })
    }

    /// Deletes a resource (its memberships go with it) and records it in the audit
    /// trail, which outlives the resource. `NotFound` if absent.
    #[tracing::instrument(skip_all, fields(workspace.id = %change.workspace, resource.id = %id))]
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
            "select user_name, active from users where workspace_id = $1 and id = $2{lock}"
        );
        in_tx!(self, tx => 'body: {
            let (name, data) = match kind {
                ResourceKind::User => {
                    let (name, active): (String, bool) =
                        sqlx::query_as(&select).bind(ws).bind(id).fetch_one(&mut *tx).await?;
                    if active && let Some(held) = guard_deprovision!(self, tx, change, id)? {
                        break 'body Err(StoreError::DeprovisioningHeld(held));
                    }
                    sqlx::query("delete from users where workspace_id = $1 and id = $2")
                        .bind(ws).bind(id).execute(&mut *tx).await?;
                    let mut data = user_data(id, &name, active);
                    if active && let Some(seats) = release_seat!(tx, ws) {
                        merge(&mut data, seats.json());
                    }
                    (name, data)
                }
                ResourceKind::Group => {
                    let name: String = sqlx::query_scalar(
                        "delete from groups where workspace_id = $1 and id = $2 returning display_name",
                    )
                    .bind(ws).bind(id).fetch_one(&mut *tx).await?;
                    let data = group_data(id, &name);
                    (name, data)
                }
            };
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
    #[tracing::instrument(skip_all, fields(workspace.id = %change.workspace))]
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
        in_tx!(self, tx => {
            audit!(tx, change, "group.created", ResourceKind::Group.name(), id, &c.display_name);
            emit!(tx, change, EventType::GroupCreated, group_data(id, &c.display_name));
            sqlx::query(
                "insert into groups (id, workspace_id, display_name, display_name_norm, external_id, doc, version, \
                 created_at, updated_at) values ($1, $2, $3, $4, $5, $6, 1, $7, $7)",
            )
            .bind(id).bind(ws).bind(&c.display_name).bind(&c.display_name_norm).bind(&c.external_id)
            .bind(&text).bind(Ts(now))
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::classify(e, Some(UniqueField::GroupDisplayName)))?;
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
        let sql = match kind {
            ResourceKind::Group => {
                "select u.id, u.user_name from group_members m join users u on u.id = m.user_id \
                 where u.workspace_id = $1 and m.group_id = $2 order by u.id"
            }
            ResourceKind::User => {
                "select g.id, g.display_name from group_members m join groups g on g.id = m.group_id \
                 where g.workspace_id = $1 and m.user_id = $2 order by g.id"
            }
        };
        Ok(on_pool!(self, pool => sqlx::query_as(sql).bind(ws).bind(id).fetch_all(pool).await)?)
    }

    /// Lists resources in a stable order (ids are time-ordered `UUIDv7`). Filters whose
    /// top-level conjuncts are indexed equalities (`userName`, `externalId`, `id`,
    /// `displayName`, `emails.value`, `active`) are answered by SQL alone; any other
    /// filter is narrowed by those conjuncts in SQL and then evaluated in memory with
    /// the filter's own reference semantics, so every filter gives exact results.
    #[tracing::instrument(skip_all, fields(workspace.id = %ws))]
    pub async fn list(
        &self,
        kind: ResourceKind,
        ws: &str,
        q: ListQuery<'_>,
    ) -> Result<Page, StoreError> {
        let (sql, exact) = Where::of(kind, q.filter);
        let offset = q.start_index.saturating_sub(1);
        let t = table(kind);
        if exact && q.sort.is_none() {
            let count_sql = format!("select count(*) from {t} where {}", sql.text);
            let page_sql = format!(
                "select {COLUMNS} from {t} where {} order by id limit {} offset {}",
                sql.text, q.count, offset
            );
            let total: i64 = on_pool!(self, pool => bind_all!(sqlx::query_scalar(&count_sql), ws, &sql.binds).fetch_one(pool).await)?;
            let fetched: Vec<RawRow> = if q.count == 0 {
                Vec::new()
            } else {
                on_pool!(self, pool => bind_all!(sqlx::query_as(&page_sql), ws, &sql.binds).fetch_all(pool).await)?
            };
            let rows = fetched
                .into_iter()
                .map(ResourceRow::try_from)
                .collect::<Result<_, _>>()?;
            return Ok(Page {
                total: u64::try_from(total).unwrap_or(0),
                rows,
            });
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
        Ok(Page { total, rows })
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

/// The WHERE clause of a list query: `workspace_id = $1` and indexed equalities.
pub(crate) struct Where {
    pub(crate) text: String,
    pub(crate) binds: Vec<Bind>,
    kind: ResourceKind,
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
        }
    }

    fn push(&mut self, column_sql: &str, bind: Bind) {
        self.binds.push(bind);
        let n = self.binds.len() + 1;
        self.text.push_str(" and ");
        self.text
            .push_str(&column_sql.replace("$?", &format!("${n}")));
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
                    Ok(id) => self.push("id = $?", Bind::Uuid(id)),
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
