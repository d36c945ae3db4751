//! The `scimgate` command line: `serve`, `migrate`, and the admin commands that
//! work on the same database. Human output by default, one JSON object with `--json`.

use std::fmt::Write as _;
use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use serde_json::{Value, json};
use store::{Store, StoreError, UniqueField, Workspace};
use time::OffsetDateTime;

use crate::access::{self, AccessError};
use crate::clock::Clock;
use crate::config::{Config, ConfigArgs};

mod billing;
mod credentials;
use credentials::{AdminCommand, ClientCommand};

/// SCIM 2.0 provisioning gateway for Okta and Microsoft Entra ID.
#[derive(Debug, Parser)]
#[command(name = "scimgate", version, about)]
pub struct Cli {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Print one JSON object instead of human-readable text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the gateway (migrates the database first).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Manage workspaces.
    #[command(subcommand)]
    Workspace(WorkspaceCommand),
    /// Manage a workspace's SCIM bearer tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// A workspace's seats: settings, manual purchases, the ledger.
    #[command(subcommand)]
    Seats(billing::SeatsCommand),
    /// A workspace's billing hooks and their deliveries.
    #[command(subcommand)]
    Hook(billing::HookCommand),
    /// A workspace's billing events (the outbox).
    #[command(subcommand)]
    Events(billing::EventsCommand),
    /// The deprovisioning safeguard: settings, resume, cancel.
    #[command(subcommand)]
    Guard(billing::GuardCommand),
    /// Manage the workspace admins who sign in to the console and approve OAuth requests.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Manage OAuth clients (the credentials Okta's "OAuth 2.0 Authorization Code" uses).
    #[command(subcommand)]
    Client(ClientCommand),
    /// Replay Okta's or Entra ID's provisioning requests against any SCIM server (2.0;
    /// 1.1 for `okta-scim11`) and report what that IdP would accept; exits 1 if any step fails.
    Selftest {
        #[arg(long, value_enum)]
        profile: crate::selftest::Profile,
        /// The SCIM base URL, as entered in Okta (Base URL) or Entra (Tenant URL).
        #[arg(long)]
        base: String,
        /// The bearer token (or set `SCIMGATE_SELFTEST_TOKEN` to keep it out of `ps`).
        #[arg(long, env = "SCIMGATE_SELFTEST_TOKEN", hide_env_values = true)]
        token: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum WorkspaceCommand {
    /// Create a workspace; its id is a lowercase slug of the name.
    Create {
        #[arg(long)]
        name: String,
        /// License the workspace per seat with N purchased seats (default: unlimited).
        #[arg(long, value_name = "N")]
        seats: Option<u32>,
        /// Turn auto-charge on: buy a seat when none is free, up to N seats in all.
        #[arg(long, value_name = "N")]
        auto_charge_cap: Option<u32>,
    },
    /// List workspaces.
    List,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a bearer token; it is printed once and stored only as a hash.
    Create {
        #[arg(long)]
        workspace: String,
        /// A name to recognise the token by, e.g. "okta".
        #[arg(long)]
        name: String,
        /// Lifetime, e.g. 90d or 12h. Without it the token does not expire.
        #[arg(long, value_name = "DURATION")]
        expires_in: Option<humantime::Duration>,
    },
    /// List the workspace's tokens (never the tokens themselves).
    List {
        #[arg(long)]
        workspace: String,
    },
    /// Revoke the live token with this name; the IdP gets 401 from the next request.
    Revoke {
        #[arg(long)]
        workspace: String,
        #[arg(long)]
        name: String,
    },
}

/// A failed command: what to tell the person, and the exit code.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Config(#[from] crate::config::ConfigError),
    #[error("{0}")]
    Serve(#[from] crate::ServeError),
    #[error("{0}")]
    User(String),
    #[error("database: {0}")]
    Store(StoreError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Selftest(#[from] crate::selftest::SelftestError),
    #[error("self-test: {failed} of {total} steps failed")]
    SelftestFailed { failed: usize, total: usize },
}

impl From<StoreError> for CliError {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

/// Runs a parsed command line to completion.
pub async fn run(cli: Cli) -> ExitCode {
    let config = match Config::load(&cli.config) {
        Ok(c) => c,
        Err(e) => return fail(&e.into()),
    };
    crate::telemetry::init(config.log_format);
    match execute(cli, config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

fn fail(e: &CliError) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::FAILURE
}

async fn execute(cli: Cli, config: Config) -> Result<(), CliError> {
    let out = Output { json: cli.json };
    // The self-test may target another vendor's server: it needs no database.
    if let Command::Selftest {
        profile,
        base,
        token,
    } = cli.command
    {
        return selftest(&out, profile, &base, token).await;
    }
    let store = crate::open_store(&config).await?;
    match cli.command {
        Command::Serve => serve(config, store).await?,
        Command::Migrate => out.print(&json!({"migrated": true}), "Database is up to date."),
        Command::Workspace(cmd) => workspace(&store, &out, cmd).await?,
        Command::Token(cmd) => token(&store, &config, &out, cmd).await?,
        Command::Seats(cmd) => billing::seats(&store, &out, cmd).await?,
        Command::Hook(cmd) => billing::hook(&store, &out, cmd).await?,
        Command::Events(cmd) => billing::events(&store, &out, cmd).await?,
        Command::Guard(cmd) => billing::guard(&store, &out, cmd).await?,
        Command::Admin(cmd) => credentials::admin(&store, &out, cmd).await?,
        Command::Client(cmd) => credentials::client(&store, &config, &out, cmd).await?,
        Command::Selftest { .. } => unreachable!("dispatched before the store opens"),
    }
    Ok(())
}

async fn selftest(
    out: &Output,
    profile: crate::selftest::Profile,
    base: &str,
    token: String,
) -> Result<(), CliError> {
    let token = secrecy::SecretString::from(token);
    let report = crate::selftest::run(profile, base, &token).await?;
    out.print(&report.to_json(), &report.to_text());
    match report.failed() {
        0 => Ok(()),
        failed => Err(CliError::SelftestFailed {
            failed,
            total: report.steps.len(),
        }),
    }
}

async fn serve(config: Config, store: Store) -> Result<(), CliError> {
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| crate::ServeError::Bind {
            addr: config.listen,
            source,
        })?;
    let bound = listener.local_addr()?;
    // The contract's one stdout line, after the bind, so a reader can connect at once.
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "listening on http://{bound}")?;
    stdout.flush()?;
    drop(stdout);
    tracing::info!(addr = %bound, database = %config.database_url, "scimgate started");
    crate::serve(config, store, listener, crate::shutdown_signal()).await?;
    Ok(())
}

async fn workspace(store: &Store, out: &Output, cmd: WorkspaceCommand) -> Result<(), CliError> {
    match cmd {
        WorkspaceCommand::Create {
            name,
            seats,
            auto_charge_cap,
        } => {
            let name = name.trim().to_owned();
            let id = store::slug(&name);
            if id.is_empty() {
                return Err(CliError::User(
                    "the workspace name needs at least one letter or digit".into(),
                ));
            }
            let ws = Workspace {
                id,
                name,
                created_at: Clock.now(),
            };
            store.create_workspace(&ws).await.map_err(|e| match e {
                StoreError::Conflict(UniqueField::WorkspaceId) => {
                    CliError::User(format!("a workspace with id \"{}\" already exists", ws.id))
                }
                other => other.into(),
            })?;
            let seats = billing::configure_new(store, &ws.id, seats, auto_charge_cap).await?;
            let mut body =
                json!({"id": ws.id, "name": ws.name, "created_at": rfc3339(ws.created_at)});
            if let (Some(o), Value::Object(s)) =
                (body.as_object_mut(), crate::billing::seats(&seats))
            {
                o.extend(s);
            }
            out.print(
                &body,
                &format!("Created workspace \"{}\" (id: {}).", ws.name, ws.id),
            );
        }
        WorkspaceCommand::List => {
            let all = store.workspaces().await?;
            let text = all
                .iter()
                .map(|w| format!("{}\t{}", w.id, w.name))
                .collect::<Vec<_>>()
                .join("\n");
            let items: Vec<_> = all
                .iter()
                .map(|w| json!({"id": w.id, "name": w.name, "created_at": rfc3339(w.created_at)}))
                .collect();
            out.print(
                &json!({"workspaces": items}),
                if text.is_empty() {
                    "No workspaces."
                } else {
                    &text
                },
            );
        }
    }
    Ok(())
}

async fn token(
    store: &Store,
    config: &Config,
    out: &Output,
    cmd: TokenCommand,
) -> Result<(), CliError> {
    match cmd {
        TokenCommand::Create {
            workspace,
            name,
            expires_in,
        } => token_create(store, config, out, &workspace, name.trim(), expires_in).await,
        TokenCommand::List { workspace } => token_list(store, out, &workspace).await,
        TokenCommand::Revoke { workspace, name } => {
            let change = cli_change(&workspace);
            let t = access::revoke_token(store, &change, &name)
                .await
                .map_err(|e| match e {
                    AccessError::NotFound => CliError::User(format!(
                        "workspace \"{workspace}\" has no live token named \"{name}\""
                    )),
                    other => access_error(other, &workspace),
                })?;
            out.print(
                &json!({"name": t.name, "workspace": t.workspace_id, "revoked_at": t.revoked_at.map(rfc3339)}),
                &format!("Revoked token \"{name}\" of workspace {workspace}."),
            );
            Ok(())
        }
    }
}

/// The audit trail's "who" of an admin command: the operator at the command line.
pub(crate) fn cli_change(workspace: &str) -> store::Change<'_> {
    store::Change {
        workspace,
        actor: "cli",
        now: Clock.now(),
    }
}

pub(crate) fn access_error(e: AccessError, workspace: &str) -> CliError {
    match e {
        AccessError::NotFound => no_workspace(workspace),
        AccessError::Invalid(m) => CliError::User(m),
        AccessError::Store(s) => s.into(),
    }
}

fn no_workspace(ws: &str) -> CliError {
    CliError::User(format!(
        "no workspace \"{ws}\" (see `scimgate workspace list`)"
    ))
}

async fn token_create(
    store: &Store,
    config: &Config,
    out: &Output,
    workspace: &str,
    name: &str,
    expires_in: Option<humantime::Duration>,
) -> Result<(), CliError> {
    let change = cli_change(workspace);
    let (record, plain) = access::create_token(store, &change, name, expires_in.map(Into::into))
        .await
        .map_err(|e| access_error(e, workspace))?;
    let expires_at = record.expires_at;
    let urls = crate::Urls::new(&crate::public_url(config, config.listen));
    let (tenant_url, scim11_url) = (urls.scim_base(), urls.scim_v1_base());
    let expiry = expires_at.map_or_else(
        || "never expires".to_owned(),
        |t| format!("expires {}", rfc3339(t)),
    );
    let mut body = json!({"token": plain.expose(), "name": name, "workspace": workspace, "tenant_url": tenant_url, "scim11_url": scim11_url});
    if let Some(t) = expires_at {
        body["expires_at"] = json!(rfc3339(t));
    }
    out.print(
        &body,
        &format!(
            "Created token \"{name}\" for workspace {workspace} ({expiry}).\n\
             Copy it now; it is shown only this once:\n\n    {}\n\n\
             SCIM base URL (Okta: Base URL, Entra ID: Tenant URL): {tenant_url}\n\
             For Okta's \"SCIM 1.1 Header Auth\" app, the Base URL is {scim11_url}",
            plain.expose()
        ),
    );
    Ok(())
}

async fn token_list(store: &Store, out: &Output, workspace: &str) -> Result<(), CliError> {
    let tokens = store.tokens(workspace).await.map_err(|e| match e {
        StoreError::NotFound => no_workspace(workspace),
        other => other.into(),
    })?;
    let now = Clock.now();
    let items: Vec<_> = tokens.iter().map(|t| access::token_json(t, now)).collect();
    let mut text = String::from("NAME\tSTATUS\tCREATED\tLAST USED\tEXPIRES");
    for t in &tokens {
        let when = |v: Option<OffsetDateTime>| v.map_or_else(|| "never".to_owned(), rfc3339);
        let _ = write!(
            text,
            "\n{}\t{}\t{}\t{}\t{}",
            t.name,
            access::token_status(t, now),
            rfc3339(t.created_at),
            when(t.last_used_at),
            when(t.expires_at),
        );
    }
    out.print(&json!({"workspace": workspace, "tokens": items}), &text);
    Ok(())
}

pub(crate) use crate::access::rfc3339;

/// Where command results go: stdout, as text or as one JSON object.
struct Output {
    json: bool,
}

impl Output {
    fn print(&self, value: &serde_json::Value, text: &str) {
        if self.json {
            println!("{value}");
        } else {
            println!("{text}");
        }
    }
}
