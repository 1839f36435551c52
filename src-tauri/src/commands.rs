//! Tauri commands: each parses its input, calls one core function and maps the error.
//! All are `async` and run the core on the blocking pool, so argon2 and SQLite never
//! freeze the window.

use crate::clipboard::ClearOutcome;
use crate::error::{CommandError, CommandResult};
use crate::secret::SecretText;
use crate::settings::Settings;
use crate::state::SharedDesk;
use base64::Engine;
use latchkey_core::keys::KeyUse;
use latchkey_core::{
    Account, ApiKeySecret, Expiry, Grace, IssuedKey, KeyEdit, KeyFile, KeyId, KeyInfo, Latchkey,
    NewAccount, NewKey, PermissionInfo, Policy, ProfileUpdate, Session,
};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Emitter, State};
use zeroize::Zeroizing;

/// Runs a command's work on the blocking pool. Every command is activity for the idle
/// lock.
async fn blocking<T: Send + 'static>(
    desk: &State<'_, SharedDesk>,
    f: impl FnOnce(&crate::state::Desk) -> CommandResult<T> + Send + 'static,
) -> CommandResult<T> {
    run_blocking(desk.inner().clone(), f).await
}

async fn run_blocking<T: Send + 'static>(
    desk: SharedDesk,
    f: impl FnOnce(&crate::state::Desk) -> CommandResult<T> + Send + 'static,
) -> CommandResult<T> {
    desk.activity.touch();
    tauri::async_runtime::spawn_blocking(move || f(&desk))
        .await
        .map_err(|e| CommandError::internal("a command", &e))?
}

/// Tells the window what became of our clipboard content (`cleared_as` when it was
/// cleared: "timer", "lock").
pub fn emit_clipboard(app: &AppHandle, outcome: ClearOutcome, cleared_as: &'static str) {
    let Some(reason) = outcome.event_reason(cleared_as) else {
        return;
    };
    let _ = app.emit("clipboard-cleared", serde_json::json!({ "reason": reason }));
}

/// The two strings are equal, in time that does not depend on where they differ.
fn same(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[derive(Debug, Serialize)]
pub struct Me {
    #[serde(flatten)]
    pub account: Account,
    pub permissions: Vec<String>,
    pub avatar: Option<String>,
}

fn me_of(lk: &Latchkey, s: &Session) -> CommandResult<Me> {
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

#[derive(Debug, Serialize)]
pub struct SignInResult {
    pub me: Me,
    pub expiring_soon: Vec<KeyInfo>,
    pub secrets_lost: bool,
    /// An administrator turned two-step verification off since the last sign-in.
    pub mfa_reset: bool,
    /// With MFA on: unused recovery codes left (the window warns at 3 or fewer).
    pub recovery_codes_left: Option<u32>,
}

#[derive(Debug, Serialize)]
pub struct AppState {
    pub initialized: bool,
    pub me: Option<Me>,
    pub store_path: String,
    pub settings: Settings,
    pub policy: Policy,
}

/// A key as the window shows it once: the description and the secret.
#[derive(Debug, Serialize)]
pub struct Issued {
    pub key: KeyInfo,
    pub secret: SecretText,
}

fn issue(desk: &crate::state::Desk, i: IssuedKey) -> Issued {
    let out = Issued {
        key: i.key.clone(),
        secret: SecretText::from(&i.secret),
    };
    desk.remember(&i.key.id.0, i.secret);
    out
}

#[tauri::command]
pub async fn app_state(desk: State<'_, SharedDesk>) -> CommandResult<AppState> {
    blocking(&desk, |d| {
        let lk = d.lk()?;
        let me = match crate::state::lock(&d.session).as_ref() {
            Some(s) => me_of(lk, s).ok(),
            None => None,
        };
        Ok(AppState {
            initialized: lk.is_initialized()?,
            me,
            store_path: lk.path().display().to_string(),
            settings: d.settings(),
            policy: lk.policy()?,
        })
    })
    .await
}

#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub async fn setup(
    desk: State<'_, SharedDesk>,
    username: String,
    email: String,
    first_name: String,
    last_name: String,
    password: String,
    confirm: String,
) -> CommandResult<SignInResult> {
    let (password, confirm) = (Zeroizing::new(password), Zeroizing::new(confirm));
    blocking(&desk, move |d| {
        let lk = d.lk()?;
        if !same(&password, &confirm) {
            return Err(CommandError::field(
                "invalid_input",
                "confirm password",
                "confirm password: does not match the password",
            ));
        }
        let password = latchkey_core::Password::new(password.as_str());
        let email = Some(email).filter(|e| !e.trim().is_empty());
        let new = NewAccount {
            username: username.clone(),
            first_name,
            last_name,
            email,
            is_admin: true,
            groups: vec![],
        };
        // The account key is viewable later from the account key panel; it is not
        // pushed to the window here.
        lk.init(&new, &password)?;
        sign_in_inner(d, &username, password)
    })
    .await
}

fn sign_in_inner(
    d: &crate::state::Desk,
    login: &str,
    password: latchkey_core::Password,
) -> CommandResult<SignInResult> {
    let lk = d.lk()?;
    d.wipe();
    match lk.begin_sign_in(login, &password)? {
        latchkey_core::SignInStep::Done(signed) => finish(d, *signed),
        latchkey_core::SignInStep::NeedsCode(pending) => {
            // The password was right: keep the unwrapped state in Rust and ask for the code.
            d.set_pending(Some(pending));
            Err(latchkey_core::Error::MfaRequired.into())
        }
    }
}

fn finish(d: &crate::state::Desk, signed: latchkey_core::SignIn) -> CommandResult<SignInResult> {
    let lk = d.lk()?;
    let me = me_of(lk, &signed.session)?;
    d.set_session(Some(signed.session));
    Ok(SignInResult {
        me,
        expiring_soon: signed.expiring_soon,
        secrets_lost: signed.secrets_lost,
        mfa_reset: signed.mfa_reset,
        recovery_codes_left: signed.recovery_codes_left,
    })
}

/// The second step of a sign-in with MFA: the authenticator code or a recovery code.
#[tauri::command]
pub async fn sign_in_code(
    desk: State<'_, SharedDesk>,
    code: String,
) -> CommandResult<SignInResult> {
    let code = Zeroizing::new(code);
    blocking(&desk, move |d| code_step(d, &code)).await
}

fn code_step(d: &crate::state::Desk, code: &str) -> CommandResult<SignInResult> {
    let pending = d.take_pending().ok_or_else(|| {
        CommandError::new("not_signed_in", "Enter your username and password first.")
    })?;
    let lk = d.lk()?;
    match lk.finish_sign_in(&pending, code) {
        Ok(signed) => finish(d, signed),
        // A late code starts over, with its own error code for the window (the pending
        // sign-in and its data key are dropped here).
        Err(_) if lk.pending_sign_in_expired(&pending) => Err(CommandError::sign_in_expired()),
        Err(e) => {
            // A wrong code may be tried again (the core throttles).
            if e.code() == "throttled" || e.field() == Some("code") {
                d.set_pending(Some(pending));
            }
            Err(e.into())
        }
    }
}

#[tauri::command]
pub async fn sign_in(
    desk: State<'_, SharedDesk>,
    login: String,
    password: String,
) -> CommandResult<SignInResult> {
    blocking(&desk, move |d| {
        sign_in_inner(d, &login, latchkey_core::Password::new(password))
    })
    .await
}

fn end_session(app: &AppHandle, d: &crate::state::Desk) -> CommandResult<()> {
    let outcome = d.end_session()?;
    emit_clipboard(app, outcome, "lock");
    Ok(())
}

#[tauri::command]
pub async fn sign_out(app: AppHandle, desk: State<'_, SharedDesk>) -> CommandResult<()> {
    blocking(&desk, move |d| end_session(&app, d)).await
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
    use latchkey_core::Password as P;
    // Each moves into a Password, which wipes it on drop.
    blocking(&desk, move |d| {
        d.with_session(|lk, s| {
            Ok(lk.change_password(s, &P::new(current), &P::new(new), &P::new(confirm))?)
        })
    })
    .await
}

#[tauri::command]
pub async fn policy(desk: State<'_, SharedDesk>) -> CommandResult<Policy> {
    blocking(&desk, |d| Ok(d.lk()?.policy()?)).await
}

#[tauri::command]
pub async fn list_permissions(desk: State<'_, SharedDesk>) -> CommandResult<Vec<PermissionInfo>> {
    blocking(&desk, |d| {
        d.with_session(|lk, s| Ok(lk.list_permissions(s)?))
    })
    .await
}

#[tauri::command]
pub async fn list_keys(desk: State<'_, SharedDesk>) -> CommandResult<Vec<KeyInfo>> {
    blocking(&desk, |d| d.with_session(|lk, s| Ok(lk.list_keys(s)?))).await
}

/// The expiry as the window sends it (docs/desktop-ipc.md): `{ type: "on", value:
/// "YYYY-MM-DD" }` for a custom date. The core's `Expiry` deserializes its `Date` only in
/// the `time` crate's compact form (a `[year, ordinal]` tuple), so a date string from the
/// window failed to deserialize and a custom expiry date could never be saved; the date
/// is parsed here with the core's own rule instead.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type", content = "value")]
pub enum WindowExpiry {
    Days(u16),
    On(String),
    Never,
}

impl WindowExpiry {
    fn into_core(self) -> CommandResult<Expiry> {
        match self {
            WindowExpiry::Days(d) => Ok(Expiry::Days(d)),
            WindowExpiry::Never => Ok(Expiry::Never),
            WindowExpiry::On(date) => match date.parse::<Expiry>() {
                Ok(on @ Expiry::On(_)) => Ok(on),
                _ => Err(CommandError::field(
                    "invalid_input",
                    "expiry",
                    "expiry: must be a date YYYY-MM-DD",
                )),
            },
        }
    }
}

#[tauri::command]
pub async fn create_key(
    desk: State<'_, SharedDesk>,
    name: String,
    permissions: Vec<String>,
    environment: String,
    expiry: WindowExpiry,
    revealable: Option<bool>,
) -> CommandResult<Issued> {
    blocking(&desk, move |d| {
        let environment = environment.parse()?;
        let new = NewKey {
            name,
            permissions,
            environment,
            expiry: expiry.into_core()?,
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

#[tauri::command]
pub async fn confirm_password(desk: State<'_, SharedDesk>, password: String) -> CommandResult<()> {
    let password = Zeroizing::new(password);
    blocking(&desk, move |d| {
        // The password, or with MFA on a TOTP or recovery code: the core decides.
        d.with_session(|lk, s| Ok(lk.confirm_identity(s, &password)?))
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
fn secret_for(
    d: &crate::state::Desk,
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
    Err(CommandError::new(
        "no_secret",
        "This key's secret is no longer available: it is shown only once. Regenerate the key to get a new one.",
    ))
}

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

#[derive(Serialize)]
pub struct Copied {
    pub clear_after_secs: Option<u32>,
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
            let generation = d.clipboard.copy(secret.expose()).map_err(|e| {
                CommandError::new("clipboard_unavailable", format!("Could not copy: {e}"))
            })?;
            lk.record_key_use(s, &id, KeyUse::Copied)?;
            Ok((generation, d.settings().clipboard_clear_secs))
        })
    })
    .await?;
    clear_later(app, shared, generation, after);
    Ok(Copied {
        clear_after_secs: after,
    })
}

#[derive(Serialize)]
pub struct Saved {
    pub path: String,
}

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
            let info = if lk.key(s, &id)?.account_key {
                lk.account_key(s)?
            } else {
                lk.key(s, &id)?
            };
            let Some(path) = d.picker.pick(&app, &KeyFile::default_file_name(&info.name)) else {
                return Ok(None);
            };
            // Where this store's API was last served, by the app or `latchkey serve`.
            KeyFile::new(&info, &secret, &lk.key_file_api_url()).write(&path)?;
            lk.record_key_use(s, &id, KeyUse::Downloaded)?;
            Ok(Some(Saved {
                path: path.display().to_string(),
            }))
        })
    })
    .await
}

#[tauri::command]
pub async fn forget_secret(desk: State<'_, SharedDesk>, id: String) -> CommandResult<()> {
    blocking(&desk, move |d| {
        d.forget(&id);
        Ok(())
    })
    .await
}

/// The window's settings, for the signed-in person. (Before sign-in the window has
/// them from `app_state`: nothing in them is secret.)
#[tauri::command]
pub async fn settings(desk: State<'_, SharedDesk>) -> CommandResult<Settings> {
    blocking(&desk, |d| d.with_session(|_, _| Ok(d.settings()))).await
}

/// Saves the settings. Needs a session: they decide how long keys stay on the
/// clipboard, when the window locks and whether the JSON API listens.
#[tauri::command]
pub async fn set_settings(
    desk: State<'_, SharedDesk>,
    settings: Settings,
) -> CommandResult<Settings> {
    save_settings(desk.inner().clone(), settings).await
}

async fn save_settings(desk: SharedDesk, settings: Settings) -> CommandResult<Settings> {
    run_blocking(desk.clone(), |d| d.with_session(|_, _| Ok(()))).await?;
    let settings = settings.validate()?;
    // Start (or move) the API first, so a port that cannot be used is refused before
    // anything is saved.
    if settings.api_enabled {
        let store = desk.lk()?.path().to_path_buf();
        desk.api.start(store, settings.api_port).await?;
    } else {
        desk.api.stop();
    }
    run_blocking(desk, move |d| {
        d.with_session(|_, _| d.set_settings(settings))
    })
    .await
}

/// Input in the window (throttled there): postpones the idle lock. Cheap; answers
/// nothing, needs no session.
#[tauri::command]
pub async fn touch_activity(desk: State<'_, SharedDesk>) -> CommandResult<()> {
    desk.activity.touch();
    Ok(())
}

/// Whether the app serves the JSON API now, and where.
#[tauri::command]
pub async fn api_status(
    desk: State<'_, SharedDesk>,
) -> CommandResult<crate::api_server::ApiStatus> {
    desk.activity.touch();
    Ok(desk.api.status())
}
#[tauri::command]
pub async fn mfa_status(desk: State<'_, SharedDesk>) -> CommandResult<latchkey_core::MfaStatus> {
    blocking(&desk, |d| d.with_session(|lk, s| Ok(lk.mfa_status(s)?))).await
}

/// What the enrolment screen shows: the QR code (PNG data URL), the secret as text, and
/// the `otpauth://` URI it encodes.
#[derive(Debug, Serialize)]
pub struct EnrollmentView {
    pub qr: String,
    pub secret: SecretText,
    pub uri: SecretText,
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

/// Turns MFA on with a first code; the recovery codes are returned to be shown once and
/// kept in Rust for Copy and Download until `forget_recovery_codes`.
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

/// Keeps new recovery codes for Copy and Download, and returns them for the window to
/// show once.
fn keep_recovery_codes(
    d: &crate::state::Desk,
    codes: latchkey_core::RecoveryCodes,
) -> Vec<SecretText> {
    let shown = codes
        .0
        .iter()
        .map(|c| SecretText::new(c.as_str()))
        .collect();
    d.set_recovery_codes(Some(codes));
    shown
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
pub async fn copy_recovery_codes(
    app: AppHandle,
    desk: State<'_, SharedDesk>,
) -> CommandResult<Copied> {
    let shared = desk.inner().clone();
    let (generation, after) = blocking(&desk, |d| {
        let text = d.recovery_codes_text().ok_or_else(|| {
            CommandError::new(
                "no_secret",
                "The recovery codes are shown only once; generate new ones.",
            )
        })?;
        let generation = d.clipboard.copy(&text).map_err(|e| {
            CommandError::new("clipboard_unavailable", format!("Could not copy: {e}"))
        })?;
        Ok((generation, d.settings().clipboard_clear_secs))
    })
    .await?;
    clear_later(app, shared, generation, after);
    Ok(Copied {
        clear_after_secs: after,
    })
}

#[tauri::command]
pub async fn download_recovery_codes(
    app: AppHandle,
    desk: State<'_, SharedDesk>,
) -> CommandResult<Option<Saved>> {
    blocking(&desk, move |d| {
        let text = d
            .recovery_codes_text()
            .ok_or_else(|| CommandError::new("no_secret", "The recovery codes are shown only once; generate new ones."))?;
        let user = d.with_session(|_, s| Ok(s.username().to_owned()))?;
        let name = format!("latchkey-recovery-codes-{}.txt", KeyFile::default_file_name(&user).trim_start_matches("latchkey-").trim_end_matches(".json"));
        let Some(path) = d.picker.pick(&app, &name) else {
            return Ok(None);
        };
        let body = zeroize::Zeroizing::new(format!(
            "Latchkey recovery codes for {user}\nEach code works once, in place of an authenticator code.\n\n{}\n",
            text.as_str()
        ));
        latchkey_core::keyfile::write_private(&path, body.as_bytes())?;
        Ok(Some(Saved { path: path.display().to_string() }))
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

/// The secret of a key created with "allow viewing later", after step-up.
#[tauri::command]
pub async fn reveal_key(desk: State<'_, SharedDesk>, id: String) -> CommandResult<SecretText> {
    blocking(&desk, move |d| {
        let id = KeyId::parse(&id)?;
        d.with_session(|lk, s| Ok(SecretText::from(&lk.reveal_key(s, &id)?)))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit;
    use latchkey_core::clock::Clock;

    #[test]
    fn a_late_code_ends_the_sign_in_with_its_own_code_and_a_wrong_one_may_be_retried() {
        let kit = testkit::signed_in();
        let d = &kit.desk;
        let lk = d.lk().unwrap();
        let secret = d
            .with_session(|lk, s| {
                let e = lk.mfa_enroll(s)?;
                let now = kit.clock.now().unix_timestamp() as u64;
                lk.mfa_confirm(s, &latchkey_core::mfa::code_at(&e.secret_base32, now)?)?;
                Ok(e.secret_base32.clone())
            })
            .unwrap();
        lk.sign_out(d.take_session().unwrap()).unwrap();
        kit.clock.advance(time::Duration::seconds(90));

        let pw = || latchkey_core::Password::new(testkit::PASSWORD);
        assert_eq!(
            sign_in_inner(d, testkit::USER, pw()).unwrap_err().code,
            "mfa_required"
        );
        let now = kit.clock.now().unix_timestamp() as u64;
        let right = latchkey_core::mfa::code_at(&secret, now).unwrap();
        let wrong = if right == "000000" {
            "111111"
        } else {
            "000000"
        };
        let e = code_step(d, wrong).unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.field.as_deref()),
            ("invalid_input", Some("code"))
        );
        assert!(
            d.pending.lock().unwrap().is_some(),
            "a wrong code may be retried"
        );

        // Past the core's limit even the right code starts over, with a distinct code.
        kit.clock
            .advance(latchkey_core::auth::PENDING_SIGN_IN + time::Duration::seconds(1));
        let now = kit.clock.now().unix_timestamp() as u64;
        let late = code_step(d, &latchkey_core::mfa::code_at(&secret, now).unwrap()).unwrap_err();
        assert_eq!(late.code, "sign_in_expired");
        assert!(
            d.pending.lock().unwrap().is_none(),
            "the pending sign-in was dropped"
        );
        assert_eq!(code_step(d, "123456").unwrap_err().code, "not_signed_in");

        // A fresh password step and a fresh code sign in.
        assert_eq!(
            sign_in_inner(d, testkit::USER, pw()).unwrap_err().code,
            "mfa_required"
        );
        kit.clock.advance(time::Duration::seconds(30));
        let now = kit.clock.now().unix_timestamp() as u64;
        let signed = code_step(d, &latchkey_core::mfa::code_at(&secret, now).unwrap()).unwrap();
        assert_eq!(signed.me.account.username, testkit::USER);
    }

    #[test]
    fn saving_settings_needs_a_session() {
        let kit = testkit::desk();
        let s = Settings {
            idle_lock_mins: 5,
            ..Settings::default()
        };
        let e = tauri::async_runtime::block_on(save_settings(kit.desk.clone(), s)).unwrap_err();
        assert_eq!(e.code, "not_signed_in");
        assert!(!kit.desk.settings_path.exists(), "nothing was saved");
        assert_eq!(kit.desk.settings(), Settings::default());

        let kit = testkit::signed_in();
        let saved = tauri::async_runtime::block_on(save_settings(kit.desk.clone(), s)).unwrap();
        assert_eq!(saved.idle_lock_mins, 5);
        assert_eq!(Settings::load(&kit.desk.settings_path), s);
    }

    #[test]
    fn every_command_is_activity_and_a_failed_task_says_nothing_of_itself() {
        let kit = testkit::desk();
        let before = std::time::Instant::now();
        let ok: CommandResult<()> =
            tauri::async_runtime::block_on(run_blocking(kit.desk.clone(), |_| Ok(())));
        assert!(ok.is_ok());
        assert!(
            kit.desk.activity.at() >= before,
            "the command counted as activity"
        );

        let e = tauri::async_runtime::block_on(run_blocking(
            kit.desk.clone(),
            |_| -> CommandResult<()> { panic!("lk_live_this_must_not_reach_the_window") },
        ))
        .unwrap_err();
        assert_eq!(e.code, "internal_error");
        assert!(!e.message.contains("lk_live"), "{}", e.message);
        assert!(!e.message.contains("panic"), "{}", e.message);
    }

    #[test]
    fn secrets_for_the_window_serialize_but_do_not_debug() {
        let kit = testkit::signed_in();
        let d = &kit.desk;
        let issued = d
            .with_session(|lk, s| {
                Ok(lk.create_key(
                    s,
                    &NewKey {
                        name: "ci".into(),
                        permissions: vec![],
                        environment: latchkey_core::Environment::Live,
                        expiry: Expiry::Days(30),
                        revealable: false,
                    },
                )?)
            })
            .unwrap();
        let text = issued.secret.expose().to_owned();
        let shown = issue(d, issued);
        let json = serde_json::to_value(&shown).unwrap();
        assert_eq!(json["secret"], text.as_str());
        assert!(!format!("{shown:?}").contains(&text));
    }

    fn parse(json: &str) -> CommandResult<Expiry> {
        serde_json::from_str::<WindowExpiry>(json)
            .expect("the window's expiry shape deserializes")
            .into_core()
    }

    #[test]
    fn expiry_as_the_window_sends_it() {
        assert_eq!(parse(r#"{"type":"days","value":30}"#), Ok(Expiry::Days(30)));
        assert_eq!(parse(r#"{"type":"never"}"#), Ok(Expiry::Never));
        assert_eq!(
            parse(r#"{"type":"on","value":"2031-02-28"}"#),
            Ok(Expiry::On(time::macros::date!(2031 - 02 - 28)))
        );
        for bad in ["2031-02-30", "never", "30d", ""] {
            let err = parse(&format!(r#"{{"type":"on","value":"{bad}"}}"#)).unwrap_err();
            assert_eq!(
                (err.code.as_str(), err.field.as_deref()),
                ("invalid_input", Some("expiry"))
            );
        }
    }
}
