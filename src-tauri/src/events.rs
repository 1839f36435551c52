//! What Rust tells the window on its own (a session locked, the clipboard cleared), as
//! answers to one long-poll command rather than Tauri's `emit`.
//!
//! Why not `emit`: on Linux every Tauri event, and every `listen` the window makes, is a
//! script that the app runs in the page (`webkit_web_view_run_javascript`), and receiving
//! its result starts a JavaScript engine in the app's own process: 3–4 MiB of memory for
//! the life of the app, to register two listeners (BENCHMARKS.md, "Desktop"). A command's
//! answer travels over Tauri's IPC protocol instead, as plain bytes.

use serde::Serialize;
use std::collections::VecDeque;
use std::sync::Mutex;
use tauri::{AppHandle, Manager};
use tokio::sync::Notify;

use crate::commands::{ClipboardCleared, SessionLocked};

/// How many recent events are kept for a window that is between two polls. The window
/// asks again as soon as an answer arrives, so it is never more than a few behind.
const KEPT: usize = 32;

/// One thing Rust tells the window.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(tag = "event", content = "payload", rename_all = "kebab-case")]
pub enum DesktopEvent {
    SessionLocked(SessionLocked),
    ClipboardCleared(ClipboardCleared),
}

/// The answer to `desktop_events`: what happened after the window's cursor, and the
/// cursor to send next time.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct EventBatch {
    pub cursor: u64,
    pub events: Vec<DesktopEvent>,
}

#[derive(Default)]
struct Recent {
    /// The number of the last event published (0: none yet).
    last: u64,
    events: VecDeque<(u64, DesktopEvent)>,
}

/// The events published so far (the last [`KEPT`]), and the windows waiting for the next.
#[derive(Default)]
pub struct Events {
    recent: Mutex<Recent>,
    published: Notify,
}

impl Events {
    fn recent(&self) -> std::sync::MutexGuard<'_, Recent> {
        // The lock is never held across anything that can panic.
        self.recent.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn publish(&self, event: DesktopEvent) {
        let mut r = self.recent();
        r.last += 1;
        let n = r.last;
        r.events.push_back((n, event));
        if r.events.len() > KEPT {
            r.events.pop_front();
        }
        drop(r);
        self.published.notify_waiters();
    }

    /// Events after `cursor`, waiting for the next one when there are none. No cursor: the
    /// current one at once, with no events (a window that has just loaded starts from
    /// now, not from what was said to the page before it).
    pub async fn after(&self, cursor: Option<u64>) -> EventBatch {
        loop {
            // Registered before looking, so a publish in between is not missed.
            let next = self.published.notified();
            tokio::pin!(next);
            next.as_mut().enable();
            {
                let r = self.recent();
                let Some(cursor) = cursor else {
                    return EventBatch {
                        cursor: r.last,
                        events: Vec::new(),
                    };
                };
                // A cursor from before a restart of the app is ahead of it: start over.
                let cursor = if cursor > r.last { 0 } else { cursor };
                if cursor < r.last {
                    let events = r
                        .events
                        .iter()
                        .filter(|(n, _)| *n > cursor)
                        .map(|(_, e)| e.clone())
                        .collect();
                    return EventBatch {
                        cursor: r.last,
                        events,
                    };
                }
            }
            next.await;
        }
    }
}

/// Tells the window, if there is one.
pub fn publish(app: &AppHandle, event: DesktopEvent) {
    if let Some(events) = app.try_state::<Events>() {
        events.publish(event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Duration;

    fn locked(reason: &'static str) -> DesktopEvent {
        DesktopEvent::SessionLocked(SessionLocked {
            reason,
            idle_lock_mins: None,
        })
    }

    fn reasons(b: &EventBatch) -> Vec<&'static str> {
        b.events
            .iter()
            .map(|e| match e {
                DesktopEvent::SessionLocked(l) => l.reason,
                DesktopEvent::ClipboardCleared(c) => c.reason,
            })
            .collect()
    }

    #[tokio::test]
    async fn a_new_window_starts_from_now_and_then_hears_each_event_once() {
        let hub = Events::default();
        hub.publish(locked("idle"));
        let start = hub.after(None).await;
        assert_eq!((start.cursor, start.events.len()), (1, 0));

        hub.publish(locked("manual"));
        hub.publish(DesktopEvent::ClipboardCleared(ClipboardCleared {
            reason: "lock",
        }));
        let b = hub.after(Some(start.cursor)).await;
        assert_eq!(reasons(&b), ["manual", "lock"]);
        assert_eq!(b.cursor, 3);
    }

    #[tokio::test]
    async fn a_waiting_window_wakes_when_something_is_published() {
        let hub = Arc::new(Events::default());
        let waiting = tokio::spawn({
            let hub = hub.clone();
            async move { hub.after(Some(0)).await }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiting.is_finished(), "answered with nothing to say");
        hub.publish(locked("screen"));
        let b = tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("not woken")
            .unwrap();
        assert_eq!(reasons(&b), ["screen"]);
    }

    #[tokio::test]
    async fn only_the_last_events_are_kept_and_a_cursor_from_another_run_starts_over() {
        let hub = Events::default();
        for _ in 0..KEPT + 5 {
            hub.publish(locked("idle"));
        }
        assert_eq!(hub.after(Some(0)).await.events.len(), KEPT);
        let b = hub.after(Some(1000)).await;
        assert_eq!((b.cursor, b.events.len()), (KEPT as u64 + 5, KEPT));
    }

    #[test]
    fn the_window_sees_the_event_name_and_its_payload() {
        let json = serde_json::to_value(locked("sleep")).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"event": "session-locked", "payload": {"reason": "sleep", "idle_lock_mins": null}})
        );
    }
}
