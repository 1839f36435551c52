//! `resource:action` permissions and how an account and a key come to hold them.

use crate::{validate, Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Read,
    Write,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::Write => "write",
        }
    }
}

/// One permission, such as `keys:write` or `samples:read`; `"resource:action"` in JSON.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "string"))]
pub struct Permission {
    pub resource: String,
    pub action: Action,
}

impl Permission {
    pub fn new(resource: &str, action: Action) -> Self {
        Permission {
            resource: resource.to_owned(),
            action,
        }
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.resource, self.action.as_str())
    }
}

impl FromStr for Permission {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let s = s.trim();
        // Names the item, so that in a list the bad one can be found (shortened: it
        // is someone's typing, not a secret, but need not be echoed at any length).
        let bad = || {
            let shown: String = s.chars().take(40).collect();
            let more = if shown.len() < s.len() { "…" } else { "" };
            Error::invalid(
                "permissions",
                format!(
                    "{:?} must be resource:action, with action read or write (e.g. samples:read)",
                    shown + more
                ),
            )
        };
        let (res, act) = s.split_once(':').ok_or_else(bad)?;
        let action = match act {
            "read" => Action::Read,
            "write" => Action::Write,
            _ => return Err(bad()),
        };
        validate::resource_name(res).map_err(|_| bad())?;
        Ok(Permission::new(res, action))
    }
}

impl Serialize for Permission {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Permission {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

pub type PermissionSet = BTreeSet<Permission>;

/// Parses a list of permission strings, refusing the first bad one by name.
pub fn parse_all<S: AsRef<str>>(items: &[S]) -> Result<PermissionSet> {
    items.iter().map(|s| s.as_ref().parse()).collect()
}

/// Parses "a:read b:write" as the store keeps lists of permissions; anything else in
/// it is skipped.
pub(crate) fn from_joined(s: Option<&str>) -> PermissionSet {
    s.unwrap_or_default()
        .split(' ')
        .filter_map(|p| p.parse().ok())
        .collect()
}

/// "a:read b:write", the form [`from_joined`] reads.
pub(crate) fn joined<'p>(perms: impl IntoIterator<Item = &'p Permission>) -> String {
    let list: Vec<String> = perms.into_iter().map(ToString::to_string).collect();
    list.join(" ")
}

/// Refuses a key permission the account does not hold (or, `by_key`, the key acting for
/// it), naming it.
pub(crate) fn ensure_subset(
    asked: &PermissionSet,
    held: &PermissionSet,
    by_key: bool,
) -> Result<()> {
    match asked.iter().find(|p| !held.contains(*p)) {
        Some(missing) => Err(Error::NotHeld {
            permission: missing.to_string(),
            by_key,
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_display() {
        let p: Permission = "samples:read".parse().unwrap();
        assert_eq!(p.to_string(), "samples:read");
        for bad in [
            "samples",
            "samples:delete",
            ":read",
            "Samples:read",
            "a:b:c",
            "x y:read",
        ] {
            let e = bad.parse::<Permission>().unwrap_err().to_string();
            assert!(e.starts_with("permissions: "), "{bad}: {e}");
            assert!(
                e.contains(&format!("{bad:?} must be resource:action")),
                "{e}"
            );
        }
        let e = parse_all(&["keys:read", "samples:delete", "keys:write"]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "permissions: \"samples:delete\" must be resource:action, with action read or write (e.g. samples:read)"
        );
        let long = format!("{}:read", "x".repeat(100));
        let e = long.parse::<Permission>().unwrap_err().to_string();
        assert!(e.contains(&format!("\"{}…\"", "x".repeat(40))), "{e}");
    }

    #[test]
    fn subset_names_the_missing_one() {
        let held = parse_all(&["keys:read"]).unwrap();
        let asked = parse_all(&["keys:read", "keys:write"]).unwrap();
        let e = ensure_subset(&asked, &held, false).unwrap_err().to_string();
        assert!(e.contains("keys:write"), "{e}");
    }
}
