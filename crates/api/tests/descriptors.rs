//! The server near the process's descriptor limit. In a file (so a process) of its own:
//! the test lowers the limit for the whole process.
#![cfg(unix)]

use serde_json::{json, Value};
use std::time::Duration;

fn open_descriptors() -> usize {
    ["/proc/self/fd", "/dev/fd"]
        .iter()
        .find_map(|dir| std::fs::read_dir(dir).ok().map(Iterator::count))
        .expect("the open descriptors are listed")
}

fn soft_limit() -> libc::rlimit {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct it is given.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) }, 0);
    lim
}

fn set_soft_limit(lim: libc::rlimit) {
    // SAFETY: setrlimit reads the struct it is given.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) }, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn idle_connections_beyond_the_descriptor_limit_do_not_stop_verification() {
    let lab = latchkey_testkit::lab();
    let admin_key = lab.admin_key.clone();
    let lk = std::sync::Arc::new(lab.lk);
    let listener = latchkey_api::bind(0).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let http = reqwest::Client::builder().no_proxy().build().unwrap();

    // 150 connections that never send a thing, queued before the server starts.
    let idle: Vec<_> = (0..150)
        .map(|_| std::net::TcpStream::connect(addr).unwrap())
        .collect();
    // From here on the process may open only a few dozen more descriptors: far fewer
    // than the idle connections it is asked to accept.
    let saved = soft_limit();
    let mut tight = saved;
    tight.rlim_cur = (open_descriptors() + 48) as libc::rlim_t;
    set_soft_limit(tight);

    tokio::spawn(latchkey_api::serve(listener, lk));
    let verified = tokio::time::timeout(Duration::from_secs(60), async {
        http.post(format!("http://{addr}/v1/keys/verify"))
            .json(&json!({ "key": admin_key }))
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
    })
    .await;
    set_soft_limit(saved);
    let v = verified.expect("verification answered while idle connections filled the server");
    assert_eq!(v["valid"], true);
    drop(idle);
}
