//! The administrator's pages, as the core serves them: the audit log's filters, paging
//! and export; groups renamed and deleted with their impact; custom permissions; the
//! policy's cost; and the key quota the Create key button follows.

mod common;

use common::key;
use latchkey_core::*;
use time::Duration;

fn filter() -> AuditFilter {
    AuditFilter::default()
}

#[test]
fn the_audit_log_filters_by_actor_action_outcome_time_and_target() {
    let w = common::world();
    let admin = w.admin();
    let bob = w.user("bob", &[]);
    w.lk.create_key(&bob, &key("Sequencer Upload", &[]))
        .unwrap();
    let _ = w.lk.create_key(&bob, &key("nope", &["keys:read"]));
    w.clock.advance(Duration::days(2));
    w.lk.create_key(&admin, &key("later", &[])).unwrap();

    let of = |f: AuditFilter| w.lk.audit(&admin, &f).unwrap();
    let by_bob = of(AuditFilter {
        actor: Some("BOB".into()),
        ..filter()
    });
    assert!(!by_bob.is_empty() && by_bob.iter().all(|e| e.actor.as_deref() == Some("bob")));
    let refused = of(AuditFilter {
        outcome: Some("refused".into()),
        ..filter()
    });
    assert!(refused.iter().all(|e| e.outcome == "refused"));
    // A refused creation names what was asked for.
    assert!(
        refused
            .iter()
            .any(|e| e.action == "key.created" && e.target.as_deref() == Some("key (nope)")),
        "{refused:?}"
    );
    let target = of(AuditFilter {
        target: Some("sequencer UPLOAD".into()),
        ..filter()
    });
    assert_eq!(target.len(), 1, "{target:?}");
    assert_eq!(target[0].action, "key.created");
    // Text that looks like SQL or a LIKE pattern is only text.
    for sneaky in ["' OR 1=1 --", "%", "_", "\\"] {
        assert!(
            of(AuditFilter {
                target: Some(sneaky.into()),
                ..filter()
            })
            .is_empty(),
            "{sneaky}"
        );
    }
    let today = w.clock.now().date().to_string();
    let recent = of(AuditFilter {
        since: Some(today.clone()),
        ..filter()
    });
    assert!(recent
        .iter()
        .any(|e| e.target.as_deref().is_some_and(|t| t.contains("later"))));
    assert!(!recent
        .iter()
        .any(|e| e.target.as_deref().is_some_and(|t| t.contains("Sequencer"))));
    let older = of(AuditFilter {
        until: Some((w.clock.now() - Duration::days(1)).date().to_string()),
        action: Some("key.".into()),
        ..filter()
    });
    assert!(older.iter().all(|e| e.action.starts_with("key.")));
    assert!(older
        .iter()
        .any(|e| e.target.as_deref().is_some_and(|t| t.contains("Sequencer"))));

    // Bad filters name the field.
    for (f, field) in [
        (
            AuditFilter {
                outcome: Some("maybe".into()),
                ..filter()
            },
            "outcome",
        ),
        (
            AuditFilter {
                since: Some(today.clone()),
                until: Some("2000-01-01".into()),
                ..filter()
            },
            "since",
        ),
        (
            AuditFilter {
                until: Some("yesterday".into()),
                ..filter()
            },
            "until",
        ),
        (
            AuditFilter {
                limit: Some(0),
                ..filter()
            },
            "limit",
        ),
    ] {
        assert_eq!(w.lk.audit(&admin, &f).unwrap_err().field(), Some(field));
    }

    // A member sees their own activity only.
    let mine = w.lk.audit(&bob, &filter()).unwrap();
    assert!(!mine.is_empty() && mine.iter().all(|e| e.actor.as_deref() == Some("bob")));
}

#[test]
fn pages_follow_each_other_newest_first() {
    let w = common::world();
    let admin = w.admin();
    for i in 0..25 {
        w.lk.create_key(&admin, &key(&format!("k{i}"), &[]))
            .unwrap();
    }
    let all =
        w.lk.audit(
            &admin,
            &AuditFilter {
                limit: Some(1000),
                ..filter()
            },
        )
        .unwrap();
    let mut seen = Vec::new();
    let mut before = None;
    loop {
        let page =
            w.lk.audit_page(
                &admin,
                &AuditFilter {
                    limit: Some(10),
                    before,
                    ..filter()
                },
            )
            .unwrap();
        seen.extend(page.events.iter().map(|e| e.id));
        if !page.more {
            break;
        }
        before = page.events.last().map(|e| e.id);
    }
    assert_eq!(seen, all.iter().map(|e| e.id).collect::<Vec<_>>());
    assert!(seen.windows(2).all(|p| p[0] > p[1]), "newest first");
}

#[test]
fn exports_are_safe_in_a_spreadsheet_and_audited() {
    let w = common::world();
    let admin = w.admin();
    for name in [
        "=HYPERLINK(\"http://evil\")",
        "+1",
        "-2",
        "@SUM(A1)",
        "plain, with comma",
    ] {
        w.lk.create_key(&admin, &key(name, &[])).unwrap();
    }
    let csv =
        w.lk.export_audit(
            &admin,
            &AuditFilter {
                action: Some("key.created".into()),
                ..filter()
            },
            ExportFormat::Csv,
        )
        .unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "id,at,actor,action,target,outcome,detail");
    assert_eq!(lines.len(), 6);
    for l in &lines[1..] {
        for cell in l.split(',') {
            let c = cell.trim_start_matches('"');
            assert!(!c.starts_with(['=', '+', '-', '@']), "{l}");
        }
    }
    // The target cells begin with "key …", the detail with "live; …": neither is a formula;
    // a cell that would be is prefixed.
    let events =
        w.lk.audit(
            &admin,
            &AuditFilter {
                action: Some("key.created".into()),
                ..filter()
            },
        )
        .unwrap();
    let one = audit::to_csv(&[AuditEvent {
        target: Some("=cmd|' /C calc'!A0".into()),
        ..events[0].clone()
    }]);
    assert!(one.contains(",'=cmd|' /C calc'!A0,"), "{one}");
    let json =
        w.lk.export_audit(&admin, &filter(), ExportFormat::Json)
            .unwrap();
    let parsed: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    assert!(!parsed.is_empty());
    assert_eq!(w.audit_of(None, "audit.exported").len(), 2);
}

#[test]
fn audit_rows_cannot_be_changed_or_removed_in_the_store() {
    let w = common::world();
    let mut raw = w.raw();
    let before = raw.int("SELECT count(*) FROM audit_log", &[]);
    for sql in [
        "UPDATE audit_log SET outcome = 'ok'",
        "DELETE FROM audit_log",
    ] {
        let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut r = w.raw();
            r.exec(sql);
        }));
        assert!(ok.is_err(), "{sql} went through");
    }
    assert_eq!(raw.int("SELECT count(*) FROM audit_log", &[]), before);
}

#[test]
fn groups_are_renamed_and_their_deletion_says_what_it_takes() {
    let w = common::world();
    let admin = w.admin();
    w.lk.create_resource(&admin, "samples", "Sample registry")
        .unwrap();
    w.lk.create_group(&admin, "lab", &["samples:read".into(), "keys:read".into()])
        .unwrap();
    w.user("bob", &["lab"]);
    w.user("carol", &["lab"]);
    let g = w.lk.rename_group(&admin, "LAB", "wet-lab").unwrap();
    assert_eq!(g.name, "wet-lab");
    assert_eq!(g.members, ["bob", "carol"]);
    let e =
        w.lk.rename_group(&admin, "wet-lab", "bad name")
            .unwrap_err();
    assert_eq!(e.field(), Some("group"));
    w.lk.create_group(&admin, "other", &[]).unwrap();
    assert_eq!(
        w.lk.rename_group(&admin, "other", "WET-LAB")
            .unwrap_err()
            .field(),
        Some("group")
    );
    let impact = w.lk.group_impact(&admin, "wet-lab").unwrap();
    assert_eq!(impact.members, 2);
    assert_eq!(impact.permissions, ["keys:read", "samples:read"]);
    let bob = w.sign_in("bob", common::USER_PW);
    assert_eq!(
        w.lk.group_impact(&bob, "wet-lab").unwrap_err().code(),
        "forbidden"
    );
    assert_eq!(w.lk.list_groups(&bob).unwrap_err().code(), "forbidden");
    assert!(!w.audit_of(None, "group.renamed").is_empty());
}

#[test]
fn deleting_a_permission_says_how_many_groups_and_keys_lose_it() {
    let w = common::world();
    let bob = w.lab_member("bob");
    let admin = w.admin();
    w.lk.create_key(&bob, &key("r", &["samples:read"])).unwrap();
    let gone =
        w.lk.create_key(&bob, &key("w", &["samples:write"]))
            .unwrap();
    w.lk.revoke_key(&bob, &gone.key.id).unwrap();
    w.lk.create_key(&bob, &key("none", &[])).unwrap();
    let impact = w.lk.resource_impact(&admin, "samples").unwrap();
    assert_eq!((impact.groups, impact.active_keys), (1, 1));
    assert_eq!(
        w.lk.resource_impact(&admin, "nope").unwrap_err().code(),
        "not_found"
    );
    assert_eq!(
        w.lk.delete_resource(&admin, "keys").unwrap_err().code(),
        "forbidden"
    );
    for bad in ["Samples", "2runs", "runs:read", "", &"r".repeat(33) as &str] {
        assert_eq!(
            w.lk.create_resource(&admin, bad, "").unwrap_err().field(),
            Some("resource"),
            "{bad}"
        );
    }
}

#[test]
fn the_policy_says_what_a_sign_in_costs_and_refuses_less_than_owasp() {
    let w = common::world();
    let admin = w.admin();
    let ms = w.lk.argon2_cost(&admin, Argon2Params::OWASP).unwrap();
    assert!(ms > 0);
    let weak = Argon2Params {
        m_kib: 1024,
        ..Argon2Params::OWASP
    };
    assert_eq!(
        w.lk.argon2_cost(&admin, weak).unwrap_err().field(),
        Some("argon2 memory")
    );
    let bob = w.user("bob", &[]);
    assert_eq!(
        w.lk.argon2_cost(&bob, Argon2Params::OWASP)
            .unwrap_err()
            .code(),
        "forbidden"
    );
    let e =
        w.lk.set_policy(&admin, &PolicyUpdate::default().with_argon2(weak))
            .unwrap_err();
    assert_eq!(e.field(), Some("argon2 memory"));
}

#[test]
fn the_quota_says_why_no_key_can_be_made() {
    let w = common::world();
    let admin = w.admin();
    let bob = w.user("bob", &[]);
    assert_eq!(
        w.lk.key_quota(&bob).unwrap(),
        KeyQuota {
            active: 0,
            max: None,
            blocked: None
        }
    );
    w.lk.set_policy(
        &admin,
        &PolicyUpdate {
            max_active_keys: Some(Some(1)),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(w.lk.key_quota(&bob).unwrap().blocked, None);
    let k = w.lk.create_key(&bob, &key("only", &[])).unwrap();
    let q = w.lk.key_quota(&bob).unwrap();
    assert_eq!((q.active, q.max), (1, Some(1)));
    assert_eq!(
        q.blocked.as_deref(),
        Some("one key at a time: delete the current key first")
    );
    w.lk.revoke_key(&bob, &k.key.id).unwrap();
    assert_eq!(w.lk.key_quota(&bob).unwrap().blocked, None);
}

#[test]
fn a_grid_cell_sets_one_resource_in_one_audited_change() {
    use latchkey_core::Access;
    let w = common::world();
    let admin = w.admin();
    w.lk.create_resource(&admin, "samples", "Sample registry")
        .unwrap();
    w.lk.create_group(&admin, "lab", &["keys:read".into()])
        .unwrap();
    let perms = |g: &latchkey_core::Group| -> Vec<String> {
        g.permissions.iter().map(ToString::to_string).collect()
    };
    let before = w.audit_of(None, "group.permissions_set").len();
    for (access, want) in [
        (
            Access::ReadWrite,
            vec!["keys:read", "samples:read", "samples:write"],
        ),
        (Access::Write, vec!["keys:read", "samples:write"]),
        (Access::Read, vec!["keys:read", "samples:read"]),
        (Access::None, vec!["keys:read"]),
    ] {
        let g =
            w.lk.set_group_access(&admin, "lab", "samples", access)
                .unwrap();
        assert_eq!(perms(&g), want, "{access:?}");
    }
    assert_eq!(w.audit_of(None, "group.permissions_set").len(), before + 4);
    // An unknown or malformed resource, and a member, are refused; nothing changes.
    let e =
        w.lk.set_group_access(&admin, "lab", "runs", Access::Read)
            .unwrap_err();
    assert_eq!(e.field(), Some("permissions"));
    let e =
        w.lk.set_group_access(&admin, "lab", "Bad Name", Access::Read)
            .unwrap_err();
    assert_eq!(e.field(), Some("permissions"));
    w.user("bob", &["lab"]);
    let bob = w.sign_in("bob", common::USER_PW);
    assert_eq!(
        w.lk.set_group_access(&bob, "lab", "samples", Access::Read)
            .unwrap_err()
            .code(),
        "forbidden"
    );
    let lab =
        w.lk.list_groups(&admin)
            .unwrap()
            .into_iter()
            .find(|g| g.name == "lab")
            .unwrap();
    assert_eq!(perms(&lab), ["keys:read"]);
}
