//! HTML responses of the console and the consent flow: every page is rendered on
//! the server, never cached, and refuses to be framed.

use askama::Template;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, LOCATION, RETRY_AFTER, SET_COOKIE,
};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// Same-origin styles and scripts only (the console's copy buttons); no inline
/// script; no framing (RFC 9700 §4.16). No
/// `form-action`: Chrome applies it to the redirect after the consent form, which
/// must reach the IdP's callback.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'";

/// An HTML page with its status and any cookies to set.
pub(crate) struct Page {
    status: StatusCode,
    html: String,
    cookies: Vec<HeaderValue>,
    retry_after: Option<u64>,
}

impl Page {
    /// Renders `template` with `status`.
    pub(crate) fn new(status: StatusCode, template: &impl Template) -> Self {
        let html = template.render().unwrap_or_else(|e| {
            tracing::error!(error = %e, "page template failed");
            "<!doctype html><title>Error</title><p>Something went wrong.</p>".to_owned()
        });
        Self {
            status,
            html,
            cookies: Vec::new(),
            retry_after: None,
        }
    }

    /// Adds a `Set-Cookie`.
    pub(crate) fn cookie(mut self, value: HeaderValue) -> Self {
        self.cookies.push(value);
        self
    }

    /// Adds `Retry-After` (for 429).
    pub(crate) fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }
}

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        let mut res = (self.status, self.html).into_response();
        let h = res.headers_mut();
        h.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        h.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
        for c in self.cookies {
            h.append(SET_COOKIE, c);
        }
        if let Some(s) = self.retry_after {
            h.insert(RETRY_AFTER, HeaderValue::from(s));
        }
        res
    }
}

/// A 303 See Other (RFC 9700 §4.12: never 307 after a form POST), with cookies.
pub(crate) fn see_other(location: &str, cookies: Vec<HeaderValue>) -> Response {
    let mut res = StatusCode::SEE_OTHER.into_response();
    let h = res.headers_mut();
    match HeaderValue::from_str(location) {
        Ok(v) => {
            h.insert(LOCATION, v);
        }
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    for c in cookies {
        h.append(SET_COOKIE, c);
    }
    res
}

#[derive(Template)]
#[template(path = "message.html")]
pub(crate) struct Message<'a> {
    pub(crate) title: &'a str,
    pub(crate) text: &'a str,
    /// The session's CSRF token, to offer a sign-out button.
    pub(crate) sign_out: Option<&'a str>,
}

/// A page with a title and one message.
pub(crate) fn message(status: StatusCode, title: &str, text: &str, sign_out: Option<&str>) -> Page {
    Page::new(
        status,
        &Message {
            title,
            text,
            sign_out,
        },
    )
}
