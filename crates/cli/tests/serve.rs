//! `latchkey serve`: the loopback JSON API as its own process, sharing the store with other
//! `latchkey` processes at the same time; and the API client examples of
//! docs/api-clients.md, run against it.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

mod common;

use common::{bin, Store};

/// A `latchkey serve` of `s`'s store, on a free port; its address read from its stdout.
fn serve(s: &Store) -> Served {
    let mut child = s
        .command()
        .args(["serve", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url:?}");
    Served {
        child,
        url,
        http: reqwest::blocking::Client::builder()
            .no_proxy()
            .build()
            .unwrap(),
    }
}

struct Served {
    child: Child,
    url: String,
    http: reqwest::blocking::Client,
}

impl Served {
    fn verify(&self, key: &str) -> Value {
        let (status, v) = post_verify(&self.http, &self.url, key).unwrap();
        assert_eq!(status, 200);
        v
    }

    /// Stops the server as Ctrl-C or a service manager would, and returns its stderr.
    fn stop(mut self) -> String {
        use std::io::Read;
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let mut stderr = String::new();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        let status = self.child.wait().unwrap();
        assert!(status.success(), "serve exited with {status}: {stderr}");
        stderr
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn serve_and_verify_never_create_a_store_at_a_mistyped_path() {
    let dir = tempfile::tempdir().unwrap();
    let typo = dir.path().join("latchkye.db");
    for args in [
        vec!["serve", "--port", "0"],
        vec!["key", "verify", "lk_live_anything"],
    ] {
        let out = Command::new(bin())
            .arg("--db")
            .arg(&typo)
            .args(&args)
            .env_remove("LATCHKEY_DB")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(8), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&typo.display().to_string()) && err.contains("no Latchkey store"),
            "{args:?}: {err}"
        );
        assert!(!typo.exists(), "{args:?} created {}", typo.display());
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn serve_needs_a_set_up_store() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("empty.db");
    // No other command makes a store at a path where there is none…
    let out = Command::new(bin())
        .arg("--db")
        .arg(&db)
        .args(["--password-stdin", "key", "list", "--user", "nobody"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(!db.exists());
    // …but the window does (its set-up screen comes next): a store with no account.
    drop(
        latchkey_core::Latchkey::open_at(
            &latchkey_core::store::Location::File(db.clone()),
            std::sync::Arc::new(latchkey_core::SystemClock),
            latchkey_core::store::Missing::Create,
        )
        .unwrap(),
    );
    assert!(db.exists());
    let out = Command::new(bin())
        .arg("--db")
        .arg(&db)
        .args(["serve", "--port", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(7));
    assert!(String::from_utf8_lossy(&out.stderr).contains("latchkey init"));
}

#[test]
fn serve_answers_and_stops_cleanly() {
    let s = common::store();
    let (key, _) = s.create_key("reader", &["account:read"]);
    let served = serve(&s);
    let r = served
        .http
        .get(format!("{}/v1/account", served.url))
        .header("X-API-Key", &key)
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().unwrap();
    assert_eq!(v["account"]["username"], "ada");
    let doc: Value = served
        .http
        .get(format!("{}/openapi.json", served.url))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let stderr = served.stop();
    assert!(stderr.contains("Serving the Latchkey API"), "{stderr}");
}

#[test]
fn a_busy_port_is_a_clear_error() {
    let s = common::store();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = s
        .command()
        .args(["serve", "--port", &port])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(8));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("cannot listen on 127.0.0.1:{port}")),
        "{err}"
    );
}

#[test]
fn a_key_file_saved_while_serving_names_the_servers_port() {
    let s = common::store();
    let served = serve(&s);
    let port = served.url.rsplit(':').next().unwrap().to_owned();
    assert_ne!(port, "7171");
    let file = s.dir.path().join("k.json");
    let file_arg = file.display().to_string();
    s.json(&[
        "key",
        "create",
        "--user",
        "ada",
        "--name",
        "k",
        "--perm",
        "account:read",
        "--save",
        &file_arg,
    ]);
    let key_file: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(key_file["api_url"], served.url);
    // And the address in it works.
    let r = served
        .http
        .get(format!(
            "{}/v1/account",
            key_file["api_url"].as_str().unwrap()
        ))
        .header("X-API-Key", key_file["api_key"].as_str().unwrap())
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    served.stop();
}

/// `latchkey key verify` as another user, who may read the store but not write it: the
/// verdict comes (no migration lock is taken, and a last use that cannot be written does
/// not matter). Needs root, to become that user; elsewhere it says so and passes.
#[test]
fn verification_works_on_a_store_this_user_cannot_write() {
    use std::os::unix::fs::PermissionsExt;
    let root = Command::new("id").arg("-u").output().unwrap().stdout == b"0\n";
    if !root || !found("setpriv") {
        eprintln!("not root (or no setpriv): the read-only store was not tried");
        return;
    }
    let s = common::store();
    let (key, _) = s.create_key("k", &["keys:read"]);
    let dir = s.dir.path();
    let as_nobody = |args: &[&str]| {
        Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(bin())
            .arg("--db")
            .arg(&s.db)
            .args(args)
            .env_remove("LATCHKEY_DB")
            .current_dir("/")
            .output()
            .unwrap()
    };
    std::fs::set_permissions(&s.db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let before = std::fs::read(&s.db).unwrap();

    // The folder is writable, so SQLite can keep its shared-memory file there.
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let out = as_nobody(&["--json", "key", "verify", &key]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["valid"], true);
    assert_eq!(std::fs::read(&s.db).unwrap(), before);

    // It is not: a clear refusal about permissions, not a claim of corruption.
    for companion in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{companion}", s.db.display()));
    }
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = as_nobody(&["key", "verify", &key]);
    assert_eq!(out.status.code(), Some(8));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("permissions") && !err.contains("corrupt"),
        "{err}"
    );
    assert_eq!(std::fs::read(&s.db).unwrap(), before);
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).unwrap();
}

/// Verifies `key` and returns (status, body); any transport error is an error.
fn post_verify(
    http: &reqwest::blocking::Client,
    url: &str,
    key: &str,
) -> Result<(u16, Value), String> {
    let r = http
        .post(format!("{url}/v1/keys/verify"))
        .json(&json!({ "key": key }))
        .send()
        .map_err(|e| e.to_string())?;
    let status = r.status().as_u16();
    Ok((status, r.json().map_err(|e| e.to_string())?))
}

/// The server verifies keys without pause (rotating over many) and serves API writes,
/// while other `latchkey` processes create and revoke keys in the same store: no error and
/// no `503 store_busy` on any side, and each revocation, by the CLI or through the API,
/// is seen by the very next verification.
#[test]
fn verification_under_load_while_the_cli_and_the_api_create_and_revoke() {
    let s = common::store();
    let steady: Vec<String> = (0..16)
        .map(|i| s.create_key(&format!("steady {i}"), &["keys:read"]).0)
        .collect();
    let (writer, _) = s.create_key("api writer", &["keys:read", "keys:write"]);
    let served = serve(&s);
    let url = served.url.clone();

    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let load: Vec<_> = (0..4)
        .map(|t| {
            let (stop, done, url) = (stop.clone(), done.clone(), url.clone());
            let keys = steady.clone();
            std::thread::spawn(move || -> Result<(), String> {
                let http = reqwest::blocking::Client::builder()
                    .no_proxy()
                    .build()
                    .unwrap();
                let mut i = t;
                while !stop.load(Ordering::Relaxed) {
                    i = (i + 5) % keys.len();
                    let (status, v) = post_verify(&http, &url, &keys[i])?;
                    if status != 200 || v["valid"] != true {
                        return Err(format!("{status}: {v}"));
                    }
                    done.fetch_add(1, Ordering::Relaxed);
                }
                Ok(())
            })
        })
        .collect();

    // Writes through the API at the same time: create, rename, revoke, and the revoked
    // key is refused by the next verification.
    let api_writes = {
        let (stop, url) = (stop.clone(), url.clone());
        std::thread::spawn(move || -> Result<u64, String> {
            let http = reqwest::blocking::Client::builder()
                .no_proxy()
                .build()
                .unwrap();
            let expect = |r: reqwest::blocking::Response, want: u16| -> Result<Value, String> {
                let status = r.status().as_u16();
                let v: Value = r.json().map_err(|e| e.to_string())?;
                if status != want {
                    return Err(format!("{status}, not {want}: {v}"));
                }
                Ok(v)
            };
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                let r = http
                    .post(format!("{url}/v1/account/keys"))
                    .header("X-API-Key", &writer)
                    .json(&json!({ "name": format!("api {n}"), "permissions": ["keys:read"] }))
                    .send()
                    .map_err(|e| e.to_string())?;
                let created = expect(r, 201)?;
                let (secret, id) = (
                    created["secret"].as_str().unwrap().to_owned(),
                    created["key"]["id"].as_str().unwrap().to_owned(),
                );
                let (status, v) = post_verify(&http, &url, &secret)?;
                if status != 200 || v["valid"] != true {
                    return Err(format!("new key: {status}: {v}"));
                }
                let r = http
                    .patch(format!("{url}/v1/account/keys/{id}"))
                    .header("X-API-Key", &writer)
                    .json(&json!({ "name": format!("api {n} renamed") }))
                    .send()
                    .map_err(|e| e.to_string())?;
                expect(r, 200)?;
                let r = http
                    .delete(format!("{url}/v1/account/keys/{id}"))
                    .header("X-API-Key", &writer)
                    .send()
                    .map_err(|e| e.to_string())?;
                expect(r, 200)?;
                let (status, v) = post_verify(&http, &url, &secret)?;
                if status != 200 || v["reason"] != "revoked" {
                    return Err(format!("revoked through the API, then: {status}: {v}"));
                }
                n += 1;
            }
            Ok(n)
        })
    };

    let started = Instant::now();
    let rounds = 12;
    for i in 0..rounds {
        let (secret, id) = s.create_key(&format!("churn {i}"), &["keys:read"]);
        assert_eq!(served.verify(&secret)["reason"], "valid", "round {i}");
        let out = s.run(&["--json", "key", "revoke", &id, "--yes", "--user", "ada"]);
        assert!(
            out.status.success(),
            "round {i}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // The revocation has committed when the CLI returns: the next verification sees it.
        let v = served.verify(&secret);
        assert_eq!(
            (v["valid"].clone(), v["reason"].clone()),
            (json!(false), json!("revoked")),
            "round {i}"
        );
        // And the CLI's own verification, a third process, agrees.
        let out = s
            .command()
            .args(["key", "verify", &secret])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "round {i}");
    }
    let elapsed = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    for t in load {
        t.join().unwrap().expect("a verification under load failed");
    }
    let api_rounds = api_writes
        .join()
        .unwrap()
        .expect("an API write (or the verification after it) failed");
    let verified = done.load(Ordering::Relaxed);
    assert!(
        verified > 100,
        "only {verified} verifications in {elapsed:?} while the CLI worked"
    );
    assert!(api_rounds > 0, "no API write round finished in {elapsed:?}");
    eprintln!(
        "{verified} verifications under load in {elapsed:?} ({rounds} CLI and {api_rounds} API create/revoke rounds)"
    );

    let stderr = served.stop();
    assert!(!stderr.to_lowercase().contains("error"), "{stderr}");
    let list = s.json(&["key", "list", "--user", "ada"]);
    let revoked = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["status"] == "revoked")
        .count();
    assert_eq!(revoked, rounds + api_rounds as usize);
}

// ------------------------------------------------------------ docs/api-clients.md

fn blocks_in(text: &str, lang: &str) -> Vec<String> {
    let fence = format!("```{lang}\n");
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(&fence) {
        let body = &rest[start + fence.len()..];
        let end = body.find("```").expect("closed fence");
        out.push(body[..end].to_owned());
        rest = &body[end..];
    }
    out
}

fn read_doc(path: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(path),
    )
    .unwrap()
}

fn doc_blocks(lang: &str) -> Vec<String> {
    blocks_in(&read_doc("docs/api-clients.md"), lang)
}

/// The README's "JSON API" section shows the same snippets the tests run.
#[test]
fn the_readme_shows_the_tested_client_snippets() {
    let readme = read_doc("README.md");
    let start = readme
        .find("\n## The JSON API")
        .expect("the JSON API section");
    let section = &readme[start + 1..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    for lang in ["python", "r", "java", "sh"] {
        let shown = blocks_in(section, lang);
        assert_eq!(
            shown.len(),
            1,
            "one {lang} snippet in the README's JSON API section"
        );
        assert_eq!(
            shown[0],
            doc_blocks(lang)[0],
            "the README's {lang} snippet differs from docs/api-clients.md's"
        );
    }
}

/// Whether a missing interpreter fails the test (`make test-rust` sets it) or only skips
/// that example with a note.
fn interop_required() -> bool {
    std::env::var_os("LATCHKEY_REQUIRE_INTEROP").is_some_and(|v| v == "1")
}

fn found(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn run_in(dir: &Path, program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        // A proxy in the environment must not be used: the examples bypass it.
        .env("http_proxy", "http://127.0.0.1:9")
        .env("HTTP_PROXY", "http://127.0.0.1:9")
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{program} {args:?} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn the_documented_api_clients_work() {
    let s = common::store();
    let served = serve(&s);
    let file = s.dir.path().join("latchkey-ci-deploy.json");
    let file_arg = file.display().to_string();
    let created = s.json(&[
        "key",
        "create",
        "--user",
        "ada",
        "--name",
        "ci-deploy",
        "--perm",
        "account:read",
        "--save",
        &file_arg,
    ]);
    // The key file is used exactly as saved: it names this server's port.
    let key_file: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(key_file["api_url"], served.url);
    assert_eq!(key_file["api_key"], created["secret"]);
    let dir = s.dir.path();
    let expect = |who: &str, out: &str| {
        assert!(out.contains("account: ada"), "{who}: {out}");
        assert!(out.contains("permissions: account:read"), "{who}: {out}");
    };

    let python = doc_blocks("python");
    assert_eq!(python.len(), 1);
    std::fs::write(dir.join("client.py"), &python[0]).unwrap();
    expect("python", &run_in(dir, "python3", &["client.py"]));

    let shell = doc_blocks("sh").join("\n");
    let out = run_in(dir, "bash", &["-euo", "pipefail", "-c", &shell]);
    expect("curl", &out);
    assert!(out.contains(r#""valid":true,"reason":"valid""#), "{out}");

    let java = doc_blocks("java");
    assert_eq!(java.len(), 1);
    let r = doc_blocks("r");
    assert_eq!(r.len(), 1);
    for (program, file, text, package) in [
        (
            "java",
            "LatchkeyAccount.java",
            &java[0],
            "default-jre-headless",
        ),
        (
            "Rscript",
            "client.R",
            &r[0],
            "r-base-core and r-cran-jsonlite",
        ),
    ] {
        if found(program) {
            std::fs::write(dir.join(file), text).unwrap();
            expect(program, &run_in(dir, program, &[file]));
        } else if interop_required() {
            panic!(
                "{program} is not installed, so the documented {file} example cannot be run; \
                 install {package} (bash scripts/deps.sh), or unset LATCHKEY_REQUIRE_INTEROP"
            );
        } else {
            eprintln!("{program} not installed: the {file} example was not run");
        }
    }

    // A revoked key: each example reports the refusal instead of printing an account.
    let id = created["key"]["id"].as_str().unwrap();
    assert!(s
        .run(&["key", "revoke", id, "--yes", "--user", "ada"])
        .status
        .success());
    let out = Command::new("python3")
        .arg("client.py")
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("invalid_key"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    served.stop();
}
