//! What the running app holds: the store, the signed-in session, secrets just issued
//! (until their dialog closes), the clipboard guard and the settings.

use crate::clipboard::Guard;
use crate::error::{CommandError, CommandResult};
use crate::save::SavePicker;
use crate::settings::Settings;
use latchkey_core::{ApiKeySecret, Latchkey, Session};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

pub struct Desk {
    /// The store, or why it could not be opened (shown in the window, not a panic).
    pub store: Result<Latchkey, CommandError>,
    pub session: Mutex<Option<Session>>,
    /// Secrets of keys issued in this session whose "shown once" dialog is still open,
    /// so Copy and Download can take a key id instead of the secret.
    pub fresh: Mutex<HashMap<String, ApiKeySecret>>,
    pub clipboard: Guard,
    /// A sign-in whose password was right and that waits for its MFA code.
    pub pending: Mutex<Option<latchkey_core::PendingSignIn>>,
    /// Recovery codes just issued, until their panel is closed (for Copy and Download).
    pub recovery_codes: Mutex<Option<latchkey_core::RecoveryCodes>>,
    pub settings: Mutex<Settings>,
    pub settings_path: PathBuf,
    pub picker: Box<dyn SavePicker>,
    pub api: crate::api_server::ApiServer,
}

pub type SharedDesk = Arc<Desk>;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Desk {
    pub fn lk(&self) -> CommandResult<&Latchkey> {
        self.store.as_ref().map_err(Clone::clone)
    }

    /// Runs `f` with the signed-in session.
    pub fn with_session<T>(
        &self,
        f: impl FnOnce(&Latchkey, &mut Session) -> CommandResult<T>,
    ) -> CommandResult<T> {
        let lk = self.lk()?;
        let mut guard = lock(&self.session);
        let session = guard.as_mut().ok_or_else(CommandError::not_signed_in)?;
        f(lk, session)
    }

    pub fn set_session(&self, s: Option<Session>) {
        *lock(&self.session) = s;
    }

    pub fn take_session(&self) -> Option<Session> {
        lock(&self.session).take()
    }

    pub fn remember(&self, id: &str, secret: ApiKeySecret) {
        lock(&self.fresh).insert(id.to_owned(), secret);
    }

    pub fn fresh_secret<T>(&self, id: &str, f: impl FnOnce(&ApiKeySecret) -> T) -> Option<T> {
        lock(&self.fresh).get(id).map(f)
    }

    pub fn forget(&self, id: &str) {
        lock(&self.fresh).remove(id);
    }

    /// Sign-out, lock and exit: drop the session (wiping its data key), every fresh
    /// secret, and our clipboard content.
    pub fn wipe(&self) -> bool {
        lock(&self.fresh).clear();
        lock(&self.pending).take();
        lock(&self.recovery_codes).take();
        self.clipboard.clear_if_ours(None)
    }

    pub fn set_pending(&self, p: Option<latchkey_core::PendingSignIn>) {
        *lock(&self.pending) = p;
    }

    pub fn take_pending(&self) -> Option<latchkey_core::PendingSignIn> {
        lock(&self.pending).take()
    }

    pub fn set_recovery_codes(&self, c: Option<latchkey_core::RecoveryCodes>) {
        *lock(&self.recovery_codes) = c;
    }

    pub fn recovery_codes_text(&self) -> Option<zeroize::Zeroizing<String>> {
        lock(&self.recovery_codes)
            .as_ref()
            .map(|c| zeroize::Zeroizing::new(c.0.join("\n")))
    }

    pub fn settings(&self) -> Settings {
        *lock(&self.settings)
    }

    pub fn set_settings(&self, s: Settings) -> CommandResult<Settings> {
        let s = s.validate()?;
        s.save(&self.settings_path)?;
        *lock(&self.settings) = s;
        Ok(s)
    }
}
