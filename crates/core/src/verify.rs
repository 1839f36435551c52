//! Verification: is this key valid, and what may it do now?

use crate::clock::from_unix;
use crate::keyformat::{self, KeyKind};
use crate::keys::{digest, Environment};
use crate::permissions::{self, Permission, PermissionSet};
use crate::{AccountId, KeyId, Latchkey, Result};
use serde::Serialize;
use subtle::ConstantTimeEq;
use time::OffsetDateTime;

/// Last-used times are written at most this often per key, so verification stays a read.
pub const LAST_USED_RESOLUTION_SECS: i64 = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    Valid,
    Malformed,
    NotFound,
    Expired,
    Revoked,
    AccountDisabled,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Valid => "valid",
            Reason::Malformed => "malformed",
            Reason::NotFound => "not_found",
            Reason::Expired => "expired",
            Reason::Revoked => "revoked",
            Reason::AccountDisabled => "account_disabled",
        }
    }
}

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
    fn refused(reason: Reason) -> Self {
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

impl Latchkey {
    /// Verifies a presented key. A string that fails the format or checksum is rejected
    /// before any lookup; a found key is checked for revocation, expiry and a disabled
    /// account; its effective permissions are its own intersected with the account's now.
    pub fn verify(&self, presented: &str) -> Result<Verification> {
        let presented = presented.trim();
        let Ok(parsed) = keyformat::parse(presented) else {
            return Ok(Verification::refused(Reason::Malformed));
        };
        let wanted = digest(presented);
        let now = self.now_unix();
        let found = self.store.read(|c| {
            // One table at the top level, the rest as correlated subqueries: with a
            // top-level JOIN, SQLite marks the statement expired when rusqlite's cache
            // clears its bindings, and every call would re-parse it (measured: 8× slower).
            let mut st = c.prepare_cached(
                "SELECT k.id, k.kind, k.expires_at, k.revoked_at, k.last_used_at, k.digest, k.account_id,
                        (SELECT username FROM accounts WHERE id = k.account_id),
                        (SELECT disabled FROM accounts WHERE id = k.account_id),
                        (SELECT is_admin FROM accounts WHERE id = k.account_id),
                        k.permissions,
                        (SELECT group_concat(gp.resource || ':' || gp.action, ' ')
                           FROM group_members gm JOIN group_permissions gp ON gp.group_id = gm.group_id
                          WHERE gm.account_id = k.account_id)
                 FROM api_keys k WHERE k.digest = ?1",
            )?;
            let mut rows = st.query([wanted.as_slice()])?;
            let Some(r) = rows.next()? else {
                return Ok(None);
            };
            let stored: Vec<u8> = r.get(5)?;
            // The index found it by digest; compare again in constant time anyway, so
            // nothing downstream depends on how SQLite compares blobs.
            if !bool::from(stored.as_slice().ct_eq(wanted.as_slice())) {
                return Ok(None);
            }
            let kind: String = r.get(1)?;
            let account_id: i64 = r.get(6)?;
            let is_admin: bool = r.get(9)?;
            let key_perms = permissions::from_joined(r.get(10)?);
            let account_perms: PermissionSet = if is_admin {
                permissions::of_account(c, account_id, true)?
            } else {
                permissions::from_joined(r.get(11)?)
            };
            Ok(Some(Found {
                id: r.get(0)?,
                kind,
                expires_at: r.get(2)?,
                revoked_at: r.get(3)?,
                last_used_at: r.get(4)?,
                account_id,
                username: r.get(7)?,
                disabled: r.get(8)?,
                key_perms,
                account_perms,
            }))
        })?;
        let Some(f) = found else {
            return Ok(Verification::refused(Reason::NotFound));
        };

        let reason = if f.revoked_at.is_some_and(|r| r <= now) {
            Reason::Revoked
        } else if f.expires_at.is_some_and(|e| e <= now) {
            Reason::Expired
        } else if f.disabled {
            Reason::AccountDisabled
        } else {
            Reason::Valid
        };
        let valid = reason == Reason::Valid;
        if valid
            && f.last_used_at
                .is_none_or(|t| now - t >= LAST_USED_RESOLUTION_SECS)
        {
            self.touch(&f.id, now)?;
        }
        let effective: Vec<Permission> = if !valid {
            Vec::new()
        } else if parsed.kind == KeyKind::Acct && f.kind == "acct" {
            f.account_perms.into_iter().collect()
        } else {
            f.key_perms
                .intersection(&f.account_perms)
                .cloned()
                .collect()
        };
        Ok(Verification {
            valid,
            reason,
            account: Some(f.username),
            account_id: Some(AccountId(f.account_id)),
            key_id: Some(KeyId(f.id)),
            permissions: effective,
            environment: Some(if parsed.kind == KeyKind::Test {
                Environment::Test
            } else {
                Environment::Live
            }),
            expires_at: f.expires_at.map(from_unix),
        })
    }

    /// Coalesced last-used update: at most one write per key per minute, and a busy store
    /// never fails a verification over it.
    fn touch(&self, id: &str, now: i64) -> Result<()> {
        let r = self.store.read(|c| {
            c.prepare_cached(
                "UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1 AND (last_used_at IS NULL OR last_used_at <= ?3)",
            )?
            .execute(rusqlite::params![id, now, now - LAST_USED_RESOLUTION_SECS])?;
            Ok(())
        });
        match r {
            Err(crate::Error::Busy) => Ok(()),
            other => other,
        }
    }
}

struct Found {
    id: String,
    kind: String,
    expires_at: Option<i64>,
    revoked_at: Option<i64>,
    last_used_at: Option<i64>,
    account_id: i64,
    username: String,
    disabled: bool,
    key_perms: PermissionSet,
    account_perms: PermissionSet,
}
