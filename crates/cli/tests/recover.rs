//! `latchkey recover-account USERNAME`: the only administrator lost their password and
//! their authenticator; whoever can write the store file sets a new password.

mod common;

use latchkey_testkit::ADMIN_PW;
use serde_json::Value;
use std::process::Output;

const NEW_PW: &str = "a brand new passphrase";

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[test]
fn the_only_administrator_gets_back_in_without_mfa_and_without_viewable_secrets() {
    let s = common::store();
    // Two-step verification on, and a viewable key.
    let e = s.json(&["mfa", "enroll", "--user", "ada"]);
    let secret = e["secret"].as_str().unwrap().to_owned();
    let code = latchkey_core::mfa::code_at(&secret, now()).unwrap();
    let out = s.run_pw(
        &["mfa", "confirm", "--user", "ada"],
        &format!("{ADMIN_PW}\n{code}"),
    );
    assert!(out.status.success(), "{}", text(&out));
    let code = latchkey_core::mfa::code_at(&secret, now() + 30).unwrap();
    let out = s.run_pw(
        &[
            "--json",
            "key",
            "create",
            "--user",
            "ada",
            "--name",
            "v",
            "--revealable",
        ],
        &format!("{ADMIN_PW}\n{code}"),
    );
    assert!(out.status.success(), "{}", text(&out));
    let created: Value = serde_json::from_slice(&out.stdout).unwrap();
    let key = created["secret"].as_str().unwrap().to_owned();

    // Password and authenticator lost.
    let out = s.run_pw(&["recover-account", "ada", "--yes"], NEW_PW);
    assert!(out.status.success(), "{}", text(&out));
    let said = text(&out);
    assert!(
        said.contains("New password set for ada (administrator)"),
        "{said}"
    );
    assert!(
        said.contains("Two-step verification was turned off"),
        "{said}"
    );
    assert!(
        said.contains("2 viewable key(s) can no longer be shown"),
        "{said}"
    );
    assert!(!said.contains(&key) && !said.contains(NEW_PW), "{said}");

    // The new password alone signs in; the old one does not.
    let out = s.run_pw(&["key", "list", "--user", "ada"], NEW_PW);
    assert!(out.status.success(), "{}", text(&out));
    let out = s.run_pw(&["key", "list", "--user", "ada"], ADMIN_PW);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    // The key still works.
    assert_eq!(s.verify(&key).0, 0);
    let out = s.run_pw(
        &["audit", "--user", "ada", "--action", "account.recovered"],
        NEW_PW,
    );
    assert!(text(&out).contains("account ada"), "{}", text(&out));
}

#[test]
fn refusals_change_nothing() {
    let s = common::store();
    // Without --yes there is nobody to confirm with standard input taken.
    let out = s.run_pw(&["recover-account", "ada"], NEW_PW);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(text(&out).contains("--yes"), "{}", text(&out));
    // A weak password: the policy's rules, named.
    let out = s.run_pw(&["recover-account", "ada", "--yes"], "short");
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(
        text(&out).contains("new password: must be at least 8"),
        "{}",
        text(&out)
    );
    let out = s.run_pw(
        &["--json", "recover-account", "ada", "--yes"],
        "ada@example.org",
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["error"]["field"], "new password");
    // Nobody by that name.
    let out = s.run_pw(&["recover-account", "nobody", "--yes"], NEW_PW);
    assert_eq!(out.status.code(), Some(6), "{}", text(&out));
    // No password at all.
    let out = s.run_pw(&["recover-account", "ada", "--yes"], "");
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    // Ada's password is the one she had.
    let out = s.run(&["key", "list", "--user", "ada"]);
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn recovery_never_makes_a_store() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("typo.db");
    let out = common::run(
        &db,
        &["recover-account", "ada", "--yes"],
        format!("{NEW_PW}\n"),
    );
    assert_eq!(out.status.code(), Some(8), "{}", text(&out));
    assert!(!db.exists());
}

#[test]
fn json_says_what_was_done() {
    let s = common::store();
    let out = s.run_pw(&["--json", "recover-account", "ada", "--yes"], NEW_PW);
    assert!(out.status.success(), "{}", text(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v,
        serde_json::json!({
            // The account key was kept viewable under the old password.
            "username": "ada", "is_admin": true, "secrets_lost": 1, "mfa_turned_off": false
        })
    );
}
