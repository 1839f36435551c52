//! The Latchkey engine.
//!
//! [`Latchkey`] is the one entry point: the CLI, the JSON API and the desktop window each
//! parse their input, call one method here, and map one [`Error`]. Every rule (who may do
//! what, what a valid key is, what must be audited) lives in this crate, so no adapter can
//! skip one. It has no dependency on Tauri, GTK or any display.

// Leaf modules: no rule, no store.
pub mod avatar;
pub mod clock;
mod crypto;
pub mod error;
pub mod ids;
pub mod keyfile;
pub mod keyformat;
pub mod log;
pub mod model;
pub mod password;
pub mod permissions;
pub mod secret;
pub mod validate;

// The storage layer: every SQL statement.
pub mod store;

// Who is acting, and the audit writer every rule records through.
pub mod audit;
pub mod session;
mod throttle;

// The rules.
mod account_key;
pub mod accounts;
pub mod auth;
pub mod backup;
pub mod groups;
pub mod invitations;
pub mod keys;
pub mod mfa;
pub mod org;
pub mod policy;
pub mod scan;
mod serving;
pub mod verify;

pub use accounts::{Account, NewAccount, ProfileUpdate, Recovered};
pub use audit::{AuditEvent, AuditFilter, AuditPage, ExportFormat};
pub use backup::{BackedUp, RestoreReport};
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{Category, Code, Error, ErrorBody, Result, Unviewable};
pub use groups::{Access, Group, GroupImpact, PermissionInfo, ResourceImpact};
pub use ids::{AccountId, GroupId, KeyId};
pub use invitations::{Invitation, IssuedInvitation, NewInvitation};
pub use keyfile::KeyFile;
pub use keyformat::KeyKind;
pub use keys::{
    Environment, Expiry, Grace, IssuedKey, KeyEdit, KeyInfo, KeyQuota, KeyStatus, KeyUse, NewKey,
};
pub use mfa::{Enrollment, Factor, MfaStatus, RecoveryCodes};
pub use model::invitation::{InvitationPreview, InvitationStatus};
pub use model::org::Country;
pub use org::Organisation;
pub use permissions::{Action, Permission, PermissionSet};
pub use policy::{Argon2Params, Policy, PolicyUpdate};
pub use scan::{Finding, LeakStatus, Scan, Scanner};
pub use secret::{ApiKeySecret, Password};
pub use serving::api_url_for;
pub use session::{AfterFailedCode, PendingSignIn, Session, SignIn, SignInStep};
pub use verify::{Reason, Verification};

use std::path::Path;
use std::sync::Arc;
use time::OffsetDateTime;

/// The default address of the loopback JSON API, written into key files.
pub const DEFAULT_API_URL: &str = "http://127.0.0.1:7171";

/// An open store and the clock its rules are judged by.
#[derive(Debug)]
pub struct Latchkey {
    store: Arc<store::Store>,
    clock: Arc<dyn Clock>,
    api_url: String,
    step_up_window: time::Duration,
    last_use: verify::LastUseQueue,
}

impl Latchkey {
    /// Opens (creating if needed) the store at `path`, on the system clock.
    pub fn open(path: &Path) -> Result<Self> {
        Self::open_with_clock(path, Arc::new(SystemClock))
    }

    pub fn open_with_clock(path: &Path, clock: Arc<dyn Clock>) -> Result<Self> {
        Self::open_as(path, clock, store::Missing::Create)
    }

    /// Opens the store at `path` only if there is one: never creates a new, empty store
    /// (for a mistyped path, a clear error naming it instead).
    pub fn open_existing(path: &Path) -> Result<Self> {
        Self::open_as(path, Arc::new(SystemClock), store::Missing::Refuse)
    }

    fn open_as(path: &Path, clock: Arc<dyn Clock>, missing: store::Missing) -> Result<Self> {
        Self::open_at(&store::Location::File(path.to_path_buf()), clock, missing)
    }

    /// Opens the store at `location` (a file, or a PostgreSQL database), creating it only
    /// when `missing` says so.
    pub fn open_at(
        location: &store::Location,
        clock: Arc<dyn Clock>,
        missing: store::Missing,
    ) -> Result<Self> {
        let store = store::Store::open_at(location, clock::to_unix(clock.now()), missing)?;
        Ok(Latchkey {
            store: Arc::new(store),
            clock,
            api_url: DEFAULT_API_URL.to_owned(),
            step_up_window: session::STEP_UP_WINDOW,
            last_use: Default::default(),
        })
    }

    /// The API address written into key files (set by whoever serves the API).
    pub fn set_api_url(&mut self, url: impl Into<String>) {
        self.api_url = url.into();
    }

    /// How long a proof of identity lets sensitive actions through (10 minutes unless an
    /// end-to-end test build shortens it to see the prompt; it can only be shortened).
    pub fn shorten_step_up_window(&mut self, to: time::Duration) {
        self.step_up_window = self.step_up_window.min(to.max(time::Duration::ZERO));
    }

    pub fn api_url(&self) -> &str {
        &self.api_url
    }

    /// The store's file, or its PostgreSQL URL without the password.
    pub fn path(&self) -> &Path {
        self.store.path()
    }

    /// Whether the store is a PostgreSQL database (else an SQLite file).
    pub fn is_postgres(&self) -> bool {
        self.store.is_postgres()
    }

    pub(crate) fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    pub(crate) fn now_unix(&self) -> i64 {
        clock::to_unix(self.clock.now())
    }

    /// True once the first administrator exists.
    pub fn is_initialized(&self) -> Result<bool> {
        self.store.read(store::accounts::any)
    }
}
