//! One webhook delivery attempt: the crate's only I/O (docs/style.md §1). Scheduling,
//! claiming and recording attempts belong to the gateway's dispatcher.

use std::time::Duration;

use reqwest::redirect::Policy;

use crate::webhook::{WebhookSecret, headers};

/// The HTTP client hooks are sent with: the per-attempt timeout, and no redirects
/// followed (a 3xx is a failed attempt: the receiver must answer at the URL it gave).
pub fn client(timeout: Duration) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .timeout(timeout)
        .connect_timeout(timeout)
        .user_agent(concat!("scimgate-hooks/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// The receiver answered 2xx.
    Delivered { status: u16 },
    /// Anything else: a non-2xx status, or no answer (`status: None`). `error` says why
    /// without the URL, which may carry a token in its query.
    Failed { status: Option<u16>, error: String },
}

/// Sends `payload` to `url` once, signed with `secret` under the idempotency id
/// `msg_id` at `timestamp_secs` (Unix seconds: the attempt's time, as Standard Webhooks
/// requires, so a retry carries a fresh timestamp and a fresh signature).
pub async fn deliver(
    client: &reqwest::Client,
    url: &str,
    secret: &WebhookSecret,
    msg_id: &str,
    timestamp_secs: i64,
    payload: &[u8],
) -> Attempt {
    let mut request = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json");
    for (name, value) in headers(secret, msg_id, timestamp_secs, payload) {
        request = request.header(name, value);
    }
    match request.body(payload.to_vec()).send().await {
        Ok(response) if response.status().is_success() => Attempt::Delivered {
            status: response.status().as_u16(),
        },
        Ok(response) => Attempt::Failed {
            status: Some(response.status().as_u16()),
            error: format!("the receiver answered {}", response.status()),
        },
        Err(e) => Attempt::Failed {
            status: None,
            error: e.without_url().to_string(),
        },
    }
}
