//! API keys: the list, create, edit, regenerate, revoke, view, the account key, and the
//! key file download. Secrets stay in Rust: the window names keys by id.

use super::{blocking, Saved};
use crate::error::{no_secret, CommandResult};
use crate::save::SaveAs;
use crate::secret::SecretText;
use crate::state::{Desk, SharedDesk};
use latchkey_core::{
    ApiKeySecret, Environment, Expiry, Grace, IssuedKey, KeyEdit, KeyFile, KeyId, KeyInfo,
    KeyQuota, Latchkey, NewKey, PermissionInfo, Session,
};
use serde::Serialize;
use tauri::{AppHandle, State};

/// A key as the window shows it once: the description and the secret.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct Issued {
    pub key: KeyInfo,
    pub secret: SecretText,
    /// After a regeneration with a grace period: when the old key stops (RFC 3339).
    #[serde(with = "time::serde::rfc3339::option")]
    #[ts(type = "string | null")]
    pub old_stops_at: Option<time::OffsetDateTime>,
}

/// Keeps the secret for Copy and Download while the shown-once dialog is open.
pub(super) fn issue(d: &Desk, i: IssuedKey) -> Issued {
    let out = Issued {
        key: i.key.clone(),
        secret: SecretText::from(&i.secret),
        old_stops_at: i.old_stops_at,
    };
    d.remember(&i.key.id.0, i.secret);
    out
}

#[tauri::command]
pub async fn list_permissions(desk: State<'_, SharedDesk>) -> CommandResult<Vec<PermissionInfo>> {
    blocking(&desk, |d| {
        d.with_session(|lk, s| Ok(lk.list_permissions(s)?))
    })
    .await
}

/// Whether another key may be made now, and if not, why (the Create key button says it).
#[tauri::command]
pub async fn key_quota(desk: State<'_, SharedDesk>) -> CommandResult<KeyQuota> {
    blocking(&desk, |d| d.with_session(|lk, s| Ok(lk.key_quota(s)?))).await
}

#[tauri::command]
pub async fn list_keys(desk: State<'_, SharedDesk>) -> CommandResult<Vec<KeyInfo>> {
    blocking(&desk, |d| d.with_session(|lk, s| Ok(lk.list_keys(s)?))).await
}

#[tauri::command]
pub async fn create_key(
    desk: State<'_, SharedDesk>,
    name: String,
    permissions: Vec<String>,
    environment: Environment,
    expiry: Expiry,
    revealable: Option<bool>,
) -> CommandResult<Issued> {
    blocking(&desk, move |d| {
        let new = NewKey {
            name,
            permissions,
            environment,
            expiry,
            revealable: revealable.unwrap_or(false),
        };
        let issued = d.with_session(|lk, s| Ok(lk.create_key(s, &new)?))?;
        Ok(issue(d, issued))
    })
    .await
}

#[tauri::command]
pub async fn edit_key(
    desk: State<'_, SharedDesk>,
    id: String,
    name: Option<String>,
    permissions: Option<Vec<String>>,
) -> CommandResult<KeyInfo> {
    blocking(&desk, move |d| {
        let id = KeyId::parse(&id)?;
        d.with_session(|lk, s| Ok(lk.edit_key(s, &id, &KeyEdit { name, permissions })?))
    })
    .await
}

#[tauri::command]
pub async fn regenerate_key(
    desk: State<'_, SharedDesk>,
    id: String,
    grace: Grace,
) -> CommandResult<Issued> {
    blocking(&desk, move |d| {
        let id = KeyId::parse(&id)?;
        let issued = d.with_session(|lk, s| Ok(lk.regenerate_key(s, &id, grace)?))?;
        Ok(issue(d, issued))
    })
    .await
}

#[tauri::command]
pub async fn revoke_key(desk: State<'_, SharedDesk>, id: String) -> CommandResult<KeyInfo> {
    blocking(&desk, move |d| {
        let id = KeyId::parse(&id)?;
        let info = d.with_session(|lk, s| Ok(lk.revoke_key(s, &id)?))?;
        d.forget(&id.0);
        Ok(info)
    })
    .await
}

/// The secret of a key created with "allow viewing later", after step-up.
#[tauri::command]
pub async fn reveal_key(desk: State<'_, SharedDesk>, id: String) -> CommandResult<SecretText> {
    blocking(&desk, move |d| {
        let id = KeyId::parse(&id)?;
        d.with_session(|lk, s| Ok(SecretText::from(&lk.reveal_key(s, &id)?)))
    })
    .await
}

#[tauri::command]
pub async fn account_key(desk: State<'_, SharedDesk>) -> CommandResult<KeyInfo> {
    blocking(&desk, |d| d.with_session(|lk, s| Ok(lk.account_key(s)?))).await
}

#[tauri::command]
pub async fn reveal_account_key(desk: State<'_, SharedDesk>) -> CommandResult<SecretText> {
    blocking(&desk, |d| {
        d.with_session(|lk, s| Ok(SecretText::from(&lk.reveal_account_key(s)?)))
    })
    .await
}

#[tauri::command]
pub async fn reset_account_key(desk: State<'_, SharedDesk>) -> CommandResult<Issued> {
    blocking(&desk, |d| {
        let issued = d.with_session(|lk, s| Ok(lk.reset_account_key(s)?))?;
        Ok(issue(d, issued))
    })
    .await
}

/// The secret for `id`: one just issued in this session, or a viewable key decrypted
/// after step-up. Never anything the window sent.
pub(super) fn secret_for(
    d: &Desk,
    lk: &Latchkey,
    s: &Session,
    id: &KeyId,
) -> CommandResult<ApiKeySecret> {
    if let Some(secret) = d.fresh_secret(&id.0, ApiKeySecret::duplicate) {
        return Ok(secret);
    }
    let info = lk.key(s, id)?;
    if info.revealable && info.viewable {
        return Ok(lk.reveal_key(s, id)?);
    }
    Err(no_secret(
        "This key's secret is no longer available: it is shown only once. Regenerate the key to get a new one.",
    ))
}

/// Writes the key file through the save dialog (`null` when cancelled).
#[tauri::command]
pub async fn download_key(
    app: AppHandle,
    desk: State<'_, SharedDesk>,
    id: String,
) -> CommandResult<Option<Saved>> {
    blocking(&desk, move |d| {
        let id = KeyId::parse(&id)?;
        d.with_session(|lk, s| {
            let secret = secret_for(d, lk, s, &id)?;
            let info = lk.key(s, &id)?;
            let info = if info.account_key {
                lk.account_key(s)?
            } else {
                info
            };
            let Some(path) = d.picker.pick(
                &app,
                &SaveAs::key_file(KeyFile::default_file_name(&info.name)),
            ) else {
                return Ok(None);
            };
            lk.save_key_file(s, &info, &secret, &path)?;
            Ok(Some(Saved {
                path: path.display().to_string(),
            }))
        })
    })
    .await
}

/// The shown-once dialog closed: the window no longer needs the secret.
#[tauri::command]
pub async fn forget_secret(desk: State<'_, SharedDesk>, id: String) -> CommandResult<()> {
    blocking(&desk, move |d| {
        d.forget(&id);
        Ok(())
    })
    .await
}
