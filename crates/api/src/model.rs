//! The JSON the API speaks: request and response bodies, with their OpenAPI schemas.
//!
//! These are the API's own types, converted from the core's, so that the wire format (and
//! the checked-in OpenAPI document) changes only when this file does.

use latchkey_core::clock::rfc3339;
use latchkey_core::{Account, ErrorBody, KeyInfo, KeyStatus, Reason, Verification};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Every error: `{ "error": { "code", "message" } }`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorResponse {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// A stable, machine-readable code, such as `invalid_input`, `invalid_key`,
    /// `forbidden`, `step_up_required`, `not_found`, `throttled`.
    #[schema(example = "invalid_input")]
    pub code: String,
    /// What went wrong, for a person to read. Never contains a secret.
    pub message: String,
    /// The request field an `invalid_input` error is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// For `throttled`: seconds until the next attempt may be made (also `Retry-After`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<u64>,
}

impl From<ErrorBody> for ErrorDetail {
    fn from(b: ErrorBody) -> Self {
        ErrorDetail {
            code: b.code.as_str().to_owned(),
            message: b.message,
            field: b.field,
            retry_after_secs: b.retry_after_secs,
        }
    }
}

/// `live` or `test`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Live,
    Test,
}

impl From<latchkey_core::Environment> for Environment {
    fn from(e: latchkey_core::Environment) -> Self {
        match e {
            latchkey_core::Environment::Live => Environment::Live,
            latchkey_core::Environment::Test => Environment::Test,
        }
    }
}

impl From<Environment> for latchkey_core::Environment {
    fn from(e: Environment) -> Self {
        match e {
            Environment::Live => latchkey_core::Environment::Live,
            Environment::Test => latchkey_core::Environment::Test,
        }
    }
}

/// An account as programs see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountView {
    pub id: i64,
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub is_admin: bool,
    pub disabled: bool,
    /// The groups the account belongs to (they grant its permissions).
    pub groups: Vec<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
}

impl From<Account> for AccountView {
    fn from(a: Account) -> Self {
        AccountView {
            id: a.id.0,
            username: a.username,
            first_name: a.first_name,
            last_name: a.last_name,
            email: a.email,
            is_admin: a.is_admin,
            disabled: a.disabled,
            groups: a.groups,
            created_at: rfc3339(a.created_at),
        }
    }
}

/// A key's status now.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Active,
    /// Stops working within 7 days.
    ExpiringSoon,
    Expired,
    Revoked,
}

impl From<KeyStatus> for Status {
    fn from(s: KeyStatus) -> Self {
        match s {
            KeyStatus::Active => Status::Active,
            KeyStatus::ExpiringSoon => Status::ExpiringSoon,
            KeyStatus::Expired => Status::Expired,
            KeyStatus::Revoked => Status::Revoked,
        }
    }
}

/// An API key's description. Never its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct Key {
    /// 16 letters and digits.
    #[schema(example = "3fK9xQ2mWb7LpZ0a")]
    pub id: String,
    pub name: String,
    /// The key's prefix and last 4 characters, to recognise it by.
    #[schema(example = "lk_live_…a9Z3")]
    pub hint: String,
    pub environment: Environment,
    /// The permissions the key was given (an account key: all of the account's).
    #[schema(example = json!(["keys:read", "samples:read"]))]
    pub permissions: Vec<String>,
    pub status: Status,
    /// True for an administrator's account key.
    pub account_key: bool,
    /// The secret can be viewed again (in the app, after confirming identity).
    pub revealable: bool,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Null when the key never expires.
    #[schema(format = DateTime)]
    pub expires_at: Option<String>,
    #[schema(format = DateTime)]
    pub last_used_at: Option<String>,
    /// When the key stopped, or after a regeneration with a grace period will stop, working.
    #[schema(format = DateTime)]
    pub revoked_at: Option<String>,
    /// The key that replaced this one when it was regenerated.
    pub replaced_by: Option<String>,
    /// The owning account's username.
    pub account: String,
}

impl From<KeyInfo> for Key {
    fn from(k: KeyInfo) -> Self {
        Key {
            id: k.id.0,
            name: k.name,
            hint: k.hint,
            environment: k.environment.into(),
            permissions: k.permissions.iter().map(ToString::to_string).collect(),
            status: k.status.into(),
            account_key: k.account_key,
            revealable: k.revealable,
            created_at: rfc3339(k.created_at),
            expires_at: k.expires_at.map(rfc3339),
            last_used_at: k.last_used_at.map(rfc3339),
            revoked_at: k.revoked_at.map(rfc3339),
            replaced_by: k.replaced_by.map(|id| id.0),
            account: k.account,
        }
    }
}

/// A key's id: 16 letters and digits.
#[derive(ToSchema)]
#[schema(pattern = "^[0-9A-Za-z]{16}$", example = "3fK9xQ2mWb7LpZ0a")]
pub struct KeyIdParam(#[allow(dead_code)] String);

/// `POST /v1/auth`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthRequest {
    /// Username or email address. Give exactly one of `login`, `username` and `email`.
    #[serde(default)]
    #[schema(example = "ada", min_length = 1)]
    pub login: Option<String>,
    /// The account's username (instead of `login`).
    #[serde(default)]
    #[schema(example = "ada", min_length = 1)]
    pub username: Option<String>,
    /// The account's email address (instead of `login`).
    #[serde(default)]
    #[schema(example = "ada@example.org", format = Email)]
    pub email: Option<String>,
    #[schema(format = Password)]
    pub password: String,
    /// When the account has MFA on: the current code from the authenticator app, or one
    /// of the recovery codes. Without it such an account gets `401 mfa_required`.
    #[serde(default)]
    #[schema(example = "123456")]
    pub code: Option<String>,
}

impl AuthRequest {
    /// Whom to sign in: the one of `login`, `username` and `email` that was given.
    pub fn who(&self) -> Result<&str, latchkey_core::Error> {
        use latchkey_core::Error;
        match (&self.login, &self.username, &self.email) {
            (Some(l), None, None) => Ok(l),
            (None, Some(u), None) => Ok(u),
            (None, None, Some(e)) if e.contains('@') => Ok(e),
            (None, None, Some(_)) => Err(Error::invalid("email", "must be an email address")),
            (None, None, None) => Err(Error::invalid(
                "login",
                "is required (or give username or email instead)",
            )),
            _ => Err(Error::invalid(
                "login",
                "give only one of login, username and email",
            )),
        }
    }
}

impl std::fmt::Debug for AuthRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthRequest")
            .field("login", &self.login)
            .field("username", &self.username)
            .field("email", &self.email)
            .field("password", &"<redacted>")
            .field("code", &self.code.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

#[derive(Serialize, ToSchema)]
pub struct AuthResponse {
    pub account: AccountView,
    /// For an administrator, its account key (a secret: it acts with all of the
    /// account's permissions). Null for other accounts, or when it can no longer be
    /// shown because an administrator reset the password (reset the account key then).
    #[schema(example = "lk_acct_…")]
    pub account_key: Option<String>,
}

/// `GET /v1/account`: the account behind the presented key.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountResponse {
    pub account: AccountView,
    /// The id of the key that was presented.
    pub key_id: String,
    /// The presented key's effective permissions: its own, intersected with the
    /// account's current ones.
    #[schema(example = json!(["account:read", "keys:read"]))]
    pub permissions: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KeyList {
    /// The account's keys (not its account key), newest first.
    pub keys: Vec<Key>,
}

/// `POST /v1/account/keys`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateKeyRequest {
    /// 1–100 characters (after trimming), unique among the account's keys that are not
    /// revoked.
    #[schema(example = "ci deploy", min_length = 1)]
    pub name: String,
    /// `resource:action` permissions; each must be one the key used here holds.
    #[serde(default)]
    #[schema(example = json!(["samples:read"]))]
    pub permissions: Vec<String>,
    /// Defaults to `live`.
    #[serde(default)]
    pub environment: Option<Environment>,
    /// `7d`, `30d`, `60d`, `90d`, a date `YYYY-MM-DD` (the key stops at the end of that
    /// day, UTC), or `never` where the policy allows it. Defaults to `30d`.
    #[serde(default)]
    #[schema(example = "30d")]
    pub expires: Option<String>,
}

/// Changes to a key; at least one field.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditKeyRequest {
    pub name: Option<String>,
    /// Replaces the key's permissions.
    pub permissions: Option<Vec<String>>,
}

/// How long the old key keeps working after it is regenerated.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
pub enum Grace {
    #[default]
    #[serde(rename = "now")]
    Now,
    #[serde(rename = "15m")]
    Minutes15,
    #[serde(rename = "1h")]
    Hour1,
    #[serde(rename = "6h")]
    Hours6,
    #[serde(rename = "24h")]
    Hours24,
}

impl From<Grace> for latchkey_core::Grace {
    fn from(g: Grace) -> Self {
        match g {
            Grace::Now => latchkey_core::Grace::Immediately,
            Grace::Minutes15 => latchkey_core::Grace::Minutes15,
            Grace::Hour1 => latchkey_core::Grace::Hour1,
            Grace::Hours6 => latchkey_core::Grace::Hours6,
            Grace::Hours24 => latchkey_core::Grace::Hours24,
        }
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegenerateRequest {
    /// Defaults to `now`. A grace period never runs past the old key's own expiry.
    #[serde(default)]
    pub grace: Grace,
}

/// A key as issued: the only response that carries its secret.
#[derive(Serialize, ToSchema)]
pub struct IssuedKey {
    pub key: Key,
    /// The key itself. Shown this once; store it now.
    #[schema(example = "lk_live_…")]
    pub secret: String,
}

/// `POST /v1/keys/verify`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    /// The key a program presented.
    #[schema(example = "lk_live_…")]
    pub key: String,
}

/// The key is a secret: wiped from memory when the request is done with.
impl Drop for VerifyRequest {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.key);
    }
}

impl std::fmt::Debug for VerifyRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VerifyRequest(<redacted>)")
    }
}

/// Why a key is or is not valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VerifyReason {
    Valid,
    /// Not a Latchkey key (wrong shape or checksum); nothing was looked up.
    Malformed,
    NotFound,
    Expired,
    Revoked,
    AccountDisabled,
}

impl From<Reason> for VerifyReason {
    fn from(r: Reason) -> Self {
        match r {
            Reason::Valid => VerifyReason::Valid,
            Reason::Malformed => VerifyReason::Malformed,
            Reason::NotFound => VerifyReason::NotFound,
            Reason::Expired => VerifyReason::Expired,
            Reason::Revoked => VerifyReason::Revoked,
            Reason::AccountDisabled => VerifyReason::AccountDisabled,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VerifyResponse {
    pub valid: bool,
    pub reason: VerifyReason,
    /// The owning account's username, when the key was found.
    pub account: Option<String>,
    /// The key's own permissions intersected with its account's current ones; empty when
    /// the key is not valid.
    #[schema(example = json!(["samples:read"]))]
    pub permissions: Vec<String>,
    pub environment: Option<Environment>,
    #[schema(format = DateTime)]
    pub expires_at: Option<String>,
}

impl From<Verification> for VerifyResponse {
    fn from(v: Verification) -> Self {
        VerifyResponse {
            valid: v.valid,
            reason: v.reason.into(),
            account: v.account,
            permissions: v.permissions.iter().map(ToString::to_string).collect(),
            environment: v.environment.map(Into::into),
            expires_at: v.expires_at.map(rfc3339),
        }
    }
}
