//! `verify` on PostgreSQL over loopback with 100 000 keys, beside its floor measured in the
//! same run through the same driver: one SHA-256 of the key plus one prepared lookup of
//! the same row by digest.
//!
//!     cargo bench -p latchkey-core --features postgres --bench verify_pg
//!
//! The store is seeded on SQLite through the engine (as `verify` does), then moved to a
//! throwaway PostgreSQL cluster the bench starts itself with `latchkey store copy`'s code.

use criterion::{criterion_group, criterion_main, Criterion};
use latchkey_core::store::{Location, Missing};
use latchkey_core::{Latchkey, SystemClock};
use sha2::{Digest, Sha256};
use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

mod common;

fn bench(c: &mut Criterion) {
    let f = common::fixture();
    let cluster = latchkey_testkit::pg::Cluster::get();
    let url = cluster.database();
    let started = Instant::now();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    latchkey_core::store::copy::copy(
        &Location::File(f.dir.path().join("bench.db")),
        &Location::Postgres(url.clone()),
        now,
    )
    .unwrap();
    eprintln!("copied to PostgreSQL in {:.1?}", started.elapsed());
    cluster.sql(url.rsplit('/').next().unwrap(), "VACUUM ANALYZE");
    let lk = Latchkey::open_at(
        &Location::Postgres(url.clone()),
        Arc::new(SystemClock),
        Missing::Refuse,
    )
    .unwrap();
    let mut raw = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let st = raw
        .prepare("SELECT id, account_id FROM api_keys WHERE digest = $1")
        .unwrap();

    let mut g = c.benchmark_group("verify_100k_keys_postgres");
    let mut i = 0usize;
    g.bench_function("baseline_sha256_plus_prepared_lookup", |b| {
        b.iter(|| {
            i = (i + 1) % f.keys.len();
            let d: [u8; 32] = Sha256::digest(f.keys[i].as_bytes()).into();
            let row = raw.query_one(&st, &[&d.as_slice()]).unwrap();
            let out: (String, i64) = (row.get(0), row.get(1));
            black_box(out)
        })
    });
    g.bench_function("latchkey_verify", |b| {
        b.iter(|| {
            i = (i + 1) % f.keys.len();
            let v = lk.verify(black_box(&f.keys[i])).unwrap();
            assert!(v.valid);
            black_box(v)
        })
    });
    // As a server calls it: the last use queued for the background writer.
    g.bench_function("latchkey_verify_deferring_last_use", |b| {
        b.iter(|| {
            i = (i + 1) % f.keys.len();
            let v = lk.verify_deferring_last_use(black_box(&f.keys[i])).unwrap();
            assert!(v.valid);
            black_box(v)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
