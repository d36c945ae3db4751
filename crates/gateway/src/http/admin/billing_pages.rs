//! The console's Seats and Billing hooks pages, on the same calls as the billing
//! API (`billing_api`): seat figures, auto-charge and its cap, manual purchases and
//! the ledger; hook endpoints (the signing secret shown once), deliveries, replay.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;
use uuid::Uuid;

use super::billing_api::{ApiError, SeatsPatch, buy, change_seats, not_found, register_hook};
use super::console::{Chrome, Console, Flash, form_session, redirect_with, when};
use super::directory_pages::{refusal, refused};
use crate::state::AppState;

/// Deliveries listed on the hooks page.
const DELIVERIES: u32 = 50;

pub(super) fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/admin/seats", get(seats_page).post(save_seats))
        .route("/admin/seats/purchases", post(purchase))
        .route("/admin/hooks", get(hooks_page).post(add_hook))
        .route("/admin/hooks/{id}/remove", post(remove_hook))
        .route("/admin/hooks/deliveries/{id}/replay", post(replay))
}

struct LedgerRow {
    time: String,
    cause: String,
    quantity: i64,
    total: i64,
    actor: String,
    user: String,
}

#[derive(Template)]
#[template(path = "console/seats.html")]
struct SeatsView {
    chrome: Chrome,
    in_use: i64,
    purchased: String,
    auto_charge: bool,
    cap: String,
    cap_input: String,
    ledger: Vec<LedgerRow>,
}

async fn seats_page(State(app): State<AppState>, headers: HeaderMap) -> Response {
    let (admin, chrome, finish) = match Console::load(&headers, &app, "/admin/seats").await {
        Ok(c) => c.split(),
        Err(r) => return r,
    };
    let ws = admin.workspace_id.as_str();
    let read = async {
        let s = app.store.seat_status(ws).await?;
        let ledger = app.store.seat_ledger(ws).await?;
        Ok::<_, store::StoreError>((s, ledger))
    };
    let (s, ledger) = match read.await {
        Ok(r) => r,
        Err(e) => return refusal(e.into(), &admin.csrf),
    };
    finish.render(&SeatsView {
        chrome,
        in_use: s.seats_in_use,
        purchased: s
            .seats_purchased
            .map_or_else(|| "not licensed per seat".into(), |p| p.to_string()),
        auto_charge: s.auto_charge,
        cap: s
            .auto_charge_cap
            .map_or_else(|| "none".into(), |c| c.to_string()),
        cap_input: s.auto_charge_cap.map(|c| c.to_string()).unwrap_or_default(),
        ledger: ledger
            .into_iter()
            .map(|p| LedgerRow {
                time: when(p.occurred_at),
                cause: p.cause,
                quantity: p.quantity,
                total: p.seats_purchased,
                actor: p.actor,
                user: p.user_name.unwrap_or_default(),
            })
            .collect(),
    })
}

#[derive(Deserialize)]
struct SeatsForm {
    csrf: String,
    /// A checkbox: present (`on`) when ticked.
    auto_charge: Option<String>,
    #[serde(default)]
    auto_charge_cap: String,
}

/// A whole number typed in a form; empty is `None`.
fn count(field: &str, text: &str) -> Result<Option<u32>, ApiError> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse()
        .map(Some)
        .map_err(|_| ApiError::Invalid(format!("{field} must be a whole number.")))
}

/// Back to the seats page with the outcome.
fn after_seats_form<T>(app: &AppState, result: Result<T, ApiError>, done: &str) -> Response {
    let flash = result.map_or_else(refused, |_| Flash::ok(done));
    redirect_with("/admin/seats", &flash, app)
}

async fn save_seats(
    State(app): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<SeatsForm>,
) -> Response {
    let admin = match form_session(&headers, &app, &f.csrf).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let result = async {
        let patch = SeatsPatch {
            auto_charge: Some(f.auto_charge.is_some()),
            auto_charge_cap: Some(count("The cap", &f.auto_charge_cap)?),
            ..SeatsPatch::default()
        };
        change_seats(&app, &admin, &patch).await
    }
    .await;
    after_seats_form(&app, result, "Auto-charge saved.")
}

#[derive(Deserialize)]
struct PurchaseForm {
    csrf: String,
    #[serde(default)]
    count: String,
}

async fn purchase(
    State(app): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<PurchaseForm>,
) -> Response {
    let admin = match form_session(&headers, &app, &f.csrf).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let result = async {
        buy(
            &app,
            &admin,
            count("The number of seats", &f.count)?.unwrap_or(0),
        )
        .await
    }
    .await;
    after_seats_form(&app, result, "Seats bought.")
}

struct HookRow {
    id: String,
    url: String,
    events: String,
    time: String,
}

struct DeliveryRow {
    id: String,
    event_type: String,
    state: String,
    attempts: i64,
    last: String,
    when: String,
}

#[derive(Template)]
#[template(path = "console/hooks.html")]
struct HooksView {
    chrome: Chrome,
    hooks: Vec<HookRow>,
    deliveries: Vec<DeliveryRow>,
}

async fn hooks_page(State(app): State<AppState>, headers: HeaderMap) -> Response {
    let (admin, chrome, finish) = match Console::load(&headers, &app, "/admin/hooks").await {
        Ok(c) => c.split(),
        Err(r) => return r,
    };
    let ws = admin.workspace_id.as_str();
    let read = async {
        let hooks = app.store.hooks(ws).await?;
        let deliveries = app.store.deliveries(ws, DELIVERIES).await?;
        Ok::<_, store::StoreError>((hooks, deliveries))
    };
    let (hooks, deliveries) = match read.await {
        Ok(r) => r,
        Err(e) => return refusal(e.into(), &admin.csrf),
    };
    finish.render(&HooksView {
        chrome,
        hooks: hooks
            .iter()
            .map(|h| HookRow {
                id: h.id.to_string(),
                url: h.url.clone(),
                events: if h.events.is_empty() {
                    "all".into()
                } else {
                    crate::billing::event_names(&h.events).join(" ")
                },
                time: when(h.created_at),
            })
            .collect(),
        deliveries: deliveries
            .into_iter()
            .map(|d| DeliveryRow {
                id: d.id.to_string(),
                last: match (d.last_status, d.last_error) {
                    (Some(s), _) => format!("HTTP {s}"),
                    (None, Some(e)) => e,
                    (None, None) => "—".into(),
                },
                when: d.delivered_at.map_or_else(
                    || when(d.next_attempt_at),
                    |t| format!("delivered {}", when(t)),
                ),
                event_type: d.event_type,
                state: d.state,
                attempts: d.attempts,
            })
            .collect(),
    })
}

#[derive(Deserialize)]
struct HookForm {
    csrf: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    events: String,
}

/// Adds an endpoint; its signing secret rides in the flash, shown on the next page
/// load only.
async fn add_hook(
    State(app): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<HookForm>,
) -> Response {
    let admin = match form_session(&headers, &app, &f.csrf).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let result = async {
        let events = f
            .events
            .split_whitespace()
            .map(|e| {
                e.parse::<seats::EventType>()
                    .map_err(|_| ApiError::Invalid(format!("Unknown event type {e}.")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        register_hook(&app, &admin.workspace_id, f.url.trim(), events).await
    }
    .await;
    let flash = result.map_or_else(refused, |(hook, secret)| {
        Flash::ok("Endpoint added.").secret(format!("Signing secret for {}", hook.url), &secret)
    });
    redirect_with("/admin/hooks", &flash, &app)
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn remove_hook(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let admin = match form_session(&headers, &app, &f.csrf).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let flash = match app.store.delete_hook(&admin.workspace_id, id).await {
        Ok(()) => Flash::ok("Endpoint removed."),
        Err(e) => refused(not_found("hook")(e)),
    };
    redirect_with("/admin/hooks", &flash, &app)
}

async fn replay(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let admin = match form_session(&headers, &app, &f.csrf).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let flash = match app
        .store
        .replay_delivery(&admin.workspace_id, id, app.clock.now())
        .await
    {
        Ok(()) => Flash::ok("Delivery queued again."),
        Err(e) => refused(not_found("delivery")(e)),
    };
    redirect_with("/admin/hooks", &flash, &app)
}
