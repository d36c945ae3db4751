//! The OAuth scenarios: authorization codes approved the way a workspace admin
//! approves them (sign-in page, consent page, Allow), then exchanged and refreshed
//! at the token endpoint as fast as Okta's connectors would.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use http_body_util::Full;
use hyper::header::{CONTENT_TYPE, COOKIE, HeaderMap, LOCATION, SET_COOKIE};
use hyper::{Method, Request, StatusCode};
use serde_json::Value;

use crate::gateway::Deployment;
use crate::http::{Origin, form};
use crate::load::{Plan, Stats, drive};

pub const CALLBACK: &str = "http://127.0.0.1:9/oauth/callback";

/// A client of a workspace, and an admin signed in to approve its requests.
pub struct Approver {
    origin: Arc<Origin>,
    cookies: HashMap<String, String>,
    pub client_id: String,
    pub client_secret: String,
}

impl Approver {
    /// Creates an admin and a client of `workspace` with the CLI and signs the admin in.
    pub async fn new(d: &Deployment, base: &str, workspace: &str) -> Result<Self, String> {
        let admin = d
            .cli(&[
                "admin",
                "create",
                "--workspace",
                workspace,
                "--email",
                "bench@bench.example",
            ])
            .await?;
        let client = d
            .cli(&[
                "client",
                "create",
                "--workspace",
                workspace,
                "--redirect-uri",
                CALLBACK,
            ])
            .await?;
        let text = |v: &Value, k: &str| {
            v[k].as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("CLI output without {k}"))
        };
        let mut me = Self {
            origin: Origin::of(base)?.0,
            cookies: HashMap::new(),
            client_id: text(&client, "client_id")?,
            client_secret: text(&client, "client_secret")?,
        };
        let page = me.get("/admin/login").await?;
        let csrf = hidden(&page, "csrf")?;
        let password = text(&admin, "password")?;
        let (status, _) = me
            .post(
                "/admin/login",
                &[
                    ("email", "bench@bench.example"),
                    ("password", &password),
                    ("csrf", &csrf),
                    ("next", "/admin"),
                ],
            )
            .await?;
        if status != StatusCode::SEE_OTHER {
            return Err(format!("admin sign-in answered {status}"));
        }
        Ok(me)
    }

    fn cookie_header(&self) -> String {
        let pairs: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        pairs.join("; ")
    }

    fn keep(&mut self, headers: &HeaderMap) {
        for c in headers.get_all(SET_COOKIE) {
            let Ok(text) = c.to_str() else { continue };
            let pair = text.split(';').next().unwrap_or_default();
            if let Some((k, v)) = pair.split_once('=') {
                self.cookies.insert(k.to_owned(), v.to_owned());
            }
        }
    }

    /// Sends `req` with the session's cookies and keeps the ones it sets; redirects
    /// are not followed.
    async fn send(
        &mut self,
        req: hyper::http::request::Builder,
        body: Full<bytes::Bytes>,
    ) -> Result<hyper::Response<bytes::Bytes>, String> {
        let req: Request<_> = req
            .header(COOKIE, self.cookie_header())
            .body(body)
            .map_err(|e| e.to_string())?;
        let resp = self.origin.send(req).await?;
        self.keep(resp.headers());
        Ok(resp)
    }

    async fn get(&mut self, path: &str) -> Result<String, String> {
        let req = self.origin.request(Method::GET, path);
        let resp = self.send(req, Full::default()).await?;
        String::from_utf8(resp.into_body().to_vec()).map_err(|e| e.to_string())
    }

    async fn post(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
    ) -> Result<(StatusCode, String), String> {
        let req = self
            .origin
            .request(Method::POST, path)
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded");
        let resp = self.send(req, form(fields)).await?;
        let location = resp
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        Ok((resp.status(), location))
    }

    /// Opens the authorization URL and clicks Allow; returns the code.
    pub async fn code(&mut self, state: u64) -> Result<String, String> {
        let query = format!(
            "response_type=code&client_id={}&redirect_uri={}&state=s{state}",
            crate::scim::encode(&self.client_id),
            crate::scim::encode(CALLBACK)
        );
        let page = self.get(&format!("/oauth/authorize?{query}")).await?;
        let ticket = hidden(&page, "ticket")?;
        let (status, location) = self
            .post(
                "/oauth/authorize",
                &[("ticket", &ticket), ("decision", "allow")],
            )
            .await?;
        if status != StatusCode::SEE_OTHER {
            return Err(format!("consent answered {status}"));
        }
        let url = url::Url::parse(&location).map_err(|e| format!("{location}: {e}"))?;
        url.query_pairs()
            .find(|(k, _)| k == "code")
            .map(|(_, v)| v.into_owned())
            .ok_or_else(|| "consent redirect without a code".to_owned())
    }
}

/// The value of a hidden form field.
fn hidden(page: &str, name: &str) -> Result<String, String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page
        .find(&marker)
        .ok_or_else(|| format!("no {name} field on the page"))?
        + marker.len();
    Ok(page[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_owned())
}

/// Token responses of one step: (access token, refresh token) by request.
pub type Tokens = Arc<Mutex<Vec<Option<(String, String)>>>>;

/// Posts the form `fields_of(i)` to the token endpoint, on the approver's origin, with the client's credentials in the body
/// (`client_secret_post`, as Okta sends them), keeping the tokens it answers.
pub async fn token_requests(
    a: &Approver,
    fields_of: Arc<dyn Fn(u64) -> Vec<(&'static str, String)> + Send + Sync>,
    plan: Plan,
) -> (Stats, Tokens) {
    let tokens: Tokens = Arc::new(Mutex::new(vec![
        None;
        usize::try_from(plan.requests).unwrap_or(0)
    ]));
    let origin = a.origin.clone();
    let (id, secret): (Arc<str>, Arc<str>) =
        (a.client_id.clone().into(), a.client_secret.clone().into());
    let kept = tokens.clone();
    let stats = drive(plan, move |i| {
        let (origin, id, secret, fields_of, kept) = (
            origin.clone(),
            id.clone(),
            secret.clone(),
            fields_of.clone(),
            kept.clone(),
        );
        async move {
            let mut fields = fields_of(i);
            fields.push(("client_id", id.to_string()));
            fields.push(("client_secret", secret.to_string()));
            let req = origin
                .request(Method::POST, "/oauth/token")
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(form(&fields))
                .map_err(|e| e.to_string())?;
            let resp = origin.send(req).await?;
            let status = resp.status();
            let body: Value = serde_json::from_slice(resp.body()).map_err(|e| e.to_string())?;
            if status != StatusCode::OK {
                return Err(format!("token endpoint: {status}: {}", body["error"]));
            }
            let access = body["access_token"].as_str().ok_or("no access_token")?;
            let refresh = body["refresh_token"].as_str().ok_or("no refresh_token")?;
            let slot = usize::try_from(i).map_err(|e| e.to_string())?;
            kept.lock().expect("tokens")[slot] = Some((access.to_owned(), refresh.to_owned()));
            Ok(())
        }
    })
    .await;
    (stats, tokens)
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_hidden_fields() {
        let page =
            r#"<input type="hidden" name="ticket" value="sct_abc"><input name="csrf" value="x">"#;
        assert_eq!(super::hidden(page, "ticket").unwrap(), "sct_abc");
        assert_eq!(super::hidden(page, "csrf").unwrap(), "x");
        assert!(super::hidden(page, "other").is_err());
    }
}
