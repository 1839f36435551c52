//! PostgreSQL going away under load, and coming back: verification never guesses (no
//! "valid" for a revoked key, no 500), the server recovers by itself, and every key
//! creation it acknowledged is there afterwards. In a test binary of its own, because it
//! stops the cluster the test process shares.

mod common;

use common::bin;
use latchkey_testkit::pg::Cluster;
use latchkey_testkit::ADMIN_PW;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[test]
fn an_outage_is_answered_503_and_recovered_from_without_a_restart() {
    let cluster = Cluster::get();
    let db = cluster.database();
    let pw = format!("{ADMIN_PW}\n");
    let run =
        |args: &[&str]| latchkey_testkit::cli::run(&bin(), std::path::Path::new(&db), args, &pw);
    let out = run(&["init", "--username", "ada"]);
    let admin_key = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap()
        .to_owned();
    let created = |name: &str| -> String {
        let v: Value = serde_json::from_slice(
            &run(&["--json", "key", "create", "--user", "ada", "--name", name]).stdout,
        )
        .unwrap();
        v["secret"].as_str().unwrap().to_owned()
    };
    let good = created("good");
    let bad = created("bad");
    let bad_id = {
        let out = Command::new(bin())
            .args(["--db", &db, "--json", "key", "verify", &bad])
            .output()
            .unwrap();
        serde_json::from_slice::<Value>(&out.stdout).unwrap()["key_id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert!(run(&["key", "revoke", "--user", "ada", &bad_id, "--yes"])
        .status
        .success());

    let mut child = Command::new(bin())
        .args(["--db", &db, "serve", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().to_owned();

    let stop = Arc::new(AtomicBool::new(false));
    let statuses = Arc::new(Mutex::new(Vec::<(u16, String)>::new()));
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    // A bounded load: four clients, one request at a time each, for as long as the test runs.
    let clients: Vec<_> = (0..4)
        .map(|t| {
            let (stop, statuses, acknowledged) =
                (stop.clone(), statuses.clone(), acknowledged.clone());
            let (url, good, bad, admin_key) =
                (url.clone(), good.clone(), bad.clone(), admin_key.clone());
            std::thread::spawn(move || {
                let http = reqwest::blocking::Client::builder()
                    .no_proxy()
                    .timeout(Duration::from_secs(30))
                    .build()
                    .unwrap();
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) && n < 10_000 {
                    n += 1;
                    let (status, body) = if t == 3 {
                        let r = http
                            .post(format!("{url}/v1/account/keys"))
                            .header("X-API-Key", &admin_key)
                            .json(&json!({ "name": format!("load {n}") }))
                            .send();
                        let Ok(r) = r else { continue };
                        let status = r.status().as_u16();
                        let body: Value = r.json().unwrap_or_default();
                        if status == 201 {
                            acknowledged
                                .lock()
                                .unwrap()
                                .push(body["key"]["id"].as_str().unwrap().to_owned());
                        }
                        (status, body.to_string())
                    } else {
                        let key = if t % 2 == 0 { &good } else { &bad };
                        let Ok(r) = http
                            .post(format!("{url}/v1/keys/verify"))
                            .json(&json!({ "key": key }))
                            .send()
                        else {
                            continue;
                        };
                        let status = r.status().as_u16();
                        let body: Value = r.json().unwrap_or_default();
                        if key == &bad {
                            assert_ne!(
                                body["valid"], true,
                                "a revoked key was called valid: {body}"
                            );
                        }
                        (status, body.to_string())
                    };
                    statuses.lock().unwrap().push((status, body));
                    std::thread::sleep(Duration::from_millis(20));
                }
            })
        })
        .collect();

    std::thread::sleep(Duration::from_secs(2));
    cluster.stop_now();
    std::thread::sleep(Duration::from_secs(4));
    cluster.start_again();
    // Service resumes by itself: a verification of the good key is valid again soon.
    let http = reqwest::blocking::Client::builder()
        .no_proxy()
        .build()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let r = http
            .post(format!("{url}/v1/keys/verify"))
            .json(&json!({ "key": good }))
            .send()
            .unwrap();
        if r.status() == 200 && r.json::<Value>().unwrap()["valid"] == true {
            break;
        }
        assert!(Instant::now() < deadline, "the server did not recover");
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_secs(1));
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.join().unwrap();
    }
    let _ = child.kill();
    let _ = child.wait();

    let statuses = statuses.lock().unwrap();
    let unavailable = statuses.iter().filter(|(s, _)| *s == 503).count();
    assert!(
        unavailable > 0,
        "the outage was never seen: {} answers",
        statuses.len()
    );
    for (s, body) in statuses.iter() {
        assert!([200, 201, 503].contains(s), "{s}: {body}");
        if *s == 503 {
            assert!(body.contains("store_unavailable"), "{body}");
        }
    }
    // Every creation the server acknowledged is in the store.
    let listed: Value =
        serde_json::from_slice(&run(&["--json", "key", "list", "--user", "ada"]).stdout).unwrap();
    let ids: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["id"].as_str().unwrap())
        .collect();
    for id in acknowledged.lock().unwrap().iter() {
        assert!(
            ids.contains(&id.as_str()),
            "acknowledged key {id} is missing"
        );
    }
}
