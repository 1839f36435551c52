//! `resource:action` permissions and how an account and a key come to hold them.

use crate::{validate, Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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

/// One permission, such as `keys:write` or `samples:read`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
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

/// Parses "a:read b:write" as stored by the group_concat queries.
pub(crate) fn from_joined(s: Option<String>) -> PermissionSet {
    s.unwrap_or_default()
        .split(' ')
        .filter_map(|p| p.parse().ok())
        .collect()
}

/// Everything an account holds now: all permissions for an administrator, else the union
/// of its groups' grants.
pub(crate) fn of_account(
    conn: &rusqlite::Connection,
    account_id: i64,
    is_admin: bool,
) -> Result<PermissionSet> {
    let sql = if is_admin {
        "SELECT name, a FROM resources, (SELECT 'read' AS a UNION ALL SELECT 'write')
         WHERE ?1 IS NOT NULL"
    } else {
        "SELECT DISTINCT gp.resource, gp.action FROM group_members gm
         JOIN group_permissions gp ON gp.group_id = gm.group_id WHERE gm.account_id = ?1"
    };
    let mut st = conn.prepare_cached(sql)?;
    let rows = st.query_map([account_id], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut out = PermissionSet::new();
    for row in rows {
        let (res, act) = row?;
        out.insert(Permission {
            resource: res,
            action: if act == "write" {
                Action::Write
            } else {
                Action::Read
            },
        });
    }
    Ok(out)
}

/// Refuses permissions that do not exist in the store, naming the first.
pub(crate) fn ensure_known(conn: &rusqlite::Connection, perms: &PermissionSet) -> Result<()> {
    let mut st = conn.prepare_cached("SELECT 1 FROM resources WHERE name = ?1")?;
    for p in perms {
        if !st.exists([&p.resource])? {
            return Err(Error::invalid(
                "permissions",
                format!("unknown permission {p}"),
            ));
        }
    }
    Ok(())
}

/// How a refusal of a permission the account does not hold begins (the audit log
/// records these as refusals).
pub(crate) const NOT_HELD: &str = "your account does not have ";

/// Refuses a key permission the account does not hold, naming it.
pub(crate) fn ensure_subset(asked: &PermissionSet, held: &PermissionSet) -> Result<()> {
    if let Some(missing) = asked.iter().find(|p| !held.contains(*p)) {
        return Err(Error::invalid(
            "permissions",
            format!("{NOT_HELD}{missing}, so a key cannot be given it"),
        ));
    }
    Ok(())
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
        let e = ensure_subset(&asked, &held).unwrap_err().to_string();
        assert!(e.contains("keys:write"), "{e}");
    }
}
