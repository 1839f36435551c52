//! What a server answering on async workers relies on: verification that never waits for
//! a lock, agrees with `verify`, sees every commit at once, and records last use later;
//! and the API address key files name.

mod common;

/// A verification as the JSON API makes it on an async worker: the read that never waits,
/// and, where the store cannot answer that way (PostgreSQL's client blocks: always
/// `Busy`), the same read from a thread that may wait.
fn served(lk: &Latchkey, key: &str) -> Result<Verification> {
    match lk.verify_without_waiting(key) {
        Err(Error::Busy) if lk.is_postgres() => lk.verify_deferring_last_use(key),
        v => v,
    }
}

use latchkey_core::*;
use std::sync::Arc;

#[test]
fn verifying_without_waiting_agrees_with_verify_and_sees_each_revocation_at_once() {
    let w = common::world();
    let s = w.admin();
    let issued =
        w.lk.create_key(&s, &common::key("k", &["keys:read", "account:read"]))
            .unwrap();
    let secret = issued.secret.expose();
    let server = w.reopen();
    let a = served(&server, secret).unwrap();
    let b = w.lk.verify(secret).unwrap();
    assert_eq!(a, b);
    assert!(a.valid);
    assert_eq!(common::perms(&a), ["account:read", "keys:read"]);
    for bad in ["", "lk_live_nope", "not a key at all"] {
        assert_eq!(served(&server, bad).unwrap(), w.lk.verify(bad).unwrap());
    }

    // Another handle (another process, for SQLite) revokes; the very next verification
    // on the server's warm reader connection sees it.
    w.lk.revoke_key(&s, &issued.key.id).unwrap();
    let v = served(&server, secret).unwrap();
    assert_eq!((v.valid, v.reason), (false, Reason::Revoked));
    assert!(v.permissions.is_empty());
}

#[test]
fn effective_permissions_follow_the_accounts_groups_at_once() {
    let w = common::world();
    let admin = w.admin();
    w.lk.create_group(
        &admin,
        "writers",
        &["keys:read".into(), "keys:write".into()],
    )
    .unwrap();
    let ada = w.user("ada", &["writers"]);
    let issued =
        w.lk.create_key(&ada, &common::key("k", &["keys:read", "keys:write"]))
            .unwrap();
    let server = w.reopen();
    let secret = issued.secret.expose();
    assert_eq!(
        common::perms(&served(&server, secret).unwrap()),
        ["keys:read", "keys:write"]
    );
    w.lk.set_group_permissions(&admin, "writers", &["keys:read".into()])
        .unwrap();
    let v = served(&server, secret).unwrap();
    assert!(v.valid);
    assert_eq!(common::perms(&v), ["keys:read"]);
}

#[test]
fn last_use_is_recorded_later_and_at_most_once_a_minute() {
    let w = common::world();
    let s = w.admin();
    let issued = w.lk.create_key(&s, &common::key("k", &[])).unwrap();
    let server = w.reopen();
    assert!(served(&server, issued.secret.expose()).unwrap().valid);
    server.flush_last_used();
    let first = w.lk.list_keys(&s).unwrap()[0].last_used_at;
    assert!(first.is_some());

    // Within the minute: nothing new to write. After it: the newer time.
    w.clock.advance(time::Duration::seconds(30));
    server
        .verify_deferring_last_use(issued.secret.expose())
        .unwrap();
    server.flush_last_used();
    assert_eq!(w.lk.list_keys(&s).unwrap()[0].last_used_at, first);
    w.clock.advance(time::Duration::seconds(31));
    served(&server, issued.secret.expose()).unwrap();
    // Dropping the handle writes what is queued too.
    drop(server);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while w.lk.list_keys(&s).unwrap()[0].last_used_at == first {
        assert!(std::time::Instant::now() < deadline, "never written");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(
        w.lk.list_keys(&s).unwrap()[0].last_used_at,
        Some(w.clock.now().replace_nanosecond(0).unwrap())
    );
}

#[test]
fn many_threads_verify_without_waiting_while_another_handle_writes() {
    let w = common::world();
    let s = w.admin();
    let keys: Vec<String> = (0..8)
        .map(|i| {
            w.lk.create_key(&s, &common::key(&format!("k{i}"), &["keys:read"]))
                .unwrap()
                .secret
                .expose()
                .to_owned()
        })
        .collect();
    let server = Arc::new(w.reopen());
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let readers: Vec<_> = (0..6)
        .map(|t| {
            let (server, stop, keys) = (server.clone(), stop.clone(), keys.clone());
            std::thread::spawn(move || {
                let mut n = 0u64;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let key = &keys[(t + n as usize) % keys.len()];
                    let v = match served(&server, key) {
                        Err(Error::Busy) => server.verify_deferring_last_use(key).unwrap(),
                        other => other.unwrap(),
                    };
                    assert!(v.valid, "{:?}", v.reason);
                    n += 1;
                }
                n
            })
        })
        .collect();
    for i in 0..30 {
        w.lk.create_key(&s, &common::key(&format!("churn {i}"), &[]))
            .unwrap();
        w.clock.advance(time::Duration::seconds(61));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let total: u64 = readers.into_iter().map(|r| r.join().unwrap()).sum();
    assert!(total > 0);
}

#[test]
fn key_files_name_where_the_api_was_last_served() {
    let w = common::world();
    assert_eq!(w.lk.key_file_api_url(), DEFAULT_API_URL);
    // Whoever starts serving records it; every other handle on the store sees it.
    let serving = Latchkey::open_to_serve(&w.location, 9123).unwrap();
    assert_eq!(serving.api_url(), "http://127.0.0.1:9123");
    assert_eq!(w.lk.key_file_api_url(), "http://127.0.0.1:9123");
    w.reopen().record_api_port(7272).unwrap();
    assert_eq!(w.lk.key_file_api_url(), "http://127.0.0.1:7272");
    let e = w.lk.record_api_port(0).unwrap_err();
    assert_eq!(e.field(), Some("port"));
    assert_eq!(w.lk.key_file_api_url(), "http://127.0.0.1:7272");
}

#[test]
fn on_postgresql_the_read_that_never_waits_hands_over_to_one_that_may() {
    let w = common::world();
    let s = w.admin();
    let issued = w.lk.create_key(&s, &common::key("k", &[])).unwrap();
    let v = w.lk.verify_without_waiting(issued.secret.expose());
    if w.is_postgres() {
        assert!(matches!(v, Err(Error::Busy)), "{v:?}");
    } else {
        assert!(v.unwrap().valid);
    }
    // Malformed keys never reach the store, on either engine.
    assert_eq!(
        w.lk.verify_without_waiting("lk_live_nope").unwrap().reason,
        Reason::Malformed
    );
}
