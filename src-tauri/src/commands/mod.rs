//! Tauri commands, one file per area: each parses its input, calls one core function
//! and maps the error. All are `async` and run the core on the blocking pool, so argon2
//! and the store never freeze the window.

pub mod account;
pub mod audit;
pub mod backup;
pub mod clipboard;
pub mod events;
pub mod groups;
pub mod invitations;
pub mod keys;
pub mod mfa;
pub mod org;
pub mod policy;
pub mod session;
pub mod settings;
pub mod team;

use crate::clipboard::ClearOutcome;
use crate::error::CommandResult;
use crate::events::{publish, DesktopEvent};
use crate::state::{Desk, SharedDesk};
use serde::Serialize;
use tauri::{AppHandle, State};

/// Runs a command's work on the blocking pool. Every command is activity for the idle
/// lock.
async fn blocking<T: Send + 'static>(
    desk: &State<'_, SharedDesk>,
    f: impl FnOnce(&Desk) -> CommandResult<T> + Send + 'static,
) -> CommandResult<T> {
    run_blocking(desk.inner().clone(), f).await
}

async fn run_blocking<T: Send + 'static>(
    desk: SharedDesk,
    f: impl FnOnce(&Desk) -> CommandResult<T> + Send + 'static,
) -> CommandResult<T> {
    desk.activity.touch();
    tauri::async_runtime::spawn_blocking(move || f(&desk))
        .await
        .map_err(|e| crate::error::task_failed("a command", &e))?
}

/// Tells the window what became of our clipboard content (`cleared_as` when it was
/// cleared: "timer", "lock").
pub fn emit_clipboard(app: &AppHandle, outcome: ClearOutcome, cleared_as: &'static str) {
    let Some(reason) = outcome.event_reason(cleared_as) else {
        return;
    };
    publish(
        app,
        DesktopEvent::ClipboardCleared(ClipboardCleared { reason }),
    );
}

/// Event `clipboard-cleared` (see `events`): what became of a copied secret.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ClipboardCleared {
    /// `timer` or `lock` (cleared), `exit`, `replaced` (another app copied something; left
    /// alone) or `failed` (it may still be there).
    #[ts(type = "'timer' | 'lock' | 'exit' | 'replaced' | 'failed'")]
    pub reason: &'static str,
}

/// Where a download was saved (`null` when the save dialog was cancelled).
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct Saved {
    pub path: String,
}

/// A copied secret, and when it leaves the clipboard (`null`: never).
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct Copied {
    pub clear_after_secs: Option<u32>,
}

#[cfg(test)]
mod tests;

/// Event `session-locked` (see `events`): Rust ended the session: after the idle time
/// from Settings (`idle`, with that time), when the screen locked (`screen`), before the
/// machine slept (`sleep`), or when asked to (`manual`: Lock now, Ctrl+L or the tray).
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct SessionLocked {
    #[ts(type = "'idle' | 'screen' | 'sleep' | 'manual'")]
    pub reason: &'static str,
    pub idle_lock_mins: Option<u32>,
}

/// Ends the session now for `reason` and says so: Lock now, the tray, the screen locking,
/// the machine going to sleep. Nothing when nobody was signed in or signing in.
pub fn lock(app: &AppHandle, desk: &Desk, reason: &'static str) {
    if let Some(ended) = desk.lock_now() {
        announce_lock(app, desk, ended, reason);
    }
}

/// [`lock`] from a thread that must not wait for it (signing out writes the audit log).
pub fn lock_in_background(app: &AppHandle, desk: &SharedDesk, reason: &'static str) {
    let (app, desk) = (app.clone(), desk.clone());
    tauri::async_runtime::spawn_blocking(move || lock(&app, &desk, reason));
}

/// Tells the window that a session ended (and what became of our clipboard content): the
/// one announcement every lock makes, whatever caused it.
pub fn announce_lock(
    app: &AppHandle,
    desk: &Desk,
    ended: crate::state::IdleLock,
    reason: &'static str,
) {
    emit_clipboard(app, ended.clipboard, "lock");
    if ended.signed_in {
        let idle_lock_mins = (reason == "idle").then(|| desk.settings().idle_lock_mins);
        publish(
            app,
            DesktopEvent::SessionLocked(SessionLocked {
                reason,
                idle_lock_mins,
            }),
        );
    }
}
