//! The one error mapping: every failure becomes `{ "error": { "code", "message" } }` with
//! a fitting HTTP status.

use crate::model::{ErrorDetail, ErrorResponse};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use latchkey_core::Error;

/// An error the API answers with: one from the core, or one of the HTTP layer's own
/// (a missing key, a bad Host header, a body too large, a body that is not JSON).
#[derive(Debug)]
pub enum ApiError {
    Core(Error),
    Http {
        status: StatusCode,
        code: &'static str,
        message: String,
    },
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError::Core(e)
    }
}

impl ApiError {
    pub fn http(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError::Http {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Core(e) => status_of(e),
            ApiError::Http { status, .. } => *status,
        }
    }
}

/// The HTTP status for each of the core's error codes.
pub fn status_of(e: &Error) -> StatusCode {
    match e {
        Error::Invalid { .. } => StatusCode::BAD_REQUEST,
        Error::BadCredentials | Error::MfaRequired | Error::InvalidKey(_) => {
            StatusCode::UNAUTHORIZED
        }
        Error::Forbidden(_) | Error::StepUpRequired | Error::AccountDisabled => {
            StatusCode::FORBIDDEN
        }
        Error::NotFound(_) => StatusCode::NOT_FOUND,
        Error::Conflict(_)
        | Error::Policy(_)
        | Error::AlreadyInitialized
        | Error::NotInitialized => StatusCode::CONFLICT,
        Error::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
        Error::Busy => StatusCode::SERVICE_UNAVAILABLE,
        Error::StoreRefused { .. }
        | Error::StoreTooNew { .. }
        | Error::Storage(_)
        | Error::Io(_)
        | Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let (detail, retry_after) = match self {
            ApiError::Core(e) => {
                let retry = match &e {
                    Error::Throttled { retry_after_secs } => Some((*retry_after_secs).max(1)),
                    Error::Busy => Some(1),
                    _ => None,
                };
                (ErrorDetail::from(e.body()), retry)
            }
            ApiError::Http { code, message, .. } => (
                ErrorDetail {
                    code: code.to_owned(),
                    message,
                    field: None,
                    retry_after_secs: None,
                },
                None,
            ),
        };
        let mut resp = (status, Json(ErrorResponse { error: detail })).into_response();
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
