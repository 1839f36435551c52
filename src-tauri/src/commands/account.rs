//! The signed-in person's own account: profile, avatar, password.

use super::blocking;
use crate::error::CommandResult;
use crate::state::SharedDesk;
use base64::Engine;
use latchkey_core::{Account, Latchkey, Password, ProfileUpdate, Session};
use serde::Serialize;
use tauri::State;

/// The signed-in account as the window shows it.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct Me {
    #[serde(flatten)]
    #[ts(flatten)]
    pub account: Account,
    /// "resource:action", the account's current permissions.
    pub permissions: Vec<String>,
    /// "data:image/png;base64,…" (256×256), or null to draw initials.
    pub avatar: Option<String>,
}

pub(crate) fn me_of(lk: &Latchkey, s: &Session) -> CommandResult<Me> {
    let account = lk.me(s)?;
    let permissions = lk
        .my_permissions(s)?
        .iter()
        .map(ToString::to_string)
        .collect();
    let avatar = lk.avatar(s, &account.username)?.map(|png| {
        format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(png)
        )
    });
    Ok(Me {
        account,
        permissions,
        avatar,
    })
}

#[tauri::command]
pub async fn me(desk: State<'_, SharedDesk>) -> CommandResult<Me> {
    blocking(&desk, |d| d.with_session(|lk, s| me_of(lk, s))).await
}

#[tauri::command]
pub async fn update_profile(
    desk: State<'_, SharedDesk>,
    first_name: String,
    last_name: String,
    email: String,
) -> CommandResult<Me> {
    blocking(&desk, move |d| {
        d.with_session(|lk, s| {
            let update = ProfileUpdate {
                first_name: Some(first_name),
                last_name: Some(last_name),
                email: Some(Some(email).filter(|e| !e.trim().is_empty())),
            };
            let name = s.username().to_owned();
            lk.update_profile(s, &name, &update)?;
            me_of(lk, s)
        })
    })
    .await
}

#[tauri::command]
pub async fn set_avatar(desk: State<'_, SharedDesk>, bytes: Vec<u8>) -> CommandResult<Me> {
    blocking(&desk, move |d| {
        d.with_session(|lk, s| {
            let name = s.username().to_owned();
            lk.set_avatar(s, &name, &bytes)?;
            me_of(lk, s)
        })
    })
    .await
}

#[tauri::command]
pub async fn clear_avatar(desk: State<'_, SharedDesk>) -> CommandResult<Me> {
    blocking(&desk, |d| {
        d.with_session(|lk, s| {
            let name = s.username().to_owned();
            lk.clear_avatar(s, &name)?;
            me_of(lk, s)
        })
    })
    .await
}

#[tauri::command]
pub async fn change_password(
    desk: State<'_, SharedDesk>,
    current: String,
    new: String,
    confirm: String,
) -> CommandResult<()> {
    // Each moves into a Password, which wipes it on drop.
    let (current, new, confirm) = (
        Password::new(current),
        Password::new(new),
        Password::new(confirm),
    );
    blocking(&desk, move |d| {
        d.with_session(|lk, s| Ok(lk.change_password(s, &current, &new, &confirm)?))
    })
    .await
}
