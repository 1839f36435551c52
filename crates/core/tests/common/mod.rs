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
