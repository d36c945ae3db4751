//! Records every SCIM request, both dialects, in its workspace's provisioning log
//! (`crate::provlog`): the authentication extractor names the workspace through
//! the request's [`Attribution`], a failed response carries its [`Failed`]
//! reason, and the entry is queued without waiting on the database.

use std::time::Instant;

use axum::extract::{OriginalUri, Request, State};
use axum::http::header::USER_AGENT;
use axum::middleware::Next;
use axum::response::Response;
use store::LogEntry;

use super::response::Failed;
use crate::http::Attribution;
use crate::provlog::Reason;
use crate::state::AppState;

/// Longest `filter` kept in an entry.
const MAX_FILTER_CHARS: usize = 500;

pub(crate) async fn record(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let now = app.clock.now();
    // Put there by the observe middleware, which every request passes first.
    let attribution = req
        .extensions()
        .get::<Attribution>()
        .cloned()
        .unwrap_or_default();
    let uri = req
        .extensions()
        .get::<OriginalUri>()
        .map_or_else(|| req.uri().clone(), |o| o.0.clone());
    let method = req.method().to_string();
    let idp =
        scim::Idp::from_user_agent(req.headers().get(USER_AGENT).and_then(|v| v.to_str().ok()));
    let response = next.run(req).await;
    let reason = response.extensions().get::<Failed>().map(|f| f.0);
    let status = response.status().as_u16();
    let Some(workspace_id) = attribution.get().map(str::to_owned) else {
        app.provlog.unattributed(reason.unwrap_or(Reason::Other));
        return response;
    };
    let filter = uri.query().and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k.eq_ignore_ascii_case("filter"))
            .map(|(_, v)| v.chars().take(MAX_FILTER_CHARS).collect::<String>())
    });
    app.provlog.record(LogEntry {
        id: uuid::Uuid::now_v7(),
        workspace_id,
        occurred_at: now,
        method,
        route: uri.path().to_owned(),
        filter,
        status: i64::from(status),
        duration_us: i64::try_from(started.elapsed().as_micros()).unwrap_or(i64::MAX),
        idp: idp.as_str().to_owned(),
        reason: reason.map(|r| r.code().to_owned()),
    });
    response
}
