//! The store both verify benchmarks measure: 100 000 keys over 100 accounts, seeded
//! through the engine.
#![allow(dead_code)]

use latchkey_core::{Environment, Expiry, Latchkey, NewAccount, NewKey, Password};
use std::time::Instant;

const ACCOUNTS: usize = 100;
const KEYS_PER_ACCOUNT: usize = 1000;
pub const PW: &str = "correct horse battery staple";

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub lk: Latchkey,
    pub keys: Vec<String>,
    pub raw: rusqlite::Connection,
}

pub fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.db");
    let lk = Latchkey::open(&path).unwrap();
    let started = Instant::now();
    lk.init(
        &NewAccount {
            username: "admin".into(),
            ..Default::default()
        },
        &Password::new(PW),
    )
    .unwrap();
    let admin = lk.sign_in("admin", &Password::new(PW)).unwrap().session;
    lk.create_group(
        &admin,
        "staff",
        &["keys:read".into(), "account:read".into()],
    )
    .unwrap();
    let mut keys = Vec::new();
    for a in 0..ACCOUNTS {
        let name = format!("user{a}");
        lk.create_account(
            &admin,
            &NewAccount {
                username: name.clone(),
                groups: vec!["staff".into()],
                ..Default::default()
            },
            &Password::new(PW),
        )
        .unwrap();
        let s = lk.sign_in(&name, &Password::new(PW)).unwrap().session;
        for k in 0..KEYS_PER_ACCOUNT {
            let issued = lk
                .create_key(
                    &s,
                    &NewKey {
                        name: format!("key {k}"),
                        permissions: vec!["keys:read".into()],
                        environment: Environment::Live,
                        expiry: Expiry::Days(90),
                        revealable: false,
                    },
                )
                .unwrap();
            // Keep a sample to verify; which keys are looked up does not matter to SQLite.
            if k % 100 == 0 {
                keys.push(issued.secret.expose().to_owned());
            }
        }
    }
    eprintln!(
        "seeded {} keys in {:.1?}",
        ACCOUNTS * KEYS_PER_ACCOUNT,
        started.elapsed()
    );
    let raw = rusqlite::Connection::open(&path).unwrap();
    Fixture { dir, lk, keys, raw }
}
