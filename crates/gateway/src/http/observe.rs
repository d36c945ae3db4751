//! One middleware for what every request needs observed: a request id (generated
//! here, returned in `x-request-id`), a span carrying it, one log line at the end
//! with method, matched route, workspace, status and duration, and the Prometheus
//! series.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

use crate::state::AppState;
use crate::telemetry::REQUEST_ID;

/// The header that carries the request id back to the client.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The workspace a request acts for, left here by the extractor of its credential
/// (SCIM token or grant, admin session or API key): the request's log line names
/// it, and a SCIM request's provisioning-log entry goes to it. Set once, also for
/// a refused token whose row names its workspace (revoked, expired), so that
/// workspace's admin sees the refusal.
#[derive(Debug, Clone, Default)]
pub(crate) struct Attribution(Arc<OnceLock<String>>);

impl Attribution {
    pub(crate) fn set(&self, workspace: &str) {
        let _ = self.0.set(workspace.to_owned());
    }

    pub(crate) fn get(&self) -> Option<&str> {
        self.0.get().map(String::as_str)
    }
}

// The request's fields go on its closing line rather than on the span: the JSON
// formatter writes a span's fields out as text when they are recorded and parses
// them back for every line, which was half of the log's cost per request
// (docs/benchmarks.md, change 19). Other lines of the request carry its id.
pub(super) async fn observe(State(app): State<AppState>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    // Never the raw URI: query strings carry codes, state and filter values.
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = req.method().clone();
    let request_id = uuid::Uuid::new_v4().simple().to_string();
    let span = tracing::info_span!("request", request_id = %request_id);
    let attribution = Attribution::default();
    req.extensions_mut().insert(attribution.clone());
    let mut response = REQUEST_ID
        .scope(request_id.clone(), next.run(req))
        .instrument(span.clone())
        .await;
    let elapsed = started.elapsed();
    let status = response.status();
    span.in_scope(|| {
        tracing::info!(
            method = %method,
            route = %route,
            workspace.id = attribution.get(),
            status = status.as_u16(),
            duration_ms = elapsed.as_secs_f64() * 1e3,
            "request finished"
        );
    });
    app.metrics
        .record(method.as_str(), &route, status.as_u16(), elapsed);
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, v);
    }
    response
}
