//! The server against clients that misbehave: idle, slow and numerous connections,
//! requests HTTP itself refuses, ambiguous Host headers, and a store that fails or turns
//! out damaged while it is served. Clients here are raw TCP sockets; every wait is bounded
//! (generously: the machines running this are busy).

mod common;

use latchkey_api::ServeOptions;
use latchkey_core::Latchkey;
use latchkey_testkit::{lab, Lab, ADMIN_PW};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Long enough for anything that should happen at once, on a loaded machine.
const PATIENCE: Duration = Duration::from_secs(30);

struct Served {
    addr: SocketAddr,
    url: String,
    lk: Arc<Latchkey>,
    admin_key: String,
    lab_dir: std::path::PathBuf,
    is_postgres: bool,
    stop: Option<oneshot::Sender<()>>,
    served: JoinHandle<std::io::Result<()>>,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

async fn serve(options: ServeOptions) -> Served {
    let listener = latchkey_api::bind(0).await.unwrap();
    serve_on(listener, lab(), options)
}

fn serve_on(listener: tokio::net::TcpListener, lab: Lab, options: ServeOptions) -> Served {
    let is_postgres = lab.is_postgres();
    let Lab {
        dir, lk, admin_key, ..
    } = lab;
    let lk = Arc::new(lk);
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let served = tokio::spawn(latchkey_api::serve_with_options(
        listener,
        lk.clone(),
        async move {
            let _ = stopped.await;
        },
        options,
    ));
    Served {
        addr,
        url: format!("http://{addr}"),
        lk,
        admin_key,
        lab_dir: dir.path().to_path_buf(),
        is_postgres,
        stop: Some(stop),
        served,
        http: reqwest::Client::builder().no_proxy().build().unwrap(),
        _dir: dir,
    }
}

impl Served {
    async fn verify_admin_key(&self) -> Value {
        let r = tokio::time::timeout(
            PATIENCE,
            self.http
                .post(format!("{}/v1/keys/verify", self.url))
                .json(&json!({ "key": self.admin_key }))
                .send(),
        )
        .await
        .expect("verification answered in time")
        .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        r.json().await.unwrap()
    }
}

/// Reads until the server closes the connection (`true`) or `wait` passes (`false`).
async fn read_until_closed(s: &mut TcpStream, wait: Duration) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    let closed = tokio::time::timeout(wait, async {
        let mut buf = [0u8; 8192];
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await
    .is_ok();
    (out, closed)
}

/// Sends `request` on a fresh connection; returns everything the server answered before
/// it closed the connection (which it must, within [`PATIENCE`]).
async fn exchange(addr: SocketAddr, request: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).await.unwrap();
    // The server may answer (and close) before it has read all of it.
    let _ = s.write_all(request).await;
    let (out, closed) = read_until_closed(&mut s, PATIENCE).await;
    assert!(closed, "the connection stayed open");
    String::from_utf8_lossy(&out).into_owned()
}

/// The status, headers and JSON error of a reply; asserts the SPEC's error shape.
fn json_error(reply: &str) -> (u16, String, Value) {
    let (head, body) = reply
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("not an HTTP reply: {reply:?}"));
    let status: u16 = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status: {head:?}"));
    let lower = head.to_ascii_lowercase();
    assert!(
        lower.contains("\r\ncontent-type: application/json"),
        "not JSON: {head}"
    );
    let body: Value =
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: body {body:?} after {head}"));
    let err = body["error"].clone();
    assert!(err["code"].is_string(), "{body}");
    assert!(
        err["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    (status, lower, err)
}

fn quick(header_timeout: Duration) -> ServeOptions {
    ServeOptions {
        header_timeout,
        body_timeout: header_timeout,
        write_timeout: header_timeout,
        ..ServeOptions::default()
    }
}

// ---------------------------------------------------------------- time

#[tokio::test(flavor = "multi_thread")]
async fn idle_connections_are_closed_after_the_header_timeout() {
    let s = serve(quick(Duration::from_secs(1))).await;

    // A connection that never sends anything is closed, without a word.
    let mut silent = TcpStream::connect(s.addr).await.unwrap();
    let (out, closed) = read_until_closed(&mut silent, PATIENCE).await;
    assert!(closed, "an idle connection stayed open");
    assert!(out.is_empty(), "{}", String::from_utf8_lossy(&out));

    // So is one idle after a request it was answered.
    let mut kept = TcpStream::connect(s.addr).await.unwrap();
    kept.write_all(b"GET /openapi.json HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let (out, closed) = read_until_closed(&mut kept, PATIENCE).await;
    assert!(closed, "an idle keep-alive connection stayed open");
    let text = String::from_utf8_lossy(&out);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert_eq!(text.matches("HTTP/1.1").count(), 1, "one reply only");

    // Meanwhile the server answers as ever.
    assert_eq!(s.verify_admin_key().await["valid"], true);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_head_that_trickles_in_is_answered_408() {
    let s = serve(quick(Duration::from_secs(1))).await;

    // Half a head, then nothing.
    let mut half = TcpStream::connect(s.addr).await.unwrap();
    half.write_all(b"POST /v1/keys/verify HTTP/1.1\r\nHost: localhost\r\n")
        .await
        .unwrap();
    let (out, closed) = read_until_closed(&mut half, PATIENCE).await;
    assert!(closed);
    let (status, head, err) = json_error(&String::from_utf8_lossy(&out));
    assert_eq!(status, 408);
    assert!(head.contains("\r\nconnection: close"), "{head}");
    assert_eq!(err["code"], "invalid_input");

    // A byte at a time, each well within the limit: the limit is on the whole head.
    let mut slow = TcpStream::connect(s.addr).await.unwrap();
    slow.write_all(b"GET /openapi.json HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
        .await
        .unwrap();
    let (mut rd, mut wr) = slow.into_split();
    let dripping = tokio::spawn(async move {
        for _ in 0..100 {
            if wr.write_all(b"a").await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let mut out = Vec::new();
    let read = tokio::time::timeout(PATIENCE, rd.read_to_end(&mut out)).await;
    dripping.abort();
    assert!(read.is_ok(), "a dripping head was not cut off");
    let (status, _, _) = json_error(&String::from_utf8_lossy(&out));
    assert_eq!(status, 408);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_that_trickles_in_is_answered_408() {
    let s = serve(quick(Duration::from_secs(1))).await;
    let mut c = TcpStream::connect(s.addr).await.unwrap();
    c.write_all(
        b"POST /v1/keys/verify HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
          Content-Length: 100\r\n\r\n{\"key\": ",
    )
    .await
    .unwrap();
    let (out, closed) = read_until_closed(&mut c, PATIENCE).await;
    assert!(closed, "the connection stayed open");
    let (status, head, err) = json_error(&String::from_utf8_lossy(&out));
    assert_eq!(status, 408);
    assert!(head.contains("\r\nconnection: close"), "{head}");
    assert!(head.contains("\r\ncache-control: no-store"), "{head}");
    assert_eq!(err["code"], "invalid_input");
    assert!(
        err["message"].as_str().unwrap().starts_with("body:"),
        "{err}"
    );
}

// ---------------------------------------------------------------- numbers

#[tokio::test(flavor = "multi_thread")]
async fn idle_and_slow_connections_do_not_starve_verification() {
    // Timeouts far away, so that only the cap and the closing of idle connections help.
    let s = serve(ServeOptions {
        max_connections: Some(4),
        ..quick(Duration::from_secs(120))
    })
    .await;
    let mut idle = Vec::new();
    for _ in 0..24 {
        idle.push(TcpStream::connect(s.addr).await.unwrap());
    }
    // Two that send half a head: they hold their slot (until the header timeout).
    let mut slow = Vec::new();
    for _ in 0..2 {
        let mut c = TcpStream::connect(s.addr).await.unwrap();
        c.write_all(b"GET /openapi.json HTTP/1.1\r\n")
            .await
            .unwrap();
        slow.push(c);
    }

    let v = s.verify_admin_key().await;
    assert_eq!(v["valid"], true);
    assert_eq!(v["account"], "admin");

    // The server made room by closing idle connections, oldest first.
    let mut closed = 0;
    let mut waits = tokio::task::JoinSet::new();
    for mut c in idle {
        waits.spawn(async move { read_until_closed(&mut c, Duration::from_secs(5)).await.1 });
    }
    while let Some(r) = waits.join_next().await {
        closed += usize::from(r.unwrap());
    }
    assert!(
        closed >= 24 - 4,
        "only {closed} of 24 idle connections closed"
    );
    // And the slow ones are still waiting, within their time.
    for c in &mut slow {
        let mut buf = [0u8; 1];
        let r = tokio::time::timeout(Duration::from_millis(200), c.read(&mut buf)).await;
        assert!(r.is_err(), "a slow client within its time was dropped");
    }
}

// ---------------------------------------------------------------- what hyper refuses

#[tokio::test(flavor = "multi_thread")]
async fn requests_http_refuses_are_answered_in_json() {
    let s = common::server().await;
    let port = s.addr.port();
    let cases: Vec<(&str, Vec<u8>, u16)> = vec![
        (
            "a header over 16 KiB",
            format!(
                "GET /openapi.json HTTP/1.1\r\nHost: localhost\r\nX-Big: {}\r\n\r\n",
                "a".repeat(20 * 1024)
            )
            .into_bytes(),
            431,
        ),
        (
            "a head of 500 KiB",
            format!(
                "GET /openapi.json HTTP/1.1\r\nHost: localhost\r\nX-Big: {}\r\n\r\n",
                "a".repeat(500 * 1024)
            )
            .into_bytes(),
            431,
        ),
        (
            "150 headers",
            format!(
                "GET /openapi.json HTTP/1.1\r\nHost: localhost\r\n{}\r\n",
                (0..150)
                    .map(|i| format!("X-H{i}: v\r\n"))
                    .collect::<String>()
            )
            .into_bytes(),
            431,
        ),
        (
            "a URI of 70 KiB",
            format!(
                "GET /{} HTTP/1.1\r\nHost: localhost\r\n\r\n",
                "a".repeat(70 * 1024)
            )
            .into_bytes(),
            431,
        ),
        (
            "a URI of 10 KiB",
            format!(
                "GET /{} HTTP/1.1\r\nHost: localhost:{port}\r\nConnection: close\r\n\r\n",
                "a".repeat(10 * 1024)
            )
            .into_bytes(),
            414,
        ),
        (
            "a header line without a colon",
            b"GET /openapi.json HTTP/1.1\r\nHost localhost\r\n\r\n".to_vec(),
            400,
        ),
        ("not HTTP at all", b"HELLO\r\n\r\n".to_vec(), 400),
        (
            "an unknown HTTP version",
            b"GET /openapi.json HTTP/1.7\r\nHost: localhost\r\n\r\n".to_vec(),
            400,
        ),
        (
            "a Content-Length that is not a number",
            b"POST /v1/keys/verify HTTP/1.1\r\nHost: localhost\r\nContent-Length: ten\r\n\r\n"
                .to_vec(),
            400,
        ),
    ];
    for (what, request, want) in cases {
        let reply = exchange(s.addr, &request).await;
        let (status, head, err) = json_error(&reply);
        assert_eq!(status, want, "{what}: {reply}");
        assert_eq!(err["code"], "invalid_input", "{what}");
        assert!(
            head.contains("\r\ncache-control: no-store"),
            "{what}: {head}"
        );
        assert!(head.contains("\r\ndate: "), "{what}: {head}");
        let replies = reply.lines().filter(|l| l.starts_with("HTTP/1.")).count();
        assert_eq!(replies, 1, "{what}: {reply}");
    }

    // After a good request on the same connection: its reply, then the refusal's.
    let reply = exchange(
        s.addr,
        b"GET /openapi.json HTTP/1.1\r\nHost: localhost\r\n\r\nGET / HTTP/1.1\r\nHost localhost\r\n\r\n",
    )
    .await;
    assert!(reply.starts_with("HTTP/1.1 200"), "{}", &reply[..60]);
    let second = &reply[reply.rfind("HTTP/1.1 ").unwrap()..];
    let (status, _, _) = json_error(second);
    assert_eq!(status, 400);

    // The server is none the worse.
    let r = s
        .req(Method::POST, "/v1/keys/verify")
        .json(&json!({ "key": s.admin_key }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

// ---------------------------------------------------------------- Host

#[tokio::test(flavor = "multi_thread")]
async fn two_host_headers_are_refused() {
    let s = common::server().await;
    let port = s.addr.port();
    for hosts in [
        "Host: localhost\r\nHost: evil.example".to_string(),
        "Host: evil.example\r\nHost: localhost".to_string(),
        "Host: localhost\r\nHost: localhost".to_string(),
        format!("Host: 127.0.0.1:{port}\r\nHost: 127.0.0.1:{port}"),
    ] {
        let reply = exchange(
            s.addr,
            format!(
                "POST /v1/keys/verify HTTP/1.1\r\n{hosts}\r\nContent-Type: application/json\r\n\
                 Content-Length: 2\r\nConnection: close\r\n\r\n{{}}"
            )
            .as_bytes(),
        )
        .await;
        let (status, _, err) = json_error(&reply);
        assert_eq!(status, 400, "{hosts}: {reply}");
        assert_eq!(err["code"], "invalid_host");
        assert!(
            err["message"].as_str().unwrap().contains("more than one"),
            "{err}"
        );
    }
    // One Host naming another port is still not this server (421), as before.
    let reply = exchange(
        s.addr,
        format!(
            "GET /openapi.json HTTP/1.1\r\nHost: localhost:{}\r\nConnection: close\r\n\r\n",
            port.wrapping_add(1)
        )
        .as_bytes(),
    )
    .await;
    assert_eq!(json_error(&reply).0, 421);
}

// ---------------------------------------------------------------- the store

/// Every frame of the SQLite store's write-ahead log overwritten (its frame headers
/// kept): the pages the store reads from it are garbage.
fn damage(db: &std::path::Path) {
    use std::io::{Seek, SeekFrom, Write};
    let wal = db.with_file_name("latchkey.db-wal");
    let len = std::fs::metadata(&wal).unwrap().len();
    let page = 4096u64;
    let mut f = std::fs::OpenOptions::new().write(true).open(&wal).unwrap();
    let mut at = 32;
    while at + 24 + page <= len {
        f.seek(SeekFrom::Start(at + 24)).unwrap();
        f.write_all(&[0x5a; 4096]).unwrap();
        at += 24 + page;
    }
    f.sync_all().unwrap();
}

fn store_files(db: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    ["latchkey.db", "latchkey.db-wal"]
        .iter()
        .map(|name| {
            let p = db.with_file_name(name);
            (name.to_string(), std::fs::read(p).unwrap_or_default())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_store_is_not_described_to_the_client() {
    let s = serve(ServeOptions::default()).await;
    if s.is_postgres {
        eprintln!("SQLite only: this test breaks the store's file");
        return;
    }
    // The table verification reads goes missing under the running server.
    let side = rusqlite::Connection::open(s.lab_dir.join("latchkey.db")).unwrap();
    side.execute_batch("ALTER TABLE api_keys RENAME TO gone")
        .unwrap();
    let r = s
        .http
        .post(format!("{}/v1/keys/verify", s.url))
        .json(&json!({ "key": s.admin_key }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "storage_error");
    assert_eq!(
        body["error"]["message"],
        latchkey_api::error::INTERNAL_MESSAGE
    );
    let text = body.to_string();
    for detail in ["api_keys", "no such", "latchkey.db", "SQLite", "sqlite"] {
        assert!(!text.contains(detail), "{detail} in {text}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_damaged_store_is_no_longer_used() {
    let s = serve(ServeOptions::default()).await;
    if s.is_postgres {
        eprintln!("SQLite only: this test breaks the store's file");
        return;
    }
    let db = s.lab_dir.join("latchkey.db");
    damage(&db);

    // The request that finds the damage, and every one after it, whatever it asks.
    let verify = || {
        s.http
            .post(format!("{}/v1/keys/verify", s.url))
            .json(&json!({ "key": s.admin_key }))
    };
    let r = verify().send().await.unwrap();
    let first = common::expect_error(r, StatusCode::SERVICE_UNAVAILABLE, "store_unavailable").await;
    assert!(
        first["message"].as_str().unwrap().contains("damaged"),
        "{first}"
    );
    let before = store_files(&db);
    let with_key = |m: Method, path: &str| {
        s.http
            .request(m, format!("{}{path}", s.url))
            .header("x-api-key", &s.admin_key)
    };
    for r in [
        verify(),
        with_key(Method::POST, "/v1/account/keys").json(&json!({ "name": "after" })),
        with_key(Method::GET, "/v1/account/keys"),
        with_key(Method::GET, "/v1/account"),
        s.http
            .post(format!("{}/v1/auth", s.url))
            .json(&json!({ "login": "admin", "password": ADMIN_PW })),
        s.http
            .post(format!("{}/v1/auth", s.url))
            .json(&json!({ "login": "admin", "password": "wrong wrong wrong" })),
    ] {
        let r = r.send().await.unwrap();
        assert!(
            r.headers().get("retry-after").is_none(),
            "no point retrying"
        );
        let e = common::expect_error(r, StatusCode::SERVICE_UNAVAILABLE, "store_unavailable").await;
        assert_eq!(e["message"], first["message"]);
    }
    // Nothing reached the file: no key created, no failed sign-in counted, no last use.
    s.lk.flush_last_used();
    assert!(
        store_files(&db) == before,
        "the damaged store was written to"
    );
    // The server itself carries on.
    let r = s
        .http
        .get(format!("{}/openapi.json", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

// ---------------------------------------------------------------- stopping

#[tokio::test(flavor = "multi_thread")]
async fn stopping_closes_idle_connections_at_once() {
    let mut s = serve(quick(Duration::from_secs(120))).await;
    let mut fresh = TcpStream::connect(s.addr).await.unwrap();
    let mut kept = TcpStream::connect(s.addr).await.unwrap();
    kept.write_all(b"GET /openapi.json HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut first = [0u8; 12];
    kept.read_exact(&mut first).await.unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");
    assert_eq!(s.verify_admin_key().await["valid"], true);

    s.stop.take().unwrap().send(()).unwrap();
    let served = tokio::time::timeout(PATIENCE, &mut s.served)
        .await
        .expect("the server stopped without waiting for idle connections");
    served.unwrap().unwrap();
    assert!(read_until_closed(&mut fresh, PATIENCE).await.1);
    assert!(read_until_closed(&mut kept, PATIENCE).await.1);
    assert!(TcpStream::connect(s.addr).await.is_err(), "still listening");
}
