//! The SCIM 1.1 surface under `/scim/v1`, for Okta's "SCIM 1.1 Header Auth"
//! template: the 2.0 handlers behind a layer that translates each request into
//! 2.0 and each response back into 1.1 (`scim::v1`). Same credentials, same
//! store calls, same seat rules and audit entries; only the wire format differs.

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE, LOCATION};
use axum::http::uri::PathAndQuery;
use axum::http::{HeaderValue, Method, Uri};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use scim::schema::ResourceKind;
use scim::v1::Bases;
use serde_json::Value;

use super::extract::ScimJson;
use super::{Scim, ScimApiError, WorkspaceAuth};
use crate::state::AppState;

pub(in crate::http) fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/ServiceProviderConfigs", get(service_provider_config))
        .route("/Schemas", get(schemas))
        .route("/Schemas/{id}", get(schema))
        .merge(super::resources::crud_router())
        .fallback(not_found)
        .method_not_allowed_fallback(super::method_not_allowed)
        .layer(from_fn_with_state(state, dialect))
}

async fn not_found(_ws: WorkspaceAuth) -> ScimApiError {
    super::unknown_endpoint("/scim/v1")
}

/// Translates one exchange: 1.1 request → 2.0 handler → 1.1 response.
async fn dialect(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let response = match request_to_v2(req).await {
        Ok(req) => next.run(req).await,
        Err(e) => e.into_response(),
    };
    let (v2, v1) = (app.urls.scim_base(), app.urls.scim_v1_base());
    response_to_v1(response, Bases { v2: &v2, v1: &v1 }).await
}

async fn request_to_v2(req: Request) -> Result<Request, ScimApiError> {
    let (mut parts, body) = req.into_parts();
    if let Some(query) = parts.uri.query() {
        parts.uri = with_query(&parts.uri, &query_to_v2(query))?;
    }
    let kind = match parts.uri.path().trim_start_matches('/').split('/').next() {
        Some("Users") => Some(ResourceKind::User),
        Some("Groups") => Some(ResourceKind::Group),
        _ => None,
    };
    let writes = [Method::POST, Method::PUT, Method::PATCH].contains(&parts.method);
    let (Some(kind), true) = (kind, writes) else {
        return Ok(Request::from_parts(parts, body));
    };
    // The 2.0 extractor reads the body here, so a 1.1 client gets the same 413,
    // 415 and invalidSyntax answers (with the same body limit).
    let mut probe = Request::new(body);
    *probe.headers_mut() = parts.headers.clone();
    *probe.extensions_mut() = parts.extensions.clone();
    let ScimJson(doc) = ScimJson::from_request(probe, &()).await?;
    let doc = if parts.method == Method::PATCH {
        scim::v1::patch_to_v2(doc)?
    } else {
        scim::v1::resource_to_v2(kind, doc)
    };
    let bytes = serde_json::to_vec(&doc)
        .map_err(|e| ScimApiError::Internal(format!("serializing a translated body: {e}")))?;
    parts.headers.remove(CONTENT_LENGTH);
    parts
        .headers
        .insert(CONTENT_TYPE, HeaderValue::from_static(scim::MEDIA_TYPE));
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// The query with 1.1 attribute names in `filter`, `attributes`,
/// `excludedAttributes` and `sortBy` mapped to 2.0 names.
fn query_to_v2(query: &str) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        let v = match k.to_ascii_lowercase().as_str() {
            "filter" => scim::v1::filter_to_v2(&v),
            "attributes" | "excludedattributes" | "sortby" => scim::v1::attribute_list_to_v2(&v),
            _ => v.into_owned(),
        };
        out.append_pair(&k, &v);
    }
    out.finish()
}

fn with_query(uri: &Uri, query: &str) -> Result<Uri, ScimApiError> {
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = Some(
        PathAndQuery::try_from(format!("{}?{query}", uri.path()))
            .map_err(|e| ScimApiError::Internal(format!("rebuilding a query: {e}")))?,
    );
    Uri::from_parts(parts).map_err(|e| ScimApiError::Internal(format!("rebuilding a URI: {e}")))
}

async fn response_to_v1(response: Response, bases: Bases<'_>) -> Response {
    let (mut parts, body) = response.into_parts();
    if let Some(loc) = parts.headers.get(LOCATION).and_then(|v| v.to_str().ok())
        && let Ok(v) = HeaderValue::from_str(&bases.location(loc))
    {
        parts.headers.insert(LOCATION, v);
    }
    let is_scim = parts
        .headers
        .get(CONTENT_TYPE)
        .is_some_and(|ct| ct == scim::MEDIA_TYPE);
    if !is_scim {
        return Response::from_parts(parts, body);
    }
    // Our own bodies, already bounded by what the handlers render.
    let doc = match to_bytes(body, usize::MAX).await {
        Ok(bytes) => serde_json::from_slice::<Value>(&bytes).map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    let doc = match doc {
        Ok(doc) => doc,
        Err(e) => {
            return ScimApiError::Internal(format!("reading a response: {e}")).into_response();
        }
    };
    let body = match serde_json::to_vec(&scim::v1::response_from_v2(doc, bases)) {
        Ok(b) => b,
        Err(e) => {
            return ScimApiError::Internal(format!("serializing a response: {e}")).into_response();
        }
    };
    parts.headers.remove(CONTENT_LENGTH);
    parts
        .headers
        .insert(CONTENT_TYPE, HeaderValue::from_static(scim::v1::MEDIA_TYPE));
    Response::from_parts(parts, Body::from(body))
}

async fn service_provider_config(State(app): State<AppState>, _ws: WorkspaceAuth) -> Scim<Value> {
    let (v2, v1) = (app.urls.scim_base(), app.urls.scim_v1_base());
    let doc =
        scim::discovery::service_provider_config(&v2, &super::discovery::capabilities(), None);
    Scim(scim::v1::service_provider_config(
        doc,
        Bases { v2: &v2, v1: &v1 },
    ))
}

async fn schemas(State(app): State<AppState>, _ws: WorkspaceAuth) -> Scim<Value> {
    let (v2, v1) = (app.urls.scim_base(), app.urls.scim_v1_base());
    Scim(scim::v1::schemas(Bases { v2: &v2, v1: &v1 }))
}

async fn schema(
    State(app): State<AppState>,
    _ws: WorkspaceAuth,
    Path(id): Path<String>,
) -> Result<Scim<Value>, ScimApiError> {
    let (v2, v1) = (app.urls.scim_base(), app.urls.scim_v1_base());
    scim::v1::schema(&id, Bases { v2: &v2, v1: &v1 })
        .map(Scim)
        .ok_or_else(|| scim::Error::new(404, format!("No schema \"{id}\".")).into())
}
