//! A real JSON API server on an ephemeral 127.0.0.1 port over a [`Lab`]'s store, and a
//! real HTTP client.

use crate::{lab, Lab, ADMIN_PW, USER_PW};
use latchkey_core::*;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{json, Value};
use std::sync::Arc;
use time::Duration;

pub struct Server {
    pub url: String,
    /// The store's SQLite file.
    pub db: std::path::PathBuf,
    pub addr: std::net::SocketAddr,
    pub lk: Arc<Latchkey>,
    pub clock: Arc<ManualClock>,
    pub http: reqwest::Client,
    /// The administrator's account key, as `latchkey init` prints it.
    pub admin_key: String,
    _dir: tempfile::TempDir,
}

/// A [`Lab`] served on an ephemeral loopback port.
pub async fn server() -> Server {
    let lab = lab();
    let db = lab.path();
    let Lab {
        dir,
        clock,
        lk,
        admin_key,
        ..
    } = lab;
    let lk = Arc::new(lk);
    let listener = latchkey_api::bind(0).await.expect("a loopback port");
    let addr = listener.local_addr().expect("its address");
    tokio::spawn(latchkey_api::serve(listener, lk.clone()));
    Server {
        url: format!("http://{addr}"),
        db,
        addr,
        lk,
        clock,
        http: reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("an HTTP client"),
        admin_key,
        _dir: dir,
    }
}

impl Server {
    pub fn admin(&self) -> Session {
        self.lk
            .sign_in("admin", &Password::new(ADMIN_PW))
            .unwrap()
            .session
    }

    /// A plain account whose group grants `perms`, signed in.
    pub fn user(&self, name: &str, perms: &[&str]) -> Session {
        let admin = self.admin();
        let perms: Vec<String> = perms.iter().map(|p| p.to_string()).collect();
        self.lk
            .create_group(&admin, &format!("{name}-group"), &perms)
            .unwrap();
        self.lk
            .create_account(
                &admin,
                &NewAccount {
                    username: name.into(),
                    first_name: "Test".into(),
                    email: Some(format!("{name}@example.org")),
                    groups: vec![format!("{name}-group")],
                    ..Default::default()
                },
                &Password::new(USER_PW),
            )
            .unwrap();
        self.lk
            .sign_in(name, &Password::new(USER_PW))
            .unwrap()
            .session
    }

    /// A key of `session`'s account with `perms`, expiring in `days` (or never).
    pub fn key(
        &self,
        session: &Session,
        name: &str,
        perms: &[&str],
        days: Option<u16>,
    ) -> (String, String) {
        let issued = self
            .lk
            .create_key(
                session,
                &NewKey {
                    name: name.into(),
                    permissions: perms.iter().map(|p| p.to_string()).collect(),
                    environment: Environment::Live,
                    expiry: days.map_or(Expiry::Never, Expiry::Days),
                    revealable: false,
                },
            )
            .unwrap();
        (issued.secret.expose().to_owned(), issued.key.id.0)
    }

    /// A user `name` with every built-in permission, and a key holding them all.
    pub fn user_with_key(&self, name: &str) -> (Session, String, String) {
        let all = ["account:read", "account:write", "keys:read", "keys:write"];
        let s = self.user(name, &all);
        let (secret, id) = self.key(&s, &format!("{name} key"), &all, Some(30));
        (s, secret, id)
    }

    pub fn req(&self, method: Method, path: &str) -> RequestBuilder {
        self.http.request(method, format!("{}{path}", self.url))
    }

    pub fn with_key(&self, method: Method, path: &str, key: &str) -> RequestBuilder {
        self.req(method, path).header("X-API-Key", key)
    }

    pub async fn verify(&self, key: &str) -> Value {
        let r = self
            .req(Method::POST, "/v1/keys/verify")
            .json(&json!({ "key": key }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        r.json().await.unwrap()
    }

    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }
}

/// Asserts the status and the SPEC's error shape; returns the error object.
pub async fn expect_error(r: Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(r.status(), status, "{:?}", r.headers());
    assert_no_cors(&r);
    assert_eq!(
        r.headers()["content-type"],
        "application/json",
        "errors are JSON"
    );
    let body: Value = r.json().await.unwrap();
    let err = &body["error"];
    assert_eq!(err["code"], code, "{body}");
    assert!(
        err["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    err.clone()
}

pub async fn ok_json(r: Response, status: StatusCode) -> Value {
    assert_eq!(r.status(), status);
    assert_no_cors(&r);
    assert_eq!(r.headers()["cache-control"], "no-store");
    r.json().await.unwrap()
}

pub fn assert_no_cors(r: &Response) {
    for (name, _) in r.headers() {
        assert!(
            !name.as_str().starts_with("access-control-"),
            "CORS header {name} sent"
        );
    }
}

/// Sends raw bytes over a fresh connection and returns the whole response text.
pub async fn raw(addr: std::net::SocketAddr, request: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(request).await.unwrap();
    let mut out = Vec::new();
    // The server may answer (and close) before the whole request is written.
    let _ = tokio::time::timeout(std::time::Duration::from_secs(10), s.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}
