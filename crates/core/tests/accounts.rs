mod common;

use common::{ADMIN_PW, USER_PW};
use latchkey_core::*;
use rstest::rstest;
use time::Duration;

fn new(name: &str) -> NewAccount {
    NewAccount {
        username: name.into(),
        ..Default::default()
    }
}

#[test]
fn init_makes_one_administrator_with_an_account_key_and_only_once() {
    let dir = tempfile::tempdir().unwrap();
    let lk = Latchkey::open(&dir.path().join("s.db")).unwrap();
    assert!(!lk.is_initialized().unwrap());
    let (acct, key) = lk.init(&new("root"), &Password::new(ADMIN_PW)).unwrap();
    assert!(acct.is_admin);
    assert!(key.key.account_key);
    assert!(key.secret.expose().starts_with("lk_acct_"));
    let v = lk.verify(key.secret.expose()).unwrap();
    assert!(v.valid);
    assert!(common::perms(&v).contains(&"keys:write".to_string()));
    assert_eq!(
        lk.init(&new("again"), &Password::new(ADMIN_PW))
            .unwrap_err()
            .code(),
        "already_initialized"
    );
}

#[rstest]
#[case("", "username: must be 1–64 characters")]
#[case(&"x".repeat(65), "username: must be 1–64 characters")]
#[case("robert'); drop table accounts;--", "username: may contain only")]
#[case("two words", "username: may contain only")]
fn bad_usernames_are_refused_and_nothing_is_written(#[case] name: &str, #[case] msg: &str) {
    let w = common::world();
    let admin = w.admin();
    let before = w.lk.list_accounts(&admin).unwrap().len();
    let e =
        w.lk.create_account(&admin, &new(name), &Password::new(USER_PW))
            .unwrap_err();
    assert!(e.to_string().starts_with(msg), "{e}");
    assert_eq!(w.lk.list_accounts(&admin).unwrap().len(), before);
}

#[rstest]
#[case("not-an-email")]
#[case("a@b")]
#[case("a@@example.org")]
#[case("<script>@example.org")]
fn bad_emails_are_refused(#[case] email: &str) {
    let w = common::world();
    let admin = w.admin();
    let e =
        w.lk.create_account(
            &admin,
            &NewAccount {
                email: Some(email.into()),
                ..new("bob")
            },
            &Password::new(USER_PW),
        )
        .unwrap_err();
    assert_eq!(e.field(), Some("email"), "{e}");
}

#[test]
fn unicode_names_work_and_usernames_are_case_insensitive() {
    let w = common::world();
    let admin = w.admin();
    let (a, _) =
        w.lk.create_account(
            &admin,
            &NewAccount {
                first_name: "Zoë".into(),
                last_name: "Ångström-李".into(),
                ..new("Zoë")
            },
            &Password::new(USER_PW),
        )
        .unwrap();
    assert_eq!(a.first_name, "Zoë");
    let e =
        w.lk.create_account(&admin, &new("ZOË"), &Password::new(USER_PW))
            .unwrap_err();
    assert_eq!(e.to_string(), "username: is already taken");
    w.sign_in("zoë", USER_PW);
}

#[test]
fn password_rules_apply_to_new_accounts() {
    let w = common::world();
    let admin = w.admin();
    for (pw, why) in [
        ("short", "at least 8"),
        ("carol-the-great", "same as the username"),
        ("iloveyou", "commonly used"),
    ] {
        let e =
            w.lk.create_account(&admin, &new("carol-the-great"), &Password::new(pw))
                .unwrap_err();
        assert!(e.to_string().contains(why), "{pw}: {e}");
    }
    // The administrator raises the minimum; it applies at once.
    w.lk.set_policy(
        &admin,
        &PolicyUpdate {
            min_password_length: Some(30),
            ..Default::default()
        },
    )
    .unwrap();
    let e =
        w.lk.create_account(&admin, &new("dave"), &Password::new(USER_PW))
            .unwrap_err();
    assert!(e.to_string().contains("at least 30"), "{e}");
}

#[test]
fn only_administrators_create_disable_and_reset() {
    let w = common::world();
    let bob = w.user("bob", &[]);
    w.user("carol", &[]);
    assert_eq!(
        w.lk.create_account(&bob, &new("eve"), &Password::new(USER_PW))
            .unwrap_err()
            .code(),
        "forbidden"
    );
    assert_eq!(
        w.lk.set_disabled(&bob, "carol", true).unwrap_err().code(),
        "forbidden"
    );
    assert_eq!(
        w.lk.reset_password(&bob, "carol", &Password::new("new long password 1"))
            .unwrap_err()
            .code(),
        "forbidden"
    );
    assert_eq!(w.lk.list_accounts(&bob).unwrap_err().code(), "forbidden");
    assert_eq!(w.lk.account(&bob, "carol").unwrap_err().code(), "forbidden");
    assert_eq!(w.lk.account(&bob, "bob").unwrap().username, "bob");
}

#[test]
fn a_disabled_account_cannot_sign_in_act_or_use_its_keys() {
    let w = common::world();
    let bob = w.user("bob", &[]);
    let k = w.lk.create_key(&bob, &common::key("k", &[])).unwrap();
    let admin = w.admin();
    w.lk.set_disabled(&admin, "bob", true).unwrap();
    assert_eq!(
        w.lk.sign_in("bob", &Password::new(USER_PW))
            .unwrap_err()
            .code(),
        "account_disabled"
    );
    assert_eq!(w.lk.list_keys(&bob).unwrap_err().code(), "account_disabled");
    let v = w.lk.verify(k.secret.expose()).unwrap();
    assert_eq!((v.valid, v.reason), (false, Reason::AccountDisabled));
    assert_eq!(
        w.lk.set_disabled(&admin, "admin", true).unwrap_err().code(),
        "forbidden"
    );
    w.lk.set_disabled(&admin, "bob", false).unwrap();
    assert!(w.lk.verify(k.secret.expose()).unwrap().valid);
}

#[test]
fn wrong_passwords_are_counted_then_throttled_with_a_growing_delay() {
    let w = common::world();
    w.user("bob", &[]);
    let wrong = Password::new("not the password");
    for _ in 0..5 {
        assert_eq!(
            w.lk.sign_in("bob", &wrong).unwrap_err().code(),
            "bad_credentials"
        );
    }
    // Sixth try: throttled without even checking, the right password included.
    let e = w.lk.sign_in("bob", &Password::new(USER_PW)).unwrap_err();
    assert!(
        matches!(
            e,
            Error::Throttled {
                retry_after_secs: 30
            }
        ),
        "{e:?}"
    );
    w.clock.advance(Duration::seconds(31));
    assert_eq!(
        w.lk.sign_in("bob", &wrong).unwrap_err().code(),
        "bad_credentials"
    );
    let e = w.lk.sign_in("bob", &wrong).unwrap_err();
    assert!(
        matches!(
            e,
            Error::Throttled {
                retry_after_secs: 60
            }
        ),
        "{e:?}"
    );
    w.clock.advance(Duration::seconds(61));
    w.sign_in("bob", USER_PW);
    // Success resets the count.
    assert_eq!(
        w.lk.sign_in("bob", &wrong).unwrap_err().code(),
        "bad_credentials"
    );

    let events = w.audit_of(None, "sign_in");
    assert!(events
        .iter()
        .any(|e| e.outcome == "throttled" && e.actor.as_deref() == Some("bob")));
    assert!(events
        .iter()
        .any(|e| e.outcome == "failed" && e.actor.as_deref() == Some("bob")));
}

#[test]
fn unknown_accounts_and_wrong_passwords_look_the_same() {
    let w = common::world();
    let a =
        w.lk.sign_in("nobody", &Password::new(ADMIN_PW))
            .unwrap_err();
    let b =
        w.lk.sign_in("admin", &Password::new("wrong password"))
            .unwrap_err();
    assert_eq!(a.to_string(), b.to_string());
    assert_eq!(
        w.lk.sign_in("", &Password::new("x")).unwrap_err().field(),
        Some("username")
    );
}

#[test]
fn sign_in_by_email_works() {
    let w = common::world();
    w.sign_in("ADMIN@example.org", ADMIN_PW);
}

#[test]
fn hashes_are_upgraded_at_sign_in_when_the_policy_grows() {
    let w = common::world();
    let admin = w.admin();
    let raw = || {
        w.raw().text(
            "SELECT password_hash FROM accounts WHERE username = 'admin'",
            &[],
        )
    };
    assert!(raw().contains("m=19456,t=2,p=1"));
    let stronger = Argon2Params {
        m_kib: 32768,
        t: 3,
        p: 1,
    };
    w.lk.set_policy(&admin, &PolicyUpdate::default().with_argon2(stronger))
        .unwrap();
    let k = w.lk.account_key(&admin).unwrap();
    let secret_before = w.lk.reveal_key(&admin, &k.id).unwrap();
    w.admin();
    assert!(raw().contains("m=32768,t=3,p=1"), "{}", raw());
    // The data key was re-wrapped too: the account key is still viewable.
    let s = w.admin();
    assert_eq!(
        w.lk.reveal_key(&s, &k.id).unwrap().expose(),
        secret_before.expose()
    );
    let e = w.lk.set_policy(
        &s,
        &PolicyUpdate {
            argon2_memory_kib: Some(1024),
            argon2_iterations: Some(1),
            argon2_lanes: Some(1),
            ..Default::default()
        },
    );
    assert_eq!(e.unwrap_err().field(), Some("argon2 memory"));
}

#[test]
fn change_password_needs_current_new_and_matching_confirmation() {
    let w = common::world();
    let bob = w.user("bob", &[]);
    let p = Password::new;
    let e =
        w.lk.change_password(
            &bob,
            &p(USER_PW),
            &p("brand new passphrase"),
            &p("brand new passphrasf"),
        )
        .unwrap_err();
    assert_eq!(e.field(), Some("confirm password"));
    let e =
        w.lk.change_password(
            &bob,
            &p("wrong current pw"),
            &p("brand new passphrase"),
            &p("brand new passphrase"),
        )
        .unwrap_err();
    assert_eq!(e.to_string(), "current password: is incorrect");
    let e =
        w.lk.change_password(&bob, &p(USER_PW), &p("password1"), &p("password1"))
            .unwrap_err();
    assert_eq!(e.field(), Some("new password"));
    w.lk.change_password(
        &bob,
        &p(USER_PW),
        &p("brand new passphrase"),
        &p("brand new passphrase"),
    )
    .unwrap();
    assert_eq!(
        w.lk.sign_in("bob", &p(USER_PW)).unwrap_err().code(),
        "bad_credentials"
    );
    w.sign_in("bob", "brand new passphrase");
}

#[test]
fn change_password_keeps_revealable_keys_viewable_but_an_admin_reset_does_not() {
    let w = common::world();
    let bob = w.user("bob", &[]);
    let mut nk = common::key("viewable", &[]);
    nk.revealable = true;
    let k = w.lk.create_key(&bob, &nk).unwrap();
    let p = Password::new;
    w.lk.change_password(
        &bob,
        &p(USER_PW),
        &p("brand new passphrase"),
        &p("brand new passphrase"),
    )
    .unwrap();
    let bob = w.sign_in("bob", "brand new passphrase");
    assert_eq!(
        w.lk.reveal_key(&bob, &k.key.id).unwrap().expose(),
        k.secret.expose()
    );

    let admin = w.admin();
    assert_eq!(w.lk.reset_password_impact(&admin, "bob").unwrap(), 1);
    assert_eq!(
        w.lk.reset_password(&admin, "bob", &p("admin chosen passphrase"))
            .unwrap(),
        1
    );
    let signin = w.lk.sign_in("bob", &p("admin chosen passphrase")).unwrap();
    assert!(signin.secrets_lost);
    let e = w.lk.reveal_key(&signin.session, &k.key.id).unwrap_err();
    assert!(
        e.to_string().contains("administrator reset your password"),
        "{e}"
    );
    // The key itself still works.
    assert!(w.lk.verify(k.secret.expose()).unwrap().valid);
    // Told once.
    assert!(
        !w.lk
            .sign_in("bob", &p("admin chosen passphrase"))
            .unwrap()
            .secrets_lost
    );
    assert_eq!(
        w.lk.reset_password(&admin, "admin", &p("whatever passphrase"))
            .unwrap_err()
            .code(),
        "forbidden"
    );
}

#[test]
fn profile_updates_validate_and_are_audited() {
    let w = common::world();
    let bob = w.user("bob", &[]);
    let u = ProfileUpdate {
        first_name: Some("Bob".into()),
        email: Some(Some("bob.new@example.org".into())),
        ..Default::default()
    };
    let a = w.lk.update_profile(&bob, "bob", &u).unwrap();
    assert_eq!(
        (a.first_name.as_str(), a.email.as_deref()),
        ("Bob", Some("bob.new@example.org"))
    );
    let e = w.lk.update_profile(
        &bob,
        "bob",
        &ProfileUpdate {
            email: Some(Some("nope".into())),
            ..Default::default()
        },
    );
    assert_eq!(e.unwrap_err().field(), Some("email"));
    let e = w.lk.update_profile(
        &bob,
        "bob",
        &ProfileUpdate {
            email: Some(Some("admin@example.org".into())),
            ..Default::default()
        },
    );
    assert_eq!(
        e.unwrap_err().to_string(),
        "email: is already used by another account"
    );
    let e = w.lk.update_profile(
        &bob,
        "bob",
        &ProfileUpdate {
            last_name: Some("x".repeat(101)),
            ..Default::default()
        },
    );
    assert_eq!(e.unwrap_err().field(), Some("last name"));
    assert_eq!(
        w.lk.update_profile(&bob, "admin", &u).unwrap_err().code(),
        "forbidden"
    );
    let mine = w.lk.audit(&bob, &AuditFilter::default()).unwrap();
    assert!(mine.iter().any(|e| e.action == "account.updated"));
    assert!(
        mine.iter().all(|e| e.actor.as_deref() == Some("bob")),
        "non-admins see only their own events"
    );
}

#[test]
fn avatars_are_normalised_and_bad_images_refused() {
    let w = common::world();
    let bob = w.user("bob", &[]);
    let img = image::RgbaImage::from_pixel(640, 480, image::Rgba([10, 120, 200, 255]));
    let mut png = std::io::Cursor::new(Vec::new());
    img.write_to(&mut png, image::ImageFormat::Png).unwrap();
    w.lk.set_avatar(&bob, "bob", png.get_ref()).unwrap();
    let stored = w.lk.avatar(&bob, "bob").unwrap().unwrap();
    let back = image::load_from_memory(&stored).unwrap();
    assert_eq!((back.width(), back.height()), (256, 256));
    assert!(w.lk.me(&bob).unwrap().has_avatar);
    assert_eq!(
        w.lk.set_avatar(&bob, "bob", b"GIF89a").unwrap_err().field(),
        Some("avatar")
    );
    w.lk.clear_avatar(&bob, "bob").unwrap();
    assert!(w.lk.avatar(&bob, "bob").unwrap().is_none());
}

#[test]
fn the_last_administrator_stays_and_a_promoted_one_gets_an_account_key() {
    let w = common::world();
    let admin = w.admin();
    assert_eq!(
        w.lk.set_admin(&admin, "admin", false).unwrap_err().code(),
        "forbidden"
    );
    w.user("bob", &[]);
    w.lk.set_admin(&admin, "bob", true).unwrap();
    let bob = w.sign_in("bob", USER_PW);
    let k = w.lk.account_key(&bob).unwrap();
    assert!(k.account_key);
    w.lk.set_admin(&admin, "bob", false).unwrap();
    assert_eq!(w.lk.account_key(&bob).unwrap_err().code(), "forbidden");
}
