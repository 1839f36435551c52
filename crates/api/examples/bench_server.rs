//! The API server as `scripts/bench-api.sh` measures it: the real router and guards, plus
//! one extra route, `POST /bench/baseline`, a trivial handler on the same stack (same
//! middleware, same body handling, same runtime) that answers a constant JSON object.
//!
//!     cargo run --release -p latchkey-api --example bench_server -- DB SAMPLE_FILE [KEYS]
//!
//! Seeds the store at DB (if it is new) with KEYS keys (default 100 000: 100 accounts ×
//! 1 000 keys) through the core, writes SAMPLE_FILE with 1 000 of their secrets spread
//! over the whole set, then serves on a free 127.0.0.1 port and prints its URL on stdout.

use axum::routing::post;
use axum::Json;
use latchkey_core::{Environment, Expiry, Latchkey, NewAccount, NewKey, Password};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

const PW: &str = "bench passphrase, not a secret";
const PER_ACCOUNT: usize = 1000;
const SAMPLE: usize = 1000;

fn seed(lk: &Latchkey, total: usize) -> Vec<String> {
    let started = Instant::now();
    lk.init(
        &NewAccount {
            username: "admin".into(),
            ..Default::default()
        },
        &Password::new(PW),
    )
    .unwrap();
    let admin = lk.sign_in("admin", &Password::new(PW)).unwrap().session;
    lk.create_group(
        &admin,
        "staff",
        &["keys:read".into(), "account:read".into()],
    )
    .unwrap();
    let accounts = total.div_ceil(PER_ACCOUNT);
    let every = (total / SAMPLE).max(1);
    let mut sample = Vec::with_capacity(SAMPLE);
    let mut n = 0;
    for a in 0..accounts {
        let name = format!("user{a}");
        lk.create_account(
            &admin,
            &NewAccount {
                username: name.clone(),
                groups: vec!["staff".into()],
                ..Default::default()
            },
            &Password::new(PW),
        )
        .unwrap();
        let s = lk.sign_in(&name, &Password::new(PW)).unwrap().session;
        for k in 0..PER_ACCOUNT.min(total - n) {
            let issued = lk
                .create_key(
                    &s,
                    &NewKey {
                        name: format!("key {k}"),
                        permissions: vec!["keys:read".into()],
                        environment: Environment::Live,
                        expiry: Expiry::Days(90),
                        revealable: false,
                    },
                )
                .unwrap();
            if n % every == 0 && sample.len() < SAMPLE {
                sample.push(issued.secret.expose().to_owned());
            }
            n += 1;
        }
    }
    eprintln!(
        "seeded {n} keys in {accounts} accounts in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    sample
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(db), Some(sample_file)) = (args.next(), args.next()) else {
        eprintln!("usage: bench_server DB SAMPLE_FILE [KEYS]");
        std::process::exit(2);
    };
    let total: usize = args.next().map_or(100_000, |n| n.parse().expect("KEYS"));
    let db = PathBuf::from(db);
    let lk = Latchkey::open(&db).unwrap();
    if !lk.is_initialized().unwrap() {
        let sample = tokio::task::block_in_place(|| seed(&lk, total));
        let mut f = std::fs::File::create(&sample_file).unwrap();
        for key in sample {
            writeln!(f, "{key}").unwrap();
        }
    }

    let app = latchkey_api::guarded(latchkey_api::routes(Arc::new(lk)).route(
        "/bench/baseline",
        post(|| async { Json(serde_json::json!({ "ok": true })) }),
    ));
    let listener = latchkey_api::bind(0).await.unwrap();
    println!("http://{}", listener.local_addr().unwrap());
    std::io::stdout().flush().unwrap();
    latchkey_api::serve_router(listener, app, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .unwrap();
}
