//! The verification read: a key by its digest, with what its verdict needs, read in one
//! statement (each engine runs it its own fastest way); and the coalesced last-used
//! writes that follow.

use super::sql::args;
use super::Tx;
use crate::Result;
use std::borrow::Cow;

/// A key found by its digest, borrowed from the engine's row.
#[derive(Debug)]
pub(crate) struct KeyLookup<'a> {
    pub id: &'a str,
    pub kind: &'a str,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
    /// The stored digest, for a comparison in constant time.
    pub digest: &'a [u8],
    pub account_id: i64,
    pub username: &'a str,
    pub disabled: bool,
    /// The key's own permissions, as "res:act res:act".
    pub key_permissions: &'a str,
    /// The account's permissions now, as "res:act res:act" (an administrator: every
    /// permission the store knows).
    pub account_permissions: Cow<'a, str>,
}

/// "res:act res:act" from (resource, action) pairs.
pub(crate) fn joined(pairs: &[(String, String)]) -> String {
    let mut out = String::new();
    for (r, a) in pairs {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(r);
        out.push(':');
        out.push_str(a);
    }
    out
}

/// Last used, written at most once per `resolution` seconds per key.
pub(crate) fn touch(tx: &mut Tx<'_>, key_id: &str, now: i64, resolution: i64) -> Result<()> {
    tx.exec(
        "UPDATE api_keys SET last_used_at = ?2
         WHERE id = ?1 AND (last_used_at IS NULL OR last_used_at <= ?3)",
        args![key_id, now, now - resolution],
    )?;
    Ok(())
}
