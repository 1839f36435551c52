//! The `login_throttle` table: failures in a row per subject (an account, or a login
//! that names none), when the last one was, and attempts reserved but not yet checked.

use super::sql::args;
use super::Tx;
use crate::Result;

/// Whose attempts are counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Subject {
    Account(i64),
    /// A login naming no account: the SHA-256 of its folded form (what was typed may be a
    /// password put in the wrong field; it is not kept).
    Unknown([u8; 32]),
}

impl Subject {
    fn key(&self) -> String {
        match self {
            Subject::Account(id) => format!("a:{id}"),
            Subject::Unknown(d) => {
                let mut k = String::with_capacity(66);
                k.push_str("u:");
                for b in d {
                    k.push_str(&format!("{b:02x}"));
                }
                k
            }
        }
    }
}

/// A subject's count as it stands.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Count {
    pub failed: i64,
    pub last_failed_at: Option<i64>,
    pub pending: i64,
    pub pending_since: Option<i64>,
}

pub(crate) fn state(tx: &mut Tx<'_>, s: &Subject) -> Result<Count> {
    let row = tx.row(
        "SELECT failed, last_failed_at, pending, pending_since FROM login_throttle WHERE subject = ?1",
        args![s.key().as_str()],
    )?;
    Ok(match row {
        None => Count::default(),
        Some(mut r) => Count {
            failed: r.take(0)?,
            last_failed_at: r.take(1)?,
            pending: r.take(2)?,
            pending_since: r.take(3)?,
        },
    })
}

/// Counts an attempt as a failure at `now`, and as pending until it is checked.
pub(crate) fn reserve(tx: &mut Tx<'_>, s: &Subject, now: i64) -> Result<()> {
    tx.exec(
        "INSERT INTO login_throttle (subject, failed, last_failed_at, pending, pending_since)
         VALUES (?1, 1, ?2, 1, ?2)
         ON CONFLICT (subject) DO UPDATE SET
            failed = login_throttle.failed + 1, last_failed_at = ?2,
            pending = login_throttle.pending + 1, pending_since = ?2",
        args![s.key().as_str(), now],
    )?;
    Ok(())
}

/// A reserved attempt was wrong: its failure stands; it is no longer pending.
pub(crate) fn settle(tx: &mut Tx<'_>, s: &Subject) -> Result<()> {
    tx.exec(
        "UPDATE login_throttle SET pending = CASE WHEN pending > 0 THEN pending - 1 ELSE 0 END
         WHERE subject = ?1",
        args![s.key().as_str()],
    )?;
    Ok(())
}

/// A reserved attempt was right: takes back its failure counted at `at` over
/// `failed_before`; the previous failure time comes back too unless another attempt has
/// moved it since.
pub(crate) fn take_back(
    tx: &mut Tx<'_>,
    s: &Subject,
    failed_before: i64,
    at: i64,
    last_failed_before: Option<i64>,
) -> Result<()> {
    tx.exec(
        "UPDATE login_throttle SET
                failed = CASE WHEN failed > 0 THEN failed - 1 ELSE 0 END,
                pending = CASE WHEN pending > 0 THEN pending - 1 ELSE 0 END,
                last_failed_at = CASE WHEN failed = ?2 + 1 AND last_failed_at = ?3
                                      THEN CAST(?4 AS BIGINT) ELSE last_failed_at END
         WHERE subject = ?1",
        args![s.key().as_str(), failed_before, at, last_failed_before],
    )?;
    Ok(())
}

/// No failures any more (attempts still pending settle against nothing).
pub(crate) fn reset(tx: &mut Tx<'_>, s: &Subject) -> Result<()> {
    tx.exec(
        "UPDATE login_throttle SET failed = 0, last_failed_at = NULL WHERE subject = ?1",
        args![s.key().as_str()],
    )?;
    Ok(())
}

/// Forgets unknown logins whose last failure is older than `before` and that nothing is
/// pending for: they would not be throttled any more anyway.
pub(crate) fn forget_unknown(tx: &mut Tx<'_>, before: i64) -> Result<()> {
    tx.exec(
        "DELETE FROM login_throttle
         WHERE subject LIKE 'u:%' AND pending = 0 AND last_failed_at < ?1",
        args![before],
    )?;
    Ok(())
}
