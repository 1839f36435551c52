mod common;

use latchkey_core::*;
use std::fs;
use std::os::unix::fs::PermissionsExt;

fn digest_of(path: &std::path::Path) -> Vec<u8> {
    fs::read(path).unwrap()
}

#[test]
fn new_store_and_its_companions_are_owner_only_and_in_wal_mode() {
    let w = common::world();
    let s = w.admin();
    w.lk.create_key(&s, &common::key("k", &[])).unwrap();
    for suffix in ["", "-wal", "-shm"] {
        let p = format!("{}{}", w.path().display(), suffix);
        let mode = fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{p} has mode {mode:o}");
    }
    let conn = rusqlite::Connection::open(w.path()).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn creates_missing_directories() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a/b/latchkey.db");
    Latchkey::open(&p).unwrap();
    assert!(p.exists());
}

#[test]
fn a_file_that_is_not_sqlite_is_refused_and_left_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("notes.db");
    fs::write(&p, b"these are my notes, not a database\n").unwrap();
    let before = digest_of(&p);
    let e = Latchkey::open(&p).unwrap_err();
    assert_eq!(e.code(), "store_refused");
    assert!(e.to_string().contains("not an SQLite database"), "{e}");
    assert_eq!(digest_of(&p), before);
}

#[test]
fn a_corrupt_store_is_refused_and_left_unchanged() {
    let w = common::world();
    let p = w.path();
    drop(w.lk);
    // Checkpoint everything into the main file, then damage a page in the middle.
    {
        let c = rusqlite::Connection::open(&p).unwrap();
        c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE;")
            .unwrap();
    }
    let mut bytes = fs::read(&p).unwrap();
    assert!(bytes.len() > 8192);
    for b in &mut bytes[4096..8192] {
        *b = 0xA5;
    }
    fs::write(&p, &bytes).unwrap();
    let e = Latchkey::open(&p).unwrap_err();
    assert_eq!(e.code(), "store_refused", "{e}");
    assert!(e.to_string().contains("corrupt"), "{e}");
    assert_eq!(fs::read(&p).unwrap(), bytes);
}

#[test]
fn another_programs_sqlite_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("other.db");
    {
        let c = rusqlite::Connection::open(&p).unwrap();
        c.execute_batch("CREATE TABLE songs (title TEXT); INSERT INTO songs VALUES ('x');")
            .unwrap();
    }
    let before = digest_of(&p);
    let e = Latchkey::open(&p).unwrap_err();
    assert!(
        e.to_string().contains("another program's SQLite database"),
        "{e}"
    );
    assert_eq!(digest_of(&p), before);
}

#[test]
fn a_store_from_a_newer_latchkey_is_refused_with_both_versions() {
    let w = common::world();
    let p = w.path();
    drop(w.lk);
    {
        let c = rusqlite::Connection::open(&p).unwrap();
        c.execute_batch("PRAGMA user_version = 99; PRAGMA wal_checkpoint(TRUNCATE);")
            .unwrap();
    }
    let before = digest_of(&p);
    let e = Latchkey::open(&p).unwrap_err();
    assert_eq!(e.code(), "store_too_new");
    let msg = e.to_string();
    assert!(
        msg.contains("store version 99")
            && msg.contains(&format!("up to {}", store::SCHEMA_VERSION)),
        "{msg}"
    );
    assert_eq!(digest_of(&p), before);
}

#[test]
fn reopening_keeps_everything() {
    let w = common::world();
    let s = w.admin();
    let issued =
        w.lk.create_key(&s, &common::key("kept", &["keys:read"]))
            .unwrap();
    let again = w.reopen();
    assert!(again.verify(issued.secret.expose()).unwrap().valid);
    assert!(again.is_initialized().unwrap());
}

#[test]
fn two_handles_writing_at_once_both_succeed_and_nothing_is_lost() {
    let w = common::world();
    let per_thread = 40;
    let handles: Vec<_> = (0..2)
        .map(|t| {
            let lk = w.reopen();
            std::thread::spawn(move || {
                let s = lk
                    .sign_in("admin", &Password::new(common::ADMIN_PW))
                    .unwrap()
                    .session;
                for i in 0..per_thread {
                    lk.create_key(&s, &common::key(&format!("t{t}-{i}"), &[]))
                        .unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let s = w.admin();
    assert_eq!(w.lk.list_keys(&s).unwrap().len(), 2 * per_thread);
}

#[test]
fn a_version_1_store_is_migrated_in_place_with_its_keys_intact() {
    use sha2::Digest;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("v1.db");
    let key = keyformat::generate(KeyKind::Live).unwrap();
    {
        // A store exactly as version 1 left it, with one account and one key.
        let c = rusqlite::Connection::open(&p).unwrap();
        c.execute_batch(include_str!("../src/store/sqlite/schema_v1.sql"))
            .unwrap();
        c.execute_batch(
            "INSERT INTO policy (id) VALUES (1);
             INSERT INTO resources (name, builtin, created_at) VALUES ('account', 1, 0), ('keys', 1, 0);
             INSERT INTO accounts (id, username, username_key, password_hash, dek_salt, dek_wrapped, dek_kdf, created_at, updated_at)
               VALUES (1, 'old', 'old', 'x', x'', x'', '', 0, 0);
             INSERT INTO groups (id, name, created_at) VALUES (1, 'g', 0);
             INSERT INTO group_permissions VALUES (1, 'keys', 'read');
             INSERT INTO group_members VALUES (1, 1);",
        )
        .unwrap();
        let digest: [u8; 32] = sha2::Sha256::digest(key.as_bytes()).into();
        c.execute(
            "INSERT INTO api_keys (id, account_id, name, kind, digest, hint, created_at) VALUES ('AAAAAAAAAAAAAAAA', 1, 'k', 'live', ?1, 'h', 0)",
            [digest.as_slice()],
        )
        .unwrap();
        c.execute_batch(&format!(
            "INSERT INTO key_permissions VALUES ('AAAAAAAAAAAAAAAA', 'keys', 'read');
             PRAGMA application_id = {}; PRAGMA user_version = 1;",
            store::APPLICATION_ID
        ))
        .unwrap();
    }
    let lk = Latchkey::open(&p).unwrap();
    let v = lk.verify(&key).unwrap();
    assert!(v.valid);
    assert_eq!(
        v.permissions
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        vec!["keys:read"]
    );
    let c = rusqlite::Connection::open(&p).unwrap();
    let version: i64 = c
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, store::SCHEMA_VERSION);
}

/// A connection that writes to the store's log and leaves without checkpointing it, as a
/// process that crashed or is still running would: the change is only in `-wal`.
fn write_without_checkpoint(p: &std::path::Path, sql: &str) {
    let c = rusqlite::Connection::open(p).unwrap();
    c.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
        true,
    )
    .unwrap();
    c.execute_batch(&format!(
        "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; {sql}"
    ))
    .unwrap();
}

fn store_files(p: &std::path::Path) -> Vec<(String, Option<Vec<u8>>)> {
    ["", "-wal"]
        .iter()
        .map(|suffix| {
            let name = format!("{}{suffix}", p.display());
            let bytes = fs::read(&name).ok();
            (name, bytes)
        })
        .collect()
}

#[test]
fn a_newer_store_with_a_pending_log_is_refused_and_both_files_left_unchanged() {
    let w = common::world();
    let p = w.path();
    drop(w.lk);
    write_without_checkpoint(&p, "PRAGMA user_version = 99;");
    let before = store_files(&p);
    let wal = before[1]
        .1
        .as_ref()
        .expect("the change waits in the -wal file");
    assert!(!wal.is_empty());

    let e = Latchkey::open(&p).unwrap_err();
    // The version is read through the log, where only it is newer.
    assert_eq!(e.code(), "store_too_new", "{e}");
    assert!(e.to_string().contains("store version 99"), "{e}");
    assert_eq!(store_files(&p), before);
    // Opening only an existing store refuses it the same way.
    let e = Latchkey::open_existing(&p).unwrap_err();
    assert_eq!(e.code(), "store_too_new", "{e}");
    assert_eq!(store_files(&p), before);
}

#[test]
fn another_programs_database_with_a_pending_log_is_left_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("other.db");
    write_without_checkpoint(
        &p,
        "CREATE TABLE songs (title TEXT); INSERT INTO songs VALUES ('x');",
    );
    let before = store_files(&p);
    assert!(before[1].1.as_ref().is_some_and(|b| !b.is_empty()));
    let e = Latchkey::open(&p).unwrap_err();
    assert!(
        e.to_string().contains("another program's SQLite database"),
        "{e}"
    );
    assert_eq!(store_files(&p), before);
}

#[test]
fn opening_an_existing_store_never_creates_one() {
    let dir = tempfile::tempdir().unwrap();
    for p in [
        dir.path().join("typo.db"),
        dir.path().join("no-such-dir/latchkey.db"),
    ] {
        let e = Latchkey::open_existing(&p).unwrap_err();
        assert_eq!(e.code(), "io_error", "{e}");
        let msg = e.to_string();
        assert!(msg.contains(&p.display().to_string()), "{msg}");
        assert!(msg.contains("no Latchkey store"), "{msg}");
        assert!(!p.exists());
        assert!(!p.parent().unwrap().join("latchkey.db-wal").exists());
    }
    assert!(!dir.path().join("no-such-dir").exists());

    // An existing store opens, and keeps working.
    let w = common::world();
    let s = w.admin();
    let issued = w.lk.create_key(&s, &common::key("k", &[])).unwrap();
    let again = Latchkey::open_existing(&w.path()).unwrap();
    assert!(again.verify(issued.secret.expose()).unwrap().valid);
}

#[test]
fn an_up_to_date_store_opens_while_another_process_holds_the_write_lock() {
    let w = common::world();
    let s = w.admin();
    let issued = w.lk.create_key(&s, &common::key("k", &[])).unwrap();
    let other = rusqlite::Connection::open(w.path()).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    // Nothing to migrate, so opening takes no lock (it used to wait for this one for
    // 15 s and then fail), and reading needs none.
    let lk = w.reopen();
    let v = lk.verify_without_waiting(issued.secret.expose()).unwrap();
    assert!(v.valid);
    other.execute_batch("COMMIT").unwrap();
}

#[test]
fn a_failing_last_used_write_never_changes_the_verdict() {
    let w = common::world();
    let s = w.admin();
    let issued = w.lk.create_key(&s, &common::key("k", &[])).unwrap();
    // Any failure, not only a busy store: here the store refuses the update outright.
    let c = rusqlite::Connection::open(w.path()).unwrap();
    c.execute_batch(
        "CREATE TRIGGER no_last_used BEFORE UPDATE OF last_used_at ON api_keys
         BEGIN SELECT RAISE(ABORT, 'read-only for this test'); END;",
    )
    .unwrap();
    let v = w.lk.verify(issued.secret.expose()).unwrap();
    assert!(v.valid, "{v:?}");
    let v =
        w.lk.verify_deferring_last_use(issued.secret.expose())
            .unwrap();
    assert!(v.valid, "{v:?}");
    w.lk.flush_last_used();
    let keys = w.lk.list_keys(&s).unwrap();
    assert!(keys.iter().all(|k| k.last_used_at.is_none()));
}

/// A store written before version 3 may hold keys whose denormalised permission copy still
/// names a deleted resource; opening it with this version repairs the copy.
#[test]
fn migrating_to_version_3_repairs_stale_key_permissions() {
    let w = common::world();
    let admin = w.admin();
    w.lk.create_resource(&admin, "samples", "").unwrap();
    let issued =
        w.lk.create_key(&admin, &common::key("old", &["samples:read", "keys:read"]))
            .unwrap();
    w.lk.delete_resource(&admin, "samples").unwrap();
    w.lk.create_resource(&admin, "samples", "again").unwrap();
    {
        // As a version-2 store left it: the copy still names the deleted permission (and
        // neither version 3 nor version 4 has been applied).
        let c = rusqlite::Connection::open(w.path()).unwrap();
        c.execute_batch(
            "UPDATE api_keys SET permissions = 'keys:read samples:read' WHERE name = 'old';
             DROP TABLE invitation_groups;
             DROP TABLE invitations;
             DROP TABLE invitation_attempts;
             DROP TABLE login_throttle;
             DROP TABLE audit_tally;
             ALTER TABLE accounts DROP COLUMN last_sign_in_at;
             DROP INDEX groups_name_key;
             DROP INDEX api_keys_account_name;
             ALTER TABLE groups DROP COLUMN name_key;
             ALTER TABLE api_keys DROP COLUMN name_key;
             CREATE INDEX api_keys_account_name ON api_keys(account_id, name COLLATE NOCASE);
             DROP TABLE settings;
             ALTER TABLE accounts RENAME COLUMN notices TO secrets_lost;
             PRAGMA user_version = 2;",
        )
        .unwrap();
    }
    let stale = w.reopen();
    // (The administrator holds every permission, so only the key's own set limits it.)
    assert_eq!(
        common::perms(&stale.verify(issued.secret.expose()).unwrap()),
        vec!["keys:read"]
    );
}
