//! `/admin/api/openapi.json`: the admin API described from the handlers' own
//! `#[utoipa::path]` annotations, so the document cannot drift from the code.

use axum::Json;
use axum::response::{IntoResponse, Response};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{access_api, billing_api, clients_api, directory_api, grants_api};

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
        directory_api::log,
        directory_api::users,
        directory_api::user,
        directory_api::groups,
        directory_api::group,
        directory_api::role_mappings,
        directory_api::add_mapping,
        directory_api::remove_mapping,
        directory_api::set_default,
    ),
    modifiers(&Security, &Errors),
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

/// Answers any admin API operation can give besides its own, all with the
/// `{"error": …}` body of `api::error`: listed once here rather than on every
/// handler, so a client (and schemathesis) knows every status it can meet.
struct Errors;

const ERRORS: [(&str, &str); 9] = [
    ("400", "a malformed request; `error` says what to fix"),
    ("401", "no admin session or API key"),
    ("403", "a cookie-authenticated write without the CSRF token"),
    ("404", "nothing of that id in the caller's workspace"),
    ("413", "the body is larger than the gateway accepts"),
    ("415", "the body is not JSON"),
    ("422", "the JSON body does not fit the operation"),
    ("429", "too many requests; retry after `Retry-After`"),
    (
        "503",
        "the database is unavailable or the gateway is shedding load; retry after `Retry-After`",
    ),
];

impl Modify for Errors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                for (status, description) in ERRORS {
                    operation
                        .responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| utoipa::openapi::Response::new(description).into());
                }
            }
        }
    }
}

pub(super) async fn document() -> Response {
    Json(AdminApi::openapi()).into_response()
}
