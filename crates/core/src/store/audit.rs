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
    pub outcome: Option<&'a str>,
    pub since: Option<i64>,
    pub until: Option<i64>,
    /// Only targets containing this text, in any case.
    pub target: Option<&'a str>,
    /// Only entries with a smaller id.
    pub before: Option<i64>,
    pub limit: u32,
}

/// `text` as a LIKE pattern that matches it anywhere, literally.
fn contains_pattern(text: &str) -> String {
    let mut p = String::from("%");
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

pub(crate) fn list(tx: &mut Tx<'_>, q: &Query<'_>) -> Result<Vec<AuditEvent>> {
    let actor_key = q.actor.map(crate::validate::fold);
    let pattern = q.target.map(contains_pattern);
    tx.rows(
        "SELECT id, at, actor, action, target, outcome, detail FROM audit_log
         WHERE (CAST(?1 AS BIGINT) IS NULL OR actor_id = ?1)
           AND (CAST(?2 AS TEXT) IS NULL OR actor_id IN (SELECT id FROM accounts WHERE username_key = ?2))
           AND (CAST(?3 AS TEXT) IS NULL OR substr(action, 1, length(?3)) = ?3)
           AND (CAST(?4 AS TEXT) IS NULL OR outcome = ?4)
           AND (CAST(?5 AS BIGINT) IS NULL OR at >= ?5)
           AND (CAST(?6 AS BIGINT) IS NULL OR at <= ?6)
           AND (CAST(?7 AS TEXT) IS NULL OR lower(coalesce(target, '')) LIKE ?7 ESCAPE '\\')
           AND (CAST(?8 AS BIGINT) IS NULL OR id < ?8)
         ORDER BY id DESC LIMIT ?9",
        args![
            q.only_account,
            actor_key.as_deref(),
            q.action_prefix,
            q.outcome,
            q.since,
            q.until,
            pattern.as_deref(),
            q.before,
            q.limit
        ],
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

/// Repeated attempts counted for one (action, actor, outcome) since `first_at`.
#[derive(Debug, Clone)]
pub(crate) struct Tally {
    pub action: String,
    /// 0 when the actor is unknown.
    pub actor_id: i64,
    pub outcome: String,
    pub actor: Option<String>,
    pub target: Option<String>,
    pub detail: String,
    pub first_at: i64,
    pub last_at: i64,
    /// Attempts since the last entry written for this tally.
    pub count: i64,
}

const TALLY_COLUMNS: &str =
    "action, actor_id, outcome, actor, target, detail, first_at, last_at, count";

fn tally_of(mut r: super::sql::Row) -> Result<Tally> {
    Ok(Tally {
        action: r.take(0)?,
        actor_id: r.take(1)?,
        outcome: r.take(2)?,
        actor: r.take(3)?,
        target: r.take(4)?,
        detail: r.take(5)?,
        first_at: r.take(6)?,
        last_at: r.take(7)?,
        count: r.take(8)?,
    })
}

pub(crate) fn tally(
    tx: &mut Tx<'_>,
    action: &str,
    actor_id: i64,
    outcome: &str,
) -> Result<Option<Tally>> {
    tx.row(
        &format!(
            "SELECT {TALLY_COLUMNS} FROM audit_tally
             WHERE action = ?1 AND actor_id = ?2 AND outcome = ?3"
        ),
        args![action, actor_id, outcome],
    )?
    .map(tally_of)
    .transpose()
}

/// Starts a tally's window at `t.first_at` with `t.count` attempts (replacing any).
pub(crate) fn start_tally(tx: &mut Tx<'_>, t: &Tally) -> Result<()> {
    tx.exec(
        "DELETE FROM audit_tally WHERE action = ?1 AND actor_id = ?2 AND outcome = ?3",
        args![t.action.as_str(), t.actor_id, t.outcome.as_str()],
    )?;
    tx.exec(
        &format!(
            "INSERT INTO audit_tally ({TALLY_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
        ),
        args![
            t.action.as_str(),
            t.actor_id,
            t.outcome.as_str(),
            t.actor.as_deref(),
            t.target.as_deref(),
            t.detail.as_str(),
            t.first_at,
            t.last_at,
            t.count
        ],
    )?;
    Ok(())
}

/// One more attempt at `now`.
pub(crate) fn bump_tally(tx: &mut Tx<'_>, t: &Tally, now: i64) -> Result<()> {
    tx.exec(
        "UPDATE audit_tally SET count = count + 1, last_at = ?4
         WHERE action = ?1 AND actor_id = ?2 AND outcome = ?3",
        args![t.action.as_str(), t.actor_id, t.outcome.as_str(), now],
    )?;
    Ok(())
}

/// Tallies with attempts not yet written as an entry.
pub(crate) fn counted_tallies(tx: &mut Tx<'_>) -> Result<Vec<Tally>> {
    tx.rows(
        &format!("SELECT {TALLY_COLUMNS} FROM audit_tally WHERE count > 0 ORDER BY last_at"),
        args![],
    )?
    .into_iter()
    .map(tally_of)
    .collect()
}

/// The tally's attempts were written as an entry: it counts from zero again, in the same
/// window.
pub(crate) fn zero_tally(tx: &mut Tx<'_>, t: &Tally) -> Result<()> {
    tx.exec(
        "UPDATE audit_tally SET count = 0 WHERE action = ?1 AND actor_id = ?2 AND outcome = ?3",
        args![t.action.as_str(), t.actor_id, t.outcome.as_str()],
    )?;
    Ok(())
}
