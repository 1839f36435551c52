//! The append-only `audit_log` table (the store itself refuses updates and deletes).

use super::sql::args;
use super::Tx;
use crate::clock::from_unix;
use crate::model::audit::AuditEvent;
use crate::Result;

/// One entry to append.
pub(crate) struct NewEntry<'a> {
    pub at: i64,
    pub actor: Option<(i64, &'a str)>,
    pub action: &'a str,
    pub target: Option<&'a str>,
    pub outcome: &'a str,
    pub detail: &'a str,
}

pub(crate) fn append(tx: &mut Tx<'_>, e: &NewEntry<'_>) -> Result<()> {
    tx.exec(
        "INSERT INTO audit_log (at, actor_id, actor, action, target, outcome, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        args![
            e.at,
            e.actor.map(|a| a.0),
            e.actor.map(|a| a.1),
            e.action,
            e.target,
            e.outcome,
            e.detail
        ],
    )?;
    Ok(())
}

/// Which entries [`list`] returns, newest first.
pub(crate) struct Query<'a> {
    /// Only this account's own entries.
    pub only_account: Option<i64>,
    /// Only entries whose actor had this username (in any case).
    pub actor: Option<&'a str>,
    /// Only actions beginning with this text.
    pub action_prefix: Option<&'a str>,
    pub limit: u32,
}

pub(crate) fn list(tx: &mut Tx<'_>, q: &Query<'_>) -> Result<Vec<AuditEvent>> {
    let actor_key = q.actor.map(crate::validate::fold);
    tx.rows(
        "SELECT id, at, actor, action, target, outcome, detail FROM audit_log
         WHERE (CAST(?1 AS BIGINT) IS NULL OR actor_id = ?1)
           AND (CAST(?2 AS TEXT) IS NULL OR actor_id IN (SELECT id FROM accounts WHERE username_key = ?2))
           AND (CAST(?3 AS TEXT) IS NULL OR substr(action, 1, length(?3)) = ?3)
         ORDER BY id DESC LIMIT ?4",
        args![q.only_account, actor_key.as_deref(), q.action_prefix, q.limit],
    )?
    .into_iter()
    .map(|mut r| {
        Ok(AuditEvent {
            id: r.take(0)?,
            at: from_unix(r.take(1)?),
            actor: r.take(2)?,
            action: r.take(3)?,
            target: r.take(4)?,
            outcome: r.take(5)?,
            detail: r.take(6)?,
        })
    })
    .collect()
}
