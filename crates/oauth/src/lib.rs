//! OAuth 2.0 authorization-server primitives and the credential secrets of scimgate.
//!
//! Pure: no HTTP server, database or clock. Secrets are generated here, shown to a
//! person once, and stored only as hashes.

mod access;
mod authorize;
mod error;
mod grant;
mod password;
mod pkce;
mod redirect;
mod secret;

pub use access::{
    ACCESS_TOKEN_LIFETIME, AccessClaims, AccessTokenError, KeyError, KeySet, SigningKey,
    parse_key_list,
};
pub use authorize::{
    AuthorizeError, AuthorizeRequest, ClientView, MAX_STATE_LEN, OFFLINE_ACCESS, RenderError,
    ValidAuthorizeRequest, parse_scope,
};
pub use error::{ErrorCode, OAuthError, sanitize_description};
pub use grant::{
    AuthMethod, ClientCredentials, REFRESH_IDLE_LIFETIME, TokenRequest, check_redirect_binding,
};
pub use password::{
    MAX_PASSWORD_LEN, MIN_PASSWORD_LEN, PasswordError, generate_password, hash_password,
    verify_password,
};
pub use pkce::{CodeChallenge, PkceError, check_pkce};
pub use redirect::{
    MAX_APP_NAME_LEN, MAX_REDIRECT_URI_LEN, OKTA_CALLBACK_HOSTS, RedirectUri, RedirectUriError,
    okta_presets,
};
pub use secret::{PlainToken, SecretKind, TokenError, TokenHash};
