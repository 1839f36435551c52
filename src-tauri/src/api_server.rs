//! The loopback JSON API served by the app itself, when turned on in Settings. It opens
//! its own handle on the store (SQLite in WAL mode lets the window, the CLI and this
//! server share it) and stops when turned off or when the app exits.

use crate::error::{CommandError, CommandResult};
use latchkey_core::api_url_for;
use latchkey_core::Code;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;

struct Running {
    port: u16,
    stop: oneshot::Sender<()>,
}

#[derive(Default)]
pub struct ApiServer(Mutex<Option<Running>>);

/// Whether the app serves the JSON API now, and at which address.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct ApiStatus {
    pub running: bool,
    pub url: Option<String>,
}

impl ApiServer {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Running>> {
        crate::state::lock(&self.0)
    }

    pub fn status(&self) -> ApiStatus {
        let port = self.lock().as_ref().map(|r| r.port);
        ApiStatus {
            running: port.is_some(),
            url: port.map(api_url_for),
        }
    }

    pub fn stop(&self) {
        if let Some(r) = self.lock().take() {
            let _ = r.stop.send(());
        }
    }

    /// Starts serving on 127.0.0.1:`port` (restarting if it runs on another port).
    pub async fn start(&self, store: PathBuf, port: u16) -> CommandResult<ApiStatus> {
        if self.lock().as_ref().is_some_and(|r| r.port == port) {
            return Ok(self.status());
        }
        // Bind the new port before stopping the old server: a port that cannot be used
        // leaves the API where it was.
        let listener = latchkey_api::bind(port).await.map_err(|e| {
            CommandError::new(
                Code::InvalidInput,
                format!("API port: 127.0.0.1:{port} cannot be used ({e}); choose another port"),
            )
            .with_field("api_port")
        })?;
        let lk = tauri::async_runtime::spawn_blocking(move || {
            latchkey_core::Latchkey::open_to_serve(
                &latchkey_core::store::Location::File(store),
                port,
            )
        })
        .await
        .map_err(|e| crate::error::task_failed("opening the store for the JSON API", &e))??;
        self.stop();
        let (tx, rx) = oneshot::channel::<()>();
        tauri::async_runtime::spawn(async move {
            let stopped = async {
                let _ = rx.await;
            };
            if let Err(e) = latchkey_api::serve_with_shutdown(listener, Arc::new(lk), stopped).await
            {
                eprintln!("latchkey: the JSON API stopped: {e}");
            }
        });
        *self.lock() = Some(Running { port, stop: tx });
        Ok(self.status())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    fn free_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }

    fn get(port: u16, path: &str) -> std::io::Result<String> {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port))?;
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
        )?;
        let mut out = String::new();
        s.read_to_string(&mut out)?;
        Ok(out)
    }

    #[test]
    fn starts_on_the_chosen_port_refuses_a_busy_one_and_stops() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("s.db");
        let server = ApiServer::default();
        let port = free_port();
        let status = tauri::async_runtime::block_on(server.start(store.clone(), port)).unwrap();
        assert_eq!(status.url.as_deref(), Some(api_url_for(port).as_str()));
        let reply = get(port, "/openapi.json").unwrap();
        assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
        assert!(reply.contains("\"openapi\""));

        // A port another program holds is refused, naming the field; the old one keeps serving.
        let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let busy_port = busy.local_addr().unwrap().port();
        let e = tauri::async_runtime::block_on(server.start(store, busy_port)).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("api_port"));
        assert_eq!(
            server.status().url.as_deref(),
            Some(api_url_for(port).as_str())
        );
        assert!(get(port, "/openapi.json")
            .unwrap()
            .starts_with("HTTP/1.1 200"));
        drop(busy);

        server.stop();
        // Stopping is a message to the server's task: give a busy machine time to act on it.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while get(port, "/openapi.json").is_ok() {
            assert!(
                std::time::Instant::now() < deadline,
                "still serving 20 s after stop"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
}
