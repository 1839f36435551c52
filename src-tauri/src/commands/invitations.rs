//! Invitations: issued by an administrator (the code shown once, kept in Rust while its
//! dialog is open for Copy and "Send by email"), redeemed on the sign-in screen.

use super::blocking;
use super::session::{finish, SignInResult};
use crate::error::{no_secret, opener_unavailable, CommandResult};
use crate::secret::SecretText;
use crate::state::{Desk, SharedDesk};
use latchkey_core::{
    Invitation, InvitationPreview, IssuedInvitation, NewAccount, NewInvitation, Password,
};
use serde::Serialize;
use tauri::State;
use zeroize::Zeroizing;

/// An invitation as the window shows it once: the description and the code.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct InvitationIssued {
    pub invitation: Invitation,
    pub code: SecretText,
}

pub(super) fn issue(d: &Desk, i: IssuedInvitation) -> InvitationIssued {
    let out = InvitationIssued {
        invitation: i.invitation.clone(),
        code: SecretText::from(&i.code),
    };
    d.remember_invitation(i);
    out
}

/// What the window may do with a code it no longer holds.
const GONE: &str =
    "This invitation's code is shown only once. Re-issue the invitation to get a new code.";

#[tauri::command]
pub async fn list_invitations(desk: State<'_, SharedDesk>) -> CommandResult<Vec<Invitation>> {
    blocking(&desk, |d| {
        d.with_session(|lk, s| Ok(lk.list_invitations(s)?))
    })
    .await
}

#[tauri::command]
pub async fn create_invitation(
    desk: State<'_, SharedDesk>,
    email: String,
    groups: Vec<String>,
    admin: bool,
) -> CommandResult<InvitationIssued> {
    blocking(&desk, move |d| {
        let new = NewInvitation {
            email,
            groups,
            admin,
        };
        let issued = d.with_session(|lk, s| Ok(lk.create_invitation(s, &new)?))?;
        Ok(issue(d, issued))
    })
    .await
}

/// A new code for a pending invitation; the old one stops at once.
#[tauri::command]
pub async fn reissue_invitation(
    desk: State<'_, SharedDesk>,
    id: String,
) -> CommandResult<InvitationIssued> {
    blocking(&desk, move |d| {
        let issued = d.with_session(|lk, s| Ok(lk.reissue_invitation(s, &id)?))?;
        d.forget_invitation(&id);
        Ok(issue(d, issued))
    })
    .await
}

#[tauri::command]
pub async fn revoke_invitation(
    desk: State<'_, SharedDesk>,
    id: String,
) -> CommandResult<Invitation> {
    blocking(&desk, move |d| {
        let inv = d.with_session(|lk, s| Ok(lk.revoke_invitation(s, &id)?))?;
        d.forget_invitation(&id);
        Ok(inv)
    })
    .await
}

/// Hands the invitation to the system's mail client: a `mailto:` link with the code,
/// opened by the OS (`xdg-open` on Linux).
#[tauri::command]
pub async fn email_invitation(desk: State<'_, SharedDesk>, id: String) -> CommandResult<()> {
    blocking(&desk, move |d| {
        let link = d.with_session(|lk, s| {
            d.fresh_invitation(&id, |i| lk.invitation_mailto(s, i))
                .ok_or_else(|| no_secret(GONE))?
                .map_err(Into::into)
        })?;
        open::that_detached(link.as_str()).map_err(opener_unavailable)
    })
    .await
}

/// The dialog that showed the code closed: the window no longer needs it.
#[tauri::command]
pub async fn forget_invitation(desk: State<'_, SharedDesk>, id: String) -> CommandResult<()> {
    blocking(&desk, move |d| {
        d.forget_invitation(&id);
        Ok(())
    })
    .await
}

/// Whom a code invites, before the person picks a username (no session needed).
#[tauri::command]
pub async fn preview_invitation(
    desk: State<'_, SharedDesk>,
    code: String,
) -> CommandResult<InvitationPreview> {
    let code = Zeroizing::new(code);
    blocking(&desk, move |d| Ok(d.lk()?.preview_invitation(&code)?)).await
}

/// Redeems a code into a new account and signs it in.
#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub async fn redeem_invitation(
    desk: State<'_, SharedDesk>,
    code: String,
    username: String,
    first_name: String,
    last_name: String,
    password: String,
    confirm: String,
) -> CommandResult<SignInResult> {
    let code = Zeroizing::new(code);
    let (password, confirm) = (Password::new(password), Password::new(confirm));
    blocking(&desk, move |d| {
        let new = NewAccount {
            username,
            first_name,
            last_name,
            // The invitation's email, groups and role are the core's to apply.
            email: None,
            is_admin: false,
            groups: vec![],
        };
        d.wipe();
        let signed = d
            .lk()?
            .redeem_invitation(&code, &new, &password, &confirm)?;
        finish(d, signed)
    })
    .await
}
