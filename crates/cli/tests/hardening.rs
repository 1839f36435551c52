//! The command line's defects an adversarial probe found, each pinned: a secret is never
//! issued into a file that cannot be written, what someone typed cannot forge the audit
//! log on a terminal, the administrator role is granted and removed explicitly, a mistyped
//! store path makes no store, stdin that is not UTF-8 gets the right answer, usage errors
//! honour --json, and parallel sign-ins with the right password all get in.

mod common;

use latchkey_testkit::{ADMIN_PW, USER_PW};
use serde_json::Value;
use std::process::Output;

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn json_error(o: &Output) -> Value {
    serde_json::from_slice::<Value>(&o.stdout).expect("a JSON error on stdout")["error"].clone()
}

/// Each command that issues a secret into a file checks the file first: nothing is
/// changed, the old key keeps working, and the error names the path.
#[test]
fn a_secret_is_never_issued_into_a_file_that_cannot_be_written() {
    let s = common::store();
    let (old, id) = s.create_key("deploy", &["keys:read"]);
    let missing = s.dir().join("no-such-folder/k.json");
    let missing = missing.to_str().unwrap();
    let folder = s.dir().to_str().unwrap().to_owned();
    let cases: Vec<Vec<&str>> = vec![
        vec!["key", "regenerate", "--user", "ada", &id, "--save", missing],
        vec![
            "key", "create", "--user", "ada", "--name", "new", "--save", missing,
        ],
        vec![
            "key", "create", "--user", "ada", "--name", "new", "--save", &folder,
        ],
        vec![
            "account-key",
            "reset",
            "--user",
            "ada",
            "--yes",
            "--save",
            missing,
        ],
        vec!["mfa", "enroll", "--user", "ada", "--qr", missing],
    ];
    for args in &cases {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let o = s.run(&all);
        assert_eq!(o.status.code(), Some(3), "{args:?}: {}", stdout(&o));
        let e = json_error(&o);
        assert!(matches!(e["field"].as_str(), Some("save" | "qr")), "{e}");
        let message = e["message"].as_str().unwrap();
        assert!(
            message.contains("no-such-folder") || message.contains("is a folder"),
            "{message}"
        );
    }
    // Nothing changed: the old key verifies, no other key was made, MFA is not pending.
    assert_eq!(s.verify(&old).0, 0);
    let keys = s.json(&["key", "list", "--user", "ada"]);
    assert_eq!(keys.as_array().unwrap().len(), 1);
    let mfa = s.json(&["mfa", "status", "--user", "ada"]);
    assert_eq!(mfa["pending"], false);
}

/// A member's refused action records what was attempted; the administrator's `latchkey
/// audit` shows it as text, never as a new line, a cursor move or a terminal command.
#[test]
fn typed_text_cannot_forge_the_audit_log_on_a_terminal() {
    let s = common::store();
    let o = s.run_pw(
        &[
            "account",
            "create",
            "--user",
            "ada",
            "--username",
            "mallory",
        ],
        &format!("{ADMIN_PW}\n{USER_PW}"),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let forged = "x\n2026-01-01T00:00:00Z  ada  key.revoked  all  ok\r\u{1b}]52;c;ZXZpbA==\u{7}";
    let o = s.run_pw(&["group", "delete", "--user", "mallory", forged], USER_PW);
    assert_ne!(o.status.code(), Some(0));
    let o = s.run(&["audit", "--user", "ada"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(!text.contains('\u{1b}'), "{text:?}");
    assert!(!text.contains('\r'), "{text:?}");
    assert!(!text.contains('\u{7}'), "{text:?}");
    assert!(
        !text.lines().any(|l| l.starts_with("2026-01-01T00:00:00Z")),
        "a forged line: {text}"
    );
    assert!(text.contains("\\u{1b}]52"), "{text}");
}

/// `account admin` grants with --grant and removes with --revoke; neither is a usage
/// error, never a silent removal.
#[test]
fn the_administrator_role_is_granted_and_removed_explicitly() {
    let s = common::store();
    let o = s.run_pw(
        &["account", "create", "--user", "ada", "--username", "bob"],
        &format!("{ADMIN_PW}\n{USER_PW}"),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = s.run(&["--json", "account", "admin", "--user", "ada", "bob"]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    let e = json_error(&o);
    assert_eq!(e["code"], "usage_error", "{e}");
    let bob = s.json(&["account", "show", "--user", "ada", "bob"]);
    assert_eq!(bob["is_admin"], false, "nothing changed: {bob}");

    let a = s.json(&["account", "admin", "--user", "ada", "bob", "--grant"]);
    assert_eq!(a["is_admin"], true, "{a}");
    let a = s.json(&["account", "admin", "--user", "ada", "bob", "--revoke"]);
    assert_eq!(a["is_admin"], false, "{a}");
    let o = s.run(&[
        "account", "admin", "--user", "ada", "bob", "--grant", "--revoke",
    ]);
    assert_eq!(o.status.code(), Some(2));
}

/// Usage errors are JSON with --json, with the usage error's exit status.
#[test]
fn usage_errors_honour_json() {
    let s = common::store();
    for args in [
        vec!["--json", "key", "create", "--user", "ada", "--nmae", "x"],
        vec!["--json", "no-such-command"],
        vec!["--json", "key", "list"],
    ] {
        let o = s.run(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let e = json_error(&o);
        assert_eq!(e["code"], "usage_error");
        assert!(!e["message"].as_str().unwrap().is_empty());
    }
    // Without --json, clap's own words on stderr.
    let o = s.run(&["no-such-command"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).is_empty());
    assert!(!stderr(&o).is_empty());
}

/// Only `init` makes a store: another command on a mistyped path says so and makes no
/// file; an `init` that fails leaves no file either.
#[test]
fn a_mistyped_store_path_makes_no_store() {
    let dir = tempfile::tempdir().unwrap();
    let typo = dir.path().join("latchkye.db");
    let o = common::run(
        &typo,
        &["key", "list", "--user", "ada"],
        format!("{ADMIN_PW}\n"),
    );
    assert_eq!(o.status.code(), Some(8), "{}", stderr(&o));
    assert!(stderr(&o).contains("no Latchkey store"), "{}", stderr(&o));
    assert!(!typo.exists());
    // A weak password refuses the init and leaves nothing behind.
    let o = common::run(&typo, &["init", "--username", "ada"], "short\n".to_owned());
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "no files left"
    );
}

/// Bytes on stdin that are not UTF-8: `key verify` says the key is not valid (exit 1), and
/// a password read says what is wrong with it.
#[test]
fn stdin_that_is_not_utf8_gets_the_right_answer() {
    let s = common::store();
    let mut verify = s.command();
    let o = verify
        .args(["key", "verify"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(b"lk_live_\xff\xfe\n")?;
            c.wait_with_output()
        })
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stdout(&o).contains("malformed"), "{}", stdout(&o));

    let mut list = s.command();
    let o = list
        .args(["--password-stdin", "key", "list", "--user", "ada"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(b"caf\xe9 latin-1\n")?;
            c.wait_with_output()
        })
        .unwrap();
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("UTF-8"), "{}", stderr(&o));
}

/// Thirty processes signing one account in at once with the right password: every one
/// succeeds (none is refused as throttled).
#[test]
fn parallel_sign_ins_with_the_right_password_all_succeed() {
    let s = common::store();
    let children: Vec<_> = (0..30)
        .map(|_| {
            let mut c = s.command();
            c.args(["--password-stdin", "key", "list", "--user", "ada"])
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            let mut child = c.spawn().unwrap();
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(format!("{ADMIN_PW}\n").as_bytes())
                .unwrap();
            child
        })
        .collect();
    let codes: Vec<_> = children
        .into_iter()
        .map(|c| {
            let o = c.wait_with_output().unwrap();
            (o.status.code(), stderr(&o))
        })
        .collect();
    assert!(codes.iter().all(|(c, _)| *c == Some(0)), "{codes:?}");
}

/// A store its owner made read-only by mistake: a write is refused naming the store's
/// path and the permissions (not SQLite's words, not "corrupt"), nothing is changed, and
/// once the owner gives the file its mode back the store works at once — no read-only
/// `-wal` or `-shm` left behind keeps it broken. Run as an unprivileged user (root's
/// writes ignore modes), which needs root to become that user.
#[test]
fn a_read_only_store_is_named_and_works_again_once_its_mode_is_fixed() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let id = std::process::Command::new("id").arg("-u").output().unwrap();
    if id.stdout != b"0\n" {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI runs as root; this test needs root to become another user"
        );
        eprintln!("not root: the read-only store was not tried");
        return;
    }
    let s = common::store();
    let (key, _) = s.create_key("k", &["keys:read"]);
    let dir = s.dir.path();
    // The store and its folder belong to nobody (65534), who runs every command below.
    for p in std::fs::read_dir(dir).unwrap().flatten() {
        std::os::unix::fs::chown(p.path(), Some(65534), Some(65534)).unwrap();
    }
    std::os::unix::fs::chown(dir, Some(65534), Some(65534)).unwrap();
    let as_owner = |args: &[&str]| {
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(s.bin())
            .args(["--json", "--password-stdin", "--db"])
            .arg(&s.db)
            .args(args)
            .env_remove("LATCHKEY_DB")
            .current_dir("/")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = c.spawn().expect("setpriv runs");
        use std::io::Write;
        let _ = writeln!(child.stdin.take().unwrap(), "{ADMIN_PW}");
        child.wait_with_output().unwrap()
    };
    let create = ["key", "create", "--user", "ada", "--name", "after"];
    std::fs::set_permissions(&s.db, std::fs::Permissions::from_mode(0o400)).unwrap();
    let before = std::fs::read(&s.db).unwrap();
    let out = as_owner(&create);
    assert_eq!(out.status.code(), Some(8), "{}", stdout(&out));
    let e = json_error(&out);
    let message = e["message"].as_str().unwrap();
    assert!(message.contains(s.db.to_str().unwrap()), "{message}");
    assert!(message.contains("permission"), "{message}");
    assert!(
        !message.contains("corrupt") && !message.contains("SQLITE"),
        "{message}"
    );
    assert_eq!(std::fs::read(&s.db).unwrap(), before);
    // What the failed attempt left beside the store is the owner's and writable.
    for companion in ["-wal", "-shm"] {
        if let Ok(m) = std::fs::metadata(format!("{}{companion}", s.db.display())) {
            assert_eq!(m.uid(), 65534, "{companion}");
        }
    }

    std::fs::set_permissions(&s.db, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = as_owner(&create);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let out = as_owner(&["key", "verify", &key]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}
