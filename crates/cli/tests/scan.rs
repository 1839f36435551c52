//! `latchkey scan [PATH…]`: leaked keys in files, folders and standard input, with what
//! the store says of each; and the README's git pre-commit hook, installed in a real
//! repository, refusing a commit whose staged content holds a live key.

mod common;

use common::Store;
use serde_json::{json, Value};
use std::process::{Command, Output, Stdio};

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn hint(key: &str) -> String {
    latchkey_core::keyformat::hint(key)
}

/// ada's keys: one live, one revoked; and one this store never issued.
fn keys(s: &Store) -> (String, String, String) {
    let (live, _) = s.create_key("live", &[]);
    let (revoked, id) = s.create_key("revoked", &[]);
    let out = s.run(&["key", "revoke", "--user", "ada", &id, "--yes"]);
    assert!(out.status.success(), "{}", text(&out));
    let foreign = latchkey_core::keyformat::generate(latchkey_core::KeyKind::Test).unwrap();
    (live, revoked, foreign)
}

fn scan(s: &Store, args: &[&str]) -> Output {
    s.command().arg("scan").args(args).output().unwrap()
}

#[test]
fn files_and_folders_are_reported_with_line_kind_hint_and_status() {
    let s = common::store();
    let (live, revoked, foreign) = keys(&s);
    let d = s.dir();
    std::fs::create_dir_all(d.join("repo/src")).unwrap();
    std::fs::create_dir_all(d.join("repo/.git")).unwrap();
    std::fs::write(
        d.join("repo/src/settings.py"),
        format!("DEBUG = True\nAPI_KEY = \"{live}\"  # oops\nOLD = '{revoked}'\n"),
    )
    .unwrap();
    std::fs::write(d.join("repo/fixture.txt"), format!("{foreign}\n")).unwrap();
    std::fs::write(d.join("repo/.git/ORIG"), &live).unwrap();
    std::fs::write(
        d.join("repo/logo.png"),
        [b"\x89PNG\r\n\x1a\n\0".as_slice(), live.as_bytes()].concat(),
    )
    .unwrap();

    let out = scan(&s, &["--json", "repo"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v,
        json!([
            {"path": "repo/fixture.txt", "line": 1, "kind": "test", "hint": hint(&foreign), "status": "unknown"},
            {"path": "repo/src/settings.py", "line": 2, "kind": "live", "hint": hint(&live), "status": "live"},
            {"path": "repo/src/settings.py", "line": 3, "kind": "live", "hint": hint(&revoked), "status": "revoked"},
        ])
    );
    // Never the whole key, in any output.
    let out = scan(&s, &["repo"]);
    let said = text(&out);
    assert!(!said.contains(&live) && !said.contains(&revoked), "{said}");
    assert!(
        said.contains(&format!(
            "repo/src/settings.py:2: {} is live in the store",
            hint(&live)
        )),
        "{said}"
    );
    assert!(said.contains("1 binary file(s) skipped"), "{said}");

    // Without a live key: exit 0.
    let out = scan(&s, &["repo/fixture.txt"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("is not in this store"),
        "{}",
        text(&out)
    );
}

#[test]
fn standard_input_is_scanned_when_no_path_is_given() {
    let s = common::store();
    let (live, revoked, _) = keys(&s);
    let run = |input: String, args: &[&str]| {
        let mut child = s
            .command()
            .arg("--json")
            .arg("scan")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let out = run(format!("one\ntwo {revoked}\n"), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["path"], "-");
    assert_eq!(v[0]["line"], 2);
    assert_eq!(v[0]["status"], "revoked");
    let out = run(live.clone(), &["-"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
}

#[test]
fn without_a_store_keys_are_found_with_a_null_status_and_count_as_live() {
    let home = tempfile::tempdir().unwrap();
    let key = latchkey_core::keyformat::generate(latchkey_core::KeyKind::Live).unwrap();
    std::fs::write(home.path().join("leak.txt"), format!("x\n{key}\n")).unwrap();
    std::fs::write(home.path().join("clean.txt"), "nothing here\n").unwrap();
    let scan = |args: &[&str]| {
        Command::new(common::bin())
            .env_remove("LATCHKEY_DB")
            .env("HOME", home.path())
            .env("XDG_DATA_HOME", home.path().join("data"))
            .current_dir(home.path())
            .arg("scan")
            .args(args)
            .output()
            .unwrap()
    };
    let out = scan(&["--json", "leak.txt"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["status"], Value::Null);
    assert_eq!(v[0]["hint"], hint(&key));
    let out = scan(&["leak.txt"]);
    assert!(
        text(&out).contains("no store to check them against"),
        "{}",
        text(&out)
    );
    assert_eq!(scan(&["clean.txt"]).status.code(), Some(0));
    // Scanning never makes a store.
    assert!(!home.path().join("data").exists());
}

#[test]
fn a_store_named_but_missing_and_paths_that_are_not_there_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), "fine\n").unwrap();
    let typo = dir.path().join("typo.db");
    let out = common::run(
        &typo,
        &["scan", dir.path().join("a.txt").to_str().unwrap()],
        String::new(),
    );
    assert_eq!(out.status.code(), Some(8), "{}", text(&out));
    assert!(text(&out).contains("no Latchkey store"), "{}", text(&out));
    assert!(!typo.exists());

    let s = common::store();
    let out = scan(&s, &["nowhere.txt", "latchkey.db"]);
    assert_eq!(out.status.code(), Some(6), "{}", text(&out));
    assert!(
        text(&out).contains("nowhere.txt not found"),
        "{}",
        text(&out)
    );
    let out = scan(&s, &["--json", "nowhere.txt"]);
    assert_eq!(out.stdout, b"[]\n", "only the findings on stdout");
}

/// The hook the README shows, between its markers.
fn readme_hook() -> String {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    let start = readme
        .find("<!-- pre-commit-hook: run by crates/cli/tests/scan.rs -->")
        .expect("the hook's marker in the README");
    let body = &readme[start..];
    let body = &body[body.find("```sh\n").expect("its code block") + 6..];
    body[..body.find("```").unwrap()].to_owned()
}

struct Repo {
    dir: tempfile::TempDir,
    path: String,
    db: std::path::PathBuf,
}

impl Repo {
    fn new(s: &Store) -> Repo {
        let dir = tempfile::tempdir().unwrap();
        let bin_dir = common::bin().parent().unwrap().to_path_buf();
        let path = format!(
            "{}:{}",
            bin_dir.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let r = Repo {
            dir,
            path,
            db: s.db.clone(),
        };
        r.git(&["init", "-q", "-b", "main"]);
        r.git(&["config", "user.email", "ada@example.org"]);
        r.git(&["config", "user.name", "Ada"]);
        let hook = r.dir.path().join(".git/hooks/pre-commit");
        std::fs::write(&hook, readme_hook()).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
        r
    }

    fn git(&self, args: &[&str]) -> Output {
        let out = Command::new("git")
            .args(args)
            .current_dir(self.dir.path())
            .env("PATH", &self.path)
            .env("LATCHKEY_DB", &self.db)
            // Nothing from this machine's git set-up (a global hooksPath would skip ours).
            .env("HOME", self.dir.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env_remove("GIT_DIR")
            .env_remove("GIT_INDEX_FILE")
            .env_remove("GIT_WORK_TREE")
            .output()
            .unwrap();
        if !["commit"].contains(&args[0]) {
            assert!(out.status.success(), "git {args:?}: {}", text(&out));
        }
        out
    }

    fn write(&self, name: &str, content: &str) {
        let p = self.dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }

    fn commits(&self) -> usize {
        let out = self.git(&["rev-list", "--count", "--all"]);
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .unwrap_or(0)
    }
}

#[test]
fn the_readme_pre_commit_hook_refuses_a_live_key_in_what_is_staged() {
    let s = common::store();
    let (live, revoked, _) = keys(&s);
    let r = Repo::new(&s);

    r.write("README.txt", "hello\n");
    r.git(&["add", "README.txt"]);
    let out = r.git(&["commit", "-q", "-m", "first"]);
    assert!(
        out.status.success(),
        "a clean commit passes: {}",
        text(&out)
    );
    assert_eq!(r.commits(), 1);

    // A live key staged: refused, naming the file, the line and the hint.
    r.write(
        "deploy/config env.sh",
        &format!("set -e\nexport API_KEY={live}\n"),
    );
    r.git(&["add", "deploy/config env.sh"]);
    let out = r.git(&["commit", "-q", "-m", "leak"]);
    assert!(!out.status.success(), "the commit went through");
    let said = text(&out);
    assert!(
        said.contains(&format!(
            "deploy/config env.sh:2: {} is live in the store",
            hint(&live)
        )),
        "{said}"
    );
    assert!(!said.contains(&live), "{said}");
    assert_eq!(r.commits(), 1);

    // Cleaned in the working tree only: what would be committed still has it.
    r.write(
        "deploy/config env.sh",
        "set -e\nexport API_KEY=\"$(cat key)\"\n",
    );
    assert!(!r.git(&["commit", "-q", "-m", "still"]).status.success());
    assert_eq!(r.commits(), 1);

    // Staged clean: passes, even with the key back in the working tree unstaged.
    r.git(&["add", "deploy/config env.sh"]);
    r.write("deploy/config env.sh", &format!("export API_KEY={live}\n"));
    let out = r.git(&["commit", "-q", "-m", "clean"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(r.commits(), 2);

    // A revoked key is no leak.
    r.write("notes.md", &format!("old key, revoked: {revoked}\n"));
    r.git(&["add", "notes.md"]);
    let out = r.git(&["commit", "-q", "-m", "revoked"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(r.commits(), 3);
}
