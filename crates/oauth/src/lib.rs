//! OAuth 2.0 authorization-server primitives and the credential secrets of scimgate.
//!
//! Pure: no HTTP server, database or clock. Secrets are generated here, shown to a
//! person once, and stored only as hashes.

mod secret;

pub use secret::{PlainToken, SecretKind, TokenError, TokenHash};
