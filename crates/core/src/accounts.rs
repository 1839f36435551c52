//! Accounts: the first administrator, profiles, disabling, roles, passwords and avatars.

use crate::audit::{record, Entry};
use crate::auth::dek_aad;
use crate::model::key::IssuedKey;
use crate::permissions::Action;
use crate::secret::Password;
use crate::session::{Actor, Session, NOTICE_MFA_RESET, NOTICE_SECRETS_LOST};
use crate::store::{self, Tx};
use crate::{account_key, crypto, password, validate, Error, Latchkey, Result};

pub use crate::model::account::{Account, NewAccount, ProfileUpdate};

/// Validated, normalised form of a new account.
pub(crate) struct CleanAccount {
    pub(crate) username: String,
    pub(crate) first_name: String,
    pub(crate) last_name: String,
    pub(crate) email: Option<String>,
}

fn clean(new: &NewAccount) -> Result<CleanAccount> {
    Ok(CleanAccount {
        username: validate::username(&new.username)?,
        first_name: validate::person_name("first name", &new.first_name)?,
        last_name: validate::person_name("last name", &new.last_name)?,
        email: match new.email.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(e) => Some(validate::email(e)?),
        },
    })
}

/// A new account, checked, with its password's argon2 work done.
pub(crate) struct Prepared {
    pub(crate) clean: CleanAccount,
    phc: String,
    dek: crate::secret::KeyBytes,
    kek: crypto::PasswordKek,
    pub(crate) is_admin: bool,
}

/// Writes a prepared account inside the caller's transaction: its row, its data key, its
/// groups, and an administrator's account key (returned once). Refuses a username or
/// email another account has.
pub(crate) fn write_account(
    tx: &mut Tx<'_>,
    p: &Prepared,
    group_ids: &[i64],
    now: i64,
) -> Result<(i64, Option<(crate::KeyId, crate::ApiKeySecret)>)> {
    let c = &p.clean;
    ensure_unique(tx, &c.username, c.email.as_deref(), 0)?;
    let id = store::accounts::insert(
        tx,
        &store::accounts::NewRow {
            username: &c.username,
            first_name: &c.first_name,
            last_name: &c.last_name,
            email: c.email.as_deref(),
            is_admin: p.is_admin,
            password_hash: &p.phc,
            now,
        },
    )?;
    // The wrapping names the row id in its associated data, so it is written once the
    // row exists, in the same transaction (only the cheap AEAD step is here).
    store::accounts::set_data_key(tx, id, &p.kek.wrap(&p.dek, &dek_aad(id))?)?;
    for g in group_ids {
        store::groups::add_member(tx, *g, id)?;
    }
    let key = if p.is_admin {
        Some(account_key::create(tx, id, &p.dek, now)?)
    } else {
        None
    };
    Ok((id, key))
}

/// The audit entries of a new account (and its account key).
pub(crate) fn record_created(
    tx: &mut Tx<'_>,
    actor: Option<(i64, &str)>,
    action: &str,
    p: &Prepared,
    key: Option<&crate::KeyId>,
    now: i64,
) -> Result<()> {
    let username = &p.clean.username;
    let detail = if p.is_admin { "administrator" } else { "" };
    record(
        tx,
        now,
        Entry::ok(actor, action, Some(format!("account {username}"))).detail(detail),
    )?;
    if let Some(kid) = key {
        record(
            tx,
            now,
            Entry::ok(
                actor,
                "account_key.created",
                Some(format!("key {kid} of {username}")),
            ),
        )?;
    }
    Ok(())
}

/// A password set for an account by someone other than its owner (an administrator's
/// reset, or a recovery): checked against the policy, with its argon2 work and a new data
/// key made before any write lock is taken. The old data key cannot be unwrapped without
/// the old password, so what was sealed under it is lost.
struct Replacement {
    phc: String,
    wrapped: crypto::WrappedKey,
}

/// What replacing a password took away.
struct Replaced {
    secrets_lost: u32,
    mfa_was_on: bool,
}

impl Replaced {
    fn detail(&self) -> String {
        format!(
            "{} viewable secrets made unrecoverable{}",
            self.secrets_lost,
            if self.mfa_was_on {
                "; two-step verification turned off"
            } else {
                ""
            }
        )
    }
}

impl Replacement {
    fn prepare(target: &Account, pol: &crate::Policy, new: &Password) -> Result<Replacement> {
        password::check_rules(
            "new password",
            new,
            pol.min_password_length as usize,
            &target.username,
            target.email.as_deref(),
        )?;
        let phc = password::hash(new, pol.argon2)?;
        let dek = crypto::new_data_key()?;
        let wrapped = crypto::wrap_for_password(new, &dek, pol.argon2, &dek_aad(target.id.0))?;
        Ok(Replacement { phc, wrapped })
    }

    /// Writes it inside the caller's transaction.
    fn write(&self, tx: &mut Tx<'_>, target: &Account, now: i64) -> Result<Replaced> {
        let id = target.id.0;
        let secrets_lost = store::keys::drop_secrets(tx, id)?;
        // The TOTP secret was sealed under the old data key too: MFA goes off (with its
        // recovery codes) and the owner sets it up again.
        let mfa_was_on = store::mfa::turn_off(tx, id)? || target.mfa_enabled;
        // What the owner is told at the next sign-in.
        let notices = if secrets_lost > 0 {
            NOTICE_SECRETS_LOST
        } else {
            0
        } | if mfa_was_on { NOTICE_MFA_RESET } else { 0 };
        store::accounts::reset_password(tx, id, &self.phc, &self.wrapped, notices, now)?;
        store::throttle::reset(tx, &store::throttle::Subject::Account(id))?;
        Ok(Replaced {
            secrets_lost,
            mfa_was_on,
        })
    }
}

/// What `latchkey recover-account` did; never a secret.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Recovered {
    pub username: String,
    pub is_admin: bool,
    /// Viewable keys (and an administrator's account key) whose secret can no longer be
    /// shown; they keep working.
    pub secrets_lost: u32,
    /// Two-step verification was on, and is now off (its recovery codes gone).
    pub mfa_turned_off: bool,
}

fn ensure_unique(tx: &mut Tx<'_>, username: &str, email: Option<&str>, except: i64) -> Result<()> {
    if !username.is_empty() && store::accounts::username_taken(tx, username, except)? {
        return Err(Error::invalid("username", "is already taken"));
    }
    if let Some(e) = email {
        if store::accounts::email_taken(tx, e, except)? {
            return Err(Error::invalid(
                "email",
                "is already used by another account",
            ));
        }
    }
    Ok(())
}

impl Latchkey {
    /// Creates the store's first administrator (and its account key, returned once).
    /// Refused once any account exists.
    pub fn init(&self, new: &NewAccount, password: &Password) -> Result<(Account, IssuedKey)> {
        if self.is_initialized()? {
            return Err(Error::AlreadyInitialized);
        }
        let new = NewAccount {
            is_admin: true,
            groups: Vec::new(),
            ..new.clone()
        };
        let (account, key) = self.insert_account(None, &new, password)?;
        let key = key.ok_or_else(|| Error::internal("administrator without account key"))?;
        Ok((account, key))
    }

    /// An administrator creates an account. For a new administrator the account key is
    /// returned too, once.
    pub fn create_account(
        &self,
        session: &Session,
        new: &NewAccount,
        password: &Password,
    ) -> Result<(Account, Option<IssuedKey>)> {
        self.guarded(
            session,
            "account.created",
            Some(format!("account {}", new.username.trim())),
            || {
                let actor = self.store.read(|tx| self.actor(tx, session))?;
                actor.require_admin()?;
                self.insert_account(Some(&actor), new, password)
            },
        )
    }

    fn insert_account(
        &self,
        actor: Option<&Actor>,
        new: &NewAccount,
        password: &Password,
    ) -> Result<(Account, Option<IssuedKey>)> {
        let p = self.prepare_account(new, password)?;
        let now = self.now_unix();
        let (id, key) = self.store.write(|tx| {
            if actor.is_none() && store::accounts::any(tx)? {
                return Err(Error::AlreadyInitialized);
            }
            let group_ids = new
                .groups
                .iter()
                .map(|g| store::groups::id_by_name(tx, g))
                .collect::<Result<Vec<_>>>()?;
            let (id, key) = write_account(tx, &p, &group_ids, now)?;
            let (actor_tag, action) = match actor {
                Some(a) => (a.tag(), "account.created"),
                None => (Some((id, p.clean.username.as_str())), "store.initialized"),
            };
            record_created(tx, actor_tag, action, &p, key.as_ref().map(|k| &k.0), now)?;
            Ok((id, key))
        })?;
        self.created(id, key, now)
    }

    /// The account just written, and its account key as issued.
    pub(crate) fn created(
        &self,
        id: i64,
        key: Option<(crate::KeyId, crate::ApiKeySecret)>,
        now: i64,
    ) -> Result<(Account, Option<IssuedKey>)> {
        let account = self.store.read(|tx| store::accounts::load(tx, id))?;
        let key = match key {
            Some((kid, secret)) => Some(IssuedKey::new(
                self.store
                    .read(|tx| store::keys::load_info(tx, &kid, now))?,
                secret,
            )),
            None => None,
        };
        Ok((account, key))
    }

    /// Checks a new account and its password against the rules and the policy, and runs
    /// the password's argon2 work, before any write lock is taken: other processes should
    /// not wait on argon2.
    pub(crate) fn prepare_account(
        &self,
        new: &NewAccount,
        password: &Password,
    ) -> Result<Prepared> {
        let clean = clean(new)?;
        let pol = self.policy()?;
        password::check_rules(
            "password",
            password,
            pol.min_password_length as usize,
            &clean.username,
            clean.email.as_deref(),
        )?;
        Ok(Prepared {
            phc: password::hash(password, pol.argon2)?,
            dek: crypto::new_data_key()?,
            kek: crypto::PasswordKek::derive(password, pol.argon2)?,
            is_admin: new.is_admin,
            clean,
        })
    }

    /// The signed-in account.
    pub fn me(&self, session: &Session) -> Result<Account> {
        self.guarded(session, "account.read", None, || {
            self.store.read(|tx| {
                self.actor(tx, session)?.require("account", Action::Read)?;
                store::accounts::load(tx, session.account_id.0)
            })
        })
    }

    /// One account by username: one's own, or any for an administrator.
    pub fn account(&self, session: &Session, username: &str) -> Result<Account> {
        self.guarded(
            session,
            "account.read",
            Some(format!("account {username}")),
            || {
                self.store.read(|tx| {
                    let actor = self.actor(tx, session)?;
                    actor.require("account", Action::Read)?;
                    let id = store::accounts::id_by_username(tx, username)?;
                    actor.require_self_or_admin(id)?;
                    store::accounts::load(tx, id)
                })
            },
        )
    }

    /// All accounts (administrators only).
    pub fn list_accounts(&self, session: &Session) -> Result<Vec<Account>> {
        self.guarded(session, "accounts.read", None, || {
            self.store.read(|tx| {
                self.actor(tx, session)?.require_admin()?;
                store::accounts::list(tx)
            })
        })
    }

    /// Updates a profile: one's own, or any for an administrator.
    pub fn update_profile(
        &self,
        session: &Session,
        username: &str,
        update: &ProfileUpdate,
    ) -> Result<Account> {
        let target = Some(format!("account {username}"));
        self.audited(session, "account.updated", target, |audit| {
            let first = update
                .first_name
                .as_deref()
                .map(|s| validate::person_name("first name", s))
                .transpose()?;
            let last = update
                .last_name
                .as_deref()
                .map(|s| validate::person_name("last name", s))
                .transpose()?;
            let email = match &update.email {
                None => None,
                Some(None) => Some(None),
                Some(Some(e)) if e.trim().is_empty() => Some(None),
                Some(Some(e)) => Some(Some(validate::email(e)?)),
            };
            let now = self.now_unix();
            let id = audit.write(now, |tx, actor, entry| {
                actor.require("account", Action::Write)?;
                let id = store::accounts::id_by_username(tx, username)?;
                actor.require_self_or_admin(id)?;
                if let Some(Some(e)) = &email {
                    ensure_unique(tx, "", Some(e), id)?;
                }
                let mut changed = Vec::new();
                if let Some(f) = &first {
                    store::accounts::set_first_name(tx, id, f)?;
                    changed.push("first name");
                }
                if let Some(l) = &last {
                    store::accounts::set_last_name(tx, id, l)?;
                    changed.push("last name");
                }
                if let Some(e) = &email {
                    store::accounts::set_email(tx, id, e.as_deref())?;
                    changed.push("email");
                }
                store::accounts::touch(tx, id, now)?;
                entry.detail = changed.join(", ");
                Ok(id)
            })?;
            self.store.read(|tx| store::accounts::load(tx, id))
        })
    }

    /// Disables or re-enables an account (administrators; not oneself). A disabled
    /// account cannot sign in and its keys fail verification.
    pub fn set_disabled(
        &self,
        session: &Session,
        username: &str,
        disabled: bool,
    ) -> Result<Account> {
        let action = if disabled {
            "account.disabled"
        } else {
            "account.enabled"
        };
        let target = Some(format!("account {username}"));
        self.audited(session, action, target, |audit| {
            let now = self.now_unix();
            let id = audit.write(now, |tx, actor, _| {
                actor.require_admin()?;
                let id = store::accounts::id_by_username(tx, username)?;
                if id == actor.id {
                    return Err(Error::Forbidden(
                        "you cannot disable your own account".into(),
                    ));
                }
                store::accounts::set_disabled(tx, id, disabled, now)?;
                Ok(id)
            })?;
            self.store.read(|tx| store::accounts::load(tx, id))
        })
    }

    /// Grants or removes the administrator flag (administrators; never the last one).
    /// A new administrator's account key is created at its next sign-in, when its data
    /// key can be unwrapped.
    pub fn set_admin(&self, session: &Session, username: &str, admin: bool) -> Result<Account> {
        let action = if admin {
            "account.admin_granted"
        } else {
            "account.admin_removed"
        };
        let target = Some(format!("account {username}"));
        self.audited(session, action, target, |audit| {
            self.require_fresh_proof(session)?;
            let now = self.now_unix();
            let id = audit.write(now, |tx, actor, _| {
                actor.require_admin()?;
                let id = store::accounts::id_by_username(tx, username)?;
                if !admin {
                    if store::accounts::other_active_admins(tx, id)? == 0 {
                        return Err(Error::Forbidden(
                            "the last administrator cannot be removed".into(),
                        ));
                    }
                    // Only administrators hold an account key.
                    account_key::stop(tx, id, now)?;
                }
                store::accounts::set_admin(tx, id, admin, now)?;
                Ok(id)
            })?;
            self.store.read(|tx| store::accounts::load(tx, id))
        })
    }

    /// Changes one's own password: the current one, the new one and its confirmation.
    /// Re-wraps the data key so revealable keys stay viewable.
    pub fn change_password(
        &self,
        session: &Session,
        current: &Password,
        new: &Password,
        confirm: &Password,
    ) -> Result<()> {
        self.audited(session, "password.changed", None, |audit| {
            password::confirm(new, confirm)?;
            // One read, not `me` (audited on its own) and then `policy`: a refusal is
            // logged once, as this action's.
            let (account, pol) = self.store.read(|tx| {
                let actor = self.actor(tx, session)?;
                actor.require("account", Action::Read)?;
                Ok((
                    store::accounts::load(tx, actor.id)?,
                    store::policy::load(tx)?,
                ))
            })?;
            password::check_rules(
                "new password",
                new,
                pol.min_password_length as usize,
                &account.username,
                account.email.as_deref(),
            )?;
            if new.expose() == current.expose() {
                return Err(Error::invalid(
                    "new password",
                    "must differ from the current password",
                ));
            }
            // The current password itself, even with MFA on; same throttle and audit trail.
            match self.check_own_password(session, current, "password.change") {
                Ok(_) => {}
                Err(Error::BadCredentials) => {
                    return Err(Error::invalid("current password", "is incorrect"))
                }
                Err(e) => return Err(e),
            }
            let phc = password::hash(new, pol.argon2)?;
            let w = crypto::wrap_for_password(
                new,
                session.data_key()?,
                pol.argon2,
                &dek_aad(account.id.0),
            )?;
            let now = self.now_unix();
            audit.write(now, |tx, actor, _| {
                store::accounts::set_password(tx, actor.id, &phc, &w, Some(now))
            })
        })
    }

    /// How many revealable secrets an administrator's reset of `username`'s password
    /// would make unviewable; the window shows this before asking to confirm.
    pub fn reset_password_impact(&self, session: &Session, username: &str) -> Result<u32> {
        self.guarded(
            session,
            "password.reset",
            Some(format!("account {username}")),
            || {
                self.store.read(|tx| {
                    self.actor(tx, session)?.require_admin()?;
                    let id = store::accounts::id_by_username(tx, username)?;
                    store::keys::count_viewable(tx, id, self.now_unix())
                })
            },
        )
    }

    /// An administrator sets another account's password. The old data key cannot be
    /// unwrapped without the old password, so that account's revealable secrets become
    /// unrecoverable (the keys keep working); its owner is told at next sign-in.
    pub fn reset_password(&self, session: &Session, username: &str, new: &Password) -> Result<u32> {
        let target = Some(format!("account {username}"));
        self.audited(session, "password.reset", target, |audit| {
            self.require_fresh_proof(session)?;
            let (target, pol) = self.store.read(|tx| {
                let actor = self.actor(tx, session)?;
                actor.require_admin()?;
                let id = store::accounts::id_by_username(tx, username)?;
                if id == actor.id {
                    return Err(Error::Forbidden(
                        "use change password for your own account (it keeps your viewable keys)"
                            .into(),
                    ));
                }
                Ok((store::accounts::load(tx, id)?, store::policy::load(tx)?))
            })?;
            let replacement = Replacement::prepare(&target, &pol, new)?;
            let now = self.now_unix();
            audit.write(now, |tx, _, entry| {
                let done = replacement.write(tx, &target, now)?;
                // Usernames match in any case: the entry names the account as stored.
                entry.target = Some(format!("account {}", target.username));
                entry.detail = done.detail();
                Ok(done.secrets_lost)
            })
        })
    }

    /// Sets a new password for `username` without any account acting: for whoever can
    /// write the store (its file, or its PostgreSQL database), such as the only
    /// administrator who lost their password or authenticator. It does what an
    /// administrator's reset does — the policy's password rules apply, two-step
    /// verification and its recovery codes are turned off, and the viewable secrets sealed
    /// under the old password are made unrecoverable (the keys keep working) — and
    /// records `account.recovered`. Nothing secret is returned.
    pub fn recover_account(&self, username: &str, new: &Password) -> Result<Recovered> {
        let (target, pol) = self.store.read(|tx| {
            let id = store::accounts::id_by_username(tx, username)?;
            Ok((store::accounts::load(tx, id)?, store::policy::load(tx)?))
        })?;
        let replacement = Replacement::prepare(&target, &pol, new)?;
        let now = self.now_unix();
        let done = self.store.write(|tx| {
            let done = replacement.write(tx, &target, now)?;
            record(
                tx,
                now,
                Entry::ok(
                    None,
                    "account.recovered",
                    Some(format!("account {}", target.username)),
                )
                .detail(format!(
                    "new password set by someone with write access to the store; {}",
                    done.detail()
                )),
            )?;
            Ok(done)
        })?;
        Ok(Recovered {
            username: target.username,
            is_admin: target.is_admin,
            secrets_lost: done.secrets_lost,
            mfa_turned_off: done.mfa_was_on,
        })
    }

    /// Stores a new avatar for one's own account (or any, for an administrator): PNG,
    /// JPEG or WebP up to 5 MiB, cropped square and stored as a 256×256 PNG.
    pub fn set_avatar(&self, session: &Session, username: &str, image: &[u8]) -> Result<()> {
        let target = Some(format!("account {username}"));
        self.audited(session, "account.avatar_changed", target, |audit| {
            let png = crate::avatar::normalise(image)?;
            let now = self.now_unix();
            audit.write(now, |tx, actor, _| {
                actor.require("account", Action::Write)?;
                let id = store::accounts::id_by_username(tx, username)?;
                actor.require_self_or_admin(id)?;
                store::accounts::set_avatar(tx, id, Some(&png), now)
            })
        })
    }

    /// Removes an avatar, so the initials avatar is shown again.
    pub fn clear_avatar(&self, session: &Session, username: &str) -> Result<()> {
        let target = Some(format!("account {username}"));
        self.audited(session, "account.avatar_removed", target, |audit| {
            let now = self.now_unix();
            audit.write(now, |tx, actor, _| {
                let id = store::accounts::id_by_username(tx, username)?;
                actor.require_self_or_admin(id)?;
                store::accounts::set_avatar(tx, id, None, now)
            })
        })
    }

    /// The stored 256×256 PNG avatar, if any.
    pub fn avatar(&self, session: &Session, username: &str) -> Result<Option<Vec<u8>>> {
        self.store.read(|tx| {
            self.actor(tx, session)?;
            let id = store::accounts::id_by_username(tx, username)?;
            store::accounts::avatar(tx, id)
        })
    }
}
