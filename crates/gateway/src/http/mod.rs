//! The HTTP surface: one router per area, merged here with the layers every
//! request goes through.

pub(crate) mod admin;
mod health;
pub(crate) mod metrics;
pub(crate) mod oauth;
mod observe;
mod scim;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderName, HeaderValue};
use tower::Layer;
use tower_http::normalize_path::{NormalizePath, NormalizePathLayer};
use tower_http::set_header::SetResponseHeaderLayer;

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
        .with_state(state);
    NormalizePathLayer::trim_trailing_slash().layer(router)
}

/// Turns the application into what `axum::serve` takes.
pub fn into_service(
    app: NormalizePath<Router>,
) -> axum::extract::connect_info::IntoMakeServiceWithConnectInfo<
    NormalizePath<Router>,
    std::net::SocketAddr,
> {
    axum::ServiceExt::<Request>::into_make_service_with_connect_info::<std::net::SocketAddr>(app)
}
