//! Accounts: the first administrator, profiles, disabling, and passwords.

use crate::audit::{record, Entry};
use crate::auth::{dek_aad, Session};
use crate::clock::from_unix;
use crate::keys::IssuedKey;
use crate::permissions::Action;
use crate::secret::Password;
use crate::{crypto, password, policy, validate, AccountId, Error, Latchkey, Result};
use rusqlite::OptionalExtension;
use serde::Serialize;
use time::OffsetDateTime;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Account {
    pub id: AccountId,
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub is_admin: bool,
    pub disabled: bool,
    pub groups: Vec<String>,
    pub has_avatar: bool,
    pub mfa_enabled: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// What creating an account takes (the password is passed separately).
#[derive(Debug, Clone, Default)]
pub struct NewAccount {
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub is_admin: bool,
    pub groups: Vec<String>,
}

/// A change to a profile; `None` leaves a field as it is. `email: Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct ProfileUpdate {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<Option<String>>,
}

const ACCOUNT_COLUMNS: &str =
    "id, username, first_name, last_name, email, is_admin, disabled, avatar_png IS NOT NULL, created_at,
     mfa_secret_ct IS NOT NULL";

fn account_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Account> {
    Ok(Account {
        id: AccountId(r.get(0)?),
        username: r.get(1)?,
        first_name: r.get(2)?,
        last_name: r.get(3)?,
        email: r.get(4)?,
        is_admin: r.get(5)?,
        disabled: r.get(6)?,
        groups: Vec::new(),
        has_avatar: r.get(7)?,
        created_at: from_unix(r.get(8)?),
        mfa_enabled: r.get(9)?,
    })
}

pub(crate) fn load(conn: &rusqlite::Connection, id: i64) -> Result<Account> {
    let mut a = conn
        .prepare_cached(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = ?1"
        ))?
        .query_row([id], account_from_row)
        .optional()?
        .ok_or_else(|| Error::NotFound("account".into()))?;
    a.groups = groups_of(conn, id)?;
    Ok(a)
}

pub(crate) fn id_by_username(conn: &rusqlite::Connection, username: &str) -> Result<i64> {
    conn.prepare_cached("SELECT id FROM accounts WHERE username_key = ?1")?
        .query_row([validate::fold(username)], |r| r.get(0))
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("account {username:?}")))
}

fn groups_of(conn: &rusqlite::Connection, id: i64) -> Result<Vec<String>> {
    let mut st = conn.prepare_cached(
        "SELECT g.name FROM group_members m JOIN groups g ON g.id = m.group_id
         WHERE m.account_id = ?1 ORDER BY g.name",
    )?;
    let names = st
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(names)
}

/// Validated, normalised form of a new account.
struct CleanAccount {
    username: String,
    first_name: String,
    last_name: String,
    email: Option<String>,
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

fn ensure_unique(
    conn: &rusqlite::Connection,
    username: &str,
    email: Option<&str>,
    except: i64,
) -> Result<()> {
    if conn
        .prepare_cached("SELECT 1 FROM accounts WHERE username_key = ?1 AND id != ?2")?
        .exists((validate::fold(username), except))?
    {
        return Err(Error::invalid("username", "is already taken"));
    }
    if let Some(e) = email {
        if conn
            .prepare_cached("SELECT 1 FROM accounts WHERE email_key = ?1 AND id != ?2")?
            .exists((validate::fold(e), except))?
        {
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
        let key = key.ok_or_else(|| Error::Internal("administrator without account key".into()))?;
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
                let actor = self.store.read(|c| self.actor(c, session))?;
                actor.require_admin()?;
                self.insert_account(Some(&actor), new, password)
            },
        )
    }

    fn insert_account(
        &self,
        actor: Option<&crate::auth::Actor>,
        new: &NewAccount,
        password: &Password,
    ) -> Result<(Account, Option<IssuedKey>)> {
        let c = clean(new)?;
        let pol = self.policy()?;
        password::check_rules(
            "password",
            password,
            pol.min_password_length as usize,
            &c.username,
            c.email.as_deref(),
        )?;
        // Hashing and key derivation happen before the write lock is taken: other
        // processes should not wait on argon2.
        let phc = password::hash(password, pol.argon2)?;
        let dek = crypto::new_data_key()?;
        let kek = crypto::PasswordKek::derive(password, pol.argon2)?;
        let now = self.now_unix();

        let (id, key) = self.store.write(|tx| {
            if actor.is_none() && tx.query_row("SELECT EXISTS (SELECT 1 FROM accounts)", [], |r| r.get(0))? {
                return Err(Error::AlreadyInitialized);
            }
            ensure_unique(tx, &c.username, c.email.as_deref(), 0)?;
            let group_ids = new
                .groups
                .iter()
                .map(|g| crate::groups::id_by_name(tx, g))
                .collect::<Result<Vec<_>>>()?;
            // The wrapping needs the row id for its associated data, so insert first with
            // a placeholder and fill the wrapped key in the same transaction (only the
            // cheap AEAD step happens here; argon2 ran before the lock).
            tx.execute(
                "INSERT INTO accounts (username, username_key, first_name, last_name, email, email_key, is_admin,
                                       password_hash, dek_salt, dek_wrapped, dek_kdf, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, x'', x'', '', ?9, ?9)",
                rusqlite::params![
                    c.username,
                    validate::fold(&c.username),
                    c.first_name,
                    c.last_name,
                    c.email,
                    c.email.as_deref().map(validate::fold),
                    new.is_admin,
                    phc,
                    now
                ],
            )?;
            let id = tx.last_insert_rowid();
            let w = kek.wrap(&dek, &dek_aad(id))?;
            tx.execute(
                "UPDATE accounts SET dek_salt = ?2, dek_wrapped = ?3, dek_kdf = ?4 WHERE id = ?1",
                rusqlite::params![id, w.salt, w.wrapped, w.kdf],
            )?;
            for g in &group_ids {
                tx.execute("INSERT INTO group_members (account_id, group_id) VALUES (?1, ?2)", (id, g))?;
            }
            let key = if new.is_admin {
                Some(crate::keys::insert_account_key(tx, id, &dek, now)?)
            } else {
                None
            };
            let (actor_tag, action) = match actor {
                Some(a) => (a.tag(), "account.created"),
                None => (Some((id, c.username.as_str())), "store.initialized"),
            };
            let detail = if new.is_admin { "administrator" } else { "" };
            record(tx, now, Entry::ok(actor_tag, action, Some(format!("account {}", c.username))).detail(detail))?;
            if let Some((kid, _)) = &key {
                record(
                    tx,
                    now,
                    Entry::ok(actor_tag, "account_key.created", Some(format!("key {kid} of {}", c.username))),
                )?;
            }
            Ok((id, key))
        })?;
        let account = self.store.read(|c| load(c, id))?;
        let key = match key {
            Some((kid, secret)) => Some(IssuedKey {
                key: self
                    .store
                    .read(|c| crate::keys::load_info(c, &kid, self.now_unix()))?,
                secret,
            }),
            None => None,
        };
        Ok((account, key))
    }

    /// The signed-in account.
    pub fn me(&self, session: &Session) -> Result<Account> {
        self.guarded(session, "account.read", None, || {
            self.store.read(|c| {
                self.actor(c, session)?.require("account", Action::Read)?;
                load(c, session.account_id.0)
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
                self.store.read(|c| {
                    let actor = self.actor(c, session)?;
                    actor.require("account", Action::Read)?;
                    let id = id_by_username(c, username)?;
                    if id != actor.id {
                        actor.require_admin()?;
                    }
                    load(c, id)
                })
            },
        )
    }

    /// All accounts (administrators only).
    pub fn list_accounts(&self, session: &Session) -> Result<Vec<Account>> {
        self.guarded(session, "accounts.read", None, || {
            self.store.read(|c| {
                self.actor(c, session)?.require_admin()?;
                let ids = c
                    .prepare_cached("SELECT id FROM accounts ORDER BY username_key")?
                    .query_map([], |r| r.get::<_, i64>(0))?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                ids.into_iter().map(|id| load(c, id)).collect()
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
                let id = id_by_username(tx, username)?;
                if id != actor.id {
                    actor.require_admin()?;
                }
                if let Some(Some(e)) = &email {
                    ensure_unique(tx, "", Some(e), id)?;
                }
                let mut changed = Vec::new();
                if let Some(f) = &first {
                    tx.execute("UPDATE accounts SET first_name = ?2 WHERE id = ?1", (id, f))?;
                    changed.push("first name");
                }
                if let Some(l) = &last {
                    tx.execute("UPDATE accounts SET last_name = ?2 WHERE id = ?1", (id, l))?;
                    changed.push("last name");
                }
                if let Some(e) = &email {
                    tx.execute(
                        "UPDATE accounts SET email = ?2, email_key = ?3 WHERE id = ?1",
                        (id, e, e.as_deref().map(validate::fold)),
                    )?;
                    changed.push("email");
                }
                tx.execute(
                    "UPDATE accounts SET updated_at = ?2 WHERE id = ?1",
                    (id, now),
                )?;
                entry.detail = changed.join(", ");
                Ok(id)
            })?;
            self.store.read(|c| load(c, id))
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
                let id = id_by_username(tx, username)?;
                if id == actor.id {
                    return Err(Error::Forbidden(
                        "you cannot disable your own account".into(),
                    ));
                }
                tx.execute(
                    "UPDATE accounts SET disabled = ?2, updated_at = ?3 WHERE id = ?1",
                    (id, disabled, now),
                )?;
                Ok(id)
            })?;
            self.store.read(|c| load(c, id))
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
            let now = self.now_unix();
            let id = audit.write(now, |tx, actor, _| {
                actor.require_admin()?;
                let id = id_by_username(tx, username)?;
                if !admin {
                    let admins: i64 = tx.query_row(
                        "SELECT count(*) FROM accounts WHERE is_admin = 1 AND disabled = 0 AND id != ?1",
                        [id],
                        |r| r.get(0),
                    )?;
                    if admins == 0 {
                        return Err(Error::Forbidden("the last administrator cannot be removed".into()));
                    }
                    // Only administrators hold an account key.
                    tx.execute(
                        "UPDATE api_keys SET revoked_at = ?2 WHERE account_id = ?1 AND kind = 'acct' AND revoked_at IS NULL",
                        (id, now),
                    )?;
                }
                tx.execute("UPDATE accounts SET is_admin = ?2, updated_at = ?3 WHERE id = ?1", (id, admin, now))?;
                Ok(id)
            })?;
            self.store.read(|c| load(c, id))
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
            if new.expose() != confirm.expose() {
                return Err(Error::invalid(
                    "confirm password",
                    "does not match the new password",
                ));
            }
            // One read, not `me` (audited on its own) and then `policy`: a refusal is
            // logged once, as this action's.
            let (account, pol) = self.store.read(|c| {
                let actor = self.actor(c, session)?;
                actor.require("account", Action::Read)?;
                Ok((load(c, actor.id)?, policy::load(c)?))
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
            match self.check_password_for_change(session, current) {
                Ok(()) => {}
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
                tx.execute(
                    "UPDATE accounts SET password_hash = ?2, dek_salt = ?3, dek_wrapped = ?4, dek_kdf = ?5,
                            updated_at = ?6 WHERE id = ?1",
                    rusqlite::params![actor.id, phc, w.salt, w.wrapped, w.kdf, now],
                )?;
                Ok(())
            })
        })
    }

    fn check_password_for_change(&self, session: &Session, current: &Password) -> Result<()> {
        // The current password itself, even with MFA on; same throttle and audit trail.
        let (creds_id, _) =
            self.check_password_only(&session.username, current, "password.change")?;
        if creds_id != session.account_id.0 {
            return Err(Error::BadCredentials);
        }
        Ok(())
    }

    /// How many revealable secrets an administrator's reset of `username`'s password
    /// would make unviewable; the window shows this before asking to confirm.
    pub fn reset_password_impact(&self, session: &Session, username: &str) -> Result<u32> {
        self.guarded(
            session,
            "password.reset",
            Some(format!("account {username}")),
            || {
                self.store.read(|c| {
                    self.actor(c, session)?.require_admin()?;
                    let id = id_by_username(c, username)?;
                    Ok(c.query_row(
                "SELECT count(*) FROM api_keys WHERE account_id = ?1 AND secret_ct IS NOT NULL
                 AND (revoked_at IS NULL OR revoked_at > ?2)",
                (id, self.now_unix()),
                |r| r.get(0),
            )?)
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
            let (target, pol) = self.store.read(|c| {
                let actor = self.actor(c, session)?;
                actor.require_admin()?;
                let id = id_by_username(c, username)?;
                if id == actor.id {
                    return Err(Error::Forbidden(
                        "use change password for your own account (it keeps your viewable keys)".into(),
                    ));
                }
                Ok((load(c, id)?, policy::load(c)?))
            })?;
            password::check_rules(
                "new password",
                new,
                pol.min_password_length as usize,
                &target.username,
                target.email.as_deref(),
            )?;
            let phc = password::hash(new, pol.argon2)?;
            let dek = crypto::new_data_key()?;
            let w = crypto::wrap_for_password(new, &dek, pol.argon2, &dek_aad(target.id.0))?;
            let now = self.now_unix();
            audit.write(now, |tx, _, entry| {
                let lost = tx.execute(
                    "UPDATE api_keys SET secret_ct = NULL WHERE account_id = ?1 AND secret_ct IS NOT NULL",
                    [target.id.0],
                )? as u32;
                // The TOTP secret was sealed under the old data key too: MFA goes off and
                // the owner sets it up again.
                let mfa_was_on = tx.execute("DELETE FROM recovery_codes WHERE account_id = ?1", [target.id.0])? > 0
                    || target.mfa_enabled;
                // What the owner is told at the next sign-in (bits, see auth::NOTICE_*).
                let notices = if lost > 0 { crate::auth::NOTICE_SECRETS_LOST } else { 0 }
                    | if mfa_was_on { crate::auth::NOTICE_MFA_RESET } else { 0 };
                tx.execute(
                    "UPDATE accounts SET password_hash = ?2, dek_salt = ?3, dek_wrapped = ?4, dek_kdf = ?5,
                            failed_logins = 0, last_failed_at = NULL, mfa_secret_ct = NULL, mfa_pending_ct = NULL,
                            notices = notices | ?6, updated_at = ?7
                     WHERE id = ?1",
                    rusqlite::params![target.id.0, phc, w.salt, w.wrapped, w.kdf, notices, now],
                )?;
                // Usernames match in any case: the entry names the account as stored.
                entry.target = Some(format!("account {}", target.username));
                entry.detail = format!(
                    "{lost} viewable secrets made unrecoverable{}",
                    if mfa_was_on { "; two-step verification turned off" } else { "" }
                );
                Ok(lost)
            })
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
                let id = id_by_username(tx, username)?;
                if id != actor.id {
                    actor.require_admin()?;
                }
                tx.execute(
                    "UPDATE accounts SET avatar_png = ?2, updated_at = ?3 WHERE id = ?1",
                    (id, &png, now),
                )?;
                Ok(())
            })
        })
    }

    /// Removes an avatar, so the initials avatar is shown again.
    pub fn clear_avatar(&self, session: &Session, username: &str) -> Result<()> {
        let target = Some(format!("account {username}"));
        self.audited(session, "account.avatar_removed", target, |audit| {
            let now = self.now_unix();
            audit.write(now, |tx, actor, _| {
                let id = id_by_username(tx, username)?;
                if id != actor.id {
                    actor.require_admin()?;
                }
                tx.execute(
                    "UPDATE accounts SET avatar_png = NULL, updated_at = ?2 WHERE id = ?1",
                    (id, now),
                )?;
                Ok(())
            })
        })
    }

    /// The stored 256×256 PNG avatar, if any.
    pub fn avatar(&self, session: &Session, username: &str) -> Result<Option<Vec<u8>>> {
        self.store.read(|c| {
            self.actor(c, session)?;
            let id = id_by_username(c, username)?;
            Ok(
                c.query_row("SELECT avatar_png FROM accounts WHERE id = ?1", [id], |r| {
                    r.get(0)
                })?,
            )
        })
    }
}
