//! The endpoints. Each calls the core on the blocking pool (authenticate the presented
//! key first, so a request without a good key learns nothing, then one action) and
//! converts the result; the core enforces every rule. Verification alone runs on the
//! async worker: it is a read that never waits (see [`verify`]).

use crate::error::ApiError;
use crate::extract::{JsonBody, MaybeEmpty, PresentedKey};
use crate::model::*;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use latchkey_core::Code;
use latchkey_core::{
    Error, Expiry, KeyEdit, KeyId, Latchkey, NewKey, Password, Session, Unviewable,
};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// What every handler shares: the engine, and a gate that bounds how many core calls run
/// at once on the blocking pool. A burst of requests queues here instead of opening SQLite
/// connections beyond the store's pool, or running hundreds of argon2 hashes (19 MiB
/// each) side by side.
#[derive(Clone)]
pub struct Api {
    lk: Arc<Latchkey>,
    gate: Arc<Semaphore>,
}

/// Core calls in flight at once; the store pools 8 connections.
pub const CONCURRENT_CORE_CALLS: usize = 8;

impl Api {
    pub fn new(lk: Arc<Latchkey>) -> Self {
        Api {
            lk,
            gate: Arc::new(Semaphore::new(CONCURRENT_CORE_CALLS)),
        }
    }

    /// Runs core calls (SQLite, argon2) off the async workers.
    async fn run<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Latchkey) -> Result<T, Error> + Send + 'static,
    {
        let stopped = || ApiError::http(Code::InternalError, "the request's worker stopped");
        let permit = self
            .gate
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| stopped())?;
        let lk = self.lk.clone();
        tokio::task::spawn_blocking(move || {
            let out = f(&lk);
            drop(permit);
            out
        })
        .await
        .map_err(|_| stopped())?
        .map_err(ApiError::from)
    }

    /// Runs `f` for the account behind the presented key: the key is authenticated first
    /// (bounding the session by its effective permissions), so a request without a good
    /// key learns nothing.
    async fn as_key<T, F>(&self, key: PresentedKey, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Latchkey, &Session) -> Result<T, Error> + Send + 'static,
    {
        self.run(move |lk| {
            let session = lk.authenticate_key(&key.0)?;
            f(lk, &session)
        })
        .await
    }
}

impl MaybeEmpty for AuthRequest {}
impl MaybeEmpty for VerifyRequest {}
impl MaybeEmpty for CreateKeyRequest {}
impl MaybeEmpty for EditKeyRequest {}
impl MaybeEmpty for RegenerateRequest {
    fn empty() -> Option<Self> {
        Some(RegenerateRequest::default())
    }
}

/// Sign in with a username or email and password
///
/// And, when the account has MFA on, a code. Answers with the account; for an
/// administrator also its account key (a script signs in once, then acts with the key).
/// Failures count toward the account's sign-in throttle: after 5 in a row each further
/// try must wait longer (`429` with `Retry-After`).
#[utoipa::path(
    post,
    path = "/v1/auth",
    tag = "auth",
    request_body = AuthRequest,
    responses(
        (status = 200, description = "Signed in", body = AuthResponse),
        (status = 400, description = "A field is missing or invalid", body = ErrorResponse),
        (status = 401, description = "Unknown account or wrong password (`bad_credentials`), or a code is needed (`mfa_required`)", body = ErrorResponse),
        (status = 403, description = "The account is disabled (`account_disabled`)", body = ErrorResponse),
        (status = 413, description = "The body is over 64 KiB", body = ErrorResponse),
        (status = 415, description = "The body is not JSON", body = ErrorResponse),
        (status = 429, description = "Too many failed attempts (`throttled`)", body = ErrorResponse,
            headers(("Retry-After" = u64, description = "Seconds to wait before trying again"))),
    )
)]
pub async fn auth(
    State(api): State<Api>,
    JsonBody(mut req): JsonBody<AuthRequest>,
) -> Result<Json<AuthResponse>, ApiError> {
    let password = Password::new(std::mem::take(&mut req.password));
    api.run(move |lk| {
        let signed = lk.sign_in_with_code(req.who()?, &password, req.code.as_deref())?;
        let session = signed.session;
        let account = lk.me(&session)?;
        // The proof is fresh: an administrator's account key may be shown. When an
        // administrator's reset made it unrecoverable, say so with null.
        let account_key = if account.is_admin {
            match lk.reveal_account_key(&session) {
                Ok(secret) => Some(secret.expose().to_owned()),
                Err(Error::Unviewable(Unviewable::SecretLost)) => None,
                Err(e) => return Err(e),
            }
        } else {
            None
        };
        Ok(Json(AuthResponse {
            account: account.into(),
            account_key,
        }))
    })
    .await
}

/// The account behind the presented key
///
/// With the key's effective permissions: its own, intersected with the account's current
/// ones. Needs `account:read`.
#[utoipa::path(
    get,
    path = "/v1/account",
    tag = "account",
    security(("api_key" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "The account", body = AccountResponse),
        (status = 401, description = "No key, or the key is not valid (`missing_key`, `invalid_key`)", body = ErrorResponse,
            headers(("WWW-Authenticate" = String))),
        (status = 403, description = "The key lacks `account:read` (`forbidden`)", body = ErrorResponse),
    )
)]
pub async fn account(
    State(api): State<Api>,
    key: PresentedKey,
) -> Result<Json<AccountResponse>, ApiError> {
    api.as_key(key, move |lk, session| {
        let account = lk.me(session)?;
        Ok(Json(AccountResponse {
            account: account.into(),
            key_id: session.via_key().map(|k| k.0.clone()).unwrap_or_default(),
            permissions: session
                .scope()
                .map(|s| s.iter().map(ToString::to_string).collect())
                .unwrap_or_default(),
        }))
    })
    .await
}

/// The account's keys
///
/// Every key of the account behind the presented key (not its account key), newest
/// first, including expired and revoked ones. Never a secret. Needs `keys:read`.
#[utoipa::path(
    get,
    path = "/v1/account/keys",
    tag = "keys",
    security(("api_key" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "The keys", body = KeyList),
        (status = 401, description = "No key, or the key is not valid", body = ErrorResponse,
            headers(("WWW-Authenticate" = String))),
        (status = 403, description = "The key lacks `keys:read`", body = ErrorResponse),
    )
)]
pub async fn list_keys(
    State(api): State<Api>,
    key: PresentedKey,
) -> Result<Json<KeyList>, ApiError> {
    api.as_key(key, move |lk, session| {
        let keys = lk.list_keys(session)?;
        Ok(Json(KeyList {
            keys: keys.into_iter().map(Key::from).collect(),
        }))
    })
    .await
}

/// Create a key
///
/// Its secret is in this response and nowhere else. Its permissions must be ones the
/// presented key holds. Needs `keys:write`. A key created through the API cannot be
/// viewed again later (that needs the account's password, in the app).
#[utoipa::path(
    post,
    path = "/v1/account/keys",
    tag = "keys",
    security(("api_key" = []), ("bearer" = [])),
    request_body = CreateKeyRequest,
    responses(
        (status = 201, description = "Created; `secret` is shown this once", body = IssuedKey),
        (status = 400, description = "A field breaks a rule; `field` names it", body = ErrorResponse),
        (status = 401, description = "No key, or the key is not valid", body = ErrorResponse,
            headers(("WWW-Authenticate" = String))),
        (status = 403, description = "The key lacks `keys:write`", body = ErrorResponse),
        (status = 409, description = "The policy's limit on active keys is reached (`policy_violation`)", body = ErrorResponse),
        (status = 413, description = "The body is over 64 KiB", body = ErrorResponse),
        (status = 415, description = "The body is not JSON", body = ErrorResponse),
    )
)]
pub async fn create_key(
    State(api): State<Api>,
    key: PresentedKey,
    JsonBody(req): JsonBody<CreateKeyRequest>,
) -> Result<(StatusCode, Json<IssuedKey>), ApiError> {
    api.as_key(key, move |lk, session| {
        let new = NewKey {
            name: req.name,
            permissions: req.permissions,
            environment: req.environment.unwrap_or(Environment::Live).into(),
            expiry: match req.expires.as_deref() {
                Some(e) => e.parse::<Expiry>()?,
                None => Expiry::default(),
            },
            revealable: false,
        };
        let issued = lk.create_key(session, &new)?;
        Ok((
            StatusCode::CREATED,
            Json(IssuedKey {
                secret: issued.secret.expose().to_owned(),
                key: issued.key.into(),
            }),
        ))
    })
    .await
}

/// Rename a key or replace its permissions
///
/// The new permissions must be ones the presented key holds. Expiry cannot be changed.
/// Needs `keys:write`.
#[utoipa::path(
    patch,
    path = "/v1/account/keys/{id}",
    tag = "keys",
    security(("api_key" = []), ("bearer" = [])),
    params(("id" = inline(KeyIdParam), Path, description = "The key's id")),
    request_body = EditKeyRequest,
    responses(
        (status = 200, description = "The key as it is now", body = Key),
        (status = 400, description = "A field breaks a rule, or nothing to change", body = ErrorResponse),
        (status = 401, description = "No key, or the key is not valid", body = ErrorResponse,
            headers(("WWW-Authenticate" = String))),
        (status = 403, description = "The key lacks `keys:write`", body = ErrorResponse),
        (status = 404, description = "No such key among the account's", body = ErrorResponse),
        (status = 409, description = "The key is revoked", body = ErrorResponse),
        (status = 413, description = "The body is over 64 KiB", body = ErrorResponse),
        (status = 415, description = "The body is not JSON", body = ErrorResponse),
    )
)]
pub async fn edit_key(
    State(api): State<Api>,
    key: PresentedKey,
    Path(id): Path<String>,
    JsonBody(req): JsonBody<EditKeyRequest>,
) -> Result<Json<Key>, ApiError> {
    api.as_key(key, move |lk, session| {
        let id = KeyId::parse(&id)?;
        if req.name.is_none() && req.permissions.is_none() {
            return Err(Error::invalid("body", "give name, permissions or both"));
        }
        let edit = KeyEdit {
            name: req.name,
            permissions: req.permissions,
        };
        Ok(Json(lk.edit_key(session, &id, &edit)?.into()))
    })
    .await
}

/// Revoke a key
///
/// Permanent: programs using it stop working at once and a new key will be needed. The
/// account key cannot be revoked. Needs `keys:write`.
#[utoipa::path(
    delete,
    path = "/v1/account/keys/{id}",
    tag = "keys",
    security(("api_key" = []), ("bearer" = [])),
    params(("id" = inline(KeyIdParam), Path, description = "The key's id")),
    responses(
        (status = 200, description = "Revoked; the key as it is now", body = Key),
        (status = 400, description = "The id is not a key id", body = ErrorResponse),
        (status = 401, description = "No key, or the key is not valid", body = ErrorResponse,
            headers(("WWW-Authenticate" = String))),
        (status = 403, description = "The key lacks `keys:write`, or it is the account key", body = ErrorResponse),
        (status = 404, description = "No such key among the account's", body = ErrorResponse),
        (status = 409, description = "Already revoked", body = ErrorResponse),
    )
)]
pub async fn revoke_key(
    State(api): State<Api>,
    key: PresentedKey,
    Path(id): Path<String>,
) -> Result<Json<Key>, ApiError> {
    api.as_key(key, move |lk, session| {
        let id = KeyId::parse(&id)?;
        Ok(Json(lk.revoke_key(session, &id)?.into()))
    })
    .await
}

/// Regenerate (roll) a key
///
/// A new secret with every setting copied; the old key stops now or after the grace
/// period. This needs a fresh proof of identity, which an API key is not: through the API
/// it is refused with `403 step_up_required` — regenerate in the app or with
/// `latchkey key regenerate`. Needs `keys:write`.
#[utoipa::path(
    post,
    path = "/v1/account/keys/{id}/regenerate",
    tag = "keys",
    security(("api_key" = []), ("bearer" = [])),
    params(("id" = inline(KeyIdParam), Path, description = "The key's id")),
    request_body(content = Option<RegenerateRequest>, description = "Optional; the grace period defaults to `now`"),
    responses(
        (status = 201, description = "The new key; `secret` is shown this once", body = IssuedKey),
        (status = 400, description = "A field breaks a rule", body = ErrorResponse),
        (status = 401, description = "No key, or the key is not valid", body = ErrorResponse,
            headers(("WWW-Authenticate" = String))),
        (status = 403, description = "A fresh proof of identity is needed (`step_up_required`), or the key lacks `keys:write`", body = ErrorResponse),
        (status = 404, description = "No such key among the account's", body = ErrorResponse),
        (status = 409, description = "The key is revoked, expired or an account key", body = ErrorResponse),
        (status = 413, description = "The body is over 64 KiB", body = ErrorResponse),
        (status = 415, description = "The body is not JSON", body = ErrorResponse),
    )
)]
pub async fn regenerate_key(
    State(api): State<Api>,
    key: PresentedKey,
    Path(id): Path<String>,
    JsonBody(req): JsonBody<RegenerateRequest>,
) -> Result<(StatusCode, Json<IssuedKey>), ApiError> {
    api.as_key(key, move |lk, session| {
        let id = KeyId::parse(&id)?;
        let issued = lk.regenerate_key(session, &id, req.grace.into())?;
        Ok((
            StatusCode::CREATED,
            Json(IssuedKey {
                secret: issued.secret.expose().to_owned(),
                key: issued.key.into(),
            }),
        ))
    })
    .await
}

/// Verify a key
///
/// For services: is this key valid, and what may it do now? A key that is not valid is
/// still a `200`, with `valid: false` and the reason. Needs no key of its own.
#[utoipa::path(
    post,
    path = "/v1/keys/verify",
    tag = "keys",
    request_body = VerifyRequest,
    responses(
        (status = 200, description = "The verdict", body = VerifyResponse),
        (status = 400, description = "The body is not `{ \"key\": \"…\" }`", body = ErrorResponse),
        (status = 413, description = "The body is over 64 KiB", body = ErrorResponse),
        (status = 415, description = "The body is not JSON", body = ErrorResponse),
    )
)]
pub async fn verify(
    State(api): State<Api>,
    JsonBody(req): JsonBody<VerifyRequest>,
) -> Result<Json<VerifyResponse>, ApiError> {
    // A pure read on this async worker's own connection, never waiting for a lock (the
    // last use is written later, off the workers): no hop to the blocking pool.
    match api.lk.verify_without_waiting(&req.key) {
        Err(Error::Busy) => {}
        verdict => return Ok(Json(verdict?.into())),
    }
    // The store was momentarily unreadable without waiting: wait, on a blocking thread.
    api.run(move |lk| Ok(Json(lk.verify_deferring_last_use(&req.key)?.into())))
        .await
}
