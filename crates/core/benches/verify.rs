//! `verify` with 100 000 keys in the store, beside its floor measured in the same run:
//! one SHA-256 of the key plus one indexed SQLite lookup by that digest. Also the cost
//! of one sign-in (argon2id at the policy's parameters).
//!
//!     cargo bench -p latchkey-core --bench verify

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use latchkey_core::Password;
use sha2::{Digest, Sha256};
use std::hint::black_box;

mod common;

use common::{fixture, PW};

fn bench(c: &mut Criterion) {
    let f = fixture();
    let mut g = c.benchmark_group("verify_100k_keys");
    let mut i = 0usize;
    g.bench_function("baseline_sha256_plus_indexed_lookup", |b| {
        let mut st = f
            .raw
            .prepare_cached("SELECT id, account_id FROM api_keys WHERE digest = ?1")
            .unwrap();
        b.iter(|| {
            i = (i + 1) % f.keys.len();
            let d: [u8; 32] = Sha256::digest(f.keys[i].as_bytes()).into();
            let row: (String, i64) = st
                .query_row([d.as_slice()], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap();
            black_box(row)
        })
    });
    g.bench_function("latchkey_verify", |b| {
        b.iter(|| {
            i = (i + 1) % f.keys.len();
            let v = f.lk.verify(black_box(&f.keys[i])).unwrap();
            assert!(v.valid);
            black_box(v)
        })
    });
    // As the JSON API calls it on an async worker: the thread's own reader connection,
    // last use queued for the background writer.
    g.bench_function("latchkey_verify_without_waiting", |b| {
        b.iter(|| {
            i = (i + 1) % f.keys.len();
            let v = f.lk.verify_without_waiting(black_box(&f.keys[i])).unwrap();
            assert!(v.valid);
            black_box(v)
        })
    });
    g.bench_function("latchkey_verify_malformed", |b| {
        b.iter(|| {
            black_box(
                f.lk.verify(black_box("lk_live_0000000000000000000000000000000000XX"))
                    .unwrap(),
            )
        })
    });
    g.finish();

    let mut g = c.benchmark_group("sign_in");
    g.sample_size(10);
    g.bench_function("argon2id_owasp_sign_in", |b| {
        b.iter_batched(
            || Password::new(PW),
            |pw| black_box(f.lk.sign_in("user0", &pw).unwrap()),
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
