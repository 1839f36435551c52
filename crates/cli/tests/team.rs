//! `latchkey org`, `latchkey invite` and the audit log's filters, as an administrator and
//! an invitee drive them: outputs, `--json` shapes and exit codes.

mod common;

use latchkey_testkit::ADMIN_PW;
use serde_json::Value;

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn company_details_from_the_command_line() {
    let s = common::store();
    let o = s.run(&[
        "org",
        "set",
        "--user",
        "ada",
        "--name",
        "Hopper Lab",
        "--country",
        "de",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("Germany (DE)"), "{}", stdout(&o));
    assert_eq!(
        s.json(&["org", "show", "--user", "ada"]),
        serde_json::json!({ "name": "Hopper Lab", "country": "DE" })
    );
    let o = s.run(&[
        "org",
        "set",
        "--user",
        "ada",
        "--name",
        "Lab",
        "--country",
        "XX",
    ]);
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("country:"), "{}", stderr(&o));
    let o = s.run(&[
        "org",
        "set",
        "--user",
        "ada",
        "--name",
        "",
        "--country",
        "DE",
    ]);
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("name:"), "{}", stderr(&o));
}

#[test]
fn invite_list_reissue_revoke_and_redeem() {
    let s = common::store();
    s.run(&[
        "group",
        "create",
        "--user",
        "ada",
        "lab",
        "--perm",
        "keys:read",
    ]);
    // Text mode: the code alone on stdout's first line.
    let o = s.run(&[
        "invite",
        "create",
        "--user",
        "ada",
        "--email",
        "grace@example.org",
        "--group",
        "lab",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let code = stdout(&o).lines().next().unwrap().to_owned();
    assert!(code.starts_with("lk_inv_"), "{code}");
    assert!(stderr(&o).contains("shown only now"));

    let made = s.json(&[
        "invite",
        "create",
        "--user",
        "ada",
        "--email",
        "hal@example.org",
    ]);
    let hal_code = made["code"].as_str().unwrap().to_owned();
    let hal_id = made["invitation"]["id"].as_str().unwrap().to_owned();
    let list = s.json(&["invite", "list", "--user", "ada"]);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    for i in list {
        for field in [
            "id",
            "email",
            "groups",
            "admin",
            "status",
            "created_at",
            "expires_at",
        ] {
            assert!(i.get(field).is_some(), "{field} in {i}");
        }
        assert_eq!(i["status"], "pending");
    }
    // Re-issue: a new code; the old one stops.
    let again = s.json(&["invite", "reissue", "--user", "ada", &hal_id]);
    let new_hal = again["code"].as_str().unwrap().to_owned();
    assert_ne!(new_hal, hal_code);
    let new_id = again["invitation"]["id"].as_str().unwrap().to_owned();
    let o = s.run(&["invite", "revoke", "--user", "ada", &new_id]);
    assert!(o.status.success(), "{}", stderr(&o));

    // Redeem: the code on stdin's first line, then the password.
    let redeem = |code: &str, user: &str| {
        latchkey_testkit::cli::run(
            &common::bin(),
            &s.db,
            &[
                "--json",
                "invite",
                "redeem",
                "--username",
                user,
                "--first-name",
                "Grace",
            ],
            &format!("{code}\nviolet ostrich marmalade\n"),
        )
    };
    let o = redeem(&code, "grace");
    assert!(o.status.success(), "{}", stderr(&o));
    let me: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (me["username"].as_str(), me["email"].as_str()),
        (Some("grace"), Some("grace@example.org"))
    );
    assert_eq!(me["groups"], serde_json::json!(["lab"]));
    // Each refusal with its code and exit status.
    for (c, want, exit) in [
        (code.as_str(), "invitation_used", 7),
        (hal_code.as_str(), "invitation_revoked", 7),
        (new_hal.as_str(), "invitation_revoked", 7),
        ("lk_inv_not-a-code", "invalid_input", 3),
    ] {
        let o = redeem(c, "someone");
        assert_eq!(o.status.code(), Some(exit), "{c}: {}", stdout(&o));
        let e: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(e["error"]["code"], want, "{c}");
    }
    let list = s.json(&["invite", "list", "--user", "ada"]);
    let statuses: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["revoked", "accepted"]);
    // The member cannot administer invitations.
    let o = latchkey_testkit::cli::run(
        &common::bin(),
        &s.db,
        &["invite", "list", "--user", "grace"],
        "violet ostrich marmalade\n",
    );
    assert_eq!(o.status.code(), Some(5));
    let _ = ADMIN_PW;
}

#[test]
fn the_audit_log_is_filtered_from_the_command_line() {
    let s = common::store();
    s.create_key("alpha", &[]);
    let o = s.run(&[
        "key",
        "create",
        "--user",
        "ada",
        "--name",
        "x",
        "--perm",
        "nope:read",
    ]);
    assert_eq!(o.status.code(), Some(3));
    let today = time::OffsetDateTime::now_utc().date().to_string();
    let events = s.json(&[
        "audit",
        "--user",
        "ada",
        "--target",
        "ALPHA",
        "--since",
        &today,
        "--until",
        &today,
        "--outcome",
        "ok",
    ]);
    let events = events.as_array().unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["action"], "key.created");
    for (args, field) in [
        (vec!["--outcome", "maybe"], "outcome"),
        (
            vec!["--since", "2030-01-02", "--until", "2030-01-01"],
            "since",
        ),
        (vec!["--until", "soon"], "until"),
    ] {
        let mut all = vec!["audit", "--user", "ada"];
        all.extend(args);
        let o = s.run(&all);
        assert_eq!(o.status.code(), Some(3), "{all:?}");
        assert!(stderr(&o).contains(&format!("{field}:")), "{}", stderr(&o));
    }
}
