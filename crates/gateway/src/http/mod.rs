//! The HTTP surface: one router per area, merged here with the layers every
//! request goes through.

pub(crate) mod admin;
mod guard;
mod health;
pub(crate) mod metrics;
pub(crate) mod oauth;
mod observe;
mod scim;

use std::future::Future;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Request};
use axum::http::{HeaderName, HeaderValue, header};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tower::{Layer, ServiceExt};
use tower_http::normalize_path::{NormalizePath, NormalizePathLayer};
use tower_http::set_header::SetResponseHeaderLayer;

pub(crate) use self::observe::Attribution;
use crate::state::AppState;

/// The largest request body accepted (advertised in `ServiceProviderConfig`).
pub(crate) const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The whole application. Path normalisation wraps the finished router, because a
/// layer added with `Router::layer` would run after routing (docs/style.md §11).
pub fn app(state: AppState) -> NormalizePath<Router> {
    let router = Router::new()
        .merge(health::router())
        .merge(admin::router())
        .merge(oauth::router())
        // Outside the 1.1 translation, so the log shows the path the IdP called.
        .nest(
            "/scim/v2",
            scim::router().layer(axum::middleware::from_fn_with_state(
                state.clone(),
                scim::record,
            )),
        )
        .nest(
            "/scim/v1",
            scim::v1_router(state.clone()).layer(axum::middleware::from_fn_with_state(
                state.clone(),
                scim::record,
            )),
        )
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::guard,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            observe::observe,
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("x-content-type-options"),
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("x-frame-options"),
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("referrer-policy"),
            HeaderValue::from_static("no-referrer"),
        ))
        // Pages set their own policy; everything else is data, never a document
        // to render or frame.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        ))
        // SCIM bodies are directory data and OAuth bodies credentials: no shared
        // cache may keep them. Responses that may be cached say so themselves.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .with_state(state);
    NormalizePathLayer::trim_trailing_slash().layer(router)
}

/// Serves `app` on `listener` until `shutdown` resolves, then lets open
/// connections finish their requests for at most `drain`.
///
/// hyper directly rather than `axum::serve`, which sets no timer and so cannot
/// drop a client that trickles its request head (slowloris): here a head must
/// arrive within `request_timeout`, and the `guard` layer bounds the rest.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: NormalizePath<Router>,
    request_timeout: Duration,
    shutdown: impl Future<Output = ()>,
    drain: Duration,
) -> std::io::Result<()> {
    // HTTP/1.1 only, as before: what Okta, Entra and browsers send to the gateway
    // (a TLS terminator in front speaks HTTP/2 to clients if it likes).
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(request_timeout);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, usually: back off instead of spinning.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            app.clone().oneshot(req.map(Body::new))
        });
        let conn = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection closed with an error");
            }
        });
    }
    drop(listener);
    tracing::info!("shutting down: finishing in-flight requests");
    if tokio::time::timeout(drain, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            timeout_s = drain.as_secs(),
            "shutdown timeout reached; abandoning in-flight requests"
        );
    }
    Ok(())
}
