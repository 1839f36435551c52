//! Fixtures the Latchkey test suites share, so each suite states what it checks rather
//! than how it sets a store up: [`Lab`] (a fresh store with its first administrator, on a
//! clock the test moves), [`server`] (the JSON API served from one), and [`cli`] (the
//! `latchkey` binary on a store of its own).

#[cfg(feature = "cli")]
pub mod cli;
pub mod pg;
pub mod raw;
#[cfg(feature = "server")]
pub mod server;

use latchkey_core::store::{Location, Missing};
use latchkey_core::*;
use std::path::PathBuf;
use std::sync::Arc;

/// The first administrator's password in every fixture.
pub const ADMIN_PW: &str = "correct horse battery staple";
/// Every other fixture account's password.
pub const USER_PW: &str = "violet ostrich marmalade";

/// A fresh store, with its first administrator `admin`, on a clock that stands still
/// until the test moves it: an SQLite file in a temporary folder, or, when
/// `LATCHKEY_TEST_STORE=postgres`, a new database on the tests' own PostgreSQL cluster
/// ([`pg`]).
pub struct Lab {
    pub dir: tempfile::TempDir,
    pub clock: Arc<ManualClock>,
    pub lk: Latchkey,
    /// The administrator's account key, as `latchkey init` shows it.
    pub admin_key: String,
    pub location: Location,
}

/// Where a new test store goes: a file in `dir`, or a new PostgreSQL database.
pub fn new_location(dir: &std::path::Path) -> Location {
    if pg::selected() {
        Location::Postgres(pg::Cluster::get().database())
    } else {
        Location::File(dir.join("latchkey.db"))
    }
}

/// A [`Lab`].
pub fn lab() -> Lab {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let clock = Arc::new(ManualClock::starting_now());
    let location = new_location(dir.path());
    let lk =
        Latchkey::open_at(&location, clock.clone(), Missing::Create).expect("a new store opens");
    let (_, key) = lk
        .init(
            &NewAccount {
                username: "admin".into(),
                email: Some("admin@example.org".into()),
                first_name: "Ada".into(),
                last_name: "Admin".into(),
                ..Default::default()
            },
            &Password::new(ADMIN_PW),
        )
        .expect("the first administrator");
    Lab {
        dir,
        clock,
        lk,
        admin_key: key.secret.expose().to_owned(),
        location,
    }
}

impl Lab {
    /// The SQLite file (for the tests about files; on PostgreSQL, where it would be).
    pub fn path(&self) -> PathBuf {
        self.dir.path().join("latchkey.db")
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.location, Location::Postgres(_))
    }

    /// A connection of its own to the store, behind the engine's back.
    pub fn raw(&self) -> raw::Raw {
        raw::Raw::open(&self.location)
    }

    /// Another handle on the same store (a second process, as far as the store knows).
    pub fn reopen(&self) -> Latchkey {
        Latchkey::open_at(&self.location, self.clock.clone(), Missing::Refuse)
            .expect("the store reopens")
    }

    pub fn admin(&self) -> Session {
        self.sign_in("admin", ADMIN_PW)
    }

    pub fn sign_in(&self, who: &str, pw: &str) -> Session {
        self.lk
            .sign_in(who, &Password::new(pw))
            .expect("the password is right")
            .session
    }

    /// Creates a plain account in the given groups, and signs it in.
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
            .expect("the account is created");
        self.sign_in(name, USER_PW)
    }

    /// A plain account whose own group (`<name>-group`) grants `perms`, signed in.
    pub fn user_with(&self, name: &str, perms: &[&str]) -> Session {
        let admin = self.admin();
        let perms: Vec<String> = perms.iter().map(|p| p.to_string()).collect();
        self.lk
            .create_group(&admin, &format!("{name}-group"), &perms)
            .expect("the group is created");
        self.user(name, &[&format!("{name}-group")])
    }

    /// A `samples` resource, a `lab` group holding `samples:read` and `samples:write`, and
    /// `name` as a member of it.
    pub fn lab_member(&self, name: &str) -> Session {
        let admin = self.admin();
        self.lk
            .create_resource(&admin, "samples", "")
            .expect("the resource");
        self.lk
            .create_group(
                &admin,
                "lab",
                &["samples:read".into(), "samples:write".into()],
            )
            .expect("the group");
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
            .expect("the administrator reads the audit log")
    }

    /// How many attempts the entries with `outcome` stand for: repeated failures are one
    /// entry, then one more with their number ("…; N more between … and …").
    pub fn attempts(events: &[AuditEvent], outcome: &str) -> usize {
        events
            .iter()
            .filter(|e| e.outcome == outcome)
            .map(|e| {
                e.detail
                    .rsplit_once(" more between ")
                    .and_then(|(head, _)| head.rsplit(' ').next())
                    .and_then(|n| n.parse::<usize>().ok())
                    .unwrap_or(1)
            })
            .sum()
    }

    /// Every byte of the store (SQLite: the database, WAL and shared memory files where
    /// present; PostgreSQL: the cluster's data folder and a `pg_dump`), to search for
    /// what must never be written in plaintext.
    pub fn store_bytes(&self) -> Vec<u8> {
        if let Location::Postgres(url) = &self.location {
            let db = url.rsplit('/').next().unwrap_or_default();
            return pg::Cluster::get().bytes(db);
        }
        let mut all = Vec::new();
        for suffix in ["", "-wal", "-shm"] {
            if let Ok(b) = std::fs::read(format!("{}{}", self.path().display(), suffix)) {
                all.extend(b);
            }
        }
        all
    }
}

/// A live key asked for with these permissions, expiring in 30 days.
pub fn new_key(name: &str, perms: &[&str]) -> NewKey {
    NewKey {
        name: name.into(),
        permissions: perms.iter().map(|p| p.to_string()).collect(),
        environment: Environment::Live,
        expiry: Expiry::Days(30),
        revealable: false,
    }
}

/// A verdict's permissions as text.
pub fn perms(v: &Verification) -> Vec<String> {
    v.permissions.iter().map(|p| p.to_string()).collect()
}
