//! Bad input, table-driven, over every command that takes text: each value is refused
//! with the documented exit status, an error that names the field and the rule in
//! printable words without echoing more than a short excerpt, and the store is exactly as
//! it was (every table but the audit log, compared row by row before and after).
//!
//! The values: empty, blank, overlong, control characters (BEL, newline, an OSC 52
//! escape), format characters (a right-to-left override, a zero-width space, a byte-order
//! mark), a Cyrillic look-alike, SQL-looking text, and bytes that are not UTF-8.

mod common;

use latchkey_testkit::{ADMIN_PW, USER_PW};
use serde_json::Value;
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

const VALUES: [(&str, &str); 11] = [
    ("empty", ""),
    ("blank", "   "),
    ("overlong", "OVERLONG"),
    ("bell", "ab\u{7}c"),
    ("newline", "ab\ncd"),
    ("osc52", "ab\u{1b}]52;c;SGVsbG8=\u{7}"),
    ("rtl-override", "ab\u{202e}cd"),
    ("zero-width", "a\u{200b}b"),
    ("byte-order-mark", "\u{feff}abc"),
    ("confusable", "p\u{430}ypal"),
    ("sql", "x'; DROP TABLE accounts; --"),
];

/// What free text (names shown to people) may hold: any script, quotes and SQL words are
/// text like any other. Everything else in [`VALUES`] is refused there too.
const TEXT_ACCEPTS: [&str; 2] = ["confusable", "sql"];

fn value(name: &str, v: &str) -> String {
    if name == "overlong" {
        "a".repeat(5000)
    } else {
        v.to_owned()
    }
}

/// One field: the command line around the value (`KEY_ID` and `CODE` stand for the
/// fixture's key id and invitation code), the field the error must name, and which of
/// [`VALUES`] the field accepts (those are not cases).
struct Field {
    what: &'static str,
    before: &'static [&'static str],
    after: &'static [&'static str],
    field: &'static str,
    accepts: &'static [&'static str],
}

const KEY_ID: &str = "{key id}";
const CODE: &str = "{invitation code}";

impl Field {
    fn args(&self, f: &Fixture, v: OsString) -> Vec<OsString> {
        let fill = |a: &&str| {
            OsString::from(match *a {
                KEY_ID => f.key_id.as_str(),
                CODE => f.code.as_str(),
                a => a,
            })
        };
        let mut all: Vec<OsString> = self.before.iter().map(fill).collect();
        all.push(v);
        all.extend(self.after.iter().map(fill));
        all
    }
}

struct Fixture {
    store: common::Store,
    key_id: String,
    code: String,
}

fn fixture() -> Fixture {
    let store = common::store();
    store.json(&[
        "group",
        "create",
        "--user",
        "ada",
        "staff",
        "--perm",
        "keys:read",
    ]);
    let (_, key_id) = store.create_key("base", &["keys:read"]);
    store.create_key("other", &["keys:read"]);
    let inv = store.json(&[
        "invite",
        "create",
        "--user",
        "ada",
        "--email",
        "bob@example.org",
    ]);
    let code = inv["code"].as_str().expect("an invitation code").to_owned();
    Fixture {
        store,
        key_id,
        code,
    }
}

fn dump(f: &Fixture) -> Vec<(String, Vec<String>)> {
    latchkey_testkit::raw::rows_but_audit(&f.store.db)
}

/// `latchkey --json --password-stdin ARGS` on the fixture's store.
fn run(f: &Fixture, args: &[OsString], stdin: &str) -> std::process::Output {
    let mut all = vec![OsString::from("--json")];
    all.extend_from_slice(args);
    latchkey_testkit::cli::run(f.store.bin(), &f.store.db, &all, stdin)
}

/// Runs every refused value of every field on one store; returns how many cases ran.
fn check(fields: &[Field]) -> usize {
    let f = fixture();
    let mut cases = 0;
    let mut failures = Vec::new();
    // The acting administrator's password, then a new account's (typed twice).
    let stdin = format!("{ADMIN_PW}\n{USER_PW}\n{USER_PW}\n");
    for field in fields {
        let mut values: Vec<(String, OsString, i32, String)> = VALUES
            .iter()
            .filter(|(name, _)| !field.accepts.contains(name))
            .map(|(name, v)| {
                (
                    name.to_string(),
                    OsString::from(value(name, v)),
                    3,
                    field.field.to_owned(),
                )
            })
            .collect();
        // Not UTF-8: clap's usage error (exit 2), naming the option.
        values.push((
            "not-utf8".into(),
            OsString::from_vec(b"ab\xffcd".to_vec()),
            2,
            String::new(),
        ));
        for (name, v, exit, want_field) in values {
            cases += 1;
            let args = field.args(&f, v);
            let before = dump(&f);
            let out = run(&f, &args, &stdin);
            let after = dump(&f);
            let what = format!("{} = {name}", field.what);
            let body: Value = match serde_json::from_slice(&out.stdout) {
                Ok(b) => b,
                Err(_) => {
                    failures.push(format!(
                        "{what}: no JSON error, exit {:?}: {}",
                        out.status.code(),
                        String::from_utf8_lossy(&out.stdout)
                    ));
                    continue;
                }
            };
            let e = &body["error"];
            let message = e["message"].as_str().unwrap_or_default();
            let got_field = e["field"].as_str().unwrap_or_default();
            let mut wrong = Vec::new();
            if out.status.code() != Some(exit) {
                wrong.push(format!("exit {:?}, want {exit}", out.status.code()));
            }
            let want_field = if want_field.is_empty() {
                // The option the bytes were given to; a positional argument by its name.
                let at = args.iter().position(|a| a.to_str().is_none()).unwrap();
                match args[at - 1].to_str() {
                    Some(opt) if opt.starts_with("--") => opt.trim_start_matches('-').to_owned(),
                    _ => got_field.to_owned(),
                }
            } else {
                want_field
            };
            if want_field.is_empty() || got_field != want_field {
                wrong.push(format!("field {got_field:?}, want {want_field:?}"));
            }
            // The rule, after the field's name, in words.
            let rule = message
                .strip_prefix(&format!("{got_field}: "))
                .unwrap_or("");
            if rule.split_whitespace().count() < 2 {
                wrong.push("the message does not state a rule".into());
            }
            if message.chars().any(|c| c.is_control()) || message.chars().count() > 200 {
                wrong.push("the message is not short and printable".into());
            }
            if message.contains("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa") {
                wrong.push("the message echoes an overlong value".into());
            }
            let all = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            if all.contains(ADMIN_PW) || all.contains(USER_PW) {
                wrong.push("a password is in the output".into());
            }
            if before != after {
                let changed = latchkey_testkit::raw::changed_tables(&before, &after);
                wrong.push(format!("the store changed: {}", changed.join(", ")));
            }
            if !wrong.is_empty() {
                failures.push(format!("{what}: {} ({message})", wrong.join("; ")));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cases} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("{cases} bad-input cases");
    cases
}

/// Fields with a rule of their own (names, codes, dates, numbers) accept none of them.
const REFUSES_ALL: &[&str] = &[];

#[test]
fn accounts_and_invitations() {
    let n = check(&[
        Field {
            what: "account create --username",
            before: &["account", "create", "--user", "ada", "--username"],
            after: &[],
            field: "username",
            accepts: REFUSES_ALL,
        },
        Field {
            what: "account create --email",
            before: &[
                "account",
                "create",
                "--user",
                "ada",
                "--username",
                "eve",
                "--email",
            ],
            after: &[],
            field: "email",
            // No address: blank is trimmed to none.
            accepts: &["empty", "blank"],
        },
        Field {
            what: "account create --first-name",
            before: &[
                "account",
                "create",
                "--user",
                "ada",
                "--username",
                "eve",
                "--first-name",
            ],
            after: &[],
            field: "first name",
            accepts: &["empty", "blank", "confusable", "sql"],
        },
        Field {
            what: "account update --last-name",
            before: &["account", "update", "--user", "ada", "--last-name"],
            after: &[],
            field: "last name",
            accepts: &["empty", "blank", "confusable", "sql"],
        },
        Field {
            what: "invite create --email",
            before: &["invite", "create", "--user", "ada", "--email"],
            after: &[],
            field: "email",
            accepts: REFUSES_ALL,
        },
        Field {
            what: "invite redeem --username",
            before: &["invite", "redeem", CODE, "--username"],
            after: &[],
            field: "username",
            accepts: REFUSES_ALL,
        },
    ]);
    assert!(n >= 60, "{n}");
}

#[test]
fn keys() {
    let n = check(&[
        Field {
            what: "key create --name",
            before: &["key", "create", "--user", "ada", "--name"],
            after: &[],
            field: "name",
            accepts: &TEXT_ACCEPTS,
        },
        Field {
            what: "key create --perm",
            before: &["key", "create", "--user", "ada", "--name", "new", "--perm"],
            after: &[],
            field: "permissions",
            accepts: REFUSES_ALL,
        },
        Field {
            what: "key create --expires",
            before: &[
                "key",
                "create",
                "--user",
                "ada",
                "--name",
                "new",
                "--expires",
            ],
            after: &[],
            field: "expiry",
            accepts: REFUSES_ALL,
        },
        Field {
            what: "key create --env",
            before: &["key", "create", "--user", "ada", "--name", "new", "--env"],
            after: &[],
            field: "environment",
            accepts: REFUSES_ALL,
        },
        Field {
            what: "key edit --name",
            before: &["key", "edit", "--user", "ada", KEY_ID, "--name"],
            after: &[],
            field: "name",
            // "other" is taken, so these are the only names refused for their text.
            accepts: &TEXT_ACCEPTS,
        },
        Field {
            what: "key regenerate --grace",
            before: &["key", "regenerate", "--user", "ada", KEY_ID, "--grace"],
            after: &[],
            field: "grace",
            accepts: REFUSES_ALL,
        },
        Field {
            what: "key revoke ID",
            before: &["key", "revoke", "--user", "ada"],
            after: &["--yes"],
            field: "key id",
            accepts: REFUSES_ALL,
        },
    ]);
    assert!(n >= 70, "{n}");
}

#[test]
fn groups_permissions_and_company() {
    let n = check(&[
        Field {
            what: "group create NAME",
            before: &["group", "create", "--user", "ada"],
            after: &[],
            field: "group",
            accepts: REFUSES_ALL,
        },
        Field {
            what: "group rename staff NEW",
            before: &["group", "rename", "--user", "ada", "staff"],
            after: &[],
            field: "group",
            accepts: REFUSES_ALL,
        },
        Field {
            what: "permission create RESOURCE",
            before: &["permission", "create", "--user", "ada"],
            after: &[],
            field: "resource",
            accepts: REFUSES_ALL,
        },
        Field {
            what: "permission create --description",
            before: &[
                "permission",
                "create",
                "--user",
                "ada",
                "samples",
                "--description",
            ],
            after: &[],
            field: "description",
            accepts: &["empty", "blank", "confusable", "sql"],
        },
        Field {
            what: "org set --name",
            before: &["org", "set", "--user", "ada", "--name"],
            after: &["--country", "GB"],
            field: "name",
            accepts: &TEXT_ACCEPTS,
        },
        Field {
            what: "org set --country",
            before: &["org", "set", "--user", "ada", "--name", "Acme", "--country"],
            after: &[],
            field: "country",
            accepts: REFUSES_ALL,
        },
    ]);
    assert!(n >= 60, "{n}");
}

#[test]
fn policy_and_audit_filters() {
    let n = check(&[
        Field {
            what: "policy set --max-key-lifetime",
            before: &["policy", "set", "--user", "ada", "--max-key-lifetime"],
            after: &[],
            field: "max key lifetime",
            accepts: REFUSES_ALL,
        },
        Field {
            what: "policy set --max-active-keys",
            before: &["policy", "set", "--user", "ada", "--max-active-keys"],
            after: &[],
            field: "max active keys",
            accepts: REFUSES_ALL,
        },
        Field {
            what: "audit --outcome",
            before: &["audit", "--user", "ada", "--outcome"],
            after: &[],
            field: "outcome",
            // An empty filter is no filter.
            accepts: &["empty", "blank"],
        },
        Field {
            what: "audit --since",
            before: &["audit", "--user", "ada", "--since"],
            after: &[],
            field: "since",
            accepts: REFUSES_ALL,
        },
        Field {
            what: "audit --until",
            before: &["audit", "--user", "ada", "--until"],
            after: &[],
            field: "until",
            accepts: REFUSES_ALL,
        },
    ]);
    assert!(n >= 50, "{n}");
}

/// Free text keeps what was typed, quotes and SQL words included: stored as text, never
/// run, and shown back unchanged.
#[test]
fn free_text_is_stored_as_written() {
    let f = fixture();
    let sql = "x'; DROP TABLE accounts; --";
    let v = f
        .store
        .json(&["key", "create", "--user", "ada", "--name", sql]);
    assert_eq!(v["key"]["name"], sql);
    let v = f.store.json(&[
        "account",
        "update",
        "--user",
        "ada",
        "--last-name",
        "O'Brien \u{41f}",
    ]);
    assert_eq!(v["last_name"], "O'Brien \u{41f}");
    // The accounts table is still there, with ada in it.
    assert_eq!(
        f.store
            .json(&["account", "list", "--user", "ada"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

/// Bytes that are not UTF-8 are named by the argument they were given as: the option, or
/// the positional argument by the name `--help` shows.
#[test]
fn arguments_that_are_not_utf8_are_named() {
    let f = fixture();
    let bad = || OsString::from_vec(b"ab\xffcd".to_vec());
    // The command line `before`, then the bytes.
    let then_bad = |before: &[&str]| {
        let mut all: Vec<OsString> = before.iter().map(OsString::from).collect();
        all.push(bad());
        all
    };
    let cases: Vec<(Vec<OsString>, &str)> = vec![
        (then_bad(&["group", "create", "--user", "ada"]), "name"),
        (
            then_bad(&["group", "rename", "--user", "ada", "staff"]),
            "new name",
        ),
        (
            then_bad(&["permission", "create", "--user", "ada"]),
            "resource",
        ),
        (then_bad(&["key", "revoke", "--yes", "--user", "ada"]), "id"),
        (
            then_bad(&["key", "create", "--name", "x", "--user"]),
            "user",
        ),
        (
            vec![
                OsString::from("key"),
                OsString::from("create"),
                OsString::from_vec(b"--name=\xff".to_vec()),
            ],
            "name",
        ),
    ];
    for (args, want) in cases {
        let out = run(&f, &args, "");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let e: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(e["error"]["field"], want, "{args:?}");
        assert_eq!(
            e["error"]["message"],
            format!("{want}: must be valid UTF-8 text"),
            "{args:?}"
        );
    }
    // Without --json, the same words on stderr.
    let out = f
        .store
        .command()
        .args(["group", "create", "--user", "ada"])
        .arg(bad())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "latchkey: name: must be valid UTF-8 text\n"
    );
}
