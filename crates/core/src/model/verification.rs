//! What verification answers: is this key valid, and what may it do now.

use crate::model::key::Environment;
use crate::permissions::Permission;
use crate::{AccountId, KeyId};

pub use crate::error::Reason;
use serde::Serialize;
use time::OffsetDateTime;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Verification {
    pub valid: bool,
    pub reason: Reason,
    /// The owning account's username, when the key was found.
    pub account: Option<String>,
    #[serde(skip)]
    pub account_id: Option<AccountId>,
    pub key_id: Option<KeyId>,
    /// The key's own permissions intersected with its account's current ones.
    pub permissions: Vec<Permission>,
    pub environment: Option<Environment>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
}

impl Verification {
    pub(crate) fn refused(reason: Reason) -> Self {
        Verification {
            valid: false,
            reason,
            account: None,
            account_id: None,
            key_id: None,
            permissions: Vec::new(),
            environment: None,
            expires_at: None,
        }
    }

    pub fn allows(&self, p: &Permission) -> bool {
        self.valid && self.permissions.contains(p)
    }
}
