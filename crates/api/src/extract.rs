//! Reading a request: the presented API key and a JSON body.

use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use latchkey_core::{Code, ErrorBody};
use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

/// The header programs present a key in (or `Authorization: Bearer`).
pub const API_KEY_HEADER: &str = "x-api-key";

/// The API key a program presented, as `X-API-Key: …` or `Authorization: Bearer …`.
/// Only the core decides whether it is any good.
pub struct PresentedKey(pub Zeroizing<String>);

impl std::fmt::Debug for PresentedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PresentedKey(<redacted>)")
    }
}

fn missing(message: &str) -> ApiError {
    ApiError::http(Code::MissingKey, message)
}

pub fn presented_key(headers: &HeaderMap) -> Result<PresentedKey, ApiError> {
    let text = if let Some(v) = headers.get(API_KEY_HEADER) {
        v.to_str()
            .map_err(|_| missing("the X-API-Key header is not text"))?
    } else if let Some(v) = headers.get(header::AUTHORIZATION) {
        let v = v
            .to_str()
            .map_err(|_| missing("the Authorization header is not text"))?;
        match v.split_once(' ') {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest,
            _ => return Err(missing("the Authorization header must be `Bearer <key>`")),
        }
    } else {
        return Err(missing(
            "this needs an API key: send it as `X-API-Key: <key>` or `Authorization: Bearer <key>`",
        ));
    };
    let text = text.trim();
    if text.is_empty() {
        return Err(missing("the API key is empty"));
    }
    Ok(PresentedKey(Zeroizing::new(text.to_owned())))
}

impl<S: Send + Sync> FromRequestParts<S> for PresentedKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        presented_key(&parts.headers)
    }
}

/// A JSON request body. `Content-Type: application/json` is required (so a web page
/// cannot send one without a CORS preflight, which this server never answers). An empty
/// (or `null`) body stands for the type's default where it has one.
pub struct JsonBody<T>(pub T);

/// Bodies whose every field is optional may be left out entirely.
pub trait MaybeEmpty: Sized {
    fn empty() -> Option<Self> {
        None
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    let Some(ct) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let mime = ct.split(';').next().unwrap_or("").trim();
    mime.eq_ignore_ascii_case("application/json")
        || (mime.len() > 5
            && mime[mime.len() - 5..].eq_ignore_ascii_case("+json")
            && mime[..12.min(mime.len())].eq_ignore_ascii_case("application/"))
}

impl<S, T> FromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned + MaybeEmpty,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let json = is_json(req.headers());
        // The guard has already capped and buffered the body (and answered a large one).
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| crate::guard::unreadable())?;
        let text = bytes.trim_ascii();
        if text.is_empty() || text == b"null" {
            if let Some(v) = T::empty() {
                return Ok(JsonBody(v));
            }
            return Err(ApiError::Http(
                ErrorBody::new(Code::InvalidInput, "body: a JSON object is required")
                    .with_field("body"),
            ));
        }
        if !json {
            return Err(ApiError::Http(
                ErrorBody::new(
                    Code::UnsupportedMediaType,
                    "body: send JSON with `Content-Type: application/json`",
                )
                .with_field("body"),
            ));
        }
        if text.first() != Some(&b'{') {
            // serde would read an array as the fields in order and blame its first item.
            return Err(ApiError::Http(
                ErrorBody::new(Code::InvalidInput, "body: must be a JSON object")
                    .with_field("body"),
            ));
        }
        // The common case in one pass; only a body that fails is read again, to say where.
        if let Ok(value) = serde_json::from_slice(&bytes) {
            return Ok(JsonBody(value));
        }
        let de = &mut serde_json::Deserializer::from_slice(&bytes);
        let value = serde_path_to_error::deserialize(&mut *de).map_err(|e| {
            let path = e.path().to_string();
            // The field is the path inside the body (`permissions[0]`); `body` itself
            // when the whole document is wrong.
            let field = match path.as_str() {
                "." | "?" => "body".to_owned(),
                p => format!("body.{p}"),
            };
            ApiError::Http(
                ErrorBody::new(
                    Code::InvalidInput,
                    format!("{field}: {}", describe(e.inner())),
                )
                .with_field(field),
            )
        })?;
        // Nothing but white space may follow the JSON value.
        de.end().map_err(|e| {
            ApiError::Http(
                ErrorBody::new(Code::InvalidInput, format!("body: {}", describe(&e)))
                    .with_field("body"),
            )
        })?;
        Ok(JsonBody(value))
    }
}

/// serde's explanation, without any value the caller sent (it might be a secret).
fn describe(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match e.classify() {
        Category::Syntax | Category::Eof | Category::Io => {
            format!(
                "is not valid JSON (line {}, column {})",
                e.line(),
                e.column()
            )
        }
        Category::Data => {
            let text = e.to_string();
            let text = text.split(" at line ").next().unwrap_or(&text);
            if text.starts_with("missing field") || text.starts_with("unknown field") {
                // These quote a field name of the schema, not a value.
                return text.to_owned();
            }
            // "invalid type: string \"…\", expected a sequence" and the like.
            let head = text.split([':', '`']).next().unwrap_or("").trim();
            match text.split_once(", expected ") {
                Some((_, expected)) => format!("{head}, expected {expected}"),
                None => format!("{head} (does not match the schema)"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_content_types() {
        let mut h = HeaderMap::new();
        assert!(!is_json(&h));
        for (ct, ok) in [
            ("application/json", true),
            ("application/json; charset=utf-8", true),
            ("Application/JSON", true),
            ("application/merge-patch+json", true),
            ("text/plain", false),
            ("application/x-www-form-urlencoded", false),
            ("text/x+json", false),
        ] {
            h.insert(header::CONTENT_TYPE, ct.parse().unwrap());
            assert_eq!(is_json(&h), ok, "{ct}");
        }
    }

    #[test]
    fn keys_from_either_header() {
        let mut h = HeaderMap::new();
        assert!(presented_key(&h).is_err());
        h.insert(header::AUTHORIZATION, "Bearer lk_x".parse().unwrap());
        assert_eq!(presented_key(&h).unwrap().0.as_str(), "lk_x");
        h.insert(header::AUTHORIZATION, "Basic abc".parse().unwrap());
        assert!(presented_key(&h).is_err());
        h.insert(API_KEY_HEADER, " lk_y ".parse().unwrap());
        assert_eq!(presented_key(&h).unwrap().0.as_str(), "lk_y");
    }

    #[test]
    fn data_errors_hide_values() {
        let e = serde_json::from_str::<crate::model::VerifyRequest>(r#"{"key": 5}"#).unwrap_err();
        let m = describe(&e);
        assert!(!m.contains('5'), "{m}");
        assert!(m.contains("invalid type"), "{m}");
        let e = serde_json::from_str::<crate::model::CreateKeyRequest>(
            r#"{"name": "n", "permissions": "secret-ish"}"#,
        )
        .unwrap_err();
        let m = describe(&e);
        assert!(!m.contains("secret-ish"), "{m}");
        assert!(m.contains("expected a sequence"), "{m}");
        let e = serde_json::from_str::<crate::model::VerifyRequest>("{}").unwrap_err();
        assert!(describe(&e).contains("missing field `key`"));
    }
}
