//! Copying secrets: in Rust, marked out of clipboard history, cleared after the delay
//! from Settings unless something else was copied meanwhile.

use super::keys::secret_for;
use super::{blocking, emit_clipboard, Copied};
use crate::error::{clipboard_unavailable, no_secret, CommandResult};
use crate::state::{Desk, SharedDesk};
use latchkey_core::{KeyId, KeyUse};
use tauri::{AppHandle, State};

/// Clears what this copy put on the clipboard after the delay from Settings, unless the
/// user copied something else (or we copied again) meanwhile.
fn clear_later(app: AppHandle, desk: SharedDesk, generation: u64, after: Option<u32>) {
    if let Some(secs) = after {
        tauri::async_runtime::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_secs(secs.into())).await;
            // Every outcome is reported, so the window never guesses that it was cleared;
            // a later copy (Nothing) has its own timer and countdown.
            emit_clipboard(
                &app,
                desk.clipboard.clear_if_ours(Some(generation)),
                "timer",
            );
        });
    }
}

/// Puts `text` on the clipboard; the copy's generation and the clearing delay.
fn copy(d: &Desk, text: &str) -> CommandResult<(u64, Option<u32>)> {
    let generation = d.clipboard.copy(text).map_err(clipboard_unavailable)?;
    Ok((generation, d.settings().clipboard_clear_secs))
}

#[tauri::command]
pub async fn copy_key(
    app: AppHandle,
    desk: State<'_, SharedDesk>,
    id: String,
) -> CommandResult<Copied> {
    let shared = desk.inner().clone();
    let (generation, after) = blocking(&desk, move |d| {
        let id = KeyId::parse(&id)?;
        d.with_session(|lk, s| {
            let secret = secret_for(d, lk, s, &id)?;
            let copied = copy(d, secret.expose())?;
            lk.record_key_use(s, &id, KeyUse::Copied)?;
            Ok(copied)
        })
    })
    .await?;
    clear_later(app, shared, generation, after);
    Ok(Copied {
        clear_after_secs: after,
    })
}

/// Copies an invitation code issued in this session while its dialog is open.
#[tauri::command]
pub async fn copy_invitation(
    app: AppHandle,
    desk: State<'_, SharedDesk>,
    id: String,
) -> CommandResult<Copied> {
    let shared = desk.inner().clone();
    let (generation, after) = blocking(&desk, move |d| {
        d.with_session(|_, _| Ok(()))?;
        let code = d
            .fresh_invitation(&id, |i| zeroize::Zeroizing::new(i.code.expose().to_owned()))
            .ok_or_else(|| {
                no_secret("This invitation's code is shown only once. Re-issue the invitation to get a new code.")
            })?;
        copy(d, &code)
    })
    .await?;
    clear_later(app, shared, generation, after);
    Ok(Copied {
        clear_after_secs: after,
    })
}

#[tauri::command]
pub async fn copy_recovery_codes(
    app: AppHandle,
    desk: State<'_, SharedDesk>,
) -> CommandResult<Copied> {
    let shared = desk.inner().clone();
    let (generation, after) = blocking(&desk, |d| {
        let text = d.recovery_codes_text().ok_or_else(|| {
            no_secret("The recovery codes are shown only once; generate new ones.")
        })?;
        copy(d, &text)
    })
    .await?;
    clear_later(app, shared, generation, after);
    Ok(Copied {
        clear_after_secs: after,
    })
}
