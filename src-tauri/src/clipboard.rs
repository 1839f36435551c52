//! Copying secrets: one long-lived system clipboard, content marked to stay out of
//! clipboard history, and cleared later only if it still holds what Latchkey put there.

use sha2::{Digest, Sha256};
use std::sync::Mutex;
use subtle::ConstantTimeEq;

/// The system clipboard, reduced to what the guard needs (a fake in tests).
pub trait Board: Send {
    fn set_secret(&mut self, text: &str) -> Result<(), String>;
    fn get_text(&mut self) -> Option<String>;
    fn clear(&mut self) -> Result<(), String>;
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
        set.text(text.to_owned()).map_err(|e| e.to_string())
    }

    fn get_text(&mut self) -> Option<String> {
        self.0.get_text().ok()
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
        self.0.lock().unwrap_or_else(|p| p.into_inner())
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
    /// if no later copy happened). Returns whether it cleared.
    pub fn clear_if_ours(&self, generation: Option<u64>) -> bool {
        let mut inner = self.lock();
        if generation.is_some_and(|g| g != inner.generation) {
            return false;
        }
        let Some(ours) = inner.ours else {
            return false;
        };
        let Some(board) = inner.board.as_mut() else {
            return false;
        };
        let still_ours = board
            .get_text()
            .is_some_and(|now| bool::from(digest(&now).ct_eq(&ours)));
        let cleared = still_ours && board.clear().is_ok();
        inner.ours = None;
        cleared
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
    use std::sync::{Arc, Mutex as M};

    #[derive(Clone, Default)]
    struct Fake(Arc<M<Option<String>>>);
    impl Board for Fake {
        fn set_secret(&mut self, t: &str) -> Result<(), String> {
            *self.0.lock().unwrap() = Some(t.to_owned());
            Ok(())
        }
        fn get_text(&mut self) -> Option<String> {
            self.0.lock().unwrap().clone()
        }
        fn clear(&mut self) -> Result<(), String> {
            *self.0.lock().unwrap() = None;
            Ok(())
        }
    }

    #[test]
    fn clears_only_what_is_still_ours() {
        let fake = Fake::default();
        let g = Guard::new(Some(Box::new(fake.clone())));
        let gen = g.copy("lk_live_one").unwrap();
        assert_eq!(fake.0.lock().unwrap().as_deref(), Some("lk_live_one"));
        assert!(g.clear_if_ours(Some(gen)));
        assert_eq!(*fake.0.lock().unwrap(), None);

        // The user copied something else meanwhile: leave it alone.
        let gen = g.copy("lk_live_two").unwrap();
        *fake.0.lock().unwrap() = Some("my shopping list".into());
        assert!(!g.clear_if_ours(Some(gen)));
        assert_eq!(fake.0.lock().unwrap().as_deref(), Some("my shopping list"));
    }

    #[test]
    fn an_old_timer_does_not_clear_a_newer_copy() {
        let fake = Fake::default();
        let g = Guard::new(Some(Box::new(fake.clone())));
        let first = g.copy("lk_live_one").unwrap();
        g.copy("lk_live_two").unwrap();
        assert!(!g.clear_if_ours(Some(first)));
        assert_eq!(fake.0.lock().unwrap().as_deref(), Some("lk_live_two"));
        // Lock and exit clear regardless of generation.
        assert!(g.clear_if_ours(None));
        assert!(!g.holds_ours());
    }

    #[test]
    fn no_clipboard_is_an_error_not_a_panic() {
        let g = Guard::new(None);
        assert!(g.copy("x").is_err());
        assert!(!g.clear_if_ours(None));
    }
}
