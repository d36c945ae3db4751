//! Starting the real binary, running its CLI, and speaking HTTP to it.

use std::net::SocketAddr;
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use store::testing::TestDatabase;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const BIN: &str = env!("CARGO_BIN_EXE_scimgate");
/// How long a gateway may take to print its `listening on` line.
const START_DEADLINE: Duration = Duration::from_secs(20);

#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A fresh database for one test, and the CLI and gateways that use it.
pub struct Env {
    pub db: TestDatabase,
}

impl Env {
    /// An environment on a database the test manages (see [`TestDatabase::external`]).
    pub fn on(db: TestDatabase) -> Self {
        Self { db }
    }

    pub async fn new(backend: Backend) -> Self {
        let db = match backend {
            Backend::Sqlite => TestDatabase::sqlite(),
            Backend::Postgres => TestDatabase::postgres().await,
        };
        Self { db }
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("SCIMGATE_DATABASE_URL", self.db.url())
            .env("RUST_LOG", "warn")
            .kill_on_drop(true);
        cmd
    }

    /// Runs `scimgate --json ARGS`, asserts success and returns its JSON output.
    pub async fn cli(&self, args: &[&str]) -> Value {
        let out = self
            .command()
            .arg("--json")
            .args(args)
            .output()
            .await
            .unwrap();
        assert!(
            out.status.success(),
            "scimgate {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "scimgate {args:?} printed no JSON ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }

    /// Runs `scimgate ARGS` expecting failure; returns stderr.
    pub async fn cli_fails(&self, args: &[&str], envs: &[(&str, &str)]) -> String {
        let out = self
            .command()
            .args(args)
            .envs(envs.iter().copied())
            .output()
            .await
            .unwrap();
        assert!(
            !out.status.success(),
            "scimgate {args:?} should have failed"
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    /// Creates a workspace and a token for it; returns the token.
    pub async fn workspace_with_token(&self, name: &str) -> (String, String) {
        self.workspace_with_token_args(name, &[]).await
    }

    /// Creates a workspace with extra `workspace create` options (e.g. `--seats`) and
    /// a token for it; returns the workspace id and the token.
    pub async fn workspace_with_token_args(&self, name: &str, args: &[&str]) -> (String, String) {
        let mut create = vec!["workspace", "create", "--name", name];
        create.extend_from_slice(args);
        let ws = self.cli(&create).await;
        let id = ws["id"].as_str().unwrap().to_owned();
        let t = self
            .cli(&["token", "create", "--workspace", &id, "--name", "okta"])
            .await;
        (id, t["token"].as_str().unwrap().to_owned())
    }

    /// Starts `scimgate serve` on a free loopback port.
    pub async fn start(&self) -> Gateway {
        self.start_with(&[], &[]).await
    }

    /// Starts `scimgate serve ARGS` with extra environment.
    pub async fn start_with(&self, args: &[&str], envs: &[(&str, &str)]) -> Gateway {
        self.spawn(args, envs, Stdio::inherit()).await
    }

    /// Starts `scimgate serve --log-format json` with `RUST_LOG=rust_log`, its log
    /// (stderr) written to a temporary file.
    pub async fn start_logged(&self, rust_log: &str) -> (Gateway, JsonLog) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gateway.log");
        let file = std::fs::File::create(&path).unwrap();
        let gw = self
            .spawn(
                &["--log-format", "json"],
                &[("RUST_LOG", rust_log)],
                Stdio::from(file),
            )
            .await;
        (gw, JsonLog { _dir: dir, path })
    }

    async fn spawn(&self, args: &[&str], envs: &[(&str, &str)], stderr: Stdio) -> Gateway {
        let mut child = self
            .command()
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .envs(envs.iter().copied())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let line = tokio::time::timeout(START_DEADLINE, lines.next_line())
            .await
            .expect("gateway printed no `listening on` line in time")
            .unwrap()
            .expect("gateway exited before listening");
        let addr: SocketAddr = line
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line: {line}"))
            .parse()
            .unwrap();
        Gateway {
            child,
            addr,
            http: reqwest::Client::new(),
        }
    }
}

/// A gateway's JSON log file, removed when dropped.
pub struct JsonLog {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
}

impl JsonLog {
    /// Everything logged so far.
    pub fn text(&self) -> String {
        std::fs::read_to_string(&self.path).unwrap()
    }
}

/// A running gateway process, killed when dropped.
pub struct Gateway {
    child: Child,
    pub addr: SocketAddr,
    pub http: reqwest::Client,
}

impl Gateway {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// `GET` with an optional raw `Authorization` header value.
    pub async fn get(&self, path: &str, authorization: Option<&str>) -> reqwest::Response {
        let mut req = self.http.get(self.url(path));
        if let Some(a) = authorization {
            req = req.header("authorization", a);
        }
        req.send().await.unwrap()
    }

    /// `GET` with `Authorization: Bearer TOKEN`, as Okta and Entra send it.
    pub async fn scim_get(&self, path: &str, token: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .header("authorization", format!("Bearer {token}"))
            .header("accept", "application/scim+json")
            .send()
            .await
            .unwrap()
    }

    /// The process id, e.g. to read its memory use from `/proc`.
    pub fn pid(&self) -> u32 {
        self.child.id().unwrap()
    }

    /// Whether the process is still running (it has not exited or crashed).
    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// Kills the process with SIGKILL (no shutdown, nothing flushed) and reaps it.
    pub async fn kill_hard(mut self) {
        self.child.start_kill().unwrap();
        tokio::time::timeout(Duration::from_secs(20), self.child.wait())
            .await
            .expect("gateway did not die after SIGKILL")
            .unwrap();
    }

    /// Sends SIGTERM and waits (with a deadline) for a clean exit.
    pub async fn stop(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().unwrap().to_string();
        let killed = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .await
            .unwrap();
        assert!(killed.success());
        tokio::time::timeout(Duration::from_secs(20), self.child.wait())
            .await
            .expect("gateway did not stop after SIGTERM")
            .unwrap()
    }
}

/// Polls `check` every 50 ms until it returns `Some`, failing after `deadline`.
pub async fn eventually<T, F, Fut>(what: &str, deadline: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let start = tokio::time::Instant::now();
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(start.elapsed() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Reads a SCIM JSON body, asserting the SCIM media type.
pub async fn scim_json(resp: reqwest::Response) -> Value {
    let ct = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(
        ct.as_deref(),
        Some("application/scim+json"),
        "SCIM responses are application/scim+json"
    );
    resp.json().await.unwrap()
}

/// The media types a SCIM dialect speaks: what a request body is sent as and what
/// a response body must be.
pub struct Media {
    pub request: &'static str,
    pub response: &'static str,
}

/// SCIM 2.0 (RFC 7644 §3.1).
pub const SCIM2: Media = Media {
    request: "application/scim+json; charset=utf-8",
    response: "application/scim+json",
};

/// SCIM 1.1 (Okta's 1.1 templates): plain JSON both ways.
pub const SCIM11: Media = Media {
    request: "application/json",
    response: "application/json",
};

/// A SCIM request as an IdP sends it, with `Authorization: Bearer TOKEN`, returning
/// status, headers and the JSON body (`Value::Null` for an empty body).
pub async fn scim(
    gw: &Gateway,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<&Value>,
) -> (reqwest::StatusCode, reqwest::header::HeaderMap, Value) {
    send(gw, method, path, &format!("Bearer {token}"), &SCIM2, body).await
}

/// A request with this exact `Authorization` value in a dialect's media types,
/// asserting the response's media type whenever there is a body.
pub async fn send(
    gw: &Gateway,
    method: reqwest::Method,
    path: &str,
    authorization: &str,
    media: &Media,
    body: Option<&Value>,
) -> (reqwest::StatusCode, reqwest::header::HeaderMap, Value) {
    send_as(gw, None, method, path, authorization, media, body).await
}

/// [`send`] with the `User-Agent` an IdP sends (the gateway tells Okta from Entra by it).
pub async fn send_as(
    gw: &Gateway,
    agent: Option<&str>,
    method: reqwest::Method,
    path: &str,
    authorization: &str,
    media: &Media,
    body: Option<&Value>,
) -> (reqwest::StatusCode, reqwest::header::HeaderMap, Value) {
    let mut req = gw
        .http
        .request(method, gw.url(path))
        .header("authorization", authorization)
        .header("accept", media.response);
    if let Some(agent) = agent {
        req = req.header("user-agent", agent);
    }
    if let Some(b) = body {
        req = req
            .header("content-type", media.request)
            .body(b.to_string());
    }
    let resp = req.send().await.unwrap();
    let (status, headers) = (resp.status(), resp.headers().clone());
    let bytes = resp.bytes().await.unwrap();
    let json = json_or_null(&bytes);
    if !bytes.is_empty() {
        assert_eq!(headers["content-type"], media.response, "{status}: {json}");
    }
    (status, headers, json)
}

/// A response body as JSON, `Value::Null` when it is empty.
pub fn json_or_null(bytes: &[u8]) -> Value {
    if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(bytes).unwrap()
    }
}
