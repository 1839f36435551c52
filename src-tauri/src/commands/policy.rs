//! The administrator's policy: read by anyone (the window reads it each time a screen
//! depends on it), changed by an administrator with fresh proof.

use super::blocking;
use crate::error::CommandResult;
use crate::state::SharedDesk;
use latchkey_core::{Argon2Params, Policy, PolicyUpdate};
use tauri::State;

#[tauri::command]
pub async fn policy(desk: State<'_, SharedDesk>) -> CommandResult<Policy> {
    blocking(&desk, |d| Ok(d.lk()?.policy()?)).await
}

/// Saves the whole policy as the form shows it.
#[tauri::command]
pub async fn set_policy(desk: State<'_, SharedDesk>, policy: Policy) -> CommandResult<Policy> {
    blocking(&desk, move |d| {
        d.with_session(|lk, s| Ok(lk.set_policy(s, &PolicyUpdate::from(&policy))?))
    })
    .await
}

/// Milliseconds one sign-in's password work takes here with `params`, measured now.
#[tauri::command]
pub async fn argon2_cost(desk: State<'_, SharedDesk>, params: Argon2Params) -> CommandResult<u64> {
    blocking(&desk, move |d| {
        d.with_session(|lk, s| Ok(lk.argon2_cost(s, params)?))
    })
    .await
}
