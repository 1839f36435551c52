//! API keys: create, list, edit, regenerate (with grace), revoke, reveal, account keys.
//!
//! The plaintext of a key exists only in an [`IssuedKey`] (or a reveal). The store keeps
//! its SHA-256 digest for lookup, a display hint, and, for revealable keys, a ciphertext
//! under the account's data key.

use crate::audit::{record, Entry};
use crate::auth::Session;
use crate::clock::{from_unix, to_unix};
use crate::keyformat::{self, KeyKind};
use crate::permissions::{self, Action, Permission, PermissionSet};
use crate::secret::{ApiKeySecret, KeyBytes};
use crate::{crypto, policy, validate, Error, KeyId, Latchkey, Result};
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::str::FromStr;
use time::{Date, Duration, OffsetDateTime, Time};

/// Keys within this long of their end are "expiring soon".
pub const EXPIRING_SOON: Duration = Duration::days(7);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Live,
    Test,
}

impl Environment {
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Live => "live",
            Environment::Test => "test",
        }
    }
    fn kind(self) -> KeyKind {
        match self {
            Environment::Live => KeyKind::Live,
            Environment::Test => KeyKind::Test,
        }
    }
}

impl FromStr for Environment {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim() {
            "live" => Ok(Environment::Live),
            "test" => Ok(Environment::Test),
            _ => Err(Error::invalid("environment", "must be live or test")),
        }
    }
}

/// When a new key stops working.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type", content = "value")]
pub enum Expiry {
    /// One of the presets: 7, 30, 60 or 90 days from now.
    Days(u16),
    /// The end of this day (23:59:59 UTC).
    On(Date),
    Never,
}

impl FromStr for Expiry {
    type Err = Error;
    /// `7d`, `30d`, `60d`, `90d`, `never`, or a date `YYYY-MM-DD`.
    fn from_str(s: &str) -> Result<Self> {
        let s = s.trim();
        let rule = "must be 7d, 30d, 60d, 90d, a date YYYY-MM-DD, or never";
        match s {
            "never" => Ok(Expiry::Never),
            "7d" => Ok(Expiry::Days(7)),
            "30d" => Ok(Expiry::Days(30)),
            "60d" => Ok(Expiry::Days(60)),
            "90d" => Ok(Expiry::Days(90)),
            _ => {
                let fmt = time::macros::format_description!("[year]-[month]-[day]");
                Date::parse(s, &fmt)
                    .map(Expiry::On)
                    .map_err(|_| Error::invalid("expiry", rule))
            }
        }
    }
}

impl Expiry {
    /// The moment of expiry, checked against the presets, the present and the policy.
    fn resolve(self, now: OffsetDateTime, pol: &policy::Policy) -> Result<Option<OffsetDateTime>> {
        let at = match self {
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
                let at = date
                    .with_time(Time::from_hms(23, 59, 59).unwrap_or(Time::MIDNIGHT))
                    .assume_utc();
                if at <= now || date <= now.date() {
                    return Err(Error::invalid("expiry", "must be a date after today"));
                }
                at
            }
        };
        // The limit, in the units the person chose: a preset of at most `max` days, or a
        // date no later than today (UTC) plus `max` days. A date's key lives until the end
        // of that day, so it can outlast a preset by less than a day, never by more.
        if let Some(max) = pol.max_key_lifetime_days {
            let last_date = now.date().checked_add(Duration::days(max.into()));
            let within = match self {
                Expiry::Days(d) => u32::from(d) <= max,
                Expiry::On(date) => last_date.is_some_and(|last| date <= last),
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
}

/// How long a regenerated key's predecessor keeps working.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grace {
    Immediately,
    Minutes15,
    Hour1,
    Hours6,
    Hours24,
}

impl Grace {
    pub fn duration(self) -> Duration {
        match self {
            Grace::Immediately => Duration::ZERO,
            Grace::Minutes15 => Duration::minutes(15),
            Grace::Hour1 => Duration::hours(1),
            Grace::Hours6 => Duration::hours(6),
            Grace::Hours24 => Duration::hours(24),
        }
    }
}

impl FromStr for Grace {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim() {
            "0" | "now" | "immediately" => Ok(Grace::Immediately),
            "15m" => Ok(Grace::Minutes15),
            "1h" => Ok(Grace::Hour1),
            "6h" => Ok(Grace::Hours6),
            "24h" => Ok(Grace::Hours24),
            _ => Err(Error::invalid("grace", "must be now, 15m, 1h, 6h or 24h")),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyStatus {
    Active,
    ExpiringSoon,
    Expired,
    Revoked,
}

impl KeyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyStatus::Active => "active",
            KeyStatus::ExpiringSoon => "expiring_soon",
            KeyStatus::Expired => "expired",
            KeyStatus::Revoked => "revoked",
        }
    }

    pub(crate) fn at(now: i64, expires_at: Option<i64>, revoked_at: Option<i64>) -> Self {
        if revoked_at.is_some_and(|r| r <= now) {
            return KeyStatus::Revoked;
        }
        if expires_at.is_some_and(|e| e <= now) {
            return KeyStatus::Expired;
        }
        let end = match (expires_at, revoked_at) {
            (Some(e), Some(r)) => Some(e.min(r)),
            (e, r) => e.or(r),
        };
        if end.is_some_and(|e| e - now <= EXPIRING_SOON.whole_seconds()) {
            KeyStatus::ExpiringSoon
        } else {
            KeyStatus::Active
        }
    }
}

/// What the list shows of a key. Never the secret.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct KeyInfo {
    pub id: KeyId,
    pub name: String,
    pub hint: String,
    pub kind: KeyKind,
    pub environment: Environment,
    /// The permissions the key was given (an account key: all of the account's).
    pub permissions: Vec<Permission>,
    pub account_key: bool,
    /// The secret can be viewed again after step-up.
    pub revealable: bool,
    /// The account's owner can view it now (false after an administrator's reset).
    pub viewable: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
    /// When it stopped (or, during a regeneration grace period, will stop) working.
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
    pub replaced_by: Option<KeyId>,
    pub status: KeyStatus,
    pub account: String,
}

/// A key as issued: its description and, this once, its secret.
#[derive(Debug)]
pub struct IssuedKey {
    pub key: KeyInfo,
    pub secret: ApiKeySecret,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewKey {
    pub name: String,
    pub permissions: Vec<String>,
    pub environment: Environment,
    pub expiry: Expiry,
    /// Keep an encrypted copy so the owner can view it again after step-up.
    #[serde(default)]
    pub revealable: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct KeyEdit {
    pub name: Option<String>,
    pub permissions: Option<Vec<String>>,
}

pub(crate) fn digest(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

fn secret_aad(id: &KeyId) -> Vec<u8> {
    format!("latchkey/key/v1/{id}").into_bytes()
}

const INFO_COLUMNS: &str = "k.id, k.name, k.hint, k.kind, k.revealable, k.secret_ct IS NOT NULL,
    k.created_at, k.expires_at, k.last_used_at, k.revoked_at, k.replaced_by, a.username, a.is_admin,
    (SELECT group_concat(resource || ':' || action, ' ') FROM key_permissions WHERE key_id = k.id),
    a.id";

fn info_from_row(conn: &rusqlite::Connection, r: &rusqlite::Row<'_>, now: i64) -> Result<KeyInfo> {
    let kind: String = r.get(3)?;
    let kind = KeyKind::from_str(&kind)?;
    let expires_at: Option<i64> = r.get(7)?;
    let revoked_at: Option<i64> = r.get(9)?;
    let perms = if kind == KeyKind::Acct {
        permissions::of_account(conn, r.get(14)?, r.get(12)?)?
    } else {
        permissions::from_joined(r.get(13)?)
    };
    Ok(KeyInfo {
        id: KeyId(r.get(0)?),
        name: r.get(1)?,
        hint: r.get(2)?,
        kind,
        environment: if kind == KeyKind::Test {
            Environment::Test
        } else {
            Environment::Live
        },
        permissions: perms.into_iter().collect(),
        account_key: kind == KeyKind::Acct,
        revealable: r.get(4)?,
        viewable: r.get(5)?,
        created_at: from_unix(r.get(6)?),
        expires_at: expires_at.map(from_unix),
        last_used_at: r.get::<_, Option<i64>>(8)?.map(from_unix),
        revoked_at: revoked_at.map(from_unix),
        replaced_by: r.get::<_, Option<String>>(10)?.map(KeyId),
        status: KeyStatus::at(now, expires_at, revoked_at),
        account: r.get(11)?,
    })
}

pub(crate) fn load_info(conn: &rusqlite::Connection, id: &KeyId, now: i64) -> Result<KeyInfo> {
    let sql = format!("SELECT {INFO_COLUMNS} FROM api_keys k JOIN accounts a ON a.id = k.account_id WHERE k.id = ?1");
    let mut st = conn.prepare_cached(&sql)?;
    let mut rows = st.query([&id.0])?;
    match rows.next()? {
        Some(r) => info_from_row(conn, r, now),
        None => Err(Error::NotFound("key".into())),
    }
}

/// Inserts a key row (and its permissions) and returns its id and secret.
#[allow(clippy::too_many_arguments)]
fn insert_key(
    tx: &rusqlite::Connection,
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
    tx.prepare_cached(
        "INSERT INTO api_keys (id, account_id, name, kind, digest, hint, revealable, secret_ct, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(rusqlite::params![
        id.0,
        account_id,
        name,
        kind.as_str(),
        digest(&text).as_slice(),
        keyformat::hint(&text),
        sealed.is_some(),
        sealed,
        now,
        expires_at
    ])?;
    write_permissions(tx, &id, perms)?;
    Ok((id, ApiKeySecret::new(std::mem::take(&mut *text))))
}

/// Replaces a key's permissions, in the table and in the row's denormalised copy.
fn write_permissions(tx: &rusqlite::Connection, id: &KeyId, perms: &PermissionSet) -> Result<()> {
    tx.execute("DELETE FROM key_permissions WHERE key_id = ?1", [&id.0])?;
    let mut st = tx.prepare_cached(
        "INSERT INTO key_permissions (key_id, resource, action) VALUES (?1, ?2, ?3)",
    )?;
    for p in perms {
        st.execute((&id.0, &p.resource, p.action.as_str()))?;
    }
    let joined: Vec<String> = perms.iter().map(ToString::to_string).collect();
    tx.execute(
        "UPDATE api_keys SET permissions = ?2 WHERE id = ?1",
        (&id.0, joined.join(" ")),
    )?;
    Ok(())
}

pub(crate) fn insert_account_key(
    tx: &rusqlite::Connection,
    account_id: i64,
    dek: &KeyBytes,
    now: i64,
) -> Result<(KeyId, ApiKeySecret)> {
    insert_key(
        tx,
        account_id,
        "Account key",
        KeyKind::Acct,
        &PermissionSet::new(),
        None,
        Some(dek),
        now,
    )
}

struct KeyRow {
    account_id: i64,
    name: String,
    kind: KeyKind,
    expires_at: Option<i64>,
    revoked_at: Option<i64>,
    secret_ct: Option<Vec<u8>>,
    revealable: bool,
    replaced: bool,
}

fn load_row(conn: &rusqlite::Connection, id: &KeyId) -> Result<KeyRow> {
    conn.prepare_cached(
        "SELECT account_id, name, kind, expires_at, revoked_at, secret_ct, revealable, replaced_by IS NOT NULL
         FROM api_keys WHERE id = ?1",
    )?
    .query_row([&id.0], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get(6)?,
            r.get(7)?,
        ))
    })
    .optional()?
    .map(|(account_id, name, kind, expires_at, revoked_at, secret_ct, revealable, replaced)| {
        Ok(KeyRow {
            account_id,
            name,
            kind: KeyKind::from_str(&kind)?,
            expires_at,
            revoked_at,
            secret_ct,
            revealable,
            replaced,
        })
    })
    .unwrap_or_else(|| Err(Error::NotFound("key".into())))
}

/// A key of the acting account; another account's key is "not found", not "forbidden",
/// so ids reveal nothing.
fn own_row(conn: &rusqlite::Connection, actor_id: i64, id: &KeyId) -> Result<KeyRow> {
    let row = load_row(conn, id)?;
    if row.account_id != actor_id {
        return Err(Error::NotFound("key".into()));
    }
    Ok(row)
}

fn ensure_name_free(
    conn: &rusqlite::Connection,
    account_id: i64,
    name: &str,
    except: Option<&KeyId>,
) -> Result<()> {
    let taken = conn
        .prepare_cached(
            "SELECT 1 FROM api_keys WHERE account_id = ?1 AND kind != 'acct' AND revoked_at IS NULL
             AND name = ?2 COLLATE NOCASE AND id != ?3",
        )?
        .exists(rusqlite::params![
            account_id,
            name,
            except.map(|k| k.0.as_str()).unwrap_or("")
        ])?;
    if taken {
        return Err(Error::invalid(
            "name",
            "is already used by another of your keys",
        ));
    }
    Ok(())
}

fn key_target(id: &KeyId, name: &str) -> Option<String> {
    Some(format!("key {id} ({name})"))
}

impl Latchkey {
    /// Creates a key for the signed-in account. Its secret is in the result and nowhere else.
    pub fn create_key(&self, session: &Session, new: &NewKey) -> Result<IssuedKey> {
        self.audited(session, "key.created", None, |audit| {
            let name = validate::key_name(&new.name)?;
            let perms = permissions::parse_all(&new.permissions)?;
            let now_t = self.now();
            let now = to_unix(now_t);
            let (id, secret) = audit.write(now, |tx, actor, entry| {
                actor.require("keys", Action::Write)?;
                let pol = policy::load(tx)?;
                let expires_at = new.expiry.resolve(now_t, &pol)?.map(to_unix);
                permissions::ensure_known(tx, &perms)?;
                permissions::ensure_subset(&perms, &actor.grantable(tx)?)?;
                ensure_name_free(tx, actor.id, &name, None)?;
                if let Some(max) = pol.max_active_keys {
                    let active: u32 = tx.query_row(
                        "SELECT count(*) FROM api_keys WHERE account_id = ?1 AND kind != 'acct'
                         AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?2)",
                        (actor.id, now),
                        |r| r.get(0),
                    )?;
                    if active >= max {
                        return Err(Error::Policy(format!(
                            "you already have {active} active keys and the policy allows {max}; revoke one first"
                        )));
                    }
                }
                let dek = if new.revealable { Some(session.data_key()?) } else { None };
                let (id, secret) = insert_key(tx, actor.id, &name, new.environment.kind(), &perms, expires_at, dek, now)?;
                let perm_list: Vec<String> = perms.iter().map(ToString::to_string).collect();
                entry.target = key_target(&id, &name);
                entry.detail = format!(
                    "{}; permissions: {}; expires: {}{}",
                    new.environment.as_str(),
                    if perm_list.is_empty() { "none".into() } else { perm_list.join(" ") },
                    expires_at.map(|e| crate::clock::rfc3339(from_unix(e))).unwrap_or_else(|| "never".into()),
                    if new.revealable { "; revealable" } else { "" }
                );
                Ok((id, secret))
            })?;
            let key = self.store.read(|c| load_info(c, &id, now))?;
            Ok(IssuedKey { key, secret })
        })
    }

    /// The signed-in account's keys (not its account key), newest first.
    pub fn list_keys(&self, session: &Session) -> Result<Vec<KeyInfo>> {
        self.guarded(session, "keys.read", None, || {
        let now = self.now_unix();
        self.store.read(|c| {
            let actor = self.actor(c, session)?;
            actor.require("keys", Action::Read)?;
            let sql = format!(
                "SELECT {INFO_COLUMNS} FROM api_keys k JOIN accounts a ON a.id = k.account_id
                 WHERE k.account_id = ?1 AND k.kind != 'acct' ORDER BY k.created_at DESC, k.rowid DESC"
            );
            let mut st = c.prepare_cached(&sql)?;
            let mut rows = st.query([actor.id])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                out.push(info_from_row(c, r, now)?);
            }
            Ok(out)
        })
    })
    }

    /// One of the signed-in account's keys.
    pub fn key(&self, session: &Session, id: &KeyId) -> Result<KeyInfo> {
        self.guarded(session, "key.read", Some(format!("key {id}")), || {
            let now = self.now_unix();
            self.store.read(|c| {
                let actor = self.actor(c, session)?;
                actor.require("keys", Action::Read)?;
                own_row(c, actor.id, id)?;
                load_info(c, id, now)
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
                let row = own_row(tx, actor.id, id)?;
                if row.revoked_at.is_some() {
                    return Err(Error::Conflict(
                        "a revoked or replaced key cannot be edited".into(),
                    ));
                }
                let mut changed = Vec::new();
                if let Some(n) = &name {
                    ensure_name_free(tx, actor.id, n, Some(id))?;
                    tx.execute("UPDATE api_keys SET name = ?2 WHERE id = ?1", (&id.0, n))?;
                    changed.push(format!("name: {} → {n}", row.name));
                }
                if let Some(p) = &perms {
                    if row.kind == KeyKind::Acct {
                        return Err(Error::invalid(
                            "permissions",
                            "an account key always has all of the account's permissions",
                        ));
                    }
                    permissions::ensure_known(tx, p)?;
                    permissions::ensure_subset(p, &actor.grantable(tx)?)?;
                    write_permissions(tx, id, p)?;
                    let list: Vec<String> = p.iter().map(ToString::to_string).collect();
                    changed.push(format!(
                        "permissions: {}",
                        if list.is_empty() {
                            "none".into()
                        } else {
                            list.join(" ")
                        }
                    ));
                }
                let new_name = name.clone().unwrap_or(row.name);
                entry.target = key_target(id, &new_name);
                entry.detail = changed.join("; ");
                load_info(tx, id, now)
            })
        })
    }

    /// Rolls a key: a new secret with every setting copied. The old key stops at once or
    /// after `grace`, but never later than its own expiry. Needs a fresh proof of identity.
    pub fn regenerate_key(&self, session: &Session, id: &KeyId, grace: Grace) -> Result<IssuedKey> {
        let target = Some(format!("key {id}"));
        self.audited(session, "key.regenerated", target, |audit| {
            self.require_fresh_proof(session)?;
            let now_t = self.now();
            let now = to_unix(now_t);
            let (new_id, secret) = audit.write(now, |tx, actor, entry| {
                actor.require("keys", Action::Write)?;
                let row = own_row(tx, actor.id, id)?;
                if row.kind == KeyKind::Acct {
                    return Err(Error::Conflict("reset the account key instead".into()));
                }
                if row.revoked_at.is_some() {
                    return Err(Error::Conflict(
                        "this key was revoked or already regenerated; regenerate its replacement".into(),
                    ));
                }
                if row.expires_at.is_some_and(|e| e <= now) {
                    return Err(Error::Conflict("this key has expired; create a new key instead".into()));
                }
                let perms = permissions::from_joined(tx.query_row(
                    "SELECT group_concat(resource || ':' || action, ' ') FROM key_permissions WHERE key_id = ?1",
                    [&id.0],
                    |r| r.get(0),
                )?);
                let dek = if row.revealable { Some(session.data_key()?) } else { None };
                let (new_id, secret) = insert_key(tx, actor.id, &row.name, row.kind, &perms, row.expires_at, dek, now)?;
                let stop = now + grace.duration().whole_seconds();
                let stop = row.expires_at.map_or(stop, |e| stop.min(e));
                tx.execute(
                    // The old secret is never shown again, so its ciphertext goes now, as on
                    // revoke; during the grace period the key still verifies by its digest.
                    "UPDATE api_keys SET revoked_at = ?2, replaced_by = ?3, secret_ct = NULL WHERE id = ?1",
                    (&id.0, stop, &new_id.0),
                )?;
                entry.target = key_target(id, &row.name);
                entry.detail = format!(
                    "replaced by {new_id}; old key stops {}",
                    if stop == now { "now".to_string() } else { crate::clock::rfc3339(from_unix(stop)) }
                );
                Ok((new_id, secret))
            })?;
            let key = self.store.read(|c| load_info(c, &new_id, now))?;
            Ok(IssuedKey { key, secret })
        })
    }

    /// Revokes a key for good. The account key cannot be revoked, only reset.
    pub fn revoke_key(&self, session: &Session, id: &KeyId) -> Result<KeyInfo> {
        let target = Some(format!("key {id}"));
        self.audited(session, "key.revoked", target, |audit| {
            let now = self.now_unix();
            audit.write(now, |tx, actor, entry| {
                actor.require("keys", Action::Write)?;
                let row = own_row(tx, actor.id, id)?;
                if row.kind == KeyKind::Acct {
                    return Err(Error::Forbidden(
                        "the account key cannot be deleted; reset it instead".into(),
                    ));
                }
                if row.revoked_at.is_some_and(|r| r <= now) {
                    return Err(Error::Conflict("this key is already revoked".into()));
                }
                tx.execute(
                    "UPDATE api_keys SET revoked_at = ?2, secret_ct = NULL WHERE id = ?1",
                    (&id.0, now),
                )?;
                entry.target = key_target(id, &row.name);
                load_info(tx, id, now)
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
                let row = own_row(tx, actor.id, id)?;
                if !row.revealable {
                    return Err(Error::Forbidden("this key was created without \"allow viewing later\"; it cannot be shown again".into()));
                }
                if row.revoked_at.is_some_and(|r| r <= now) {
                    return Err(Error::Conflict("this key is revoked".into()));
                }
                if row.replaced {
                    return Err(Error::Conflict(
                        "this key was regenerated; view its replacement instead".into(),
                    ));
                }
                let Some(ct) = row.secret_ct else {
                    return Err(Error::Conflict(
                        "this key can no longer be viewed: an administrator reset your password; regenerate it to get a new secret".into(),
                    ));
                };
                let plain = crypto::open(session.data_key()?, &ct, &secret_aad(id))?;
                let text = String::from_utf8(plain.to_vec()).map_err(|_| Error::Internal("stored secret is not text".into()))?;
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
            let row = own_row(tx, actor.id, id)?;
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

    /// The administrator's account key (its description).
    pub fn account_key(&self, session: &Session) -> Result<KeyInfo> {
        self.guarded(session, "account_key.read", None, || {
        let now = self.now_unix();
        self.store.read(|c| {
            let actor = self.actor(c, session)?;
            actor.require("keys", Action::Read)?;
            actor.require_admin()?;
            let id: Option<String> = c
                .query_row(
                    "SELECT id FROM api_keys WHERE account_id = ?1 AND kind = 'acct' AND revoked_at IS NULL",
                    [actor.id],
                    |r| r.get(0),
                )
                .optional()?;
            let id = id.ok_or_else(|| Error::NotFound("account key".into()))?;
            load_info(c, &KeyId(id), now)
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
                let old: Option<String> = tx
                    .query_row(
                        "SELECT id FROM api_keys WHERE account_id = ?1 AND kind = 'acct' AND revoked_at IS NULL",
                        [actor.id],
                        |r| r.get(0),
                    )
                    .optional()?;
                if let Some(old) = &old {
                    tx.execute("UPDATE api_keys SET revoked_at = ?2, secret_ct = NULL WHERE id = ?1", (old, now))?;
                }
                let (id, secret) = insert_account_key(tx, actor.id, session.data_key()?, now)?;
                if let Some(old) = &old {
                    tx.execute("UPDATE api_keys SET replaced_by = ?2 WHERE id = ?1", (old, &id.0))?;
                }
                entry.target = key_target(&id, "Account key");
                Ok((id, secret))
            })?;
            let key = self.store.read(|c| load_info(c, &id, now))?;
            Ok(IssuedKey { key, secret })
        })
    }

    /// Gives an administrator without an account key (newly promoted) its key.
    pub(crate) fn ensure_account_key(&self, session: &Session) -> Result<()> {
        let now = self.now_unix();
        self.store.write(|tx| {
            let actor = self.actor(tx, session)?;
            if !actor.is_admin {
                return Ok(());
            }
            let has: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM api_keys WHERE account_id = ?1 AND kind = 'acct' AND revoked_at IS NULL)",
                [actor.id],
                |r| r.get(0),
            )?;
            if !has {
                let (id, _secret) = insert_account_key(tx, actor.id, session.data_key()?, now)?;
                record(tx, now, Entry::ok(actor.tag(), "account_key.created", key_target(&id, "Account key")))?;
            }
            Ok(())
        })
    }
}

/// How a key's secret left the app, for [`Latchkey::record_key_use`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyUse {
    Copied,
    Downloaded,
}
