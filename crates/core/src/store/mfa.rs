//! Two-step verification: the sealed TOTP secrets and replay guard in `accounts`, and the
//! `recovery_codes` table.

use super::sql::args;
use super::Tx;
use crate::Result;

/// Whether MFA is on (confirmed) and whether an enrolment is pending.
pub(crate) fn state(tx: &mut Tx<'_>, account_id: i64) -> Result<(bool, bool)> {
    let mut r = tx
        .row(
            "SELECT mfa_secret_ct IS NOT NULL, mfa_pending_ct IS NOT NULL FROM accounts WHERE id = ?1",
            args![account_id],
        )?
        .ok_or_else(|| crate::Error::NotFound("account".into()))?;
    Ok((r.take(0)?, r.take(1)?))
}

/// The sealed secret (when MFA is on) and the last time step a code was accepted for.
pub(crate) fn secret(tx: &mut Tx<'_>, account_id: i64) -> Result<(Option<Vec<u8>>, i64)> {
    let mut r = tx
        .row(
            "SELECT mfa_secret_ct, mfa_last_step FROM accounts WHERE id = ?1",
            args![account_id],
        )?
        .ok_or_else(|| crate::Error::NotFound("account".into()))?;
    Ok((r.take(0)?, r.take(1)?))
}

/// Moves the replay guard to `step` if it is still below it: the compare-and-set that
/// lets one use of a code through, however many race.
pub(crate) fn advance_step(tx: &mut Tx<'_>, account_id: i64, step: i64) -> Result<bool> {
    let n = tx.exec(
        "UPDATE accounts SET mfa_last_step = ?2 WHERE id = ?1 AND mfa_last_step < ?2",
        args![account_id, step],
    )?;
    Ok(n == 1)
}

pub(crate) fn pending(tx: &mut Tx<'_>, account_id: i64) -> Result<Option<Vec<u8>>> {
    Ok(tx
        .row(
            "SELECT mfa_pending_ct FROM accounts WHERE id = ?1",
            args![account_id],
        )?
        .map(|mut r| r.take(0))
        .transpose()?
        .flatten())
}

pub(crate) fn set_pending(tx: &mut Tx<'_>, account_id: i64, sealed: &[u8]) -> Result<()> {
    tx.exec(
        "UPDATE accounts SET mfa_pending_ct = ?2 WHERE id = ?1",
        args![account_id, sealed],
    )?;
    Ok(())
}

/// Turns the pending secret on, if it is still the one a first code was checked against.
pub(crate) fn confirm_pending(
    tx: &mut Tx<'_>,
    account_id: i64,
    checked: &[u8],
    step: i64,
) -> Result<bool> {
    let n = tx.exec(
        "UPDATE accounts SET mfa_secret_ct = mfa_pending_ct, mfa_pending_ct = NULL, mfa_last_step = ?2
         WHERE id = ?1 AND mfa_pending_ct = ?3",
        args![account_id, step, checked],
    )?;
    Ok(n == 1)
}

/// MFA off: the secret, any pending enrolment and every recovery code gone. Returns
/// whether MFA was on (not merely pending).
pub(crate) fn turn_off(tx: &mut Tx<'_>, account_id: i64) -> Result<bool> {
    let (on, _) = state(tx, account_id)?;
    tx.exec(
        "UPDATE accounts SET mfa_secret_ct = NULL, mfa_pending_ct = NULL WHERE id = ?1",
        args![account_id],
    )?;
    delete_codes(tx, account_id)?;
    Ok(on)
}

/// A stored recovery code: the digest of its salt and the code.
pub(crate) struct StoredCode {
    pub id: i64,
    pub salt: Vec<u8>,
    pub digest: Vec<u8>,
}

/// The account's unused recovery codes.
pub(crate) fn unused_codes(tx: &mut Tx<'_>, account_id: i64) -> Result<Vec<StoredCode>> {
    tx.rows(
        "SELECT id, salt, digest FROM recovery_codes WHERE account_id = ?1 AND used_at IS NULL",
        args![account_id],
    )?
    .into_iter()
    .map(|mut r| {
        Ok(StoredCode {
            id: r.take(0)?,
            salt: r.take(1)?,
            digest: r.take(2)?,
        })
    })
    .collect()
}

/// Marks a code used, if nobody used it meanwhile.
pub(crate) fn use_code(tx: &mut Tx<'_>, code_id: i64, now: i64) -> Result<bool> {
    let n = tx.exec(
        "UPDATE recovery_codes SET used_at = ?2 WHERE id = ?1 AND used_at IS NULL",
        args![code_id, now],
    )?;
    Ok(n == 1)
}

pub(crate) fn codes_left(tx: &mut Tx<'_>, account_id: i64) -> Result<u32> {
    tx.value(
        "SELECT count(*) FROM recovery_codes WHERE account_id = ?1 AND used_at IS NULL",
        args![account_id],
    )
}

/// Returns how many codes there were.
pub(crate) fn delete_codes(tx: &mut Tx<'_>, account_id: i64) -> Result<u64> {
    tx.exec(
        "DELETE FROM recovery_codes WHERE account_id = ?1",
        args![account_id],
    )
}

/// One stored recovery code: its salt and the digest of salt and code.
pub(crate) fn insert_code(
    tx: &mut Tx<'_>,
    account_id: i64,
    salt: &[u8],
    digest: &[u8],
    now: i64,
) -> Result<()> {
    tx.exec(
        "INSERT INTO recovery_codes (account_id, salt, digest, created_at) VALUES (?1, ?2, ?3, ?4)",
        args![account_id, salt, digest, now],
    )?;
    Ok(())
}
