//! Keeping data safe: backups taken while the store is in use, checked restores, the
//! recovery of an account whose password or authenticator is lost, and what a store says
//! of keys found by a scan. SQLite files (a PostgreSQL store is refused with the rule).

mod common;

use common::{key, ADMIN_PW, USER_PW};
use latchkey_core::store::{Location, Missing};
use latchkey_core::*;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Every byte of a store file and its log (what a refused restore must leave alone).
fn store_bytes(p: &Path) -> Vec<Option<Vec<u8>>> {
    ["", "-wal"]
        .iter()
        .map(|s| fs::read(format!("{}{s}", p.display())).ok())
        .collect()
}

fn restore(live: &Path, from: &Path) -> Result<RestoreReport> {
    backup::restore(&Location::File(live.to_path_buf()), from, &SystemClock)
}

fn open(p: &Path) -> Latchkey {
    Latchkey::open_existing(p).expect("the store opens")
}

fn valid(lk: &Latchkey, key: &str) -> bool {
    lk.verify(key).unwrap().valid
}

// ---------------------------------------------------------------- backup

#[test]
fn a_backup_is_an_owner_only_copy_that_opens_and_verifies_the_same_keys() {
    let w = common::world();
    let admin = w.admin();
    let k = w.lk.create_key(&admin, &key("ci", &["keys:read"])).unwrap();
    let dest = w.dir.path().join("backups").join("latchkey-backup.db");
    fs::create_dir(dest.parent().unwrap()).unwrap();
    let done = w.lk.backup(&dest).unwrap();
    assert_eq!(done.path, dest.display().to_string());
    assert_eq!(done.bytes, fs::metadata(&dest).unwrap().len());
    assert_eq!(mode(&dest), 0o600);
    // One self-contained file: nothing waits in a log beside it, no temporary is left.
    assert_eq!(files_in(dest.parent().unwrap()), vec!["latchkey-backup.db"]);
    let copy = open(&dest);
    assert!(valid(&copy, k.secret.expose()));
    assert!(valid(&copy, &w.admin_key));
    assert_eq!(
        copy.verify(k.secret.expose()).unwrap().permissions,
        w.lk.verify(k.secret.expose()).unwrap().permissions
    );
    // Recorded in the store it copied, with no account acting.
    let e = &w.audit_of(None, "store.backed_up")[0];
    assert_eq!(e.actor, None, "{e:?}");
    assert_eq!(
        e.target.as_deref(),
        Some(&*format!("file {}", dest.display()))
    );
    // A second backup to the same name replaces the first once it is complete.
    w.lk.create_key(&admin, &key("later", &[])).unwrap();
    w.lk.backup(&dest).unwrap();
    let names: Vec<String> = open(&dest)
        .list_keys(&copy_admin(&dest))
        .unwrap()
        .into_iter()
        .map(|k| k.name)
        .collect();
    assert!(names.contains(&"later".to_owned()), "{names:?}");
}

/// Signs the administrator in on the store at `p`.
fn copy_admin(p: &Path) -> Session {
    open(p)
        .sign_in("admin", &Password::new(ADMIN_PW))
        .unwrap()
        .session
}

#[test]
fn a_backup_from_the_window_names_who_took_it() {
    let w = common::world();
    let dest = w.dir.path().join("b.db");
    w.lk.backup_for(&w.admin(), &dest).unwrap();
    let e = &w.audit_of(Some("admin"), "store.backed_up")[0];
    assert_eq!(e.actor.as_deref(), Some("admin"));
}

#[test]
fn a_backup_destination_that_cannot_be_used_is_refused_first_naming_it() {
    let w = common::world();
    let d = w.dir.path();
    fs::write(d.join("plain-file"), b"x").unwrap();
    fs::write(d.join("notes.txt"), b"my notes").unwrap();
    let before = files_in(d);
    let cases: Vec<(PathBuf, &str)> = vec![
        (d.join("notes.txt"), "is not a Latchkey store"),
        (d.join("missing/b.db"), "does not exist"),
        (d.to_path_buf(), "is a folder"),
        (d.join("plain-file/b.db"), "is not a folder"),
        (w.path(), "is the store itself"),
        (
            PathBuf::from(format!("{}-wal", w.path().display())),
            "is the store itself",
        ),
        (PathBuf::new(), "name the file"),
    ];
    for (dest, why) in cases {
        let e = w.lk.backup(&dest).unwrap_err();
        assert_eq!(e.code(), "invalid_input", "{dest:?}: {e}");
        assert_eq!(e.field(), Some("file"));
        let msg = e.to_string();
        assert!(msg.contains(why), "{msg}");
        assert!(msg.contains(&dest.display().to_string()), "{msg}");
    }
    assert_eq!(files_in(d), before, "nothing was written");
    assert!(w.audit_of(None, "store.backed_up").is_empty());
}

#[test]
fn a_backup_taken_under_a_write_load_holds_every_write_acknowledged_before_it_began() {
    let w = common::world();
    // A second handle, as another process would have: its own connections.
    let writer_lk = w.reopen();
    let session = writer_lk
        .sign_in("admin", &Password::new(ADMIN_PW))
        .unwrap()
        .session;
    let created: Arc<Mutex<Vec<String>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (created, stop) = (created.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                let k = writer_lk
                    .create_key(&session, &key(&format!("load-{i}"), &["keys:read"]))
                    .expect("a write under load");
                // Acknowledged: only now is it counted.
                created.lock().unwrap().push(k.secret.expose().to_owned());
                i += 1;
            }
        })
    };
    while created.lock().unwrap().len() < 40 {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let dest = w.dir.path().join("under-load.db");
    let acknowledged = created.lock().unwrap().len();
    w.lk.backup(&dest).unwrap();
    let after_backup = created.lock().unwrap().len();
    while created.lock().unwrap().len() < after_backup + 20 {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    stop.store(true, Ordering::Relaxed);
    writer.join().unwrap();
    let all = created.lock().unwrap().clone();
    assert!(all.len() > after_backup, "the writer kept writing");

    // Put the backup back in place of the store, as a person would.
    let live = w.path();
    let (original_verdicts, original_key): (Vec<Verification>, String) = (
        all[..acknowledged]
            .iter()
            .map(|k| w.lk.verify(k).unwrap())
            .collect(),
        w.admin_key.clone(),
    );
    drop(w.lk);
    let done = restore(&live, &dest).unwrap();
    assert!(done.replaced.is_some());
    let restored = open(&live);
    for (k, before) in all[..acknowledged].iter().zip(&original_verdicts) {
        let now = restored.verify(k).unwrap();
        assert!(now.valid, "an acknowledged key was lost");
        assert_eq!(
            (&now.key_id, &now.permissions, &now.account),
            (&before.key_id, &before.permissions, &before.account)
        );
    }
    // Keys made after the backup was complete are not in it.
    for k in &all[after_backup..] {
        assert_eq!(restored.verify(k).unwrap().reason, Reason::NotFound);
    }
    assert!(valid(&restored, &original_key));
}

// ---------------------------------------------------------------- restore

/// A world with a key, backed up, then changed: the backup file and the key made after.
fn backed_up() -> (common::World, PathBuf, String, String) {
    let w = common::world();
    let admin = w.admin();
    let before = w.lk.create_key(&admin, &key("before", &[])).unwrap();
    let dest = w.dir.path().join("backup.db");
    w.lk.backup(&dest).unwrap();
    let after = w.lk.create_key(&admin, &key("after", &[])).unwrap();
    (
        w,
        dest,
        before.secret.expose().to_owned(),
        after.secret.expose().to_owned(),
    )
}

#[test]
fn a_restore_puts_the_backup_in_place_and_keeps_the_replaced_store_beside_it() {
    let (w, dest, before, after) = backed_up();
    let live = w.path();
    let clock = w.clock.clone();
    drop(w.lk);
    let done = restore(&live, &dest).unwrap();
    assert_eq!(done.version, store::SCHEMA_VERSION);
    let replaced = PathBuf::from(done.replaced.clone().unwrap());
    assert!(replaced
        .file_name()
        .unwrap()
        .to_string_lossy()
        .starts_with("latchkey.db.replaced-"));
    assert_eq!(mode(&replaced), 0o600);
    assert_eq!(mode(&live), 0o600);

    let restored = open(&live);
    assert!(valid(&restored, &before));
    assert_eq!(restored.verify(&after).unwrap().reason, Reason::NotFound);
    // The replaced store is whole: the key made after the backup is in it.
    let kept = open(&replaced);
    assert!(valid(&kept, &after) && valid(&kept, &before));
    // Recorded in the restored store.
    let admin = restored
        .sign_in("admin", &Password::new(ADMIN_PW))
        .unwrap()
        .session;
    let events = restored
        .audit(
            &admin,
            &AuditFilter {
                action: Some("store.restored".into()),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(events.len(), 1);
    assert!(events[0].detail.contains(&replaced.display().to_string()));
    drop((restored, kept, clock));

    // A second restore in the same second keeps both replaced stores.
    let again = restore(&live, &dest).unwrap();
    assert_ne!(again.replaced, done.replaced);
}

#[test]
fn a_write_waiting_in_the_log_goes_with_the_replaced_store_and_never_into_the_restored_one() {
    let (w, dest, _, _) = backed_up();
    let live = w.path();
    drop(w.lk);
    // A change only in the -wal file, as a process that crashed leaves it.
    {
        let c = rusqlite::Connection::open(&live).unwrap();
        c.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
            true,
        )
        .unwrap();
        c.execute_batch(
            "PRAGMA wal_autocheckpoint = 0;
             INSERT INTO settings (name, value, updated_at) VALUES ('only-in-log', 'x', 0);",
        )
        .unwrap();
    }
    assert!(
        fs::metadata(format!("{}-wal", live.display()))
            .unwrap()
            .len()
            > 0
    );
    let done = restore(&live, &dest).unwrap();
    let count = |p: &Path| -> i64 {
        rusqlite::Connection::open(p)
            .unwrap()
            .query_row(
                "SELECT count(*) FROM settings WHERE name = 'only-in-log'",
                [],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert_eq!(count(&PathBuf::from(done.replaced.unwrap())), 1);
    assert_eq!(count(&live), 0);
    open(&live);
}

#[test]
fn a_restore_is_refused_while_another_process_has_the_store_open() {
    let (w, dest, _, _) = backed_up();
    let live = w.path();
    // The world's handle is open: the window, a server or a command would be.
    let before = store_bytes(&live);
    let files = files_in(w.dir.path());
    let e = restore(&live, &dest).unwrap_err();
    assert_eq!(e.code(), "store_busy", "{e}");
    assert_eq!(store_bytes(&live), before);
    assert_eq!(files_in(w.dir.path()), files, "nothing left behind");
    // A handle that only ever read counts too.
    drop(w.lk);
    let reader = open(&live);
    assert!(reader.is_initialized().unwrap());
    assert_eq!(restore(&live, &dest).unwrap_err().code(), "store_busy");
    drop(reader);
    restore(&live, &dest).unwrap();
}

#[test]
fn backups_that_are_not_healthy_latchkey_stores_of_this_version_are_refused() {
    let (w, dest, _, after) = backed_up();
    let live = w.path();
    let d = w.dir.path().to_path_buf();
    drop(w.lk);
    let before = store_bytes(&live);
    let files = files_in(&d);

    let check = |from: &Path, code: &str, words: &[&str]| {
        let e = restore(&live, from).unwrap_err();
        assert_eq!(e.code(), code, "{from:?}: {e}");
        for wd in words {
            assert!(e.to_string().contains(wd), "{from:?}: {e}");
        }
        assert_eq!(store_bytes(&live), before, "{from:?}: the store changed");
    };

    check(
        &d.join("nothing-here.db"),
        "not_found",
        &["nothing-here.db"],
    );
    check(&d, "invalid_input", &["is a folder"]);
    check(&live, "invalid_input", &["is the store itself"]);

    let text = d.join("notes.db");
    fs::write(&text, b"my notes\n").unwrap();
    check(
        &text,
        "store_refused",
        &["not an SQLite database", "notes.db"],
    );

    let foreign = d.join("songs.db");
    rusqlite::Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE songs (title TEXT); INSERT INTO songs VALUES ('x');")
        .unwrap();
    check(&foreign, "store_refused", &["not a Latchkey store"]);

    let empty = d.join("empty.db");
    rusqlite::Connection::open(&empty)
        .unwrap()
        .execute_batch("PRAGMA user_version = 0; VACUUM;")
        .unwrap();
    check(&empty, "store_refused", &["not a Latchkey store"]);

    let newer = d.join("newer.db");
    fs::copy(&dest, &newer).unwrap();
    rusqlite::Connection::open(&newer)
        .unwrap()
        .execute_batch("PRAGMA user_version = 99;")
        .unwrap();
    check(
        &newer,
        "store_too_new",
        &[
            "store version 99",
            &format!("up to {}", store::SCHEMA_VERSION),
        ],
    );

    let corrupt = d.join("corrupt.db");
    let mut bytes = fs::read(&dest).unwrap();
    assert!(bytes.len() > 3 * 4096);
    for b in &mut bytes[4096..8192] {
        *b = 0xA5;
    }
    fs::write(&corrupt, &bytes).unwrap();
    check(&corrupt, "store_refused", &["corrupt"]);

    let mut now = files_in(&d);
    now.retain(|f| !["notes.db", "songs.db", "empty.db", "newer.db", "corrupt.db"].contains(&&**f));
    assert_eq!(now, files, "no file left behind by a refused restore");
    // The store still has what it had.
    assert!(valid(&open(&live), &after));
}

#[test]
fn a_restore_where_there_is_no_store_yet_makes_it_owner_only() {
    let (w, dest, before, _) = backed_up();
    let live = w.dir.path().join("new-home/sub/latchkey.db");
    let done = restore(&live, &dest).unwrap();
    assert_eq!(done.replaced, None);
    assert_eq!(mode(&live), 0o600);
    assert_eq!(mode(live.parent().unwrap()), 0o700);
    assert!(valid(&open(&live), &before));
}

#[test]
fn a_damaged_store_is_moved_aside_whole_and_replaced() {
    let (w, dest, before, _) = backed_up();
    let live = w.path();
    drop(w.lk);
    fs::write(&live, b"garbage where a store was").unwrap();
    let done = restore(&live, &dest).unwrap();
    let replaced = PathBuf::from(done.replaced.unwrap());
    assert_eq!(fs::read(&replaced).unwrap(), b"garbage where a store was");
    assert!(valid(&open(&live), &before));
}

#[test]
fn another_programs_database_at_the_store_path_is_not_replaced() {
    let (w, dest, _, _) = backed_up();
    let other = w.dir.path().join("songs.db");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE songs (title TEXT);")
        .unwrap();
    let before = fs::read(&other).unwrap();
    let e = restore(&other, &dest).unwrap_err();
    assert_eq!(e.code(), "store_refused", "{e}");
    assert_eq!(fs::read(&other).unwrap(), before);
}

#[test]
fn a_postgresql_store_is_backed_up_and_restored_with_its_own_tools() {
    let e = backup::restore(
        &Location::Postgres("postgres://nobody@127.0.0.1:1/none".into()),
        Path::new("/tmp/x.db"),
        &SystemClock,
    )
    .unwrap_err();
    assert_eq!(e.field(), Some("db"));
    assert!(e.to_string().contains("pg_restore"), "{e}");
}

// ---------------------------------------------------------------- recovery

#[test]
fn recovery_sets_a_new_password_turns_mfa_off_and_loses_viewable_secrets() {
    let w = common::world();
    let admin = w.admin();
    // A viewable key, and two-step verification with its recovery codes.
    let viewable =
        w.lk.create_key(
            &admin,
            &NewKey {
                revealable: true,
                ..key("viewable", &["keys:read"])
            },
        )
        .unwrap();
    let e = w.lk.mfa_enroll(&admin).unwrap();
    let t = w.clock.now().unix_timestamp() as u64;
    w.lk.mfa_confirm(&admin, &mfa::code_at(&e.secret_base32, t).unwrap())
        .unwrap();

    // The password and the authenticator are lost. Whoever can write the store file:
    let new = Password::new("a brand new passphrase");
    let done = w.lk.recover_account("ADMIN", &new).unwrap();
    assert_eq!(
        done,
        Recovered {
            username: "admin".into(),
            is_admin: true,
            secrets_lost: 2, // the viewable key and the account key
            mfa_turned_off: true,
        }
    );
    // The old password no longer works; the new one signs in without a code.
    assert_eq!(
        w.lk.sign_in("admin", &Password::new(ADMIN_PW))
            .unwrap_err()
            .code(),
        "bad_credentials"
    );
    let signed = w.lk.sign_in("admin", &new).unwrap();
    assert!(signed.secrets_lost && signed.mfa_reset);
    let s = signed.session;
    let status = w.lk.mfa_status(&s).unwrap();
    assert!(!status.enabled && status.recovery_codes_left == 0);
    // The keys keep working; the viewable one can no longer be shown.
    assert!(valid(&w.lk, viewable.secret.expose()));
    assert!(valid(&w.lk, &w.admin_key));
    let e = w.lk.reveal_key(&s, &viewable.key.id).unwrap_err();
    assert!(e.to_string().contains("can no longer be viewed"), "{e}");
    // Recorded, with no account acting and no secret.
    let events = w.lk.audit(
        &s,
        &AuditFilter {
            action: Some("account.recovered".into()),
            ..Default::default()
        },
    );
    let events = events.unwrap();
    assert_eq!(events.len(), 1);
    let ev = &events[0];
    assert_eq!(ev.actor, None);
    assert_eq!(ev.target.as_deref(), Some("account admin"));
    assert!(ev.detail.contains("2 viewable secrets"), "{}", ev.detail);
    assert!(ev.detail.contains("two-step verification turned off"));
    let everything = format!("{events:?}{done:?}");
    assert!(!everything.contains("brand new") && !everything.contains(viewable.secret.expose()));
    assert!(!w
        .store_bytes()
        .windows(22)
        .any(|b| b == b"a brand new passphrase"));
}

#[test]
fn recovery_applies_the_password_rules_and_changes_nothing_when_refused() {
    let w = common::world();
    w.user("bob", &[]);
    for (pw, words) in [
        ("short", "at least 8"),
        ("bob@example.org", "email"),
        ("password123", "common"),
    ] {
        let e = w.lk.recover_account("bob", &Password::new(pw)).unwrap_err();
        assert_eq!(e.field(), Some("new password"), "{pw}: {e}");
        assert!(e.to_string().contains(words), "{pw}: {e}");
    }
    // Bob's password is unchanged.
    w.lk.sign_in("bob", &Password::new(USER_PW)).unwrap();
    assert!(w.audit_of(None, "account.recovered").is_empty());
    let e =
        w.lk.recover_account("nobody", &Password::new("a brand new passphrase"))
            .unwrap_err();
    assert_eq!(e.code(), "not_found");
}

#[test]
fn recovery_lifts_the_sign_in_throttle() {
    let w = common::world();
    for _ in 0..8 {
        let _ = w.lk.sign_in("admin", &Password::new("not the password"));
    }
    assert_eq!(
        w.lk.sign_in("admin", &Password::new(ADMIN_PW))
            .unwrap_err()
            .code(),
        "throttled"
    );
    let new = Password::new("a brand new passphrase");
    w.lk.recover_account("admin", &new).unwrap();
    w.lk.sign_in("admin", &new).unwrap();
}

// ---------------------------------------------------------------- scan

fn finding(text: &str) -> Finding {
    let mut out = Scan::default();
    Scanner::new()
        .scan_reader(&mut text.as_bytes(), "-", &mut out)
        .unwrap();
    assert_eq!(out.findings.len(), 1, "{text}");
    out.findings.remove(0)
}

#[test]
fn a_store_says_whether_a_found_key_is_live_revoked_expired_or_unknown() {
    let w = common::world();
    let admin = w.admin();
    let live = w.lk.create_key(&admin, &key("live", &[])).unwrap();
    let revoked = w.lk.create_key(&admin, &key("revoked", &[])).unwrap();
    w.lk.revoke_key(&admin, &revoked.key.id).unwrap();
    let expiring =
        w.lk.create_key(
            &admin,
            &NewKey {
                expiry: Expiry::Days(7),
                ..key("expiring", &[])
            },
        )
        .unwrap();
    let invitation =
        w.lk.create_invitation(
            &admin,
            &NewInvitation {
                email: "new@example.org".into(),
                groups: vec![],
                admin: false,
            },
        )
        .unwrap();
    let status = |k: &str| w.lk.leak_status(&finding(&format!("KEY={k}\n"))).unwrap();
    assert_eq!(status(live.secret.expose()), LeakStatus::Live);
    assert_eq!(status(&w.admin_key), LeakStatus::Live);
    assert_eq!(status(revoked.secret.expose()), LeakStatus::Revoked);
    assert_eq!(status(invitation.code.expose()), LeakStatus::Live);
    assert_eq!(
        status(&keyformat::generate(KeyKind::Test).unwrap()),
        LeakStatus::Unknown
    );
    w.clock.advance(time::Duration::days(8));
    assert_eq!(status(expiring.secret.expose()), LeakStatus::Expired);
    assert_eq!(status(invitation.code.expose()), LeakStatus::Expired);
    // Asking records nothing: no last use.
    let info = w.lk.list_keys(&w.admin()).unwrap();
    assert!(info.iter().all(|k| k.last_used_at.is_none()));
}

#[test]
fn a_scan_of_a_folder_skips_git_and_binary_files_and_names_what_it_cannot_read() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let k = keyformat::generate(KeyKind::Live).unwrap();
    fs::create_dir_all(d.join("src/deep")).unwrap();
    fs::create_dir_all(d.join(".git/objects")).unwrap();
    fs::write(
        d.join("src/deep/config.toml"),
        format!("a = 1\nkey = \"{k}\"\n"),
    )
    .unwrap();
    fs::write(d.join(".git/objects/blob"), &k).unwrap();
    fs::write(
        d.join("image.png"),
        [b"\x89PNG\0".as_slice(), k.as_bytes()].concat(),
    )
    .unwrap();
    std::os::unix::fs::symlink(d.join("src"), d.join("link")).unwrap();
    let mut out = Scan::default();
    let mut s = Scanner::new();
    s.scan_path(d, &mut out);
    s.scan_path(&d.join("missing.txt"), &mut out);
    let found: Vec<(String, u64)> = out
        .findings
        .iter()
        .map(|f| (f.path.clone(), f.line))
        .collect();
    assert_eq!(
        found,
        vec![(format!("{}/src/deep/config.toml", d.display()), 2)]
    );
    assert_eq!((out.files, out.binary), (1, 1));
    assert_eq!(out.errors.len(), 1);
    assert_eq!(out.errors[0].code(), "not_found");
    assert!(out.errors[0].to_string().contains("missing.txt"));
}

#[test]
fn a_store_named_but_missing_is_not_created_by_opening_it_for_a_scan() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("none.db");
    let e = Latchkey::open_at(
        &Location::File(p.clone()),
        Arc::new(SystemClock),
        Missing::Refuse,
    )
    .unwrap_err();
    assert!(e.to_string().contains("no Latchkey store"), "{e}");
    assert!(!p.exists());
}
