//! The SCIM surfaces, 2.0 under `/scim/v2` and 1.1 under `/scim/v1`: every route
//! authenticates first, so an IdP with a bad credential gets a 401 wherever it points.

mod auth;
mod discovery;
mod extract;
mod record;
mod resources;
mod response;
mod v1;

use axum::Router;

pub(crate) use auth::WorkspaceAuth;
pub(super) use record::record;
pub(crate) use response::{Scim, ScimApiError};
pub(super) use v1::router as v1_router;

use crate::state::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .merge(discovery::router())
        .merge(resources::router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

/// An unknown path under the base URL: a SCIM 404, after authentication.
async fn not_found(_ws: WorkspaceAuth) -> ScimApiError {
    unknown_endpoint("/scim/v2")
}

fn unknown_endpoint(base: &str) -> ScimApiError {
    ScimApiError::Scim(scim::Error::new(
        404,
        format!(
            "No such SCIM endpoint. The base URL should end in {base}; resources are /Users and /Groups."
        ),
    ))
}

async fn method_not_allowed(_ws: WorkspaceAuth) -> ScimApiError {
    ScimApiError::Scim(scim::Error::new(
        405,
        "This endpoint does not support that HTTP method.",
    ))
}
