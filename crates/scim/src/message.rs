use serde::Serialize;

/// The media type of every SCIM response (RFC 7644 §8.1).
pub const MEDIA_TYPE: &str = "application/scim+json";
/// `schemas` value of an error response (RFC 7644 §3.12).
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
/// `schemas` value of a list or query response (RFC 7644 §3.4.2).
pub const LIST_RESPONSE_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/// A `ListResponse` (RFC 7644 §3.4.2). The paging numbers are JSON integers and
/// `startIndex` is 1-based, as both Okta and Entra require.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListResponse<T> {
    schemas: [&'static str; 1],
    pub total_results: u64,
    pub start_index: u64,
    pub items_per_page: u64,
    #[serde(rename = "Resources")]
    pub resources: Vec<T>,
}

impl<T> ListResponse<T> {
    /// A page of `resources` starting at the 1-based `start_index` out of `total_results`.
    pub fn new(resources: Vec<T>, total_results: u64, start_index: u64) -> Self {
        Self {
            schemas: [LIST_RESPONSE_SCHEMA],
            total_results,
            start_index,
            items_per_page: resources.len() as u64,
            resources,
        }
    }

    /// A complete, unpaged list (discovery endpoints).
    pub fn complete(resources: Vec<T>) -> Self {
        let n = resources.len() as u64;
        Self::new(resources, n, 1)
    }
}
