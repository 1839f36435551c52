mod common;

use common::{key, perms, USER_PW};
use latchkey_core::*;
use rstest::rstest;
use time::{Duration, OffsetDateTime};

fn expiry_days(k: &KeyInfo) -> i64 {
    (k.expires_at.unwrap() - k.created_at).whole_days()
}

#[test]
fn a_new_key_is_shown_once_and_listed_by_hint_only() {
    let w = common::world();
    let s = w.admin();
    let issued =
        w.lk.create_key(&s, &key("ci deploy", &["keys:read"]))
            .unwrap();
    let text = issued.secret.expose().to_owned();
    assert!(text.starts_with("lk_live_") && text.len() == 44);
    let listed = w.lk.list_keys(&s).unwrap();
    assert_eq!(listed.len(), 1);
    let k = &listed[0];
    assert_eq!(k.name, "ci deploy");
    assert_eq!(k.hint, format!("lk_live_…{}", &text[40..]));
    assert_eq!(k.status, KeyStatus::Active);
    assert_eq!(expiry_days(k), 30);
    assert!(!format!("{k:?}").contains(&text[8..38]));
    assert!(!serde_json::to_string(k).unwrap().contains(&text[8..38]));
}

#[rstest]
#[case("", "name: must be 1–100 characters")]
#[case(&"n".repeat(101), "name: must be 1–100 characters")]
#[case(
    "line\nbreak",
    "name: must not contain control or invisible formatting characters"
)]
fn bad_key_names(#[case] name: &str, #[case] msg: &str) {
    let w = common::world();
    let s = w.admin();
    assert_eq!(
        w.lk.create_key(&s, &key(name, &[]))
            .unwrap_err()
            .to_string(),
        msg
    );
    assert!(w.lk.list_keys(&s).unwrap().is_empty());
}

#[test]
fn sql_looking_and_unicode_names_are_stored_verbatim() {
    let w = common::world();
    let s = w.admin();
    for name in [
        "x'); DROP TABLE api_keys; --",
        "Schlüssel für Übung 🔑",
        "名前",
    ] {
        w.lk.create_key(&s, &key(name, &[])).unwrap();
    }
    let names: Vec<String> =
        w.lk.list_keys(&s)
            .unwrap()
            .into_iter()
            .map(|k| k.name)
            .collect();
    assert!(names.contains(&"x'); DROP TABLE api_keys; --".to_string()));
    assert!(names.contains(&"名前".to_string()));
}

#[test]
fn names_are_unique_among_live_keys_only() {
    let w = common::world();
    let s = w.admin();
    let a = w.lk.create_key(&s, &key("deploy", &[])).unwrap();
    let e = w.lk.create_key(&s, &key("DEPLOY", &[])).unwrap_err();
    assert_eq!(
        e.to_string(),
        "name: is already used by another of your keys"
    );
    w.lk.revoke_key(&s, &a.key.id).unwrap();
    w.lk.create_key(&s, &key("deploy", &[])).unwrap();
    // Another account may use the same name.
    let bob = w.user("bob", &[]);
    w.lk.create_key(&bob, &key("deploy", &[])).unwrap();
}

#[test]
fn permissions_must_exist_and_be_held_by_the_account() {
    let w = common::world();
    let admin = w.admin();
    w.lk.create_resource(&admin, "samples", "Sample data")
        .unwrap();
    w.lk.create_group(
        &admin,
        "readers",
        &["samples:read".into(), "keys:read".into()],
    )
    .unwrap();
    let bob = w.user("bob", &["readers"]);
    let e =
        w.lk.create_key(&bob, &key("k", &["samples:write"]))
            .unwrap_err();
    assert_eq!(e.field(), Some("permissions"));
    assert!(e.to_string().contains("samples:write"), "{e}");
    let e =
        w.lk.create_key(&bob, &key("k", &["nothing:read"]))
            .unwrap_err();
    assert!(
        e.to_string().contains("unknown permission nothing:read"),
        "{e}"
    );
    let e =
        w.lk.create_key(&bob, &key("k", &["samples:delete"]))
            .unwrap_err();
    assert_eq!(e.field(), Some("permissions"));
    let k = w.lk.create_key(&bob, &key("k", &["samples:read"])).unwrap();
    assert_eq!(
        perms(&w.lk.verify(k.secret.expose()).unwrap()),
        vec!["samples:read"]
    );
    assert!(w.lk.list_keys(&bob).unwrap().len() == 1);
}

#[test]
fn effective_permissions_follow_the_account_at_once() {
    let w = common::world();
    let bob = w.lab_member("bob");
    let admin = w.admin();
    let k =
        w.lk.create_key(&bob, &key("k", &["samples:read", "samples:write"]))
            .unwrap();
    assert_eq!(
        perms(&w.lk.verify(k.secret.expose()).unwrap()),
        vec!["samples:read", "samples:write"]
    );
    w.lk.set_group_permission(&admin, "lab", "samples", Action::Write, false)
        .unwrap();
    assert_eq!(
        perms(&w.lk.verify(k.secret.expose()).unwrap()),
        vec!["samples:read"]
    );
    w.lk.remove_member(&admin, "lab", "bob").unwrap();
    let v = w.lk.verify(k.secret.expose()).unwrap();
    assert!(v.valid && v.permissions.is_empty());
    // Granting it back restores it; the key never lost its own grant.
    w.lk.add_member(&admin, "lab", "bob").unwrap();
    assert_eq!(
        perms(&w.lk.verify(k.secret.expose()).unwrap()),
        vec!["samples:read"]
    );
    // Deleting a custom resource removes it everywhere.
    w.lk.delete_resource(&admin, "samples").unwrap();
    assert!(w
        .lk
        .verify(k.secret.expose())
        .unwrap()
        .permissions
        .is_empty());
    assert_eq!(
        w.lk.delete_resource(&admin, "keys").unwrap_err().code(),
        "forbidden"
    );
}

#[rstest]
#[case(Expiry::Days(7), 7)]
#[case(Expiry::Days(60), 60)]
#[case(Expiry::Days(90), 90)]
fn presets(#[case] e: Expiry, #[case] days: i64) {
    let w = common::world();
    let s = w.admin();
    let k =
        w.lk.create_key(
            &s,
            &NewKey {
                expiry: e,
                ..key("k", &[])
            },
        )
        .unwrap();
    assert_eq!(expiry_days(&k.key), days);
}

#[test]
fn custom_dates_must_be_in_the_future_and_presets_are_fixed() {
    let w = common::world();
    let s = w.admin();
    let today = w.clock.now().date();
    for bad in [today, today - Duration::days(1)] {
        let e =
            w.lk.create_key(
                &s,
                &NewKey {
                    expiry: Expiry::On(bad),
                    ..key("k", &[])
                },
            )
            .unwrap_err();
        assert_eq!(e.to_string(), "expiry: must be a date after today");
    }
    let e =
        w.lk.create_key(
            &s,
            &NewKey {
                expiry: Expiry::Days(45),
                ..key("k", &[])
            },
        )
        .unwrap_err();
    assert_eq!(e.field(), Some("expiry"));
    let k =
        w.lk.create_key(
            &s,
            &NewKey {
                expiry: Expiry::On(today + Duration::days(3)),
                ..key("k", &[])
            },
        )
        .unwrap();
    assert_eq!(k.key.expires_at.unwrap().date(), today + Duration::days(3));
    assert_eq!(
        "2030-02-30".parse::<Expiry>().unwrap_err().field(),
        Some("expiry")
    );
    assert_eq!("30d".parse::<Expiry>().unwrap(), Expiry::Days(30));
}

#[test]
fn policy_limits_lifetime_never_and_active_keys() {
    let w = common::world();
    let admin = w.admin();
    let never = NewKey {
        expiry: Expiry::Never,
        ..key("forever", &[])
    };
    w.lk.create_key(&admin, &never).unwrap();
    w.lk.set_policy(
        &admin,
        &PolicyUpdate {
            allow_never_expiring: Some(false),
            ..Default::default()
        },
    )
    .unwrap();
    let e =
        w.lk.create_key(
            &admin,
            &NewKey {
                name: "forever2".into(),
                ..never.clone()
            },
        )
        .unwrap_err();
    assert!(e.to_string().contains("must not be never"), "{e}");

    w.lk.set_policy(
        &admin,
        &PolicyUpdate {
            max_key_lifetime_days: Some(Some(30)),
            ..Default::default()
        },
    )
    .unwrap();
    let e =
        w.lk.create_key(
            &admin,
            &NewKey {
                expiry: Expiry::Days(60),
                ..key("long", &[])
            },
        )
        .unwrap_err();
    assert!(e.to_string().contains("within 30 days"), "{e}");
    w.lk.create_key(
        &admin,
        &NewKey {
            expiry: Expiry::Days(30),
            ..key("ok", &[])
        },
    )
    .unwrap();

    // "One token at a time".
    let bob = w.user("bob", &[]);
    w.lk.set_policy(
        &admin,
        &PolicyUpdate {
            max_active_keys: Some(Some(1)),
            ..Default::default()
        },
    )
    .unwrap();
    let first = w.lk.create_key(&bob, &key("one", &[])).unwrap();
    let e = w.lk.create_key(&bob, &key("two", &[])).unwrap_err();
    assert_eq!(e.code(), "policy_violation");
    assert!(
        w.lk.list_keys(&bob).unwrap().len() == 1,
        "nothing half-written"
    );
    w.lk.revoke_key(&bob, &first.key.id).unwrap();
    w.lk.create_key(&bob, &key("two", &[])).unwrap();

    let e =
        w.lk.set_policy(
            &admin,
            &PolicyUpdate {
                min_password_length: Some(4),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert_eq!(e.field(), Some("min password length"));
    let e = w.lk.set_policy(&bob, &PolicyUpdate::default()).unwrap_err();
    assert_eq!(e.code(), "forbidden");
}

#[test]
fn expiry_and_expiring_soon() {
    let w = common::world();
    let s = w.admin();
    let k =
        w.lk.create_key(
            &s,
            &NewKey {
                expiry: Expiry::Days(7),
                ..key("short", &[])
            },
        )
        .unwrap();
    // Made to live 7 days: not flagged the moment it is made, but in its last quarter.
    assert_eq!(k.key.status, KeyStatus::Active);
    let signin =
        w.lk.sign_in("admin", &Password::new(common::ADMIN_PW))
            .unwrap();
    assert!(signin.expiring_soon.is_empty());
    w.clock.advance(Duration::days(7) - Duration::hours(42));
    assert_eq!(
        w.lk.key(&s, &k.key.id).unwrap().status,
        KeyStatus::ExpiringSoon
    );
    let signin =
        w.lk.sign_in("admin", &Password::new(common::ADMIN_PW))
            .unwrap();
    assert_eq!(signin.expiring_soon.len(), 1);
    w.clock.advance(Duration::hours(42) + Duration::seconds(1));
    let v = w.lk.verify(k.secret.expose()).unwrap();
    assert_eq!((v.valid, v.reason), (false, Reason::Expired));
    assert_eq!(w.lk.key(&s, &k.key.id).unwrap().status, KeyStatus::Expired);
    // Expired, not deleted.
    assert_eq!(w.lk.list_keys(&s).unwrap().len(), 1);
}

#[test]
fn regenerate_immediately_copies_settings_and_kills_the_old_key() {
    let w = common::world();
    let s = w.admin();
    let old =
        w.lk.create_key(
            &s,
            &NewKey {
                environment: Environment::Test,
                ..key("svc", &["keys:read"])
            },
        )
        .unwrap();
    let new =
        w.lk.regenerate_key(&s, &old.key.id, Grace::Immediately)
            .unwrap();
    assert_ne!(new.secret.expose(), old.secret.expose());
    assert_eq!(new.old_stops_at, None, "the old key stopped at once");
    assert!(new.secret.expose().starts_with("lk_test_"));
    assert_eq!(
        (new.key.name.as_str(), new.key.expires_at),
        ("svc", old.key.expires_at)
    );
    assert_eq!(new.key.permissions, old.key.permissions);
    assert_eq!(
        w.lk.verify(old.secret.expose()).unwrap().reason,
        Reason::Revoked
    );
    assert!(w.lk.verify(new.secret.expose()).unwrap().valid);
    let e =
        w.lk.regenerate_key(&s, &old.key.id, Grace::Immediately)
            .unwrap_err();
    assert_eq!(e.code(), "conflict");
    assert_eq!(
        w.lk.key(&s, &old.key.id).unwrap().replaced_by,
        Some(new.key.id.clone())
    );
}

#[test]
fn regenerate_with_grace_keeps_the_old_key_until_the_grace_ends_but_not_past_its_expiry() {
    let w = common::world();
    let s = w.admin();
    let old = w.lk.create_key(&s, &key("svc", &[])).unwrap();
    let new = w.lk.regenerate_key(&s, &old.key.id, Grace::Hour1).unwrap();
    assert_eq!(new.old_stops_at, Some(w.clock.now() + Duration::hours(1)));
    w.clock.advance(Duration::minutes(59));
    assert!(w.lk.verify(old.secret.expose()).unwrap().valid);
    w.clock.advance(Duration::minutes(1));
    assert_eq!(
        w.lk.verify(old.secret.expose()).unwrap().reason,
        Reason::Revoked
    );
    assert!(w.lk.verify(new.secret.expose()).unwrap().valid);

    // A 24 h grace on a key with 2 h left ends at its expiry.
    let s = w.admin();
    let today = w.clock.now();
    let short =
        w.lk.create_key(
            &s,
            &NewKey {
                expiry: Expiry::Days(7),
                ..key("short", &[])
            },
        )
        .unwrap();
    w.clock.advance(Duration::days(7) - Duration::hours(2));
    let s = w.admin();
    let rolled =
        w.lk.regenerate_key(&s, &short.key.id, Grace::Hours24)
            .unwrap();
    let old_info = w.lk.key(&s, &short.key.id).unwrap();
    assert_eq!(old_info.revoked_at, old_info.expires_at);
    assert_eq!(rolled.old_stops_at, old_info.expires_at);
    assert!(old_info.revoked_at.unwrap() < today + Duration::days(8));
}

#[test]
fn regenerate_needs_a_fresh_proof_of_identity() {
    let w = common::world();
    let mut s = w.admin();
    let k = w.lk.create_key(&s, &key("svc", &[])).unwrap();
    w.clock
        .advance(Duration::minutes(10) + Duration::seconds(1));
    let e =
        w.lk.regenerate_key(&s, &k.key.id, Grace::Immediately)
            .unwrap_err();
    assert_eq!(e.code(), "step_up_required");
    assert!(
        w.lk.verify(k.secret.expose()).unwrap().valid,
        "nothing changed"
    );
    assert_eq!(
        w.lk.confirm_password(&mut s, &Password::new("wrong"))
            .unwrap_err()
            .code(),
        "bad_credentials"
    );
    w.lk.confirm_password(&mut s, &Password::new(common::ADMIN_PW))
        .unwrap();
    w.lk.regenerate_key(&s, &k.key.id, Grace::Immediately)
        .unwrap();
}

#[test]
fn revoke_is_permanent_and_scoped_to_the_owner() {
    let w = common::world();
    let s = w.admin();
    let bob = w.user("bob", &[]);
    let k = w.lk.create_key(&s, &key("svc", &[])).unwrap();
    assert_eq!(
        w.lk.revoke_key(&bob, &k.key.id).unwrap_err().code(),
        "not_found"
    );
    assert!(w.lk.verify(k.secret.expose()).unwrap().valid);
    let info = w.lk.revoke_key(&s, &k.key.id).unwrap();
    assert_eq!(info.status, KeyStatus::Revoked);
    assert_eq!(
        w.lk.verify(k.secret.expose()).unwrap().reason,
        Reason::Revoked
    );
    assert_eq!(
        w.lk.revoke_key(&s, &k.key.id).unwrap_err().code(),
        "conflict"
    );
    let e =
        w.lk.edit_key(
            &s,
            &k.key.id,
            &KeyEdit {
                name: Some("x".into()),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert_eq!(e.code(), "conflict");
}

#[test]
fn edit_renames_and_narrows_but_never_widens() {
    let w = common::world();
    let admin = w.admin();
    w.lk.create_group(&admin, "r", &["keys:read".into()])
        .unwrap();
    let bob = w.user("bob", &["r"]);
    let k = w.lk.create_key(&bob, &key("a", &["keys:read"])).unwrap();
    w.lk.create_key(&bob, &key("b", &[])).unwrap();
    let e =
        w.lk.edit_key(
            &bob,
            &k.key.id,
            &KeyEdit {
                name: Some("b".into()),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert_eq!(e.field(), Some("name"));
    let e =
        w.lk.edit_key(
            &bob,
            &k.key.id,
            &KeyEdit {
                permissions: Some(vec!["keys:write".into()]),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert!(e.to_string().contains("keys:write"));
    let edited =
        w.lk.edit_key(
            &bob,
            &k.key.id,
            &KeyEdit {
                name: Some("renamed".into()),
                permissions: Some(vec![]),
            },
        )
        .unwrap();
    assert_eq!(edited.name, "renamed");
    assert!(edited.permissions.is_empty());
    assert!(w
        .lk
        .verify(k.secret.expose())
        .unwrap()
        .permissions
        .is_empty());
}

#[test]
fn the_account_key_cannot_be_deleted_only_viewed_after_step_up_and_reset() {
    let w = common::world();
    let mut s = w.admin();
    let ak = w.lk.account_key(&s).unwrap();
    assert!(ak.account_key && ak.revealable && ak.expires_at.is_none());
    assert_eq!(w.lk.revoke_key(&s, &ak.id).unwrap_err().code(), "forbidden");
    let secret = w.lk.reveal_account_key(&s).unwrap();
    assert!(w.lk.verify(secret.expose()).unwrap().valid);
    w.clock.advance(Duration::minutes(11));
    assert_eq!(
        w.lk.reveal_account_key(&s).unwrap_err().code(),
        "step_up_required"
    );
    w.lk.confirm_password(&mut s, &Password::new(common::ADMIN_PW))
        .unwrap();
    let reset = w.lk.reset_account_key(&s).unwrap();
    assert_eq!(
        w.lk.verify(secret.expose()).unwrap().reason,
        Reason::Revoked
    );
    assert!(w.lk.verify(reset.secret.expose()).unwrap().valid);
    assert_eq!(
        w.lk.reveal_account_key(&s).unwrap().expose(),
        reset.secret.expose()
    );
    assert!(
        w.lk.list_keys(&s).unwrap().is_empty(),
        "account key is listed apart"
    );
    let bob = w.user("bob", &[]);
    assert_eq!(w.lk.account_key(&bob).unwrap_err().code(), "forbidden");
}

#[test]
fn keys_not_marked_revealable_cannot_be_viewed() {
    let w = common::world();
    let s = w.admin();
    let k = w.lk.create_key(&s, &key("plain", &[])).unwrap();
    assert_eq!(
        w.lk.reveal_key(&s, &k.key.id).unwrap_err().code(),
        "forbidden"
    );
    let r =
        w.lk.create_key(
            &s,
            &NewKey {
                revealable: true,
                ..key("r", &[])
            },
        )
        .unwrap();
    assert_eq!(
        w.lk.reveal_key(&s, &r.key.id).unwrap().expose(),
        r.secret.expose()
    );
}

#[test]
fn verify_reasons() {
    let w = common::world();
    let s = w.admin();
    let k = w.lk.create_key(&s, &key("k", &[])).unwrap();
    let text = k.secret.expose();
    let v = w.lk.verify(text).unwrap();
    assert_eq!(
        (v.valid, v.reason, v.account.as_deref()),
        (true, Reason::Valid, Some("admin"))
    );
    assert_eq!(v.environment, Some(Environment::Live));
    assert_eq!(w.lk.verify("hello").unwrap().reason, Reason::Malformed);
    assert_eq!(w.lk.verify("").unwrap().reason, Reason::Malformed);
    // One character changed: the checksum catches it.
    let mut bad = text.to_string().into_bytes();
    bad[20] = if bad[20] == b'a' { b'b' } else { b'a' };
    assert_eq!(
        w.lk.verify(std::str::from_utf8(&bad).unwrap())
            .unwrap()
            .reason,
        Reason::Malformed
    );
    // Well-formed but never issued.
    let stranger = keyformat::generate(KeyKind::Live).unwrap();
    assert_eq!(w.lk.verify(&stranger).unwrap().reason, Reason::NotFound);
    let v = w.lk.verify(&format!("  {text}\n")).unwrap();
    assert!(v.valid, "surrounding whitespace from a paste is tolerated");
}

#[test]
fn malformed_keys_are_rejected_before_any_lookup() {
    let w = common::world();
    let s = w.admin();
    let k = w.lk.create_key(&s, &key("k", &[])).unwrap();
    let mut bad = k.secret.expose().to_string();
    bad.pop();
    bad.push('!');
    // Right shape and alphabet, wrong checksum: only the checksum can tell.
    let mut wrong_sum = k.secret.expose().to_string();
    let last = wrong_sum.pop().unwrap();
    wrong_sum.push(if last == 'A' { 'B' } else { 'A' });
    assert_eq!(
        keyformat::parse(&wrong_sum).unwrap_err(),
        keyformat::FormatError::Checksum
    );
    let mut raw = w.raw();
    if raw.is_postgres() {
        raw.exec("DROP TABLE key_permissions, api_keys CASCADE");
    } else {
        raw.exec("PRAGMA foreign_keys = OFF; DROP TABLE key_permissions; DROP TABLE api_keys;");
    }
    // With the key table gone, any lookup would fail; a malformed key never gets there.
    assert_eq!(w.lk.verify(&bad).unwrap().reason, Reason::Malformed);
    assert_eq!(w.lk.verify(&wrong_sum).unwrap().reason, Reason::Malformed);
    assert!(w.lk.verify(k.secret.expose()).is_err());
}

#[test]
fn last_used_is_coalesced_to_once_a_minute() {
    let w = common::world();
    let s = w.admin();
    let k = w.lk.create_key(&s, &key("k", &[])).unwrap();
    assert!(w.lk.key(&s, &k.key.id).unwrap().last_used_at.is_none());
    w.lk.verify(k.secret.expose()).unwrap();
    let first = w.lk.key(&s, &k.key.id).unwrap().last_used_at.unwrap();
    w.clock.advance(Duration::seconds(30));
    w.lk.verify(k.secret.expose()).unwrap();
    assert_eq!(
        w.lk.key(&s, &k.key.id).unwrap().last_used_at.unwrap(),
        first
    );
    w.clock.advance(Duration::seconds(31));
    w.lk.verify(k.secret.expose()).unwrap();
    assert_eq!(
        w.lk.key(&s, &k.key.id).unwrap().last_used_at.unwrap(),
        first + Duration::seconds(61)
    );
}

#[test]
fn no_plaintext_key_or_password_in_any_database_file() {
    let w = common::world();
    let mut s = w.admin();
    let mut secrets = Vec::new();
    for i in 0..20 {
        let k =
            w.lk.create_key(
                &s,
                &NewKey {
                    revealable: i % 2 == 0,
                    ..key(&format!("k{i}"), &["keys:read"])
                },
            )
            .unwrap();
        w.lk.verify(k.secret.expose()).unwrap();
        secrets.push(k.secret.expose().to_owned());
    }
    let first = w.lk.list_keys(&s).unwrap()[0].id.clone();
    secrets.push(
        w.lk.regenerate_key(&s, &first, Grace::Hour1)
            .unwrap()
            .secret
            .expose()
            .to_owned(),
    );
    w.lk.confirm_password(&mut s, &Password::new(common::ADMIN_PW))
        .unwrap();
    secrets.push(w.lk.reveal_account_key(&s).unwrap().expose().to_owned());
    secrets.push(
        w.lk.reset_account_key(&s)
            .unwrap()
            .secret
            .expose()
            .to_owned(),
    );
    // Two-step verification: bob's confirmed TOTP secret and recovery codes, and carol's
    // secret from an enrolment she has not confirmed yet.
    let bob = w.user("bob", &[]);
    let enrolled = w.lk.mfa_enroll(&bob).unwrap();
    let now = w.clock.now().unix_timestamp() as u64;
    let codes =
        w.lk.mfa_confirm(&bob, &mfa::code_at(&enrolled.secret_base32, now).unwrap())
            .unwrap();
    let carol = w.user("carol", &[]);
    let pending = w.lk.mfa_enroll(&carol).unwrap();
    let mut totp_secrets: Vec<Vec<u8>> = Vec::new();
    for e in [&enrolled, &pending] {
        let raw = totp_rs::Secret::try_from_base32(&e.secret_base32).unwrap();
        totp_secrets.push(raw.as_ref().to_vec());
        totp_secrets.push(e.secret_base32.as_bytes().to_vec());
        totp_secrets.push(e.secret_base32.to_lowercase().into_bytes());
    }
    let mut recovery: Vec<String> = Vec::new();
    for c in &codes.0 {
        recovery.push(c.clone());
        recovery.push(c.replace('-', ""));
        recovery.push(c.replace('-', "").to_uppercase());
    }

    let haystack = w.store_bytes();
    assert!(haystack.len() > 10_000);
    let contains = |needle: &[u8]| memchr::memmem::find(&haystack, needle).is_some();
    for s in &secrets {
        assert!(
            !contains(s.as_bytes()),
            "a key's plaintext is in the store files"
        );
        // Not even the random part without its prefix.
        assert!(
            !contains(&s.as_bytes()[8..38]),
            "a key's random part is in the store files"
        );
    }
    for pw in [common::ADMIN_PW, USER_PW] {
        assert!(!contains(pw.as_bytes()), "a password is in the store files");
    }
    assert_eq!(totp_secrets[0].len(), 20);
    for t in &totp_secrets {
        assert!(!contains(t), "a TOTP secret is in the store files");
    }
    assert_eq!(recovery.len(), 30);
    for c in &recovery {
        assert!(
            !contains(c.as_bytes()),
            "a recovery code is in the store files"
        );
    }
    let audit =
        w.lk.audit(
            &s,
            &AuditFilter {
                limit: Some(10_000),
                ..Default::default()
            },
        )
        .unwrap();
    let text = serde_json::to_string(&audit).unwrap();
    for s in &secrets {
        assert!(!text.contains(&s[8..38]));
    }
    for action in [
        "key.created",
        "key.regenerated",
        "key.viewed",
        "account_key.reset",
        "sign_in",
        "step_up",
        "account.created",
    ] {
        assert!(
            audit.iter().any(|e| e.action == action),
            "no {action} event"
        );
    }
}

#[test]
fn key_files_are_private_atomic_and_readable_json() {
    use std::os::unix::fs::PermissionsExt;
    let w = common::world();
    let s = w.admin();
    let k =
        w.lk.create_key(
            &s,
            &NewKey {
                expiry: Expiry::Never,
                ..key("ci", &["keys:read"])
            },
        )
        .unwrap();
    let p = w.dir.path().join(KeyFile::default_file_name(&k.key.name));
    KeyFile::new(&k.key, &k.secret, w.lk.api_url())
        .write(&p)
        .unwrap();
    assert_eq!(
        std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["api_key"], k.secret.expose());
    assert_eq!(v["key_id"], k.key.id.0.as_str());
    assert_eq!(v["account"], "admin");
    assert_eq!(v["environment"], "live");
    assert_eq!(v["permissions"][0], "keys:read");
    assert!(v["expires_at"].is_null());
    OffsetDateTime::parse(
        v["created_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert!(w.lk.verify(v["api_key"].as_str().unwrap()).unwrap().valid);
    let leftovers: Vec<_> = std::fs::read_dir(w.dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn a_key_session_is_bounded_by_its_permissions_and_cannot_step_up() {
    let w = common::world();
    let s = w.admin();
    let reader = w.lk.create_key(&s, &key("reader", &["keys:read"])).unwrap();
    let writer =
        w.lk.create_key(&s, &key("writer", &["keys:read", "keys:write"]))
            .unwrap();
    let nothing = w.lk.create_key(&s, &key("nothing", &[])).unwrap();

    let r = w.lk.authenticate_key(reader.secret.expose()).unwrap();
    assert_eq!(r.via_key(), Some(&reader.key.id));
    assert_eq!(w.lk.list_keys(&r).unwrap().len(), 3);
    let e = w.lk.create_key(&r, &key("more", &[])).unwrap_err();
    assert_eq!(
        (e.code().as_str(), e.to_string().contains("keys:write")),
        ("forbidden", true)
    );
    assert_eq!(
        w.lk.me(&r).unwrap_err().code(),
        "forbidden",
        "account:read not granted"
    );

    let n = w.lk.authenticate_key(nothing.secret.expose()).unwrap();
    assert_eq!(w.lk.list_keys(&n).unwrap_err().code(), "forbidden");

    let wr = w.lk.authenticate_key(writer.secret.expose()).unwrap();
    let made =
        w.lk.create_key(&wr, &key("made by a program", &["keys:read"]))
            .unwrap();
    assert!(w.lk.verify(made.secret.expose()).unwrap().valid);
    // A program cannot widen what it holds, create viewable keys, or skip step-up.
    assert_eq!(
        w.lk.create_key(&wr, &key("wider", &["account:write"]))
            .unwrap_err()
            .field(),
        Some("permissions")
    );
    assert_eq!(
        w.lk.create_key(
            &wr,
            &NewKey {
                revealable: true,
                ..key("v", &[])
            }
        )
        .unwrap_err()
        .code(),
        "forbidden"
    );
    assert_eq!(
        w.lk.regenerate_key(&wr, &made.key.id, Grace::Immediately)
            .unwrap_err()
            .code(),
        "step_up_required"
    );
    assert_eq!(w.lk.list_accounts(&wr).unwrap_err().code(), "forbidden");
    w.lk.revoke_key(&wr, &made.key.id).unwrap();

    w.lk.revoke_key(&s, &reader.key.id).unwrap();
    let e = w.lk.authenticate_key(reader.secret.expose()).unwrap_err();
    assert_eq!(
        (e.code().as_str(), e.to_string()),
        (
            "invalid_key",
            "the API key is not valid (revoked)".to_string()
        )
    );
    assert_eq!(
        w.lk.authenticate_key("nope").unwrap_err().to_string(),
        "the API key is not valid (malformed)"
    );
}

fn with_max_lifetime(w: &common::World, days: u32) -> Session {
    let admin = w.admin();
    w.lk.set_policy(
        &admin,
        &PolicyUpdate {
            max_key_lifetime_days: Some(Some(days)),
            ..Default::default()
        },
    )
    .unwrap();
    admin
}

/// A preset is allowed when its days are at most the policy's maximum: not one day more.
#[rstest]
#[case(60, Expiry::Days(60), true)]
#[case(59, Expiry::Days(60), false)]
#[case(89, Expiry::Days(90), false)]
#[case(90, Expiry::Days(90), true)]
#[case(7, Expiry::Days(7), true)]
#[case(6, Expiry::Days(7), false)]
fn presets_must_be_within_the_maximum_lifetime(
    #[case] max: u32,
    #[case] expiry: Expiry,
    #[case] allowed: bool,
) {
    let w = common::world();
    let admin = with_max_lifetime(&w, max);
    let r = w.lk.create_key(
        &admin,
        &NewKey {
            expiry,
            ..key("k", &[])
        },
    );
    match (allowed, r) {
        (true, Ok(_)) => {}
        (false, Err(e)) => {
            assert_eq!(e.field(), Some("expiry"));
            assert!(
                e.to_string()
                    .contains(&format!("a preset of at most {max} days")),
                "{e}"
            );
        }
        (_, r) => panic!("max {max}, {expiry:?}: {r:?}"),
    }
}

/// A custom date is allowed when the key's last second comes within the maximum from now
/// (so, unless it is just midnight, up to today plus the maximum less one day), and not a
/// day later; the error says which date is the last one allowed.
#[test]
fn custom_dates_must_be_within_the_maximum_lifetime() {
    let w = common::world();
    let admin = with_max_lifetime(&w, 30);
    let now = w.clock.now();
    let today = now.date();
    let deadline = now + Duration::days(30);
    let last = if deadline.time() == time::Time::from_hms(23, 59, 59).unwrap() {
        deadline.date()
    } else {
        today + Duration::days(29)
    };
    let ok =
        w.lk.create_key(
            &admin,
            &NewKey {
                expiry: Expiry::On(last),
                ..key("last day", &[])
            },
        )
        .unwrap();
    assert_eq!(ok.key.expires_at.unwrap().date(), last);
    assert!(
        ok.key.expires_at.unwrap() <= deadline,
        "never past the maximum"
    );
    let e =
        w.lk.create_key(
            &admin,
            &NewKey {
                expiry: Expiry::On(last + Duration::days(1)),
                ..key("a day late", &[])
            },
        )
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "expiry: must be within 30 days: the policy limits key lifetime \
             (a preset of at most 30 days, or a date no later than {last})"
        )
    );
    assert_eq!(w.lk.list_keys(&admin).unwrap().len(), 1);
}
