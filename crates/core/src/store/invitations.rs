//! The `invitations`, `invitation_groups` and `invitation_attempts` tables.

use super::sql::{args, Row};
use super::Tx;
use crate::clock::from_unix;
use crate::model::invitation::{Invitation, InvitationStatus};
use crate::Result;

macro_rules! columns {
    () => {
        "i.id, i.email, i.is_admin, i.hint, i.created_at, i.expires_at, i.accepted_at,
         i.revoked_at, i.replaced_by,
         (SELECT username FROM accounts WHERE id = i.created_by),
         (SELECT username FROM accounts WHERE id = i.account_id)"
    };
}

/// The status at `now` of an invitation with these times.
pub(crate) fn status_at(
    now: i64,
    accepted_at: Option<i64>,
    revoked_at: Option<i64>,
    expires_at: i64,
) -> InvitationStatus {
    if accepted_at.is_some() {
        InvitationStatus::Accepted
    } else if revoked_at.is_some() {
        InvitationStatus::Revoked
    } else if expires_at <= now {
        InvitationStatus::Expired
    } else {
        InvitationStatus::Pending
    }
}

fn invitation(tx: &mut Tx<'_>, mut r: Row, now: i64) -> Result<Invitation> {
    let id: String = r.take(0)?;
    let expires_at: i64 = r.take(5)?;
    let accepted_at: Option<i64> = r.take(6)?;
    let revoked_at: Option<i64> = r.take(7)?;
    Ok(Invitation {
        groups: group_names(tx, &id)?,
        id,
        email: r.take(1)?,
        admin: r.take(2)?,
        hint: r.take(3)?,
        created_at: from_unix(r.take(4)?),
        expires_at: from_unix(expires_at),
        accepted_at: accepted_at.map(from_unix),
        status: status_at(now, accepted_at, revoked_at, expires_at),
        invited_by: r.take(9)?,
        accepted_by: r.take(10)?,
    })
}

fn group_names(tx: &mut Tx<'_>, id: &str) -> Result<Vec<String>> {
    tx.rows(
        "SELECT g.name FROM invitation_groups ig JOIN groups g ON g.id = ig.group_id
         WHERE ig.invitation_id = ?1 ORDER BY g.name_key",
        args![id],
    )?
    .into_iter()
    .map(|mut r| r.take(0))
    .collect()
}

/// Every invitation still in force or finished, newest first (not the codes a re-issue
/// replaced: their invitation is listed under its newest code).
pub(crate) fn list(tx: &mut Tx<'_>, now: i64) -> Result<Vec<Invitation>> {
    let sql = concat!(
        "SELECT ",
        columns!(),
        " FROM invitations i WHERE i.replaced_by IS NULL ORDER BY i.seq DESC"
    );
    let rows = tx.rows(sql, args![])?;
    rows.into_iter().map(|r| invitation(tx, r, now)).collect()
}

pub(crate) fn load(tx: &mut Tx<'_>, id: &str, now: i64) -> Result<Option<Invitation>> {
    let sql = concat!("SELECT ", columns!(), " FROM invitations i WHERE i.id = ?1");
    match tx.row(sql, args![id])? {
        Some(r) => invitation(tx, r, now).map(Some),
        None => Ok(None),
    }
}

/// What redeeming reads of the invitation a code's digest names.
pub(crate) struct ByCode {
    pub id: String,
    pub email: String,
    pub admin: bool,
    pub expires_at: i64,
    pub accepted_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub replaced: bool,
    pub group_ids: Vec<i64>,
}

pub(crate) fn by_digest(tx: &mut Tx<'_>, digest: &[u8; 32]) -> Result<Option<ByCode>> {
    let Some(mut r) = tx.row(
        "SELECT id, email, is_admin, expires_at, accepted_at, revoked_at, replaced_by IS NOT NULL
         FROM invitations WHERE digest = ?1",
        args![digest],
    )?
    else {
        return Ok(None);
    };
    let id: String = r.take(0)?;
    let group_ids = tx
        .rows(
            "SELECT group_id FROM invitation_groups WHERE invitation_id = ?1",
            args![id.as_str()],
        )?
        .into_iter()
        .map(|mut g| g.take(0))
        .collect::<Result<Vec<i64>>>()?;
    Ok(Some(ByCode {
        id,
        email: r.take(1)?,
        admin: r.take(2)?,
        expires_at: r.take(3)?,
        accepted_at: r.take(4)?,
        revoked_at: r.take(5)?,
        replaced: r.take(6)?,
        group_ids,
    }))
}

/// A new invitation row and its groups.
pub(crate) struct NewRow<'a> {
    pub id: &'a str,
    pub digest: &'a [u8; 32],
    pub hint: &'a str,
    pub email: &'a str,
    pub admin: bool,
    pub created_by: i64,
    pub created_at: i64,
    pub expires_at: i64,
    pub group_ids: &'a [i64],
}

pub(crate) fn insert(tx: &mut Tx<'_>, n: &NewRow<'_>) -> Result<()> {
    tx.exec(
        "INSERT INTO invitations (id, seq, digest, hint, email, is_admin, created_by, created_at, expires_at)
         VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM invitations), ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        args![
            n.id,
            n.digest,
            n.hint,
            n.email,
            n.admin,
            n.created_by,
            n.created_at,
            n.expires_at
        ],
    )?;
    for g in n.group_ids {
        tx.exec(
            "INSERT INTO invitation_groups (invitation_id, group_id) VALUES (?1, ?2)",
            args![n.id, *g],
        )?;
    }
    Ok(())
}

/// The groups an invitation grants.
pub(crate) fn group_ids(tx: &mut Tx<'_>, id: &str) -> Result<Vec<i64>> {
    tx.rows(
        "SELECT group_id FROM invitation_groups WHERE invitation_id = ?1",
        args![id],
    )?
    .into_iter()
    .map(|mut r| r.take(0))
    .collect()
}

pub(crate) fn revoke(tx: &mut Tx<'_>, id: &str, now: i64, replaced_by: Option<&str>) -> Result<()> {
    tx.exec(
        "UPDATE invitations SET revoked_at = ?2, replaced_by = ?3 WHERE id = ?1",
        args![id, now, replaced_by],
    )?;
    Ok(())
}

/// Marks it used by `account_id`, if nobody used it meanwhile.
pub(crate) fn accept(tx: &mut Tx<'_>, id: &str, account_id: i64, now: i64) -> Result<bool> {
    let n = tx.exec(
        "UPDATE invitations SET accepted_at = ?3, account_id = ?2
         WHERE id = ?1 AND accepted_at IS NULL AND revoked_at IS NULL",
        args![id, account_id, now],
    )?;
    Ok(n == 1)
}

/// Wrong codes in a row, and when the last was tried.
pub(crate) fn attempts(tx: &mut Tx<'_>) -> Result<(i64, Option<i64>)> {
    let mut r = tx
        .row(
            "SELECT failed, last_failed_at FROM invitation_attempts WHERE id = 1",
            args![],
        )?
        .ok_or_else(|| crate::Error::storage("the invitation_attempts row is missing"))?;
    Ok((r.take(0)?, r.take(1)?))
}

pub(crate) fn count_failure(tx: &mut Tx<'_>, now: i64) -> Result<()> {
    tx.exec(
        "UPDATE invitation_attempts SET failed = failed + 1, last_failed_at = ?1 WHERE id = 1",
        args![now],
    )?;
    Ok(())
}

pub(crate) fn reset_attempts(tx: &mut Tx<'_>) -> Result<()> {
    tx.exec(
        "UPDATE invitation_attempts SET failed = 0, last_failed_at = NULL WHERE id = 1",
        args![],
    )?;
    Ok(())
}
