//! Invitations to join the store: issued by an administrator, redeemed once.

use crate::secret::ApiKeySecret;
use serde::Serialize;
use time::OffsetDateTime;

/// How long an invitation code works.
pub const INVITATION_DAYS: i64 = 7;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum InvitationStatus {
    Pending,
    Accepted,
    Expired,
    Revoked,
}

impl InvitationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            InvitationStatus::Pending => "pending",
            InvitationStatus::Accepted => "accepted",
            InvitationStatus::Expired => "expired",
            InvitationStatus::Revoked => "revoked",
        }
    }
}

/// An invitation as the team page lists it. Never its code.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Invitation {
    pub id: String,
    pub email: String,
    pub groups: Vec<String>,
    pub admin: bool,
    pub status: InvitationStatus,
    /// `lk_inv_…` and the code's last four characters.
    pub hint: String,
    pub invited_by: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub expires_at: OffsetDateTime,
    /// The account it made, once accepted.
    pub accepted_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub accepted_at: Option<OffsetDateTime>,
}

/// An invitation as issued: its description and, this once, its code.
#[derive(Debug)]
pub struct IssuedInvitation {
    pub invitation: Invitation,
    pub code: ApiKeySecret,
}

/// What a person redeeming a code is shown before choosing a username.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct InvitationPreview {
    pub organisation: String,
    pub email: String,
    pub admin: bool,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub expires_at: OffsetDateTime,
}

/// What an administrator asks for.
#[derive(Debug, Clone, Default)]
pub struct NewInvitation {
    pub email: String,
    pub groups: Vec<String>,
    pub admin: bool,
}

pub use crate::error::InvitationProblem;
