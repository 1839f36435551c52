//! For the unit tests: a desk on a fresh store, a fake clipboard and no save dialog.

use crate::clipboard::Board;
use crate::state::{Desk, SharedDesk};
use latchkey_core::clock::ManualClock;
use latchkey_core::{Password, SignInStep};
use std::sync::{Arc, Mutex};
use zeroize::Zeroizing;

pub const USER: &str = "admin";
pub const PASSWORD: &str = latchkey_testkit::ADMIN_PW;

#[derive(Default)]
struct Clip {
    text: Option<String>,
    /// Reads or clears fail, like a clipboard that is busy or gone.
    fail_read: bool,
    fail_clear: bool,
}

/// A clipboard in memory.
#[derive(Clone, Default)]
pub struct Fake(Arc<Mutex<Clip>>);

impl Fake {
    pub fn text(&self) -> Option<String> {
        self.0.lock().unwrap().text.clone()
    }
    pub fn put(&self, t: &str) {
        self.0.lock().unwrap().text = Some(t.to_owned());
    }
    pub fn fail_read(&self, fail: bool) {
        self.0.lock().unwrap().fail_read = fail;
    }
    pub fn fail_clear(&self, fail: bool) {
        self.0.lock().unwrap().fail_clear = fail;
    }
}

impl Board for Fake {
    fn set_secret(&mut self, t: &str) -> Result<(), String> {
        self.put(t);
        Ok(())
    }
    fn get_text(&mut self) -> Result<Option<Zeroizing<String>>, String> {
        let c = self.0.lock().unwrap();
        if c.fail_read {
            return Err("the clipboard is busy".into());
        }
        Ok(c.text.clone().map(Zeroizing::new))
    }
    fn clear(&mut self) -> Result<(), String> {
        let mut c = self.0.lock().unwrap();
        if c.fail_clear {
            return Err("cannot clear".into());
        }
        c.text = None;
        Ok(())
    }
}

struct NoDialog;
impl crate::save::SavePicker for NoDialog {
    fn pick(&self, _: &tauri::AppHandle, _: &crate::save::SaveAs) -> Option<std::path::PathBuf> {
        None
    }
}

pub struct Kit {
    pub desk: SharedDesk,
    pub board: Fake,
    pub clock: Arc<ManualClock>,
    /// Holds the store's directory until the test ends.
    pub _dir: tempfile::TempDir,
}

/// A desk on a fresh store (the shared [`latchkey_testkit::Lab`]) with one
/// administrator, not signed in.
pub fn desk() -> Kit {
    let latchkey_testkit::Lab { dir, clock, lk, .. } = latchkey_testkit::lab();
    let board = Fake::default();
    let desk = Arc::new(Desk::new(
        Ok(lk),
        Some(Box::new(board.clone())),
        dir.path().join("config/settings.json"),
        Box::new(NoDialog),
    ));
    Kit {
        desk,
        board,
        clock,
        _dir: dir,
    }
}

/// As [`desk`], signed in, with a key of ours on the clipboard.
pub fn signed_in() -> Kit {
    let kit = desk();
    let lk = kit.desk.lk().unwrap();
    let SignInStep::Done(signed) = lk.begin_sign_in(USER, &Password::new(PASSWORD)).unwrap() else {
        panic!("no MFA on a fresh account");
    };
    kit.desk.set_session(Some(signed.session));
    kit.desk
        .clipboard
        .copy("lk_live_0123456789abcdefghij")
        .unwrap();
    kit
}
