#![allow(dead_code)]

use latchkey_core::*;
use std::path::PathBuf;
use std::sync::Arc;

pub const ADMIN_PW: &str = "correct horse battery staple";
pub const USER_PW: &str = "violet ostrich marmalade";

pub struct World {
    pub dir: tempfile::TempDir,
    pub clock: Arc<ManualClock>,
    pub lk: Latchkey,
}

impl World {
    pub fn path(&self) -> PathBuf {
        self.dir.path().join("latchkey.db")
    }

    /// Another handle on the same store (a second process, as far as SQLite knows).
    pub fn reopen(&self) -> Latchkey {
        Latchkey::open_with_clock(&self.path(), self.clock.clone()).unwrap()
    }

    pub fn admin(&self) -> Session {
        self.lk
            .sign_in("admin", &Password::new(ADMIN_PW))
            .unwrap()
            .session
    }

    pub fn sign_in(&self, who: &str, pw: &str) -> Session {
        self.lk.sign_in(who, &Password::new(pw)).unwrap().session
    }

    /// Creates a plain account in the given groups.
    pub fn user(&self, name: &str, groups: &[&str]) -> Session {
        let admin = self.admin();
        self.lk
            .create_account(
                &admin,
                &NewAccount {
                    username: name.into(),
                    email: Some(format!("{name}@example.org")),
                    groups: groups.iter().map(|g| g.to_string()).collect(),
                    ..Default::default()
                },
                &Password::new(USER_PW),
            )
            .unwrap();
        self.sign_in(name, USER_PW)
    }

    /// A `samples` resource, a `lab` group holding `samples:read` and `samples:write`, and
    /// `name` as a member of it.
    pub fn lab_member(&self, name: &str) -> Session {
        let admin = self.admin();
        self.lk.create_resource(&admin, "samples", "").unwrap();
        self.lk
            .create_group(
                &admin,
                "lab",
                &["samples:read".into(), "samples:write".into()],
            )
            .unwrap();
        self.user(name, &["lab"])
    }

    /// The audit log's entries for `action` (by `actor` when given), as the administrator
    /// reads them.
    pub fn audit_of(&self, actor: Option<&str>, action: &str) -> Vec<AuditEvent> {
        self.lk
            .audit(
                &self.admin(),
                &AuditFilter {
                    actor: actor.map(str::to_owned),
                    action: Some(action.into()),
                    ..Default::default()
                },
            )
            .unwrap()
    }

    /// Every byte of the store's files (database, WAL and shared memory, where present),
    /// to search for what must never be written in plaintext.
    pub fn store_bytes(&self) -> Vec<u8> {
        let mut all = Vec::new();
        for suffix in ["", "-wal", "-shm"] {
            if let Ok(b) = std::fs::read(format!("{}{}", self.path().display(), suffix)) {
                all.extend(b);
            }
        }
        all
    }
}

pub fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::starting_now());
    let lk = Latchkey::open_with_clock(&dir.path().join("latchkey.db"), clock.clone()).unwrap();
    lk.init(
        &NewAccount {
            username: "admin".into(),
            email: Some("admin@example.org".into()),
            first_name: "Ada".into(),
            last_name: "Admin".into(),
            ..Default::default()
        },
        &Password::new(ADMIN_PW),
    )
    .unwrap();
    World { dir, clock, lk }
}

pub fn key(name: &str, perms: &[&str]) -> NewKey {
    NewKey {
        name: name.into(),
        permissions: perms.iter().map(|p| p.to_string()).collect(),
        environment: Environment::Live,
        expiry: Expiry::Days(30),
        revealable: false,
    }
}

pub fn perms(v: &Verification) -> Vec<String> {
    v.permissions.iter().map(|p| p.to_string()).collect()
}
