//! The scimgate gateway: configuration, CLI, the HTTP surface and the workers,
//! composed from the protocol crates (`scim`, `oauth`) and the `store`.
//! `main.rs` only parses the command line and calls [`cli::run`].

pub mod cli;
pub mod clock;
pub mod config;
mod hooks;
mod http;
pub mod selftest;
mod state;
pub mod telemetry;

use std::future::Future;
use std::sync::Arc;

use tokio::net::TcpListener;
use url::Url;

pub use state::{AppState, Urls};

use crate::clock::Clock;
use crate::config::Config;

/// Why `serve` stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("database: {0}")]
    Store(#[from] store::StoreError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("server: {0}")]
    Io(#[from] std::io::Error),
    #[error("billing hooks: {0}")]
    Hooks(#[from] reqwest::Error),
}

/// Connects to and migrates the configured database.
pub async fn open_store(config: &Config) -> Result<store::Store, store::StoreError> {
    let store = store::Store::connect(&config.database_url, &config.pool_options()).await?;
    store.migrate().await?;
    Ok(store)
}

/// The public base URL: the configured one, else `http://` plus the bound address.
pub fn public_url(config: &Config, bound: std::net::SocketAddr) -> Url {
    config.public_url.clone().unwrap_or_else(|| {
        Url::parse(&format!("http://{bound}"))
            .unwrap_or_else(|_| unreachable!("a socket address makes a valid URL"))
    })
}

/// Runs the gateway on `listener` until `shutdown` resolves, then lets in-flight
/// requests finish for at most the configured shutdown timeout.
pub async fn serve(
    config: Config,
    store: store::Store,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let bound = listener.local_addr()?;
    let (stop_hooks, stop_rx) = tokio::sync::watch::channel(false);
    let dispatcher = tokio::spawn(hooks::Dispatcher::new(store.clone(), &config)?.run(stop_rx));
    let state = AppState {
        store: store.clone(),
        clock: Clock,
        urls: Urls::new(&public_url(&config, bound)),
        metrics: Arc::new(http::metrics::Metrics::new()),
        config: Arc::new(config),
    };
    let drain = state.config.shutdown_timeout;
    let (draining_tx, draining_rx) = tokio::sync::oneshot::channel::<()>();
    let server = axum::serve(listener, http::into_service(http::app(state)))
        .with_graceful_shutdown(async move {
            shutdown.await;
            tracing::info!("shutting down: finishing in-flight requests");
            let _ = draining_tx.send(());
        });
    tokio::select! {
        result = server => result?,
        () = async {
            if draining_rx.await.is_ok() {
                tokio::time::sleep(drain).await;
            } else {
                std::future::pending::<()>().await;
            }
        } => tracing::warn!(timeout_s = drain.as_secs(), "shutdown timeout reached; abandoning in-flight requests"),
    }
    // Attempts in flight finish and are recorded; undelivered events stay in the outbox.
    let _ = stop_hooks.send(true);
    if dispatcher.await.is_err() {
        tracing::error!("billing hook dispatcher panicked");
    }
    store.close().await;
    Ok(())
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
