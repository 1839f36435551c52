//! Starting and ending a session: the app's state at start, first set-up, sign-in (with
//! its code step), sign-out, step-up, and the window's activity for the idle lock.

use super::account::{me_of, Me};
use super::{blocking, emit_clipboard};
use crate::error::{not_signed_in, CommandResult};
use crate::settings::Settings;
use crate::state::{Desk, SharedDesk};
use latchkey_core::{AfterFailedCode, KeyInfo, NewAccount, Password, Policy, SignIn, SignInStep};
use serde::Serialize;
use tauri::{AppHandle, State};
use zeroize::Zeroizing;

#[derive(Debug, Serialize, ts_rs::TS)]
pub struct SignInResult {
    pub me: Me,
    pub expiring_soon: Vec<KeyInfo>,
    pub secrets_lost: bool,
    /// An administrator turned two-step verification off since the last sign-in.
    pub mfa_reset: bool,
    /// With MFA on: unused recovery codes left (the window warns at 3 or fewer).
    pub recovery_codes_left: Option<u32>,
}

#[derive(Debug, Serialize, ts_rs::TS)]
pub struct AppState {
    pub initialized: bool,
    pub me: Option<Me>,
    pub store_path: String,
    pub settings: Settings,
    pub policy: Policy,
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
    let (password, confirm) = (Password::new(password), Password::new(confirm));
    blocking(&desk, move |d| {
        let lk = d.lk()?;
        latchkey_core::password::confirm(&password, &confirm)?;
        let new = NewAccount {
            username: username.clone(),
            first_name,
            last_name,
            email: Some(email).filter(|e| !e.trim().is_empty()),
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

pub(crate) fn sign_in_inner(
    d: &Desk,
    login: &str,
    password: Password,
) -> CommandResult<SignInResult> {
    let lk = d.lk()?;
    d.wipe();
    match lk.begin_sign_in(login, &password)? {
        SignInStep::Done(signed) => finish(d, *signed),
        SignInStep::NeedsCode(pending) => {
            // The password was right: keep the unwrapped state in Rust and ask for the code.
            d.set_pending(Some(pending));
            Err(latchkey_core::Error::MfaRequired.into())
        }
    }
}

pub(crate) fn finish(d: &Desk, signed: SignIn) -> CommandResult<SignInResult> {
    let lk = d.lk()?;
    let me = me_of(lk, &signed.session)?;
    d.set_session(Some(signed.session));
    if d.settings().notify_expiring {
        crate::notify::expiring(&signed.expiring_soon);
    }
    Ok(SignInResult {
        me,
        expiring_soon: signed.expiring_soon,
        secrets_lost: signed.secrets_lost,
        mfa_reset: signed.mfa_reset,
        recovery_codes_left: signed.recovery_codes_left,
    })
}

#[tauri::command]
pub async fn sign_in(
    desk: State<'_, SharedDesk>,
    login: String,
    password: String,
) -> CommandResult<SignInResult> {
    blocking(&desk, move |d| {
        sign_in_inner(d, &login, Password::new(password))
    })
    .await
}

#[tauri::command]
pub async fn sign_in_code(
    desk: State<'_, SharedDesk>,
    code: String,
) -> CommandResult<SignInResult> {
    let code = Zeroizing::new(code);
    blocking(&desk, move |d| code_step(d, &code)).await
}

pub(crate) fn code_step(d: &Desk, code: &str) -> CommandResult<SignInResult> {
    let pending = d
        .take_pending()
        .ok_or_else(|| not_signed_in().with_message("Enter your username and password first."))?;
    let lk = d.lk()?;
    match lk.finish_sign_in(&pending, code) {
        Ok(signed) => finish(d, signed),
        Err(e) => {
            // The core says whether this sign-in can take another code.
            if AfterFailedCode::after(&e) == AfterFailedCode::Retry {
                d.set_pending(Some(pending));
            }
            Err(e.into())
        }
    }
}

pub(crate) fn end_session(app: &AppHandle, d: &Desk) -> CommandResult<()> {
    let outcome = d.end_session()?;
    emit_clipboard(app, outcome, "lock");
    Ok(())
}

#[tauri::command]
pub async fn sign_out(app: AppHandle, desk: State<'_, SharedDesk>) -> CommandResult<()> {
    blocking(&desk, move |d| end_session(&app, d)).await
}

/// Step-up: the password, or with MFA on a TOTP or recovery code (the core decides).
#[tauri::command]
pub async fn confirm_password(desk: State<'_, SharedDesk>, password: String) -> CommandResult<()> {
    let password = Zeroizing::new(password);
    blocking(&desk, move |d| {
        d.with_session(|lk, s| Ok(lk.confirm_identity(s, &password)?))
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

/// Lock now (the account menu, Ctrl+L): ends the session as the idle lock does, and
/// says so with `session-locked` (reason `manual`), as every lock does.
#[tauri::command]
pub async fn lock_now(app: AppHandle, desk: State<'_, SharedDesk>) -> CommandResult<()> {
    blocking(&desk, move |d| {
        super::lock(&app, d, "manual");
        Ok(())
    })
    .await
}
