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
