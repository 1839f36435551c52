//! The one error mapping: every failure becomes `{ "error": { "code", "message" } }`, its
//! HTTP status the one the core gives the code's category.

use crate::model::{ErrorDetail, ErrorResponse};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use latchkey_core::{Category, Code, Error, ErrorBody};

/// What a program is told of a failure inside the server (a store that failed, a file
/// that could not be read): the core's own message may name the store's path or the
/// system's words, which are the operator's business, not the caller's. The log has them.
pub const INTERNAL_MESSAGE: &str =
    "the server could not complete this request; nothing was changed (its log says why)";

/// An error the API answers with: one from the core, or one of the HTTP layer's own (a
/// missing key, a bad Host header, a body too large, a body that is not JSON), each with
/// a code of the core's one closed set.
#[derive(Debug)]
pub enum ApiError {
    Core(Error),
    Http(ErrorBody),
    /// A response whose status HTTP itself fixes, not the code's category: a request
    /// without a Host header is malformed (400) though its code is `invalid_host`, and
    /// errors axum produced keep the status it chose.
    Fixed(StatusCode, ErrorBody),
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError::Core(e)
    }
}

impl ApiError {
    pub fn http(code: Code, message: impl Into<String>) -> Self {
        ApiError::Http(ErrorBody::new(code, message))
    }

    pub fn code(&self) -> Code {
        match self {
            ApiError::Core(e) => e.code(),
            ApiError::Http(b) | ApiError::Fixed(_, b) => b.code,
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Fixed(status, _) => *status,
            _ => status_of(self.code()),
        }
    }

    /// This error with the status HTTP fixes for it (see [`ApiError::Fixed`]).
    pub fn with_status(self, status: StatusCode) -> Self {
        match self {
            ApiError::Core(e) => ApiError::Fixed(status, e.body()),
            ApiError::Http(b) | ApiError::Fixed(_, b) => ApiError::Fixed(status, b),
        }
    }
}

/// The HTTP status of a code (its category's, as the core says).
pub fn status_of(code: Code) -> StatusCode {
    StatusCode::from_u16(code.category().http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let retry_after = match &self {
            ApiError::Core(Error::Throttled { retry_after_secs }) => {
                Some((*retry_after_secs).max(1))
            }
            ApiError::Core(Error::Busy | Error::Unavailable) => Some(1),
            _ => None,
        };
        let body = match self {
            ApiError::Core(e) if e.category() == Category::Internal => {
                tracing::error!(target: "latchkey::api", code = %e.code(), "{e}");
                ErrorBody::new(e.code(), INTERNAL_MESSAGE)
            }
            ApiError::Core(e) => e.body(),
            ApiError::Http(b) | ApiError::Fixed(_, b) => b,
        };
        let mut resp = (
            status,
            Json(ErrorResponse {
                error: ErrorDetail::from(body),
            }),
        )
            .into_response();
        let headers = resp.headers_mut();
        if let Some(secs) = retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"latchkey\""),
            );
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::to_bytes;

    async fn body_of(e: ApiError) -> (StatusCode, serde_json::Value) {
        let resp = e.into_response();
        let status = resp.status();
        let bytes = to_bytes(resp.into_body(), usize::MAX).await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn internal_failures_say_nothing_of_the_server() {
        for e in [
            Error::StoreRefused {
                path: "/home/ada/secret-place/latchkey.db".into(),
                reason: "it is corrupt".into(),
            },
            Error::StoreTooNew {
                path: "/home/ada/secret-place/latchkey.db".into(),
                found: 9,
                supported: 4,
            },
            Error::Io("/home/ada/secret-place: Permission denied (os error 13)".into()),
            Error::Storage,
            Error::Internal,
        ] {
            let code = e.code();
            let (status, v) = body_of(ApiError::Core(e)).await;
            assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
            assert_eq!(v["error"]["code"], code.as_str());
            assert_eq!(v["error"]["message"], INTERNAL_MESSAGE, "{v}");
        }
        // Errors the caller can act on keep their words.
        let (status, v) = body_of(ApiError::Core(Error::NotFound("key".into()))).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(v["error"]["message"], "key not found");
    }
}
