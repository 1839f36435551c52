//! Every action that needs a fresh proof of identity, at the edges of the 10-minute
//! window: accepted at 9:59, refused at 10:00 and 10:01.

mod common;

use common::{key, ADMIN_PW};
use latchkey_core::*;
use rstest::rstest;
use time::Duration;

#[derive(Debug, Clone, Copy)]
enum Gated {
    RevealKey,
    RevealAccountKey,
    ResetAccountKey,
    RegenerateKey,
    DisableMfa,
    NewRecoveryCodes,
    SetPolicy,
    GrantAdmin,
    ResetPassword,
    ResetMfa,
    InviteAdmin,
}

/// What each action needs in place before the proof is given.
struct Setup {
    viewable: KeyId,
    mfa_secret: Option<String>,
}

fn prepare(w: &common::World, action: Gated) -> Setup {
    let s = w.admin();
    let mut nk = key("viewable", &[]);
    nk.revealable = true;
    let viewable = w.lk.create_key(&s, &nk).unwrap().key.id;
    w.lk.create_account(
        &s,
        &NewAccount {
            username: "bob".into(),
            ..Default::default()
        },
        &Password::new(common::USER_PW),
    )
    .unwrap();
    let mfa_secret = match action {
        Gated::DisableMfa | Gated::NewRecoveryCodes => {
            let e = w.lk.mfa_enroll(&s).unwrap();
            let t = w.clock.now().unix_timestamp() as u64;
            w.lk.mfa_confirm(&s, &mfa::code_at(&e.secret_base32, t).unwrap())
                .unwrap();
            // Past the step the confirmation used, so the sign-in code is new.
            w.clock.advance(Duration::seconds(90));
            Some(e.secret_base32.clone())
        }
        _ => None,
    };
    Setup {
        viewable,
        mfa_secret,
    }
}

/// A sign-in, which is itself the proof; with MFA on it takes a code.
fn prove(w: &common::World, setup: &Setup) -> Session {
    match &setup.mfa_secret {
        None => w.admin(),
        Some(secret) => {
            let pending = match w
                .lk
                .begin_sign_in("admin", &Password::new(ADMIN_PW))
                .unwrap()
            {
                SignInStep::NeedsCode(p) => p,
                SignInStep::Done(_) => panic!("MFA is on"),
            };
            let t = w.clock.now().unix_timestamp() as u64;
            w.lk.finish_sign_in(&pending, &mfa::code_at(secret, t).unwrap())
                .unwrap()
                .session
        }
    }
}

fn attempt(w: &common::World, s: &Session, action: Gated, setup: &Setup) -> Result<()> {
    match action {
        Gated::RevealKey => w.lk.reveal_key(s, &setup.viewable).map(drop),
        Gated::RevealAccountKey => w.lk.reveal_account_key(s).map(drop),
        Gated::ResetAccountKey => w.lk.reset_account_key(s).map(drop),
        Gated::RegenerateKey => {
            w.lk.regenerate_key(s, &setup.viewable, Grace::Immediately)
                .map(drop)
        }
        Gated::DisableMfa => w.lk.mfa_disable(s),
        Gated::NewRecoveryCodes => w.lk.mfa_new_recovery_codes(s).map(drop),
        Gated::SetPolicy => {
            w.lk.set_policy(
                s,
                &PolicyUpdate {
                    min_password_length: Some(12),
                    ..Default::default()
                },
            )
            .map(drop)
        }
        Gated::GrantAdmin => w.lk.set_admin(s, "bob", true).map(drop),
        Gated::ResetPassword => {
            w.lk.reset_password(s, "bob", &Password::new("another long passphrase"))
                .map(drop)
        }
        Gated::ResetMfa => w.lk.reset_mfa(s, "bob"),
        Gated::InviteAdmin => {
            w.lk.create_invitation(
                s,
                &NewInvitation {
                    email: "new.admin@example.org".into(),
                    groups: vec![],
                    admin: true,
                },
            )
            .map(drop)
        }
    }
}

#[rstest]
fn every_gated_action_honours_the_ten_minute_window(
    #[values(
        Gated::RevealKey,
        Gated::RevealAccountKey,
        Gated::ResetAccountKey,
        Gated::RegenerateKey,
        Gated::DisableMfa,
        Gated::NewRecoveryCodes,
        Gated::SetPolicy,
        Gated::GrantAdmin,
        Gated::ResetPassword,
        Gated::ResetMfa,
        Gated::InviteAdmin
    )]
    action: Gated,
    #[values((9 * 60 + 59, true), (10 * 60, false), (10 * 60 + 1, false))] after: (i64, bool),
) {
    let (secs, accepted) = after;
    let w = common::world();
    let setup = prepare(&w, action);
    let s = prove(&w, &setup);
    assert!(w.lk.has_fresh_proof(&s));
    w.clock.advance(Duration::seconds(secs));
    assert_eq!(w.lk.has_fresh_proof(&s), accepted);
    let r = attempt(&w, &s, action, &setup);
    if accepted {
        r.unwrap_or_else(|e| panic!("{action:?} at {secs} s: {e}"));
    } else {
        let e = r.unwrap_err();
        assert_eq!(e.code(), "step_up_required", "{action:?} at {secs} s: {e}");
        // A new proof lets it through.
        let s = prove(&w, &setup);
        attempt(&w, &s, action, &setup)
            .unwrap_or_else(|e| panic!("{action:?} after a new proof: {e}"));
    }
}
