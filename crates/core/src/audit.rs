//! The audit writer: every security event appended as who did what, to what, when, and
//! how it went. Never a secret. Actions run through [`Latchkey::audited`] (or
//! [`Latchkey::guarded`]) record their `ok` entry with their write and a `refused` entry
//! when the rules refuse them.

use crate::clock::rfc3339;
use crate::session::{Actor, Session};
use crate::store::{self, Tx};
use crate::{Latchkey, Result};

pub use crate::model::audit::{AuditEvent, AuditFilter, AuditPage, ExportFormat};
use crate::Error;
use time::OffsetDateTime;

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

/// Text from someone else as the log keeps it: hidden characters written out (a refused
/// action's target is what was attempted, and must not forge a line or a terminal
/// escape in whoever reads the log), and at most `max` characters.
fn kept(s: &str, max: usize) -> String {
    let p = crate::validate::printable(s);
    let mut out: String = p.chars().take(max).collect();
    if p.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

pub(crate) fn record(tx: &mut Tx<'_>, at: i64, e: Entry<'_>) -> Result<()> {
    let target = e.target.as_deref().map(|t| kept(t, 200));
    store::audit::append(
        tx,
        &store::audit::NewEntry {
            at,
            actor: e.actor,
            action: e.action,
            target: target.as_deref(),
            outcome: e.outcome,
            detail: &kept(&e.detail, 1000),
        },
    )
}

/// Repeated failures of one kind by one actor within this many seconds are one entry
/// and a count.
pub(crate) const REPEAT_WINDOW_SECS: i64 = 60;

/// [`record`] for attempts that can come in floods (failed and throttled sign-ins and
/// codes, refused API keys): the first of a window is written at once; the rest of the
/// window only counts, and the count is written as one entry when the next attempt
/// after the window comes or the log is read.
pub(crate) fn record_repeated(tx: &mut Tx<'_>, at: i64, e: Entry<'_>) -> Result<()> {
    let actor_id = e.actor.map_or(0, |a| a.0);
    if let Some(t) = store::audit::tally(tx, e.action, actor_id, e.outcome)? {
        if at - t.first_at < REPEAT_WINDOW_SECS {
            return store::audit::bump_tally(tx, &t, at);
        }
        write_tally(tx, &t)?;
    }
    store::audit::start_tally(
        tx,
        &store::audit::Tally {
            action: e.action.to_owned(),
            actor_id,
            outcome: e.outcome.to_owned(),
            actor: e.actor.map(|a| a.1.to_owned()),
            target: e.target.as_deref().map(|t| kept(t, 200)),
            detail: kept(&e.detail, 1000),
            first_at: at,
            last_at: at,
            count: 0,
        },
    )?;
    record(tx, at, e)
}

/// Writes a tally's count (if any) as one entry, at the time of its last attempt.
fn write_tally(tx: &mut Tx<'_>, t: &store::audit::Tally) -> Result<()> {
    if t.count == 0 {
        return Ok(());
    }
    let detail = format!(
        "{}{}{} more between {} and {}",
        t.detail,
        if t.detail.is_empty() { "" } else { "; " },
        t.count,
        rfc3339(crate::clock::from_unix(t.first_at)),
        rfc3339(crate::clock::from_unix(t.last_at)),
    );
    let actor = t.actor.as_deref().map(|name| (t.actor_id, name));
    record(
        tx,
        t.last_at,
        Entry::ok(actor, &t.action, t.target.clone())
            .outcome(&t.outcome)
            .detail(detail),
    )?;
    store::audit::zero_tally(tx, t)
}

impl Latchkey {
    /// Writes every counted repeat as its entry, so that a reader of the log sees them.
    /// A read when nothing is counted; a write only when something is.
    pub(crate) fn write_repeats(&self) -> Result<()> {
        let counted = self.store.read(store::audit::counted_tallies)?;
        if counted.is_empty() {
            return Ok(());
        }
        self.store.write(|tx| {
            for t in store::audit::counted_tallies(tx)? {
                write_tally(tx, &t)?;
            }
            Ok(())
        })
    }

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
            if e.is_refusal() {
                let mut detail = e.to_string();
                if let Some(k) = session.via_key() {
                    detail.push_str(&format!(" (API key {k})"));
                }
                let now = self.now_unix();
                // The refusal is what the caller must see; a store too busy to take the
                // entry does not turn it into a different error.
                let _ = self.store.write(|tx| {
                    record(
                        tx,
                        now,
                        Entry::ok(session.tag(), action, target.clone())
                            .outcome("refused")
                            .detail(detail.as_str()),
                    )
                });
            }
        }
    }

    /// Lists audit events, newest first. Administrators see everyone's; others only their
    /// own.
    pub fn audit(&self, session: &Session, filter: &AuditFilter) -> Result<Vec<AuditEvent>> {
        Ok(self.audit_page(session, filter)?.events)
    }

    /// One page of the audit log: at most `filter.limit` events, newest first, and whether
    /// older ones match too.
    pub fn audit_page(&self, session: &Session, filter: &AuditFilter) -> Result<AuditPage> {
        let q = Checked::from(filter)?;
        self.write_repeats()?;
        self.store.read(|tx| {
            let actor = self.actor(tx, session)?;
            let only = if actor.is_admin { None } else { Some(actor.id) };
            let mut events = store::audit::list(
                tx,
                &store::audit::Query {
                    only_account: only,
                    actor: filter.actor.as_deref(),
                    action_prefix: q.prefix.as_deref(),
                    outcome: q.outcome,
                    since: q.since,
                    until: q.until,
                    target: filter.target.as_deref().filter(|t| !t.is_empty()),
                    before: filter.before,
                    // One more than asked for says whether there is more.
                    limit: q.limit + 1,
                },
            )?;
            let more = events.len() > q.limit as usize;
            events.truncate(q.limit as usize);
            Ok(AuditPage { events, more })
        })
    }

    /// The events `filter` selects (every page of them, up to 100 000), as a file's
    /// contents: CSV whose cells a spreadsheet never runs as formulas, or JSON. The export
    /// itself is audited.
    pub fn export_audit(
        &self,
        session: &Session,
        filter: &AuditFilter,
        format: ExportFormat,
    ) -> Result<String> {
        let (text, count) = self.export_text(session, filter, format)?;
        self.record_export(session, count, format)?;
        Ok(text)
    }

    /// [`Latchkey::export_audit`] written to `path` (0600, atomically): what the save
    /// dialog chose. Audited once the file is there.
    pub fn save_audit_export(
        &self,
        session: &Session,
        filter: &AuditFilter,
        format: ExportFormat,
        path: &std::path::Path,
    ) -> Result<usize> {
        let (text, count) = self.export_text(session, filter, format)?;
        crate::keyfile::write_private(path, text.as_bytes())?;
        self.record_export(session, count, format)?;
        Ok(count)
    }

    fn export_text(
        &self,
        session: &Session,
        filter: &AuditFilter,
        format: ExportFormat,
    ) -> Result<(String, usize)> {
        let all = AuditFilter {
            limit: Some(filter.limit.unwrap_or(MAX_EVENTS).min(MAX_EVENTS)),
            ..filter.clone()
        };
        let events = self.audit(session, &all)?;
        let text = match format {
            ExportFormat::Csv => to_csv(&events),
            ExportFormat::Json => serde_json::to_string_pretty(&events)
                .map_err(|e| Error::internal(format!("audit export: {e}")))?,
        };
        Ok((text, events.len()))
    }

    fn record_export(&self, session: &Session, count: usize, format: ExportFormat) -> Result<()> {
        let now = self.now_unix();
        self.store.write(|tx| {
            record(
                tx,
                now,
                Entry::ok(session.tag(), "audit.exported", None).detail(format!(
                    "{count} events as {}",
                    match format {
                        ExportFormat::Csv => "CSV",
                        ExportFormat::Json => "JSON",
                    }
                )),
            )
        })
    }
}

/// The most events one listing or export returns.
const MAX_EVENTS: u32 = 100_000;

/// A filter's values, checked.
struct Checked {
    prefix: Option<String>,
    outcome: Option<&'static str>,
    since: Option<i64>,
    until: Option<i64>,
    limit: u32,
}

impl Checked {
    fn from(f: &AuditFilter) -> Result<Checked> {
        let outcome = match f.outcome.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(o) => Some(
                ["ok", "failed", "throttled", "refused"]
                    .into_iter()
                    .find(|k| *k == o)
                    .ok_or_else(|| {
                        Error::invalid("outcome", "must be ok, failed, throttled or refused")
                    })?,
            ),
        };
        let since = f
            .since
            .as_deref()
            .map(|s| moment("since", s, false))
            .transpose()?;
        let until = f
            .until
            .as_deref()
            .map(|s| moment("until", s, true))
            .transpose()?;
        if let (Some(a), Some(b)) = (since, until) {
            if a > b {
                return Err(Error::invalid("since", "must not be after until"));
            }
        }
        if f.limit == Some(0) {
            return Err(Error::invalid("limit", "must be at least 1"));
        }
        Ok(Checked {
            // A `%` once meant "anything" here; a prefix match has no wildcards.
            prefix: f
                .action
                .as_ref()
                .map(|a| a.replace('%', ""))
                .filter(|a| !a.is_empty()),
            outcome,
            since,
            until,
            limit: f.limit.unwrap_or(100).min(MAX_EVENTS),
        })
    }
}

/// An RFC 3339 time, or a date `YYYY-MM-DD` (UTC): its first second, or with `end` its
/// last.
fn moment(field: &'static str, s: &str, end: bool) -> Result<i64> {
    let s = s.trim();
    if let Ok(t) = OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339) {
        return Ok(t.unix_timestamp());
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let d = time::Date::parse(s, &fmt)
        .map_err(|_| Error::invalid(field, "must be a date YYYY-MM-DD or an RFC 3339 time"))?;
    let t = if end {
        d.with_hms(23, 59, 59).unwrap_or(d.midnight())
    } else {
        d.midnight()
    };
    Ok(t.assume_utc().unix_timestamp())
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
        f: impl FnOnce(&mut Tx<'_>, &Actor, &mut Entry<'_>) -> Result<T>,
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

/// CSV text of events (RFC 4180 quoting). A cell that begins with `=`, `+`, `-`, `@`, a
/// tab or a carriage return gets a leading `'`, so a spreadsheet shows it instead of
/// running it as a formula.
pub fn to_csv(events: &[AuditEvent]) -> String {
    fn q(s: &str) -> String {
        let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            format!("'{s}")
        } else {
            s.to_owned()
        };
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s
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
