mod common;

use common::{key, perms};
use latchkey_core::*;

/// A permission deleted from the store must not come back on old keys when a resource of
/// the same name is created again and granted again.
#[test]
fn a_deleted_permission_does_not_return_on_old_keys_when_recreated() {
    let w = common::world();
    let bob = w.lab_member("bob");
    let admin = w.admin();
    let old =
        w.lk.create_key(&bob, &key("old", &["samples:read", "samples:write"]))
            .unwrap();
    let admin_key =
        w.lk.create_key(&admin, &key("admin's", &["samples:read", "keys:read"]))
            .unwrap();

    w.lk.delete_resource(&admin, "samples").unwrap();
    w.lk.create_resource(&admin, "samples", "again").unwrap();
    w.lk.set_group_permissions(
        &admin,
        "lab",
        &["samples:read".into(), "samples:write".into()],
    )
    .unwrap();

    let v = w.lk.verify(old.secret.expose()).unwrap();
    assert!(v.valid);
    assert!(perms(&v).is_empty(), "came back: {:?}", perms(&v));
    // An administrator holds every permission, so only the key's own set can stop it.
    let v = w.lk.verify(admin_key.secret.expose()).unwrap();
    assert_eq!(perms(&v), vec!["keys:read"]);

    // The list and verification agree about what each key holds.
    for (session, issued) in [(&bob, &old), (&admin, &admin_key)] {
        let listed = w.lk.key(session, &issued.key.id).unwrap();
        let verified = w.lk.verify(issued.secret.expose()).unwrap();
        assert_eq!(listed.permissions, verified.permissions, "{}", listed.name);
    }

    // A key created after the re-creation does get it.
    let new =
        w.lk.create_key(&bob, &key("new", &["samples:read"]))
            .unwrap();
    assert_eq!(
        perms(&w.lk.verify(new.secret.expose()).unwrap()),
        vec!["samples:read"]
    );
}

/// Granting adds to what a group has and revoking takes away, leaving the rest; bad
/// items are named, and nothing changes when one is refused.
#[test]
fn grant_and_revoke_change_only_what_they_name() {
    let w = common::world();
    let admin = w.admin();
    w.lk.create_resource(&admin, "samples", "").unwrap();
    w.lk.create_group(&admin, "lab", &["keys:read".into()])
        .unwrap();
    let g =
        w.lk.change_group_permissions(
            &admin,
            "LAB",
            &["samples:read".into(), "samples:write".into()],
            &[],
        )
        .unwrap();
    let held = |g: &Group| -> Vec<String> { g.permissions.iter().map(|p| p.to_string()).collect() };
    assert_eq!(held(&g), ["keys:read", "samples:read", "samples:write"]);
    let g =
        w.lk.change_group_permissions(&admin, "lab", &[], &["samples:write".into()])
            .unwrap();
    assert_eq!(held(&g), ["keys:read", "samples:read"]);

    for (grant, revoke, words) in [
        (
            vec!["samples:delete"],
            vec![],
            "\"samples:delete\" must be resource:action",
        ),
        (
            vec!["nothing:read"],
            vec![],
            "unknown permission nothing:read",
        ),
        (vec![], vec!["keys"], "\"keys\" must be resource:action"),
        (
            vec!["keys:write"],
            vec!["keys:write"],
            "both granted and revoked",
        ),
    ] {
        let grant: Vec<String> = grant.into_iter().map(String::from).collect();
        let revoke: Vec<String> = revoke.into_iter().map(String::from).collect();
        let e =
            w.lk.change_group_permissions(&admin, "lab", &grant, &revoke)
                .unwrap_err();
        assert_eq!(e.field(), Some("permissions"));
        assert!(e.to_string().contains(words), "{e}");
    }
    let bob = w.user("bob", &["lab"]);
    assert_eq!(
        w.lk.change_group_permissions(&bob, "lab", &["keys:write".into()], &[])
            .unwrap_err()
            .code(),
        "forbidden"
    );
    let g = w.lk.list_groups(&admin).unwrap();
    assert_eq!(held(&g[0]), ["keys:read", "samples:read"]);
}

/// Several administrators each switching on one cell of the grid at once: every change
/// lands. Another connection holds the write lock while they start, so a change that
/// read the group outside its write transaction would write back a stale list.
#[test]
fn concurrent_single_cell_changes_do_not_lose_each_other() {
    let w = common::world();
    let admin = w.admin();
    let names = ["alpha", "beta", "gamma", "delta"];
    for n in names {
        w.lk.create_resource(&admin, n, "").unwrap();
    }
    w.lk.create_group(&admin, "lab", &["keys:read".into()])
        .unwrap();
    let mut holder = w.raw();
    holder.hold_write_lock();
    std::thread::scope(|scope| {
        let handles: Vec<_> = names
            .iter()
            .map(|n| {
                let admin = &admin;
                let w = &w;
                scope.spawn(move || {
                    w.lk.set_group_permission(admin, "lab", n, Action::Read, true)
                })
            })
            .collect();
        // Long enough for the threads to reach the store; releasing early would only
        // make the test weaker, never make it fail.
        std::thread::sleep(std::time::Duration::from_secs(1));
        holder.release_write_lock();
        for h in handles {
            h.join().unwrap().unwrap();
        }
    });
    let g = w.lk.list_groups(&admin).unwrap();
    let held: Vec<String> = g[0].permissions.iter().map(|p| p.to_string()).collect();
    assert_eq!(
        held,
        [
            "alpha:read",
            "beta:read",
            "delta:read",
            "gamma:read",
            "keys:read"
        ]
    );
}
