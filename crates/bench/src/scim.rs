//! The SCIM scenarios, with the bodies Okta and Entra ID send
//! (/work/shared/docs/idp-wire.md has the shapes).

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use hyper::{Method, StatusCode};
use serde_json::{Value, json};

use crate::http::Origin;
use crate::load::{Plan, Stats, drive};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// A SCIM base URL and the credential to use on it.
#[derive(Clone)]
pub struct Target {
    pub origin: Arc<Origin>,
    /// The base URL's path, `/scim/v2`.
    pub prefix: Arc<str>,
    /// `Bearer <token>`, made once rather than per request.
    auth: HeaderValue,
}

impl Target {
    /// The target of `base` (`http://HOST:PORT/scim/v2`) with `token`.
    pub fn new(base: &str, token: &str) -> Result<Self, String> {
        let (origin, prefix) = Origin::of(base)?;
        Ok(Self {
            origin,
            prefix: prefix.into(),
            auth: bearer(token)?,
        })
    }

    /// The same base URL and connections with another credential.
    pub fn with_token(&self, token: &str) -> Result<Self, String> {
        Ok(Self {
            auth: bearer(token)?,
            ..self.clone()
        })
    }

    /// Sends one request and checks its status; the body comes back for callers that need it.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        want: StatusCode,
    ) -> Result<Bytes, String> {
        let req = self
            .origin
            .request(method.clone(), &format!("{}{path}", self.prefix))
            .header(AUTHORIZATION, &self.auth);
        let req = match body {
            Some(b) => req
                .header(CONTENT_TYPE, "application/scim+json")
                .body(Full::new(Bytes::from(b.to_string()))),
            None => req.body(Full::default()),
        }
        .map_err(|e| format!("{method} {path}: {e}"))?;
        let resp = self.origin.send(req).await?;
        let (status, bytes) = (resp.status(), resp.into_body());
        if status == want {
            Ok(bytes)
        } else {
            Err(format!(
                "{method} {path}: {status}: {}",
                String::from_utf8_lossy(&bytes[..bytes.len().min(300)])
            ))
        }
    }
}

fn bearer(token: &str) -> Result<HeaderValue, String> {
    HeaderValue::try_from(format!("Bearer {token}")).map_err(|e| format!("the token: {e}"))
}

/// A well-spread index in `0..n` for request `i` (splitmix64): random users without
/// a random-number crate, and the same sequence on every run.
pub fn pick(i: u64, n: u64) -> u64 {
    let mut z = i.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)) % n.max(1)
}

/// The `userName` of bench user `i` of workspace run `tag`.
pub fn user_name(tag: &str, i: u64) -> String {
    format!("{tag}.user{i}@bench.example")
}

/// A user as Okta and Entra create one: name, email, enterprise extension.
pub fn user_body(tag: &str, i: u64, title: &str) -> Value {
    let name = user_name(tag, i);
    json!({
        "schemas": [USER, ENTERPRISE],
        "userName": name,
        "externalId": format!("{tag}-ext-{i}"),
        "name": {"givenName": format!("Given{i}"), "familyName": format!("Family{i}"),
                 "formatted": format!("Given{i} Family{i}")},
        "displayName": format!("Given{i} Family{i}"),
        "emails": [{"value": name, "type": "work", "primary": true}],
        "title": title,
        "active": true,
        ENTERPRISE: {"employeeNumber": i.to_string(), "department": format!("Department {}", i % 50),
                     "costCenter": format!("CC-{}", i % 20)}
    })
}

/// Creates users `from..to` of `tag`, storing their ids at their index in `ids`.
pub async fn create_users(
    t: &Target,
    tag: &str,
    from: u64,
    to: u64,
    plan: Plan,
    ids: &Arc<Mutex<Vec<Option<String>>>>,
) -> Stats {
    {
        let mut ids = ids.lock().expect("ids");
        let len = usize::try_from(to).unwrap_or(usize::MAX);
        if ids.len() < len {
            ids.resize(len, None);
        }
    }
    let (t, tag, ids) = (t.clone(), Arc::<str>::from(tag), ids.clone());
    drive(
        Plan {
            requests: to - from,
            ..plan
        },
        move |i| {
            let (t, tag, ids) = (t.clone(), tag.clone(), ids.clone());
            async move {
                let i = from + i;
                let body = user_body(&tag, i, "Engineer");
                let out = t
                    .call(Method::POST, "/Users", Some(&body), StatusCode::CREATED)
                    .await?;
                let doc: Value = serde_json::from_slice(out.as_ref()).map_err(|e| e.to_string())?;
                let id = doc["id"].as_str().ok_or("created user without id")?;
                let slot = usize::try_from(i).map_err(|e| e.to_string())?;
                ids.lock().expect("ids")[slot] = Some(id.to_owned());
                Ok(())
            }
        },
    )
    .await
}

/// The lookup both IdPs make before every push: `userName eq` of a random user.
pub async fn lookup(t: &Target, tag: &str, users: u64, plan: Plan) -> Stats {
    let (t, tag) = (t.clone(), Arc::<str>::from(tag));
    drive(plan, move |i| {
        let (t, tag) = (t.clone(), tag.clone());
        async move {
            let name = user_name(&tag, pick(i, users));
            let path = format!(
                "/Users?filter={}",
                encode(&format!("userName eq \"{name}\""))
            );
            let out = t.call(Method::GET, &path, None, StatusCode::OK).await?;
            if contains(out.as_ref(), b"\"totalResults\":1") {
                Ok(())
            } else {
                Err(format!("lookup of {name} did not find exactly one user"))
            }
        }
    })
    .await
}

/// Deactivate then reactivate random users, alternating Okta's and Entra's shapes.
pub async fn deactivate_reactivate(t: &Target, ids: &Arc<[String]>, plan: Plan) -> Stats {
    let (t, ids) = (t.clone(), ids.clone());
    drive(plan, move |i| {
        let (t, ids) = (t.clone(), ids.clone());
        async move {
            let pair = i / 2;
            let id = &ids[usize::try_from(pick(pair, ids.len() as u64)).unwrap_or(0)];
            let active = i % 2 == 1;
            let body = if pair % 2 == 0 {
                // Okta: a value object without a path.
                json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": active}}]})
            } else {
                // Entra ID: capitalised op, a path, the boolean as a string.
                json!({"schemas": [PATCH_OP], "Operations": [{"op": "Replace", "path": "active",
                       "value": if active { "True" } else { "False" }}]})
            };
            t.call(
                Method::PATCH,
                &format!("/Users/{id}"),
                Some(&body),
                StatusCode::OK,
            )
            .await
            .map(drop)
        }
    })
    .await
}

/// PUT of a whole profile with a changed title.
pub async fn put_profile(t: &Target, tag: &str, ids: &Arc<[String]>, plan: Plan) -> Stats {
    let (t, tag, ids) = (t.clone(), Arc::<str>::from(tag), ids.clone());
    drive(plan, move |i| {
        let (t, tag, ids) = (t.clone(), tag.clone(), ids.clone());
        async move {
            let n = pick(i, ids.len() as u64);
            let id = &ids[usize::try_from(n).unwrap_or(0)];
            let body = user_body(&tag, n, &format!("Title {i}"));
            t.call(
                Method::PUT,
                &format!("/Users/{id}"),
                Some(&body),
                StatusCode::OK,
            )
            .await
            .map(drop)
        }
    })
    .await
}

/// The same page read again and again: `GET path` expecting a 200 containing `expect`.
pub async fn read(t: &Target, path: String, expect: &'static str, plan: Plan) -> Stats {
    let (t, path) = (t.clone(), Arc::<str>::from(path));
    drive(plan, move |_| {
        let (t, path) = (t.clone(), path.clone());
        async move {
            let out = t.call(Method::GET, &path, None, StatusCode::OK).await?;
            if contains(out.as_ref(), expect.as_bytes()) {
                Ok(())
            } else {
                Err(format!("GET {path}: no {expect} in the answer"))
            }
        }
    })
    .await
}

/// Creates a group and adds `members` in one PATCH (Entra's shape); returns the
/// group id and the PATCH's statistics.
pub async fn big_group(
    t: &Target,
    name: &str,
    members: &[String],
) -> Result<(String, Stats), String> {
    let created = t
        .call(
            Method::POST,
            "/Groups",
            Some(&json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": name})),
            StatusCode::CREATED,
        )
        .await?;
    let doc: Value = serde_json::from_slice(created.as_ref()).map_err(|e| e.to_string())?;
    let id = doc["id"]
        .as_str()
        .ok_or("created group without id")?
        .to_owned();
    let value: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
    let body = Arc::new(json!({"schemas": [PATCH_OP],
        "Operations": [{"op": "Add", "path": "members", "value": value}]}));
    let (target, path) = (t.clone(), format!("/Groups/{id}"));
    let stats = drive(
        Plan {
            requests: 1,
            concurrency: 1,
            limit: std::time::Duration::from_secs(120),
        },
        move |_| {
            let (t, path, body) = (target.clone(), path.clone(), body.clone());
            async move {
                t.call(Method::PATCH, &path, Some(&body), StatusCode::NO_CONTENT)
                    .await
                    .map(drop)
            }
        },
    )
    .await;
    Ok((id, stats))
}

/// Percent-encodes a query value (RFC 3986 unreserved characters pass).
pub fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pick_spreads_and_stays_in_range() {
        let picks: std::collections::HashSet<u64> = (0..1000).map(|i| pick(i, 100)).collect();
        assert!(picks.iter().all(|p| *p < 100));
        assert!(picks.len() > 90, "only {} distinct of 100", picks.len());
        assert_eq!(pick(5, 0), 0);
    }

    #[test]
    fn user_bodies_carry_the_enterprise_extension() {
        let u = user_body("t", 7, "Engineer");
        assert_eq!(u["userName"], "t.user7@bench.example");
        assert_eq!(u[ENTERPRISE]["employeeNumber"], "7");
        assert_eq!(u["emails"][0]["value"], u["userName"]);
    }

    #[test]
    fn filters_are_percent_encoded() {
        assert_eq!(encode("userName eq \"a@b\""), "userName+eq+%22a%40b%22");
    }
}
