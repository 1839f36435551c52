//! The one error type every command returns: the core's `{ code, message, field?,
//! retry_after_secs? }`, with its one closed set of codes. Messages are for people and
//! never carry a secret, a path inside the store, or the database's wording; the shell's
//! own failures are built here.

use latchkey_core::Code;

pub use latchkey_core::ErrorBody as CommandError;

pub type CommandResult<T> = Result<T, CommandError>;

/// The window has no session (signed out, locked, or never signed in).
pub fn not_signed_in() -> CommandError {
    CommandError::new(
        Code::NotSignedIn,
        "You are signed out. Sign in again to continue.",
    )
}

/// A secret the window asked for is no longer held (it is shown once).
pub fn no_secret(message: &str) -> CommandError {
    CommandError::new(Code::NoSecret, message)
}

pub fn clipboard_unavailable(e: impl std::fmt::Display) -> CommandError {
    CommandError::new(Code::ClipboardUnavailable, format!("Could not copy: {e}"))
}

/// A task that failed inside the app (a panic, a cancelled task). Its own text may hold
/// anything, so the window gets only this; the kind goes to the log.
pub fn task_failed(what: &str, e: &tauri::Error) -> CommandError {
    let kind = match e {
        tauri::Error::JoinError(j) if j.is_panic() => "panicked",
        tauri::Error::JoinError(_) => "was cancelled",
        _ => "failed",
    };
    eprintln!("latchkey: {what} {kind}");
    CommandError::new(
        Code::InternalError,
        "Something went wrong inside Latchkey. Try again; if it keeps happening, restart the app.",
    )
}

/// The OS found no program to open a link with. Its own words may name paths; they go
/// to the log.
pub fn opener_unavailable(e: impl std::fmt::Display) -> CommandError {
    eprintln!("latchkey: opening a link: {e}");
    CommandError::new(
        Code::OpenerUnavailable,
        "Could not open your mail client: this desktop has no program for mailto: links. Copy the code instead.",
    )
}
