//! What the running app holds: the store, the signed-in session, secrets just issued
//! (until their dialog closes), the clipboard guard and the settings.

use crate::clipboard::{Board, ClearOutcome, Guard};
use crate::error::{CommandError, CommandResult};
use crate::idle::Activity;
use crate::save::SavePicker;
use crate::settings::Settings;
use latchkey_core::{ApiKeySecret, IssuedInvitation, Latchkey, Session};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

pub struct Desk {
    /// The store, or why it could not be opened (shown in the window, not a panic).
    pub store: Result<Latchkey, CommandError>,
    pub session: Mutex<Option<Session>>,
    /// Secrets of keys issued in this session whose "shown once" dialog is still open,
    /// so Copy and Download can take a key id instead of the secret.
    pub fresh: Mutex<HashMap<String, ApiKeySecret>>,
    /// Invitation codes just issued, by invitation id, while their dialog is open (for
    /// Copy and "Send by email").
    pub invitations: Mutex<HashMap<String, IssuedInvitation>>,
    pub clipboard: Guard,
    /// A sign-in whose password was right and that waits for its MFA code.
    pub pending: Mutex<Option<latchkey_core::PendingSignIn>>,
    /// Recovery codes just issued, until their panel is closed (for Copy and Download).
    pub recovery_codes: Mutex<Option<latchkey_core::RecoveryCodes>>,
    pub settings: Mutex<Settings>,
    pub settings_path: PathBuf,
    pub picker: Box<dyn SavePicker>,
    pub api: crate::api_server::ApiServer,
    /// When the person last did something: a command, or input the window reported.
    pub activity: Activity,
}

/// A session ended by the idle deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdleLock {
    /// Whether a signed-in session ended (not only a half-done MFA sign-in).
    pub signed_in: bool,
    pub clipboard: ClearOutcome,
}

pub type SharedDesk = Arc<Desk>;

/// A mutex's guard even after a panic elsewhere poisoned it: what it guards stays usable.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Desk {
    pub fn new(
        store: Result<Latchkey, CommandError>,
        board: Option<Box<dyn Board>>,
        settings_path: PathBuf,
        picker: Box<dyn SavePicker>,
    ) -> Desk {
        Desk {
            store,
            session: Mutex::new(None),
            fresh: Mutex::new(HashMap::new()),
            invitations: Mutex::new(HashMap::new()),
            pending: Mutex::new(None),
            recovery_codes: Mutex::new(None),
            clipboard: Guard::new(board),
            settings: Mutex::new(Settings::load(&settings_path)),
            settings_path,
            picker,
            api: crate::api_server::ApiServer::default(),
            activity: Activity::new(),
        }
    }

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
        let session = guard.as_mut().ok_or_else(crate::error::not_signed_in)?;
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

    pub fn remember_invitation(&self, issued: IssuedInvitation) {
        lock(&self.invitations).insert(issued.invitation.id.clone(), issued);
    }

    /// `f` on an invitation code issued in this session whose dialog is still open.
    pub fn fresh_invitation<T>(
        &self,
        id: &str,
        f: impl FnOnce(&IssuedInvitation) -> T,
    ) -> Option<T> {
        lock(&self.invitations).get(id).map(f)
    }

    pub fn forget_invitation(&self, id: &str) {
        lock(&self.invitations).remove(id);
    }

    /// Before a sign-in and at exit: drop every fresh secret and invitation code, a pending sign-in and
    /// the recovery codes on screen, and clear our clipboard content.
    pub fn wipe(&self) -> ClearOutcome {
        lock(&self.fresh).clear();
        lock(&self.invitations).clear();
        lock(&self.pending).take();
        lock(&self.recovery_codes).take();
        self.clipboard.clear_if_ours(None)
    }

    /// Sign-out and lock: [`Desk::wipe`], then drop the session, which wipes its
    /// unwrapped data key.
    pub fn end_session(&self) -> CommandResult<ClearOutcome> {
        let outcome = self.wipe();
        if let Some(s) = self.take_session() {
            self.lk()?.sign_out(s)?;
        }
        Ok(outcome)
    }

    /// Ends the session if nothing happened for `limit`. Rust keeps this deadline, not
    /// the window: a frozen or hidden webview cannot keep a session open.
    pub fn lock_if_idle(&self, limit: Duration) -> Option<IdleLock> {
        if self.activity.idle_for() < limit {
            return None;
        }
        self.lock_now()
    }

    /// Ends the session now, as the idle lock does (the data key dropped, our clipboard
    /// content cleared): for Lock now, the screen locking and the machine going to sleep.
    /// `None` when nobody was signed in or signing in.
    pub fn lock_now(&self) -> Option<IdleLock> {
        let signed_in = lock(&self.session).is_some();
        if !signed_in && lock(&self.pending).is_none() {
            return None;
        }
        let clipboard = match self.end_session() {
            Ok(outcome) => outcome,
            Err(e) => {
                // The session is gone all the same; only the audit entry may be missing.
                eprintln!("latchkey: lock: {}", e.message);
                ClearOutcome::Nothing
            }
        };
        Some(IdleLock {
            signed_in,
            clipboard,
        })
    }

    /// The idle deadline from Settings.
    pub fn idle_limit(&self) -> Duration {
        Duration::from_secs(u64::from(self.settings().idle_lock_mins) * 60)
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
