//! Limits, overload and rate limits: each advertised where SCIM advertises it,
//! each answered with a clear SCIM or OAuth error, none a 5xx other than a 503
//! with `Retry-After`, and none losing or half-applying anything.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::harness::{Backend, Env, Gateway, scim};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// Asserts a SCIM error: status (a JSON string), `scimType` and a readable detail.
fn assert_scim_error(status: StatusCode, body: &Value, expected: u16, scim_type: Option<&str>) {
    assert_eq!(status.as_u16(), expected, "{body}");
    assert_eq!(body["schemas"][0], scim::ERROR_SCHEMA, "{body}");
    assert_eq!(body["status"], expected.to_string(), "{body}");
    assert_eq!(body["scimType"].as_str(), scim_type, "{body}");
    assert!(
        body["detail"].as_str().is_some_and(|d| d.len() > 20),
        "{body}"
    );
}

async fn limits_are_advertised_and_enforced(backend: Backend) {
    let env = Env::new(backend).await;
    let (_, token) = env.workspace_with_token("Acme").await;
    let gw = env.start().await;

    let (_, _, spc) = scim(
        &gw,
        Method::GET,
        "/scim/v2/ServiceProviderConfig",
        &token,
        None,
    )
    .await;
    assert_eq!(spc["bulk"]["maxPayloadSize"], 0, "no bulk: {spc}");
    assert_eq!(spc["filter"]["maxResults"], 1000);
    let max_payload = spc["maxPayloadSize"].as_u64();
    let (status, _, created) = scim(
        &gw,
        Method::POST,
        "/scim/v2/Users",
        &token,
        Some(&json!({"schemas": [USER], "userName": "ann@acme.test"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let ann = created["id"].as_str().unwrap().to_owned();

    // JSON nested deeper than any SCIM document: refused before validation.
    let mut deep = json!("leaf");
    for _ in 0..200 {
        deep = json!([deep]);
    }
    let (status, _, body) = scim(
        &gw,
        Method::POST,
        "/scim/v2/Users",
        &token,
        Some(&json!({"schemas": [USER], "userName": "deep@acme.test", "x": deep})),
    )
    .await;
    assert_scim_error(status, &body, 400, Some("invalidSyntax"));

    // Filters: too long, too deep.
    let long = format!("userName eq \"{}\"", "a".repeat(5000));
    let (status, _, body) = scim(
        &gw,
        Method::GET,
        &format!("/scim/v2/Users?filter={}", urlencode(&long)),
        &token,
        None,
    )
    .await;
    assert_scim_error(status, &body, 400, Some("invalidFilter"));
    let nested = format!("{}userName pr{}", "(".repeat(40), ")".repeat(40));
    let (status, _, body) = scim(
        &gw,
        Method::GET,
        &format!("/scim/v2/Users?filter={}", urlencode(&nested)),
        &token,
        None,
    )
    .await;
    assert_scim_error(status, &body, 400, Some("invalidFilter"));

    // Page size: a larger count is cut to the advertised maximum (RFC 7644 §3.4.2.4).
    let (status, _, page) = scim(
        &gw,
        Method::GET,
        "/scim/v2/Users?count=100000",
        &token,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page["itemsPerPage"].as_u64().unwrap() <= 1000);

    // PATCH: too many operations, too many members in one operation.
    let ops: Vec<Value> = (0..2001)
        .map(|i| json!({"op": "replace", "path": "title", "value": format!("t{i}")}))
        .collect();
    let (status, _, body) = scim(
        &gw,
        Method::PATCH,
        &format!("/scim/v2/Users/{ann}"),
        &token,
        Some(&json!({"schemas": [PATCH_OP], "Operations": ops})),
    )
    .await;
    assert_scim_error(status, &body, 400, Some("invalidValue"));
    let (status, _, group) = scim(
        &gw,
        Method::POST,
        "/scim/v2/Groups",
        &token,
        Some(&json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Eng"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let members: Vec<Value> = (0..10_001)
        .map(|i| json!({"value": format!("u{i}")}))
        .collect();
    let (status, _, body) = scim(
        &gw,
        Method::PATCH,
        &format!("/scim/v2/Groups/{}", group["id"].as_str().unwrap()),
        &token,
        Some(&json!({"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "members", "value": members}]})),
    )
    .await;
    assert_scim_error(status, &body, 400, Some("invalidValue"));

    // Headers larger than the server reads (hyper's buffer): 431, no crash.
    let big = "x".repeat(512 * 1024);
    let (head, _) = raw(
        &gw,
        &format!("GET /healthz HTTP/1.1\r\nhost: x\r\nx-big: {big}\r\n\r\n"),
    )
    .await;
    assert!(head.starts_with("HTTP/1.1 431"), "{head}");

    // Nothing was changed by any of it.
    let (_, _, ann_now) = scim(
        &gw,
        Method::GET,
        &format!("/scim/v2/Users/{ann}"),
        &token,
        None,
    )
    .await;
    assert_eq!(ann_now["meta"]["version"], created["meta"]["version"]);
    let (_, _, all) = scim(&gw, Method::GET, "/scim/v2/Users", &token, None).await;
    assert_eq!(all["totalResults"], 1);
    println!("advertised maxPayloadSize: {max_payload:?}");
}

/// Slow clients hold a request slot only until the request timeout; while the
/// slots are full, further requests are shed at once with 503 + `Retry-After`.
async fn overload_sheds_and_slow_clients_time_out(backend: Backend) {
    let env = Env::new(backend).await;
    let (_, token) = env.workspace_with_token("Acme").await;
    let gw = env
        .start_with(
            // Long enough that the window in which both slots are held outlasts a
            // busy CI machine's scheduling delays.
            &["--max-concurrent-requests", "2", "--request-timeout", "10s"],
            &[],
        )
        .await;
    // Clients that announce a body and never send it. Each one either holds a slot
    // until the timeout or, if it reached the gateway while the slots were taken, is
    // shed at once; one more joins per probe until both slots are held and the probe
    // itself is shed (which client wins a slot is up to the scheduler).
    let slow_client = || async {
        let mut s = TcpStream::connect(gw.addr).await.unwrap();
        let head = format!(
            "POST /scim/v2/Users HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {token}\r\n\
             content-type: application/scim+json\r\ncontent-length: 100\r\n\r\n{{"
        );
        s.write_all(head.as_bytes()).await.unwrap();
        s
    };
    let mut slow = vec![slow_client().await, slow_client().await];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let shed = loop {
        let (status, headers, body) = scim(&gw, Method::GET, "/scim/v2/Users", &token, None).await;
        if status == StatusCode::SERVICE_UNAVAILABLE {
            break (headers, body);
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no request was shed"
        );
        slow.push(slow_client().await);
    };
    assert_eq!(shed.0["retry-after"], "1");
    assert_scim_error(StatusCode::SERVICE_UNAVAILABLE, &shed.1, 503, None);
    assert_eq!(
        gw.get("/healthz", None).await.status(),
        StatusCode::OK,
        "liveness is never shed"
    );
    // The slow ones are answered 503 once the timeout passes, and their slots freed.
    for mut s in slow {
        let text = tokio::time::timeout(Duration::from_secs(20), read_head(&mut s))
            .await
            .expect("a slow client is answered after the request timeout");
        assert!(text.starts_with("HTTP/1.1 503"), "{text}");
        assert!(
            text.to_ascii_lowercase().contains("retry-after: 1"),
            "{text}"
        );
    }
    // A client that never finishes its request head is disconnected too.
    let mut trickle = TcpStream::connect(gw.addr).await.unwrap();
    trickle
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n")
        .await
        .unwrap();
    let mut rest = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), trickle.read_to_end(&mut rest))
        .await
        .expect("a client stuck in its request head is disconnected")
        .ok();
    let (status, _, _) = scim(&gw, Method::GET, "/scim/v2/Users", &token, None).await;
    assert_eq!(status, StatusCode::OK, "the gateway serves again");
    let (_, _, all) = scim(&gw, Method::GET, "/scim/v2/Users", &token, None).await;
    assert_eq!(
        all["totalResults"], 0,
        "the abandoned creates applied nothing"
    );
}

/// Per-credential SCIM limit, per-client token-endpoint limit: 429 + `Retry-After`.
async fn rate_limits_per_credential_and_client(backend: Backend) {
    let env = Env::new(backend).await;
    let (_, token) = env.workspace_with_token("Acme").await;
    let (_, other) = env.workspace_with_token("Other").await;
    let gw = env
        .start_with(
            &["--scim-rate-limit", "5/min", "--token-rate-limit", "3/min"],
            &[],
        )
        .await;
    for _ in 0..5 {
        let (status, _, _) = scim(&gw, Method::GET, "/scim/v2/Users", &token, None).await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, headers, body) = scim(&gw, Method::GET, "/scim/v2/Users", &token, None).await;
    assert_scim_error(status, &body, 429, Some("tooMany"));
    let wait: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=12).contains(&wait), "one request per 12 s: {wait}");
    let (status, _, _) = scim(&gw, Method::GET, "/scim/v2/Users", &other, None).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "another credential has its own allowance"
    );

    let token_request = || {
        gw.http
            .post(gw.url("/oauth/token"))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", "sgc_nobody"),
                ("client_secret", "sgcs_wrong"),
            ])
            .send()
    };
    for _ in 0..3 {
        assert_eq!(
            token_request().await.unwrap().status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let r = token_request().await.unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key("retry-after"));
    assert_eq!(r.headers()["cache-control"], "no-store");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request", "{body}");
}

/// The headers every response carries, whichever surface and outcome.
async fn security_headers_on_every_response(backend: Backend) {
    let env = Env::new(backend).await;
    let (_, token) = env.workspace_with_token("Acme").await;
    let gw = env.start().await;
    let responses = [
        gw.get("/healthz", None).await,
        gw.get("/readyz", None).await,
        gw.get("/nowhere", None).await,
        gw.scim_get("/scim/v2/Users", &token).await,
        gw.scim_get("/scim/v2/Users", "sgt_wrong").await,
        gw.get("/admin/login", None).await,
        gw.get("/oauth/authorize?client_id=x", None).await,
        gw.http.post(gw.url("/oauth/token")).send().await.unwrap(),
        gw.get("/.well-known/oauth-authorization-server", None)
            .await,
    ];
    for r in &responses {
        let h = r.headers();
        let what = format!("{} {}", r.url().path(), r.status());
        assert_eq!(h["x-content-type-options"], "nosniff", "{what}");
        assert_eq!(h["x-frame-options"], "DENY", "{what}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{what}");
        assert!(
            h["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("frame-ancestors 'none'"),
            "{what}"
        );
        assert!(h.contains_key("x-request-id"), "{what}");
    }
    // Directory data and credentials are never cached on the way.
    for r in &responses[3..5] {
        assert_eq!(r.headers()["cache-control"], "no-store", "{}", r.url());
    }
    assert_eq!(responses[7].headers()["cache-control"], "no-store");
}

/// Sends raw bytes and returns the response head and the rest.
async fn raw(gw: &Gateway, request: &str) -> (String, String) {
    let mut s = TcpStream::connect(gw.addr).await.unwrap();
    // The server may answer and close before reading everything.
    let _ = s.write_all(request.as_bytes()).await;
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(20), s.read_to_end(&mut buf)).await;
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, rest) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    (head.to_owned(), rest.to_owned())
}

/// Reads until the end of a response head.
async fn read_head(s: &mut TcpStream) -> String {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = s.read(&mut chunk).await.unwrap();
        assert!(n > 0, "connection closed before a response");
        buf.extend_from_slice(&chunk[..n]);
    }
    String::from_utf8_lossy(&buf).into_owned()
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

crate::both_backends!(
    limits_are_advertised_and_enforced,
    overload_sheds_and_slow_clients_time_out,
    rate_limits_per_credential_and_client,
    security_headers_on_every_response,
);
