//! SCIM 2.0 (RFC 7643, RFC 7644) as pure data and functions: schemas and discovery
//! documents, the filter language, paths, resource validation and rendering, the
//! PATCH engine, and protocol errors; SCIM 1.1 is a dialect mapped onto them (`v1`).
//!
//! Knows nothing of HTTP servers, databases or clocks: values in, values or errors out.

pub mod discovery;
mod error;
pub mod filter;
pub mod idp;
mod message;
pub mod patch;
pub mod path;
pub mod resource;
pub mod roles;
pub mod schema;
pub mod sort;
pub mod v1;
pub mod value;

pub use error::{Error, ScimType};
pub use idp::Idp;
pub use message::{ERROR_SCHEMA, LIST_RESPONSE_SCHEMA, ListResponse, MEDIA_TYPE};
