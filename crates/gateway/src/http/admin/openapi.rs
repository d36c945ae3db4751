//! `/admin/api/openapi.json`: the admin API described from the handlers' own
//! `#[utoipa::path]` annotations, so the document cannot drift from the code.

use axum::Json;
use axum::response::{IntoResponse, Response};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{access_api, billing_api, clients_api, grants_api};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "scimgate admin API",
        description = "What a workspace admin does in the console, for scripts and the vendor's own UI. \
            Authenticate with the console's session cookie (writes also need the x-csrf-token header or a JSON body) \
            or with an admin API key: `Authorization: Bearer sgak_…`. Every call acts on the caller's workspace only; \
            anything of another workspace is 404."
    ),
    paths(
        access_api::settings,
        access_api::set_settings,
        access_api::tokens,
        access_api::create_token,
        access_api::revoke_token,
        access_api::api_keys,
        access_api::create_api_key,
        access_api::revoke_api_key,
        access_api::audit,
        clients_api::list,
        clients_api::create,
        clients_api::rotate,
        clients_api::add_redirect_uri,
        clients_api::remove_redirect_uri,
        clients_api::delete,
        grants_api::list,
        grants_api::revoke,
        billing_api::seats,
        billing_api::set_seats,
        billing_api::buy_seats,
        billing_api::ledger,
        billing_api::hooks,
        billing_api::add_hook,
        billing_api::remove_hook,
        billing_api::deliveries,
        billing_api::replay,
        billing_api::events,
        billing_api::guard,
        billing_api::set_guard,
        billing_api::resume_guard,
        billing_api::cancel_guard,
    ),
    modifiers(&Security),
    security(("session" = []), ("api_key" = []))
)]
pub(crate) struct AdminApi;

/// The two ways to authenticate, named by `security` above.
struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "scimgate_session",
                "the console's session cookie (__Host-scimgate_session over https)",
            ))),
        );
        let mut bearer = Http::new(HttpAuthScheme::Bearer);
        bearer.description = Some("an admin API key, sgak_…".to_owned());
        components.add_security_scheme("api_key", SecurityScheme::Http(bearer));
    }
}

pub(super) async fn document() -> Response {
    Json(AdminApi::openapi()).into_response()
}
