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

/// Which events to list; newest first.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only events by this username.
    pub actor: Option<String>,
    /// Only actions starting with this text (`key.`, `sign_in`).
    pub action: Option<String>,
    pub limit: Option<u32>,
}
