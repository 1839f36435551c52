//! Groups and the permission resources they grant.

use crate::permissions::Permission;
use crate::GroupId;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Group {
    pub id: GroupId,
    pub name: String,
    pub permissions: Vec<Permission>,
    pub members: Vec<String>,
}

/// A permission resource the store knows, for the grid and the create-key dialog.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PermissionInfo {
    pub resource: String,
    pub description: String,
    pub builtin: bool,
}

/// What deleting a group takes away.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct GroupImpact {
    pub members: u32,
    /// What the group grants them ("resource:action").
    pub permissions: Vec<String>,
}

/// What deleting a custom permission resource takes away.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ResourceImpact {
    /// Groups that grant it.
    pub groups: u32,
    /// Keys in use (not revoked or expired) that were given it.
    pub active_keys: u32,
}

/// One cell of the permission grid: what a group may do with one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Access {
    None,
    Read,
    Write,
    ReadWrite,
}

impl Access {
    /// Whether this level includes `action`.
    pub fn allows(self, action: crate::permissions::Action) -> bool {
        use crate::permissions::Action;
        matches!(
            (self, action),
            (Access::Read | Access::ReadWrite, Action::Read)
                | (Access::Write | Access::ReadWrite, Action::Write)
        )
    }
}
