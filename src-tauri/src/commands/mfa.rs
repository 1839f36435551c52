//! Two-step verification: status, enrolment, recovery codes (shown once, kept in Rust for
//! Copy and Download until their panel closes), turning it off.

use super::{blocking, Saved};
use crate::error::{no_secret, CommandResult};
use crate::save::SaveAs;
use crate::secret::SecretText;
use crate::state::{Desk, SharedDesk};
use base64::Engine;
use latchkey_core::{KeyFile, MfaStatus, RecoveryCodes};
use serde::Serialize;
use tauri::{AppHandle, State};
use zeroize::Zeroizing;

/// What the enrolment screen shows: the QR code (PNG data URL), the secret as text, and
/// the `otpauth://` URI it encodes.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct EnrollmentView {
    pub qr: String,
    pub secret: SecretText,
    pub uri: SecretText,
}

#[tauri::command]
pub async fn mfa_status(desk: State<'_, SharedDesk>) -> CommandResult<MfaStatus> {
    blocking(&desk, |d| d.with_session(|lk, s| Ok(lk.mfa_status(s)?))).await
}

#[tauri::command]
pub async fn mfa_enroll(desk: State<'_, SharedDesk>) -> CommandResult<EnrollmentView> {
    blocking(&desk, |d| {
        d.with_session(|lk, s| {
            let e = lk.mfa_enroll(s)?;
            Ok(EnrollmentView {
                qr: format!(
                    "data:image/png;base64,{}",
                    base64::engine::general_purpose::STANDARD.encode(&e.qr_png)
                ),
                secret: SecretText::new(e.secret_base32.as_str()),
                uri: SecretText::new(e.uri.as_str()),
            })
        })
    })
    .await
}

/// Keeps new recovery codes for Copy and Download, and returns them for the window to
/// show once.
fn keep_recovery_codes(d: &Desk, codes: RecoveryCodes) -> Vec<SecretText> {
    let shown = codes
        .0
        .iter()
        .map(|c| SecretText::new(c.as_str()))
        .collect();
    d.set_recovery_codes(Some(codes));
    shown
}

/// Turns MFA on with a first code; the recovery codes are returned to be shown once.
#[tauri::command]
pub async fn mfa_confirm(
    desk: State<'_, SharedDesk>,
    code: String,
) -> CommandResult<Vec<SecretText>> {
    let code = Zeroizing::new(code);
    blocking(&desk, move |d| {
        let codes = d.with_session(|lk, s| Ok(lk.mfa_confirm(s, &code)?))?;
        Ok(keep_recovery_codes(d, codes))
    })
    .await
}

#[tauri::command]
pub async fn mfa_disable(desk: State<'_, SharedDesk>) -> CommandResult<()> {
    blocking(&desk, |d| d.with_session(|lk, s| Ok(lk.mfa_disable(s)?))).await
}

#[tauri::command]
pub async fn mfa_new_recovery_codes(desk: State<'_, SharedDesk>) -> CommandResult<Vec<SecretText>> {
    blocking(&desk, |d| {
        let codes = d.with_session(|lk, s| Ok(lk.mfa_new_recovery_codes(s)?))?;
        Ok(keep_recovery_codes(d, codes))
    })
    .await
}

#[tauri::command]
pub async fn download_recovery_codes(
    app: AppHandle,
    desk: State<'_, SharedDesk>,
) -> CommandResult<Option<Saved>> {
    blocking(&desk, move |d| {
        let text = d.recovery_codes_text().ok_or_else(|| {
            no_secret("The recovery codes are shown only once; generate new ones.")
        })?;
        let user = d.with_session(|_, s| Ok(s.username().to_owned()))?;
        let stem = KeyFile::default_file_name(&user);
        let stem = stem.trim_start_matches("latchkey-").trim_end_matches(".json");
        let Some(path) = d
            .picker
            .pick(&app, &SaveAs::recovery_codes(format!("latchkey-recovery-codes-{stem}.txt")))
        else {
            return Ok(None);
        };
        let body = Zeroizing::new(format!(
            "Latchkey recovery codes for {user}\nEach code works once, in place of an authenticator code.\n\n{}\n",
            text.as_str()
        ));
        latchkey_core::keyfile::write_private(&path, body.as_bytes())?;
        Ok(Some(Saved {
            path: path.display().to_string(),
        }))
    })
    .await
}

#[tauri::command]
pub async fn forget_recovery_codes(desk: State<'_, SharedDesk>) -> CommandResult<()> {
    blocking(&desk, |d| {
        d.set_recovery_codes(None);
        Ok(())
    })
    .await
}
