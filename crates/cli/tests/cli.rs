//! The `latchkey` binary, driven as a user or a script would drive it.

mod common;

use assert_cmd::Command;
use serde_json::Value;

const PW: &str = "correct horse battery staple";

#[test]
fn create_verify_regenerate_revoke() {
    let s = common::store();
    let created = s.json(&[
        "key",
        "create",
        "--user",
        "ada",
        "--name",
        "ci",
        "--perm",
        "keys:read",
    ]);
    let secret = created["secret"].as_str().unwrap().to_owned();
    let id = created["key"]["id"].as_str().unwrap().to_owned();
    let (code, v) = s.verify(&secret);
    assert_eq!(code, 0);
    assert_eq!(v["valid"], true);
    assert_eq!(v["reason"], "valid");
    assert_eq!(v["account"], "ada");
    assert_eq!(v["permissions"], serde_json::json!(["keys:read"]));

    let rolled = s.json(&["key", "regenerate", "--user", "ada", &id, "--grace", "now"]);
    let new_secret = rolled["secret"].as_str().unwrap().to_owned();
    assert_eq!(s.verify(&secret).1["reason"], "revoked");
    assert_eq!(s.verify(&new_secret).0, 0);

    let new_id = rolled["key"]["id"].as_str().unwrap();
    let out = s.run_pw(&["key", "revoke", "--user", "ada", new_id], PW);
    assert_eq!(
        out.status.code(),
        Some(3),
        "revoke without --yes must refuse"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("--yes"));
    assert_eq!(s.verify(&new_secret).0, 0, "nothing changed");
    s.json(&["key", "revoke", "--user", "ada", new_id, "--yes"]);
    let (code, v) = s.verify(&new_secret);
    assert_eq!((code, v["reason"].as_str()), (1, Some("revoked")));
}

#[test]
fn verify_reads_stdin_and_exits_1_for_anything_not_valid() {
    let s = common::store();
    let created = s.json(&["key", "create", "--user", "ada", "--name", "ci"]);
    let secret = created["secret"].as_str().unwrap();
    common::cmd(&s)
        .args(["key", "verify"])
        .write_stdin(format!("{secret}\n"))
        .assert()
        .success();
    let other_kind = secret.replace("lk_live_", "lk_test_");
    for (bad, reason) in [
        ("", "malformed"),
        ("lk_live_", "malformed"),
        ("' OR 1=1 --", "malformed"),
        (other_kind.as_str(), "not_found"),
    ] {
        let out = common::cmd(&s)
            .args(["--json", "key", "verify"])
            .write_stdin(bad.to_owned())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{bad:?}");
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["valid"], false);
        assert_eq!(v["reason"], reason, "{bad:?}");
    }
}

#[test]
fn key_file_from_save_is_private_and_verifies() {
    use std::os::unix::fs::PermissionsExt;
    let s = common::store();
    let path = s.dir().join("latchkey-ci.json");
    let out = s.run_pw(
        &[
            "key",
            "create",
            "--user",
            "ada",
            "--name",
            "ci",
            "--save",
            path.to_str().unwrap(),
        ],
        PW,
    );
    assert!(out.status.success());
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let v: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(s.verify(v["api_key"].as_str().unwrap()).0, 0);
    assert_eq!(v["api_url"], "http://127.0.0.1:7171");
}

#[test]
fn errors_name_the_field_and_map_to_exit_codes() {
    let s = common::store();
    let cases: &[(&[&str], i32, &str)] = &[
        (
            &["key", "create", "--user", "ada", "--name", ""],
            3,
            "name: must be 1–100 characters",
        ),
        (
            &[
                "key", "create", "--user", "ada", "--name", "k", "--perm", "nope",
            ],
            3,
            "permissions: \"nope\" must be resource:action",
        ),
        (
            &[
                "key",
                "create",
                "--user",
                "ada",
                "--name",
                "k",
                "--expires",
                "45d",
            ],
            3,
            "expiry: must be 7d",
        ),
        (
            &[
                "key", "create", "--user", "ada", "--name", "k", "--env", "prod",
            ],
            3,
            "environment: must be live or test",
        ),
        (
            &["key", "show", "--user", "ada", "AAAAAAAAAAAAAAAA"],
            6,
            "key not found",
        ),
        (
            &["key", "show", "--user", "ada", "../../etc"],
            3,
            "key id: must be 16 letters and digits",
        ),
        (
            &["account", "show", "--user", "nobody"],
            4,
            "username or password is incorrect",
        ),
        (&["init", "--username", "again"], 7, "already set up"),
    ];
    for (args, code, msg) in cases {
        let out = s.run_pw(args, PW);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(*code), "{args:?}: {err}");
        assert!(err.contains(msg), "{args:?}: {err}");
        assert!(!err.contains(PW));
    }
    let out = common::cmd(&s)
        .args([
            "--json",
            "--password-stdin",
            "key",
            "create",
            "--user",
            "ada",
            "--name",
            "",
        ])
        .write_stdin(format!("{PW}\n"))
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["error"]["code"], "invalid_input");
    assert_eq!(v["error"]["field"], "name");
}

#[test]
fn passwords_are_never_taken_from_arguments() {
    let s = common::store();
    common::cmd(&s)
        .args(["key", "list", "--user", "ada", "--password", PW])
        .assert()
        .code(2);
    // Without a terminal and without --password-stdin, it refuses rather than hangs.
    let out = common::cmd(&s)
        .args(["key", "list", "--user", "ada"])
        .write_stdin("")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--password-stdin"));
}

#[test]
fn accounts_groups_permissions_and_policy() {
    let s = common::store();
    s.json(&[
        "permission",
        "create",
        "--user",
        "ada",
        "samples",
        "--description",
        "Lab samples",
    ]);
    s.json(&[
        "group",
        "create",
        "--user",
        "ada",
        "lab",
        "--perm",
        "samples:read",
    ]);
    let out = s.run_pw(
        &[
            "--json",
            "account",
            "create",
            "--user",
            "ada",
            "--username",
            "bob",
            "--group",
            "lab",
        ],
        &format!("{PW}\nviolet ostrich marmalade"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let bob = |args: &[&str]| s.run_pw(args, "violet ostrich marmalade");
    let out = bob(&[
        "--json",
        "key",
        "create",
        "--user",
        "bob",
        "--name",
        "reader",
        "--perm",
        "samples:read",
    ]);
    assert!(out.status.success());
    let secret = serde_json::from_slice::<Value>(&out.stdout).unwrap()["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let out = bob(&[
        "key",
        "create",
        "--user",
        "bob",
        "--name",
        "writer",
        "--perm",
        "samples:write",
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("samples:write"));
    // Bob is not an administrator: the group list names other people, so it is theirs alone.
    assert_eq!(
        bob(&["group", "list", "--user", "bob"]).status.code(),
        Some(5)
    );
    assert_eq!(
        bob(&["policy", "set", "--user", "bob", "--max-active-keys", "1"])
            .status
            .code(),
        Some(5)
    );
    // Removing the group's permission removes it from bob's key at once.
    s.json(&["group", "revoke", "--user", "ada", "lab", "samples:read"]);
    let (code, v) = s.verify(&secret);
    assert_eq!(code, 0);
    assert_eq!(v["permissions"], serde_json::json!([]));
    // Disabling bob stops his key.
    s.json(&["account", "disable", "--user", "ada", "bob"]);
    assert_eq!(s.verify(&secret).1["reason"], "account_disabled");
    let p = s.json(&[
        "policy",
        "set",
        "--user",
        "ada",
        "--max-active-keys",
        "1",
        "--max-key-lifetime",
        "90",
    ]);
    assert_eq!(p["max_active_keys"], 1);
    let out = s.run_pw(
        &[
            "key",
            "create",
            "--user",
            "ada",
            "--name",
            "x",
            "--expires",
            "never",
        ],
        PW,
    );
    assert_eq!(out.status.code(), Some(3));
    let audit = s.json(&["audit", "--user", "ada", "--limit", "500"]);
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in [
        "store.initialized",
        "permission.created",
        "group.created",
        "account.created",
        "key.created",
        "account.disabled",
        "policy.changed",
        "sign_in",
    ] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
    let csv = s.run_pw(&["audit", "--user", "ada", "--csv"], PW);
    assert!(String::from_utf8_lossy(&csv.stdout)
        .starts_with("id,at,actor,action,target,outcome,detail\n"));
}

#[test]
fn account_key_show_reveal_and_reset() {
    let s = common::store();
    let info = s.json(&["account-key", "show", "--user", "ada"]);
    assert_eq!(info["account_key"], true);
    assert!(info.get("secret").is_none());
    let shown = s.json(&["account-key", "show", "--user", "ada", "--reveal"]);
    let secret = shown["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("lk_acct_"));
    assert_eq!(s.verify(&secret).0, 0);
    let out = s.run_pw(
        &[
            "key",
            "revoke",
            "--user",
            "ada",
            info["id"].as_str().unwrap(),
            "--yes",
        ],
        PW,
    );
    assert_eq!(out.status.code(), Some(5));
    let reset = s.json(&["account-key", "reset", "--user", "ada", "--yes"]);
    assert_eq!(s.verify(&secret).1["reason"], "revoked");
    assert_eq!(s.verify(reset["secret"].as_str().unwrap()).0, 0);
}

#[test]
fn refuses_a_foreign_file_without_touching_it() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("thesis.docx");
    std::fs::write(&p, b"PK\x03\x04 not a database").unwrap();
    let out = Command::cargo_bin("latchkey")
        .unwrap()
        .args(["--db", p.to_str().unwrap(), "key", "verify", "x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(8));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an SQLite database"));
    assert_eq!(std::fs::read(&p).unwrap(), b"PK\x03\x04 not a database");
}

#[test]
fn two_cli_processes_writing_at_once_both_succeed() {
    let s = common::store();
    let bin = assert_cmd::cargo::cargo_bin("latchkey");
    let per_loop = 15;
    let script = |tag: &str| {
        format!(
            "for i in $(seq 1 {per_loop}); do printf '%s\\n' '{PW}' | '{}' --password-stdin key create --user ada --name {tag}-$i --expires 7d >/dev/null || exit 1; done",
            bin.display()
        )
    };
    let spawn = |tag: &str| {
        std::process::Command::new("bash")
            .args(["-c", &script(tag)])
            .env("LATCHKEY_DB", &s.db)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn("a"), spawn("b"));
    for child in [a, b] {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "a loop failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!String::from_utf8_lossy(&out.stderr).contains("locked"));
    }
    // Every key each loop wrote, exactly once, and nothing else.
    let list = s.json(&["key", "list", "--user", "ada"]);
    let mut names: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    let mut expected: Vec<String> = ["a", "b"]
        .iter()
        .flat_map(|tag| (1..=per_loop).map(move |i| format!("{tag}-{i}")))
        .collect();
    expected.sort();
    assert_eq!(names, expected);
}

/// Another program holds the store's write lock for two seconds while a CLI write runs:
/// the CLI waits for it (it does not fail with "locked") and its row is there after.
#[test]
fn a_cli_write_waits_for_another_programs_write_lock() {
    let s = common::store();
    let holder = rusqlite::Connection::open(&s.db).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let bin = assert_cmd::cargo::cargo_bin("latchkey");
    let mut child = std::process::Command::new(bin)
        .env("LATCHKEY_DB", &s.db)
        .args([
            "--password-stdin",
            "key",
            "create",
            "--user",
            "ada",
            "--name",
            "waited",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        writeln!(stdin, "{PW}").unwrap();
    }
    std::thread::sleep(std::time::Duration::from_secs(2));
    // Sign-in writes too (its audit entry), so nothing can have finished yet.
    assert!(
        child.try_wait().unwrap().is_none(),
        "a write finished while another program held the lock"
    );
    let rows: i64 = holder
        .query_row(
            "SELECT count(*) FROM api_keys WHERE name = 'waited'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(rows, 0);
    holder.execute_batch("COMMIT").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: i64 = holder
        .query_row(
            "SELECT count(*) FROM api_keys WHERE name = 'waited' AND revoked_at IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(rows, 1);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("lk_live_"));
}

/// `group grant` and `group revoke` add and take away only what they name.
#[test]
fn group_grant_and_revoke_change_only_what_they_name() {
    let s = common::store();
    s.json(&["permission", "create", "--user", "ada", "samples"]);
    s.json(&[
        "group",
        "create",
        "--user",
        "ada",
        "lab",
        "--perm",
        "keys:read",
    ]);
    let g = s.json(&[
        "group",
        "grant",
        "--user",
        "ada",
        "LAB",
        "samples:read",
        "samples:write",
    ]);
    assert_eq!(
        g["permissions"],
        serde_json::json!(["keys:read", "samples:read", "samples:write"])
    );
    let g = s.json(&["group", "revoke", "--user", "ada", "lab", "samples:write"]);
    assert_eq!(
        g["permissions"],
        serde_json::json!(["keys:read", "samples:read"])
    );
    let out = s.run_pw(
        &[
            "group",
            "grant",
            "--user",
            "ada",
            "lab",
            "keys:read",
            "samples:delete",
        ],
        PW,
    );
    assert_eq!(out.status.code(), Some(3));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("\"samples:delete\" must be resource:action"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `account passwd` decides "is this me" the way usernames are compared everywhere
/// (Unicode case fold), so an administrator named Åsa typing ÅSA changes her own
/// password, keeping her viewable keys, instead of being sent to the reset.
#[test]
fn passwd_knows_oneself_in_any_case() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let run = |args: &[&str], stdin: String| common::run(&db, args, stdin);
    assert!(run(&["init", "--username", "åsa"], format!("{PW}\n"))
        .status
        .success());
    let new = "a completely new passphrase";
    let out = run(
        &["--json", "account", "passwd", "--user", "åsa", "ÅSA"],
        format!("{PW}\n{PW}\n{new}\n{new}\n"),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["changed"], true);
    let shown = run(
        &["--json", "account-key", "show", "--user", "Åsa", "--reveal"],
        format!("{new}\n"),
    );
    assert_eq!(
        shown.status.code(),
        Some(0),
        "the account key stays viewable"
    );
}

#[test]
fn diagnostics_go_to_stderr_only_when_latchkey_log_asks() {
    let s = common::store();
    let quiet = common::cmd(&s)
        .args(["key", "verify", "lk_live_x"])
        .output()
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&quiet.stderr).contains("opened the SQLite store"),
        "nothing is logged by default"
    );
    let loud = common::cmd(&s)
        .env("LATCHKEY_LOG", "latchkey=debug")
        .args(["key", "verify", "lk_live_x"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&loud.stderr);
    assert!(err.contains("opened the SQLite store"), "{err}");
    // The verdict on stdout is the same either way.
    assert_eq!(quiet.stdout, loud.stdout);
}
