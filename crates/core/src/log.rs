//! Diagnostics for whoever runs Latchkey: off unless `LATCHKEY_LOG` says otherwise
//! (`LATCHKEY_LOG=debug`, or a filter such as `latchkey::store=trace`), written to
//! standard error. This is where the detail behind a user's "the store could not complete
//! this" goes; a person or program using Latchkey never sees it.

/// The environment variable holding the log filter.
pub const ENV: &str = "LATCHKEY_LOG";

/// Starts logging as `LATCHKEY_LOG` asks; without it nothing is logged. Adapters call it
/// once at start; later calls do nothing.
pub fn init() {
    let Ok(filter) = std::env::var(ENV) else {
        return;
    };
    if filter.trim().is_empty() {
        return;
    }
    let filter = tracing_subscriber::EnvFilter::try_new(filter.trim())
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
