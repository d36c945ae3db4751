//! Seat licensing, billing-hook and safeguard commands: `seats …`, `hook …`,
//! `events list`, `guard …`, and the seat options of `workspace create`.

use std::fmt::Write as _;

use clap::Subcommand;
use serde_json::json;
use store::{GuardSettings, GuardStatus, SeatSettings, SeatStatus, Store, StoreError};
use uuid::Uuid;

use super::{CliError, Output, no_workspace, rfc3339};
use crate::billing as views;
use crate::clock::Clock;

/// Who the ledger names for purchases made on the command line.
const CLI_ACTOR: &str = "cli";

#[derive(Debug, Subcommand)]
pub enum SeatsCommand {
    /// Show seats in use, seats purchased and the auto-charge settings.
    Show {
        #[arg(long)]
        workspace: String,
    },
    /// Change the seat settings; options not given stay as they are.
    Set {
        #[arg(long)]
        workspace: String,
        /// Seats purchased, as a correction (not a ledger entry; `seats buy` is one).
        #[arg(long, value_name = "N")]
        purchased: Option<u32>,
        /// Whether a seat is bought automatically when none is free.
        #[arg(long, value_name = "BOOL")]
        auto_charge: Option<bool>,
        /// The most seats auto-charge may bring the workspace to.
        #[arg(long, value_name = "N", conflicts_with = "no_auto_charge_cap")]
        auto_charge_cap: Option<u32>,
        /// Let auto-charge buy without a cap.
        #[arg(long)]
        no_auto_charge_cap: bool,
    },
    /// Buy seats (beyond the auto-charge cap if need be); recorded in the ledger.
    Buy {
        #[arg(long)]
        workspace: String,
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
        count: u32,
    },
    /// Every seat purchase: when, why (`auto_charge` or `admin`), and for which user.
    Ledger {
        #[arg(long)]
        workspace: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum HookCommand {
    /// Register a billing hook; its signing secret is printed once.
    Add {
        #[arg(long)]
        workspace: String,
        /// The receiver's URL; https, except loopback with `--allow-insecure-loopback`.
        #[arg(long)]
        url: String,
        /// Event types to send (comma-separated or repeated); all when omitted.
        #[arg(long, value_delimiter = ',', value_name = "TYPE")]
        events: Vec<seats::EventType>,
        /// Development only: allow http:// to this machine.
        #[arg(long)]
        allow_insecure_loopback: bool,
    },
    /// List the workspace's hooks (never their secrets).
    List {
        #[arg(long)]
        workspace: String,
    },
    /// Remove a hook; its pending deliveries go with it.
    Remove {
        #[arg(long)]
        workspace: String,
        #[arg(long)]
        id: Uuid,
    },
    /// Recent deliveries, newest first: state, attempts, last status and error.
    Deliveries {
        #[arg(long)]
        workspace: String,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Send a delivery again (a dead letter, or one the receiver lost), same event id.
    Replay {
        #[arg(long)]
        workspace: String,
        #[arg(long, value_name = "ID")]
        delivery: Uuid,
    },
}

#[derive(Debug, Subcommand)]
pub enum EventsCommand {
    /// The workspace's billing events, oldest first, after the event id `--after`.
    List {
        #[arg(long)]
        workspace: String,
        #[arg(long, value_name = "EVENT_ID")]
        after: Option<Uuid>,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
}

#[derive(Debug, Subcommand)]
pub enum GuardCommand {
    /// Show the deprovisioning safeguard's settings and whether it holds deprovisioning.
    Show {
        #[arg(long)]
        workspace: String,
    },
    /// Change the safeguard: pause when more than SHARE % of active users (and at least
    /// MIN users) are deactivated or deleted within WINDOW.
    Set {
        #[arg(long)]
        workspace: String,
        #[arg(long, value_name = "SHARE", value_parser = clap::value_parser!(u8).range(0..=100))]
        share_percent: Option<u8>,
        #[arg(long, value_name = "MIN")]
        min_users: Option<u32>,
        #[arg(long, value_name = "WINDOW")]
        window: Option<humantime::Duration>,
    },
    /// Let held deactivations and deletions through (the IdP's retries succeed).
    Resume {
        #[arg(long)]
        workspace: String,
    },
    /// Refuse held deactivations and deletions for good (403) until resumed.
    Cancel {
        #[arg(long)]
        workspace: String,
    },
}

fn known(workspace: &str) -> impl FnOnce(StoreError) -> CliError + '_ {
    move |e| match e {
        StoreError::NotFound => no_workspace(workspace),
        other => other.into(),
    }
}

fn seats_text(ws: &str, s: &SeatStatus) -> String {
    let purchased = s.seats_purchased.map_or_else(
        || "unlimited (not licensed per seat)".to_owned(),
        |n| n.to_string(),
    );
    let auto = match (s.auto_charge, s.auto_charge_cap) {
        (false, _) => "off".to_owned(),
        (true, None) => "on, no cap".to_owned(),
        (true, Some(cap)) => format!("on, up to {cap} seats"),
    };
    format!(
        "Workspace {ws}: {} seats in use, seats purchased: {purchased}; auto-charge {auto}.",
        s.seats_in_use
    )
}

/// Applies `workspace create`'s seat options: `--seats` licenses the workspace,
/// `--auto-charge-cap` turns auto-charge on up to the cap.
pub(super) async fn configure_new(
    store: &Store,
    ws: &str,
    seats: Option<u32>,
    auto_charge_cap: Option<u32>,
) -> Result<SeatStatus, CliError> {
    let settings = SeatSettings {
        seats_purchased: seats.map(i64::from),
        auto_charge: auto_charge_cap.map(|_| true),
        auto_charge_cap: auto_charge_cap.map(|c| Some(i64::from(c))),
    };
    Ok(store.update_seat_settings(ws, settings).await?)
}

pub(super) async fn seats(store: &Store, out: &Output, cmd: SeatsCommand) -> Result<(), CliError> {
    let (ws, status) = match cmd {
        SeatsCommand::Show { workspace } => {
            let s = store
                .seat_status(&workspace)
                .await
                .map_err(known(&workspace))?;
            (workspace, s)
        }
        SeatsCommand::Set {
            workspace,
            purchased,
            auto_charge,
            auto_charge_cap,
            no_auto_charge_cap,
        } => {
            let settings = SeatSettings {
                seats_purchased: purchased.map(i64::from),
                auto_charge,
                auto_charge_cap: if no_auto_charge_cap {
                    Some(None)
                } else {
                    auto_charge_cap.map(|c| Some(i64::from(c)))
                },
            };
            let s = store
                .update_seat_settings(&workspace, settings)
                .await
                .map_err(known(&workspace))?;
            (workspace, s)
        }
        SeatsCommand::Buy { workspace, count } => {
            let s = store
                .buy_seats(&workspace, i64::from(count), CLI_ACTOR, Clock.now())
                .await
                .map_err(known(&workspace))?;
            (workspace, s)
        }
        SeatsCommand::Ledger { workspace } => {
            return ledger(store, out, &workspace).await;
        }
    };
    let mut body = views::seats(&status);
    body["workspace"] = json!(ws);
    out.print(&body, &seats_text(&ws, &status));
    Ok(())
}

async fn ledger(store: &Store, out: &Output, ws: &str) -> Result<(), CliError> {
    let entries = store.seat_ledger(ws).await.map_err(known(ws))?;
    let items: Vec<_> = entries.iter().map(views::purchase).collect();
    let mut text = String::from("TIME\tCAUSE\tQUANTITY\tPURCHASED AFTER\tBY\tUSER");
    for p in &entries {
        let _ = write!(
            text,
            "\n{}\t{}\t{}\t{}\t{}\t{}",
            rfc3339(p.occurred_at),
            p.cause,
            p.quantity,
            p.seats_purchased,
            p.actor,
            p.user_name.as_deref().unwrap_or("-")
        );
    }
    out.print(&json!({"workspace": ws, "purchases": items}), &text);
    Ok(())
}

pub(super) async fn hook(store: &Store, out: &Output, cmd: HookCommand) -> Result<(), CliError> {
    match cmd {
        HookCommand::Add {
            workspace,
            url,
            mut events,
            allow_insecure_loopback,
        } => {
            let url = seats::validate_endpoint(&url, allow_insecure_loopback)
                .map_err(|e| CliError::User(format!("--url: {e}")))?;
            let secret =
                seats::WebhookSecret::generate().map_err(|e| CliError::User(e.to_string()))?;
            events.sort();
            events.dedup();
            let hook = store
                .create_hook(
                    &workspace,
                    url.as_str(),
                    &secret.expose(),
                    &events,
                    Clock.now(),
                )
                .await
                .map_err(known(&workspace))?;
            let names = views::event_names(&hook.events);
            let which = if names.is_empty() {
                "every event".to_owned()
            } else {
                names.join(", ")
            };
            out.print(
                &json!({"id": hook.id, "url": hook.url, "secret": secret.expose(), "events": names}),
                &format!(
                    "Added hook {} for workspace {workspace}: {} receives {which}.\n\
                     Copy its signing secret now; it is shown only this once:\n\n    {}",
                    hook.id,
                    hook.url,
                    secret.expose()
                ),
            );
        }
        HookCommand::List { workspace } => {
            let hooks = store.hooks(&workspace).await.map_err(known(&workspace))?;
            let items: Vec<_> = hooks.iter().map(views::hook).collect();
            let mut text = String::from("ID\tURL\tEVENTS");
            for h in &hooks {
                let names = views::event_names(&h.events);
                let names = if names.is_empty() {
                    "all".to_owned()
                } else {
                    names.join(",")
                };
                let _ = write!(text, "\n{}\t{}\t{names}", h.id, h.url);
            }
            out.print(&json!({"workspace": workspace, "hooks": items}), &text);
        }
        HookCommand::Remove { workspace, id } => {
            store
                .delete_hook(&workspace, id)
                .await
                .map_err(|e| match e {
                    StoreError::NotFound => {
                        CliError::User(format!("workspace \"{workspace}\" has no hook {id}"))
                    }
                    other => other.into(),
                })?;
            out.print(
                &json!({"id": id, "workspace": workspace, "removed": true}),
                &format!("Removed hook {id} of workspace {workspace}."),
            );
        }
        HookCommand::Deliveries { workspace, limit } => {
            deliveries(store, out, &workspace, limit).await?;
        }
        HookCommand::Replay {
            workspace,
            delivery,
        } => {
            store
                .replay_delivery(&workspace, delivery, Clock.now())
                .await
                .map_err(|e| match e {
                    StoreError::NotFound => CliError::User(format!(
                        "workspace \"{workspace}\" has no delivery {delivery}"
                    )),
                    other => other.into(),
                })?;
            out.print(
                &json!({"id": delivery, "workspace": workspace, "state": store::PENDING}),
                &format!("Delivery {delivery} will be sent again shortly."),
            );
        }
    }
    Ok(())
}

async fn deliveries(store: &Store, out: &Output, ws: &str, limit: u32) -> Result<(), CliError> {
    let all = store.deliveries(ws, limit).await.map_err(known(ws))?;
    let items: Vec<_> = all.iter().map(views::delivery).collect();
    let mut text = String::from("ID\tEVENT\tSTATE\tATTEMPTS\tLAST STATUS\tLAST ERROR");
    for d in &all {
        let _ = write!(
            text,
            "\n{}\t{}\t{}\t{}\t{}\t{}",
            d.id,
            d.event_type,
            d.state,
            d.attempts,
            d.last_status
                .map_or_else(|| "-".to_owned(), |s| s.to_string()),
            d.last_error.as_deref().unwrap_or("-")
        );
    }
    out.print(&json!({"workspace": ws, "deliveries": items}), &text);
    Ok(())
}

pub(super) async fn events(
    store: &Store,
    out: &Output,
    cmd: EventsCommand,
) -> Result<(), CliError> {
    let EventsCommand::List {
        workspace,
        after,
        limit,
    } = cmd;
    let events = store
        .events_after(&workspace, after, limit)
        .await
        .map_err(known(&workspace))?;
    let mut body = views::events_page(&events, after)?;
    body["workspace"] = json!(workspace);
    let mut text = String::from("ID\tTYPE\tTIME");
    for e in &events {
        let _ = write!(
            text,
            "\n{}\t{}\t{}",
            e.id,
            e.event_type,
            rfc3339(e.occurred_at)
        );
    }
    out.print(&body, &text);
    Ok(())
}

pub(super) async fn guard(store: &Store, out: &Output, cmd: GuardCommand) -> Result<(), CliError> {
    let (ws, g) = match cmd {
        GuardCommand::Show { workspace } => {
            let g = store
                .guard_status(&workspace)
                .await
                .map_err(known(&workspace))?;
            (workspace, g)
        }
        GuardCommand::Set {
            workspace,
            share_percent,
            min_users,
            window,
        } => {
            let window_seconds = window
                .map(|w| i64::try_from(w.as_secs()))
                .transpose()
                .map_err(|_| CliError::User("--window is too long".into()))?;
            let settings = GuardSettings {
                share_percent: share_percent.map(i64::from),
                min_users: min_users.map(i64::from),
                window_seconds,
            };
            let g = store
                .update_guard(&workspace, settings)
                .await
                .map_err(known(&workspace))?;
            (workspace, g)
        }
        GuardCommand::Resume { workspace } => {
            let g = store
                .resume_guard(&workspace, Clock.now())
                .await
                .map_err(known(&workspace))?;
            (workspace, g)
        }
        GuardCommand::Cancel { workspace } => {
            let g = store
                .cancel_guard(&workspace)
                .await
                .map_err(known(&workspace))?;
            (workspace, g)
        }
    };
    let mut body = views::guard(&g);
    body["workspace"] = json!(ws);
    out.print(&body, &guard_text(&ws, &g));
    Ok(())
}

fn guard_text(ws: &str, g: &GuardStatus) -> String {
    let state = match g.guard_state.as_deref() {
        Some(store::GUARD_PAUSED) => {
            "PAUSED: deactivations and deletions wait (`scimgate guard resume` or `guard cancel`)"
        }
        Some(_) => {
            "CANCELLED: deactivations and deletions are refused until `scimgate guard resume`"
        }
        None => "watching",
    };
    format!(
        "Workspace {ws}: deprovisioning safeguard {state}.\nPauses when more than {} % of active users \
         (and at least {}) are deactivated or deleted within {} s; {} users are active.",
        g.guard_share_percent, g.guard_min_users, g.guard_window_seconds, g.seats_in_use
    )
}
