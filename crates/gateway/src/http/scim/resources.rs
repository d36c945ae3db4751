//! `/Users` and `/Groups` (RFC 7644 §3): create, read, list and search, replace,
//! patch, delete. Each handler authenticates, parses, validates in `scim`, makes one
//! store call and maps the outcome.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::header::{ETAG, LOCATION};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use scim::filter::Filter;
use scim::resource::{Meta, Mode, Projection};
use scim::schema::ResourceKind::{self, Group, User};
use serde_json::{Value, json};
use store::{Change, ListQuery, MemberChange, ResourceRow};
use uuid::Uuid;

use super::extract::{ListParams, ScimJson, if_match, none_match};
use super::{Scim, ScimApiError, WorkspaceAuth};
use crate::state::AppState;

/// The largest page served; also `filter.maxResults` in `ServiceProviderConfig`.
pub(crate) const MAX_PAGE: u64 = 1000;
/// The page size when the client sends no `count` (Okta pages by 100).
const DEFAULT_PAGE: u64 = 100;

pub(super) fn router() -> Router<AppState> {
    crud_router()
        .route("/Users/.search", post(search::<Users>))
        .route("/Groups/.search", post(search::<Groups>))
        .route("/.search", post(search_all))
}

/// The routes both dialects share: SCIM 1.1 has everything but `.search`, and
/// reaches these same handlers through its translating layer (`super::v1`).
pub(super) fn crud_router() -> Router<AppState> {
    Router::new()
        .route("/Users", get(list::<Users>).post(create::<Users>))
        .route(
            "/Users/{id}",
            get(read::<Users>)
                .put(replace::<Users>)
                .patch(patch::<Users>)
                .delete(delete::<Users>),
        )
        .route("/Groups", get(list::<Groups>).post(create::<Groups>))
        .route(
            "/Groups/{id}",
            get(read::<Groups>)
                .put(replace::<Groups>)
                .patch(patch::<Groups>)
                .delete(delete::<Groups>),
        )
}

/// The resource type a route serves, so one generic handler serves both.
trait Kind: Send + Sync + 'static {
    const KIND: ResourceKind;
}

struct Users;
impl Kind for Users {
    const KIND: ResourceKind = User;
}

struct Groups;
impl Kind for Groups {
    const KIND: ResourceKind = Group;
}

impl WorkspaceAuth {
    /// The store's view of a write by this credential, now.
    fn change<'a>(&'a self, app: &AppState) -> Change<'a> {
        Change {
            workspace: &self.workspace_id,
            actor: &self.actor,
            now: app.clock.now(),
            idp: self.idp,
        }
    }
}

/// The id in a resource URL; anything that is not one of our ids is simply not found.
fn resource_id(kind: ResourceKind, id: &str) -> Result<Uuid, ScimApiError> {
    Uuid::parse_str(id).map_err(|_| not_found(kind, id))
}

fn not_found(kind: ResourceKind, id: &str) -> ScimApiError {
    scim::Error::new(
        404,
        format!("No {} with id \"{id}\" in this workspace.", kind.name()),
    )
    .into()
}

/// Store errors for one resource, with a 404 that names it.
fn for_resource(
    kind: ResourceKind,
    id: &str,
) -> impl FnOnce(store::StoreError) -> ScimApiError + '_ {
    move |e| match e {
        store::StoreError::NotFound => not_found(kind, id),
        other => other.into(),
    }
}

/// Member ids from a request; ids that cannot be ours are reported like unknown users.
fn member_ids(refs: &[scim::resource::MemberRef]) -> Result<Vec<Uuid>, store::StoreError> {
    let mut ids = Vec::with_capacity(refs.len());
    let mut bad = Vec::new();
    for m in refs {
        match Uuid::parse_str(&m.value) {
            Ok(id) => ids.push(id),
            Err(_) => bad.push(m.value.clone()),
        }
    }
    if bad.is_empty() {
        Ok(ids)
    } else {
        Err(store::StoreError::UnknownMembers(bad))
    }
}

fn member_changes(ops: Vec<scim::patch::MemberOp>) -> Result<Vec<MemberChange>, ScimApiError> {
    use scim::patch::MemberOp;
    ops.into_iter()
        .map(|op| {
            Ok(match op {
                MemberOp::Add(refs) => MemberChange::Add(member_ids(&refs)?),
                MemberOp::Remove(values) => {
                    // An id that cannot be ours is not a member: removing it changes nothing.
                    MemberChange::Remove(
                        values
                            .iter()
                            .filter_map(|v| Uuid::parse_str(v).ok())
                            .collect(),
                    )
                }
                MemberOp::RemoveAll => MemberChange::RemoveAll,
                MemberOp::Replace(refs) => MemberChange::Replace(member_ids(&refs)?),
            })
        })
        .collect::<Result<_, store::StoreError>>()
        .map_err(Into::into)
}

/// Whether `projection` shows `kind`'s related resources (a user's `groups`, a
/// group's `members`); when it does not, none are read, so
/// `excludedAttributes=members` never reads a member list.
fn shows_related(kind: ResourceKind, projection: &Projection) -> bool {
    let attribute = match kind {
        User => "groups",
        Group => "members",
    };
    projection.wants(kind.core().id, attribute)
}

/// The SCIM values (`value`, `$ref`, `display`, `type`) of what each resource is related to.
fn related_values(
    app: &AppState,
    kind: ResourceKind,
    related: store::Related,
) -> HashMap<Uuid, Value> {
    let base = app.urls.scim_base();
    let (endpoint, other) = match kind {
        User => ("Groups", "direct"),
        Group => ("Users", "User"),
    };
    related
        .into_iter()
        .map(|(of, list)| {
            let values = list
                .into_iter()
                .map(|(id, name)| json!({"value": id.to_string(), "$ref": format!("{base}/{endpoint}/{id}"), "display": name, "type": other}))
                .collect();
            (of, Value::Array(values))
        })
        .collect()
}

/// The related resources shown with each of `ids`, one query for all of them;
/// `None` when the projection leaves them out.
async fn related(
    app: &AppState,
    ws: &str,
    kind: ResourceKind,
    ids: &[Uuid],
    projection: &Projection,
) -> Result<Option<HashMap<Uuid, Value>>, ScimApiError> {
    if !shows_related(kind, projection) {
        return Ok(None);
    }
    let related = app.store.related_many(kind, ws, ids).await?;
    Ok(Some(related_values(app, kind, related)))
}

/// One resource's entry of [`related`]'s answer, taken out of it (a group's
/// members can be 10,000 values): an empty list when it has none.
fn related_of(related: Option<&mut HashMap<Uuid, Value>>, id: Uuid) -> Option<Value> {
    related.map(|r| r.remove(&id).unwrap_or_else(|| Value::Array(Vec::new())))
}

fn location(app: &AppState, kind: ResourceKind, id: Uuid) -> String {
    format!("{}{}/{id}", app.urls.scim_base(), kind.endpoint())
}

fn document(
    app: &AppState,
    kind: ResourceKind,
    row: &ResourceRow,
    related: Option<Value>,
    projection: &Projection,
) -> Value {
    let location = location(app, kind, row.id);
    let version = scim::resource::etag(&row.version.to_string());
    let meta = Meta {
        resource_type: kind,
        created: row.created_at,
        last_modified: row.updated_at,
        location: &location,
        version: &version,
    };
    scim::resource::render(
        kind,
        &row.id.to_string(),
        &row.doc,
        related,
        &meta,
        projection,
    )
}

/// The documents of a page of rows, their related resources read in one query.
async fn documents(
    app: &AppState,
    ws: &str,
    kind: ResourceKind,
    rows: &[ResourceRow],
    projection: &Projection,
) -> Result<Vec<Value>, ScimApiError> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut related = related(app, ws, kind, &ids, projection).await?;
    Ok(render(app, kind, rows, related.as_mut(), projection))
}

fn render(
    app: &AppState,
    kind: ResourceKind,
    rows: &[ResourceRow],
    mut related: Option<&mut HashMap<Uuid, Value>>,
    projection: &Projection,
) -> Vec<Value> {
    rows.iter()
        .map(|row| {
            document(
                app,
                kind,
                row,
                related_of(related.as_deref_mut(), row.id),
                projection,
            )
        })
        .collect()
}

/// A list page's total and documents; shown related resources come with the page's
/// own query ([`store::Store::list_related`]).
async fn listed(
    app: &AppState,
    ws: &str,
    kind: ResourceKind,
    q: ListQuery<'_>,
    projection: &Projection,
) -> Result<(u64, Vec<Value>), ScimApiError> {
    if shows_related(kind, projection) {
        let (page, related) = app.store.list_related(kind, ws, q).await?;
        let mut related = related_values(app, kind, related);
        Ok((
            page.total,
            render(app, kind, &page.rows, Some(&mut related), projection),
        ))
    } else {
        let page = app.store.list(kind, ws, q).await?;
        Ok((page.total, render(app, kind, &page.rows, None, projection)))
    }
}

/// A single-resource response with `ETag` (and `Location` for 201).
async fn respond(
    app: &AppState,
    ws: &str,
    kind: ResourceKind,
    row: &ResourceRow,
    status: StatusCode,
) -> Result<Response, ScimApiError> {
    let all = Projection::all();
    // A user just created belongs to no group yet: nothing to read.
    let body = if status == StatusCode::CREATED && kind == User {
        document(app, kind, row, Some(Value::Array(Vec::new())), &all)
    } else {
        documents(app, ws, kind, std::slice::from_ref(row), &all)
            .await?
            .remove(0)
    };
    let mut resp = (status, Scim(body)).into_response();
    set_etag(&mut resp, row.version);
    if status == StatusCode::CREATED
        && let Ok(v) = HeaderValue::from_str(&location(app, kind, row.id))
    {
        resp.headers_mut().insert(LOCATION, v);
    }
    Ok(resp)
}

fn set_etag(resp: &mut Response, version: i64) {
    if let Ok(v) = HeaderValue::from_str(&scim::resource::etag(&version.to_string())) {
        resp.headers_mut().insert(ETAG, v);
    }
}

/// Reads a paging number sent as a JSON number or a string (Okta, Entra).
fn paging_number(name: &str, text: Option<&str>) -> Result<Option<i64>, ScimApiError> {
    text.map(|t| {
        t.trim().parse::<i64>().map_err(|_| {
            scim::Error::bad_request(
                scim::ScimType::InvalidValue,
                format!("\"{name}\" must be a whole number (got \"{t}\")."),
            )
            .into()
        })
    })
    .transpose()
}

async fn list<K: Kind>(
    State(app): State<AppState>,
    ws: WorkspaceAuth,
    p: ListParams,
) -> Result<Response, ScimApiError> {
    list_page(&app, &ws, K::KIND, &p).await
}

async fn search<K: Kind>(
    State(app): State<AppState>,
    ws: WorkspaceAuth,
    ScimJson(body): ScimJson,
) -> Result<Response, ScimApiError> {
    list_page(&app, &ws, K::KIND, &ListParams::from_search(&body)?).await
}

/// The `filter` parameter, parsed but not yet checked against a resource type.
fn parse_filter(p: &ListParams) -> Result<Option<Filter>, ScimApiError> {
    let text = p.filter.as_deref().filter(|f| !f.trim().is_empty());
    Ok(text
        .map(Filter::parse)
        .transpose()
        .map_err(scim::Error::from)?)
}

/// `startIndex` and `count` (RFC 7644 §3.4.2.4): `startIndex` < 1 is 1, a negative
/// `count` is 0, no `count` is [`DEFAULT_PAGE`], and no page exceeds [`MAX_PAGE`].
fn window(p: &ListParams) -> Result<(u64, u64), ScimApiError> {
    let start_index = paging_number("startIndex", p.start_index.as_deref())?
        .map_or(1, |n| n.max(1))
        .cast_unsigned();
    let count = paging_number("count", p.count.as_deref())?
        .map_or(DEFAULT_PAGE, |n| n.max(0).cast_unsigned())
        .min(MAX_PAGE);
    Ok((start_index, count))
}

async fn list_page(
    app: &AppState,
    ws: &WorkspaceAuth,
    kind: ResourceKind,
    p: &ListParams,
) -> Result<Response, ScimApiError> {
    let filter = parse_filter(p)?.map(|f| f.check(kind)).transpose()?;
    let (start_index, count) = window(p)?;
    let projection = Projection::parse(
        p.attributes.as_deref(),
        p.excluded_attributes.as_deref(),
        kind,
    )?;
    let sort = scim::sort::Sort::parse(kind, p.sort_by.as_deref(), p.sort_order.as_deref())?;
    let q = ListQuery {
        filter: filter.as_ref(),
        start_index,
        count,
        sort: sort.as_ref(),
    };
    let (total, resources) = listed(app, &ws.workspace_id, kind, q, &projection).await?;
    Ok(Scim(scim::ListResponse::new(resources, total, start_index)).into_response())
}

/// `POST /.search` across Users then Groups (RFC 7644 §3.4.3). A filter naming
/// attributes only one type has matches nothing of the other type.
async fn search_all(
    State(app): State<AppState>,
    ws: WorkspaceAuth,
    ScimJson(b): ScimJson,
) -> Result<Response, ScimApiError> {
    let p = ListParams::from_search(&b)?;
    let parsed = parse_filter(&p)?;
    let (start_index, count) = window(&p)?;
    let mut checked = Vec::new();
    let mut last_error = None;
    for kind in [User, Group] {
        match parsed.clone().map(|f| f.check(kind)).transpose() {
            Ok(f) => checked.push((kind, f)),
            Err(e) => last_error = Some(e),
        }
    }
    if checked.is_empty() {
        return Err(last_error.map_or_else(
            || ScimApiError::Internal("no resource type".into()),
            Into::into,
        ));
    }
    let (mut total, mut resources, mut skip) = (0u64, Vec::new(), start_index - 1);
    for (kind, filter) in &checked {
        let projection = Projection::parse(
            p.attributes.as_deref(),
            p.excluded_attributes.as_deref(),
            *kind,
        )?;
        // Users and Groups share no sortable order, so the root search keeps its fixed
        // order: Users, then Groups, each by creation.
        let q = ListQuery {
            filter: filter.as_ref(),
            start_index: skip + 1,
            count: count - resources.len() as u64,
            sort: None,
        };
        let (matched, page) = listed(&app, &ws.workspace_id, *kind, q, &projection).await?;
        total += matched;
        skip = skip.saturating_sub(matched);
        resources.extend(page);
    }
    Ok(Scim(scim::ListResponse::new(resources, total, start_index)).into_response())
}

async fn create<K: Kind>(
    State(app): State<AppState>,
    ws: WorkspaceAuth,
    ScimJson(body): ScimJson,
) -> Result<Response, ScimApiError> {
    let (app, ws, kind) = (&app, &ws, K::KIND);
    let incoming = scim::resource::from_request(kind, body, Mode::Create)?;
    let change = ws.change(app);
    let id = Uuid::now_v7();
    let row = match kind {
        User => app.store.create_user(&change, id, &incoming.doc).await?,
        Group => {
            let members = member_ids(incoming.members.as_deref().unwrap_or_default())?;
            app.store
                .create_group(&change, id, &incoming.doc, &members)
                .await?
        }
    };
    respond(app, &ws.workspace_id, kind, &row, StatusCode::CREATED).await
}

async fn read<K: Kind>(
    State(app): State<AppState>,
    ws: WorkspaceAuth,
    Path(id): Path<String>,
    p: ListParams,
    h: HeaderMap,
) -> Result<Response, ScimApiError> {
    let (app, ws, kind, id) = (&app, &ws, K::KIND, id.as_str());
    let uuid = resource_id(kind, id)?;
    let projection = Projection::parse(
        p.attributes.as_deref(),
        p.excluded_attributes.as_deref(),
        kind,
    )?;
    let (row, related) = app
        .store
        .resource_related(
            kind,
            &ws.workspace_id,
            uuid,
            shows_related(kind, &projection),
        )
        .await
        .map_err(for_resource(kind, id))?;
    if none_match(&h, row.version) {
        let mut resp = StatusCode::NOT_MODIFIED.into_response();
        set_etag(&mut resp, row.version);
        return Ok(resp);
    }
    let mut related = related.map(|r| related_values(app, kind, r));
    let body = document(
        app,
        kind,
        &row,
        related_of(related.as_mut(), row.id),
        &projection,
    );
    let mut resp = Scim(body).into_response();
    set_etag(&mut resp, row.version);
    Ok(resp)
}

/// PUT is a full replace (RFC 7644 §3.5.1), except for what a client that read the
/// resource may legitimately have left out: a user's `active` and a group's
/// `displayName` and `members` keep their current values (see `scim::resource`).
async fn replace<K: Kind>(
    State(app): State<AppState>,
    ws: WorkspaceAuth,
    Path(id): Path<String>,
    h: HeaderMap,
    ScimJson(body): ScimJson,
) -> Result<Response, ScimApiError> {
    let (app, ws, kind, id, h) = (&app, &ws, K::KIND, id.as_str(), &h);
    let uuid = resource_id(kind, id)?;
    let expected = if_match(h)?;
    let incoming = scim::resource::from_request(kind, body, Mode::Replace)?;
    let members = incoming.members.as_deref().map(member_ids).transpose()?;
    let keep: &[&str] = match kind {
        User => &["active"],
        Group => &["displayName"],
    };
    let row = app
        .store
        .modify(kind, &ws.change(app), uuid, expected, |doc| {
            let mut new = incoming.doc;
            if let (Value::Object(new), Value::Object(old)) = (&mut new, &*doc) {
                for key in keep {
                    if !new.contains_key(*key)
                        && let Some(v) = old.get(*key)
                    {
                        new.insert((*key).to_owned(), v.clone());
                    }
                }
            }
            *doc = new;
            Ok::<_, ScimApiError>(members.map(MemberChange::Replace).into_iter().collect())
        })
        .await
        .map_err(for_resource(kind, id))??;
    respond(app, &ws.workspace_id, kind, &row, StatusCode::OK).await
}

/// PATCH (RFC 7644 §3.5.2): all operations or none, in one transaction. Users get
/// 200 with the resource; groups 204, as Entra advises (no member list to send back).
async fn patch<K: Kind>(
    State(app): State<AppState>,
    ws: WorkspaceAuth,
    Path(id): Path<String>,
    h: HeaderMap,
    ScimJson(body): ScimJson,
) -> Result<Response, ScimApiError> {
    let (app, ws, kind, id, h) = (&app, &ws, K::KIND, id.as_str(), &h);
    let uuid = resource_id(kind, id)?;
    let expected = if_match(h)?;
    let request = scim::patch::PatchRequest::parse(body)?;
    let row = app
        .store
        .modify(kind, &ws.change(app), uuid, expected, |doc| {
            let outcome = scim::patch::apply(kind, doc, &request)?;
            if !outcome.ignored.is_empty() {
                tracing::debug!(ignored = ?outcome.ignored, "PATCH operations ignored");
            }
            member_changes(outcome.members)
        })
        .await
        .map_err(for_resource(kind, id))??;
    match kind {
        User => respond(app, &ws.workspace_id, kind, &row, StatusCode::OK).await,
        Group => {
            let mut resp = StatusCode::NO_CONTENT.into_response();
            set_etag(&mut resp, row.version);
            Ok(resp)
        }
    }
}

async fn delete<K: Kind>(
    State(app): State<AppState>,
    ws: WorkspaceAuth,
    Path(id): Path<String>,
) -> Result<StatusCode, ScimApiError> {
    let (app, ws, kind, id) = (&app, &ws, K::KIND, id.as_str());
    let uuid = resource_id(kind, id)?;
    app.store
        .delete_resource(kind, &ws.change(app), uuid)
        .await
        .map_err(for_resource(kind, id))?;
    Ok(StatusCode::NO_CONTENT)
}
