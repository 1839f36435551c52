//! The sign-in throttle's columns of `accounts`: failures in a row and when the last one
//! was.

use super::sql::args;
use super::Tx;
use crate::Result;

/// Failures in a row, and the time of the last one.
pub(crate) fn state(tx: &mut Tx<'_>, account_id: i64) -> Result<(i64, Option<i64>)> {
    let mut r = tx
        .row(
            "SELECT failed_logins, last_failed_at FROM accounts WHERE id = ?1",
            args![account_id],
        )?
        .ok_or_else(|| crate::Error::NotFound("account".into()))?;
    Ok((r.take(0)?, r.take(1)?))
}

/// Counts one more failure at `now`.
pub(crate) fn count_failure(tx: &mut Tx<'_>, account_id: i64, now: i64) -> Result<()> {
    tx.exec(
        "UPDATE accounts SET failed_logins = failed_logins + 1, last_failed_at = ?2 WHERE id = ?1",
        args![account_id, now],
    )?;
    Ok(())
}

/// Takes back one failure counted at `at` over `failed_before`; the previous failure
/// time comes back too unless another attempt has moved it since.
pub(crate) fn take_back(
    tx: &mut Tx<'_>,
    account_id: i64,
    failed_before: i64,
    at: i64,
    last_failed_before: Option<i64>,
) -> Result<()> {
    tx.exec(
        "UPDATE accounts SET
                failed_logins = CASE WHEN failed_logins > 0 THEN failed_logins - 1 ELSE 0 END,
                last_failed_at = CASE WHEN failed_logins = ?2 + 1 AND last_failed_at = ?3
                                      THEN CAST(?4 AS BIGINT) ELSE last_failed_at END
         WHERE id = ?1",
        args![account_id, failed_before, at, last_failed_before],
    )?;
    Ok(())
}

/// No failures any more.
pub(crate) fn reset(tx: &mut Tx<'_>, account_id: i64) -> Result<()> {
    tx.exec(
        "UPDATE accounts SET failed_logins = 0, last_failed_at = NULL WHERE id = ?1",
        args![account_id],
    )?;
    Ok(())
}
