//! Tests of the commands' own decisions (the core's rules are tested in the core).

use super::session::{code_step, sign_in_inner};
use super::settings::save_settings;
use super::*;
use crate::error::CommandResult;
use crate::settings::Settings;
use crate::testkit;
use latchkey_core::clock::Clock;
use latchkey_core::{Expiry, NewKey};

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
        ("bad_credentials", Some("code"))
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

    let e =
        tauri::async_runtime::block_on(run_blocking(kit.desk.clone(), |_| -> CommandResult<()> {
            panic!("lk_live_this_must_not_reach_the_window")
        }))
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
    let shown = super::keys::issue(d, issued);
    let json = serde_json::to_value(&shown).unwrap();
    assert_eq!(json["secret"], text.as_str());
    assert!(!format!("{shown:?}").contains(&text));
}

#[test]
fn an_invitation_code_is_held_while_its_dialog_is_open_and_never_after_sign_out() {
    let kit = testkit::signed_in();
    let d = &kit.desk;
    let issued = d
        .with_session(|lk, s| {
            Ok(lk.create_invitation(
                s,
                &latchkey_core::NewInvitation {
                    email: "grace@example.org".into(),
                    ..Default::default()
                },
            )?)
        })
        .unwrap();
    let code = issued.code.expose().to_owned();
    let shown = super::invitations::issue(d, issued);
    let id = shown.invitation.id.clone();
    assert_eq!(serde_json::to_value(&shown).unwrap()["code"], code.as_str());
    assert!(!format!("{shown:?}").contains(&code));

    // The mail link is built from the held code and names it; nothing else does.
    let link = d
        .with_session(|lk, s| {
            Ok(d.fresh_invitation(&id, |i| lk.invitation_mailto(s, i))
                .unwrap()?)
        })
        .unwrap();
    assert!(
        link.starts_with("mailto:grace%40example.org?"),
        "{}",
        link.as_str()
    );
    assert!(link.contains(&code));

    d.forget_invitation(&id);
    assert!(d.fresh_invitation(&id, |_| ()).is_none());
    let again = d
        .with_session(|lk, s| Ok(lk.reissue_invitation(s, &id)?))
        .unwrap();
    let new_id = super::invitations::issue(d, again).invitation.id;
    d.end_session().unwrap();
    assert!(
        d.fresh_invitation(&new_id, |_| ()).is_none(),
        "signing out drops every code"
    );
}
