//! The audit page's query with 100 000 entries in the log (each seeded key creation
//! writes one), beside its floor measured in the same run: the newest page read straight
//! from the table by its primary key, with no filter, no session and no access rule.
//!
//!     cargo bench -p latchkey-core --bench audit

use criterion::{criterion_group, criterion_main, Criterion};
use latchkey_core::{AuditFilter, Password};
use std::hint::black_box;

mod common;

use common::{fixture, PW};

const PAGE: u32 = 50;

/// One audit row as the baseline reads it: id, at, actor, action, target, outcome, detail.
type Row = (
    i64,
    i64,
    Option<String>,
    String,
    Option<String>,
    String,
    Option<String>,
);

fn bench(c: &mut Criterion) {
    let f = fixture();
    let admin = f.lk.sign_in("admin", &Password::new(PW)).unwrap().session;
    let member = f.lk.sign_in("user42", &Password::new(PW)).unwrap().session;
    let entries: i64 = f
        .raw
        .query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))
        .unwrap();
    eprintln!("audit entries: {entries}");
    let page = |filter: AuditFilter| AuditFilter {
        limit: Some(PAGE),
        ..filter
    };
    let mut g = c.benchmark_group("audit_page_100k_entries");
    g.bench_function("baseline_newest_page_by_primary_key", |b| {
        let mut st = f
            .raw
            .prepare_cached(
                "SELECT id, at, actor, action, target, outcome, detail FROM audit_log
                 ORDER BY id DESC LIMIT ?1",
            )
            .unwrap();
        b.iter(|| {
            let rows: Vec<Row> = st
                .query_map([PAGE + 1], |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                    ))
                })
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            black_box(rows)
        })
    });
    g.bench_function("first_page_administrator", |b| {
        b.iter(|| {
            let p =
                f.lk.audit_page(&admin, &page(AuditFilter::default()))
                    .unwrap();
            assert_eq!(p.events.len(), PAGE as usize);
            black_box(p)
        })
    });
    // One account's key creations whose name contains "key 9": about 111 of the 100 000.
    let filtered = page(AuditFilter {
        actor: Some("user42".into()),
        action: Some("key.".into()),
        outcome: Some("ok".into()),
        target: Some("key 9".into()),
        ..Default::default()
    });
    g.bench_function("filtered_page_actor_action_outcome_target", |b| {
        b.iter(|| {
            let p = f.lk.audit_page(&admin, &filtered).unwrap();
            assert_eq!(p.events.len(), PAGE as usize);
            black_box(p)
        })
    });
    let second = {
        let first = f.lk.audit_page(&admin, &filtered).unwrap();
        page(AuditFilter {
            before: first.events.last().map(|e| e.id),
            ..filtered.clone()
        })
    };
    g.bench_function("filtered_second_page", |b| {
        b.iter(|| black_box(f.lk.audit_page(&admin, &second).unwrap()))
    });
    g.bench_function("your_activity_member_first_page", |b| {
        b.iter(|| {
            let p =
                f.lk.audit_page(&member, &page(AuditFilter::default()))
                    .unwrap();
            assert_eq!(p.events.len(), PAGE as usize);
            black_box(p)
        })
    });
    // The worst case: a filter nothing matches reads every entry before it can say so.
    let nothing = page(AuditFilter {
        target: Some("no such target".into()),
        ..Default::default()
    });
    g.bench_function("filter_matching_nothing", |b| {
        b.iter(|| {
            let p = f.lk.audit_page(&admin, &nothing).unwrap();
            assert!(p.events.is_empty());
            black_box(p)
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = bench
}
criterion_main!(benches);
