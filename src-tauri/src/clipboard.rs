//! Copying secrets: one long-lived system clipboard, content marked to stay out of
//! clipboard history, and cleared later only if it still holds what Latchkey put there.

use sha2::{Digest, Sha256};
use std::sync::Mutex;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// The system clipboard, reduced to what the guard needs (a fake in tests).
pub trait Board: Send {
    fn set_secret(&mut self, text: &str) -> Result<(), String>;
    /// The text there now; `Ok(None)` when it is empty or holds no text (an image).
    fn get_text(&mut self) -> Result<Option<Zeroizing<String>>, String>;
    fn clear(&mut self) -> Result<(), String>;
}

/// What became of our content when a timer, a lock or exit came to clear it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClearOutcome {
    /// It was still ours, and now the clipboard is empty.
    Cleared,
    /// Another app (or the person) put something else there; it was left alone.
    Replaced,
    /// Ours may still be there: reading or clearing the clipboard failed.
    Failed,
    /// Nothing to do: we hold nothing, or (for a timer) a later copy owns the clipboard.
    Nothing,
}

impl ClearOutcome {
    /// The `reason` of the `clipboard-cleared` event, if there is anything to tell;
    /// `cleared_as` names what cleared it ("timer", "lock").
    pub fn event_reason(self, cleared_as: &'static str) -> Option<&'static str> {
        match self {
            ClearOutcome::Cleared => Some(cleared_as),
            ClearOutcome::Replaced => Some("replaced"),
            ClearOutcome::Failed => Some("failed"),
            ClearOutcome::Nothing => None,
        }
    }
}

/// The real clipboard. It must live as long as the app: on X11 the content is served by
/// the process that set it, and a dropped `arboard::Clipboard` takes it along.
pub struct SystemBoard(arboard::Clipboard);

impl SystemBoard {
    pub fn open() -> Result<Self, String> {
        arboard::Clipboard::new()
            .map(SystemBoard)
            .map_err(|e| e.to_string())
    }
}

impl Board for SystemBoard {
    fn set_secret(&mut self, text: &str) -> Result<(), String> {
        let set = self.0.set();
        #[cfg(all(
            unix,
            not(any(target_os = "macos", target_os = "android", target_os = "emscripten"))
        ))]
        let set = {
            use arboard::SetExtLinux;
            set.exclude_from_history()
        };
        #[cfg(target_os = "macos")]
        let set = {
            use arboard::SetExtApple;
            set.exclude_from_history()
        };
        #[cfg(windows)]
        let set = {
            use arboard::SetExtWindows;
            set.exclude_from_history()
        };
        // Borrowed: arboard keeps its own copy to serve, we make none.
        set.text(text).map_err(|e| e.to_string())
    }

    fn get_text(&mut self) -> Result<Option<Zeroizing<String>>, String> {
        match self.0.get_text() {
            Ok(t) => Ok(Some(Zeroizing::new(t))),
            Err(arboard::Error::ContentNotAvailable) => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }

    fn clear(&mut self) -> Result<(), String> {
        self.0.clear().map_err(|e| e.to_string())
    }
}

struct Inner {
    board: Option<Box<dyn Board>>,
    /// Bumped on every copy, so an old timer cannot clear a newer copy.
    generation: u64,
    /// SHA-256 of what we put there; the secret itself is not kept for the comparison.
    ours: Option<[u8; 32]>,
}

pub struct Guard(Mutex<Inner>);

fn digest(s: &str) -> [u8; 32] {
    Sha256::digest(s.as_bytes()).into()
}

impl Guard {
    pub fn new(board: Option<Box<dyn Board>>) -> Self {
        Guard(Mutex::new(Inner {
            board,
            generation: 0,
            ours: None,
        }))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        crate::state::lock(&self.0)
    }

    /// Puts `secret` on the clipboard; returns the generation for the clear timer.
    pub fn copy(&self, secret: &str) -> Result<u64, String> {
        let mut inner = self.lock();
        let board = inner
            .board
            .as_mut()
            .ok_or_else(|| "no clipboard is available on this desktop".to_owned())?;
        board.set_secret(secret)?;
        inner.generation += 1;
        inner.ours = Some(digest(secret));
        Ok(inner.generation)
    }

    /// Clears the clipboard if it still holds our content (and, with `generation`, only
    /// if no later copy happened), and says what became of it.
    pub fn clear_if_ours(&self, generation: Option<u64>) -> ClearOutcome {
        let mut inner = self.lock();
        if generation.is_some_and(|g| g != inner.generation) {
            return ClearOutcome::Nothing;
        }
        let Some(ours) = inner.ours else {
            return ClearOutcome::Nothing;
        };
        let Some(board) = inner.board.as_mut() else {
            return ClearOutcome::Nothing;
        };
        let outcome = match board.get_text() {
            Ok(Some(now)) if bool::from(digest(&now).ct_eq(&ours)) => match board.clear() {
                Ok(()) => ClearOutcome::Cleared,
                Err(_) => ClearOutcome::Failed,
            },
            Ok(_) => ClearOutcome::Replaced,
            Err(_) => ClearOutcome::Failed,
        };
        // After a failure ours may still be there: a lock or exit tries again.
        if outcome != ClearOutcome::Failed {
            inner.ours = None;
        }
        outcome
    }

    /// Whether a copy of ours is pending a clear.
    #[cfg(test)]
    pub fn holds_ours(&self) -> bool {
        self.lock().ours.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::Fake;

    #[test]
    fn clears_only_what_is_still_ours() {
        let fake = Fake::default();
        let g = Guard::new(Some(Box::new(fake.clone())));
        let gen = g.copy("lk_live_one").unwrap();
        assert_eq!(fake.text().as_deref(), Some("lk_live_one"));
        assert_eq!(g.clear_if_ours(Some(gen)), ClearOutcome::Cleared);
        assert_eq!(fake.text(), None);

        // The user copied something else meanwhile: leave it alone, and say so.
        let gen = g.copy("lk_live_two").unwrap();
        fake.put("my shopping list");
        assert_eq!(g.clear_if_ours(Some(gen)), ClearOutcome::Replaced);
        assert_eq!(fake.text().as_deref(), Some("my shopping list"));
        // Told once: there is nothing of ours left to clear.
        assert_eq!(g.clear_if_ours(None), ClearOutcome::Nothing);
    }

    #[test]
    fn an_old_timer_does_not_clear_a_newer_copy() {
        let fake = Fake::default();
        let g = Guard::new(Some(Box::new(fake.clone())));
        let first = g.copy("lk_live_one").unwrap();
        g.copy("lk_live_two").unwrap();
        assert_eq!(g.clear_if_ours(Some(first)), ClearOutcome::Nothing);
        assert_eq!(fake.text().as_deref(), Some("lk_live_two"));
        // Lock and exit clear regardless of generation.
        assert_eq!(g.clear_if_ours(None), ClearOutcome::Cleared);
        assert!(!g.holds_ours());
    }

    #[test]
    fn a_failed_read_or_clear_is_reported_and_tried_again_later() {
        let fake = Fake::default();
        let g = Guard::new(Some(Box::new(fake.clone())));
        let gen = g.copy("lk_live_one").unwrap();
        fake.fail_read(true);
        assert_eq!(g.clear_if_ours(Some(gen)), ClearOutcome::Failed);
        assert!(g.holds_ours(), "still ours to clear on lock or exit");
        fake.fail_read(false);
        fake.fail_clear(true);
        assert_eq!(g.clear_if_ours(None), ClearOutcome::Failed);
        assert_eq!(fake.text().as_deref(), Some("lk_live_one"));
        fake.fail_clear(false);
        assert_eq!(g.clear_if_ours(None), ClearOutcome::Cleared);
        assert_eq!(fake.text(), None);
    }

    #[test]
    fn each_outcome_has_its_event_reason() {
        assert_eq!(ClearOutcome::Cleared.event_reason("timer"), Some("timer"));
        assert_eq!(ClearOutcome::Cleared.event_reason("lock"), Some("lock"));
        assert_eq!(
            ClearOutcome::Replaced.event_reason("timer"),
            Some("replaced")
        );
        assert_eq!(ClearOutcome::Failed.event_reason("lock"), Some("failed"));
        assert_eq!(ClearOutcome::Nothing.event_reason("timer"), None);
    }

    #[test]
    fn no_clipboard_is_an_error_not_a_panic() {
        let g = Guard::new(None);
        assert!(g.copy("x").is_err());
        assert_eq!(g.clear_if_ours(None), ClearOutcome::Nothing);
    }
}
