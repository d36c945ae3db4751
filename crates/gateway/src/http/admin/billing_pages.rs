//! The console's Seats and Billing hooks pages, on the same calls as the billing
//! API (`billing_api`): seat figures, auto-charge and its cap, manual purchases and
//! the ledger; hook endpoints (the signing secret shown once), deliveries, replay.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use uuid::Uuid;

use super::billing_api::{ApiError, SeatsPatch, buy, change_seats, not_found, register_hook};
use super::console::{Chrome, Signed, check_csrf, when};
use super::directory_pages::refusal;
use super::session::AdminSession;
use super::{Page, see_other};
use crate::state::AppState;

/// Deliveries listed on the hooks page.
const DELIVERIES: u32 = 50;

pub(super) fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/admin/seats", get(seats_page).post(save_seats))
        .route("/admin/seats/purchases", post(purchase))
        .route("/admin/billing-hooks", get(hooks_page).post(add_hook))
        .route("/admin/billing-hooks/{id}/remove", post(remove_hook))
        .route("/admin/billing-hooks/deliveries/{id}/replay", post(replay))
}

#[derive(Deserialize)]
struct Done {
    done: Option<String>,
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

async fn render_seats(app: &AppState, chrome: Chrome, ws: &str, status: StatusCode) -> Response {
    let read = async {
        let s = app.store.seat_status(ws).await?;
        let ledger = app.store.seat_ledger(ws).await?;
        Ok::<_, store::StoreError>((s, ledger))
    };
    let (s, ledger) = match read.await {
        Ok(r) => r,
        Err(e) => return refusal(e.into(), &chrome.csrf),
    };
    let view = SeatsView {
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
        chrome,
    };
    Page::new(status, &view).into_response()
}

async fn seats_page(
    State(app): State<AppState>,
    Signed(admin): Signed,
    super::api::ApiQuery(d): super::api::ApiQuery<Done>,
) -> Response {
    let mut chrome = Chrome::new(&admin, "seats");
    chrome.notice = match d.done.as_deref() {
        Some("saved") => Some("Auto-charge saved."),
        Some("bought") => Some("Seats bought."),
        _ => None,
    };
    render_seats(&app, chrome, &admin.workspace_id, StatusCode::OK).await
}

/// After a seats form: back to the page, or the page again with the error.
async fn after_seats_form<T>(
    app: &AppState,
    admin: &AdminSession,
    result: Result<T, ApiError>,
    done: &str,
) -> Response {
    match result {
        Ok(_) => see_other(&format!("/admin/seats?done={done}"), Vec::new()),
        Err(ApiError::Invalid(m)) => {
            let mut chrome = Chrome::new(admin, "seats");
            chrome.error = Some(m);
            render_seats(app, chrome, &admin.workspace_id, StatusCode::BAD_REQUEST).await
        }
        Err(e) => refusal(e, &admin.csrf),
    }
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
        .map_err(|_| ApiError::Invalid(format!("{field} must be a whole number")))
}

async fn save_seats(
    State(app): State<AppState>,
    Signed(admin): Signed,
    Form(f): Form<SeatsForm>,
) -> Response {
    if let Err(r) = check_csrf(&admin, &f.csrf) {
        return r;
    }
    let result = match count("The cap", &f.auto_charge_cap) {
        Ok(cap) => {
            let patch = SeatsPatch {
                auto_charge: Some(f.auto_charge.is_some()),
                auto_charge_cap: Some(cap),
                ..SeatsPatch::default()
            };
            change_seats(&app, &admin.workspace_id, &patch).await
        }
        Err(e) => Err(e),
    };
    after_seats_form(&app, &admin, result, "saved").await
}

#[derive(Deserialize)]
struct PurchaseForm {
    csrf: String,
    #[serde(default)]
    count: String,
}

async fn purchase(
    State(app): State<AppState>,
    Signed(admin): Signed,
    Form(f): Form<PurchaseForm>,
) -> Response {
    if let Err(r) = check_csrf(&admin, &f.csrf) {
        return r;
    }
    let result = match count("The number of seats", &f.count) {
        Ok(n) => buy(&app, &admin, n.unwrap_or(0)).await,
        Err(e) => Err(e),
    };
    after_seats_form(&app, &admin, result, "bought").await
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
    /// A hook just added: its URL and signing secret, shown this once.
    created: Option<(String, String)>,
    hooks: Vec<HookRow>,
    deliveries: Vec<DeliveryRow>,
}

async fn render_hooks(
    app: &AppState,
    chrome: Chrome,
    ws: &str,
    status: StatusCode,
    created: Option<(String, String)>,
) -> Response {
    let read = async {
        let hooks = app.store.hooks(ws).await?;
        let deliveries = app.store.deliveries(ws, DELIVERIES).await?;
        Ok::<_, store::StoreError>((hooks, deliveries))
    };
    let (hooks, deliveries) = match read.await {
        Ok(r) => r,
        Err(e) => return refusal(e.into(), &chrome.csrf),
    };
    let view = HooksView {
        created,
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
        chrome,
    };
    Page::new(status, &view).into_response()
}

async fn hooks_page(
    State(app): State<AppState>,
    Signed(admin): Signed,
    super::api::ApiQuery(d): super::api::ApiQuery<Done>,
) -> Response {
    let mut chrome = Chrome::new(&admin, "hooks");
    chrome.notice = match d.done.as_deref() {
        Some("removed") => Some("Endpoint removed."),
        Some("replayed") => Some("Delivery queued again."),
        _ => None,
    };
    render_hooks(&app, chrome, &admin.workspace_id, StatusCode::OK, None).await
}

#[derive(Deserialize)]
struct HookForm {
    csrf: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    events: String,
}

/// Adds an endpoint and answers with the page itself (no redirect), the only
/// response that ever carries the signing secret.
async fn add_hook(
    State(app): State<AppState>,
    Signed(admin): Signed,
    Form(f): Form<HookForm>,
) -> Response {
    if let Err(r) = check_csrf(&admin, &f.csrf) {
        return r;
    }
    let mut chrome = Chrome::new(&admin, "hooks");
    let events = f
        .events
        .split_whitespace()
        .map(|e| {
            e.parse::<seats::EventType>()
                .map_err(|_| ApiError::Invalid(format!("unknown event type {e}")))
        })
        .collect::<Result<Vec<_>, _>>();
    let result = match events {
        Ok(events) => register_hook(&app, &admin.workspace_id, f.url.trim(), events).await,
        Err(e) => Err(e),
    };
    match result {
        Ok((hook, secret)) => {
            chrome.notice = Some("Endpoint added.");
            render_hooks(
                &app,
                chrome,
                &admin.workspace_id,
                StatusCode::CREATED,
                Some((hook.url, secret)),
            )
            .await
        }
        Err(ApiError::Invalid(m)) => {
            chrome.error = Some(m);
            render_hooks(
                &app,
                chrome,
                &admin.workspace_id,
                StatusCode::BAD_REQUEST,
                None,
            )
            .await
        }
        Err(e) => refusal(e, &admin.csrf),
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn remove_hook(
    State(app): State<AppState>,
    Signed(admin): Signed,
    Path(id): Path<Uuid>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Err(r) = check_csrf(&admin, &f.csrf) {
        return r;
    }
    match app.store.delete_hook(&admin.workspace_id, id).await {
        Ok(()) => see_other("/admin/billing-hooks?done=removed", Vec::new()),
        Err(e) => refusal(not_found("hook")(e), &admin.csrf),
    }
}

async fn replay(
    State(app): State<AppState>,
    Signed(admin): Signed,
    Path(id): Path<Uuid>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Err(r) = check_csrf(&admin, &f.csrf) {
        return r;
    }
    match app
        .store
        .replay_delivery(&admin.workspace_id, id, app.clock.now())
        .await
    {
        Ok(_) => see_other("/admin/billing-hooks?done=replayed", Vec::new()),
        Err(e) => refusal(not_found("delivery")(e), &admin.csrf),
    }
}
