//! The console's page framework: the navigation every page shares, flash messages
//! carried across POST-redirect-GET, secrets shown once, and the session and CSRF
//! checks of pages and forms. Each page is a template extending `console.html` with
//! a `chrome: Chrome` field.

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::page::{Page, message, see_other};
use super::session::{AdminSession, cookie_value, current, same, set_cookie};
use crate::state::AppState;

/// One entry of the navigation bar.
pub(crate) struct NavItem {
    pub(crate) href: &'static str,
    pub(crate) label: &'static str,
}

/// Every section of the console, in the order of the navigation bar.
pub(crate) const SECTIONS: &[NavItem] = &[
    NavItem {
        href: "/admin/settings",
        label: "Provisioning settings",
    },
    NavItem {
        href: "/admin/tokens",
        label: "Bearer tokens",
    },
    NavItem {
        href: "/admin/clients",
        label: "OAuth clients",
    },
    NavItem {
        href: "/admin/seats",
        label: "Seats",
    },
    NavItem {
        href: "/admin/role-mappings",
        label: "Role mappings",
    },
    NavItem {
        href: "/admin/users",
        label: "Users",
    },
    NavItem {
        href: "/admin/groups",
        label: "Groups",
    },
    NavItem {
        href: "/admin/provisioning-log",
        label: "Provisioning log",
    },
    NavItem {
        href: "/admin/audit",
        label: "Audit log",
    },
    NavItem {
        href: "/admin/hooks",
        label: "Billing hooks",
    },
    NavItem {
        href: "/admin/api-keys",
        label: "API keys",
    },
];

/// The cookie that carries a flash message from a form's POST to the page it
/// redirects to; read once, then deleted.
const FLASH_COOKIE: &str = "scimgate_flash";
/// A flash not picked up by then is dropped (the browser deletes the cookie).
const FLASH_LIFETIME: time::Duration = time::Duration::minutes(5);

/// A secret shown once, on the page a form redirects to: the cookie carrying it
/// is deleted by that page, so a reload shows the list without it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ShownOnce {
    /// What it is, e.g. "Bearer token okta".
    pub(crate) label: String,
    pub(crate) value: String,
}

/// The outcome of a form, shown at the top of the next page.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Flash {
    pub(crate) text: String,
    pub(crate) error: bool,
    #[serde(default)]
    pub(crate) secrets: Vec<ShownOnce>,
}

impl Flash {
    pub(crate) fn ok(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            ..Self::default()
        }
    }

    pub(crate) fn error(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            error: true,
            secrets: Vec::new(),
        }
    }

    /// Adds a secret to show once.
    pub(crate) fn secret(mut self, label: impl Into<String>, value: &str) -> Self {
        self.secrets.push(ShownOnce {
            label: label.into(),
            value: value.to_owned(),
        });
        self
    }
}

/// What every console page shows around its content.
pub(crate) struct Chrome {
    pub(crate) workspace_name: String,
    pub(crate) who: String,
    pub(crate) csrf: String,
    /// The `href` of the current section, marked `aria-current`.
    pub(crate) current: &'static str,
    pub(crate) flash: Option<Flash>,
    pub(crate) sections: &'static [NavItem],
}

/// A signed-in admin on a console page, with the page's chrome and the header that
/// deletes a flash cookie it consumed.
pub(crate) struct Console {
    pub(crate) session: AdminSession,
    pub(crate) chrome: Chrome,
    clear_flash: Option<HeaderValue>,
}

impl Console {
    /// The admin signed in for a page at `current`, or the response to send: a
    /// redirect to sign-in that comes back here, or 503.
    pub(crate) async fn load(
        headers: &HeaderMap,
        app: &AppState,
        current: &'static str,
    ) -> Result<Self, Response> {
        let session = match super::session::current(headers, app).await {
            Ok(Some(s)) => s,
            Ok(None) => {
                return Err(see_other(
                    &format!("/admin/login?next={current}"),
                    Vec::new(),
                ));
            }
            Err(_) => return Err(super::unavailable().into_response()),
        };
        let ws = app
            .store
            .workspace(&session.workspace_id)
            .await
            .map_err(|_| super::unavailable().into_response())?;
        let flash = cookie_value(headers, FLASH_COOKIE).and_then(|v| decode_flash(&v));
        let clear_flash = flash
            .is_some()
            .then(|| set_cookie(FLASH_COOKIE, "", time::Duration::ZERO, app.urls.secure()));
        Ok(Self {
            chrome: Chrome {
                workspace_name: ws.name,
                who: session.email.clone(),
                csrf: session.csrf.clone(),
                current,
                flash,
                sections: SECTIONS,
            },
            session,
            clear_flash,
        })
    }

    /// The admin, the chrome for the page's template, and what renders it.
    pub(crate) fn split(self) -> (AdminSession, Chrome, Finish) {
        (self.session, self.chrome, Finish(self.clear_flash))
    }
}

/// Renders a console page, deleting the flash cookie it showed.
pub(crate) struct Finish(Option<HeaderValue>);

impl Finish {
    pub(crate) fn render(self, template: &impl askama::Template) -> Response {
        let page = Page::new(StatusCode::OK, template);
        match self.0 {
            Some(c) => page.cookie(c),
            None => page,
        }
        .into_response()
    }
}

/// The admin behind a console form: signed in, and the form carries the session's
/// CSRF token. Otherwise the response to send (sign-in, or 403).
pub(crate) async fn form_session(
    headers: &HeaderMap,
    app: &AppState,
    csrf: &str,
) -> Result<AdminSession, Response> {
    let session = match current(headers, app).await {
        Ok(Some(s)) => s,
        Ok(None) => return Err(see_other("/admin/login", Vec::new())),
        Err(_) => return Err(super::unavailable().into_response()),
    };
    if !same(&session.csrf, csrf) {
        return Err(message(
            StatusCode::FORBIDDEN,
            "Form refused",
            "The form expired or was not sent from this console. Go back, reload the page and try again.",
            Some(&session.csrf),
        )
        .into_response());
    }
    Ok(session)
}

/// A 303 to `location` that shows `flash` there.
pub(crate) fn redirect_with(location: &str, flash: &Flash, app: &AppState) -> Response {
    let value = hex::encode(serde_json::to_vec(flash).unwrap_or_default());
    see_other(
        location,
        vec![set_cookie(
            FLASH_COOKIE,
            &value,
            FLASH_LIFETIME,
            app.urls.secure(),
        )],
    )
}

fn decode_flash(value: &str) -> Option<Flash> {
    serde_json::from_slice(&hex::decode(value).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flash_survives_its_cookie() {
        let f = Flash::ok("Created").secret("Bearer token okta", "sgt_abc");
        let v = hex::encode(serde_json::to_vec(&f).unwrap());
        let back = decode_flash(&v).unwrap();
        assert_eq!(back.text, "Created");
        assert_eq!(back.secrets[0].value, "sgt_abc");
        assert!(decode_flash("zz").is_none());
        assert!(decode_flash(&hex::encode(b"{}")).is_none());
    }

    #[test]
    fn every_section_is_an_admin_page() {
        assert!(SECTIONS.len() >= 10);
        assert!(SECTIONS.iter().all(|s| s.href.starts_with("/admin/")));
    }
}
