//! Team members, administered from the window: the accounts of the store, created,
//! disabled or enabled, given or relieved of the administrator role, their password or
//! MFA reset. The core decides who may (administrators) and what needs fresh proof.

use super::blocking;
use crate::error::CommandResult;
use crate::state::SharedDesk;
use latchkey_core::{Account, NewAccount, Password};
use tauri::State;

#[tauri::command]
pub async fn list_accounts(desk: State<'_, SharedDesk>) -> CommandResult<Vec<Account>> {
    blocking(&desk, |d| d.with_session(|lk, s| Ok(lk.list_accounts(s)?))).await
}

/// Creates an account directly. A new administrator's account key is not shown to the
/// one who created it: its owner finds it in their account key panel.
#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub async fn create_account(
    desk: State<'_, SharedDesk>,
    username: String,
    first_name: String,
    last_name: String,
    email: String,
    is_admin: bool,
    groups: Vec<String>,
    password: String,
    confirm: String,
) -> CommandResult<Account> {
    let (password, confirm) = (Password::new(password), Password::new(confirm));
    blocking(&desk, move |d| {
        latchkey_core::password::confirm(&password, &confirm)?;
        let new = NewAccount {
            username,
            first_name,
            last_name,
            email: Some(email).filter(|e| !e.trim().is_empty()),
            is_admin,
            groups,
        };
        d.with_session(|lk, s| Ok(lk.create_account(s, &new, &password)?.0))
    })
    .await
}

/// Disables (its keys stop verifying) or enables an account.
#[tauri::command]
pub async fn set_account_disabled(
    desk: State<'_, SharedDesk>,
    username: String,
    disabled: bool,
) -> CommandResult<Account> {
    blocking(&desk, move |d| {
        d.with_session(|lk, s| Ok(lk.set_disabled(s, &username, disabled)?))
    })
    .await
}

#[tauri::command]
pub async fn set_account_admin(
    desk: State<'_, SharedDesk>,
    username: String,
    admin: bool,
) -> CommandResult<Account> {
    blocking(&desk, move |d| {
        d.with_session(|lk, s| Ok(lk.set_admin(s, &username, admin)?))
    })
    .await
}

/// How many viewable keys a password reset would make unviewable.
#[tauri::command]
pub async fn reset_password_impact(
    desk: State<'_, SharedDesk>,
    username: String,
) -> CommandResult<u32> {
    blocking(&desk, move |d| {
        d.with_session(|lk, s| Ok(lk.reset_password_impact(s, &username)?))
    })
    .await
}

/// Sets another account's password; answers how many viewable keys became unviewable.
#[tauri::command]
pub async fn reset_password(
    desk: State<'_, SharedDesk>,
    username: String,
    password: String,
    confirm: String,
) -> CommandResult<u32> {
    let (password, confirm) = (Password::new(password), Password::new(confirm));
    blocking(&desk, move |d| {
        latchkey_core::password::confirm(&password, &confirm)?;
        d.with_session(|lk, s| Ok(lk.reset_password(s, &username, &password)?))
    })
    .await
}

/// Turns another account's two-step verification off (lost phone and codes).
#[tauri::command]
pub async fn reset_mfa(desk: State<'_, SharedDesk>, username: String) -> CommandResult<()> {
    blocking(&desk, move |d| {
        d.with_session(|lk, s| Ok(lk.reset_mfa(s, &username)?))
    })
    .await
}
