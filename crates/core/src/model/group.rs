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
