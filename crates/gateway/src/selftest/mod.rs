//! `scimgate selftest`: replays what Okta or Microsoft Entra ID sends for every
//! provisioning action against any SCIM 2.0 server (ours or a vendor's) and reports,
//! step by step, whether the response is what that IdP requires, and what the IdP
//! would have shown the admin when it is not.
//!
//! The request sequences and the assertions follow `docs/idp-wire.md` (OK-n, EN-n).
//! This module holds the runner, the report and the response checks shared by the
//! profiles; `okta.rs`, `okta11.rs` and `entra.rs` hold the sequences. It needs no database.

mod check;
mod entra;
mod okta;
mod okta11;

use std::fmt::Write as _;
use std::time::Duration;

use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use url::Url;

pub(crate) use check::{
    Check, Dialect, Problem, Resp, expect_active, expect_members, expect_str, has_schema, id_of,
    str_at,
};

/// Every request gives up after this long; both IdPs give up after 60 s (idp-wire §1).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub(crate) const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub(crate) const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub(crate) const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const LIST: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
/// SCIM 1.1's core schema: Users, Groups and list responses (draft-scim-core-schema-01).
pub(crate) const V1_CORE: &str = "urn:scim:schemas:core:1.0";

/// Which identity provider's request sequence to replay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Profile {
    /// Okta's SCIM 2.0 connector (AIW "Classic" and OIN apps) and its spec test.
    Okta,
    /// The Microsoft Entra ID provisioning service (legacy and `aadOptscim062020` dialects).
    Entra,
    /// Okta's "SCIM 1.1 Header Auth" catalog app: SCIM 1.1 with the bare token as
    /// the whole `Authorization` value; `--base` is the `/scim/v1` URL.
    OktaScim11,
}

impl Profile {
    /// The name used on the command line and in the report.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Okta => "okta",
            Self::Entra => "entra",
            Self::OktaScim11 => "okta-scim11",
        }
    }

    fn dialect(self) -> Dialect {
        match self {
            Self::Okta | Self::Entra => Dialect::V2,
            Self::OktaScim11 => Dialect::V1,
        }
    }
}

/// Why the self-test could not run at all (as opposed to steps failing).
#[derive(Debug, thiserror::Error)]
pub enum SelftestError {
    /// `--base` is not an absolute `http://` or `https://` URL.
    #[error(
        "--base must be an absolute http:// or https:// URL, e.g. https://example.com/scim/v2: {0}"
    )]
    Base(String),
    /// The HTTP client could not be built (TLS set-up).
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

/// The outcome of one step.
#[derive(Debug, Clone)]
pub struct StepReport {
    /// What the step checks, with the idp-wire item it comes from.
    pub name: String,
    /// `METHOD path` relative to the base URL.
    pub request: String,
    /// The HTTP status, if a response arrived.
    pub status: Option<u16>,
    /// Whether the response was what the IdP requires.
    pub ok: bool,
    /// What was wrong, for the developer.
    pub problem: Option<String>,
    /// What the IdP would have shown its admin.
    pub idp_message: Option<String>,
}

/// The whole run: every step in order, and what clean-up did.
#[derive(Debug, Clone)]
pub struct Report {
    /// The profile that ran.
    pub profile: Profile,
    /// The base URL (without any password it carried).
    pub base: String,
    /// Steps in the order they ran.
    pub steps: Vec<StepReport>,
    /// One line per created resource: removed, or left behind and why.
    pub cleanup: Vec<String>,
}

impl Report {
    /// Steps that passed.
    pub fn passed(&self) -> usize {
        self.steps.iter().filter(|s| s.ok).count()
    }

    /// Steps that failed.
    pub fn failed(&self) -> usize {
        self.steps.len() - self.passed()
    }

    /// The `--json` form: one object.
    pub fn to_json(&self) -> Value {
        let steps: Vec<Value> = self
            .steps
            .iter()
            .map(|s| {
                let mut v =
                    json!({"name": s.name, "request": s.request, "status": s.status, "ok": s.ok});
                if let Some(p) = &s.problem {
                    v["problem"] = json!(p);
                }
                if let Some(m) = &s.idp_message {
                    v["idp_message"] = json!(m);
                }
                v
            })
            .collect();
        json!({
            "profile": self.profile.as_str(),
            "base": self.base,
            "passed": self.passed(),
            "failed": self.failed(),
            "steps": steps,
            "cleanup": self.cleanup,
        })
    }

    /// The human-readable form.
    pub fn to_text(&self) -> String {
        let idp = match self.profile {
            Profile::Okta | Profile::OktaScim11 => "Okta",
            Profile::Entra => "Entra ID",
        };
        let mut out = format!(
            "SCIM self-test, profile {}, against {}\n\n",
            self.profile.as_str(),
            self.base
        );
        for s in &self.steps {
            let status = s
                .status
                .map_or_else(|| "no response".to_owned(), |c| c.to_string());
            let mark = if s.ok { "PASS" } else { "FAIL" };
            let _ = writeln!(out, "{mark}  {}\n      {} -> {status}", s.name, s.request);
            if let Some(p) = &s.problem {
                let _ = writeln!(out, "      problem: {p}");
            }
            if let Some(m) = &s.idp_message {
                let _ = writeln!(out, "      {idp} would show: {m}");
            }
        }
        if !self.cleanup.is_empty() {
            let _ = writeln!(out, "\nClean-up:");
            for c in &self.cleanup {
                let _ = writeln!(out, "  {c}");
            }
        }
        let _ = write!(out, "\n{} passed, {} failed", self.passed(), self.failed());
        out
    }
}

/// Runs `profile`'s whole sequence against the SCIM base URL `base`, then removes
/// what it created. Never logs or prints `token`.
pub async fn run(
    profile: Profile,
    base: &str,
    token: &SecretString,
) -> Result<Report, SelftestError> {
    let mut r = Runner::new(profile, base, token)?;
    match profile {
        Profile::Okta => okta::run(&mut r).await,
        Profile::Entra => entra::run(&mut r).await,
        Profile::OktaScim11 => okta11::run(&mut r).await,
    }
    let cleanup = r.cleanup().await;
    Ok(Report {
        profile,
        base: r.base_display.clone(),
        steps: r.steps,
        cleanup,
    })
}

/// Which headers a request carries (idp-wire §1 and §3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Headers {
    /// What the profile's IdP sends in production.
    Idp,
    /// Okta's Runscope spec test GETs: its own User-Agent, and a Content-Type with no body.
    OktaSpecGet,
    /// Okta's Runscope spec test POSTs: `application/json` and no User-Agent.
    OktaSpecPost,
}

/// One request of a step.
pub(crate) struct Req {
    name: String,
    method: Method,
    path: String,
    body: Option<Value>,
    headers: Headers,
    /// A raw `Authorization` value instead of the bearer token.
    authorization: Option<&'static str>,
    /// What the IdP was doing, in the admin's words, for `idp_message`.
    action: String,
}

impl Req {
    pub(crate) fn new(name: &str, method: Method, path: impl Into<String>) -> Self {
        Self {
            name: name.to_owned(),
            method,
            path: path.into(),
            body: None,
            headers: Headers::Idp,
            authorization: None,
            action: String::new(),
        }
    }

    pub(crate) fn get(name: &str, path: impl Into<String>) -> Self {
        Self::new(name, Method::GET, path)
    }

    pub(crate) fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    pub(crate) fn headers(mut self, headers: Headers) -> Self {
        self.headers = headers;
        self
    }

    pub(crate) fn authorization(mut self, raw: &'static str) -> Self {
        self.authorization = Some(raw);
        self
    }

    /// What the IdP is doing, e.g. "Creating the user", for the admin-facing message.
    pub(crate) fn action(mut self, action: &str) -> Self {
        action.clone_into(&mut self.action);
        self
    }
}

/// A `filter=` query parameter. Okta encodes spaces as `%20`, Entra as `+`
/// (idp-wire §1, "Filter encoding").
pub(crate) fn filter(profile: Profile, expr: &str) -> String {
    let form: String = url::form_urlencoded::byte_serialize(expr.as_bytes()).collect();
    match profile {
        Profile::Okta | Profile::OktaScim11 => format!("filter={}", form.replace('+', "%20")),
        // Entra's validator capture keeps the quotes raw: filter=userName+eq+"a%40b".
        Profile::Entra => format!("filter={}", form.replace("%22", "\"")),
    }
}

/// A short random tag so names never collide with real data or another run.
pub(crate) fn random_tag() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_owned()
}

/// A PATCH request body.
pub(crate) fn patch_ops(ops: Value) -> Value {
    let mut body = serde_json::Map::new();
    body.insert("schemas".into(), json!([PATCH_OP]));
    body.insert("Operations".into(), ops);
    Value::Object(body)
}

/// Sends requests as the IdP does and records steps.
pub(crate) struct Runner {
    pub(crate) profile: Profile,
    http: reqwest::Client,
    /// Scheme, host and path prefix, without a trailing slash.
    base_path: String,
    /// A query the tenant URL carries (Entra's `aadOptscim062020`), sent on every request.
    base_query: Option<String>,
    base_display: String,
    bearer: HeaderValue,
    steps: Vec<StepReport>,
    users: Vec<String>,
    groups: Vec<String>,
}

impl Runner {
    fn new(profile: Profile, base: &str, token: &SecretString) -> Result<Self, SelftestError> {
        let url = Url::parse(base.trim()).map_err(|e| SelftestError::Base(e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(SelftestError::Base(format!(
                "unsupported URL {}",
                url.scheme()
            )));
        }
        let mut display = url.clone();
        if display.password().is_some() {
            let _ = display.set_password(Some("REDACTED"));
        }
        let mut origin = url.clone();
        origin.set_query(None);
        origin.set_fragment(None);
        let base_path = origin.as_str().trim_end_matches('/').to_owned();
        // Header-auth templates send the pasted token as the whole value.
        let credential = match profile {
            Profile::OktaScim11 => token.expose_secret().to_owned(),
            Profile::Okta | Profile::Entra => format!("Bearer {}", token.expose_secret()),
        };
        let mut bearer = HeaderValue::from_str(&credential).map_err(|_| {
            SelftestError::Base("the token contains characters not allowed in a header".into())
        })?;
        bearer.set_sensitive(true);
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .build()
            .map_err(|e| SelftestError::Client(e.to_string()))?;
        Ok(Self {
            profile,
            http,
            base_path,
            base_query: url.query().filter(|q| !q.is_empty()).map(str::to_owned),
            base_display: display.to_string(),
            bearer,
            steps: Vec::new(),
            users: Vec::new(),
            groups: Vec::new(),
        })
    }

    fn headers(&self, req: &Req) -> HeaderMap {
        let mut h = HeaderMap::new();
        let mut put = |k: &'static str, v: &'static str| {
            h.insert(HeaderName::from_static(k), HeaderValue::from_static(v));
        };
        let has_body = req.body.is_some();
        match (self.profile, req.headers) {
            // idp-wire §1: Okta's connector. Accept-Encoding is left to the client, which
            // can only decode what it asks for.
            (Profile::Okta, Headers::Idp) => {
                put("user-agent", "Okta SCIM Client 1.0.0");
                put("accept", "application/scim+json");
                put("accept-charset", "utf-8");
                if has_body {
                    put("content-type", "application/scim+json; charset=utf-8");
                }
            }
            // idp-wire §3.2: the spec test sends Content-Type even on a GET with no body.
            (_, Headers::OktaSpecGet) => {
                put("user-agent", "OKTA SCIM Integration");
                put("accept", "application/scim+json");
                put("accept-charset", "utf-8");
                put("content-type", "application/scim+json; charset=utf-8");
            }
            (_, Headers::OktaSpecPost) => {
                put("accept", "application/scim+json; charset=utf-8");
                put("content-type", "application/json");
            }
            // Okta's SCIM 1.1 connector speaks plain JSON.
            (Profile::OktaScim11, Headers::Idp) => {
                put("user-agent", "Okta SCIM Client 1.0.0");
                put("accept", "application/json");
                if has_body {
                    put("content-type", "application/json");
                }
            }
            (Profile::Entra, Headers::Idp) => {
                put("user-agent", "Microsoft Azure AD SCIM provisioning");
                put("accept", "application/scim+json");
                if has_body {
                    put("content-type", "application/scim+json");
                }
            }
        }
        match req.authorization {
            Some(raw) => {
                h.insert(
                    reqwest::header::AUTHORIZATION,
                    HeaderValue::from_static(raw),
                );
            }
            None => {
                h.insert(reqwest::header::AUTHORIZATION, self.bearer.clone());
            }
        }
        h
    }

    fn url(&self, path: &str) -> String {
        let mut u = format!("{}{path}", self.base_path);
        if let Some(q) = &self.base_query {
            u.push(if path.contains('?') { '&' } else { '?' });
            u.push_str(q);
        }
        u
    }

    /// Sends one request and reads the whole response. Checks rule 9 of idp-wire §0
    /// for every response: a body is `application/scim+json` and parses as JSON.
    async fn send(&self, req: &Req) -> Result<Resp, Problem> {
        let mut rb = self
            .http
            .request(req.method.clone(), self.url(&req.path))
            .headers(self.headers(req));
        if let Some(b) = &req.body {
            rb = rb.body(b.to_string());
        }
        let resp = rb.send().await.map_err(|e| {
            let what = if e.is_timeout() {
                "timed out"
            } else {
                "failed"
            };
            Problem::from(format!("the request {what}: {}", error_chain(&e)))
        })?;
        let status = resp.status().as_u16();
        let header = |name: reqwest::header::HeaderName| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header(reqwest::header::CONTENT_TYPE);
        let location = header(reqwest::header::LOCATION);
        let bytes = resp.bytes().await.map_err(|e| {
            Problem::from(format!(
                "reading the response body failed: {}",
                error_chain(&e)
            ))
        })?;
        let empty = bytes.iter().all(u8::is_ascii_whitespace);
        let mut out = Resp {
            dialect: self.profile.dialect(),
            status,
            location,
            body: Value::Null,
            empty,
        };
        if empty {
            return Ok(out);
        }
        out.body = serde_json::from_slice(&bytes).map_err(|e| Problem {
            text: format!(
                "HTTP {status} with a body that is not JSON ({e}): {}",
                snippet(&bytes)
            ),
            idp: None,
            status: Some(status),
        })?;
        let media = content_type
            .as_deref()
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim();
        let want = match self.profile.dialect() {
            Dialect::V2 => "application/scim+json",
            Dialect::V1 => "application/json",
        };
        if !media.eq_ignore_ascii_case(want) {
            return Err(Problem {
                text: format!(
                    "HTTP {status} with Content-Type {:?}; every SCIM response, errors included, must be {want}",
                    content_type.as_deref().unwrap_or("(none)")
                ),
                idp: None,
                status: Some(status),
            });
        }
        Ok(out)
    }

    /// Runs one step: send, check, record. `None` when it failed, so a sequence
    /// that depends on it stops there (`?`).
    pub(crate) async fn step<T>(
        &mut self,
        req: Req,
        check: impl FnOnce(&Resp) -> Check<T>,
    ) -> Option<T> {
        self.step_resp(req, check).await.0
    }

    /// [`Runner::step`], also handing back the response (to clean up what a wrongly
    /// accepted request created).
    pub(crate) async fn step_resp<T>(
        &mut self,
        req: Req,
        check: impl FnOnce(&Resp) -> Check<T>,
    ) -> (Option<T>, Option<Resp>) {
        match self.send(&req).await {
            Ok(resp) => match check(&resp) {
                Ok(v) => (self.record(&req, Some(resp.status), Ok(v)), Some(resp)),
                Err(p) => {
                    self.push_failure(&req, Some(resp.status), p, Some(&resp));
                    (None, Some(resp))
                }
            },
            Err(p) => {
                let status = p.status;
                self.push_failure(&req, status, p, None);
                (None, None)
            }
        }
    }

    /// Records the outcome of a step that sent its own requests.
    pub(crate) fn record<T>(
        &mut self,
        req: &Req,
        status: Option<u16>,
        outcome: Result<T, (Problem, Option<Resp>)>,
    ) -> Option<T> {
        match outcome {
            Ok(v) => {
                self.steps.push(StepReport {
                    name: req.name.clone(),
                    request: format!("{} {}", req.method, req.path),
                    status,
                    ok: true,
                    problem: None,
                    idp_message: None,
                });
                Some(v)
            }
            Err((p, resp)) => {
                self.push_failure(req, status, p, resp.as_ref());
                None
            }
        }
    }

    fn push_failure(&mut self, req: &Req, status: Option<u16>, p: Problem, resp: Option<&Resp>) {
        let idp = self.idp_message(&req.action, status, resp, &p);
        self.steps.push(StepReport {
            name: req.name.clone(),
            request: format!("{} {}", req.method, req.path),
            status,
            ok: false,
            problem: Some(p.text),
            idp_message: Some(idp),
        });
    }

    /// Sends a request outside the step list (paging, clean-up).
    pub(crate) async fn raw(&self, req: &Req) -> Result<Resp, Problem> {
        self.send(req).await
    }

    /// What the IdP would show the admin for this failure (idp-wire §3.1, §4.2).
    fn idp_message(
        &self,
        action: &str,
        status: Option<u16>,
        resp: Option<&Resp>,
        p: &Problem,
    ) -> String {
        if let Some(m) = &p.idp {
            return m.clone();
        }
        let action = if action.is_empty() {
            "The operation"
        } else {
            action
        };
        let reason = resp.and_then(Resp::detail).map_or_else(
            || p.text.clone(),
            |d| format!("HTTP {}: {d}", status.unwrap_or(0)),
        );
        match self.profile {
            // Okta fails the task and shows the SCIM `detail` under Tasks and Alerts
            // (idp-wire §3.1); the admin retries it by hand.
            Profile::Okta | Profile::OktaScim11 => format!("{action} failed: {reason}"),
            Profile::Entra => {
                let code = match status {
                    None => "the request did not complete; Entra retries on the next cycle",
                    Some(401) => "Unauthorized",
                    Some(403) => "InsufficientRights",
                    Some(404) => {
                        "a 404 where 200 was expected; repeated, it puts the provisioning job in quarantine"
                    }
                    Some(409) => "EntryConflict",
                    Some(429) => "TooManyRequests",
                    Some(s) if s >= 500 => "InternalServerError, retried in 40 minutes",
                    Some(_) => "UnprocessableEntity",
                };
                format!("{action} failed ({code}): {reason}")
            }
        }
    }

    /// Remembers a created user for clean-up.
    pub(crate) fn created_user(&mut self, id: &str) {
        self.users.push(id.to_owned());
    }

    /// Remembers a created group for clean-up.
    pub(crate) fn created_group(&mut self, id: &str) {
        self.groups.push(id.to_owned());
    }

    /// Forgets a resource a step deleted.
    pub(crate) fn deleted(&mut self, id: &str) {
        self.users.retain(|u| u != id);
        self.groups.retain(|g| g != id);
    }

    /// Removes what the run created: groups deleted; users deactivated, then deleted
    /// where the server supports DELETE (Okta never deletes users, OK-16).
    async fn cleanup(&mut self) -> Vec<String> {
        let mut notes = Vec::new();
        for g in std::mem::take(&mut self.groups) {
            let req = Req::new("cleanup", Method::DELETE, format!("/Groups/{g}"));
            notes.push(match self.raw(&req).await {
                Ok(r) if matches!(r.status, 200 | 204 | 404) => format!("group {g}: deleted"),
                Ok(r) => format!("group {g}: left behind, DELETE answered {}", r.status),
                Err(p) => format!("group {g}: left behind, {}", p.text.clone()),
            });
        }
        for u in std::mem::take(&mut self.users) {
            let body = match self.profile.dialect() {
                Dialect::V2 => patch_ops(json!([{"op": "replace", "value": {"active": false}}])),
                Dialect::V1 => json!({"schemas": [V1_CORE], "active": false}),
            };
            let deactivate = Req::new("cleanup", Method::PATCH, format!("/Users/{u}")).body(body);
            let deactivated = self
                .raw(&deactivate)
                .await
                .is_ok_and(|r| matches!(r.status, 200 | 204));
            let req = Req::new("cleanup", Method::DELETE, format!("/Users/{u}"));
            notes.push(match self.raw(&req).await {
                Ok(r) if matches!(r.status, 200 | 204 | 404) => format!("user {u}: deleted"),
                Ok(r) if deactivated => {
                    format!("user {u}: deactivated; DELETE answered {}", r.status)
                }
                Ok(r) => format!("user {u}: left behind, DELETE answered {}", r.status),
                Err(p) => format!("user {u}: left behind, {}", p.text.clone()),
            });
        }
        notes
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        let _ = write!(s, ": {inner}");
        src = inner.source();
    }
    s
}

fn snippet(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut s: String = text.chars().take(120).collect();
    if text.chars().count() > 120 {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests;
