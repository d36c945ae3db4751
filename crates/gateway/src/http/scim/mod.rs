//! The SCIM 2.0 surface under `/scim/v2`: every route authenticates first, so an
//! IdP with a bad credential gets a 401 wherever it points.

mod auth;
mod discovery;
mod extract;
mod resources;
mod response;

use axum::Router;

pub(crate) use auth::WorkspaceAuth;
pub(crate) use response::{Scim, ScimApiError};

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
    ScimApiError::Scim(scim::Error::new(
        404,
        "No such SCIM endpoint. The base URL should end in /scim/v2; resources are /Users and /Groups.",
    ))
}

async fn method_not_allowed(_ws: WorkspaceAuth) -> ScimApiError {
    ScimApiError::Scim(scim::Error::new(
        405,
        "This endpoint does not support that HTTP method.",
    ))
}
