//! What `store.rs` checks of SQLite files, for PostgreSQL databases: a foreign or newer
//! one is refused with nothing changed, only set-up creates the tables, and several
//! processes starting together migrate once.
#![cfg(feature = "postgres")]

use latchkey_core::store::{Location, Missing};
use latchkey_core::*;
use latchkey_testkit::pg::Cluster;
use std::sync::{Arc, Barrier};

fn open(url: &str, missing: Missing) -> Result<Latchkey> {
    Latchkey::open_at(
        &Location::Postgres(url.to_owned()),
        Arc::new(SystemClock),
        missing,
    )
}

fn name(url: &str) -> &str {
    url.rsplit('/').next().unwrap()
}

#[test]
fn an_empty_database_is_set_up_only_when_asked() {
    let c = Cluster::get();
    let url = c.database();
    let e = open(&url, Missing::Refuse).unwrap_err();
    assert!(e.to_string().contains("no Latchkey store"), "{e}");
    assert_eq!(
        c.sql(
            name(&url),
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        )
        .trim(),
        "0",
        "nothing was created"
    );
    open(&url, Missing::Create).unwrap();
    open(&url, Missing::Refuse).unwrap();
}

#[test]
fn another_programs_database_is_refused_and_left_alone() {
    let c = Cluster::get();
    let url = c.database();
    c.sql(
        name(&url),
        "CREATE TABLE invoices (id int); INSERT INTO invoices VALUES (7)",
    );
    let e = open(&url, Missing::Create).unwrap_err();
    assert_eq!(e.code(), "store_refused");
    assert!(e.to_string().contains("another program's tables"), "{e}");
    assert_eq!(
        c.sql(
            name(&url),
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        )
        .trim(),
        "1"
    );
    // One that names itself another program's is refused too.
    let url = c.database();
    open(&url, Missing::Create).unwrap();
    c.sql(name(&url), "UPDATE latchkey_meta SET application = 'other'");
    assert_eq!(
        open(&url, Missing::Create).unwrap_err().code(),
        "store_refused"
    );
}

#[test]
fn a_database_written_by_a_newer_latchkey_is_refused_with_the_versions_named() {
    let c = Cluster::get();
    let url = c.database();
    open(&url, Missing::Create).unwrap();
    c.sql(name(&url), "UPDATE latchkey_meta SET version = 99");
    let e = open(&url, Missing::Create).unwrap_err();
    assert_eq!(e.code(), "store_too_new");
    let text = e.to_string();
    assert!(
        text.contains("store version 99") && text.contains("up to 1"),
        "{text}"
    );
    assert_eq!(
        c.sql(name(&url), "SELECT version FROM latchkey_meta")
            .trim(),
        "99"
    );
}

#[test]
fn processes_starting_together_migrate_once() {
    let c = Cluster::get();
    let url = c.database();
    let start = Arc::new(Barrier::new(4));
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let (url, start) = (url.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                open(&url, Missing::Create).map(|_| ())
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap().unwrap();
    }
    let db = name(&url);
    assert_eq!(c.sql(db, "SELECT count(*) FROM latchkey_meta").trim(), "1");
    assert_eq!(c.sql(db, "SELECT count(*) FROM policy").trim(), "1");
    assert_eq!(c.sql(db, "SELECT count(*) FROM resources").trim(), "2");
}

#[test]
fn the_audit_log_refuses_changes_whoever_asks() {
    let c = Cluster::get();
    let url = c.database();
    let lk = open(&url, Missing::Create).unwrap();
    lk.init(
        &NewAccount {
            username: "ada".into(),
            ..Default::default()
        },
        &Password::new(latchkey_testkit::ADMIN_PW),
    )
    .unwrap();
    let mut raw = latchkey_testkit::raw::Raw::open(&Location::Postgres(url.clone()));
    let before = raw.int("SELECT count(*) FROM audit_log", &[]);
    assert!(before > 0);
    for sql in [
        "UPDATE audit_log SET outcome = 'ok'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ] {
        let out = std::process::Command::new(c.bin().join("psql"))
            .args(["-X", "-h", "127.0.0.1", "-p", &c.port.to_string()])
            .args([
                "-U",
                latchkey_testkit::pg::SUPERUSER,
                "-d",
                name(&url),
                "-c",
                sql,
            ])
            .output()
            .unwrap();
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("append-only"),
            "{sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(raw.int("SELECT count(*) FROM audit_log", &[]), before);
}
