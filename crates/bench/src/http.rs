//! The load tool's HTTP/1.1 client: kept-alive connections to one origin, each
//! request written straight onto one of them with hyper's connection API, as wrk
//! does. The tool shares its core with the server, so the client's CPU is taken
//! from the server's: with reqwest (URL parsing, its pool and layers per request)
//! the tool used half as much CPU again for the same run (docs/benchmarks.md,
//! change 18, which also records that the gateway's bearer figures did not rise).

use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::HOST;
use hyper::{Method, Request, Response};
use hyper_util::rt::TokioIo;

/// One `http://host:port` and its idle connections.
pub struct Origin {
    /// `host:port`, for connecting and for the `Host` header.
    authority: String,
    idle: Mutex<Vec<SendRequest<Full<Bytes>>>>,
}

impl Origin {
    /// The origin of an `http://` URL, and the URL's path (without a trailing `/`).
    pub fn of(url: &str) -> Result<(Arc<Self>, String), String> {
        let parsed = url::Url::parse(url).map_err(|e| format!("{url}: {e}"))?;
        if parsed.scheme() != "http" {
            return Err(format!(
                "{url}: the load tool speaks plain http on loopback"
            ));
        }
        let host = parsed.host_str().ok_or_else(|| format!("{url}: no host"))?;
        let port = parsed.port_or_known_default().unwrap_or(80);
        let origin = Self {
            authority: format!("{host}:{port}"),
            idle: Mutex::new(Vec::new()),
        };
        Ok((
            Arc::new(origin),
            parsed.path().trim_end_matches('/').to_owned(),
        ))
    }

    /// A request for `path_and_query` on this origin.
    pub fn request(&self, method: Method, path_and_query: &str) -> hyper::http::request::Builder {
        Request::builder()
            .method(method)
            .uri(path_and_query)
            .header(HOST, &self.authority)
    }

    /// Sends `req` on an idle connection (or a new one) and reads the whole response.
    pub async fn send(&self, req: Request<Full<Bytes>>) -> Result<Response<Bytes>, String> {
        let mut conn = match self.take_idle().await {
            Some(conn) => conn,
            None => self.connect().await?,
        };
        // For an error only: the request itself goes to the connection.
        let (method, uri) = (req.method().clone(), req.uri().clone());
        let failed = |e: hyper::Error| format!("{method} {uri}: {e}");
        let resp = conn.send_request(req).await.map_err(failed)?;
        let (parts, body) = resp.into_parts();
        let body = body.collect().await.map_err(failed)?.to_bytes();
        if !conn.is_closed() {
            self.idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(conn);
        }
        Ok(Response::from_parts(parts, body))
    }

    /// An idle connection that can take a request; closed ones are dropped.
    async fn take_idle(&self) -> Option<SendRequest<Full<Bytes>>> {
        loop {
            let mut conn = self
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .pop()?;
            if conn.ready().await.is_ok() {
                return Some(conn);
            }
        }
    }

    async fn connect(&self) -> Result<SendRequest<Full<Bytes>>, String> {
        let stream = tokio::net::TcpStream::connect(&self.authority)
            .await
            .map_err(|e| format!("{}: {e}", self.authority))?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        let (sender, conn) = http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("{}: {e}", self.authority))?;
        // The connection's I/O runs beside its requests and ends when the server or
        // the last sender lets go.
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(sender)
    }
}

/// `fields` as an `application/x-www-form-urlencoded` body.
pub fn form<K: AsRef<str>, V: AsRef<str>>(fields: &[(K, V)]) -> Full<Bytes> {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        out.append_pair(k.as_ref(), v.as_ref());
    }
    Full::new(Bytes::from(out.finish()))
}
