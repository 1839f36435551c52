//! The administrator's policy: anyone may read it; changing it needs an administrator
//! with a fresh proof of identity.

use crate::session::Session;
use crate::store;
use crate::{Latchkey, Result};

pub use crate::model::policy::{Argon2Params, Policy, PolicyUpdate};

impl Latchkey {
    /// The current policy; anyone may read it (the window shows the password rule).
    pub fn policy(&self) -> Result<Policy> {
        self.store.read(store::policy::load)
    }

    /// How long one sign-in's password work takes on this machine at `params` (two
    /// argon2 runs: the hash and the data key's unwrapping), measured now, so an
    /// administrator sees the cost before choosing them. Administrators; the parameters
    /// must be valid (never below OWASP's).
    pub fn argon2_cost(&self, session: &Session, params: Argon2Params) -> Result<u64> {
        let params = params.validate()?;
        self.store
            .read(|tx| self.actor(tx, session)?.require_admin())?;
        let pw = crate::Password::new("a password of ordinary length");
        let started = std::time::Instant::now();
        crate::password::hash(&pw, params)?;
        // The data key's unwrapping costs the same again.
        Ok((started.elapsed().as_millis() as u64).saturating_mul(2))
    }

    /// Changes the policy (administrators, with a fresh proof of identity). The change is
    /// applied to the policy as it is inside the transaction that saves it.
    pub fn set_policy(&self, session: &Session, update: &PolicyUpdate) -> Result<Policy> {
        self.audited(session, "policy.changed", None, |audit| {
            self.require_fresh_proof(session)?;
            audit.write(self.now_unix(), |tx, actor, entry| {
                actor.require_admin()?;
                let after = update.apply(store::policy::load(tx)?)?;
                store::policy::save(tx, &after)?;
                entry.detail = format!(
                    "min password length {}; max key lifetime {}; never-expiring keys {}; max active keys {}; argon2 {}",
                    after.min_password_length,
                    after.max_key_lifetime_days.map_or("none".into(), |d| format!("{d} days")),
                    if after.never_allowed() { "allowed" } else { "not allowed" },
                    after.max_active_keys.map_or("no limit".into(), |n| n.to_string()),
                    after.argon2
                );
                Ok(after)
            })
        })
    }
}
