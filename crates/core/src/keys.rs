//! API keys: create, list, edit, regenerate (with grace), revoke, reveal, and the key file.
//!
//! The plaintext of a key exists only in an [`IssuedKey`] (or a reveal). The store keeps
//! its SHA-256 digest for lookup, a display hint, and, for revealable keys, a ciphertext
//! under the account's data key.

use crate::audit::{record, Entry};
use crate::clock::{from_unix, rfc3339, to_unix};
use crate::error::Unviewable;
use crate::keyfile::KeyFile;
use crate::keyformat::{self, KeyKind};
use crate::model::policy::Policy;
use crate::permissions::{self, Action, PermissionSet};
use crate::secret::{ApiKeySecret, KeyBytes};
use crate::session::{Actor, Session};
use crate::store::{self, keys::KeyRow, Tx};
use crate::{crypto, validate, Error, KeyId, Latchkey, Result};
use sha2::{Digest, Sha256};
use std::path::Path;
use time::{Date, Duration, OffsetDateTime, Time};

pub use crate::model::key::KeyQuota;
pub use crate::model::key::{
    Environment, Expiry, Grace, IssuedKey, KeyEdit, KeyInfo, KeyStatus, KeyUse, NewKey,
    EXPIRING_SOON,
};

pub(crate) fn digest(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

fn secret_aad(id: &KeyId) -> Vec<u8> {
    format!("latchkey/key/v1/{id}").into_bytes()
}

/// How the audit log names a key.
pub(crate) fn key_target(id: &KeyId, name: &str) -> Option<String> {
    Some(format!("key {id} ({name})"))
}

/// Makes a new key: a fresh secret, its row and permissions; returns its id and secret.
/// With `revealable_under`, the secret is also kept sealed under that data key.
#[allow(clippy::too_many_arguments)]
pub(crate) fn mint(
    tx: &mut Tx<'_>,
    account_id: i64,
    name: &str,
    kind: KeyKind,
    perms: &PermissionSet,
    expires_at: Option<i64>,
    revealable_under: Option<&KeyBytes>,
    now: i64,
) -> Result<(KeyId, ApiKeySecret)> {
    let id = KeyId::generate()?;
    // Wiped if anything below fails; on success its buffer moves into the result.
    let mut text = zeroize::Zeroizing::new(keyformat::generate(kind)?);
    let sealed = match revealable_under {
        Some(dek) => Some(crypto::seal(dek, text.as_bytes(), &secret_aad(&id))?),
        None => None,
    };
    store::keys::insert(
        tx,
        &store::keys::NewRow {
            id: &id,
            account_id,
            name,
            kind,
            digest: &digest(&text),
            hint: &keyformat::hint(&text),
            sealed: sealed.as_deref(),
            created_at: now,
            expires_at,
        },
        perms,
    )?;
    Ok((id, ApiKeySecret::new(std::mem::take(&mut *text))))
}

/// The moment a key asked to expire `expiry` at `now` stops, checked against the
/// presets, the present and the policy.
fn resolve_expiry(
    expiry: Expiry,
    now: OffsetDateTime,
    pol: &Policy,
) -> Result<Option<OffsetDateTime>> {
    let at = match expiry {
        Expiry::Never => {
            if !pol.never_allowed() {
                let limit = match pol.max_key_lifetime_days {
                    Some(d) => format!("limits keys to {d} days"),
                    None => "requires keys to expire".into(),
                };
                return Err(Error::against_policy("expiry", "must not be never", &limit));
            }
            return Ok(None);
        }
        Expiry::Days(d) if [7, 30, 60, 90].contains(&d) => now + Duration::days(d.into()),
        Expiry::Days(_) => {
            return Err(Error::invalid(
                "expiry",
                "must be 7, 30, 60 or 90 days, or a date",
            ))
        }
        Expiry::On(date) => {
            let at = end_of(date);
            if at <= now || date <= now.date() {
                return Err(Error::invalid("expiry", "must be a date after today"));
            }
            at
        }
    };
    // The limit: a preset of at most `max` days, or a date whose end comes no later than
    // `max` days from now (a key never outlives the policy, by a day or by a second).
    if let Some(max) = pol.max_key_lifetime_days {
        let deadline = now + Duration::days(max.into());
        let last_date = {
            let d = deadline.date();
            if end_of(d) <= deadline {
                Some(d)
            } else {
                d.previous_day()
            }
        };
        let within = match expiry {
            Expiry::Days(d) => u32::from(d) <= max,
            Expiry::On(date) => end_of(date) <= deadline,
            Expiry::Never => false,
        };
        if !within {
            let last = last_date.map_or_else(|| "today".into(), |d| d.to_string());
            return Err(Error::against_policy(
                "expiry",
                &format!("must be within {max} days"),
                &format!(
                    "limits key lifetime (a preset of at most {max} days, or a date no \
                     later than {last})"
                ),
            ));
        }
    }
    Ok(Some(at))
}

/// A date's key works until the end of that day, UTC.
fn end_of(date: Date) -> OffsetDateTime {
    date.with_time(Time::from_hms(23, 59, 59).unwrap_or(Time::MIDNIGHT))
        .assume_utc()
}

/// A key of the acting account; another account's key is "not found", not "forbidden",
/// so ids reveal nothing.
fn own_row(tx: &mut Tx<'_>, actor: &Actor, id: &KeyId) -> Result<KeyRow> {
    match store::keys::row(tx, id)? {
        Some(row) if row.account_id == actor.id => Ok(row),
        _ => Err(Error::NotFound("key".into())),
    }
}

fn ensure_name_free(
    tx: &mut Tx<'_>,
    actor: &Actor,
    name: &str,
    except: Option<&KeyId>,
) -> Result<()> {
    if store::keys::name_taken(tx, actor.id, name, except)? {
        return Err(Error::invalid(
            "name",
            "is already used by another of your keys",
        ));
    }
    Ok(())
}

/// Refuses permissions the store does not know, or the acting account could not give.
fn ensure_grantable(tx: &mut Tx<'_>, actor: &Actor, perms: &PermissionSet) -> Result<()> {
    if let Some(p) = store::groups::first_unknown(tx, perms)? {
        return Err(Error::invalid(
            "permissions",
            format!("unknown permission {p}"),
        ));
    }
    // The account's own permissions first, then those of the key acting for it: the
    // refusal names which one lacks it.
    permissions::ensure_subset(perms, &actor.held(tx)?, false)?;
    if let Some(scope) = actor.scope() {
        permissions::ensure_subset(perms, scope, true)?;
    }
    Ok(())
}

fn list_text(perms: &PermissionSet) -> String {
    if perms.is_empty() {
        "none".into()
    } else {
        permissions::joined(perms)
    }
}

impl Latchkey {
    /// Creates a key for the signed-in account. Its secret is in the result and nowhere else.
    pub fn create_key(&self, session: &Session, new: &NewKey) -> Result<IssuedKey> {
        // A refusal names what was asked for; the entry of a made key names the key.
        let target = Some(format!("key ({})", new.name.trim()));
        self.audited(session, "key.created", target, |audit| {
            let name = validate::key_name(&new.name)?;
            let perms = permissions::parse_all(&new.permissions)?;
            let now_t = self.now();
            let now = to_unix(now_t);
            let (id, secret) = audit.write(now, |tx, actor, entry| {
                actor.require("keys", Action::Write)?;
                let pol = store::policy::load(tx)?;
                let expires_at = resolve_expiry(new.expiry, now_t, &pol)?.map(to_unix);
                ensure_grantable(tx, actor, &perms)?;
                ensure_name_free(tx, actor, &name, None)?;
                if let Some(max) = pol.max_active_keys {
                    let active = store::keys::count_active(tx, actor.id, now)?;
                    if active >= max {
                        return Err(Error::Policy(format!(
                            "you already have {active} active keys and the policy allows {max}; revoke one first"
                        )));
                    }
                }
                let dek = if new.revealable {
                    Some(session.data_key()?)
                } else {
                    None
                };
                let kind = new.environment.kind();
                let (id, secret) = mint(tx, actor.id, &name, kind, &perms, expires_at, dek, now)?;
                entry.target = key_target(&id, &name);
                entry.detail = format!(
                    "{}; permissions: {}; expires: {}{}",
                    new.environment.as_str(),
                    list_text(&perms),
                    expires_at.map_or_else(|| "never".into(), |e| rfc3339(from_unix(e))),
                    if new.revealable { "; revealable" } else { "" }
                );
                Ok((id, secret))
            })?;
            let key = self.store.read(|tx| store::keys::load_info(tx, &id, now))?;
            Ok(IssuedKey::new(key, secret))
        })
    }

    /// How many keys the account has in use, and how many the policy allows: the window
    /// turns "Create key" off with the reason when they are equal.
    pub fn key_quota(&self, session: &Session) -> Result<KeyQuota> {
        let now = self.now_unix();
        self.store.read(|tx| {
            let actor = self.actor(tx, session)?;
            let max = store::policy::load(tx)?.max_active_keys;
            let active = store::keys::count_active(tx, actor.id, now)?;
            let blocked = match max {
                Some(1) if active >= 1 => {
                    Some("one key at a time: delete the current key first".to_owned())
                }
                Some(m) if active >= m => Some(format!(
                    "the policy allows {m} active keys and you have {active}: revoke one first"
                )),
                _ => None,
            };
            Ok(KeyQuota {
                active,
                max,
                blocked,
            })
        })
    }

    /// The signed-in account's keys (not its account key), newest first.
    pub fn list_keys(&self, session: &Session) -> Result<Vec<KeyInfo>> {
        self.guarded(session, "keys.read", None, || {
            let now = self.now_unix();
            self.store.read(|tx| {
                let actor = self.actor(tx, session)?;
                actor.require("keys", Action::Read)?;
                store::keys::list(tx, actor.id, now)
            })
        })
    }

    /// One of the signed-in account's keys.
    pub fn key(&self, session: &Session, id: &KeyId) -> Result<KeyInfo> {
        self.guarded(session, "key.read", Some(format!("key {id}")), || {
            let now = self.now_unix();
            self.store.read(|tx| {
                let actor = self.actor(tx, session)?;
                actor.require("keys", Action::Read)?;
                own_row(tx, &actor, id)?;
                store::keys::load_info(tx, id, now)
            })
        })
    }

    /// Keys that stop working within 7 days (shown at sign-in).
    pub fn expiring_soon(&self, session: &Session) -> Result<Vec<KeyInfo>> {
        Ok(self
            .list_keys(session)?
            .into_iter()
            .filter(|k| k.status == KeyStatus::ExpiringSoon && k.replaced_by.is_none())
            .collect())
    }

    /// Renames a key or changes its permissions (still a subset of the account's).
    /// Expiry cannot be changed: a longer-lived key needs a new key.
    pub fn edit_key(&self, session: &Session, id: &KeyId, edit: &KeyEdit) -> Result<KeyInfo> {
        let target = Some(format!("key {id}"));
        self.audited(session, "key.edited", target, |audit| {
            let name = edit.name.as_deref().map(validate::key_name).transpose()?;
            let perms = edit
                .permissions
                .as_deref()
                .map(permissions::parse_all)
                .transpose()?;
            let now = self.now_unix();
            audit.write(now, |tx, actor, entry| {
                actor.require("keys", Action::Write)?;
                let row = own_row(tx, actor, id)?;
                if row.revoked_at.is_some() {
                    return Err(Error::Conflict(
                        "a revoked or replaced key cannot be edited".into(),
                    ));
                }
                let mut changed = Vec::new();
                if let Some(n) = &name {
                    ensure_name_free(tx, actor, n, Some(id))?;
                    store::keys::rename(tx, id, n)?;
                    changed.push(format!("name: {} → {n}", row.name));
                }
                if let Some(p) = &perms {
                    if row.kind == KeyKind::Acct {
                        return Err(Error::invalid(
                            "permissions",
                            "an account key always has all of the account's permissions",
                        ));
                    }
                    ensure_grantable(tx, actor, p)?;
                    store::keys::set_permissions(tx, id, p)?;
                    changed.push(format!("permissions: {}", list_text(p)));
                }
                let new_name = name.clone().unwrap_or(row.name);
                entry.target = key_target(id, &new_name);
                entry.detail = changed.join("; ");
                store::keys::load_info(tx, id, now)
            })
        })
    }

    /// Rolls a key: a new secret with every setting copied. The old key stops at once or
    /// after `grace`, but never later than its own expiry (see [`Grace::old_stops_at`]).
    /// Needs a fresh proof of identity.
    pub fn regenerate_key(&self, session: &Session, id: &KeyId, grace: Grace) -> Result<IssuedKey> {
        let target = Some(format!("key {id}"));
        self.audited(session, "key.regenerated", target, |audit| {
            self.require_fresh_proof(session)?;
            let now_t = self.now();
            let now = to_unix(now_t);
            let (new_id, secret, stop) = audit.write(now, |tx, actor, entry| {
                actor.require("keys", Action::Write)?;
                let row = own_row(tx, actor, id)?;
                if row.kind == KeyKind::Acct {
                    return Err(Error::Conflict("reset the account key instead".into()));
                }
                if row.revoked_at.is_some() {
                    return Err(Error::Conflict(
                        "this key was revoked or already regenerated; regenerate its replacement"
                            .into(),
                    ));
                }
                if row.expires_at.is_some_and(|e| e <= now) {
                    return Err(Error::Conflict(
                        "this key has expired; create a new key instead".into(),
                    ));
                }
                let perms = store::keys::permissions(tx, id)?;
                let dek = if row.revealable {
                    Some(session.data_key()?)
                } else {
                    None
                };
                let (new_id, secret) = mint(
                    tx,
                    actor.id,
                    &row.name,
                    row.kind,
                    &perms,
                    row.expires_at,
                    dek,
                    now,
                )?;
                let stop = to_unix(grace.old_stops_at(now_t, row.expires_at.map(from_unix)));
                store::keys::replace(tx, id, stop, &new_id)?;
                entry.target = key_target(id, &row.name);
                entry.detail = format!(
                    "replaced by {new_id}; old key stops {}",
                    if stop == now {
                        "now".to_string()
                    } else {
                        rfc3339(from_unix(stop))
                    }
                );
                Ok((new_id, secret, stop))
            })?;
            let key = self
                .store
                .read(|tx| store::keys::load_info(tx, &new_id, now))?;
            Ok(IssuedKey {
                old_stops_at: (stop > now).then(|| from_unix(stop)),
                ..IssuedKey::new(key, secret)
            })
        })
    }

    /// Revokes a key for good. The account key cannot be revoked, only reset.
    pub fn revoke_key(&self, session: &Session, id: &KeyId) -> Result<KeyInfo> {
        let target = Some(format!("key {id}"));
        self.audited(session, "key.revoked", target, |audit| {
            let now = self.now_unix();
            audit.write(now, |tx, actor, entry| {
                actor.require("keys", Action::Write)?;
                let row = own_row(tx, actor, id)?;
                if row.kind == KeyKind::Acct {
                    return Err(Error::Forbidden(
                        "the account key cannot be deleted; reset it instead".into(),
                    ));
                }
                if row.revoked_at.is_some_and(|r| r <= now) {
                    return Err(Error::Conflict("this key is already revoked".into()));
                }
                store::keys::revoke(tx, id, now)?;
                entry.target = key_target(id, &row.name);
                store::keys::load_info(tx, id, now)
            })
        })
    }

    /// The secret of a revealable key (or the account key), after step-up. Audited.
    pub fn reveal_key(&self, session: &Session, id: &KeyId) -> Result<ApiKeySecret> {
        let target = Some(format!("key {id}"));
        self.audited(session, "key.viewed", target, |audit| {
            self.require_fresh_proof(session)?;
            let now = self.now_unix();
            audit.write(now, |tx, actor, entry| {
                actor.require("keys", Action::Read)?;
                let row = own_row(tx, actor, id)?;
                if !row.revealable {
                    return Err(Error::Unviewable(Unviewable::NotRevealable));
                }
                if row.revoked_at.is_some_and(|r| r <= now) {
                    return Err(Error::Unviewable(Unviewable::Revoked));
                }
                if row.replaced {
                    return Err(Error::Unviewable(Unviewable::Replaced));
                }
                let Some(ct) = row.secret_ct else {
                    return Err(Error::Unviewable(Unviewable::SecretLost));
                };
                let plain = crypto::open(session.data_key()?, &ct, &secret_aad(id))?;
                let text = String::from_utf8(plain.to_vec())
                    .map_err(|_| Error::internal("stored secret is not text"))?;
                entry.target = key_target(id, &row.name);
                Ok(ApiKeySecret::new(text))
            })
        })
    }

    /// Records that a key's secret left the app (copied or downloaded), for the audit log.
    pub fn record_key_use(&self, session: &Session, id: &KeyId, what: KeyUse) -> Result<()> {
        let now = self.now_unix();
        self.store.write(|tx| {
            let actor = self.actor(tx, session)?;
            let row = own_row(tx, &actor, id)?;
            let action = match what {
                KeyUse::Copied => "key.copied",
                KeyUse::Downloaded => "key.downloaded",
            };
            record(
                tx,
                now,
                Entry::ok(actor.tag(), action, key_target(id, &row.name)),
            )
        })
    }

    /// Writes the key file for `key` (0600, atomically) at `path`, naming where this
    /// store's API is served, and records the download in the audit log.
    pub fn save_key_file(
        &self,
        session: &Session,
        key: &KeyInfo,
        secret: &ApiKeySecret,
        path: &Path,
    ) -> Result<()> {
        let api_url = self.key_file_api_url();
        KeyFile::new(key, secret, &api_url).write(path)?;
        self.record_key_use(session, &key.id, KeyUse::Downloaded)
    }
}
