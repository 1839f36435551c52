//! Groups, their members and grants (`groups`, `group_members`, `group_permissions`), and
//! the permission resources the store knows (`resources`).

use super::sql::args;
use super::Tx;
use crate::model::group::{Group, PermissionInfo};
use crate::permissions::{self, Action, Permission, PermissionSet};
use crate::validate::fold;
use crate::{Error, GroupId, Result};

/// Every `resource, action` pair: what an administrator holds.
pub(crate) const ALL_PERMISSIONS: &str =
    "SELECT name, a FROM resources, (SELECT 'read' AS a UNION ALL SELECT 'write') actions";

/// Everything an account holds now: all permissions for an administrator, else the union
/// of its groups' grants.
pub(crate) fn permissions_of_account(
    tx: &mut Tx<'_>,
    account_id: i64,
    is_admin: bool,
) -> Result<PermissionSet> {
    let rows = if is_admin {
        tx.rows(ALL_PERMISSIONS, args![])?
    } else {
        tx.rows(
            "SELECT DISTINCT gp.resource, gp.action FROM group_members gm
             JOIN group_permissions gp ON gp.group_id = gm.group_id WHERE gm.account_id = ?1",
            args![account_id],
        )?
    };
    rows.into_iter()
        .map(|mut r| {
            let resource: String = r.take(0)?;
            let action: String = r.take(1)?;
            Ok(Permission {
                resource,
                action: if action == "write" {
                    Action::Write
                } else {
                    Action::Read
                },
            })
        })
        .collect()
}

/// The first of `perms` whose resource the store does not know.
pub(crate) fn first_unknown<'p>(
    tx: &mut Tx<'_>,
    perms: &'p PermissionSet,
) -> Result<Option<&'p Permission>> {
    for p in perms {
        if !resource_exists(tx, &p.resource)? {
            return Ok(Some(p));
        }
    }
    Ok(None)
}

pub(crate) fn resource_exists(tx: &mut Tx<'_>, name: &str) -> Result<bool> {
    tx.exists("SELECT 1 FROM resources WHERE name = ?1", args![name])
}

/// Built-in resources first, then custom ones by name.
pub(crate) fn resources(tx: &mut Tx<'_>) -> Result<Vec<PermissionInfo>> {
    tx.rows(
        "SELECT name, description, builtin FROM resources ORDER BY builtin DESC, name",
        args![],
    )?
    .into_iter()
    .map(|mut r| {
        Ok(PermissionInfo {
            resource: r.take(0)?,
            description: r.take(1)?,
            builtin: r.take(2)?,
        })
    })
    .collect()
}

pub(crate) fn insert_resource(
    tx: &mut Tx<'_>,
    name: &str,
    description: &str,
    builtin: bool,
    now: i64,
) -> Result<()> {
    tx.exec(
        "INSERT INTO resources (name, description, builtin, created_at) VALUES (?1, ?2, ?3, ?4)",
        args![name, description, builtin, now],
    )?;
    Ok(())
}

/// `Some(builtin)` for a resource the store knows.
pub(crate) fn resource_builtin(tx: &mut Tx<'_>, name: &str) -> Result<Option<bool>> {
    tx.row("SELECT builtin FROM resources WHERE name = ?1", args![name])?
        .map(|mut r| r.take(0))
        .transpose()
}

/// Deletes a resource; the cascade takes it from every group and key.
pub(crate) fn delete_resource(tx: &mut Tx<'_>, name: &str) -> Result<()> {
    // Verification reads a key's own permissions from the denormalised
    // `api_keys.permissions` copy, which no cascade reaches: rewrite it here, or a
    // resource re-created under the same name would come back on old keys.
    tx.exec(
        "UPDATE api_keys SET permissions = coalesce(
            (SELECT group_concat(kp.resource || ':' || kp.action, ' ')
               FROM key_permissions kp WHERE kp.key_id = api_keys.id AND kp.resource != ?1), '')
         WHERE id IN (SELECT key_id FROM key_permissions WHERE resource = ?1)",
        args![name],
    )?;
    tx.exec("DELETE FROM resources WHERE name = ?1", args![name])?;
    Ok(())
}

/// The group of this name (in any case), or "not found" naming it.
pub(crate) fn id_by_name(tx: &mut Tx<'_>, name: &str) -> Result<i64> {
    tx.row(
        "SELECT id FROM groups WHERE name_key = ?1",
        args![fold(name).as_str()],
    )?
    .map(|mut r| r.take(0))
    .unwrap_or_else(|| {
        Err(Error::NotFound(format!(
            "group {:?}",
            crate::validate::shown(name)
        )))
    })
}

pub(crate) fn name_taken(tx: &mut Tx<'_>, name: &str) -> Result<bool> {
    tx.exists(
        "SELECT 1 FROM groups WHERE name_key = ?1",
        args![fold(name).as_str()],
    )
}

pub(crate) fn load(tx: &mut Tx<'_>, id: i64) -> Result<Group> {
    let name: String = tx.value("SELECT name FROM groups WHERE id = ?1", args![id])?;
    let joined: Option<String> = tx.value(
        "SELECT group_concat(resource || ':' || action, ' ') FROM group_permissions WHERE group_id = ?1",
        args![id],
    )?;
    let members = tx
        .rows(
            "SELECT a.username FROM group_members m JOIN accounts a ON a.id = m.account_id
             WHERE m.group_id = ?1 ORDER BY a.username",
            args![id],
        )?
        .into_iter()
        .map(|mut r| r.take(0))
        .collect::<Result<Vec<String>>>()?;
    Ok(Group {
        id: GroupId(id),
        name,
        permissions: permissions::from_joined(joined.as_deref())
            .into_iter()
            .collect(),
        members,
    })
}

/// Every group, by name.
pub(crate) fn list(tx: &mut Tx<'_>) -> Result<Vec<Group>> {
    let ids = tx
        .rows("SELECT id FROM groups ORDER BY name_key", args![])?
        .into_iter()
        .map(|mut r| r.take(0))
        .collect::<Result<Vec<i64>>>()?;
    ids.into_iter().map(|id| load(tx, id)).collect()
}

pub(crate) fn insert(tx: &mut Tx<'_>, name: &str, now: i64) -> Result<i64> {
    tx.value(
        "INSERT INTO groups (name, name_key, created_at) VALUES (?1, ?2, ?3) RETURNING id",
        args![name, fold(name).as_str(), now],
    )
}

pub(crate) fn delete(tx: &mut Tx<'_>, id: i64) -> Result<()> {
    tx.exec("DELETE FROM groups WHERE id = ?1", args![id])?;
    Ok(())
}

/// Adds `perms` to group `id`; one it already has is left as it is.
pub(crate) fn grant(tx: &mut Tx<'_>, id: i64, perms: &PermissionSet) -> Result<()> {
    for p in perms {
        tx.exec(
            "INSERT INTO group_permissions (group_id, resource, action) VALUES (?1, ?2, ?3)
             ON CONFLICT DO NOTHING",
            args![id, p.resource.as_str(), p.action.as_str()],
        )?;
    }
    Ok(())
}

pub(crate) fn revoke(tx: &mut Tx<'_>, id: i64, perms: &PermissionSet) -> Result<()> {
    for p in perms {
        tx.exec(
            "DELETE FROM group_permissions WHERE group_id = ?1 AND resource = ?2 AND action = ?3",
            args![id, p.resource.as_str(), p.action.as_str()],
        )?;
    }
    Ok(())
}

pub(crate) fn revoke_all(tx: &mut Tx<'_>, id: i64) -> Result<()> {
    tx.exec(
        "DELETE FROM group_permissions WHERE group_id = ?1",
        args![id],
    )?;
    Ok(())
}

/// Makes an account a member (no change when it is one already).
pub(crate) fn add_member(tx: &mut Tx<'_>, group_id: i64, account_id: i64) -> Result<()> {
    tx.exec(
        "INSERT INTO group_members (account_id, group_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
        args![account_id, group_id],
    )?;
    Ok(())
}

/// Whether the account was a member.
pub(crate) fn remove_member(tx: &mut Tx<'_>, group_id: i64, account_id: i64) -> Result<bool> {
    let n = tx.exec(
        "DELETE FROM group_members WHERE account_id = ?1 AND group_id = ?2",
        args![account_id, group_id],
    )?;
    Ok(n > 0)
}

pub(crate) fn rename(tx: &mut Tx<'_>, id: i64, name: &str) -> Result<()> {
    tx.exec(
        "UPDATE groups SET name = ?2, name_key = ?3 WHERE id = ?1",
        args![id, name, fold(name).as_str()],
    )?;
    Ok(())
}

/// How many groups grant anything on `resource`.
pub(crate) fn groups_granting(tx: &mut Tx<'_>, resource: &str) -> Result<u32> {
    tx.value(
        "SELECT count(DISTINCT group_id) FROM group_permissions WHERE resource = ?1",
        args![resource],
    )
}
