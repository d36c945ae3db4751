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

/// What the server really does: PATCH, filters (up to a page of
/// [`super::resources::MAX_PAGE`]), sorting, `ETag`s. No bulk, and no password
/// changes (passwords are never stored).
pub(super) fn capabilities() -> scim::discovery::Capabilities {
    scim::discovery::Capabilities {
        patch: true,
        bulk: None,
        filter_max_results: Some(u32::try_from(super::resources::MAX_PAGE).unwrap_or(u32::MAX)),
        change_password: false,
        sort: true,
        etag: true,
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
