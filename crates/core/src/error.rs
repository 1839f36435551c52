//! One error type for the whole engine.
//!
//! Every variant has a stable [`Error::code`] that the CLI, the JSON API and the window
//! share, and a `Display` text written for the person who reads it. Neither ever contains
//! a secret: passwords, keys and codes are never passed into an error.

use serde::Serialize;

/// Everything the engine can refuse or fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input that breaks a rule; names the field and the rule.
    #[error("{field}: {rule}")]
    Invalid { field: &'static str, rule: String },

    /// Unknown account or wrong password; deliberately does not say which.
    #[error("username or password is incorrect")]
    BadCredentials,

    /// Too many failed attempts in a row.
    #[error("too many failed attempts; try again in {retry_after_secs} s")]
    Throttled { retry_after_secs: u64 },

    #[error("this account is disabled")]
    AccountDisabled,

    /// The password was right; a code from the authenticator app (or a recovery code)
    /// is needed too.
    #[error("enter the code from your authenticator app, or a recovery code")]
    MfaRequired,

    /// An API key presented for authentication did not verify.
    #[error("the API key is not valid ({})", .0.as_str().replace('_', " "))]
    InvalidKey(crate::verify::Reason),

    /// The acting account may not do this.
    #[error("not permitted: {0}")]
    Forbidden(String),

    /// A sensitive action needs a fresh proof of identity.
    #[error("confirm it's you: this action needs your password (or an MFA code) again")]
    StepUpRequired,

    #[error("{0} not found")]
    NotFound(String),

    /// The action collides with existing state (a duplicate name, say).
    #[error("{0}")]
    Conflict(String),

    /// An administrator's policy refuses the action.
    #[error("{0}")]
    Policy(String),

    #[error("the store is already set up; sign in instead")]
    AlreadyInitialized,

    #[error("the store has no administrator yet; create one first (`latchkey init`)")]
    NotInitialized,

    /// The file is not a Latchkey store (not SQLite, corrupt, or another program's).
    #[error("refusing to open {path}: {reason}; the file was left unchanged")]
    StoreRefused { path: String, reason: String },

    #[error(
        "refusing to open {path}: it was written by a newer Latchkey \
         (store version {found}; this build supports up to {supported}); the file was left unchanged"
    )]
    StoreTooNew {
        path: String,
        found: i64,
        supported: i64,
    },

    /// Another process held the store for longer than the busy timeout.
    #[error("the store is busy in another program; nothing was changed, try again")]
    Busy,

    #[error("storage error: {0}")]
    Storage(String),

    #[error("file error: {0}")]
    Io(String),

    #[error("internal error: {0}")]
    Internal(String),
}

/// The words in every policy refusal of a field (see [`Error::against_policy`]).
pub(crate) const POLICY_MARK: &str = "the policy ";

impl Error {
    /// A stable, machine-readable code shared by every adapter.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Invalid { .. } => "invalid_input",
            Error::BadCredentials => "bad_credentials",
            Error::Throttled { .. } => "throttled",
            Error::AccountDisabled => "account_disabled",
            Error::MfaRequired => "mfa_required",
            Error::InvalidKey(_) => "invalid_key",
            Error::Forbidden(_) => "forbidden",
            Error::StepUpRequired => "step_up_required",
            Error::NotFound(_) => "not_found",
            Error::Conflict(_) => "conflict",
            Error::Policy(_) => "policy_violation",
            Error::AlreadyInitialized => "already_initialized",
            Error::NotInitialized => "not_initialized",
            Error::StoreRefused { .. } => "store_refused",
            Error::StoreTooNew { .. } => "store_too_new",
            Error::Busy => "store_busy",
            Error::Storage(_) => "storage_error",
            Error::Io(_) => "io_error",
            Error::Internal(_) => "internal_error",
        }
    }

    /// The field a validation error is about, for forms that show errors inline.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Error::Invalid { field, .. } => Some(field),
            _ => None,
        }
    }

    pub fn invalid(field: &'static str, rule: impl Into<String>) -> Self {
        Error::Invalid {
            field,
            rule: rule.into(),
        }
    }

    /// A field the administrator's policy refuses, rather than its form: "`rule`: the
    /// policy `limit`". The audit log tells these apart by [`POLICY_MARK`].
    pub(crate) fn against_policy(field: &'static str, rule: &str, limit: &str) -> Self {
        Error::invalid(field, format!("{rule}: {POLICY_MARK}{limit}"))
    }

    /// The serializable `{ code, message, field }` shape used by the window and the API.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            code: self.code(),
            message: self.to_string(),
            field: self.field(),
            retry_after_secs: match self {
                Error::Throttled { retry_after_secs } => Some(*retry_after_secs),
                _ => None,
            },
        }
    }
}

/// What adapters send to a user or a program when an action fails.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ErrorBody {
    pub code: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<u64>,
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        // SQLite's messages name tables and constraints, never bound values, so they
        // carry no secret; they are still kept out of `Display` for busy errors.
        if let rusqlite::Error::SqliteFailure(f, _) = &e {
            if matches!(
                f.code,
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
            ) {
                return Error::Busy;
            }
        }
        Error::Storage(e.to_string())
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e.to_string())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
