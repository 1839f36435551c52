use latchkey_core::Error;
use serde::Serialize;

/// The one error type every command returns, received by the window as
/// `{ code, message, field?, retry_after_secs? }`. Messages are for people and never
/// carry a secret; codes are the core's, plus a few of the shell's own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommandError {
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<u64>,
}

impl CommandError {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            field: None,
            retry_after_secs: None,
        }
    }

    pub fn field(code: &str, field: &str, message: impl Into<String>) -> Self {
        Self {
            field: Some(field.to_owned()),
            ..Self::new(code, message)
        }
    }

    pub fn not_signed_in() -> Self {
        Self::new(
            "not_signed_in",
            "You are signed out. Sign in again to continue.",
        )
    }

    /// The code step of a sign-in came after the core's limit: start again.
    pub fn sign_in_expired() -> Self {
        Self::new(
            "sign_in_expired",
            "The sign-in timed out. Enter your password again.",
        )
    }

    /// A task that failed inside the app (a panic, a cancelled task). Its own text may
    /// hold anything, so the window gets only this; the kind goes to stderr.
    pub fn internal(what: &str, e: &tauri::Error) -> Self {
        let kind = match e {
            tauri::Error::JoinError(j) if j.is_panic() => "panicked",
            tauri::Error::JoinError(_) => "was cancelled",
            _ => "failed",
        };
        eprintln!("latchkey: {what} {kind}");
        Self::new(
            "internal_error",
            "Something went wrong inside Latchkey. Try again; if it keeps happening, restart the app.",
        )
    }
}

impl From<Error> for CommandError {
    fn from(e: Error) -> Self {
        let b = e.body();
        CommandError {
            code: b.code.to_owned(),
            message: b.message,
            field: b.field.map(str::to_owned),
            retry_after_secs: b.retry_after_secs,
        }
    }
}

impl std::fmt::Display for CommandError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for CommandError {}

pub type CommandResult<T> = Result<T, CommandError>;
