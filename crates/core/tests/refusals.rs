mod common;

use common::key;
use latchkey_core::*;
use time::Duration;

fn refused(w: &common::World) -> Vec<AuditEvent> {
    let admin = w.admin();
    w.lk.audit(
        &admin,
        &AuditFilter {
            limit: Some(10_000),
            ..Default::default()
        },
    )
    .unwrap()
    .into_iter()
    .filter(|e| e.outcome == "refused")
    .collect()
}

/// The one `refused` entry for `action` by `actor`, whose detail must contain `why`.
fn one(events: &[AuditEvent], actor: &str, action: &str, why: &str) -> AuditEvent {
    let hits: Vec<_> = events
        .iter()
        .filter(|e| e.action == action && e.actor.as_deref() == Some(actor))
        .collect();
    assert_eq!(hits.len(), 1, "{action} by {actor}: {events:#?}");
    assert!(hits[0].detail.contains(why), "{:?}", hits[0]);
    hits[0].clone()
}

/// Refused actions leave a trace even though their own transaction rolled back: an
/// administrator's action tried by someone else, a permission the account does not hold,
/// a step-up that is due, and the policy's limits.
#[test]
fn refusals_are_audited_in_a_transaction_of_their_own() {
    let w = common::world();
    let admin = w.admin();
    w.lk.create_resource(&admin, "samples", "").unwrap();
    w.lk.create_group(&admin, "readers", &["samples:read".into()])
        .unwrap();
    let bob = w.user("bob", &["readers"]);

    // Administrators' actions.
    assert_eq!(
        w.lk.create_resource(&bob, "secrets", "")
            .unwrap_err()
            .code(),
        "forbidden"
    );
    assert_eq!(
        w.lk.set_disabled(&bob, "admin", true).unwrap_err().code(),
        "forbidden"
    );
    assert_eq!(
        w.lk.add_member(&bob, "readers", "bob").unwrap_err().code(),
        "forbidden"
    );
    // A permission the account does not hold.
    let e =
        w.lk.create_key(&bob, &key("wide", &["samples:write"]))
            .unwrap_err();
    assert_eq!(e.field(), Some("permissions"));
    // The policy.
    w.lk.set_policy(
        &admin,
        &PolicyUpdate {
            max_active_keys: Some(Some(1)),
            max_key_lifetime_days: Some(Some(30)),
            ..Default::default()
        },
    )
    .unwrap();
    let e =
        w.lk.create_key(
            &bob,
            &NewKey {
                expiry: Expiry::Days(60),
                ..key("long", &[])
            },
        )
        .unwrap_err();
    assert_eq!(e.field(), Some("expiry"));
    let kept = w.lk.create_key(&bob, &key("one", &[])).unwrap();
    assert_eq!(
        w.lk.create_key(&bob, &key("two", &[])).unwrap_err().code(),
        "policy_violation"
    );
    // A step-up that is due.
    w.clock.advance(Duration::minutes(11));
    assert_eq!(
        w.lk.regenerate_key(&bob, &kept.key.id, Grace::Immediately)
            .unwrap_err()
            .code(),
        "step_up_required"
    );
    // Mistakes that are not refusals are not logged as such.
    w.lk.create_key(&bob, &key("", &[])).unwrap_err();
    w.lk.delete_group(&admin, "no-such-group").unwrap_err();

    let events = refused(&w);
    one(
        &events,
        "bob",
        "permission.created",
        "only an administrator can do this",
    );
    let e = one(&events, "bob", "account.disabled", "only an administrator");
    assert_eq!(e.target.as_deref(), Some("account admin"));
    one(
        &events,
        "bob",
        "group.member_added",
        "only an administrator",
    );
    let created: Vec<_> = events
        .iter()
        .filter(|e| e.action == "key.created")
        .map(|e| e.detail.as_str())
        .collect();
    assert_eq!(created.len(), 3, "{created:?}");
    assert!(created
        .iter()
        .any(|d| d.contains("does not have samples:write")));
    assert!(created.iter().any(|d| d.contains("must be within 30 days")));
    assert!(created.iter().any(|d| d.contains("the policy allows 1")));
    let e = one(&events, "bob", "key.regenerated", "confirm it's you");
    assert_eq!(e.target, Some(format!("key {}", kept.key.id)));
    assert_eq!(events.len(), 7, "{events:#?}");

    // The refused actions changed nothing.
    assert!(!w.lk.account(&admin, "admin").unwrap().disabled);
    assert_eq!(w.lk.list_keys(&bob).unwrap().len(), 1);
    assert!(w.lk.verify(kept.secret.expose()).unwrap().valid);
}

/// A program's key that tries what its permissions do not allow is named in the entry,
/// and no entry holds a secret.
#[test]
fn refusals_of_a_key_name_the_key_and_hold_no_secret() {
    let w = common::world();
    let admin = w.admin();
    let reader =
        w.lk.create_key(&admin, &key("reader", &["keys:read"]))
            .unwrap();
    let mut viewable = key("viewable", &[]);
    viewable.revealable = true;
    let viewable = w.lk.create_key(&admin, &viewable).unwrap();
    let program = w.lk.authenticate_key(reader.secret.expose()).unwrap();

    assert_eq!(
        w.lk.create_key(&program, &key("more", &[]))
            .unwrap_err()
            .code(),
        "forbidden"
    );
    assert_eq!(
        w.lk.reveal_key(&program, &viewable.key.id)
            .unwrap_err()
            .code(),
        "step_up_required"
    );
    assert_eq!(
        w.lk.list_accounts(&program).unwrap_err().code(),
        "forbidden"
    );

    let events = refused(&w);
    let via = format!("(API key {})", reader.key.id);
    one(&events, "admin", "key.created", &via);
    one(&events, "admin", "key.viewed", &via);
    one(&events, "admin", "accounts.read", &via);
    let all = serde_json::to_string(&events).unwrap();
    for secret in [reader.secret.expose(), viewable.secret.expose()] {
        assert!(!all.contains(&secret[8..38]));
    }
    assert!(!all.contains(common::ADMIN_PW));
}
