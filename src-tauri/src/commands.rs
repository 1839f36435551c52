//! Tauri commands: each parses its input, calls one core function and maps the error.
//! All are `async` and run the core on the blocking pool, so argon2 and SQLite never
//! freeze the window.

use crate::error::{CommandError, CommandResult};
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

async fn blocking<T: Send + 'static>(
    desk: &State<'_, SharedDesk>,
    f: impl FnOnce(&crate::state::Desk) -> CommandResult<T> + Send + 'static,
) -> CommandResult<T> {
    let desk = desk.inner().clone();
    tauri::async_runtime::spawn_blocking(move || f(&desk))
        .await
        .map_err(|e| CommandError::new("internal_error", format!("task failed: {e}")))?
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
#[derive(Serialize)]
pub struct Issued {
    pub key: KeyInfo,
    pub secret: String,
}

fn issue(desk: &crate::state::Desk, i: IssuedKey) -> Issued {
    let out = Issued {
        key: i.key.clone(),
        secret: i.secret.expose().to_owned(),
    };
    desk.remember(&i.key.id.0, i.secret);
    out
}

#[tauri::command]
pub async fn app_state(desk: State<'_, SharedDesk>) -> CommandResult<AppState> {
    blocking(&desk, |d| {
        let lk = d.lk()?;
        let me = match d.session.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
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
    blocking(&desk, move |d| {
        let lk = d.lk()?;
        if password != confirm {
            return Err(CommandError::field(
                "invalid_input",
                "confirm password",
                "confirm password: does not match the password",
            ));
        }
        let password = latchkey_core::Password::new(password);
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
        recovery_codes_left: signed.recovery_codes_left,
    })
}

/// The second step of a sign-in with MFA: the authenticator code or a recovery code.
#[tauri::command]
pub async fn sign_in_code(
    desk: State<'_, SharedDesk>,
    code: String,
) -> CommandResult<SignInResult> {
    blocking(&desk, move |d| {
        let pending = d.take_pending().ok_or_else(|| {
            CommandError::new("not_signed_in", "Enter your username and password first.")
        })?;
        match d.lk()?.finish_sign_in(&pending, &code) {
            Ok(signed) => finish(d, signed),
            Err(e) => {
                // A wrong code may be tried again (the core throttles); a late one starts over.
                let retry = e.code() == "throttled"
                    || (e.field() == Some("code") && !e.to_string().contains("too late"));
                if retry {
                    d.set_pending(Some(pending));
                }
                Err(e.into())
            }
        }
    })
    .await
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

fn end_session(app: &AppHandle, d: &crate::state::Desk, reason: &str) -> CommandResult<()> {
    if d.wipe() {
        let _ = app.emit("clipboard-cleared", serde_json::json!({ "reason": reason }));
    }
    if let Some(s) = d.take_session() {
        d.lk()?.sign_out(s)?;
    }
    Ok(())
}

#[tauri::command]
pub async fn sign_out(app: AppHandle, desk: State<'_, SharedDesk>) -> CommandResult<()> {
    blocking(&desk, move |d| end_session(&app, d, "lock")).await
}

#[tauri::command]
pub async fn lock(app: AppHandle, desk: State<'_, SharedDesk>) -> CommandResult<()> {
    blocking(&desk, move |d| end_session(&app, d, "lock")).await
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
pub async fn reveal_account_key(desk: State<'_, SharedDesk>) -> CommandResult<String> {
    blocking(&desk, |d| {
        d.with_session(|lk, s| Ok(lk.reveal_account_key(s)?.expose().to_owned()))
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
            if desk.clipboard.clear_if_ours(Some(generation)) {
                let _ = app.emit(
                    "clipboard-cleared",
                    serde_json::json!({ "reason": "timer" }),
                );
            }
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
            let api_url = crate::api_server::url(d.settings().api_port);
            KeyFile::new(&info, &secret, &api_url).write(&path)?;
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

#[tauri::command]
pub async fn settings(desk: State<'_, SharedDesk>) -> CommandResult<Settings> {
    blocking(&desk, |d| Ok(d.settings())).await
}

#[tauri::command]
pub async fn set_settings(
    desk: State<'_, SharedDesk>,
    settings: Settings,
) -> CommandResult<Settings> {
    let settings = settings.validate()?;
    // Start (or move) the API first, so a port that cannot be used is refused before
    // anything is saved.
    if settings.api_enabled {
        let store = desk.lk()?.path().to_path_buf();
        desk.api.start(store, settings.api_port).await?;
    } else {
        desk.api.stop();
    }
    blocking(&desk, move |d| d.set_settings(settings)).await
}

/// Whether the app serves the JSON API now, and where.
#[tauri::command]
pub async fn api_status(
    desk: State<'_, SharedDesk>,
) -> CommandResult<crate::api_server::ApiStatus> {
    Ok(desk.api.status())
}
#[tauri::command]
pub async fn mfa_status(desk: State<'_, SharedDesk>) -> CommandResult<latchkey_core::MfaStatus> {
    blocking(&desk, |d| d.with_session(|lk, s| Ok(lk.mfa_status(s)?))).await
}

/// What the enrolment screen shows: the QR code (PNG data URL), the secret as text, and
/// the `otpauth://` URI it encodes.
#[derive(Serialize)]
pub struct EnrollmentView {
    pub qr: String,
    pub secret: String,
    pub uri: String,
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
                secret: e.secret_base32.clone(),
                uri: e.uri.clone(),
            })
        })
    })
    .await
}

/// Turns MFA on with a first code; the recovery codes are returned to be shown once and
/// kept in Rust for Copy and Download until `forget_recovery_codes`.
#[tauri::command]
pub async fn mfa_confirm(desk: State<'_, SharedDesk>, code: String) -> CommandResult<Vec<String>> {
    blocking(&desk, move |d| {
        let codes = d.with_session(|lk, s| Ok(lk.mfa_confirm(s, &code)?))?;
        let shown = codes.0.clone();
        d.set_recovery_codes(Some(codes));
        Ok(shown)
    })
    .await
}

#[tauri::command]
pub async fn mfa_disable(desk: State<'_, SharedDesk>) -> CommandResult<()> {
    blocking(&desk, |d| d.with_session(|lk, s| Ok(lk.mfa_disable(s)?))).await
}

#[tauri::command]
pub async fn mfa_new_recovery_codes(desk: State<'_, SharedDesk>) -> CommandResult<Vec<String>> {
    blocking(&desk, |d| {
        let codes = d.with_session(|lk, s| Ok(lk.mfa_new_recovery_codes(s)?))?;
        let shown = codes.0.clone();
        d.set_recovery_codes(Some(codes));
        Ok(shown)
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
pub async fn reveal_key(desk: State<'_, SharedDesk>, id: String) -> CommandResult<String> {
    blocking(&desk, move |d| {
        let id = KeyId::parse(&id)?;
        d.with_session(|lk, s| Ok(lk.reveal_key(s, &id)?.expose().to_owned()))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

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
