//! What a durable commit costs. The engine commits with `synchronous=FULL` (the WAL is
//! synced before a commit is acknowledged); this measures one audited write through the
//! engine as shipped (a key rename: check, update, audit entry), and the same two
//! statements committed through a plain connection under FULL and under NORMAL, in the
//! same run, on the same file.
//!
//!     cargo bench -p latchkey-core --bench durability

use criterion::{criterion_group, criterion_main, Criterion};
use latchkey_core::{Environment, Expiry, KeyEdit, Latchkey, NewAccount, NewKey, Password};
use std::hint::black_box;

const PW: &str = "correct horse battery staple";

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.db");
    let lk = Latchkey::open(&path).unwrap();
    lk.init(
        &NewAccount {
            username: "admin".into(),
            ..Default::default()
        },
        &Password::new(PW),
    )
    .unwrap();
    let admin = lk.sign_in("admin", &Password::new(PW)).unwrap().session;
    let key = lk
        .create_key(
            &admin,
            &NewKey {
                name: "bench".into(),
                permissions: vec!["keys:read".into()],
                environment: Environment::Live,
                expiry: Expiry::Days(90),
                revealable: false,
            },
        )
        .unwrap();
    let id = key.key.id.clone();
    let mut g = c.benchmark_group("one_write");
    let mut n = 0u64;
    g.bench_function("engine_key_rename_full", |b| {
        b.iter(|| {
            n += 1;
            let edit = KeyEdit {
                name: Some(format!("bench {n}")),
                permissions: None,
            };
            black_box(lk.edit_key(&admin, &id, &edit).unwrap())
        })
    });
    for mode in ["FULL", "NORMAL"] {
        let raw = rusqlite::Connection::open(&path).unwrap();
        raw.pragma_update(None, "journal_mode", "WAL").unwrap();
        raw.pragma_update(None, "synchronous", mode).unwrap();
        g.bench_function(format!("plain_update_and_audit_insert_{mode}"), |b| {
            b.iter(|| {
                n += 1;
                raw.execute_batch("BEGIN IMMEDIATE").unwrap();
                raw.execute(
                    "UPDATE api_keys SET name = ?1, name_key = ?1 WHERE id = ?2",
                    rusqlite::params![format!("bench {n}"), id.0],
                )
                .unwrap();
                raw.execute(
                    "INSERT INTO audit_log (at, actor_id, actor, action, target, outcome)
                     VALUES (?1, 1, 'admin', 'key.edited', ?2, 'ok')",
                    rusqlite::params![n as i64, format!("key {}", id.0)],
                )
                .unwrap();
                raw.execute_batch("COMMIT").unwrap();
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50);
    targets = bench
}
criterion_main!(benches);
