//! Configuration: flag > environment (`SCIMGATE_*`) > TOML file (`--config`) > default.
//!
//! clap fills flags and environment into the same `Option` fields (a flag wins over
//! its variable); [`Config::resolve`] then falls back to the file and the defaults,
//! and parses every value once, naming the key and where it came from on error.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, ValueEnum};
use serde::Deserialize;
use store::DatabaseUrl;
use url::Url;

/// Where the gateway keeps its data when nothing is configured.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://./scimgate.db";
/// Where the gateway listens when nothing is configured.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
const DEFAULT_DB_MAX_CONNECTIONS: u32 = 10;
const DEFAULT_DB_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);
const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);
const DEFAULT_HOOK_POLL_INTERVAL: Duration = Duration::from_secs(1);
const DEFAULT_HOOK_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_CODE_LIFETIME: Duration = Duration::from_secs(60);
const MAX_CODE_LIFETIME: Duration = Duration::from_secs(600);
// Limits (docs/reliability.md): far above what Okta and Entra send in normal
// operation, low enough that one client cannot take the gateway for itself.
const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
const DEFAULT_MAX_CONCURRENT_REQUESTS: u32 = 256;
const DEFAULT_SCIM_RATE_LIMIT: &str = "1000/s";
const DEFAULT_TOKEN_RATE_LIMIT: &str = "60/min";
const DEFAULT_SIGNIN_RATE_LIMIT: &str = "30/min";

/// How log lines are written to stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Pretty,
    /// One JSON object per line, for log collectors.
    Json,
}

/// The settings every command accepts. Each is optional so the file can supply it.
#[derive(Debug, Clone, Default, Args)]
pub struct ConfigArgs {
    /// TOML configuration file (keys: the variable names without `SCIMGATE_`, lower case).
    #[arg(long, global = true, env = "SCIMGATE_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Database: `sqlite://PATH` (default `sqlite://./scimgate.db`) or `postgres://…`.
    #[arg(
        long,
        global = true,
        env = "SCIMGATE_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,
    /// Address to listen on, `HOST:PORT` (port 0 picks a free port). Default 127.0.0.1:8080.
    #[arg(long, global = true, env = "SCIMGATE_LISTEN", value_name = "HOST:PORT")]
    pub listen: Option<String>,
    /// External base URL, used in the Tenant URL and `meta.location`. Default: `http://LISTEN`.
    #[arg(long, global = true, env = "SCIMGATE_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,
    /// Log format on stderr: pretty or json.
    #[arg(
        long,
        global = true,
        env = "SCIMGATE_LOG_FORMAT",
        value_name = "FORMAT"
    )]
    pub log_format: Option<LogFormat>,
    /// Most database connections this process opens. Default 10.
    #[arg(
        long,
        global = true,
        env = "SCIMGATE_DB_MAX_CONNECTIONS",
        value_name = "N"
    )]
    pub db_max_connections: Option<u32>,
    /// How long a request waits for a database connection before a 503, e.g. `5s`.
    #[arg(
        long,
        global = true,
        env = "SCIMGATE_DB_ACQUIRE_TIMEOUT",
        value_name = "DURATION"
    )]
    pub db_acquire_timeout: Option<String>,
    /// How long shutdown waits for in-flight requests, e.g. `30s`.
    #[arg(
        long,
        global = true,
        env = "SCIMGATE_SHUTDOWN_TIMEOUT",
        value_name = "DURATION"
    )]
    pub shutdown_timeout: Option<String>,
    /// How often the billing-hook dispatcher looks for due deliveries, e.g. `1s`.
    #[arg(
        long,
        global = true,
        env = "SCIMGATE_HOOK_POLL_INTERVAL",
        value_name = "DURATION"
    )]
    pub hook_poll_interval: Option<String>,
    /// How long one hook delivery attempt may take, e.g. `10s`.
    #[arg(
        long,
        global = true,
        env = "SCIMGATE_HOOK_TIMEOUT",
        value_name = "DURATION"
    )]
    pub hook_timeout: Option<String>,
    /// The first retry delay of a failed delivery; it doubles up to an hour. Default `5s`.
    #[arg(
        long,
        global = true,
        env = "SCIMGATE_HOOK_RETRY_BASE",
        value_name = "DURATION"
    )]
    pub hook_retry_base: Option<String>,
    /// Attempts before a delivery is dead-lettered. Default 34 (about a day).
    #[arg(
        long,
        global = true,
        env = "SCIMGATE_HOOK_MAX_ATTEMPTS",
        value_name = "N"
    )]
    pub hook_max_attempts: Option<u32>,
    /// Access-token signing keys, `KID:SECRET,…` (base64url secrets of 32+ bytes);
    /// the first signs. Default: a key generated once and kept in the database.
    #[arg(
        long,
        global = true,
        env = "SCIMGATE_JWT_KEYS",
        value_name = "KEYS",
        hide_env_values = true
    )]
    pub jwt_keys: Option<String>,
    /// How long an OAuth authorization code stays redeemable, e.g. `60s` (at most 10m).
    #[arg(
        long,
        global = true,
        env = "SCIMGATE_OAUTH_CODE_LIFETIME",
        value_name = "DURATION"
    )]
    pub oauth_code_lifetime: Option<String>,
    /// Longest a request may take, reading its body included, before a 503, e.g. `30s`.
    #[arg(
        long,
        global = true,
        env = "SCIMGATE_REQUEST_TIMEOUT",
        value_name = "DURATION"
    )]
    pub request_timeout: Option<String>,
    /// Requests handled at once; more are refused with 503 + Retry-After. Default 256.
    #[arg(
        long,
        global = true,
        env = "SCIMGATE_MAX_CONCURRENT_REQUESTS",
        value_name = "N"
    )]
    pub max_concurrent_requests: Option<u32>,
    /// SCIM requests per credential, `N/PERIOD` (e.g. `1000/s`, `600/min`) or `off`.
    #[arg(
        long,
        global = true,
        env = "SCIMGATE_SCIM_RATE_LIMIT",
        value_name = "RATE"
    )]
    pub scim_rate_limit: Option<String>,
    /// Token-endpoint requests per client id (per address without one), e.g. `60/min`.
    #[arg(
        long,
        global = true,
        env = "SCIMGATE_TOKEN_RATE_LIMIT",
        value_name = "RATE"
    )]
    pub token_rate_limit: Option<String>,
    /// Admin sign-in attempts per client address, e.g. `30/min`.
    #[arg(
        long,
        global = true,
        env = "SCIMGATE_SIGNIN_RATE_LIMIT",
        value_name = "RATE"
    )]
    pub signin_rate_limit: Option<String>,
}

/// The TOML file: the same keys, snake case, unknown keys rejected.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub database_url: Option<String>,
    pub listen: Option<String>,
    pub public_url: Option<String>,
    pub log_format: Option<LogFormat>,
    pub db_max_connections: Option<u32>,
    pub db_acquire_timeout: Option<String>,
    pub shutdown_timeout: Option<String>,
    pub hook_poll_interval: Option<String>,
    pub hook_timeout: Option<String>,
    pub hook_retry_base: Option<String>,
    pub hook_max_attempts: Option<u32>,
    pub jwt_keys: Option<String>,
    pub oauth_code_lifetime: Option<String>,
    pub request_timeout: Option<String>,
    pub max_concurrent_requests: Option<u32>,
    pub scim_rate_limit: Option<String>,
    pub token_rate_limit: Option<String>,
    pub signin_rate_limit: Option<String>,
}

/// Where a configuration value came from, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A flag or its `SCIMGATE_*` variable.
    Command(&'static str),
    /// The TOML file.
    File(PathBuf),
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Command(key) => write!(
                f,
                "--{} / SCIMGATE_{}",
                key.replace('_', "-"),
                key.to_ascii_uppercase()
            ),
            Self::File(path) => write!(f, "the configuration file {}", path.display()),
        }
    }
}

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration file {path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("invalid `{key}` from {origin}: {message}")]
    Invalid {
        key: &'static str,
        origin: Source,
        message: String,
    },
}

/// The resolved configuration, built once in `main` and passed down.
#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: DatabaseUrl,
    pub listen: SocketAddr,
    /// `None`: derived from the bound address once listening.
    pub public_url: Option<Url>,
    pub log_format: LogFormat,
    pub db_max_connections: u32,
    pub db_acquire_timeout: Duration,
    pub shutdown_timeout: Duration,
    pub hook_poll_interval: Duration,
    pub hook_timeout: Duration,
    /// When and how often failed deliveries are retried.
    pub hook_backoff: seats::Backoff,
    /// `None`: use the key stored in the database.
    pub jwt_keys: Option<Vec<oauth::SigningKey>>,
    pub oauth_code_lifetime: Duration,
    pub request_timeout: Duration,
    pub max_concurrent_requests: u32,
    /// `None`: not limited.
    pub scim_rate_limit: Option<Rate>,
    pub token_rate_limit: Option<Rate>,
    pub signin_rate_limit: Option<Rate>,
}

impl Config {
    /// Loads the file named by `--config` (if any) and resolves.
    pub fn load(args: &ConfigArgs) -> Result<Self, ConfigError> {
        let file = match &args.config {
            Some(path) => Some((path.clone(), read_file(path)?)),
            None => None,
        };
        Self::resolve(args, file)
    }

    /// Flag/env value, else file value, else default; each parsed with its source named.
    #[expect(
        clippy::too_many_lines,
        reason = "one flat pick-and-parse per setting reads best in one place"
    )]
    pub fn resolve(
        args: &ConfigArgs,
        file: Option<(PathBuf, FileConfig)>,
    ) -> Result<Self, ConfigError> {
        let (path, file) = file.map_or((PathBuf::new(), FileConfig::default()), |(p, f)| (p, f));
        let pick = |key: &'static str, arg: &Option<String>, from_file: Option<String>| {
            arg.clone()
                .map(|v| (v, Source::Command(key)))
                .or_else(|| from_file.map(|v| (v, Source::File(path.clone()))))
        };
        let invalid = |key, origin, message: String| ConfigError::Invalid {
            key,
            origin,
            message,
        };

        let database_url = match pick("database_url", &args.database_url, file.database_url) {
            Some((v, src)) => {
                DatabaseUrl::parse(&v).map_err(|e| invalid("database_url", src, e.to_string()))?
            }
            None => DatabaseUrl::parse(DEFAULT_DATABASE_URL).map_err(|e| {
                invalid(
                    "database_url",
                    Source::Command("database_url"),
                    e.to_string(),
                )
            })?,
        };
        let listen = match pick("listen", &args.listen, file.listen) {
            Some((v, src)) => parse_listen(&v).map_err(|m| invalid("listen", src, m))?,
            None => SocketAddr::from(([127, 0, 0, 1], 8080)),
        };
        let public_url = pick("public_url", &args.public_url, file.public_url)
            .map(|(v, src)| parse_public_url(&v).map_err(|m| invalid("public_url", src, m)))
            .transpose()?;
        let duration =
            |key, arg: &Option<String>, from_file, default| -> Result<Duration, ConfigError> {
                match pick(key, arg, from_file) {
                    Some((v, src)) => humantime::parse_duration(&v).map_err(|e| {
                        invalid(
                            key,
                            src,
                            format!("\"{v}\" is not a duration like 5s or 2m: {e}"),
                        )
                    }),
                    None => Ok(default),
                }
            };
        let db_acquire_timeout = duration(
            "db_acquire_timeout",
            &args.db_acquire_timeout,
            file.db_acquire_timeout,
            DEFAULT_DB_ACQUIRE_TIMEOUT,
        )?;
        let shutdown_timeout = duration(
            "shutdown_timeout",
            &args.shutdown_timeout,
            file.shutdown_timeout,
            DEFAULT_SHUTDOWN_TIMEOUT,
        )?;
        let hook_poll_interval = duration(
            "hook_poll_interval",
            &args.hook_poll_interval,
            file.hook_poll_interval,
            DEFAULT_HOOK_POLL_INTERVAL,
        )?;
        let hook_timeout = duration(
            "hook_timeout",
            &args.hook_timeout,
            file.hook_timeout,
            DEFAULT_HOOK_TIMEOUT,
        )?;
        let defaults = seats::Backoff::default();
        let hook_backoff = seats::Backoff {
            base: duration(
                "hook_retry_base",
                &args.hook_retry_base,
                file.hook_retry_base,
                defaults.base,
            )?,
            max_attempts: args
                .hook_max_attempts
                .or(file.hook_max_attempts)
                .unwrap_or(defaults.max_attempts),
            ..defaults
        };
        let oauth_code_lifetime = duration(
            "oauth_code_lifetime",
            &args.oauth_code_lifetime,
            file.oauth_code_lifetime,
            DEFAULT_CODE_LIFETIME,
        )?;
        if oauth_code_lifetime.is_zero() || oauth_code_lifetime > MAX_CODE_LIFETIME {
            return Err(invalid(
                "oauth_code_lifetime",
                Source::Command("oauth_code_lifetime"),
                "must be between 1s and 10m (RFC 6749 §4.1.2)".into(),
            ));
        }
        let jwt_keys = pick("jwt_keys", &args.jwt_keys, file.jwt_keys)
            .map(|(v, src)| {
                oauth::parse_key_list(&v).map_err(|e| invalid("jwt_keys", src, e.to_string()))
            })
            .transpose()?;
        let request_timeout = duration(
            "request_timeout",
            &args.request_timeout,
            file.request_timeout,
            DEFAULT_REQUEST_TIMEOUT,
        )?;
        if request_timeout.is_zero() {
            return Err(invalid(
                "request_timeout",
                Source::Command("request_timeout"),
                "must be longer than 0s".into(),
            ));
        }
        let rate =
            |key, arg: &Option<String>, from_file, default: &str| match pick(key, arg, from_file) {
                Some((v, src)) => Rate::parse(&v).map_err(|m| invalid(key, src, m)),
                None => Rate::parse(default).map_err(|m| invalid(key, Source::Command(key), m)),
            };
        let scim_rate_limit = rate(
            "scim_rate_limit",
            &args.scim_rate_limit,
            file.scim_rate_limit,
            DEFAULT_SCIM_RATE_LIMIT,
        )?;
        let token_rate_limit = rate(
            "token_rate_limit",
            &args.token_rate_limit,
            file.token_rate_limit,
            DEFAULT_TOKEN_RATE_LIMIT,
        )?;
        let signin_rate_limit = rate(
            "signin_rate_limit",
            &args.signin_rate_limit,
            file.signin_rate_limit,
            DEFAULT_SIGNIN_RATE_LIMIT,
        )?;
        let max_concurrent_requests = args
            .max_concurrent_requests
            .or(file.max_concurrent_requests)
            .unwrap_or(DEFAULT_MAX_CONCURRENT_REQUESTS);
        if max_concurrent_requests == 0 {
            return Err(invalid(
                "max_concurrent_requests",
                Source::Command("max_concurrent_requests"),
                "must be at least 1".into(),
            ));
        }
        let db_max_connections = args
            .db_max_connections
            .or(file.db_max_connections)
            .unwrap_or(DEFAULT_DB_MAX_CONNECTIONS);
        if db_max_connections == 0 {
            let src = if args.db_max_connections.is_some() {
                Source::Command("db_max_connections")
            } else {
                Source::File(path)
            };
            return Err(invalid(
                "db_max_connections",
                src,
                "must be at least 1".into(),
            ));
        }
        Ok(Self {
            database_url,
            listen,
            public_url,
            log_format: args.log_format.or(file.log_format).unwrap_or_default(),
            db_max_connections,
            db_acquire_timeout,
            shutdown_timeout,
            hook_poll_interval,
            hook_timeout,
            hook_backoff,
            jwt_keys,
            oauth_code_lifetime,
            request_timeout,
            max_concurrent_requests,
            scim_rate_limit,
            token_rate_limit,
            signin_rate_limit,
        })
    }

    /// The store's pool settings.
    pub fn pool_options(&self) -> store::PoolOptions {
        store::PoolOptions {
            max_connections: self.db_max_connections,
            acquire_timeout: self.db_acquire_timeout,
        }
    }
}

/// A rate limit: at most `count` requests per `period`, all of them at once if
/// they come together (a burst of `count`), then evenly spread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub count: std::num::NonZeroU32,
    pub period: Duration,
}

impl Rate {
    /// `N/PERIOD` (`100/s`, `600/min`, `5000/1h`) or `off` (`None`).
    pub fn parse(v: &str) -> Result<Option<Self>, String> {
        if v.trim().eq_ignore_ascii_case("off") {
            return Ok(None);
        }
        let bad = || format!("\"{v}\" is not a rate like 100/s, 600/min or off");
        let (count, period) = v.trim().split_once('/').ok_or_else(bad)?;
        let count = count.trim().parse().map_err(|_| bad())?;
        let period = period.trim();
        // "100/s" reads as "100 per 1s".
        let period = if period.starts_with(|c: char| c.is_ascii_digit()) {
            humantime::parse_duration(period)
        } else {
            humantime::parse_duration(&format!("1{period}"))
        }
        .map_err(|_| bad())?;
        if period.is_zero() {
            return Err(bad());
        }
        Ok(Some(Self { count, period }))
    }
}

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let err = |message: String| ConfigError::File {
        path: path.to_owned(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
    toml::from_str(&text).map_err(|e| err(e.message().to_owned()))
}

fn parse_listen(v: &str) -> Result<SocketAddr, String> {
    v.parse().map_err(|_| {
        format!("\"{v}\" is not HOST:PORT with a numeric host, e.g. 127.0.0.1:8080 or [::]:8080")
    })
}

fn parse_public_url(v: &str) -> Result<Url, String> {
    let url = Url::parse(v).map_err(|e| format!("\"{v}\" is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(format!(
            "\"{v}\" must be an http:// or https:// URL with a host"
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!("\"{v}\" must not have a query or fragment"));
    }
    // RFC 6749 §3.1, §10.9: codes, tokens and session cookies must not cross a
    // network in clear; plain http is for a gateway reached on this machine only.
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    if url.scheme() == "http" && !loopback {
        return Err(format!(
            "\"{v}\" must use https (plain http only for 127.0.0.1, ::1 or localhost): OAuth codes, tokens \
             and admin sessions would otherwise cross the network unencrypted; terminate TLS in front of the \
             gateway and give its https URL"
        ));
    }
    Ok(url)
}

#[cfg(test)]
mod tests;
