//! The `accounts` table (with each account's group names), and what signing in reads.

use super::sql::args;
use super::Tx;
use crate::clock::from_unix;
use crate::crypto::WrappedKey;
use crate::model::account::Account;
use crate::validate::fold;
use crate::{AccountId, Error, Result};

macro_rules! columns {
    () => {
        "id, username, first_name, last_name, email, is_admin, disabled,
         avatar_png IS NOT NULL, created_at, mfa_secret_ct IS NOT NULL, last_sign_in_at"
    };
}

fn account(tx: &mut Tx<'_>, mut r: super::sql::Row) -> Result<Account> {
    let id: i64 = r.take(0)?;
    Ok(Account {
        id: AccountId(id),
        username: r.take(1)?,
        first_name: r.take(2)?,
        last_name: r.take(3)?,
        email: r.take(4)?,
        is_admin: r.take(5)?,
        disabled: r.take(6)?,
        has_avatar: r.take(7)?,
        created_at: from_unix(r.take(8)?),
        mfa_enabled: r.take(9)?,
        last_sign_in_at: r.take::<Option<i64>>(10)?.map(from_unix),
        groups: group_names(tx, id)?,
    })
}

fn group_names(tx: &mut Tx<'_>, id: i64) -> Result<Vec<String>> {
    tx.rows(
        "SELECT g.name FROM group_members m JOIN groups g ON g.id = m.group_id
         WHERE m.account_id = ?1 ORDER BY g.name_key",
        args![id],
    )?
    .into_iter()
    .map(|mut r| r.take(0))
    .collect()
}

/// True once any account exists (the store has been initialised).
pub(crate) fn any(tx: &mut Tx<'_>) -> Result<bool> {
    tx.exists("SELECT 1 FROM accounts LIMIT 1", args![])
}

pub(crate) fn load(tx: &mut Tx<'_>, id: i64) -> Result<Account> {
    let sql = concat!("SELECT ", columns!(), " FROM accounts WHERE id = ?1");
    match tx.row(sql, args![id])? {
        Some(r) => account(tx, r),
        None => Err(Error::NotFound("account".into())),
    }
}

/// Every account, by username.
pub(crate) fn list(tx: &mut Tx<'_>) -> Result<Vec<Account>> {
    let sql = concat!(
        "SELECT ",
        columns!(),
        " FROM accounts ORDER BY username_key"
    );
    let rows = tx.rows(sql, args![])?;
    rows.into_iter().map(|r| account(tx, r)).collect()
}

/// The account with this username (in any case), or "not found" naming it.
pub(crate) fn id_by_username(tx: &mut Tx<'_>, username: &str) -> Result<i64> {
    tx.row(
        "SELECT id FROM accounts WHERE username_key = ?1",
        args![fold(username).as_str()],
    )?
    .map(|mut r| r.take(0))
    .unwrap_or_else(|| {
        Err(Error::NotFound(format!(
            "account {:?}",
            crate::validate::shown(username)
        )))
    })
}

/// Whether another account (not `except`) has this username, in any case.
pub(crate) fn username_taken(tx: &mut Tx<'_>, username: &str, except: i64) -> Result<bool> {
    tx.exists(
        "SELECT 1 FROM accounts WHERE username_key = ?1 AND id != ?2",
        args![fold(username).as_str(), except],
    )
}

/// Whether another account (not `except`) has this email, in any case.
pub(crate) fn email_taken(tx: &mut Tx<'_>, email: &str, except: i64) -> Result<bool> {
    tx.exists(
        "SELECT 1 FROM accounts WHERE email_key = ?1 AND id != ?2",
        args![fold(email).as_str(), except],
    )
}

/// A new account row, before its data key is wrapped (the wrapping's associated data
/// names the row id, so it is written by [`set_data_key`] in the same transaction).
pub(crate) struct NewRow<'a> {
    pub username: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub email: Option<&'a str>,
    pub is_admin: bool,
    pub password_hash: &'a str,
    pub now: i64,
}

const NO_BYTES: &[u8] = &[];

pub(crate) fn insert(tx: &mut Tx<'_>, a: &NewRow<'_>) -> Result<i64> {
    let username_key = fold(a.username);
    let email_key = a.email.map(fold);
    tx.value(
        "INSERT INTO accounts (username, username_key, first_name, last_name, email, email_key, is_admin,
                               password_hash, dek_salt, dek_wrapped, dek_kdf, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, '', ?10, ?10)
         RETURNING id",
        args![
            a.username,
            username_key.as_str(),
            a.first_name,
            a.last_name,
            a.email,
            email_key.as_deref(),
            a.is_admin,
            a.password_hash,
            NO_BYTES,
            a.now
        ],
    )
}

pub(crate) fn set_data_key(tx: &mut Tx<'_>, id: i64, w: &WrappedKey) -> Result<()> {
    tx.exec(
        "UPDATE accounts SET dek_salt = ?2, dek_wrapped = ?3, dek_kdf = ?4 WHERE id = ?1",
        args![id, &w.salt, &w.wrapped, &w.kdf],
    )?;
    Ok(())
}

/// A new password hash and the data key re-wrapped under it (a change by the owner, or
/// an upgrade of the hashing cost at sign-in).
pub(crate) fn set_password(
    tx: &mut Tx<'_>,
    id: i64,
    phc: &str,
    w: &WrappedKey,
    now: Option<i64>,
) -> Result<()> {
    tx.exec(
        "UPDATE accounts SET password_hash = ?2, dek_salt = ?3, dek_wrapped = ?4, dek_kdf = ?5,
                updated_at = coalesce(?6, updated_at) WHERE id = ?1",
        args![id, phc, &w.salt, &w.wrapped, &w.kdf, now],
    )?;
    Ok(())
}

/// An administrator's reset: a new password and a new data key (the old one cannot be
/// unwrapped any more), MFA off (its secret was sealed under the old key), the throttle
/// cleared, and `notices` added for the owner's next sign-in.
pub(crate) fn reset_password(
    tx: &mut Tx<'_>,
    id: i64,
    phc: &str,
    w: &WrappedKey,
    notices: i64,
    now: i64,
) -> Result<()> {
    tx.exec(
        "UPDATE accounts SET password_hash = ?2, dek_salt = ?3, dek_wrapped = ?4, dek_kdf = ?5,
                mfa_secret_ct = NULL, mfa_pending_ct = NULL,
                notices = notices | ?6, updated_at = ?7
         WHERE id = ?1",
        args![id, phc, &w.salt, &w.wrapped, &w.kdf, notices, now],
    )?;
    Ok(())
}

pub(crate) fn set_first_name(tx: &mut Tx<'_>, id: i64, v: &str) -> Result<()> {
    tx.exec(
        "UPDATE accounts SET first_name = ?2 WHERE id = ?1",
        args![id, v],
    )?;
    Ok(())
}

pub(crate) fn set_last_name(tx: &mut Tx<'_>, id: i64, v: &str) -> Result<()> {
    tx.exec(
        "UPDATE accounts SET last_name = ?2 WHERE id = ?1",
        args![id, v],
    )?;
    Ok(())
}

pub(crate) fn set_email(tx: &mut Tx<'_>, id: i64, v: Option<&str>) -> Result<()> {
    let key = v.map(fold);
    tx.exec(
        "UPDATE accounts SET email = ?2, email_key = ?3 WHERE id = ?1",
        args![id, v, key.as_deref()],
    )?;
    Ok(())
}

pub(crate) fn touch(tx: &mut Tx<'_>, id: i64, now: i64) -> Result<()> {
    tx.exec(
        "UPDATE accounts SET updated_at = ?2 WHERE id = ?1",
        args![id, now],
    )?;
    Ok(())
}

pub(crate) fn set_disabled(tx: &mut Tx<'_>, id: i64, disabled: bool, now: i64) -> Result<()> {
    tx.exec(
        "UPDATE accounts SET disabled = ?2, updated_at = ?3 WHERE id = ?1",
        args![id, disabled, now],
    )?;
    Ok(())
}

pub(crate) fn set_admin(tx: &mut Tx<'_>, id: i64, admin: bool, now: i64) -> Result<()> {
    tx.exec(
        "UPDATE accounts SET is_admin = ?2, updated_at = ?3 WHERE id = ?1",
        args![id, admin, now],
    )?;
    Ok(())
}

/// Active administrators other than `except`.
pub(crate) fn other_active_admins(tx: &mut Tx<'_>, except: i64) -> Result<i64> {
    tx.value(
        "SELECT count(*) FROM accounts WHERE is_admin AND NOT disabled AND id != ?1",
        args![except],
    )
}

pub(crate) fn set_avatar(tx: &mut Tx<'_>, id: i64, png: Option<&[u8]>, now: i64) -> Result<()> {
    tx.exec(
        "UPDATE accounts SET avatar_png = ?2, updated_at = ?3 WHERE id = ?1",
        args![id, png, now],
    )?;
    Ok(())
}

pub(crate) fn avatar(tx: &mut Tx<'_>, id: i64) -> Result<Option<Vec<u8>>> {
    tx.value("SELECT avatar_png FROM accounts WHERE id = ?1", args![id])
}

/// The acting account as the store has it now: username, administrator, disabled.
pub(crate) fn actor(tx: &mut Tx<'_>, id: i64) -> Result<Option<(String, bool, bool)>> {
    tx.row(
        "SELECT username, is_admin, disabled FROM accounts WHERE id = ?1",
        args![id],
    )?
    .map(|mut r| Ok((r.take(0)?, r.take(1)?, r.take(2)?)))
    .transpose()
}

/// What a password check reads of an account.
pub(crate) struct Credentials {
    pub id: i64,
    pub username: String,
    pub phc: String,
    pub disabled: bool,
    pub dek_salt: Vec<u8>,
    pub dek_wrapped: Vec<u8>,
    pub dek_kdf: String,
    /// Bits of what the owner is to be told at the next sign-in.
    pub notices: i64,
    pub mfa_on: bool,
}

/// The account `login` names: by username first, else by email (both in any case).
pub(crate) fn credentials(tx: &mut Tx<'_>, login: &str) -> Result<Option<Credentials>> {
    let key = fold(login);
    tx.row(
        "SELECT id, username, password_hash, disabled, dek_salt, dek_wrapped, dek_kdf, notices,
                mfa_secret_ct IS NOT NULL
         FROM accounts WHERE username_key = ?1 OR email_key = ?1
         ORDER BY username_key = ?1 DESC LIMIT 1",
        args![key.as_str()],
    )?
    .map(|mut r| {
        Ok(Credentials {
            id: r.take(0)?,
            username: r.take(1)?,
            phc: r.take(2)?,
            disabled: r.take(3)?,
            dek_salt: r.take(4)?,
            dek_wrapped: r.take(5)?,
            dek_kdf: r.take(6)?,
            notices: r.take(7)?,
            mfa_on: r.take(8)?,
        })
    })
    .transpose()
}

/// Signed in at `now`: the owner has been told the sign-in notices, which start again
/// from none.
pub(crate) fn signed_in(tx: &mut Tx<'_>, id: i64, now: i64) -> Result<()> {
    tx.exec(
        "UPDATE accounts SET notices = 0, last_sign_in_at = ?2 WHERE id = ?1",
        args![id, now],
    )?;
    Ok(())
}

/// Adds `notices` bits for the owner's next sign-in.
pub(crate) fn add_notices(tx: &mut Tx<'_>, id: i64, notices: i64) -> Result<()> {
    tx.exec(
        "UPDATE accounts SET notices = notices | ?2 WHERE id = ?1",
        args![id, notices],
    )?;
    Ok(())
}
