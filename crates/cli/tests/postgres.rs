//! The store on PostgreSQL as a lab runs it: several `latchkey serve` processes on one
//! database, the CLI beside them, `store copy` between engines, and the least-privilege
//! role of the README. On a throwaway cluster the tests start themselves.

mod common;

use common::bin;
use latchkey_testkit::pg::Cluster;
use latchkey_testkit::ADMIN_PW;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Barrier};

/// `latchkey --password-stdin ARGS` on `db`, with `stdin`.
fn lk(db: &str, args: &[&str], stdin: &str) -> Output {
    latchkey_testkit::cli::run(&bin(), std::path::Path::new(db), args, stdin)
}

/// A new database with ada as its first administrator; its URL and ada's account key.
fn lab(cluster: &Cluster) -> (String, String) {
    let db = cluster.database();
    let out = lk(
        &db,
        &["init", "--username", "ada"],
        &format!("{ADMIN_PW}\n"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let key = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap()
        .to_owned();
    (db, key)
}

struct Served {
    child: Child,
    url: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(db: &str) -> Served {
    let mut child = Command::new(bin())
        .args(["--db", db, "serve", "--port", "0"])
        .env_remove("LATCHKEY_DB")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url:?}");
    Served { child, url }
}

fn http() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .no_proxy()
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .unwrap()
}

fn verify(c: &reqwest::blocking::Client, s: &Served, key: &str) -> Value {
    let r = c
        .post(format!("{}/v1/keys/verify", s.url))
        .json(&json!({ "key": key }))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().unwrap()
}

#[test]
fn three_servers_on_one_database_agree_on_every_creation_and_revocation() {
    let cluster = Cluster::get();
    let (db, admin_key) = lab(cluster);
    let servers = [serve(&db), serve(&db), serve(&db)];
    let [a, b, c] = &servers;
    let http = http();
    for i in 0..100 {
        let r = http
            .post(format!("{}/v1/account/keys", a.url))
            .header("X-API-Key", &admin_key)
            .json(&json!({ "name": format!("k{i}"), "permissions": ["keys:read"] }))
            .send()
            .unwrap();
        assert_eq!(r.status(), 201);
        let made: Value = r.json().unwrap();
        let (secret, id) = (
            made["secret"].as_str().unwrap().to_owned(),
            made["key"]["id"].as_str().unwrap().to_owned(),
        );
        for s in [b, c] {
            let v = verify(&http, s, &secret);
            assert_eq!(
                (v["valid"].as_bool(), v["reason"].as_str()),
                (Some(true), Some("valid"))
            );
            assert_eq!(v["permissions"], json!(["keys:read"]));
        }
        let r = http
            .delete(format!("{}/v1/account/keys/{id}", c.url))
            .header("X-API-Key", &admin_key)
            .send()
            .unwrap();
        assert_eq!(r.status(), 200);
        // The very next verification on each other server says revoked.
        for s in [a, b] {
            assert_eq!(verify(&http, s, &secret)["reason"], "revoked", "round {i}");
        }
    }
}

#[test]
fn concurrent_creations_on_three_servers_stop_at_the_policys_limit() {
    let cluster = Cluster::get();
    let (db, admin_key) = lab(cluster);
    let out = lk(
        &db,
        &["policy", "set", "--user", "ada", "--max-active-keys", "10"],
        &format!("{ADMIN_PW}\n"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let servers = Arc::new([serve(&db), serve(&db), serve(&db)]);
    let start = Arc::new(Barrier::new(150));
    let handles: Vec<_> = (0..150)
        .map(|i| {
            let (servers, start, key) = (servers.clone(), start.clone(), admin_key.clone());
            std::thread::spawn(move || {
                let http = http();
                start.wait();
                http.post(format!("{}/v1/account/keys", servers[i % 3].url))
                    .header("X-API-Key", key)
                    .json(&json!({ "name": format!("k{i}") }))
                    .send()
                    .unwrap()
                    .status()
                    .as_u16()
            })
        })
        .collect();
    let statuses: Vec<u16> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let created = statuses.iter().filter(|s| **s == 201).count();
    let refused = statuses.iter().filter(|s| **s == 409).count();
    assert_eq!((created, refused), (10, 140), "{statuses:?}");
    let listed: Value = http()
        .get(format!("{}/v1/account/keys", servers[0].url))
        .header("X-API-Key", &admin_key)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(listed["keys"].as_array().unwrap().len(), 10);
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[test]
fn one_totp_code_sent_to_three_servers_at_once_is_accepted_once() {
    let cluster = Cluster::get();
    let (db, _) = lab(cluster);
    let out = lk(
        &db,
        &["--json", "mfa", "enroll", "--user", "ada"],
        &format!("{ADMIN_PW}\n"),
    );
    let secret = serde_json::from_slice::<Value>(&out.stdout).unwrap()["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let code = |t: u64| latchkey_core::mfa::code_at(&secret, t).unwrap();
    let out = lk(
        &db,
        &["mfa", "confirm", "--user", "ada"],
        &format!("{ADMIN_PW}\n{}\n", code(now())),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The next time step's code: newer than the one enrolment used, within the window.
    let next = code(now() + 30);
    let servers = Arc::new([serve(&db), serve(&db), serve(&db)]);
    let start = Arc::new(Barrier::new(3));
    let handles: Vec<_> = (0..3)
        .map(|i| {
            let (servers, start, next) = (servers.clone(), start.clone(), next.clone());
            std::thread::spawn(move || {
                let http = http();
                start.wait();
                http.post(format!("{}/v1/auth", servers[i].url))
                    .json(&json!({ "login": "ada", "password": ADMIN_PW, "code": next }))
                    .send()
                    .unwrap()
                    .status()
                    .as_u16()
            })
        })
        .collect();
    let statuses: Vec<u16> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        // The others: a code already used is a failed sign-in.
        statuses.iter().all(|s| [200, 401].contains(s)),
        "{statuses:?}"
    );
}

#[test]
fn three_first_set_ups_at_once_make_one_store_and_one_administrator() {
    let cluster = Cluster::get();
    let db = cluster.database();
    let start = Arc::new(Barrier::new(3));
    let handles: Vec<_> = ["ada", "bob", "cy"]
        .into_iter()
        .map(|who| {
            let (db, start) = (db.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                lk(&db, &["init", "--username", who], &format!("{ADMIN_PW}\n"))
            })
        })
        .collect();
    let outs: Vec<Output> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let ok = outs.iter().filter(|o| o.status.success()).count();
    assert_eq!(
        ok,
        1,
        "{:?}",
        outs.iter()
            .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
            .collect::<Vec<_>>()
    );
    for o in outs.iter().filter(|o| !o.status.success()) {
        assert_eq!(o.status.code(), Some(7));
        assert!(String::from_utf8_lossy(&o.stderr).contains("already set up"));
    }
    let name = db.rsplit('/').next().unwrap();
    assert_eq!(
        cluster
            .sql(name, "SELECT count(*) FROM latchkey_meta")
            .trim(),
        "1"
    );
    assert_eq!(
        cluster.sql(name, "SELECT count(*) FROM resources").trim(),
        "2"
    );
    assert_eq!(
        cluster.sql(name, "SELECT count(*) FROM accounts").trim(),
        "1"
    );
}

/// Every key of `db`'s account `ada` verified with the CLI: (reason, permissions) each.
fn verdicts(db: &str, keys: &[String]) -> Vec<(String, Value)> {
    keys.iter()
        .map(|k| {
            let out = Command::new(bin())
                .args(["--db", db, "--json", "key", "verify", k])
                .output()
                .unwrap();
            let v: Value = serde_json::from_slice(&out.stdout).unwrap();
            (
                v["reason"].as_str().unwrap().to_owned(),
                v["permissions"].clone(),
            )
        })
        .collect()
}

#[test]
fn a_whole_store_moves_to_postgresql_and_back_with_every_verdict_kept() {
    let cluster = Cluster::get();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("lab.db").display().to_string();
    let pw = format!("{ADMIN_PW}\n");
    let out = lk(&file, &["init", "--username", "ada"], &pw);
    let mut keys = vec![String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap()
        .to_owned()];
    lk(
        &file,
        &["permission", "create", "--user", "ada", "samples"],
        &pw,
    );
    let mut make = |args: &[&str]| {
        let mut all = vec!["--json", "key", "create", "--user", "ada"];
        all.extend_from_slice(args);
        let v: Value = serde_json::from_slice(&lk(&file, &all, &pw).stdout).unwrap();
        keys.push(v["secret"].as_str().unwrap().to_owned());
        v["key"]["id"].as_str().unwrap().to_owned()
    };
    make(&["--name", "a", "--perm", "samples:read"]);
    make(&["--name", "b", "--env", "test", "--revealable"]);
    let gone = make(&["--name", "c", "--perm", "keys:read"]);
    lk(
        &file,
        &["key", "revoke", "--user", "ada", &gone, "--yes"],
        &pw,
    );
    let before = verdicts(&file, &keys);
    assert_eq!(before[3].0, "revoked");
    let audit_before = lk(
        &file,
        &["--json", "audit", "--user", "ada", "--limit", "1000"],
        &pw,
    );

    let pg = cluster.database();
    let out = Command::new(bin())
        .args(["--json", "store", "copy", "--from", &file, "--to", &pg])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let copied: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(!copied.to_string().contains(ADMIN_PW));
    assert_eq!(verdicts(&pg, &keys), before);
    // The audit log came along whole (the copy's own reads are after it).
    let audit_pg: Value = serde_json::from_slice(
        &lk(
            &pg,
            &["--json", "audit", "--user", "ada", "--limit", "1000"],
            &pw,
        )
        .stdout,
    )
    .unwrap();
    let audit_file: Value = serde_json::from_slice(&audit_before.stdout).unwrap();
    let n = audit_file.as_array().unwrap().len();
    assert_eq!(
        &audit_pg.as_array().unwrap()[1..=n],
        audit_file.as_array().unwrap().as_slice()
    );
    // Sealed secrets came along too: the revealable key and the account key can be viewed.
    let shown = lk(
        &pg,
        &["account-key", "show", "--user", "ada", "--reveal"],
        &pw,
    );
    assert!(String::from_utf8_lossy(&shown.stdout).contains(&keys[0]));

    // A store that is not empty is refused, and left as it was.
    let again = Command::new(bin())
        .args(["store", "copy", "--from", &file, "--to", &pg])
        .output()
        .unwrap();
    assert_eq!(
        again.status.code(),
        Some(7),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert!(String::from_utf8_lossy(&again.stderr).contains("empty store"));

    // And back to a file.
    let back = dir.path().join("back.db").display().to_string();
    let out = Command::new(bin())
        .args(["store", "copy", "--from", &pg, "--to", &back])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(verdicts(&back, &keys), before);
    // New rows continue after the copied ones on PostgreSQL.
    let out = lk(
        &pg,
        &["key", "create", "--user", "ada", "--name", "after"],
        &pw,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The README's least-privilege SQL, as printed there.
fn team_sql(database: &str) -> String {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    let start = readme.find("<!-- team-sql").expect("the README's team SQL");
    let block = &readme[start..readme.find("<!-- /team-sql -->").unwrap()];
    let sql = block
        .split("```sql")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .unwrap();
    sql.replace("DATABASE latchkey", &format!("DATABASE {database}"))
}

#[test]
fn the_readmes_server_role_works_and_cannot_touch_the_audit_log() {
    let cluster = Cluster::get();
    let (db, _) = lab(cluster);
    let name = db.rsplit('/').next().unwrap().to_owned();
    // Roles belong to the cluster: one of its own for this test.
    let role = format!("srv_{name}");
    cluster.sql(&name, &team_sql(&name).replace("latchkey_server", &role));
    let as_server = format!("postgres://{role}@127.0.0.1:{}/{name}", cluster.port);
    let pw = format!("{ADMIN_PW}\n");
    let out = lk(
        &as_server,
        &["--json", "key", "create", "--user", "ada", "--name", "svc"],
        &pw,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let secret = serde_json::from_slice::<Value>(&out.stdout).unwrap()["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(verdicts(&as_server, &[secret])[0].0, "valid");
    let audit = lk(&as_server, &["audit", "--user", "ada"], &pw);
    assert!(audit.status.success());
    // Even a statement the rules never send is refused to this role.
    for sql in [
        "UPDATE audit_log SET outcome = 'ok'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ] {
        let out = Command::new(cluster.bin().join("psql"))
            .args([
                "-X",
                "-h",
                "127.0.0.1",
                "-p",
                &cluster.port.to_string(),
                "-U",
                &role,
                "-d",
                &name,
                "-c",
                sql,
            ])
            .output()
            .unwrap();
        assert!(!out.status.success(), "{sql} went through");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("permission denied"),
            "{sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // And to its owner, the table itself refuses.
    for sql in [
        "UPDATE audit_log SET outcome = 'ok'",
        "DELETE FROM audit_log",
    ] {
        let out = Command::new(cluster.bin().join("psql"))
            .args([
                "-X",
                "-h",
                "127.0.0.1",
                "-p",
                &cluster.port.to_string(),
                "-U",
                latchkey_testkit::pg::SUPERUSER,
                "-d",
                &name,
                "-c",
                sql,
            ])
            .output()
            .unwrap();
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("append-only"),
            "{sql}"
        );
    }
}

#[test]
fn an_unreachable_server_is_unavailable_not_a_wrong_answer() {
    // Nothing listens on this port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("postgres://nobody@127.0.0.1:{port}/none");
    let out = Command::new(bin())
        .args([
            "--db",
            &url,
            "key",
            "verify",
            "lk_live_0000000000000000000000000000000000AAAA",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(8));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("unavailable"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A password in the URL is never repeated back.
    let out = Command::new(bin())
        .args([
            "--db",
            &format!("postgres://nobody:s3cret-pw@127.0.0.1:{port}/none"),
            "--json",
            "key",
            "verify",
            "x",
        ])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains("s3cret-pw"));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("s3cret-pw"));
}
