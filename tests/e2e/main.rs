//! Black-box suite: the real `scimgate` binary on a loopback port, set up through
//! its CLI, spoken to over HTTP as Okta and Entra ID would. Every test runs on
//! SQLite and on PostgreSQL (docs/style.md §9). One test binary for the gateway.
// Stories read top to bottom as an IdP would act; splitting them to satisfy a line count hurts.
#![allow(
    clippy::unwrap_used,
    clippy::missing_panics_doc,
    clippy::too_many_lines
)]

mod billing_api;
mod console;
mod console_api;
mod directory;
mod faults;
mod foundation;
mod harness;
mod hooks;
mod limits;
mod oauth;
mod pgcluster;
mod scim;
mod scim11;
mod seats;
mod selftest;
mod soak;

/// Expands `async fn story(backend: Backend)` items into `sqlite::story` and
/// `postgres::story` tests.
#[macro_export]
macro_rules! both_backends {
    ($($story:ident),+ $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $story() {
                super::$story($crate::harness::Backend::Sqlite).await;
            })+
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $story() {
                super::$story($crate::harness::Backend::Postgres).await;
            })+
        }
    };
}
