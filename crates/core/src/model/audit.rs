//! Entries of the audit log, as listed.

use serde::Serialize;
use time::OffsetDateTime;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AuditEvent {
    pub id: i64,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
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

/// Which events to list; newest first. Every condition given must hold.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct AuditFilter {
    /// Only events by this username.
    #[cfg_attr(feature = "ts", ts(optional))]
    pub actor: Option<String>,
    /// Only actions starting with this text (`key.`, `sign_in`).
    #[cfg_attr(feature = "ts", ts(optional))]
    pub action: Option<String>,
    /// Only this outcome: `ok`, `failed`, `throttled` or `refused`.
    #[cfg_attr(feature = "ts", ts(optional))]
    pub outcome: Option<String>,
    /// Only events at or after this moment (RFC 3339, or a date for its start, UTC).
    #[cfg_attr(feature = "ts", ts(optional))]
    pub since: Option<String>,
    /// Only events at or before this moment (RFC 3339, or a date for its end, UTC).
    #[cfg_attr(feature = "ts", ts(optional))]
    pub until: Option<String>,
    /// Only events whose target contains this text, in any case.
    #[cfg_attr(feature = "ts", ts(optional))]
    pub target: Option<String>,
    /// Only events older than this one (the next page starts where a page ended).
    #[cfg_attr(feature = "ts", ts(optional))]
    pub before: Option<i64>,
    /// At most this many (100 unless given; at most 100 000).
    #[cfg_attr(feature = "ts", ts(optional))]
    pub limit: Option<u32>,
}

/// One page of the audit log.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AuditPage {
    pub events: Vec<AuditEvent>,
    /// Older events match too: ask again with `before` set to the last event's id.
    pub more: bool,
}

/// The audit log's export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Csv,
    Json,
}
