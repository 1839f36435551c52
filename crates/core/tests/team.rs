//! Company details and invitations: who may change what, every refusal with its reason,
//! single use under concurrency, the throttle on wrong codes, and the audit trail.

mod common;

use common::{ADMIN_PW, USER_PW};
use latchkey_core::*;
use std::sync::{Arc, Barrier};
use time::Duration;

fn invite(w: &common::World, email: &str, groups: &[&str], admin: bool) -> IssuedInvitation {
    let s = w.admin();
    w.lk.create_invitation(
        &s,
        &NewInvitation {
            email: email.into(),
            groups: groups.iter().map(|g| g.to_string()).collect(),
            admin,
        },
    )
    .unwrap()
}

fn member(name: &str) -> NewAccount {
    NewAccount {
        username: name.into(),
        first_name: "Grace".into(),
        last_name: "Hopper".into(),
        ..Default::default()
    }
}

fn pw(s: &str) -> Password {
    Password::new(s)
}

fn redeem(w: &common::World, code: &str, name: &str) -> Result<SignIn> {
    w.lk.redeem_invitation(code, &member(name), &pw(USER_PW), &pw(USER_PW))
}

#[test]
fn company_details_are_set_by_administrators_and_seen_by_everyone() {
    let w = common::world();
    let admin = w.admin();
    assert_eq!(w.lk.organisation(&admin).unwrap(), Organisation::default());
    let set =
        w.lk.set_organisation(
            &admin,
            &Organisation {
                name: "  Hopper Lab ".into(),
                country: "nz".into(),
            },
        )
        .unwrap();
    assert_eq!(
        (set.name.as_str(), set.country.as_str()),
        ("Hopper Lab", "NZ")
    );
    let bob = w.user("bob", &[]);
    assert_eq!(w.lk.organisation(&bob).unwrap(), set);
    let e = w.lk.set_organisation(&bob, &set).unwrap_err();
    assert_eq!(e.code(), "forbidden");
    for (name, country, field) in [
        ("", "NZ", "name"),
        (&"x".repeat(101) as &str, "NZ", "name"),
        ("Lab\u{1b}[2J", "NZ", "name"),
        ("Lab", "ZZ", "country"),
        ("Lab", "NZL", "country"),
        ("Lab", "", "country"),
    ] {
        let e =
            w.lk.set_organisation(
                &admin,
                &Organisation {
                    name: name.into(),
                    country: country.into(),
                },
            )
            .unwrap_err();
        assert_eq!(e.field(), Some(field), "{name:?} {country:?}: {e}");
    }
    assert_eq!(
        w.lk.organisation(&admin).unwrap(),
        set,
        "nothing half-written"
    );
    let changes = w.audit_of(None, "org.changed");
    assert_eq!(changes.iter().filter(|e| e.outcome == "ok").count(), 1);
    assert_eq!(changes.iter().filter(|e| e.outcome == "refused").count(), 1);
    let all = org::countries();
    assert!(all.len() > 240);
    assert!(all
        .iter()
        .any(|c| c.code == "NZ" && c.name.contains("New Zealand")));
    // Named as people write them, and filed under the name's first real word.
    let gb = all.iter().find(|c| c.code == "GB").unwrap();
    assert_eq!(
        gb.name,
        "United Kingdom of Great Britain and Northern Ireland"
    );
    assert!(all.iter().all(|c| !c.name.starts_with("The ")));
    let names: Vec<&str> = all.iter().map(|c| c.name.as_str()).collect();
    assert!(names.windows(2).all(|w| w[0] <= w[1]), "sorted by name");
}

#[test]
fn an_invitation_makes_the_account_it_names_once() {
    let w = common::world();
    let admin = w.admin();
    w.lk.create_group(&admin, "lab", &["keys:read".into()])
        .unwrap();
    w.lk.set_organisation(
        &admin,
        &Organisation {
            name: "Hopper Lab".into(),
            country: "NZ".into(),
        },
    )
    .unwrap();
    let issued = invite(&w, "Grace@Example.org", &["lab"], false);
    let code = issued.code.expose().to_owned();
    assert!(code.starts_with("lk_inv_") && code.len() == 43, "{code}");
    assert_eq!(issued.invitation.status, InvitationStatus::Pending);
    assert_eq!(issued.invitation.groups, ["lab"]);
    assert!(issued.invitation.hint.starts_with("lk_inv_…"));
    assert_eq!(
        issued.invitation.expires_at - issued.invitation.created_at,
        Duration::days(7)
    );

    let preview = w.lk.preview_invitation(&code).unwrap();
    assert_eq!(preview.organisation, "Hopper Lab");
    assert_eq!(preview.email, "Grace@Example.org");

    let signed = redeem(&w, &format!("  {code}\n"), "grace").unwrap();
    let me = w.lk.me(&signed.session).unwrap();
    assert_eq!(me.email.as_deref(), Some("Grace@Example.org"));
    assert_eq!(me.groups, ["lab"]);
    assert!(!me.is_admin);
    assert_eq!(me.first_name, "Grace");

    let list = w.lk.list_invitations(&admin).unwrap();
    assert_eq!(list[0].status, InvitationStatus::Accepted);
    assert_eq!(list[0].accepted_by.as_deref(), Some("grace"));

    // A second redemption, with the reason.
    let e = redeem(&w, &code, "grace2").unwrap_err();
    assert_eq!(e.code(), "invitation_used", "{e}");
    assert_eq!(w.lk.list_accounts(&admin).unwrap().len(), 2);
    for action in [
        "invitation.created",
        "invitation.accepted",
        "account.created",
    ] {
        assert!(
            w.audit_of(None, action).iter().any(|e| e.outcome == "ok"),
            "{action}"
        );
    }
    let refused = w.audit_of(None, "invitation.refused");
    assert!(refused.iter().any(|e| e.detail == "already used"));
    // The code is nowhere in the store.
    let bytes = w.store_bytes();
    assert!(memchr::memmem::find(&bytes, code.as_bytes()).is_none());
}

#[test]
fn an_administrator_invitation_makes_an_administrator_with_an_account_key() {
    let w = common::world();
    let issued = invite(&w, "ada2@example.org", &[], true);
    let signed = redeem(&w, issued.code.expose(), "ada2").unwrap();
    assert!(w.lk.me(&signed.session).unwrap().is_admin);
    assert!(w.lk.account_key(&signed.session).is_ok());
}

#[test]
fn every_refusal_of_a_code_says_why() {
    let w = common::world();
    let admin = w.admin();
    // Expired: 7 days on the store's clock.
    let old = invite(&w, "late@example.org", &[], false);
    w.clock.advance(Duration::days(7));
    assert_eq!(
        redeem(&w, old.code.expose(), "late").unwrap_err().code(),
        "invitation_expired"
    );
    // Revoked.
    let gone = invite(&w, "gone@example.org", &[], false);
    w.lk.revoke_invitation(&admin, &gone.invitation.id).unwrap();
    let e = redeem(&w, gone.code.expose(), "gone").unwrap_err();
    assert_eq!(e.code(), "invitation_revoked");
    assert!(e.to_string().contains("withdrawn"), "{e}");
    // Re-issued: the old code stops, the new one works.
    let first = invite(&w, "again@example.org", &[], false);
    let second =
        w.lk.reissue_invitation(&admin, &first.invitation.id)
            .unwrap();
    let e = redeem(&w, first.code.expose(), "again").unwrap_err();
    assert_eq!(e.code(), "invitation_revoked");
    assert!(e.to_string().contains("replaced"), "{e}");
    redeem(&w, second.code.expose(), "again").unwrap();
    // An expired one can be re-issued too.
    let renewed = w.lk.reissue_invitation(&admin, &old.invitation.id).unwrap();
    redeem(&w, renewed.code.expose(), "late").unwrap();
    // Not an invitation code: refused before any lookup, naming the field.
    let key = w.lk.create_key(&admin, &common::key("k", &[])).unwrap();
    let e = redeem(&w, key.secret.expose(), "x").unwrap_err();
    assert_eq!((e.code(), e.field()), (Code::InvalidInput, Some("code")));
    assert!(e.to_string().contains("API key"), "{e}");
    let mut typo = second.code.expose().to_owned();
    let last = typo.pop().unwrap();
    typo.push(if last == 'A' { 'B' } else { 'A' });
    let e = redeem(&w, &typo, "x").unwrap_err();
    assert_eq!((e.code(), e.field()), (Code::InvalidInput, Some("code")));
    // A well-formed code no invitation has.
    let e = redeem(&w, &keyformat::generate(KeyKind::Inv).unwrap(), "x").unwrap_err();
    assert_eq!(e.code(), "invitation_unknown");
    // The listing shows each with its status; a re-issued one under its new code.
    let list = w.lk.list_invitations(&admin).unwrap();
    let status = |email: &str| list.iter().find(|i| i.email == email).unwrap().status;
    assert_eq!(status("gone@example.org"), InvitationStatus::Revoked);
    assert_eq!(status("again@example.org"), InvitationStatus::Accepted);
    assert_eq!(
        list.iter()
            .filter(|i| i.email == "again@example.org")
            .count(),
        1
    );
}

#[test]
fn the_new_account_follows_the_rules_and_nothing_is_half_written() {
    let w = common::world();
    let bob = w.user("bob", &[]);
    let _ = bob;
    let issued = invite(&w, "carol@example.org", &[], false);
    let code = issued.code.expose();
    for (name, pw1, pw2, field) in [
        ("bob", USER_PW, USER_PW, "username"),
        ("c d", USER_PW, USER_PW, "username"),
        ("carol", "short", "short", "password"),
        (
            "carol",
            "carol@example.org",
            "carol@example.org",
            "password",
        ),
        (
            "carol",
            USER_PW,
            "something else entirely",
            "confirm password",
        ),
    ] {
        let e =
            w.lk.redeem_invitation(code, &member(name), &pw(pw1), &pw(pw2))
                .unwrap_err();
        assert_eq!(e.field(), Some(field), "{name} {pw1}: {e}");
    }
    let admin = w.admin();
    assert_eq!(w.lk.list_accounts(&admin).unwrap().len(), 2);
    assert_eq!(
        w.lk.list_invitations(&admin).unwrap()[0].status,
        InvitationStatus::Pending
    );
    redeem(&w, code, "carol").unwrap();
}

#[test]
fn administering_invitations_is_for_administrators_and_checks_its_input() {
    let w = common::world();
    let admin = w.admin();
    let bob = w.user("bob", &[]);
    let new = |email: &str, groups: Vec<String>| NewInvitation {
        email: email.into(),
        groups,
        admin: false,
    };
    let e =
        w.lk.create_invitation(&bob, &new("x@example.org", vec![]))
            .unwrap_err();
    assert_eq!(e.code(), "forbidden");
    assert_eq!(w.lk.list_invitations(&bob).unwrap_err().code(), "forbidden");
    for (email, groups, field_or_code) in [
        ("not an email", vec![], "email"),
        ("bob@example.org", vec![], "email"),
        ("x@example.org", vec!["nope".to_string()], "not_found"),
    ] {
        let e =
            w.lk.create_invitation(&admin, &new(email, groups))
                .unwrap_err();
        assert!(
            e.field() == Some(field_or_code) || e.code() == field_or_code,
            "{email}: {e}"
        );
    }
    assert!(w.lk.list_invitations(&admin).unwrap().is_empty());
    let i =
        w.lk.create_invitation(&admin, &new("x@example.org", vec![]))
            .unwrap();
    assert_eq!(
        w.lk.revoke_invitation(&bob, &i.invitation.id)
            .unwrap_err()
            .code(),
        "forbidden"
    );
    w.lk.revoke_invitation(&admin, &i.invitation.id).unwrap();
    assert_eq!(
        w.lk.revoke_invitation(&admin, &i.invitation.id)
            .unwrap_err()
            .code(),
        "conflict"
    );
    assert_eq!(
        w.lk.reissue_invitation(&admin, &i.invitation.id)
            .unwrap_err()
            .code(),
        "conflict"
    );
}

#[test]
fn wrong_codes_are_throttled_like_passwords() {
    let w = common::world();
    let real = invite(&w, "dan@example.org", &[], false);
    for _ in 0..throttle_free() {
        let e =
            w.lk.preview_invitation(&keyformat::generate(KeyKind::Inv).unwrap())
                .unwrap_err();
        assert_eq!(e.code(), "invitation_unknown");
    }
    // Now even the right code waits.
    let e = w.lk.preview_invitation(real.code.expose()).unwrap_err();
    assert_eq!(e.code(), "throttled");
    w.clock.advance(Duration::seconds(31));
    redeem(&w, real.code.expose(), "dan").unwrap();
    assert!(w
        .audit_of(None, "invitation.refused")
        .iter()
        .any(|e| e.outcome == "throttled"));
}

fn throttle_free() -> i64 {
    auth::FREE_ATTEMPTS
}

#[test]
fn concurrent_redemptions_of_one_code_make_exactly_one_account() {
    let w = Arc::new(common::world());
    let issued = invite(&w, "race@example.org", &[], false);
    let code = issued.code.expose().to_owned();
    let start = Arc::new(Barrier::new(4));
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let (w, start, code) = (w.clone(), start.clone(), code.clone());
            std::thread::spawn(move || {
                let other = w.reopen();
                start.wait();
                other
                    .redeem_invitation(
                        &code,
                        &member(&format!("racer{i}")),
                        &pw(USER_PW),
                        &pw(USER_PW),
                    )
                    .map(|_| ())
                    .map_err(|e| e.code())
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    for r in results.iter().filter_map(|r| r.as_ref().err()) {
        // An email already taken by the winner, or the invitation already used.
        assert!(
            *r == "invitation_used" || *r == "invalid_input",
            "{results:?}"
        );
    }
    let admin = w.sign_in("admin", ADMIN_PW);
    assert_eq!(w.lk.list_accounts(&admin).unwrap().len(), 2);
}

#[test]
fn the_mail_link_carries_the_code_and_the_organisation() {
    let w = common::world();
    let issued = invite(&w, "eve+lab@example.org", &[], false);
    let link = invitations::mailto("Hopper & Co", "eve+lab@example.org", &issued.code).to_string();
    assert!(
        link.starts_with("mailto:eve%2Blab%40example.org?subject="),
        "{link}"
    );
    assert!(link.contains("Hopper%20%26%20Co"), "{link}");
    assert!(
        link.contains(issued.code.expose()),
        "the code is in the body"
    );
    assert!(!link.contains(' ') && !link.contains('\n'));
}
