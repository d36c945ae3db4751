//! What the console's pages share: the signed-in admin of a page request, the
//! layout's navigation and notices, the CSRF check of a form, and time display.

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use time::OffsetDateTime;
use time::macros::format_description;

use super::session::{AdminSession, current, same};
use super::{message, see_other, unavailable};
use crate::state::AppState;

/// The admin behind a console page; without a session, a redirect to sign-in that
/// comes back to the page.
pub(super) struct Signed(pub(super) AdminSession);

impl FromRequestParts<AppState> for Signed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, Response> {
        match current(&parts.headers, app).await {
            Ok(Some(s)) => {
                tracing::Span::current().record("workspace.id", s.workspace_id.as_str());
                Ok(Self(s))
            }
            Ok(None) => {
                let here = parts.uri.path_and_query().map_or("/admin", |p| p.as_str());
                let next: String = url::form_urlencoded::byte_serialize(here.as_bytes()).collect();
                Err(see_other(&format!("/admin/login?next={next}"), Vec::new()))
            }
            Err(_) => Err(unavailable()),
        }
    }
}

/// The layout's parts of every console page.
pub(super) struct Chrome {
    pub(super) csrf: String,
    /// Which navigation entry is current.
    pub(super) section: &'static str,
    pub(super) notice: Option<&'static str>,
    pub(super) error: Option<String>,
}

impl Chrome {
    pub(super) fn new(session: &AdminSession, section: &'static str) -> Self {
        Self {
            csrf: session.csrf.clone(),
            section,
            notice: None,
            error: None,
        }
    }
}

/// Refuses a form whose CSRF token is not the session's.
pub(super) fn check_csrf(session: &AdminSession, sent: &str) -> Result<(), Response> {
    if same(sent, &session.csrf) {
        Ok(())
    } else {
        Err(message(
            StatusCode::FORBIDDEN,
            "Form refused",
            "The form expired or was not sent from this console. Go back, reload the page and try again.",
            Some(&session.csrf),
        )
        .into_response())
    }
}

/// A time as the console shows it: UTC to the second.
pub(super) fn when(t: OffsetDateTime) -> String {
    t.format(format_description!(
        "[year]-[month]-[day] [hour]:[minute]:[second]"
    ))
    .unwrap_or_else(|_| t.to_string())
}

/// A page link with these query parameters (empty values left out).
pub(super) fn link(path: &str, params: &[(&str, &str)]) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in params.iter().filter(|(_, v)| !v.is_empty()) {
        q.append_pair(k, v);
    }
    let q = q.finish();
    if q.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{q}")
    }
}
