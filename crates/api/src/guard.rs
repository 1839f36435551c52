//! What stands in front of every endpoint: the Host check (against DNS rebinding), the
//! caps on the URI and the body, the time a body may take to arrive, JSON for every error
//! (even those axum produces itself, such as 404 and 405), and headers that keep
//! responses out of caches. No CORS header is ever added.

use crate::error::ApiError;
use crate::{MAX_BODY_BYTES, MAX_URI_BYTES};
use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use latchkey_core::Code;
use std::time::Duration;

/// The port the server listens on, put on each request by [`crate::serve_router`]; the
/// Host check accepts no other.
#[derive(Debug, Clone, Copy)]
pub struct ServerPort(pub u16);

/// How long a request's body may take to arrive, put on each request by
/// [`crate::serve_router_with`] ([`crate::ServeOptions::body_timeout`]).
#[derive(Debug, Clone, Copy)]
pub struct BodyTimeout(pub Duration);

impl Default for BodyTimeout {
    fn default() -> Self {
        BodyTimeout(crate::ServeOptions::default().body_timeout)
    }
}

/// True for `localhost` and `127.0.0.1`, without a port or with exactly `port` (the
/// server's own). A name that resolves here under another port is not this server's
/// address, so it is refused too.
pub fn host_allowed(host: &str, port: Option<u16>) -> bool {
    let name = match host.rsplit_once(':') {
        Some((name, given)) => {
            // Digits only, and at most five: "+7171" and "007171" are not the port 7171.
            let digits = given.len() <= 5 && given.bytes().all(|b| b.is_ascii_digit());
            if !digits || port.is_none() || given.parse::<u16>().ok() != port {
                return false;
            }
            name
        }
        None => host,
    };
    name.eq_ignore_ascii_case("localhost") || name == "127.0.0.1"
}

fn check_host(req: &Request) -> Result<(), ApiError> {
    let refuse = |what: &str| {
        Err(ApiError::http(
            Code::InvalidHost,
            format!(
                "{what}; this API answers only to localhost and 127.0.0.1 (with no port or its own)"
            ),
        ))
    };
    let mut hosts = req.headers().get_all(header::HOST).iter();
    let (Some(host), None) = (hosts.next(), hosts.next()) else {
        // Not a request for another host, but a malformed one (RFC 9112 §3.2: 400).
        let what = if req.headers().contains_key(header::HOST) {
            "the request has more than one Host header"
        } else {
            "the request has no Host header"
        };
        return refuse(what).map_err(|e| e.with_status(StatusCode::BAD_REQUEST));
    };
    let port = req.extensions().get::<ServerPort>().map(|p| p.0);
    let ok = host.to_str().is_ok_and(|h| host_allowed(h, port))
        && req
            .uri()
            .authority()
            .is_none_or(|a| host_allowed(a.as_str(), port));
    if !ok {
        return refuse("the Host header is not allowed");
    }
    Ok(())
}

fn too_large() -> ApiError {
    ApiError::http(
        Code::BodyTooLarge,
        format!(
            "the request body is larger than {} KiB",
            MAX_BODY_BYTES / 1024
        ),
    )
}

/// A body that broke off or was badly framed (not one that was too large).
pub(crate) fn unreadable() -> ApiError {
    ApiError::http(
        Code::InvalidInput,
        "body: the request body could not be read (cut short, or badly framed)",
    )
}

/// A body that did not arrive in time. The rest of it is not read: the connection closes.
fn too_slow(limit: Duration) -> ApiError {
    ApiError::http(
        Code::InvalidInput,
        format!(
            "body: the request body did not arrive within {} s",
            limit.as_secs_f64()
        ),
    )
    .with_status(StatusCode::REQUEST_TIMEOUT)
}

fn check_uri(req: &Request) -> Result<(), ApiError> {
    let uri = req.uri();
    let len = uri.path().len() + uri.query().map_or(0, |q| q.len() + 1);
    if len > MAX_URI_BYTES {
        return Err(ApiError::http(
            Code::InvalidInput,
            format!(
                "the request's URI is longer than {} KiB",
                MAX_URI_BYTES / 1024
            ),
        )
        .with_status(StatusCode::URI_TOO_LONG));
    }
    Ok(())
}

/// Checks the Host header and the URI, and reads the body (at most [`MAX_BODY_BYTES`],
/// within its time limit) before any endpoint sees the request.
async fn admit(req: Request) -> Result<Request, ApiError> {
    check_host(&req)?;
    check_uri(&req)?;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(too_large());
    }
    let limit = req
        .extensions()
        .get::<BodyTimeout>()
        .copied()
        .unwrap_or_default()
        .0;
    let (parts, body) = req.into_parts();
    let bytes = tokio::time::timeout(limit, Limited::new(body, MAX_BODY_BYTES).collect())
        .await
        .map_err(|_| too_slow(limit))?
        .map_err(|e| {
            if e.is::<LengthLimitError>() {
                too_large()
            } else {
                unreadable()
            }
        })?
        .to_bytes();
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// The middleware: admission, then the endpoint, then the response's finishing touches.
pub async fn guard(req: Request, next: Next) -> Response {
    let resp = match admit(req).await {
        Ok(req) => next.run(req).await,
        Err(e) => {
            let timed_out = e.status() == StatusCode::REQUEST_TIMEOUT;
            let mut resp = e.into_response();
            if timed_out {
                // The rest of the body may still come: this connection cannot carry
                // another request.
                resp.headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            resp
        }
    };
    finish(resp)
}

fn finish(resp: Response) -> Response {
    let status = resp.status();
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    let mut resp = if (status.is_client_error() || status.is_server_error()) && !is_json {
        // An error axum produced itself (no route, wrong method, …): same JSON shape.
        let (code, message) = match status {
            StatusCode::NOT_FOUND => (Code::NotFound, "no such endpoint"),
            StatusCode::METHOD_NOT_ALLOWED => (
                Code::MethodNotAllowed,
                "this endpoint does not accept that method",
            ),
            StatusCode::PAYLOAD_TOO_LARGE => (Code::BodyTooLarge, "the request body is too large"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => (
                Code::UnsupportedMediaType,
                "send JSON with `Content-Type: application/json`",
            ),
            s if s.is_client_error() => (Code::InvalidInput, "the request could not be understood"),
            _ => (Code::InternalError, "the server failed to answer"),
        };
        let (mut parts, _) = resp.into_parts();
        // The status axum chose stays (a 408 is not turned into a 400).
        let mut fresh = ApiError::http(code, message)
            .with_status(status)
            .into_response();
        // Keep axum's own headers (such as `Allow` on a 405), with the new body's type.
        parts.headers.remove(header::CONTENT_LENGTH);
        parts.headers.remove(header::CONTENT_TYPE);
        let mut last = None;
        for (name, value) in parts.headers.drain() {
            if let Some(name) = name {
                fresh.headers_mut().remove(&name);
                last = Some(name);
            }
            if let Some(name) = &last {
                fresh.headers_mut().append(name.clone(), value);
            }
        }
        fresh
    } else {
        resp
    };
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::host_allowed;

    #[test]
    fn hosts() {
        let port = Some(7171);
        for ok in [
            "localhost",
            "LocalHost",
            "127.0.0.1",
            "localhost:7171",
            "127.0.0.1:7171",
            "127.0.0.1:07171",
        ] {
            assert!(host_allowed(ok, port), "{ok}");
        }
        for bad in [
            "",
            "evil.example",
            "evil.example:7171",
            "localhost.evil.example",
            "127.0.0.1.nip.io",
            "127.0.0.2",
            "[::1]:7171",
            "localhost:",
            "localhost:abc",
            "localhost:123456",
            "localhost:7172",
            "127.0.0.1:80",
            "localhost:99999",
            "0.0.0.0",
        ] {
            assert!(!host_allowed(bad, port), "{bad}");
        }
        // Not knowing its own port, the guard accepts none.
        assert!(host_allowed("localhost", None));
        assert!(!host_allowed("localhost:7171", None));
    }
}
