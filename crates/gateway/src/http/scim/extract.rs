//! Our own extractors for SCIM requests, so that every bad input is a SCIM error
//! (never axum's plain-text rejections).

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, FailedToBufferBody};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::HeaderMap;
use axum::http::header::{CONTENT_TYPE, IF_MATCH, IF_NONE_MATCH};
use axum::http::request::Parts;
use serde_json::Value;

use super::ScimApiError;

/// A JSON request body: `application/scim+json` or `application/json` (either with
/// parameters such as `charset=utf-8`), or no content type at all (Okta's spec test
/// tools send odd ones on GET; on writes we only need the bytes to be JSON).
pub(crate) struct ScimJson(pub Value);

impl<S: Send + Sync> FromRequest<S> for ScimJson {
    type Rejection = ScimApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if let Some(ct) = req.headers().get(CONTENT_TYPE) {
            let essence = ct
                .to_str()
                .unwrap_or("")
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            if !(essence == "application/json"
                || essence == "application/scim+json"
                || essence.ends_with("+json"))
            {
                return Err(scim::Error::new(
                    415,
                    format!("Send the body as application/scim+json or application/json (got \"{essence}\")."),
                )
                .into());
            }
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| match e {
            BytesRejection::FailedToBufferBody(FailedToBufferBody::LengthLimitError(_)) => {
                ScimApiError::PayloadTooLarge
            }
            // The client went away or sent a broken body: nothing to apply.
            other => scim::Error::bad_request(
                scim::ScimType::InvalidSyntax,
                format!("The request body could not be read: {}.", other.body_text()),
            )
            .into(),
        })?;
        serde_json::from_slice(&bytes).map(ScimJson).map_err(|e| {
            scim::Error::bad_request(
                scim::ScimType::InvalidSyntax,
                format!("The request body is not valid JSON: {e}."),
            )
            .into()
        })
    }
}

/// The query parameters of a list or search: names compared without case
/// (RFC 7644 §3.4.2 names are camelCase; clients vary), unknown ones ignored
/// (Entra's `aadOptscim062020` flag), `+` decoded as a space (Entra, older Okta).
#[derive(Debug, Default)]
pub(crate) struct ListParams {
    pub filter: Option<String>,
    pub start_index: Option<String>,
    pub count: Option<String>,
    pub attributes: Option<String>,
    pub excluded_attributes: Option<String>,
    pub sort_by: Option<String>,
    pub sort_order: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for ListParams {
    type Rejection = ScimApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let mut p = Self::default();
        for (k, v) in url::form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes()) {
            let slot = match k.to_ascii_lowercase().as_str() {
                "filter" => &mut p.filter,
                "startindex" => &mut p.start_index,
                "count" => &mut p.count,
                "attributes" => &mut p.attributes,
                "excludedattributes" => &mut p.excluded_attributes,
                "sortby" => &mut p.sort_by,
                "sortorder" => &mut p.sort_order,
                _ => continue,
            };
            *slot = Some(v.into_owned());
        }
        Ok(p)
    }
}

impl ListParams {
    /// From a `/.search` body (RFC 7644 §3.4.3); numbers may be JSON numbers or strings.
    pub(crate) fn from_search(body: &Value) -> Result<Self, ScimApiError> {
        let schema_ok = body
            .get("schemas")
            .and_then(Value::as_array)
            .is_some_and(|s| {
                s.iter().any(|v| {
                    v.as_str() == Some("urn:ietf:params:scim:api:messages:2.0:SearchRequest")
                })
            });
        if !schema_ok {
            return Err(scim::Error::bad_request(
                scim::ScimType::InvalidSyntax,
                "A search request needs \"schemas\": [\"urn:ietf:params:scim:api:messages:2.0:SearchRequest\"].",
            )
            .into());
        }
        let text = |key: &str| -> Option<String> {
            let (_, v) = body
                .as_object()?
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))?;
            match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                Value::Array(items) => Some(
                    items
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(","),
                ),
                _ => None,
            }
        };
        Ok(Self {
            filter: text("filter"),
            start_index: text("startIndex"),
            count: text("count"),
            attributes: text("attributes"),
            excluded_attributes: text("excludedAttributes"),
            sort_by: text("sortBy"),
            sort_order: text("sortOrder"),
        })
    }
}

/// The version an `If-Match` header names: `None` for no header or `*`.
/// A header naming no version of ours can never match: 412.
pub(crate) fn if_match(headers: &HeaderMap) -> Result<Option<i64>, ScimApiError> {
    let Some(value) = headers.get(IF_MATCH) else {
        return Ok(None);
    };
    let value = value.to_str().unwrap_or("").trim();
    if value == "*" {
        return Ok(None);
    }
    value
        .split(',')
        .find_map(parse_etag)
        .map(Some)
        .ok_or_else(|| {
            scim::Error::new(
                412,
                "If-Match does not name a version of this resource. Read it again and retry.",
            )
            .into()
        })
}

/// Whether `If-None-Match` names `version` (or is `*`): answer 304.
pub(crate) fn none_match(headers: &HeaderMap, version: i64) -> bool {
    headers
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim() == "*" || v.split(',').filter_map(parse_etag).any(|n| n == version)
        })
}

/// `W/"7"` or `"7"` → 7 (RFC 7232 §2.3; weak comparison, RFC 7644 §3.14).
fn parse_etag(tag: &str) -> Option<i64> {
    let tag = tag.trim();
    let tag = tag.strip_prefix("W/").unwrap_or(tag);
    tag.strip_prefix('"')?.strip_suffix('"')?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_entity_tags() {
        assert_eq!(parse_etag("W/\"7\""), Some(7));
        assert_eq!(parse_etag(" \"12\" "), Some(12));
        assert_eq!(parse_etag("7"), None);
        assert_eq!(parse_etag("W/\"x\""), None);
        let mut h = HeaderMap::new();
        h.insert(IF_MATCH, "W/\"3\", W/\"4\"".parse().unwrap());
        assert_eq!(if_match(&h).unwrap(), Some(3));
        h.insert(IF_MATCH, "*".parse().unwrap());
        assert_eq!(if_match(&h).unwrap(), None);
        h.insert(IF_MATCH, "nonsense".parse().unwrap());
        assert!(if_match(&h).is_err());
        h.insert(IF_NONE_MATCH, "W/\"4\"".parse().unwrap());
        assert!(none_match(&h, 4));
        assert!(!none_match(&h, 5));
    }
}
