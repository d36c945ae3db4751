//! Discovery (RFC 7644 §4): what this server supports, described truthfully.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use serde_json::Value;

use super::{Scim, ScimApiError, WorkspaceAuth};
use crate::state::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/ServiceProviderConfig", get(service_provider_config))
        .route("/ResourceTypes", get(resource_types))
        .route("/ResourceTypes/{id}", get(resource_type))
        .route("/Schemas", get(schemas))
        .route("/Schemas/{id}", get(schema))
}

/// What the server really does today. Users and Groups (filter, PATCH, `ETag`s,
/// sorting) are issue #3; each flag flips when its feature is served.
fn capabilities() -> scim::discovery::Capabilities {
    scim::discovery::Capabilities {
        patch: false,
        bulk: None,
        filter_max_results: None,
        change_password: false,
        sort: false,
        etag: false,
        max_payload_bytes: crate::http::MAX_BODY_BYTES as u64,
    }
}

async fn service_provider_config(State(app): State<AppState>, _ws: WorkspaceAuth) -> Scim<Value> {
    Scim(scim::discovery::service_provider_config(
        &app.urls.scim_base(),
        &capabilities(),
        None,
    ))
}

async fn resource_types(State(app): State<AppState>, _ws: WorkspaceAuth) -> Scim<Value> {
    Scim(scim::discovery::resource_types(&app.urls.scim_base()))
}

async fn resource_type(
    State(app): State<AppState>,
    _ws: WorkspaceAuth,
    Path(id): Path<String>,
) -> Result<Scim<Value>, ScimApiError> {
    scim::discovery::resource_type(&app.urls.scim_base(), &id)
        .map(Scim)
        .ok_or_else(|| {
            scim::Error::new(
                404,
                format!("No resource type \"{id}\"; this server has User and Group."),
            )
            .into()
        })
}

async fn schemas(State(app): State<AppState>, _ws: WorkspaceAuth) -> Scim<Value> {
    Scim(scim::discovery::schemas(&app.urls.scim_base()))
}

async fn schema(
    State(app): State<AppState>,
    _ws: WorkspaceAuth,
    Path(id): Path<String>,
) -> Result<Scim<Value>, ScimApiError> {
    scim::discovery::schema(&app.urls.scim_base(), &id)
        .map(Scim)
        .ok_or_else(|| scim::Error::new(404, format!("No schema \"{id}\".")).into())
}
