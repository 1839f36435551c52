//! One error type for the whole engine, and the closed set of codes every adapter shares.
//!
//! Every failure has a stable [`Code`]; the code's [`Category`] decides the CLI's exit
//! status and the HTTP status, here and nowhere else. The `Display` text is written for
//! the person who reads it and never holds a secret, a path inside the store, or the
//! database's own wording: that detail goes to the log (see [`crate::log`]) instead.

use serde::Serialize;

/// Every code a user or a program can receive, from the core or from an adapter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Code {
    InvalidInput,
    BadCredentials,
    Throttled,
    AccountDisabled,
    MfaRequired,
    InvalidKey,
    Forbidden,
    StepUpRequired,
    NotFound,
    Conflict,
    PolicyViolation,
    AlreadyInitialized,
    NotInitialized,
    StoreRefused,
    StoreTooNew,
    StoreBusy,
    StoreUnavailable,
    StorageError,
    IoError,
    InternalError,
    /// An invitation code no invitation has (throttled like a password).
    InvitationUnknown,
    InvitationUsed,
    InvitationExpired,
    /// Withdrawn by an administrator, or replaced by a newer code.
    InvitationRevoked,
    // The adapters' own.
    /// The window has no session (signed out, locked, or never signed in).
    NotSignedIn,
    /// The code step of a sign-in came too late: start again with the password.
    SignInExpired,
    /// The window asked for a secret it no longer holds (shown once, then forgotten).
    NoSecret,
    ClipboardUnavailable,
    /// The desktop has no program to open a link with (`mailto:`, for an invitation).
    OpenerUnavailable,
    /// The command line's arguments do not parse (an unknown flag, a missing value).
    UsageError,
    /// An API request without a key.
    MissingKey,
    /// An API request whose `Host` is not this server (DNS rebinding).
    InvalidHost,
    BodyTooLarge,
    UnsupportedMediaType,
    MethodNotAllowed,
}

/// What kind of failure a code is; decides exit and HTTP status once for every adapter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// The input breaks a rule (400, exit 3).
    Invalid,
    /// Who is asking is not established (401, exit 4).
    Unauthenticated,
    /// Too many failed attempts (429, exit 4).
    Throttled,
    /// The account may not sign in (403, exit 4).
    Disabled,
    /// Known, but not allowed (403, exit 5).
    Denied,
    NotFound,
    /// The state of things refuses it (409, exit 7).
    Conflict,
    /// The store cannot answer now; try again (503, exit 8).
    Unavailable,
    /// The body is too large (413, exit 3).
    TooLarge,
    /// The body is not JSON (415, exit 3).
    UnsupportedMedia,
    /// The request was sent to the wrong host (421, exit 3).
    Misdirected,
    MethodNotAllowed,
    /// The command line does not parse (400, exit 2).
    Usage,
    /// Something failed inside (500, exit 8).
    Internal,
}

impl Category {
    /// The exit status of the `latchkey` command line.
    pub fn exit_code(self) -> u8 {
        match self {
            Category::Invalid
            | Category::TooLarge
            | Category::UnsupportedMedia
            | Category::Misdirected
            | Category::MethodNotAllowed => 3,
            Category::Usage => 2,
            Category::Unauthenticated | Category::Throttled | Category::Disabled => 4,
            Category::Denied => 5,
            Category::NotFound => 6,
            Category::Conflict => 7,
            Category::Unavailable | Category::Internal => 8,
        }
    }

    /// The HTTP status of the JSON API.
    pub fn http_status(self) -> u16 {
        match self {
            Category::Invalid | Category::Usage => 400,
            Category::Unauthenticated => 401,
            Category::Throttled => 429,
            Category::Disabled | Category::Denied => 403,
            Category::NotFound => 404,
            Category::MethodNotAllowed => 405,
            Category::Conflict => 409,
            Category::TooLarge => 413,
            Category::UnsupportedMedia => 415,
            Category::Misdirected => 421,
            Category::Unavailable => 503,
            Category::Internal => 500,
        }
    }
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::InvalidInput => "invalid_input",
            Code::BadCredentials => "bad_credentials",
            Code::Throttled => "throttled",
            Code::AccountDisabled => "account_disabled",
            Code::MfaRequired => "mfa_required",
            Code::InvalidKey => "invalid_key",
            Code::Forbidden => "forbidden",
            Code::StepUpRequired => "step_up_required",
            Code::NotFound => "not_found",
            Code::Conflict => "conflict",
            Code::PolicyViolation => "policy_violation",
            Code::AlreadyInitialized => "already_initialized",
            Code::NotInitialized => "not_initialized",
            Code::StoreRefused => "store_refused",
            Code::StoreTooNew => "store_too_new",
            Code::StoreBusy => "store_busy",
            Code::StoreUnavailable => "store_unavailable",
            Code::StorageError => "storage_error",
            Code::IoError => "io_error",
            Code::InternalError => "internal_error",
            Code::InvitationUnknown => "invitation_unknown",
            Code::InvitationUsed => "invitation_used",
            Code::InvitationExpired => "invitation_expired",
            Code::InvitationRevoked => "invitation_revoked",
            Code::NotSignedIn => "not_signed_in",
            Code::SignInExpired => "sign_in_expired",
            Code::NoSecret => "no_secret",
            Code::ClipboardUnavailable => "clipboard_unavailable",
            Code::OpenerUnavailable => "opener_unavailable",
            Code::UsageError => "usage_error",
            Code::MissingKey => "missing_key",
            Code::InvalidHost => "invalid_host",
            Code::BodyTooLarge => "body_too_large",
            Code::UnsupportedMediaType => "unsupported_media_type",
            Code::MethodNotAllowed => "method_not_allowed",
        }
    }

    pub fn category(self) -> Category {
        match self {
            Code::InvalidInput => Category::Invalid,
            Code::UsageError => Category::Usage,
            Code::BadCredentials
            | Code::MfaRequired
            | Code::InvalidKey
            | Code::MissingKey
            | Code::InvitationUnknown => Category::Unauthenticated,
            Code::InvitationUsed | Code::InvitationExpired | Code::InvitationRevoked => {
                Category::Conflict
            }
            Code::SignInExpired | Code::NotSignedIn => Category::Unauthenticated,
            Code::Throttled => Category::Throttled,
            Code::AccountDisabled => Category::Disabled,
            Code::Forbidden | Code::StepUpRequired => Category::Denied,
            Code::NotFound | Code::NoSecret => Category::NotFound,
            Code::Conflict
            | Code::PolicyViolation
            | Code::AlreadyInitialized
            | Code::NotInitialized => Category::Conflict,
            Code::StoreBusy
            | Code::StoreUnavailable
            | Code::ClipboardUnavailable
            | Code::OpenerUnavailable => Category::Unavailable,
            Code::InvalidHost => Category::Misdirected,
            Code::BodyTooLarge => Category::TooLarge,
            Code::UnsupportedMediaType => Category::UnsupportedMedia,
            Code::MethodNotAllowed => Category::MethodNotAllowed,
            Code::StoreRefused
            | Code::StoreTooNew
            | Code::StorageError
            | Code::IoError
            | Code::InternalError => Category::Internal,
        }
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<str> for Code {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a presented key is valid or not: the verdict's reason, and what an `invalid_key`
/// error says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    Valid,
    Malformed,
    NotFound,
    Expired,
    Revoked,
    AccountDisabled,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Valid => "valid",
            Reason::Malformed => "malformed",
            Reason::NotFound => "not_found",
            Reason::Expired => "expired",
            Reason::Revoked => "revoked",
            Reason::AccountDisabled => "account_disabled",
        }
    }
}

/// Why an invitation code cannot be redeemed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationProblem {
    /// No invitation has this code (a typo, or a code from elsewhere).
    Unknown,
    Used,
    Expired,
    Revoked,
    /// An administrator issued a newer code for the same invitation.
    Replaced,
}

/// Why an administrator's account key cannot be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unviewable {
    /// Created without "allow viewing later".
    NotRevealable,
    Revoked,
    /// Regenerated: its replacement is the one to view.
    Replaced,
    /// An administrator's password reset (or a recovery) left it sealed under a data key
    /// nobody can unwrap any more.
    SecretLost,
}

/// Everything the engine can refuse or fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input that breaks a rule; names the field and the rule.
    #[error("{field}: {rule}")]
    Invalid { field: &'static str, rule: String },

    /// A field whose form is fine but which the administrator's policy refuses. Audited as
    /// a refusal.
    #[error("{field}: {rule}: the policy {limit}")]
    AgainstPolicy {
        field: &'static str,
        rule: String,
        limit: String,
    },

    /// A key may not be given a permission its account does not hold. Audited as a
    /// refusal.
    #[error("permissions: {} does not have {permission}, so a key cannot be given it", if *.by_key { "the API key in use" } else { "your account" })]
    NotHeld { permission: String, by_key: bool },

    /// Unknown account or wrong password; deliberately does not say which.
    #[error("username or password is incorrect")]
    BadCredentials,

    /// A wrong, replayed or malformed second factor at sign-in or step-up: a failed proof
    /// of identity like a wrong password, not a form mistake.
    #[error("code: is not correct, or was already used")]
    WrongCode,

    /// Too many failed attempts in a row.
    #[error("too many failed attempts; try again in {retry_after_secs} s")]
    Throttled { retry_after_secs: u64 },

    #[error("this account is disabled")]
    AccountDisabled,

    /// The password was right; a code from the authenticator app (or a recovery code)
    /// is needed too.
    #[error("enter the code from your authenticator app, or a recovery code")]
    MfaRequired,

    /// The code step of a two-step sign-in came after [`crate::session::PENDING_SIGN_IN`]:
    /// the sign-in must start again with the password.
    #[error("code: came too late; sign in again")]
    SignInExpired,

    /// An API key presented for authentication did not verify.
    #[error("the API key is not valid ({})", .0.as_str().replace('_', " "))]
    InvalidKey(Reason),

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

    /// An invitation code that cannot be redeemed, and why.
    #[error("{}", invitation_text(*.0))]
    Invitation(InvitationProblem),

    /// A key's secret cannot be shown, and why.
    #[error("{}", unviewable_text(*.0))]
    Unviewable(Unviewable),

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

    /// SQLite could not write the store (its file or folder is read-only to this user).
    /// The store names the path when it passes this on ([`Error::StoreRefused`]).
    #[error(
        "the store cannot be written by this user: check the permissions of its file and folder"
    )]
    NotWritable,

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

    /// The store's server cannot be reached (PostgreSQL down, network gone).
    #[error("the store is unavailable right now; nothing was changed, try again shortly")]
    Unavailable,

    /// The store turned out to be damaged (SQLite found a malformed page, or PostgreSQL
    /// corrupt data) while open. This handle stops using it: every later action is
    /// refused the same way, so nothing more is written to it. The detail was logged.
    #[error(
        "the store is damaged, so Latchkey stopped using it and changed nothing more; \
         restore it from a backup"
    )]
    Damaged,

    /// The store failed in a way the person cannot act on; the detail was logged.
    #[error("the store could not complete this; nothing was changed")]
    Storage,

    #[error("file error: {0}")]
    Io(String),

    /// A failure inside Latchkey; the detail was logged.
    #[error("internal error; nothing was changed")]
    Internal,
}

fn invitation_text(why: InvitationProblem) -> &'static str {
    match why {
        InvitationProblem::Unknown => {
            "code: no invitation has this code; check it against the one you were sent"
        }
        InvitationProblem::Used => "this invitation was already used; sign in instead",
        InvitationProblem::Expired => {
            "this invitation has expired; ask an administrator to send a new one"
        }
        InvitationProblem::Revoked => "this invitation was withdrawn by an administrator",
        InvitationProblem::Replaced => {
            "this code was replaced by a newer one; use the code from the latest invitation"
        }
    }
}

fn unviewable_text(why: Unviewable) -> &'static str {
    match why {
        Unviewable::NotRevealable => {
            "not permitted: this key was created without \"allow viewing later\"; it cannot be shown again"
        }
        Unviewable::Revoked => "this key is revoked",
        Unviewable::Replaced => "this key was regenerated; view its replacement instead",
        Unviewable::SecretLost => {
            "this key can no longer be viewed: an administrator reset your password; regenerate it to get a new secret"
        }
    }
}

impl Error {
    /// A stable, machine-readable code shared by every adapter.
    pub fn code(&self) -> Code {
        match self {
            Error::Invalid { .. } | Error::AgainstPolicy { .. } | Error::NotHeld { .. } => {
                Code::InvalidInput
            }
            Error::SignInExpired => Code::SignInExpired,
            Error::BadCredentials | Error::WrongCode => Code::BadCredentials,
            Error::Throttled { .. } => Code::Throttled,
            Error::AccountDisabled => Code::AccountDisabled,
            Error::MfaRequired => Code::MfaRequired,
            Error::InvalidKey(_) => Code::InvalidKey,
            Error::Forbidden(_) => Code::Forbidden,
            Error::Invitation(InvitationProblem::Unknown) => Code::InvitationUnknown,
            Error::Invitation(InvitationProblem::Used) => Code::InvitationUsed,
            Error::Invitation(InvitationProblem::Expired) => Code::InvitationExpired,
            Error::Invitation(InvitationProblem::Revoked | InvitationProblem::Replaced) => {
                Code::InvitationRevoked
            }
            Error::Unviewable(Unviewable::NotRevealable) => Code::Forbidden,
            Error::Unviewable(_) => Code::Conflict,
            Error::StepUpRequired => Code::StepUpRequired,
            Error::NotFound(_) => Code::NotFound,
            Error::Conflict(_) => Code::Conflict,
            Error::Policy(_) => Code::PolicyViolation,
            Error::AlreadyInitialized => Code::AlreadyInitialized,
            Error::NotInitialized => Code::NotInitialized,
            Error::StoreRefused { .. } | Error::NotWritable => Code::StoreRefused,
            Error::StoreTooNew { .. } => Code::StoreTooNew,
            Error::Busy => Code::StoreBusy,
            Error::Unavailable | Error::Damaged => Code::StoreUnavailable,
            Error::Storage => Code::StorageError,
            Error::Io(_) => Code::IoError,
            Error::Internal => Code::InternalError,
        }
    }

    pub fn category(&self) -> Category {
        self.code().category()
    }

    /// The field a validation error is about, for forms that show errors inline.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Error::Invalid { field, .. } | Error::AgainstPolicy { field, .. } => Some(field),
            Error::NotHeld { .. } => Some("permissions"),
            Error::SignInExpired
            | Error::WrongCode
            | Error::Invitation(InvitationProblem::Unknown) => Some("code"),
            _ => None,
        }
    }

    pub fn invalid(field: &'static str, rule: impl Into<String>) -> Self {
        Error::Invalid {
            field,
            rule: rule.into(),
        }
    }

    /// A field the administrator's policy refuses, rather than its form: "`field`:
    /// `rule`: the policy `limit`".
    pub(crate) fn against_policy(field: &'static str, rule: &str, limit: &str) -> Self {
        Error::AgainstPolicy {
            field,
            rule: rule.to_owned(),
            limit: limit.to_owned(),
        }
    }

    /// A store failure: `detail` (the database's words) goes to the log, never to the
    /// person or program that asked.
    pub(crate) fn storage(detail: impl std::fmt::Display) -> Self {
        tracing::error!(target: "latchkey::store", "{detail}");
        Error::Storage
    }

    /// A failure inside the engine: `detail` goes to the log only.
    pub(crate) fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(target: "latchkey", "internal error: {detail}");
        Error::Internal
    }

    /// Refusals worth a `refused` line of their own in the audit log: someone tried
    /// something the rules do not let them do (rather than, say, mistyped a name).
    pub(crate) fn is_refusal(&self) -> bool {
        matches!(
            self,
            Error::Forbidden(_)
                | Error::StepUpRequired
                | Error::Policy(_)
                | Error::AgainstPolicy { .. }
                | Error::NotHeld { .. }
                | Error::Unviewable(Unviewable::NotRevealable)
        )
    }

    /// The serializable `{ code, message, field }` shape used by the window and the API.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            code: self.code(),
            message: self.to_string(),
            field: self.field().map(str::to_owned),
            retry_after_secs: match self {
                Error::Throttled { retry_after_secs } => Some(*retry_after_secs),
                _ => None,
            },
        }
    }
}

/// What adapters send to a user or a program when an action fails.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ErrorBody {
    pub code: Code,
    pub message: String,
    /// For `invalid_input`: which form field ("name", "email", "new password", …).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub field: Option<String>,
    /// For `throttled`: how long to wait.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub retry_after_secs: Option<u64>,
}

impl ErrorBody {
    /// An adapter's own error (no core error behind it).
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        ErrorBody {
            code,
            message: message.into(),
            field: None,
            retry_after_secs: None,
        }
    }

    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = message.into();
        self
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

impl From<Error> for ErrorBody {
    fn from(e: Error) -> Self {
        e.body()
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e.to_string())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
