//! `latchkey backup FILE` and `latchkey restore FILE`, as a person (or a nightly job) runs
//! them: while `latchkey serve` keeps answering, and refused with the rule when the file,
//! its folder or the store cannot be used.

mod common;

use common::Store;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Output, Stdio};

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn run(s: &Store, args: &[&str]) -> Output {
    s.command().args(args).output().unwrap()
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// A `latchkey serve` of the store, answering on a free port.
struct Served(Child);

fn serve(s: &Store) -> Served {
    let mut child = s
        .command()
        .args(["serve", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("http://127.0.0.1:"), "{line:?}");
    Served(child)
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_backup_taken_while_the_store_is_served_is_restored_with_the_old_store_kept() {
    let s = common::store();
    let (before, _) = s.create_key("before", &["keys:read"]);
    let served = serve(&s);
    let out = run(&s, &["backup", "nightly.db"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("nightly.db"), "{}", text(&out));
    let backup = s.dir().join("nightly.db");
    assert_eq!(mode(&backup), 0o600);
    let v: Value =
        serde_json::from_slice(&run(&s, &["--json", "backup", "nightly.db"]).stdout).unwrap();
    assert_eq!(v["path"], "nightly.db");
    assert_eq!(
        v["bytes"].as_u64().unwrap(),
        std::fs::metadata(&backup).unwrap().len()
    );
    let (after, _) = s.create_key("after", &[]);
    drop(served);

    let out = run(&s, &["--json", "restore", "nightly.db"]);
    assert!(out.status.success(), "{}", text(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["from"], "nightly.db");
    let replaced = v["replaced"].as_str().unwrap().to_owned();
    assert!(replaced.contains("latchkey.db.replaced-"), "{replaced}");
    assert_eq!(mode(Path::new(&replaced)), 0o600);
    assert_eq!(s.verify(&before).0, 0);
    assert_eq!(s.verify(&after).1["reason"], "not_found");
    // The replaced store has what the store had.
    let kept = common::run(
        Path::new(&replaced),
        &["--json", "key", "verify", &after],
        String::new(),
    );
    assert!(kept.status.success(), "{}", text(&kept));

    let audit = s.run(&["audit", "--user", "ada", "--action", "store."]);
    let log = text(&audit);
    assert!(
        log.contains("store.restored") && log.contains("store.backed_up"),
        "{log}"
    );
}

#[test]
fn a_restore_is_refused_while_latchkey_serve_has_the_store_open() {
    let s = common::store();
    run(&s, &["backup", "b.db"]);
    let served = serve(&s);
    let before = std::fs::read(&s.db).unwrap();
    let out = run(&s, &["restore", "b.db"]);
    assert_eq!(out.status.code(), Some(8), "{}", text(&out));
    assert!(
        text(&out).contains("close the Latchkey window and stop any `latchkey serve`"),
        "{}",
        text(&out)
    );
    let out = run(&s, &["--json", "restore", "b.db"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["error"]["code"], "store_busy");
    assert_eq!(std::fs::read(&s.db).unwrap(), before);
    drop(served);
    let out = run(&s, &["restore", "b.db"]);
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn bad_files_and_folders_are_refused_naming_the_path_and_the_rule() {
    let s = common::store();
    let d = s.dir();
    run(&s, &["backup", "good.db"]);
    std::fs::write(d.join("notes.txt"), b"my notes\n").unwrap();
    std::fs::create_dir(d.join("folder")).unwrap();
    let newer = d.join("newer.db");
    std::fs::copy(d.join("good.db"), &newer).unwrap();
    rusqlite::Connection::open(&newer)
        .unwrap()
        .execute_batch("PRAGMA user_version = 99;")
        .unwrap();
    let mut corrupt = std::fs::read(d.join("good.db")).unwrap();
    for b in &mut corrupt[4096..8192] {
        *b = 0x5A;
    }
    std::fs::write(d.join("corrupt.db"), corrupt).unwrap();
    let foreign = d.join("songs.db");
    rusqlite::Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE songs (title TEXT);")
        .unwrap();
    let store_before = std::fs::read(&s.db).unwrap();

    for (args, exit, code, words) in [
        (
            vec!["backup", "missing/b.db"],
            3,
            "invalid_input",
            vec!["missing/b.db", "does not exist"],
        ),
        (
            vec!["backup", "folder"],
            3,
            "invalid_input",
            vec!["folder", "is a folder"],
        ),
        (
            vec!["backup", "notes.txt"],
            3,
            "invalid_input",
            vec!["notes.txt", "not a Latchkey store"],
        ),
        (
            vec!["backup", "latchkey.db"],
            3,
            "invalid_input",
            vec!["the store itself"],
        ),
        (
            vec!["restore", "nothing.db"],
            6,
            "not_found",
            vec!["nothing.db"],
        ),
        (
            vec!["restore", "folder"],
            3,
            "invalid_input",
            vec!["folder", "is a folder"],
        ),
        (
            vec!["restore", "notes.txt"],
            8,
            "store_refused",
            vec!["notes.txt", "not an SQLite database"],
        ),
        (
            vec!["restore", "songs.db"],
            8,
            "store_refused",
            vec!["songs.db", "not a Latchkey store"],
        ),
        (
            vec!["restore", "corrupt.db"],
            8,
            "store_refused",
            vec!["corrupt.db", "corrupt"],
        ),
        (
            vec!["restore", "newer.db"],
            8,
            "store_too_new",
            vec!["newer.db", "store version 99", "supports up to"],
        ),
    ] {
        let out = run(&s, &args);
        assert_eq!(out.status.code(), Some(exit), "{args:?}: {}", text(&out));
        for w in &words {
            assert!(text(&out).contains(w), "{args:?}: {}", text(&out));
        }
        let mut json = vec!["--json"];
        json.extend(&args);
        let v: Value = serde_json::from_slice(&run(&s, &json).stdout).unwrap();
        assert_eq!(v["error"]["code"], code, "{args:?}");
    }
    assert_eq!(std::fs::read(&s.db).unwrap(), store_before);
    let mut left: Vec<String> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".latchkey-") || n.contains(".replaced-"))
        .collect();
    left.sort();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn backup_of_a_store_that_is_not_there_creates_none() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("typo.db");
    let out = common::run(&db, &["backup", "b.db"], String::new());
    assert_eq!(out.status.code(), Some(8), "{}", text(&out));
    assert!(text(&out).contains("no Latchkey store"), "{}", text(&out));
    assert!(!db.exists());
}

#[test]
fn a_store_restored_on_a_new_machine_needs_no_store_there_first() {
    let s = common::store();
    let (key, _) = s.create_key("ci", &[]);
    run(&s, &["backup", "b.db"]);
    let fresh = tempfile::tempdir().unwrap();
    let db = fresh.path().join("data/latchkey.db");
    let out = common::run(
        &db,
        &["restore", s.dir().join("b.db").to_str().unwrap()],
        String::new(),
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(!text(&out).contains("kept at"), "{}", text(&out));
    let out = common::run(&db, &["key", "verify", &key], String::new());
    assert!(out.status.success(), "{}", text(&out));
}
