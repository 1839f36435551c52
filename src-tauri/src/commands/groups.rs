//! Groups, their members and the permission grid, and custom permission resources
//! (administrators; the core refuses anyone else).

use super::blocking;
use crate::error::CommandResult;
use crate::state::SharedDesk;
use latchkey_core::{Access, Group, GroupImpact, PermissionInfo, ResourceImpact};
use tauri::State;

#[tauri::command]
pub async fn list_groups(desk: State<'_, SharedDesk>) -> CommandResult<Vec<Group>> {
    blocking(&desk, |d| d.with_session(|lk, s| Ok(lk.list_groups(s)?))).await
}

#[tauri::command]
pub async fn create_group(
    desk: State<'_, SharedDesk>,
    name: String,
    permissions: Vec<String>,
) -> CommandResult<Group> {
    blocking(&desk, move |d| {
        d.with_session(|lk, s| Ok(lk.create_group(s, &name, &permissions)?))
    })
    .await
}

#[tauri::command]
pub async fn rename_group(
    desk: State<'_, SharedDesk>,
    name: String,
    new_name: String,
) -> CommandResult<Group> {
    blocking(&desk, move |d| {
        d.with_session(|lk, s| Ok(lk.rename_group(s, &name, &new_name)?))
    })
    .await
}

/// What deleting the group would take from its members, for the dialog.
#[tauri::command]
pub async fn group_impact(desk: State<'_, SharedDesk>, name: String) -> CommandResult<GroupImpact> {
    blocking(&desk, move |d| {
        d.with_session(|lk, s| Ok(lk.group_impact(s, &name)?))
    })
    .await
}

#[tauri::command]
pub async fn delete_group(desk: State<'_, SharedDesk>, name: String) -> CommandResult<()> {
    blocking(&desk, move |d| {
        d.with_session(|lk, s| Ok(lk.delete_group(s, &name)?))
    })
    .await
}

#[tauri::command]
pub async fn add_group_member(
    desk: State<'_, SharedDesk>,
    group: String,
    username: String,
) -> CommandResult<Group> {
    blocking(&desk, move |d| {
        d.with_session(|lk, s| Ok(lk.add_member(s, &group, &username)?))
    })
    .await
}

#[tauri::command]
pub async fn remove_group_member(
    desk: State<'_, SharedDesk>,
    group: String,
    username: String,
) -> CommandResult<Group> {
    blocking(&desk, move |d| {
        d.with_session(|lk, s| Ok(lk.remove_member(s, &group, &username)?))
    })
    .await
}

/// One cell of the grid: what the group may do with one resource.
#[tauri::command]
pub async fn set_group_access(
    desk: State<'_, SharedDesk>,
    group: String,
    resource: String,
    access: Access,
) -> CommandResult<Group> {
    blocking(&desk, move |d| {
        d.with_session(|lk, s| Ok(lk.set_group_access(s, &group, &resource, access)?))
    })
    .await
}

#[tauri::command]
pub async fn create_resource(
    desk: State<'_, SharedDesk>,
    name: String,
    description: String,
) -> CommandResult<PermissionInfo> {
    blocking(&desk, move |d| {
        d.with_session(|lk, s| Ok(lk.create_resource(s, &name, &description)?))
    })
    .await
}

/// How many groups and keys in use would lose a custom resource, for the dialog.
#[tauri::command]
pub async fn resource_impact(
    desk: State<'_, SharedDesk>,
    name: String,
) -> CommandResult<ResourceImpact> {
    blocking(&desk, move |d| {
        d.with_session(|lk, s| Ok(lk.resource_impact(s, &name)?))
    })
    .await
}

#[tauri::command]
pub async fn delete_resource(desk: State<'_, SharedDesk>, name: String) -> CommandResult<()> {
    blocking(&desk, move |d| {
        d.with_session(|lk, s| Ok(lk.delete_resource(s, &name)?))
    })
    .await
}
