//! Defects an adversarial probe found, each pinned: the throttle tells nothing about which
//! usernames exist and does not refuse parallel right passwords; floods of failures are
//! one audit entry and a count; refused API keys are audited; what someone typed cannot
//! forge an audit line; look-alike names are refused; a wrong second factor is a failed
//! sign-in; a refusal names the key when it is the key that lacks a permission.

mod common;

use common::{Code, World, USER_PW};
use latchkey_core::clock::Clock;
use latchkey_core::{auth, mfa, AuditFilter, NewAccount, Password};

fn wrong() -> Password {
    Password::new("guess guess guess")
}

/// Someone probing names sees the same answers, waits and audit for a login that names no
/// account as for one that does.
#[test]
fn unknown_logins_are_throttled_like_known_ones() {
    let w = common::world();
    w.user("bob", &[]);
    let answers = |login: &str| -> Vec<(String, Option<u64>)> {
        (0..auth::FREE_ATTEMPTS + 2)
            .map(|_| {
                let e = w.lk.sign_in(login, &wrong()).unwrap_err();
                let body = e.body();
                (body.code.as_str().to_owned(), body.retry_after_secs)
            })
            .collect()
    };
    let known = answers("bob");
    let unknown = answers("nobody-at-all");
    assert_eq!(known, unknown);
    assert_eq!(known.last().unwrap().0, "throttled");
    // Another spelling of the same unknown login is the same login.
    assert_eq!(
        w.lk.sign_in("NOBODY-AT-ALL", &wrong()).unwrap_err().code(),
        Code::Throttled
    );
    // Nothing of what was typed as a login is kept.
    assert!(memchr::memmem::find(&w.store_bytes(), b"nobody-at-all").is_none());
}

/// Thirty programs signing one account in at once with the right password all get in:
/// an attempt reserved but not yet checked is not a failure to refuse the others with.
#[test]
fn parallel_right_passwords_all_sign_in() {
    let w = common::world();
    w.user("bob", &[]);
    let threads = 30;
    let barrier = std::sync::Barrier::new(threads);
    let codes: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    barrier.wait();
                    match w.lk.sign_in("bob", &Password::new(USER_PW)) {
                        Ok(_) => "ok".to_owned(),
                        Err(e) => e.code().as_str().to_owned(),
                    }
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(codes.iter().all(|c| c == "ok"), "{codes:?}");
}

/// A throttled account hammered with attempts: the log gains a few entries that count
/// them, not an entry per attempt.
#[test]
fn a_flood_of_attempts_is_one_entry_and_a_count() {
    let w = common::world();
    w.user("bob", &[]);
    let before =
        w.lk.audit(&w.admin(), &AuditFilter::default())
            .unwrap()
            .len();
    let tries = 300;
    for _ in 0..tries {
        let _ = w.lk.sign_in("bob", &wrong());
    }
    for _ in 0..tries {
        let _ = w.lk.sign_in("nobody", &wrong());
    }
    let events = w.lk.audit(&w.admin(), &AuditFilter::default()).unwrap();
    let sign_ins: Vec<_> = events
        .iter()
        .filter(|e| e.action == "sign_in" && e.outcome != "ok")
        .collect();
    // Two for bob (failed, throttled), two for unknown logins, and each one's count.
    assert!(sign_ins.len() <= 8, "{sign_ins:#?}");
    let owned: Vec<_> = sign_ins.iter().map(|e| (*e).clone()).collect();
    assert_eq!(
        World::attempts(&owned, "failed") + World::attempts(&owned, "throttled"),
        2 * tries
    );
    // (And the administrator's own sign-ins to read the log.)
    assert!(
        events.len() - before <= 8 + 3,
        "{} new entries",
        events.len() - before
    );

    // A minute later the next attempt starts a new entry.
    w.clock.advance(time::Duration::seconds(61));
    let _ = w.lk.sign_in("bob", &wrong());
    let bob = w.audit_of(Some("bob"), "sign_in");
    assert_eq!(bob[0].outcome, "failed");
    assert!(!bob[0].detail.contains("more between"), "{:?}", bob[0]);
}

/// Keys refused at authentication are audited (for their owner, when the key is one of
/// theirs), and a flood of them is one entry and a count.
#[test]
fn refused_api_keys_are_audited_once_a_minute() {
    let w = common::world();
    let admin = w.admin();
    let issued =
        w.lk.create_key(&admin, &common::key("old", &["keys:read"]))
            .unwrap();
    w.lk.revoke_key(&admin, &issued.key.id).unwrap();
    for _ in 0..50 {
        assert_eq!(
            w.lk.authenticate_key(issued.secret.expose())
                .unwrap_err()
                .code(),
            Code::InvalidKey
        );
        let _ = w.lk.authenticate_key("lk_live_not-a-key-at-all");
    }
    let refused = w.audit_of(None, "api_key.refused");
    let mine: Vec<_> = refused
        .iter()
        .filter(|e| e.actor.as_deref() == Some("admin"))
        .cloned()
        .collect();
    assert!(mine.len() <= 2, "{mine:#?}");
    assert_eq!(World::attempts(&mine, "failed"), 50);
    assert!(mine.iter().any(|e| e.detail.contains("revoked")));
    let hint = latchkey_core::keyformat::hint(issued.secret.expose());
    assert!(mine
        .iter()
        .all(|e| e.target.as_deref() == Some(&format!("key {hint}"))));
    // Never the key itself.
    assert!(refused
        .iter()
        .all(|e| !format!("{e:?}").contains(&issued.secret.expose()[8..30])));
}

/// What a member typed as a name (a refused action records what was attempted) cannot
/// start a new line, move the cursor or set an administrator's clipboard (OSC 52).
#[test]
fn typed_text_cannot_forge_an_audit_line() {
    let w = common::world();
    let bob = w.user("bob", &[]);
    let forged = "x\n2026-01-01T00:00:00Z  admin  key.revoked  everything  ok\r\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}[2K";
    let _ = w.lk.create_group(&bob, forged, &[]);
    let _ = w.lk.delete_group(&bob, forged);
    let events = w.lk.audit(&w.admin(), &AuditFilter::default()).unwrap();
    let refused: Vec<_> = events.iter().filter(|e| e.outcome == "refused").collect();
    assert!(!refused.is_empty(), "{refused:?}");
    for e in &events {
        for text in [e.target.as_deref().unwrap_or(""), e.detail.as_str()] {
            assert!(
                !text.chars().any(latchkey_core::validate::is_hidden),
                "{text:?}"
            );
        }
    }
    assert!(refused
        .iter()
        .any(|e| e.target.as_deref().unwrap_or("").contains("\\u{1b}]52")));
}

/// Names that look like others are refused, and two spellings of one name are one name.
#[test]
fn look_alike_names_are_refused_or_the_same_name() {
    let w = common::world();
    let admin = w.admin();
    let account = |username: &str| NewAccount {
        username: username.into(),
        ..Default::default()
    };
    let pw = Password::new(USER_PW);
    for (name, rule) in [
        ("\u{430}dmin", "one script"),
        ("ad\u{200b}min", "invisible"),
        ("admin\u{202e}", "invisible"),
    ] {
        let e =
            w.lk.create_account(&admin, &account(name), &pw)
                .unwrap_err();
        assert_eq!(e.field(), Some("username"), "{name:?}");
        assert!(e.to_string().contains(rule), "{name:?}: {e}");
    }
    // Fullwidth "ａｄｍｉｎ" is "admin", which exists.
    let e =
        w.lk.create_account(
            &admin,
            &account("\u{ff41}\u{ff44}\u{ff4d}\u{ff49}\u{ff4e}"),
            &pw,
        )
        .unwrap_err();
    assert_eq!(e.field(), Some("username"), "{e}");
    // Key names: two spellings of "café" are one name.
    w.lk.create_key(&admin, &common::key("caf\u{e9}", &[]))
        .unwrap();
    let e =
        w.lk.create_key(&admin, &common::key("cafe\u{301}", &[]))
            .unwrap_err();
    assert_eq!(e.field(), Some("name"), "{e}");
    let e =
        w.lk.create_key(&admin, &common::key("ci\u{202e}dlrow", &[]))
            .unwrap_err();
    assert!(e.to_string().contains("invisible"), "{e}");
}

/// A wrong code at sign-in is a failed sign-in (as a wrong password is), not a form
/// mistake: the CLI's exit 4 and the API's 401.
#[test]
fn a_wrong_second_factor_is_a_failed_sign_in() {
    let w = common::world();
    let bob = w.user("bob", &[]);
    let e = w.lk.mfa_enroll(&bob).unwrap();
    let now = w.clock.now().unix_timestamp() as u64;
    w.lk.mfa_confirm(&bob, &mfa::code_at(&e.secret_base32, now).unwrap())
        .unwrap();
    w.clock.advance(time::Duration::seconds(30));
    let err =
        w.lk.sign_in_with_code("bob", &Password::new(USER_PW), Some("000000"))
            .or_else(|_| {
                w.lk.sign_in_with_code("bob", &Password::new(USER_PW), Some("111111"))
            })
            .unwrap_err();
    assert_eq!(
        (err.code(), err.field()),
        (Code::BadCredentials, Some("code"))
    );
    assert_eq!(err.category().exit_code(), 4);
    assert_eq!(err.category().http_status(), 401);
}

/// A program whose key lacks a permission is told that the key lacks it, not its account.
#[test]
fn the_refusal_names_the_key_when_the_key_lacks_the_permission() {
    let w = common::world();
    let admin = w.admin();
    w.lk.create_resource(&admin, "samples", "").unwrap();
    let narrow =
        w.lk.create_key(&admin, &common::key("narrow", &["keys:read", "keys:write"]))
            .unwrap();
    let via_key = w.lk.authenticate_key(narrow.secret.expose()).unwrap();
    let e =
        w.lk.create_key(&via_key, &common::key("wider", &["samples:read"]))
            .unwrap_err();
    assert!(
        e.to_string()
            .contains("the API key in use does not have samples:read"),
        "{e}"
    );
    let bob = w.user("bob", &[]);
    let e =
        w.lk.create_key(&bob, &common::key("mine", &["samples:read"]))
            .unwrap_err();
    assert!(
        e.to_string()
            .contains("your account does not have samples:read"),
        "{e}"
    );
}

/// An error that repeats someone's input repeats a short, printable part of it.
#[test]
fn errors_do_not_echo_input_at_any_length() {
    let w = common::world();
    let admin = w.admin();
    let long = format!("{}\u{1b}[31m", "g".repeat(10_000));
    let e = w.lk.delete_group(&admin, &long).unwrap_err().to_string();
    assert!(e.len() < 200, "{} bytes", e.len());
    assert!(!e.contains('\u{1b}'));
    let e = w.lk.account(&admin, &long).unwrap_err().to_string();
    assert!(e.len() < 200, "{} bytes", e.len());
}
