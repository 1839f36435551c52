//! Newtype identifiers, so an account id can never be passed where a key id is meant.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An account's row id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "number"))]
#[serde(transparent)]
pub struct AccountId(pub i64);

/// A group's row id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "number"))]
#[serde(transparent)]
pub struct GroupId(pub i64);

/// An API key's public identifier: random, so ids reveal nothing about how many keys exist.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "string"))]
#[serde(transparent)]
pub struct KeyId(pub String);

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Display for GroupId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl KeyId {
    /// Key ids are 16 base62 characters.
    pub fn parse(s: &str) -> crate::Result<Self> {
        let s = s.trim();
        if s.len() == 16 && s.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Ok(KeyId(s.to_owned()))
        } else {
            Err(crate::Error::invalid(
                "key id",
                "must be 16 letters and digits",
            ))
        }
    }

    pub(crate) fn generate() -> crate::Result<Self> {
        Ok(KeyId(
            crate::keyformat::random_base62(16)?.as_str().to_owned(),
        ))
    }
}
