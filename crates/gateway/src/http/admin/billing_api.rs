//! `/admin/api/seats`, `/hooks`, `/deliveries`, `/events` and `/guard`: a workspace
//! admin's seat settings, manual purchases and ledger, billing hooks and their
//! deliveries, the pull API for billing events, and the deprovisioning safeguard. The
//! bodies are the CLI's `--json` shapes (`crate::billing`); refusals are `super::api`'s.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};
use store::{GuardSettings, SeatSettings, StoreError};
use uuid::Uuid;

use super::api;
use super::session::AdminAuth;
use crate::billing as views;
use crate::state::AppState;

/// Most rows one list request returns.
const MAX_LIMIT: u32 = 1000;

pub(super) fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/admin/api/seats", get(seats).patch(set_seats))
        .route("/admin/api/seats/purchases", post(buy_seats))
        .route("/admin/api/seats/ledger", get(ledger))
        .route("/admin/api/hooks", get(hooks).post(add_hook))
        .route("/admin/api/hooks/{id}", delete(remove_hook))
        .route("/admin/api/deliveries", get(deliveries))
        .route("/admin/api/deliveries/{id}/replay", post(replay))
        .route("/admin/api/events", get(events))
        .route("/admin/api/guard", get(guard).patch(set_guard))
        .route("/admin/api/guard/resume", post(resume_guard))
        .route("/admin/api/guard/cancel", post(cancel_guard))
}

/// A refused request, in the admin API's one shape (`super::api`).
#[derive(Debug)]
pub(super) enum ApiError {
    Invalid(String),
    NotFound(&'static str),
    Store(StoreError),
    Internal(String),
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            Self::Invalid(message) => api::error(StatusCode::BAD_REQUEST, &message),
            Self::NotFound(what) => api::error(
                StatusCode::NOT_FOUND,
                &format!("no such {what} in this workspace"),
            ),
            Self::Store(e) => api::store_error(&e),
            Self::Internal(detail) => {
                tracing::error!(error = %detail, "admin API failure");
                api::error(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
            }
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::NotFound("workspace"),
            other => Self::Store(other),
        }
    }
}

fn not_found(what: &'static str) -> impl FnOnce(StoreError) -> ApiError {
    move |e| match e {
        StoreError::NotFound => ApiError::NotFound(what),
        other => other.into(),
    }
}

type ApiResult = Result<Json<Value>, ApiError>;

/// `Some(value)` for a present field, so `Option<Option<T>>` tells `null` from absent.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

#[utoipa::path(get, path = "/admin/api/seats", tag = "seats", responses((status = 200, description = "seats in use, purchased, auto-charge and its cap"), (status = 401, description = "no admin session or API key")))]
pub(super) async fn seats(State(app): State<AppState>, AdminAuth(admin): AdminAuth) -> ApiResult {
    Ok(Json(views::seats(
        &app.store.seat_status(&admin.workspace_id).await?,
    )))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct SeatsPatch {
    /// A correction of the allotment (not a purchase).
    seats_purchased: Option<u32>,
    auto_charge: Option<bool>,
    /// `null` removes the cap.
    #[expect(
        clippy::option_option,
        reason = "absent keeps the cap, null removes it"
    )]
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<u32>)]
    auto_charge_cap: Option<Option<u32>>,
}

#[utoipa::path(patch, path = "/admin/api/seats", tag = "seats", request_body = SeatsPatch, responses((status = 200, description = "the new seat settings"), (status = 400, description = "bad body"), (status = 401, description = "no admin session or API key")))]
pub(super) async fn set_seats(
    State(app): State<AppState>,
    AdminAuth(admin): AdminAuth,
    Json(p): Json<SeatsPatch>,
) -> ApiResult {
    let settings = SeatSettings {
        seats_purchased: p.seats_purchased.map(i64::from),
        auto_charge: p.auto_charge,
        auto_charge_cap: p.auto_charge_cap.map(|c| c.map(i64::from)),
    };
    let s = app
        .store
        .update_seat_settings(&admin.workspace_id, settings)
        .await?;
    tracing::info!(workspace.id = %admin.workspace_id, "seat settings changed by an admin");
    Ok(Json(views::seats(&s)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct Purchase {
    count: u32,
}

#[utoipa::path(post, path = "/admin/api/seats/purchases", tag = "seats", request_body = Purchase, responses((status = 201, description = "the purchase and the new seat status"), (status = 400, description = "bad count"), (status = 401, description = "no admin session or API key")))]
pub(super) async fn buy_seats(
    State(app): State<AppState>,
    AdminAuth(admin): AdminAuth,
    Json(p): Json<Purchase>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    if p.count == 0 {
        return Err(ApiError::Invalid("count must be at least 1".into()));
    }
    let actor = admin.actor.clone();
    let s = app
        .store
        .buy_seats(
            &admin.workspace_id,
            i64::from(p.count),
            &actor,
            app.clock.now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(views::seats(&s))))
}

#[utoipa::path(get, path = "/admin/api/seats/ledger", tag = "seats", responses((status = 200, description = "the seat ledger, newest first"), (status = 401, description = "no admin session or API key")))]
pub(super) async fn ledger(State(app): State<AppState>, AdminAuth(admin): AdminAuth) -> ApiResult {
    let entries = app.store.seat_ledger(&admin.workspace_id).await?;
    let items: Vec<_> = entries.iter().map(views::purchase).collect();
    Ok(Json(json!({"purchases": items})))
}

#[utoipa::path(get, path = "/admin/api/hooks", tag = "hooks", responses((status = 200, description = "the billing hooks (never their secrets)"), (status = 401, description = "no admin session or API key")))]
pub(super) async fn hooks(State(app): State<AppState>, AdminAuth(admin): AdminAuth) -> ApiResult {
    let hooks = app.store.hooks(&admin.workspace_id).await?;
    let items: Vec<_> = hooks.iter().map(views::hook).collect();
    Ok(Json(json!({"hooks": items})))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct NewHook {
    url: String,
    /// Event types to send (e.g. `seat.charged`); all when empty.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    events: Vec<seats::EventType>,
}

#[utoipa::path(post, path = "/admin/api/hooks", tag = "hooks", request_body = NewHook, responses((status = 201, description = "the hook with its signing secret, in this response only"), (status = 400, description = "bad URL or events"), (status = 401, description = "no admin session or API key")))]
/// Registers a hook; the response carries its signing secret, the only time it is shown.
/// Loopback `http` is for development and only through the CLI.
pub(super) async fn add_hook(
    State(app): State<AppState>,
    AdminAuth(admin): AdminAuth,
    Json(mut h): Json<NewHook>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let url = seats::validate_endpoint(&h.url, false)
        .map_err(|e| ApiError::Invalid(format!("url: {e}")))?;
    let secret = seats::WebhookSecret::generate().map_err(|e| ApiError::Internal(e.to_string()))?;
    h.events.sort();
    h.events.dedup();
    let hook = app
        .store
        .create_hook(
            &admin.workspace_id,
            url.as_str(),
            &secret.expose(),
            &h.events,
            app.clock.now(),
        )
        .await?;
    tracing::info!(workspace.id = %admin.workspace_id, hook.id = %hook.id, "billing hook added by an admin");
    let mut body = views::hook(&hook);
    body["secret"] = json!(secret.expose());
    Ok((StatusCode::CREATED, Json(body)))
}

#[utoipa::path(delete, path = "/admin/api/hooks/{id}", tag = "hooks", params(("id" = Uuid, Path, description = "the hook's id")), responses((status = 204, description = "removed"), (status = 404, description = "no such hook here"), (status = 401, description = "no admin session or API key")))]
pub(super) async fn remove_hook(
    State(app): State<AppState>,
    AdminAuth(admin): AdminAuth,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    app.store
        .delete_hook(&admin.workspace_id, id)
        .await
        .map_err(not_found("hook"))?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct Window {
    after: Option<Uuid>,
    limit: Option<u32>,
}

impl Window {
    fn limit(&self) -> u32 {
        self.limit.unwrap_or(100).clamp(1, MAX_LIMIT)
    }
}

#[utoipa::path(get, path = "/admin/api/deliveries", tag = "hooks", params(Window), responses((status = 200, description = "recent deliveries with status and attempts"), (status = 401, description = "no admin session or API key")))]
pub(super) async fn deliveries(
    State(app): State<AppState>,
    AdminAuth(admin): AdminAuth,
    Query(w): Query<Window>,
) -> ApiResult {
    let all = app.store.deliveries(&admin.workspace_id, w.limit()).await?;
    let items: Vec<_> = all.iter().map(views::delivery).collect();
    Ok(Json(json!({"deliveries": items})))
}

#[utoipa::path(post, path = "/admin/api/deliveries/{id}/replay", tag = "hooks", params(("id" = Uuid, Path, description = "the delivery's id")), responses((status = 200, description = "the delivery, due again"), (status = 404, description = "no such delivery here"), (status = 401, description = "no admin session or API key")))]
pub(super) async fn replay(
    State(app): State<AppState>,
    AdminAuth(admin): AdminAuth,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    app.store
        .replay_delivery(&admin.workspace_id, id, app.clock.now())
        .await
        .map_err(not_found("delivery"))?;
    Ok(StatusCode::ACCEPTED)
}

#[utoipa::path(get, path = "/admin/api/events", tag = "hooks", params(Window), responses((status = 200, description = "billing events after a cursor (the pull API)"), (status = 401, description = "no admin session or API key")))]
/// The pull API: events after the cursor `after` (an event id), oldest first; `next`
/// is the cursor for the following page.
pub(super) async fn events(
    State(app): State<AppState>,
    AdminAuth(admin): AdminAuth,
    Query(w): Query<Window>,
) -> ApiResult {
    let events = app
        .store
        .events_after(&admin.workspace_id, w.after, w.limit())
        .await?;
    Ok(Json(views::events_page(&events, w.after)?))
}

#[utoipa::path(get, path = "/admin/api/guard", tag = "guard", responses((status = 200, description = "the deprovisioning safeguard's settings and state"), (status = 401, description = "no admin session or API key")))]
pub(super) async fn guard(State(app): State<AppState>, AdminAuth(admin): AdminAuth) -> ApiResult {
    Ok(Json(views::guard(
        &app.store.guard_status(&admin.workspace_id).await?,
    )))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct GuardPatch {
    share_percent: Option<u8>,
    min_users: Option<u32>,
    window_seconds: Option<u32>,
}

#[utoipa::path(patch, path = "/admin/api/guard", tag = "guard", request_body = GuardPatch, responses((status = 200, description = "the new safeguard settings"), (status = 400, description = "bad body"), (status = 401, description = "no admin session or API key")))]
pub(super) async fn set_guard(
    State(app): State<AppState>,
    AdminAuth(admin): AdminAuth,
    Json(p): Json<GuardPatch>,
) -> ApiResult {
    if p.share_percent.is_some_and(|s| s > 100) {
        return Err(ApiError::Invalid("share_percent is at most 100".into()));
    }
    let settings = GuardSettings {
        share_percent: p.share_percent.map(i64::from),
        min_users: p.min_users.map(i64::from),
        window_seconds: p.window_seconds.map(i64::from),
    };
    Ok(Json(views::guard(
        &app.store
            .update_guard(&admin.workspace_id, settings)
            .await?,
    )))
}

#[utoipa::path(post, path = "/admin/api/guard/resume", tag = "guard", responses((status = 200, description = "paused deprovisionings go ahead"), (status = 401, description = "no admin session or API key")))]
pub(super) async fn resume_guard(
    State(app): State<AppState>,
    AdminAuth(admin): AdminAuth,
) -> ApiResult {
    let g = app
        .store
        .resume_guard(&admin.workspace_id, app.clock.now())
        .await?;
    tracing::info!(workspace.id = %admin.workspace_id, "deprovisioning resumed by an admin");
    Ok(Json(views::guard(&g)))
}

#[utoipa::path(post, path = "/admin/api/guard/cancel", tag = "guard", responses((status = 200, description = "paused deprovisionings are cancelled"), (status = 401, description = "no admin session or API key")))]
pub(super) async fn cancel_guard(
    State(app): State<AppState>,
    AdminAuth(admin): AdminAuth,
) -> ApiResult {
    let g = app.store.cancel_guard(&admin.workspace_id).await?;
    tracing::info!(workspace.id = %admin.workspace_id, "held deprovisioning cancelled by an admin");
    Ok(Json(views::guard(&g)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn each_refusal_has_its_status_and_no_internal_detail() {
        let cases = [
            (ApiError::Invalid("count".into()), 400),
            (ApiError::NotFound("hook"), 404),
            (StoreError::NotFound.into(), 404),
            (StoreError::Unavailable("pool".into()).into(), 503),
            (StoreError::Internal("secret sql".into()).into(), 500),
            (ApiError::Internal("secret sql".into()), 500),
        ];
        for (err, status) in cases {
            let r = err.into_response();
            assert_eq!(r.status().as_u16(), status);
            let body = axum::body::to_bytes(r.into_body(), 1 << 16).await.unwrap();
            let v: Value = serde_json::from_slice(&body).unwrap();
            assert!(v["error"].is_string(), "{v}");
            assert!(!v.to_string().contains("secret sql") && !v.to_string().contains("pool"));
        }
    }

    #[test]
    fn a_null_cap_is_told_from_an_absent_one() {
        let p: SeatsPatch = serde_json::from_str(r#"{"auto_charge_cap": null}"#).unwrap();
        assert_eq!(p.auto_charge_cap, Some(None));
        let p: SeatsPatch = serde_json::from_str(r"{}").unwrap();
        assert_eq!(p.auto_charge_cap, None);
        let p: SeatsPatch = serde_json::from_str(r#"{"auto_charge_cap": 70}"#).unwrap();
        assert_eq!(p.auto_charge_cap, Some(Some(70)));
    }
}
