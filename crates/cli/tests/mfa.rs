//! Two-step verification from the command line, with codes computed as an
//! authenticator app would.

mod common;

use serde_json::Value;

const PW: &str = "correct horse battery staple";

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[test]
fn enrol_confirm_sign_in_with_codes_and_disable() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let run = |args: &[&str], stdin: String| common::run(&db, args, stdin);
    assert!(run(&["init", "--username", "ada"], format!("{PW}\n"))
        .status
        .success());

    let qr = dir.path().join("qr.png");
    let out = run(
        &[
            "--json",
            "mfa",
            "enroll",
            "--user",
            "ada",
            "--qr",
            qr.to_str().unwrap(),
        ],
        format!("{PW}\n"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let e: Value = serde_json::from_slice(&out.stdout).unwrap();
    let secret = e["secret"].as_str().unwrap().to_owned();
    assert!(e["uri"]
        .as_str()
        .unwrap()
        .starts_with("otpauth://totp/Latchkey:ada?"));
    assert!(std::fs::read(&qr).unwrap().starts_with(b"\x89PNG"));

    let code = |t: u64| latchkey_core::mfa::code_at(&secret, t).unwrap();
    let out = run(
        &["--json", "mfa", "confirm", "--user", "ada"],
        format!("{PW}\n{}\n", code(now())),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let codes: Value = serde_json::from_slice(&out.stdout).unwrap();
    let recovery: Vec<String> = codes["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(recovery.len(), 10);

    // The password alone is no longer enough.
    let out = run(&["key", "list", "--user", "ada"], format!("{PW}\n"));
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The next time step's code works once.
    let next = code(now() + 30);
    assert!(
        run(&["key", "list", "--user", "ada"], format!("{PW}\n{next}\n"))
            .status
            .success()
    );
    let out = run(&["key", "list", "--user", "ada"], format!("{PW}\n{next}\n"));
    assert_eq!(out.status.code(), Some(4));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("code: is not correct, or was already used")
    );
    // A recovery code works once.
    assert!(run(
        &["key", "list", "--user", "ada"],
        format!("{PW}\n{}\n", recovery[0])
    )
    .status
    .success());
    assert_eq!(
        run(
            &["key", "list", "--user", "ada"],
            format!("{PW}\n{}\n", recovery[0])
        )
        .status
        .code(),
        Some(4)
    );

    let out = run(
        &["mfa", "disable", "--user", "ada", "--yes"],
        format!("{PW}\n{}\n", recovery[1]),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(run(&["key", "list", "--user", "ada"], format!("{PW}\n"))
        .status
        .success());
    let out = run(
        &["--json", "audit", "--user", "ada", "--limit", "200"],
        format!("{PW}\n"),
    );
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in [
        "mfa.enrolment_started",
        "mfa.enabled",
        "mfa.recovery_code_used",
        "mfa.disabled",
    ] {
        assert!(actions.contains(&a), "{a} missing");
    }
    assert!(!String::from_utf8_lossy(&out.stdout).contains(&secret));
}

#[test]
fn after_an_administrator_resets_mfa_the_owner_is_told_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let run = |args: &[&str], stdin: String| common::run(&db, args, stdin);
    const BOB: &str = "violet ostrich marmalade";
    assert!(run(&["init", "--username", "ada"], format!("{PW}\n"))
        .status
        .success());
    assert!(run(
        &["account", "create", "--user", "ada", "--username", "bob"],
        format!("{PW}\n{BOB}\n"),
    )
    .status
    .success());
    let out = run(
        &["--json", "mfa", "enroll", "--user", "bob"],
        format!("{BOB}\n"),
    );
    let secret = serde_json::from_slice::<Value>(&out.stdout).unwrap()["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let code = latchkey_core::mfa::code_at(&secret, now()).unwrap();
    assert!(run(
        &["mfa", "confirm", "--user", "bob"],
        format!("{BOB}\n{code}\n")
    )
    .status
    .success());

    let out = run(
        &["mfa", "reset", "--user", "ada", "bob", "--yes"],
        format!("{PW}\n"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The password alone is enough again, and bob learns why at this sign-in only.
    let notice = "an administrator turned off two-step verification";
    let out = run(&["key", "list", "--user", "bob"], format!("{BOB}\n"));
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains(notice));
    let out = run(&["key", "list", "--user", "bob"], format!("{BOB}\n"));
    assert!(out.status.success());
    assert!(!String::from_utf8_lossy(&out.stderr).contains(notice));
}
