//! `latchkey serve`: the loopback JSON API as its own process, sharing the store with other
//! `latchkey` processes at the same time; and the API client examples of
//! docs/api-clients.md, run against it.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

const PW: &str = "correct horse battery staple";

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_latchkey"))
}

struct Store {
    dir: tempfile::TempDir,
    db: PathBuf,
}

impl Store {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("latchkey.db");
        let s = Store { dir, db };
        let out = s.run(&["init", "--username", "ada", "--email", "ada@example.org"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        s
    }

    fn cmd(&self) -> Command {
        let mut c = Command::new(bin());
        c.env("LATCHKEY_DB", &self.db)
            .env_remove("LATCHKEY_USER")
            .current_dir(self.dir.path());
        c
    }

    /// Runs as ada, the password on stdin.
    fn run(&self, args: &[&str]) -> Output {
        let mut child = self
            .cmd()
            .arg("--password-stdin")
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
            .write_all(format!("{PW}\n").as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.run(&all);
        assert!(
            out.status.success(),
            "{args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// Creates a key for ada; returns (secret, id).
    fn create_key(&self, name: &str, perms: &[&str]) -> (String, String) {
        let mut args = vec!["key", "create", "--user", "ada", "--name", name];
        for p in perms {
            args.extend(["--perm", p]);
        }
        let v = self.json(&args);
        (
            v["secret"].as_str().unwrap().to_owned(),
            v["key"]["id"].as_str().unwrap().to_owned(),
        )
    }

    fn serve(&self) -> Served {
        let mut child = self
            .cmd()
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
}

struct Served {
    child: Child,
    url: String,
    http: reqwest::blocking::Client,
}

impl Served {
    fn verify(&self, key: &str) -> Value {
        let r = self
            .http
            .post(format!("{}/v1/keys/verify", self.url))
            .json(&json!({ "key": key }))
            .send()
            .unwrap();
        assert_eq!(r.status(), 200);
        r.json().unwrap()
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
fn serve_needs_a_set_up_store() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(bin())
        .args(["--db"])
        .arg(dir.path().join("empty.db"))
        .args(["serve", "--port", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(7));
    assert!(String::from_utf8_lossy(&out.stderr).contains("latchkey init"));
}

#[test]
fn serve_answers_and_stops_cleanly() {
    let s = Store::new();
    let (key, _) = s.create_key("reader", &["account:read"]);
    let served = s.serve();
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
    let s = Store::new();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = s.cmd().args(["serve", "--port", &port]).output().unwrap();
    assert_eq!(out.status.code(), Some(8));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("cannot listen on 127.0.0.1:{port}")),
        "{err}"
    );
}

/// The server verifies keys without pause while other `latchkey` processes create and
/// revoke keys in the same store: no error on either side, and each revocation is seen
/// by the very next verification.
#[test]
fn verification_under_load_while_the_cli_creates_and_revokes() {
    let s = Store::new();
    let steady: Vec<String> = (0..4)
        .map(|i| s.create_key(&format!("steady {i}"), &["keys:read"]).0)
        .collect();
    let served = s.serve();
    let url = served.url.clone();

    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let load: Vec<_> = (0..4)
        .map(|t| {
            let (stop, done, url) = (stop.clone(), done.clone(), url.clone());
            let key = steady[t].clone();
            std::thread::spawn(move || -> Result<(), String> {
                let http = reqwest::blocking::Client::builder()
                    .no_proxy()
                    .build()
                    .unwrap();
                while !stop.load(Ordering::Relaxed) {
                    let r = http
                        .post(format!("{url}/v1/keys/verify"))
                        .json(&json!({ "key": key }))
                        .send()
                        .map_err(|e| e.to_string())?;
                    let status = r.status();
                    let v: Value = r.json().map_err(|e| e.to_string())?;
                    if status != 200 || v["valid"] != true {
                        return Err(format!("{status}: {v}"));
                    }
                    done.fetch_add(1, Ordering::Relaxed);
                }
                Ok(())
            })
        })
        .collect();

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
        let out = s.cmd().args(["key", "verify", &secret]).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "round {i}");
    }
    let elapsed = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    for t in load {
        t.join().unwrap().expect("a verification under load failed");
    }
    let verified = done.load(Ordering::Relaxed);
    assert!(
        verified > 100,
        "only {verified} verifications in {elapsed:?} while the CLI worked"
    );
    eprintln!("{verified} verifications under load in {elapsed:?} ({rounds} create/revoke rounds)");

    let stderr = served.stop();
    assert!(!stderr.to_lowercase().contains("error"), "{stderr}");
    let list = s.json(&["key", "list", "--user", "ada"]);
    let revoked = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["status"] == "revoked")
        .count();
    assert_eq!(revoked, rounds);
}

// ------------------------------------------------------------ docs/api-clients.md

fn doc_blocks(lang: &str) -> Vec<String> {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/api-clients.md"
    ))
    .unwrap();
    let fence = format!("```{lang}\n");
    let mut out = Vec::new();
    let mut rest = doc.as_str();
    while let Some(start) = rest.find(&fence) {
        let body = &rest[start + fence.len()..];
        let end = body.find("```").expect("closed fence");
        out.push(body[..end].to_owned());
        rest = &body[end..];
    }
    out
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
    let s = Store::new();
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
    let served = s.serve();
    // The key file names the default address; this server is on a free port instead.
    let mut key_file: Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(key_file["api_url"], "http://127.0.0.1:7171");
    assert_eq!(key_file["api_key"], created["secret"]);
    key_file["api_url"] = json!(served.url);
    std::fs::write(&file, serde_json::to_string_pretty(&key_file).unwrap()).unwrap();
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
    if found("java") {
        std::fs::write(dir.join("LatchkeyAccount.java"), &java[0]).unwrap();
        expect("java", &run_in(dir, "java", &["LatchkeyAccount.java"]));
    } else {
        eprintln!("java not installed: the Java example was not run");
    }

    let r = doc_blocks("r");
    assert_eq!(r.len(), 1);
    if found("Rscript") {
        std::fs::write(dir.join("client.R"), &r[0]).unwrap();
        expect("R", &run_in(dir, "Rscript", &["client.R"]));
    } else {
        eprintln!("Rscript not installed: the R example was not run");
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
