//! Bad input, table-driven, over every endpoint: wrong JSON types, extra and missing
//! fields, text no name may hold (empty, blank, overlong, NUL, control and format
//! characters), broken framing and hostile headers. Each gets the documented status and a
//! JSON error naming the field and the rule, and the store is exactly as it was (every
//! table but the audit log, compared row by row before and after each request).

use latchkey_testkit::raw::{changed_tables, rows_but_audit};
use latchkey_testkit::server::{raw, server, Server};
use serde_json::{json, Value};

/// Text no name, permission or period may hold.
const REFUSED_TEXT: [(&str, &str); 10] = [
    ("empty", ""),
    ("blank", "   "),
    ("overlong", "OVERLONG"),
    ("nul", "a\u{0}b"),
    ("bell", "ab\u{7}c"),
    ("newline", "ab\ncd"),
    ("osc52", "ab\u{1b}]52;c;SGVsbG8=\u{7}"),
    ("rtl-override", "ab\u{202e}cd"),
    ("zero-width", "a\u{200b}b"),
    ("byte-order-mark", "\u{feff}abc"),
];

/// Values of the wrong JSON type for a field that wants a string.
fn wrong_types() -> Vec<(&'static str, Value)> {
    vec![
        ("number", json!(1)),
        ("boolean", json!(true)),
        ("array", json!(["x"])),
        ("object", json!({ "x": 1 })),
    ]
}

fn text(name: &str, v: &str) -> String {
    if name == "overlong" {
        "a".repeat(5000)
    } else {
        v.to_owned()
    }
}

struct Case {
    what: String,
    request: Vec<u8>,
    status: u16,
    code: &'static str,
    /// The field the error must name (`None`: the request as a whole, e.g. its framing).
    field: Option<String>,
}

fn request(s: &Server, method: &str, path: &str, key: Option<&str>, body: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        s.addr,
        body.len()
    )
    .into_bytes();
    if let Some(k) = key {
        r.extend_from_slice(format!("X-API-Key: {k}\r\n").as_bytes());
    }
    r.extend_from_slice(b"\r\n");
    r.extend_from_slice(body);
    r
}

// One row of the table, its arguments in the order of the table's columns.
#[allow(clippy::too_many_arguments)]
fn json_case(
    s: &Server,
    what: String,
    method: &str,
    path: &str,
    key: Option<&str>,
    body: Value,
    status: u16,
    code: &'static str,
    field: &str,
) -> Case {
    Case {
        what,
        request: request(s, method, path, key, body.to_string().as_bytes()),
        status,
        code,
        field: Some(field.to_owned()),
    }
}

/// The status line's code and the JSON body of a raw response.
fn parse(reply: &str) -> (u16, Value) {
    let status = reply
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = reply.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread")]
async fn every_endpoint_refuses_bad_input_and_changes_nothing() {
    let s = server().await;
    let (_, key, id) = s.user_with_key("bea");
    let k = Some(key.as_str());
    // The key's first use writes its last-use time (once a minute; the test's clock
    // stands still): done here, so the cases below start from a settled store.
    let first = raw(s.addr, &request(&s, "GET", "/v1/account", k, b"")).await;
    assert_eq!(parse(&first).0, 200, "{first}");

    let keys = "/v1/account/keys";
    let one = format!("{keys}/{id}");
    let regen = format!("{one}/regenerate");
    let mut cases = Vec::new();

    // Text each field's rule refuses.
    for (name, v) in REFUSED_TEXT {
        let v = text(name, v);
        cases.push(json_case(
            &s,
            format!("create name = {name}"),
            "POST",
            keys,
            k,
            json!({ "name": v }),
            400,
            "invalid_input",
            "name",
        ));
        cases.push(json_case(
            &s,
            format!("edit name = {name}"),
            "PATCH",
            &one,
            k,
            json!({ "name": v }),
            400,
            "invalid_input",
            "name",
        ));
        cases.push(json_case(
            &s,
            format!("create permission = {name}"),
            "POST",
            keys,
            k,
            json!({ "name": "n", "permissions": [v] }),
            400,
            "invalid_input",
            "permissions",
        ));
        cases.push(json_case(
            &s,
            format!("edit permission = {name}"),
            "PATCH",
            &one,
            k,
            json!({ "permissions": [v] }),
            400,
            "invalid_input",
            "permissions",
        ));
        cases.push(json_case(
            &s,
            format!("create expires = {name}"),
            "POST",
            keys,
            k,
            json!({ "name": "n", "expires": v }),
            400,
            "invalid_input",
            "expiry",
        ));
    }
    // Look-alikes and SQL are refused where a rule says what the text must be.
    for (name, v) in [
        ("confusable", "p\u{430}ypal:read"),
        ("sql", "keys:read' OR '1'='1"),
    ] {
        cases.push(json_case(
            &s,
            format!("create permission = {name}"),
            "POST",
            keys,
            k,
            json!({ "name": "n", "permissions": [v] }),
            400,
            "invalid_input",
            "permissions",
        ));
    }
    for (name, v) in [
        ("sql", "30d'; DROP TABLE api_keys; --"),
        ("date-like", "2026-13-45"),
        ("past", "2001-01-01"),
    ] {
        cases.push(json_case(
            &s,
            format!("create expires = {name}"),
            "POST",
            keys,
            k,
            json!({ "name": "n", "expires": v }),
            400,
            "invalid_input",
            "expiry",
        ));
    }
    // A login no account can have is a failed sign-in like any other (unknown logins are
    // not told apart); an empty one is missing.
    cases.push(json_case(
        &s,
        "auth login = empty".into(),
        "POST",
        "/v1/auth",
        None,
        json!({ "login": "", "password": "x" }),
        400,
        "invalid_input",
        "username",
    ));

    // The wrong JSON type, for every field of every body.
    let bodies: [(&str, &str, &str, Option<&str>, Value); 9] = [
        (
            "auth",
            "POST",
            "/v1/auth",
            None,
            json!({ "login": "bea", "password": "x" }),
        ),
        (
            "auth",
            "POST",
            "/v1/auth",
            None,
            json!({ "password": "x", "login": "bea" }),
        ),
        (
            "auth",
            "POST",
            "/v1/auth",
            None,
            json!({ "login": "bea", "password": "x", "code": "1" }),
        ),
        (
            "verify",
            "POST",
            "/v1/keys/verify",
            None,
            json!({ "key": "x" }),
        ),
        ("create", "POST", keys, k, json!({ "name": "n" })),
        (
            "create",
            "POST",
            keys,
            k,
            json!({ "name": "n", "expires": "30d" }),
        ),
        (
            "create",
            "POST",
            keys,
            k,
            json!({ "name": "n", "environment": "test" }),
        ),
        ("edit", "PATCH", &one, k, json!({ "name": "n" })),
        ("regenerate", "POST", &regen, k, json!({ "grace": "now" })),
    ];
    let fields = [
        "login",
        "password",
        "code",
        "key",
        "name",
        "expires",
        "environment",
        "name",
        "grace",
    ];
    for ((what, method, path, key, body), field) in bodies.iter().zip(fields) {
        for (t, wrong) in wrong_types() {
            let mut b = body.clone();
            b[field] = wrong;
            cases.push(json_case(
                &s,
                format!("{what} {field} = {t}"),
                method,
                path,
                *key,
                b,
                400,
                "invalid_input",
                &format!("body.{field}"),
            ));
        }
    }
    // Lists where a list belongs, of strings.
    cases.push(json_case(
        &s,
        "create permissions = string".into(),
        "POST",
        keys,
        k,
        json!({ "name": "n", "permissions": "keys:read" }),
        400,
        "invalid_input",
        "body.permissions",
    ));
    cases.push(json_case(
        &s,
        "create permissions = [number]".into(),
        "POST",
        keys,
        k,
        json!({ "name": "n", "permissions": [1] }),
        400,
        "invalid_input",
        "body.permissions[0]",
    ));
    cases.push(json_case(
        &s,
        "edit permissions = object".into(),
        "PATCH",
        &one,
        k,
        json!({ "permissions": {} }),
        400,
        "invalid_input",
        "body.permissions",
    ));
    // Closed sets.
    cases.push(json_case(
        &s,
        "create environment = prod".into(),
        "POST",
        keys,
        k,
        json!({ "name": "n", "environment": "prod" }),
        400,
        "invalid_input",
        "body.environment",
    ));
    cases.push(json_case(
        &s,
        "regenerate grace = 2d".into(),
        "POST",
        &regen,
        k,
        json!({ "grace": "2d" }),
        400,
        "invalid_input",
        "body.grace",
    ));
    // Extra and missing fields.
    for (what, method, path, key, body, extra) in [
        (
            "auth",
            "POST",
            "/v1/auth",
            None,
            json!({ "login": "bea", "password": "x" }),
            "admin",
        ),
        (
            "verify",
            "POST",
            "/v1/keys/verify",
            None,
            json!({ "key": "x" }),
            "account",
        ),
        ("create", "POST", keys, k, json!({ "name": "n" }), "owner"),
        (
            "create",
            "POST",
            keys,
            k,
            json!({ "name": "n" }),
            "revealable",
        ),
        (
            "edit",
            "PATCH",
            one.as_str(),
            k,
            json!({ "name": "n" }),
            "account_id",
        ),
        ("regenerate", "POST", regen.as_str(), k, json!({}), "secret"),
    ] {
        let mut b = body.clone();
        b[extra] = json!("x");
        cases.push(json_case(
            &s,
            format!("{what} with {extra}"),
            method,
            path,
            key,
            b,
            400,
            "invalid_input",
            &format!("body.{extra}"),
        ));
    }
    cases.push(json_case(
        &s,
        "auth without password".into(),
        "POST",
        "/v1/auth",
        None,
        json!({ "login": "bea" }),
        400,
        "invalid_input",
        "body",
    ));
    cases.push(json_case(
        &s,
        "verify without key".into(),
        "POST",
        "/v1/keys/verify",
        None,
        json!({}),
        400,
        "invalid_input",
        "body",
    ));
    cases.push(json_case(
        &s,
        "create without name".into(),
        "POST",
        keys,
        k,
        json!({ "expires": "7d" }),
        400,
        "invalid_input",
        "body",
    ));
    cases.push(json_case(
        &s,
        "edit with nothing".into(),
        "PATCH",
        &one,
        k,
        json!({}),
        400,
        "invalid_input",
        "body",
    ));
    cases.push(json_case(
        &s,
        "auth with login and username".into(),
        "POST",
        "/v1/auth",
        None,
        json!({ "login": "bea", "username": "bea", "password": "x" }),
        400,
        "invalid_input",
        "login",
    ));
    // Bodies that are not one JSON object.
    for (what, body) in [
        ("not JSON", &b"{nope"[..]),
        ("an array", b"[1]"),
        ("a string", b"\"key\""),
        ("two objects", b"{\"key\":\"x\"} {\"key\":\"y\"}"),
        ("not UTF-8", b"{\"key\":\"\xff\"}"),
        ("empty", b""),
        ("null", b"null"),
    ] {
        cases.push(Case {
            what: format!("verify body = {what}"),
            request: request(&s, "POST", "/v1/keys/verify", None, body),
            status: 400,
            code: "invalid_input",
            field: Some(
                if what == "not UTF-8" {
                    "body.key"
                } else {
                    "body"
                }
                .into(),
            ),
        });
    }
    // Key ids in the path.
    for (what, path) in [
        ("short", format!("{keys}/abc")),
        ("NUL", format!("{keys}/%00")),
        ("SQL", format!("{keys}/1'%20OR%201=1")),
        ("overlong", format!("{keys}/{}", "a".repeat(3000))),
        (
            "non-ASCII",
            format!("{keys}/%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9"),
        ),
    ] {
        cases.push(json_case(
            &s,
            format!("edit id = {what}"),
            "PATCH",
            &path,
            k,
            json!({ "name": "n" }),
            400,
            "invalid_input",
            "key id",
        ));
        cases.push(Case {
            what: format!("revoke id = {what}"),
            request: request(&s, "DELETE", &path, k, b""),
            status: 400,
            code: "invalid_input",
            field: Some("key id".into()),
        });
    }
    // Content types.
    let mut plain = request(&s, "POST", "/v1/keys/verify", None, br#"{"key":"x"}"#);
    let at = plain
        .windows(16)
        .position(|w| w == b"application/json")
        .unwrap();
    plain.splice(at..at + 16, b"text/plain".iter().copied());
    cases.push(Case {
        what: "verify as text/plain".into(),
        request: plain,
        status: 415,
        code: "unsupported_media_type",
        field: Some("body".into()),
    });
    // Headers and framing, where HTTP itself fixes the status.
    let host = s.addr.to_string();
    let framing: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        ("an API key in Latin-1", [format!("GET /v1/account HTTP/1.1\r\nHost: {host}\r\nX-API-Key: lk").into_bytes(), b"\xe9\r\nConnection: close\r\n\r\n".to_vec()].concat(), 401, "missing_key"),
        ("no API key", format!("GET /v1/account HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").into_bytes(), 401, "missing_key"),
        ("an unknown API key", format!("GET /v1/account HTTP/1.1\r\nHost: {host}\r\nX-API-Key: lk_live_x\r\nConnection: close\r\n\r\n").into_bytes(), 401, "invalid_key"),
        ("a huge header", format!("GET /v1/account HTTP/1.1\r\nHost: {host}\r\nX-Pad: {}\r\nConnection: close\r\n\r\n", "a".repeat(70_000)).into_bytes(), 431, "invalid_input"),
        ("an overlong API key", format!("GET /v1/account HTTP/1.1\r\nHost: {host}\r\nX-API-Key: lk_{}\r\nConnection: close\r\n\r\n", "a".repeat(20_000)).into_bytes(), 431, "invalid_input"),
        ("a control character in a header", format!("GET /v1/account HTTP/1.1\r\nHost: {host}\r\nX-API-Key: lk\u{1}x\r\nConnection: close\r\n\r\n").into_bytes(), 400, "invalid_input"),
        ("two Host headers", format!("GET /v1/account HTTP/1.1\r\nHost: {host}\r\nHost: evil.example\r\nConnection: close\r\n\r\n").into_bytes(), 400, "invalid_host"),
        ("a foreign Host", "GET /v1/account HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n".to_string().into_bytes(), 421, "invalid_host"),
        ("Content-Length and chunked", format!("POST /v1/keys/verify HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n").into_bytes(), 400, "invalid_input"),
        ("a Content-Length that is not a number", format!("POST /v1/keys/verify HTTP/1.1\r\nHost: {host}\r\nContent-Length: abc\r\nConnection: close\r\n\r\n").into_bytes(), 400, "invalid_input"),
        ("two different Content-Lengths", format!("POST /v1/keys/verify HTTP/1.1\r\nHost: {host}\r\nContent-Length: 3\r\nContent-Length: 4\r\nConnection: close\r\n\r\n{{}}  ").into_bytes(), 400, "invalid_input"),
        ("a body over 64 KiB", request(&s, "POST", "/v1/auth", None, json!({ "login": "bea", "password": "x".repeat(70_000) }).to_string().as_bytes()), 413, "body_too_large"),
        ("an overlong path", format!("GET /{} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n", "a".repeat(70_000)).into_bytes(), 431, "invalid_input"),
        ("not HTTP at all", b"\x00\x01\x02 HELLO\r\n\r\n".to_vec(), 400, "invalid_input"),
        ("HTTP/2 preface on HTTP/1.1", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec(), 505, "invalid_input"),
    ];
    for (what, bytes, status, code) in framing {
        cases.push(Case {
            what: what.into(),
            request: bytes,
            status,
            code,
            field: None,
        });
    }

    let mut failures = Vec::new();
    for c in &cases {
        let before = rows_but_audit(&s.db);
        let reply = raw(s.addr, &c.request).await;
        let after = rows_but_audit(&s.db);
        let (status, body) = parse(&reply);
        let e = &body["error"];
        let message = e["message"].as_str().unwrap_or_default();
        let mut wrong = Vec::new();
        if status != c.status {
            wrong.push(format!("status {status}, want {}", c.status));
        }
        if e["code"] != c.code {
            wrong.push(format!("code {}, want {}", e["code"], c.code));
        }
        if let Some(field) = &c.field {
            if e["field"] != field.as_str() {
                wrong.push(format!("field {}, want {field}", e["field"]));
            }
            if !message.starts_with(&format!("{field}: ")) {
                wrong.push("the message does not start with the field".into());
            }
        }
        if message.split_whitespace().count() < 3 || message.chars().count() > 200 {
            wrong.push("the message does not state a short rule".into());
        }
        if message.chars().any(char::is_control)
            || message.contains("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
        {
            wrong.push("the message echoes what was sent".into());
        }
        if reply.contains(&key) || reply.contains(latchkey_testkit::USER_PW) {
            wrong.push("a secret is in the reply".into());
        }
        if before != after {
            wrong.push(format!(
                "the store changed: {}",
                changed_tables(&before, &after).join(", ")
            ));
        }
        if !wrong.is_empty() {
            failures.push(format!("{}: {} ({message})", c.what, wrong.join("; ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    eprintln!("{} bad-input cases", cases.len());
    assert!(cases.len() >= 130, "{}", cases.len());
    // The key still works, with nothing about it changed.
    let v = s.verify(&key).await;
    assert_eq!(v["valid"], true);
}
