//! The idle lock. The deadline lives here, in Rust: every command counts as activity,
//! the window reports input with `touch_activity` (throttled), and a timer ends the
//! session once the idle time from Settings has passed — whatever the webview does.

use crate::state::{lock, IdleLock, SharedDesk};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// When the person last did something.
pub struct Activity(Mutex<Instant>);

impl Activity {
    pub fn new() -> Self {
        Activity(Mutex::new(Instant::now()))
    }

    pub fn touch(&self) {
        *lock(&self.0) = Instant::now();
    }

    pub fn idle_for(&self) -> Duration {
        lock(&self.0).elapsed()
    }

    #[cfg(test)]
    pub fn at(&self) -> Instant {
        *lock(&self.0)
    }
}

impl Default for Activity {
    fn default() -> Self {
        Self::new()
    }
}

/// How often the deadline is checked: the lock comes at most this late.
pub const TICK: Duration = Duration::from_secs(1);

/// Checks the deadline every `tick` for as long as the app runs; `on_lock` tells the
/// window (and, in tests, the test) when a session ended.
pub async fn watch(
    desk: SharedDesk,
    tick: Duration,
    limit: impl Fn(&crate::state::Desk) -> Duration + Send,
    on_lock: impl Fn(IdleLock) + Send,
) {
    let mut timer = tokio::time::interval(tick);
    timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        timer.tick().await;
        let limit = limit(&desk);
        let d = desk.clone();
        // Signing out writes the audit log: off the async threads.
        let ended = tauri::async_runtime::spawn_blocking(move || d.lock_if_idle(limit)).await;
        if let Ok(Some(ended)) = ended {
            on_lock(ended);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clipboard::ClearOutcome;
    use crate::testkit;

    #[test]
    fn activity_postpones_the_lock() {
        let kit = testkit::signed_in();
        kit.desk.activity.touch();
        assert_eq!(kit.desk.lock_if_idle(Duration::from_secs(3600)), None);
        assert!(kit.desk.with_session(|_, _| Ok(())).is_ok());
        assert!(kit.board.text().is_some());
        // The deadline comes from Settings (15 minutes unless changed).
        assert_eq!(kit.desk.idle_limit(), Duration::from_secs(15 * 60));
    }

    #[test]
    fn the_timer_ends_an_idle_session_and_clears_our_clipboard() {
        let kit = testkit::signed_in();
        let (tx, rx) = std::sync::mpsc::channel();
        tauri::async_runtime::spawn(watch(
            kit.desk.clone(),
            Duration::from_millis(10),
            |_| Duration::from_millis(50),
            move |ended| {
                let _ = tx.send(ended);
            },
        ));
        let ended = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the idle timer fired");
        assert_eq!(
            ended,
            IdleLock {
                signed_in: true,
                clipboard: ClearOutcome::Cleared
            }
        );
        // The session (and its data key) is gone: commands answer not_signed_in.
        let e = kit.desk.with_session(|_, _| Ok(())).unwrap_err();
        assert_eq!(e.code, "not_signed_in");
        assert_eq!(kit.board.text(), None, "our key left the clipboard");
        // Nothing is left to lock, so it does not fire again.
        assert!(rx.recv_timeout(Duration::from_millis(200)).is_err());
    }

    #[test]
    fn what_someone_else_copied_survives_the_lock() {
        let kit = testkit::signed_in();
        kit.board.put("my shopping list");
        let ended = kit.desk.lock_if_idle(Duration::ZERO).unwrap();
        assert_eq!(ended.clipboard, ClearOutcome::Replaced);
        assert_eq!(kit.board.text().as_deref(), Some("my shopping list"));
        assert_eq!(
            kit.desk.lock_if_idle(Duration::ZERO),
            None,
            "already locked"
        );
    }
}
