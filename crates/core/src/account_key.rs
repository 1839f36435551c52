//! The account key's whole life (seed 003): every administrator has exactly one, created
//! with the account (or at the first sign-in after being made an administrator), holding
//! all of the account's permissions, viewable after step-up, reset but never deleted, and
//! stopped when its account stops being an administrator.

use crate::audit::{record, Entry};
use crate::keyformat::KeyKind;
use crate::keys::{key_target, mint};
use crate::model::key::{IssuedKey, KeyInfo};
use crate::permissions::{Action, PermissionSet};
use crate::secret::{ApiKeySecret, KeyBytes};
use crate::session::Session;
use crate::store::{self, Tx};
use crate::{Error, KeyId, Latchkey, Result};

/// What every account key is called.
pub const ACCOUNT_KEY_NAME: &str = "Account key";

/// Makes an account key for `account_id`, sealed under its data key so its owner can view
/// it again; returns its id and secret.
pub(crate) fn create(
    tx: &mut Tx<'_>,
    account_id: i64,
    data_key: &KeyBytes,
    now: i64,
) -> Result<(KeyId, ApiKeySecret)> {
    // An account key's permissions are read from the account at each use, never stored.
    mint(
        tx,
        account_id,
        ACCOUNT_KEY_NAME,
        KeyKind::Acct,
        &PermissionSet::new(),
        None,
        Some(data_key),
        now,
    )
}

/// The account is no longer an administrator: its account key stops at `now`.
pub(crate) fn stop(tx: &mut Tx<'_>, account_id: i64, now: i64) -> Result<()> {
    store::keys::revoke_account_keys(tx, account_id, now)
}

impl Latchkey {
    /// The administrator's account key (its description).
    pub fn account_key(&self, session: &Session) -> Result<KeyInfo> {
        self.guarded(session, "account_key.read", None, || {
            let now = self.now_unix();
            self.store.read(|tx| {
                let actor = self.actor(tx, session)?;
                actor.require("keys", Action::Read)?;
                actor.require_admin()?;
                let id = store::keys::account_key(tx, actor.id)?
                    .ok_or_else(|| Error::NotFound("account key".into()))?;
                store::keys::load_info(tx, &id, now)
            })
        })
    }

    /// Shows the account key's secret, after step-up.
    pub fn reveal_account_key(&self, session: &Session) -> Result<ApiKeySecret> {
        let info = self.account_key(session)?;
        self.reveal_key(session, &info.id)
    }

    /// Replaces the account key with a new one; the old one stops at once. Needs step-up.
    pub fn reset_account_key(&self, session: &Session) -> Result<IssuedKey> {
        self.audited(session, "account_key.reset", None, |audit| {
            self.require_fresh_proof(session)?;
            let now = self.now_unix();
            let (id, secret) = audit.write(now, |tx, actor, entry| {
                actor.require("keys", Action::Write)?;
                actor.require_admin()?;
                let old = store::keys::account_key(tx, actor.id)?;
                if let Some(old) = &old {
                    store::keys::revoke(tx, old, now)?;
                }
                let (id, secret) = create(tx, actor.id, session.data_key()?, now)?;
                if let Some(old) = &old {
                    store::keys::replace(tx, old, now, &id)?;
                }
                entry.target = key_target(&id, ACCOUNT_KEY_NAME);
                Ok((id, secret))
            })?;
            let key = self.store.read(|tx| store::keys::load_info(tx, &id, now))?;
            Ok(IssuedKey::new(key, secret))
        })
    }

    /// Gives an administrator without an account key (newly promoted) its key, at sign-in,
    /// when its data key can be unwrapped.
    pub(crate) fn ensure_account_key(&self, session: &Session) -> Result<()> {
        let now = self.now_unix();
        self.store.write(|tx| {
            let actor = self.actor(tx, session)?;
            if !actor.is_admin || store::keys::account_key(tx, actor.id)?.is_some() {
                return Ok(());
            }
            let (id, _secret) = create(tx, actor.id, session.data_key()?, now)?;
            record(
                tx,
                now,
                Entry::ok(
                    actor.tag(),
                    "account_key.created",
                    key_target(&id, ACCOUNT_KEY_NAME),
                ),
            )
        })
    }
}
