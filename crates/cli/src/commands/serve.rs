//! `latchkey serve`: the loopback JSON API until Ctrl-C or SIGTERM.

use latchkey_core::store::{Location, Missing};
use latchkey_core::{Error, Latchkey, SystemClock};
use serde_json::json;
use std::sync::Arc;

/// Serves the API. The address goes to stdout (so a script that asked for port 0 can
/// read it), the notes to stderr.
pub fn run(location: &Location, port: u16, json_mode: bool) -> Result<(), Error> {
    let mut lk = Latchkey::open_at(location, Arc::new(SystemClock), Missing::Refuse)?;
    if !lk.is_initialized()? {
        return Err(Error::NotInitialized);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let listener = rt
        .block_on(latchkey_api::bind(port))
        .map_err(|e| Error::Io(format!("cannot listen on 127.0.0.1:{port}: {e}")))?;
    // Key files saved from now on, by any process, name this address.
    if let Err(e) = lk.serving_on(listener.local_addr()?.port()) {
        eprintln!(
            "Note: key files will not name this address: the store could not record it ({e})."
        );
    }
    let url = lk.api_url().to_owned();
    let lk = std::sync::Arc::new(lk);
    rt.block_on(async move {
        if json_mode {
            println!("{}", json!({ "listening": url, "store": lk.path() }));
        } else {
            println!("{url}");
            eprintln!(
                "Serving the Latchkey API for {} (OpenAPI document at {url}/openapi.json). Ctrl-C stops it.",
                lk.path().display()
            );
        }
        latchkey_api::serve_with_shutdown(listener, lk, stop_signal())
            .await
            .map_err(Error::from)
    })
}

async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
