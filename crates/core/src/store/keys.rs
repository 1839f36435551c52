//! The `api_keys` and `key_permissions` tables.

use super::sql::{args, Dialect, Row};
use super::Tx;
use crate::clock::from_unix;
use crate::keyformat::KeyKind;
use crate::model::key::{Environment, KeyInfo, KeyStatus};
use crate::permissions::{self, PermissionSet};
use crate::validate::fold;
use crate::{Error, KeyId, Result};
use std::str::FromStr;

macro_rules! info_columns {
    () => {
        "k.id, k.name, k.hint, k.kind, k.revealable, k.secret_ct IS NOT NULL,
         k.created_at, k.expires_at, k.last_used_at, k.revoked_at, k.replaced_by, a.username, a.is_admin,
         (SELECT group_concat(resource || ':' || action, ' ') FROM key_permissions WHERE key_id = k.id),
         a.id"
    };
}

fn info(tx: &mut Tx<'_>, mut r: Row, now: i64) -> Result<KeyInfo> {
    let kind = KeyKind::from_str(&r.take::<String>(3)?)?;
    let expires_at: Option<i64> = r.take(7)?;
    let revoked_at: Option<i64> = r.take(9)?;
    let created_at: i64 = r.take(6)?;
    let is_admin: bool = r.take(12)?;
    let perms = if kind == KeyKind::Acct {
        super::groups::permissions_of_account(tx, r.take(14)?, is_admin)?
    } else {
        permissions::from_joined(r.take::<Option<String>>(13)?.as_deref())
    };
    Ok(KeyInfo {
        id: KeyId(r.take(0)?),
        name: r.take(1)?,
        hint: r.take(2)?,
        kind,
        environment: Environment::of(kind),
        permissions: perms.into_iter().collect(),
        account_key: kind == KeyKind::Acct,
        revealable: r.take(4)?,
        viewable: r.take(5)?,
        created_at: from_unix(created_at),
        expires_at: expires_at.map(from_unix),
        last_used_at: r.take::<Option<i64>>(8)?.map(from_unix),
        revoked_at: revoked_at.map(from_unix),
        replaced_by: r.take::<Option<String>>(10)?.map(KeyId),
        status: KeyStatus::at(now, created_at, expires_at, revoked_at),
        account: r.take(11)?,
    })
}

/// A key as the list shows it, its status judged at `now`.
pub(crate) fn load_info(tx: &mut Tx<'_>, id: &KeyId, now: i64) -> Result<KeyInfo> {
    let sql = concat!(
        "SELECT ",
        info_columns!(),
        " FROM api_keys k JOIN accounts a ON a.id = k.account_id WHERE k.id = ?1"
    );
    match tx.row(sql, args![id.0.as_str()])? {
        Some(r) => info(tx, r, now),
        None => Err(Error::NotFound("key".into())),
    }
}

/// An account's keys (not its account key), newest first.
pub(crate) fn list(tx: &mut Tx<'_>, account_id: i64, now: i64) -> Result<Vec<KeyInfo>> {
    // Keys made in the same second come newest first too: by insertion order, which
    // each engine keeps in its own way.
    let sql = match tx.dialect() {
        Dialect::Sqlite => concat!(
            "SELECT ",
            info_columns!(),
            " FROM api_keys k JOIN accounts a ON a.id = k.account_id
             WHERE k.account_id = ?1 AND k.kind != 'acct' ORDER BY k.created_at DESC, k.rowid DESC"
        ),
        Dialect::Postgres => concat!(
            "SELECT ",
            info_columns!(),
            " FROM api_keys k JOIN accounts a ON a.id = k.account_id
             WHERE k.account_id = ?1 AND k.kind != 'acct' ORDER BY k.created_at DESC, k.seq DESC"
        ),
    };
    let rows = tx.rows(sql, args![account_id])?;
    rows.into_iter().map(|r| info(tx, r, now)).collect()
}

/// A new key row.
pub(crate) struct NewRow<'a> {
    pub id: &'a KeyId,
    pub account_id: i64,
    pub name: &'a str,
    pub kind: KeyKind,
    pub digest: &'a [u8; 32],
    pub hint: &'a str,
    /// For a revealable key: its secret sealed under the account's data key.
    pub sealed: Option<&'a [u8]>,
    pub created_at: i64,
    pub expires_at: Option<i64>,
}

pub(crate) fn insert(tx: &mut Tx<'_>, k: &NewRow<'_>, perms: &PermissionSet) -> Result<()> {
    let name_key = fold(k.name);
    tx.exec(
        "INSERT INTO api_keys (id, account_id, name, name_key, kind, digest, hint, revealable, secret_ct,
                               created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        args![
            k.id.0.as_str(),
            k.account_id,
            k.name,
            name_key.as_str(),
            k.kind.as_str(),
            k.digest,
            k.hint,
            k.sealed.is_some(),
            k.sealed,
            k.created_at,
            k.expires_at
        ],
    )?;
    set_permissions(tx, k.id, perms)
}

/// Replaces a key's permissions, in the table and in the row's copy that verification
/// reads (see `schema_v2.sql`).
pub(crate) fn set_permissions(tx: &mut Tx<'_>, id: &KeyId, perms: &PermissionSet) -> Result<()> {
    tx.exec(
        "DELETE FROM key_permissions WHERE key_id = ?1",
        args![id.0.as_str()],
    )?;
    for p in perms {
        tx.exec(
            "INSERT INTO key_permissions (key_id, resource, action) VALUES (?1, ?2, ?3)",
            args![id.0.as_str(), p.resource.as_str(), p.action.as_str()],
        )?;
    }
    let joined = permissions::joined(perms);
    tx.exec(
        "UPDATE api_keys SET permissions = ?2 WHERE id = ?1",
        args![id.0.as_str(), joined.as_str()],
    )?;
    Ok(())
}

/// A key's own permissions.
pub(crate) fn permissions(tx: &mut Tx<'_>, id: &KeyId) -> Result<PermissionSet> {
    let joined: Option<String> = tx.value(
        "SELECT group_concat(resource || ':' || action, ' ') FROM key_permissions WHERE key_id = ?1",
        args![id.0.as_str()],
    )?;
    Ok(permissions::from_joined(joined.as_deref()))
}

/// What the rules check of a key before changing it.
pub(crate) struct KeyRow {
    pub account_id: i64,
    pub name: String,
    pub kind: KeyKind,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub secret_ct: Option<Vec<u8>>,
    pub revealable: bool,
    pub replaced: bool,
}

pub(crate) fn row(tx: &mut Tx<'_>, id: &KeyId) -> Result<Option<KeyRow>> {
    let Some(mut r) = tx.row(
        "SELECT account_id, name, kind, expires_at, revoked_at, secret_ct, revealable, replaced_by IS NOT NULL
         FROM api_keys WHERE id = ?1",
        args![id.0.as_str()],
    )?
    else {
        return Ok(None);
    };
    Ok(Some(KeyRow {
        account_id: r.take(0)?,
        name: r.take(1)?,
        kind: KeyKind::from_str(&r.take::<String>(2)?)?,
        expires_at: r.take(3)?,
        revoked_at: r.take(4)?,
        secret_ct: r.take(5)?,
        revealable: r.take(6)?,
        replaced: r.take(7)?,
    }))
}

/// Whether another of the account's keys in use (not revoked, not `except`) has this
/// name, in any case.
pub(crate) fn name_taken(
    tx: &mut Tx<'_>,
    account_id: i64,
    name: &str,
    except: Option<&KeyId>,
) -> Result<bool> {
    let key = fold(name);
    tx.exists(
        "SELECT 1 FROM api_keys WHERE account_id = ?1 AND kind != 'acct' AND revoked_at IS NULL
         AND name_key = ?2 AND id != ?3",
        args![
            account_id,
            key.as_str(),
            except.map_or("", |k| k.0.as_str())
        ],
    )
}

/// The account's keys in use at `now` (its account key not counted).
pub(crate) fn count_active(tx: &mut Tx<'_>, account_id: i64, now: i64) -> Result<u32> {
    tx.value(
        "SELECT count(*) FROM api_keys WHERE account_id = ?1 AND kind != 'acct'
         AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?2)",
        args![account_id, now],
    )
}

pub(crate) fn rename(tx: &mut Tx<'_>, id: &KeyId, name: &str) -> Result<()> {
    let key = fold(name);
    tx.exec(
        "UPDATE api_keys SET name = ?2, name_key = ?3 WHERE id = ?1",
        args![id.0.as_str(), name, key.as_str()],
    )?;
    Ok(())
}

/// Stops a key at `at` for good; its secret is never shown again, so its ciphertext goes.
pub(crate) fn revoke(tx: &mut Tx<'_>, id: &KeyId, at: i64) -> Result<()> {
    tx.exec(
        "UPDATE api_keys SET revoked_at = ?2, secret_ct = NULL WHERE id = ?1",
        args![id.0.as_str(), at],
    )?;
    Ok(())
}

/// A regenerated key: replaced by `new`, working until `stops_at` (during the grace
/// period it still verifies by its digest), its ciphertext gone now.
pub(crate) fn replace(tx: &mut Tx<'_>, id: &KeyId, stops_at: i64, new: &KeyId) -> Result<()> {
    tx.exec(
        "UPDATE api_keys SET revoked_at = ?2, replaced_by = ?3, secret_ct = NULL WHERE id = ?1",
        args![id.0.as_str(), stops_at, new.0.as_str()],
    )?;
    Ok(())
}

/// The account's account key in use, if it has one.
pub(crate) fn account_key(tx: &mut Tx<'_>, account_id: i64) -> Result<Option<KeyId>> {
    tx.row(
        "SELECT id FROM api_keys WHERE account_id = ?1 AND kind = 'acct' AND revoked_at IS NULL",
        args![account_id],
    )?
    .map(|mut r| r.take(0).map(KeyId))
    .transpose()
}

/// Stops every account key of an account at `now` (it is no longer an administrator).
pub(crate) fn revoke_account_keys(tx: &mut Tx<'_>, account_id: i64, now: i64) -> Result<()> {
    tx.exec(
        "UPDATE api_keys SET revoked_at = ?2
         WHERE account_id = ?1 AND kind = 'acct' AND revoked_at IS NULL",
        args![account_id, now],
    )?;
    Ok(())
}

/// The account's keys whose secret can be viewed now.
pub(crate) fn count_viewable(tx: &mut Tx<'_>, account_id: i64, now: i64) -> Result<u32> {
    tx.value(
        "SELECT count(*) FROM api_keys WHERE account_id = ?1 AND secret_ct IS NOT NULL
         AND (revoked_at IS NULL OR revoked_at > ?2)",
        args![account_id, now],
    )
}

/// Forgets every stored secret of an account (its data key is gone); returns how many.
pub(crate) fn drop_secrets(tx: &mut Tx<'_>, account_id: i64) -> Result<u32> {
    let n = tx.exec(
        "UPDATE api_keys SET secret_ct = NULL WHERE account_id = ?1 AND secret_ct IS NOT NULL",
        args![account_id],
    )?;
    Ok(n as u32)
}

/// Keys in use at `now` that were given anything on `resource`.
pub(crate) fn count_active_with_resource(tx: &mut Tx<'_>, resource: &str, now: i64) -> Result<u32> {
    tx.value(
        "SELECT count(DISTINCT k.id) FROM api_keys k JOIN key_permissions kp ON kp.key_id = k.id
         WHERE kp.resource = ?1 AND (k.revoked_at IS NULL OR k.revoked_at > ?2)
           AND (k.expires_at IS NULL OR k.expires_at > ?2)",
        args![resource, now],
    )
}
