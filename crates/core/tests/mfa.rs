mod common;

use common::{ADMIN_PW, USER_PW};
use latchkey_core::*;
use time::Duration;

fn now_secs(w: &common::World) -> u64 {
    w.clock.now().unix_timestamp() as u64
}

/// Enrols bob and returns his base32 secret and recovery codes.
fn enrolled(w: &common::World) -> (String, Vec<String>) {
    let bob = w.user("bob", &[]);
    let e = w.lk.mfa_enroll(&bob).unwrap();
    let secret = e.secret_base32.clone();
    let code = mfa::code_at(&secret, now_secs(w)).unwrap();
    let codes = w.lk.mfa_confirm(&bob, &code).unwrap();
    // Move past the step used for confirmation.
    w.clock.advance(Duration::seconds(90));
    (secret, codes.0.clone())
}

fn pending(w: &common::World) -> PendingSignIn {
    match w.lk.begin_sign_in("bob", &Password::new(USER_PW)).unwrap() {
        SignInStep::NeedsCode(p) => p,
        SignInStep::Done(_) => panic!("a code should be needed"),
    }
}

#[test]
fn enrolment_shows_a_scannable_qr_of_the_otpauth_uri_and_a_160_bit_secret() {
    let w = common::world();
    let bob = w.user("bob", &[]);
    let e = w.lk.mfa_enroll(&bob).unwrap();
    assert_eq!(e.secret_base32.len(), 32, "160 bits in base32");
    assert!(
        e.uri.starts_with("otpauth://totp/Latchkey:bob?"),
        "{}",
        e.uri
    );
    assert!(
        e.uri.contains("issuer=Latchkey") && e.uri.contains(&format!("secret={}", e.secret_base32))
    );
    let img = image::load_from_memory(&e.qr_png).unwrap().to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(img);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1);
    let (_, content) = grids[0].decode().unwrap();
    assert_eq!(content, e.uri);
    assert!(!format!("{e:?}").contains(&e.secret_base32));
    // Not on until a first code confirms it.
    assert!(!w.lk.mfa_status(&bob).unwrap().enabled);
    assert!(w.lk.mfa_status(&bob).unwrap().pending);
    let e = w.lk.mfa_confirm(&bob, "000000").unwrap_err();
    assert_eq!(e.field(), Some("code"));
    assert!(!w.lk.mfa_status(&bob).unwrap().enabled);
}

#[test]
fn codes_one_step_either_side_are_accepted_once_and_two_steps_refused() {
    let w = common::world();
    let (secret, _) = enrolled(&w);
    assert_eq!(
        w.lk.sign_in("bob", &Password::new(USER_PW))
            .unwrap_err()
            .code(),
        "mfa_required"
    );
    let t = now_secs(&w);
    for offset in [-2i64, 2] {
        let code = mfa::code_at(&secret, (t as i64 + offset * 30) as u64).unwrap();
        let e = w.lk.finish_sign_in(&pending(&w), &code).unwrap_err();
        assert_eq!(e.field(), Some("code"), "offset {offset}");
    }
    w.clock.advance(Duration::seconds(31)); // past the two failures' throttle-free budget
                                            // -1, 0, +1 each once, in increasing order.
    for offset in [-1i64, 0, 1] {
        let code = mfa::code_at(&secret, (t as i64 + offset * 30 + 31) as u64).unwrap();
        let s = w.lk.finish_sign_in(&pending(&w), &code).unwrap();
        assert_eq!(s.session.username(), "bob");
        // Replaying the same code is refused.
        let e = w.lk.finish_sign_in(&pending(&w), &code).unwrap_err();
        assert_eq!(e.field(), Some("code"));
    }
}

#[test]
fn a_code_older_than_the_last_accepted_one_is_refused() {
    let w = common::world();
    let (secret, _) = enrolled(&w);
    let t = now_secs(&w);
    let later = mfa::code_at(&secret, t + 30).unwrap();
    let now = mfa::code_at(&secret, t).unwrap();
    w.lk.finish_sign_in(&pending(&w), &later).unwrap();
    assert!(w.lk.finish_sign_in(&pending(&w), &now).is_err());
    let events = w.audit_of(None, "sign_in.code");
    assert!(events
        .iter()
        .any(|e| e.outcome == "failed" && e.detail == "code replayed"));
}

#[test]
fn wrong_codes_are_throttled_like_passwords() {
    let w = common::world();
    let (secret, _) = enrolled(&w);
    for _ in 0..5 {
        assert_eq!(
            w.lk.finish_sign_in(&pending(&w), "123456")
                .unwrap_err()
                .field(),
            Some("code")
        );
    }
    let right = mfa::code_at(&secret, now_secs(&w)).unwrap();
    // The password step itself is throttled now too.
    let e =
        w.lk.begin_sign_in("bob", &Password::new(USER_PW))
            .unwrap_err();
    assert_eq!(e.code(), "throttled");
    w.clock.advance(Duration::seconds(31));
    let right_now = mfa::code_at(&secret, now_secs(&w)).unwrap();
    assert_ne!(right, "");
    w.lk.finish_sign_in(&pending(&w), &right_now).unwrap();
}

#[test]
fn recovery_codes_are_single_use_warn_when_low_and_regenerating_voids_them() {
    let w = common::world();
    let (_, codes) = enrolled(&w);
    assert_eq!(codes.len(), 10);
    let s =
        w.lk.finish_sign_in(&pending(&w), &codes[0].to_uppercase())
            .unwrap();
    assert_eq!(s.recovery_codes_left, Some(9));
    assert_eq!(
        w.lk.finish_sign_in(&pending(&w), &codes[0])
            .unwrap_err()
            .field(),
        Some("code")
    );
    w.clock.advance(Duration::seconds(31));
    for c in &codes[1..7] {
        w.lk.finish_sign_in(&pending(&w), &c.replace('-', " "))
            .unwrap();
    }
    let s = w.lk.finish_sign_in(&pending(&w), &codes[7]).unwrap();
    assert_eq!(s.recovery_codes_left, Some(2));
    let fresh = w.lk.mfa_new_recovery_codes(&s.session).unwrap();
    assert_eq!(
        w.lk.finish_sign_in(&pending(&w), &codes[8])
            .unwrap_err()
            .field(),
        Some("code")
    );
    w.clock.advance(Duration::seconds(31));
    let s = w.lk.finish_sign_in(&pending(&w), &fresh.0[0]).unwrap();
    assert_eq!(s.recovery_codes_left, Some(9));
    let used = w.audit_of(None, "mfa.recovery_code_used");
    assert_eq!(used.len(), 9);
    // Codes are stored hashed: none is in the store files.
    let bytes = w.store_bytes();
    for c in fresh.0.iter().chain(codes.iter()) {
        let n = c.replace('-', "");
        assert!(memchr::memmem::find(&bytes, n.as_bytes()).is_none());
    }
}

#[test]
fn step_up_needs_a_code_when_mfa_is_on_and_lasts_ten_minutes() {
    let w = common::world();
    let (secret, _) = enrolled(&w);
    let mut s =
        w.lk.finish_sign_in(&pending(&w), &mfa::code_at(&secret, now_secs(&w)).unwrap())
            .unwrap()
            .session;
    let k = w.lk.create_key(&s, &common::key("k", &[])).unwrap();
    w.clock
        .advance(Duration::minutes(10) + Duration::seconds(1));
    assert_eq!(
        w.lk.regenerate_key(&s, &k.key.id, Grace::Immediately)
            .unwrap_err()
            .code(),
        "step_up_required"
    );
    assert_eq!(w.lk.mfa_disable(&s).unwrap_err().code(), "step_up_required");
    let e =
        w.lk.confirm_password(&mut s, &Password::new(USER_PW))
            .unwrap_err();
    assert_eq!(
        e.field(),
        Some("code"),
        "the password alone is not enough with MFA on"
    );
    w.lk.confirm_identity(&mut s, &mfa::code_at(&secret, now_secs(&w)).unwrap())
        .unwrap();
    w.lk.regenerate_key(&s, &k.key.id, Grace::Immediately)
        .unwrap();
    w.clock.advance(Duration::minutes(9));
    w.lk.mfa_disable(&s).unwrap();
    w.sign_in("bob", USER_PW);
}

#[test]
fn a_pending_sign_in_expires() {
    let w = common::world();
    let (secret, _) = enrolled(&w);
    let p = pending(&w);
    w.clock.advance(Duration::minutes(6));
    let e =
        w.lk.finish_sign_in(&p, &mfa::code_at(&secret, now_secs(&w)).unwrap())
            .unwrap_err();
    assert!(e.to_string().contains("too late"), "{e}");
}

#[test]
fn administrators_reset_mfa_and_a_password_reset_turns_it_off() {
    let w = common::world();
    enrolled(&w);
    let admin = w.admin();
    w.lk.reset_mfa(&admin, "bob").unwrap();
    w.sign_in("bob", USER_PW);
    let bob = w.sign_in("bob", USER_PW);
    let e = w.lk.mfa_enroll(&bob).unwrap();
    w.lk.mfa_confirm(&bob, &mfa::code_at(&e.secret_base32, now_secs(&w)).unwrap())
        .unwrap();
    assert_eq!(
        w.lk.sign_in("bob", &Password::new(USER_PW))
            .unwrap_err()
            .code(),
        "mfa_required"
    );
    w.lk.reset_password(&admin, "bob", &Password::new("a brand new passphrase"))
        .unwrap();
    let s = w.sign_in("bob", "a brand new passphrase");
    assert!(!w.lk.mfa_status(&s).unwrap().enabled);
    let log = w.lk.audit(&admin, &AuditFilter::default()).unwrap();
    assert!(log.iter().any(|e| e.action == "mfa.reset"));
    assert!(log
        .iter()
        .any(|e| e.action == "password.reset"
            && e.detail.contains("two-step verification turned off")));
    let bob2 = w.sign_in("bob", "a brand new passphrase");
    assert_eq!(
        w.lk.reset_mfa(&bob2, "admin").unwrap_err().code(),
        "forbidden"
    );
    let _ = ADMIN_PW;
}

/// The owner is told once, at the next sign-in, that an administrator turned MFA off,
/// and a pending sign-in says itself when it is too old to finish.
#[test]
fn the_owner_is_told_once_that_an_administrator_turned_mfa_off() {
    let w = common::world();
    let (secret, _) = enrolled(&w);
    let admin = w.admin();
    // A password reset of an account with MFA on and no viewable keys.
    w.lk.reset_password(&admin, "bob", &Password::new("a brand new passphrase"))
        .unwrap();
    let first =
        w.lk.sign_in("bob", &Password::new("a brand new passphrase"))
            .unwrap();
    assert!(first.mfa_reset, "told after the reset");
    assert!(!first.secrets_lost, "bob had no viewable keys to lose");
    let again =
        w.lk.sign_in("bob", &Password::new("a brand new passphrase"))
            .unwrap();
    assert!(!again.mfa_reset, "told once");

    // An MFA reset alone tells too; a pending (unconfirmed) enrolment does not count.
    let bob = w.sign_in("bob", "a brand new passphrase");
    let e = w.lk.mfa_enroll(&bob).unwrap();
    w.lk.reset_mfa(&admin, "bob").unwrap();
    assert!(
        !w.lk
            .sign_in("bob", &Password::new("a brand new passphrase"))
            .unwrap()
            .mfa_reset
    );
    let bob = w.sign_in("bob", "a brand new passphrase");
    let e2 = w.lk.mfa_enroll(&bob).unwrap();
    w.clock.advance(Duration::seconds(60));
    w.lk.mfa_confirm(
        &bob,
        &mfa::code_at(&e2.secret_base32, now_secs(&w)).unwrap(),
    )
    .unwrap();
    w.lk.reset_mfa(&admin, "bob").unwrap();
    let told =
        w.lk.sign_in("bob", &Password::new("a brand new passphrase"))
            .unwrap();
    assert!(told.mfa_reset && !told.secrets_lost);
    let _ = (secret, e);

    // Without MFA, a password reset says nothing about it.
    w.user("carol", &[]);
    w.lk.reset_password(&admin, "carol", &Password::new("carol's new passphrase"))
        .unwrap();
    assert!(
        !w.lk
            .sign_in("carol", &Password::new("carol's new passphrase"))
            .unwrap()
            .mfa_reset
    );
}

#[test]
fn a_pending_sign_in_says_when_it_has_expired() {
    let w = common::world();
    enrolled(&w);
    let p = pending(&w);
    assert!(!w.lk.pending_sign_in_expired(&p));
    w.clock.advance(Duration::minutes(4));
    assert!(!w.lk.pending_sign_in_expired(&p));
    w.clock.advance(Duration::minutes(2));
    assert!(w.lk.pending_sign_in_expired(&p));
}

/// Codes from an independent implementation (Debian's oathtool) are accepted.
#[test]
fn codes_from_oathtool_are_accepted() {
    let have = std::process::Command::new("oathtool")
        .arg("--version")
        .output()
        .is_ok();
    if !have {
        assert!(
            std::env::var_os("LATCHKEY_REQUIRE_INTEROP").is_none(),
            "oathtool is required here (apt-get install oathtool)"
        );
        eprintln!("skipping: oathtool not installed");
        return;
    }
    let w = common::world();
    let bob = w.user("bob", &[]);
    let e = w.lk.mfa_enroll(&bob).unwrap();
    let at = |t: time::OffsetDateTime| {
        let fmt =
            time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
        let out = std::process::Command::new("oathtool")
            .args([
                "--totp",
                "--base32",
                "--now",
                &t.format(&fmt).unwrap(),
                &e.secret_base32,
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    w.lk.mfa_confirm(&bob, &at(w.clock.now())).unwrap();
    w.clock.advance(Duration::seconds(60));
    w.lk.finish_sign_in(&pending(&w), &at(w.clock.now()))
        .unwrap();
}

#[test]
fn the_step_up_window_can_be_shortened_for_tests_but_never_lengthened() {
    let mut w = common::world();
    w.lk.shorten_step_up_window(Duration::hours(5));
    let s = w.admin();
    let k = w.lk.create_key(&s, &common::key("k", &[])).unwrap();
    w.clock.advance(Duration::minutes(11));
    assert_eq!(
        w.lk.regenerate_key(&s, &k.key.id, Grace::Immediately)
            .unwrap_err()
            .code(),
        "step_up_required"
    );
    w.lk.shorten_step_up_window(Duration::seconds(20));
    let s = w.admin();
    w.clock.advance(Duration::seconds(21));
    assert_eq!(
        w.lk.regenerate_key(&s, &k.key.id, Grace::Immediately)
            .unwrap_err()
            .code(),
        "step_up_required"
    );
}
