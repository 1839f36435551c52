//! The append-only audit log: who did what, when, and how it went. Never a secret.

use crate::auth::{Actor, Session};
use crate::clock::{from_unix, rfc3339};
use crate::{Error, Latchkey, Result};
use serde::Serialize;
use time::OffsetDateTime;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AuditEvent {
    pub id: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The acting account's username, if the actor is known.
    pub actor: Option<String>,
    /// What happened, e.g. `key.created`, `sign_in`.
    pub action: String,
    /// What it happened to, e.g. `key 3hV… (ci deploy)`.
    pub target: Option<String>,
    /// `ok`, `failed`, `throttled`, `refused`.
    pub outcome: String,
    pub detail: String,
}

/// Which events to list; newest first.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only events by this username.
    pub actor: Option<String>,
    /// Only actions starting with this text (`key.`, `sign_in`).
    pub action: Option<String>,
    pub limit: Option<u32>,
}

pub(crate) struct Entry<'a> {
    pub actor: Option<(i64, &'a str)>,
    pub action: &'a str,
    pub target: Option<String>,
    pub outcome: &'a str,
    pub detail: String,
}

impl<'a> Entry<'a> {
    pub fn ok(actor: Option<(i64, &'a str)>, action: &'a str, target: Option<String>) -> Self {
        Entry {
            actor,
            action,
            target,
            outcome: "ok",
            detail: String::new(),
        }
    }

    pub fn detail(mut self, d: impl Into<String>) -> Self {
        self.detail = d.into();
        self
    }

    pub fn outcome(mut self, o: &'a str) -> Self {
        self.outcome = o;
        self
    }
}

pub(crate) fn record(conn: &rusqlite::Connection, at: i64, e: Entry<'_>) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO audit_log (at, actor_id, actor, action, target, outcome, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(rusqlite::params![
        at,
        e.actor.map(|a| a.0),
        e.actor.map(|a| a.1),
        e.action,
        e.target,
        e.outcome,
        e.detail
    ])?;
    Ok(())
}

/// Refusals worth a line of their own in the log: someone tried something that the rules
/// do not let them do (rather than, say, mistyped a name).
fn is_refusal(e: &Error) -> bool {
    match e {
        Error::Forbidden(_) | Error::StepUpRequired | Error::Policy(_) => true,
        Error::Invalid { rule, .. } => {
            rule.starts_with(crate::permissions::NOT_HELD)
                || rule.contains(crate::error::POLICY_MARK)
        }
        _ => false,
    }
}

impl Latchkey {
    /// Runs an action for `session` and passes its result on. When the result is a
    /// refusal, a `refused` entry is appended first, in a transaction of its own: the
    /// action's transaction has rolled back, taking anything it recorded with it. The
    /// entry's detail is the error's text, which never contains a secret.
    pub(crate) fn guarded<T>(
        &self,
        session: &Session,
        action: &str,
        target: Option<String>,
        f: impl FnOnce() -> Result<T>,
    ) -> Result<T> {
        let out = f();
        self.note_refusal(session, action, target, &out);
        out
    }

    /// Runs an action for `session` that ends in one audited write: [`Latchkey::guarded`]
    /// with `action` and `target` named once, for the refusal entry and for the `ok` entry
    /// [`Audited::write`] records. Work before that write (checks, hashing) and reads
    /// after it stay in `f`, outside the write lock but still guarded.
    pub(crate) fn audited<T>(
        &self,
        session: &Session,
        action: &str,
        target: Option<String>,
        f: impl FnOnce(Audited<'_>) -> Result<T>,
    ) -> Result<T> {
        self.guarded(session, action, target.clone(), || {
            f(Audited {
                latchkey: self,
                session,
                action,
                target,
            })
        })
    }

    /// The recording half of [`Latchkey::guarded`], for actions that need the session
    /// mutably while they run.
    pub(crate) fn note_refusal<T>(
        &self,
        session: &Session,
        action: &str,
        target: Option<String>,
        out: &Result<T>,
    ) {
        if let Err(e) = out {
            if is_refusal(e) {
                let mut detail = e.to_string();
                if let Some(k) = session.via_key() {
                    detail.push_str(&format!(" (API key {k})"));
                }
                let now = self.now_unix();
                let tag = Some((session.account_id.0, session.username.as_str()));
                // The refusal is what the caller must see; a store too busy to take the
                // entry does not turn it into a different error.
                let _ = self.store.write(|tx| {
                    record(
                        tx,
                        now,
                        Entry::ok(tag, action, target.clone())
                            .outcome("refused")
                            .detail(detail.as_str()),
                    )
                });
            }
        }
    }

    /// Lists audit events. Administrators see everyone's; others only their own.
    pub fn audit(&self, session: &Session, filter: &AuditFilter) -> Result<Vec<AuditEvent>> {
        self.store.read(|c| {
            let actor = self.actor(c, session)?;
            let only_id = if actor.is_admin { None } else { Some(actor.id) };
            let limit = filter.limit.unwrap_or(100).min(100_000);
            let like = filter
                .action
                .as_ref()
                .map(|a| format!("{}%", a.replace('%', "")));
            let mut st = c.prepare_cached(
                "SELECT id, at, actor, action, target, outcome, detail FROM audit_log
                 WHERE (?1 IS NULL OR actor_id = ?1)
                   AND (?2 IS NULL OR actor = ?2 COLLATE NOCASE)
                   AND (?3 IS NULL OR action LIKE ?3)
                 ORDER BY id DESC LIMIT ?4",
            )?;
            let rows =
                st.query_map(rusqlite::params![only_id, filter.actor, like, limit], |r| {
                    Ok(AuditEvent {
                        id: r.get(0)?,
                        at: from_unix(r.get(1)?),
                        actor: r.get(2)?,
                        action: r.get(3)?,
                        target: r.get(4)?,
                        outcome: r.get(5)?,
                        detail: r.get(6)?,
                    })
                })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }
}

/// The one write of an action started by [`Latchkey::audited`]; taken by value, so an
/// action records its `ok` entry at most once.
pub(crate) struct Audited<'a> {
    latchkey: &'a Latchkey,
    session: &'a Session,
    action: &'a str,
    target: Option<String>,
}

impl Audited<'_> {
    /// Runs `f` in one write transaction with the acting account, then records the `ok`
    /// entry at `now` in the same transaction. The entry starts with the action and target
    /// given to [`Latchkey::audited`] and no detail; `f` may fill in the detail or name
    /// the target more precisely. When `f` fails, nothing is recorded (and the refusal
    /// entry, if any, is written by `guarded`).
    pub fn write<T>(
        self,
        now: i64,
        f: impl FnOnce(&rusqlite::Transaction<'_>, &Actor, &mut Entry<'_>) -> Result<T>,
    ) -> Result<T> {
        let Audited {
            latchkey,
            session,
            action,
            target,
        } = self;
        latchkey.store.write(|tx| {
            let actor = latchkey.actor(tx, session)?;
            let mut entry = Entry::ok(actor.tag(), action, target);
            let out = f(tx, &actor, &mut entry)?;
            record(tx, now, entry)?;
            Ok(out)
        })
    }
}

/// CSV text of events (RFC 4180 quoting), for export.
pub fn to_csv(events: &[AuditEvent]) -> String {
    fn q(s: &str) -> String {
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_owned()
        }
    }
    let mut out = String::from("id,at,actor,action,target,outcome,detail\n");
    for e in events {
        out.push_str(&format!(
            "{},{},{},{},{},{},{}\n",
            e.id,
            rfc3339(e.at),
            q(e.actor.as_deref().unwrap_or("")),
            q(&e.action),
            q(e.target.as_deref().unwrap_or("")),
            q(&e.outcome),
            q(&e.detail)
        ));
    }
    out
}
