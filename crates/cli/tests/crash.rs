//! kill -9 at random moments during mixed writes, from the CLI and from `latchkey serve`:
//! after each kill the store passes `PRAGMA integrity_check`, every acknowledged key
//! creation is there, and every acknowledged revocation is still a revocation.
//!
//! `make test` runs 30 trials (`CRASH_TRIALS` sets another number, `CRASH_SEED` replays
//! a run; `scripts/crash-test.sh` runs 300).

mod common;

use latchkey_testkit::ADMIN_PW;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// xorshift64*: enough randomness to place the kills, and a seed to replay them.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

/// What the writers were told succeeded: key ids created (with their secret) and revoked.
#[derive(Default)]
struct Acknowledged {
    created: BTreeMap<String, String>,
    revoked: BTreeSet<String>,
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Starts `latchkey --json --password-stdin ARGS` on the store without waiting for it.
fn spawn(s: &common::Store, args: &[&str]) -> Child {
    let mut c = s
        .command()
        .args(["--json", "--password-stdin"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _ = writeln!(c.stdin.take().unwrap(), "{ADMIN_PW}");
    c
}

/// CLI writers: three processes at once, creating and revoking; killed after a random
/// delay, or acknowledged when they had already finished.
fn cli_trial(
    s: &common::Store,
    rng: &mut Rng,
    n: &AtomicUsize,
    ack: &Mutex<Acknowledged>,
) -> usize {
    let mut killed = 0;
    let revocable: Vec<String> = {
        let a = ack.lock().unwrap();
        a.created
            .keys()
            .filter(|id| !a.revoked.contains(*id))
            .cloned()
            .collect()
    };
    let mut children = Vec::new();
    for w in 0..3 {
        let revoke = w == 2 && !revocable.is_empty();
        if revoke {
            let id = revocable[rng.below(revocable.len() as u64) as usize].clone();
            let c = spawn(s, &["key", "revoke", "--user", "ada", &id, "--yes"]);
            children.push((c, Some(id)));
        } else {
            let name = format!("cli {}", n.fetch_add(1, SeqCst));
            let c = spawn(
                s,
                &[
                    "key",
                    "create",
                    "--user",
                    "ada",
                    "--name",
                    &name,
                    "--perm",
                    "keys:read",
                ],
            );
            children.push((c, None));
        }
    }
    std::thread::sleep(Duration::from_millis(rng.below(400)));
    for (mut c, revoked) in children {
        let _ = c.kill();
        let out = c.wait_with_output().unwrap();
        if !out.status.success() {
            use std::os::unix::process::ExitStatusExt;
            killed += usize::from(out.status.signal() == Some(9));
            continue;
        }
        let mut a = ack.lock().unwrap();
        match revoked {
            Some(id) => {
                a.revoked.insert(id);
            }
            None => {
                let v: Value = serde_json::from_slice(&out.stdout).unwrap();
                a.created.insert(
                    v["key"]["id"].as_str().unwrap().to_owned(),
                    v["secret"].as_str().unwrap().to_owned(),
                );
            }
        }
    }
    killed
}

/// A server taking creations and revocations from four clients, killed mid-flight.
fn server_trial(
    s: &common::Store,
    api_key: &str,
    rng: &mut Rng,
    n: &Arc<AtomicUsize>,
    ack: &Arc<Mutex<Acknowledged>>,
) {
    let mut child = s
        .command()
        .args(["serve", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut url = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut url)
        .unwrap();
    let url = url.trim().to_owned();
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..4)
        .map(|c| {
            let (url, key, stop, n, ack) = (
                url.clone(),
                api_key.to_owned(),
                stop.clone(),
                n.clone(),
                ack.clone(),
            );
            std::thread::spawn(move || {
                let http = reqwest::blocking::Client::builder()
                    .no_proxy()
                    .timeout(Duration::from_secs(10))
                    .build()
                    .unwrap();
                while !stop.load(SeqCst) {
                    let revocable = (c == 3)
                        .then(|| {
                            let a = ack.lock().unwrap();
                            a.created
                                .keys()
                                .rev()
                                .find(|id| !a.revoked.contains(*id))
                                .cloned()
                        })
                        .flatten();
                    if let Some(id) = revocable {
                        let r = http
                            .delete(format!("{url}/v1/account/keys/{id}"))
                            .header("X-API-Key", &key)
                            .send();
                        if r.is_ok_and(|r| r.status().is_success()) {
                            ack.lock().unwrap().revoked.insert(id);
                        }
                        continue;
                    }
                    let name = format!("api {}", n.fetch_add(1, SeqCst));
                    let r = http
                        .post(format!("{url}/v1/account/keys"))
                        .header("X-API-Key", &key)
                        .json(&json!({ "name": name, "permissions": ["keys:read"] }))
                        .send();
                    let Ok(r) = r else { break };
                    if r.status().as_u16() != 201 {
                        continue;
                    }
                    let Ok(v) = r.json::<Value>() else { break };
                    ack.lock().unwrap().created.insert(
                        v["key"]["id"].as_str().unwrap().to_owned(),
                        v["secret"].as_str().unwrap().to_owned(),
                    );
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(50 + rng.below(450)));
    child.kill().unwrap();
    child.wait().unwrap();
    stop.store(true, SeqCst);
    for c in clients {
        c.join().unwrap();
    }
}

fn check(s: &common::Store, trial: u64, ack: &Acknowledged) {
    let c = rusqlite::Connection::open(&s.db).unwrap();
    let integrity: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok", "trial {trial}");
    let mut st = c
        .prepare("SELECT revoked_at IS NOT NULL FROM api_keys WHERE id = ?1")
        .unwrap();
    for id in ack.created.keys() {
        let revoked: bool = st
            .query_row([id], |r| r.get(0))
            .unwrap_or_else(|_| panic!("trial {trial}: acknowledged key {id} is gone"));
        if ack.revoked.contains(id) {
            assert!(revoked, "trial {trial}: the revocation of {id} was lost");
        }
    }
}

#[test]
fn kill_9_during_writes_loses_no_acknowledged_write() {
    let trials = env_number("CRASH_TRIALS", 30);
    let seed = env_number("CRASH_SEED", {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap();
        t.as_nanos() as u64 | 1
    });
    eprintln!("CRASH_SEED={seed} CRASH_TRIALS={trials}");
    let mut rng = Rng(seed);
    let s = common::store();
    let v = s.json(&[
        "key",
        "create",
        "--user",
        "ada",
        "--name",
        "server",
        "--perm",
        "keys:read",
        "--perm",
        "keys:write",
        "--expires",
        "never",
    ]);
    let api_key = v["secret"].as_str().unwrap().to_owned();
    let server_key = v["key"]["id"].as_str().unwrap().to_owned();
    let n = Arc::new(AtomicUsize::new(0));
    let ack = Arc::new(Mutex::new(Acknowledged::default()));
    let (mut cli, mut server, mut killed) = (0, 0, 0);
    for trial in 0..trials {
        if trial % 2 == 0 {
            killed += cli_trial(&s, &mut rng, &n, &ack);
            cli += 1;
        } else {
            server_trial(&s, &api_key, &mut rng, &n, &ack);
            server += 1;
        }
        // The server's own key is never among the revoked: the clients revoke only
        // keys they created.
        assert!(!ack.lock().unwrap().revoked.contains(&server_key));
        check(&s, trial, &ack.lock().unwrap());
    }
    let a = ack.lock().unwrap();
    eprintln!(
        "{trials} trials ({cli} CLI, {server} server; {killed} CLI writers and {server} servers killed mid-run): {} creations and {} revocations acknowledged, all present",
        a.created.len(),
        a.revoked.len()
    );
    // Enough happened for the trials to mean something.
    assert!(a.created.len() as u64 >= trials, "{}", a.created.len());
    // The store still works: an acknowledged live key verifies, a revoked one does not.
    let live = a.created.iter().find(|(id, _)| !a.revoked.contains(*id));
    if let Some((_, secret)) = live {
        assert_eq!(s.verify(secret).0, 0);
    }
    if let Some(id) = a.revoked.iter().next() {
        assert_ne!(s.verify(&a.created[id]).0, 0);
    }
}
