mod common;

use common::{key, perms};
use latchkey_core::*;

/// A permission deleted from the store must not come back on old keys when a resource of
/// the same name is created again and granted again.
#[test]
fn a_deleted_permission_does_not_return_on_old_keys_when_recreated() {
    let w = common::world();
    let admin = w.admin();
    w.lk.create_resource(&admin, "samples", "").unwrap();
    w.lk.create_group(
        &admin,
        "lab",
        &["samples:read".into(), "samples:write".into()],
    )
    .unwrap();
    let bob = w.user("bob", &["lab"]);
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
