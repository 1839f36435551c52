//! Groups, custom permissions, and the policy — the administrator's tools.

use crate::accounts::id_by_username;
use crate::auth::Session;
use crate::permissions::{self, Action, Permission};
use crate::policy::{self, Policy, PolicyUpdate};
use crate::{validate, Error, GroupId, Latchkey, Result};
use rusqlite::OptionalExtension;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Group {
    pub id: GroupId,
    pub name: String,
    pub permissions: Vec<Permission>,
    pub members: Vec<String>,
}

/// A permission the store knows, for the grid and the create-key dialog.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PermissionInfo {
    pub resource: String,
    pub description: String,
    pub builtin: bool,
}

pub(crate) fn id_by_name(conn: &rusqlite::Connection, name: &str) -> Result<i64> {
    conn.prepare_cached("SELECT id FROM groups WHERE name = ?1")?
        .query_row([name], |r| r.get(0))
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("group {name:?}")))
}

/// Adds `perms` to group `id`; one it already has is left as it is.
fn insert_permissions(
    tx: &rusqlite::Connection,
    id: i64,
    perms: &permissions::PermissionSet,
) -> Result<()> {
    let mut st = tx.prepare_cached(
        "INSERT OR IGNORE INTO group_permissions (group_id, resource, action) VALUES (?1, ?2, ?3)",
    )?;
    for p in perms {
        st.execute((id, &p.resource, p.action.as_str()))?;
    }
    Ok(())
}

fn load_group(conn: &rusqlite::Connection, id: i64) -> Result<Group> {
    let name: String =
        conn.query_row("SELECT name FROM groups WHERE id = ?1", [id], |r| r.get(0))?;
    let perms = permissions::from_joined(conn.query_row(
        "SELECT group_concat(resource || ':' || action, ' ') FROM group_permissions WHERE group_id = ?1",
        [id],
        |r| r.get(0),
    )?);
    let members = conn
        .prepare_cached(
            "SELECT a.username FROM group_members m JOIN accounts a ON a.id = m.account_id
             WHERE m.group_id = ?1 ORDER BY a.username",
        )?
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(Group {
        id: GroupId(id),
        name,
        permissions: perms.into_iter().collect(),
        members,
    })
}

impl Latchkey {
    /// Every permission resource in the store (built-in and custom).
    pub fn list_permissions(&self, session: &Session) -> Result<Vec<PermissionInfo>> {
        self.store.read(|c| {
            self.actor(c, session)?;
            let mut st = c.prepare_cached(
                "SELECT name, description, builtin FROM resources ORDER BY builtin DESC, name",
            )?;
            let rows = st.query_map([], |r| {
                Ok(PermissionInfo {
                    resource: r.get(0)?,
                    description: r.get(1)?,
                    builtin: r.get(2)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// The signed-in account's permissions now.
    pub fn my_permissions(&self, session: &Session) -> Result<Vec<Permission>> {
        self.store.read(|c| {
            let actor = self.actor(c, session)?;
            Ok(permissions::of_account(c, actor.id, actor.is_admin)?
                .into_iter()
                .collect())
        })
    }

    /// Adds a custom resource, giving `resource:read` and `resource:write`.
    pub fn create_resource(
        &self,
        session: &Session,
        name: &str,
        description: &str,
    ) -> Result<PermissionInfo> {
        let target = Some(name.trim().to_owned());
        self.audited(session, "permission.created", target, |audit| {
            let name = validate::resource_name(name.trim())?;
            let description = validate::person_name("description", description)?;
            let now = self.now_unix();
            audit.write(now, |tx, actor, entry| {
                actor.require_admin()?;
                if tx.prepare_cached("SELECT 1 FROM resources WHERE name = ?1")?.exists([&name])? {
                    return Err(Error::invalid("resource", "already exists"));
                }
                tx.execute(
                    "INSERT INTO resources (name, description, builtin, created_at) VALUES (?1, ?2, 0, ?3)",
                    (&name, &description, now),
                )?;
                entry.target = Some(format!("{name}:read, {name}:write"));
                Ok(PermissionInfo {
                    resource: name.clone(),
                    description: description.clone(),
                    builtin: false,
                })
            })
        })
    }

    /// Removes a custom resource; it disappears from every group and key at once.
    pub fn delete_resource(&self, session: &Session, name: &str) -> Result<()> {
        let target = Some(name.to_owned());
        self.audited(session, "permission.deleted", target, |audit| {
            audit.write(self.now_unix(), |tx, actor, _| {
                actor.require_admin()?;
                let builtin: Option<bool> = tx
                    .query_row(
                        "SELECT builtin FROM resources WHERE name = ?1",
                        [name],
                        |r| r.get(0),
                    )
                    .optional()?;
                match builtin {
                    None => return Err(Error::NotFound(format!("permission resource {name:?}"))),
                    Some(true) => {
                        return Err(Error::Forbidden(format!(
                            "{name} is built in and cannot be deleted"
                        )))
                    }
                    Some(false) => {}
                }
                // Verification reads a key's own permissions from the denormalised
                // `api_keys.permissions` copy, which no cascade reaches: rewrite it here, or a
                // resource re-created under the same name would come back on old keys.
                tx.execute(
                    "UPDATE api_keys SET permissions = coalesce(
                        (SELECT group_concat(kp.resource || ':' || kp.action, ' ')
                           FROM key_permissions kp WHERE kp.key_id = api_keys.id AND kp.resource != ?1), '')
                     WHERE id IN (SELECT key_id FROM key_permissions WHERE resource = ?1)",
                    [name],
                )?;
                tx.execute("DELETE FROM resources WHERE name = ?1", [name])?;
                Ok(())
            })
        })
    }

    pub fn list_groups(&self, session: &Session) -> Result<Vec<Group>> {
        self.store.read(|c| {
            self.actor(c, session)?;
            let ids = c
                .prepare_cached("SELECT id FROM groups ORDER BY name")?
                .query_map([], |r| r.get::<_, i64>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            ids.into_iter().map(|id| load_group(c, id)).collect()
        })
    }

    pub fn create_group(&self, session: &Session, name: &str, perms: &[String]) -> Result<Group> {
        // The trimmed name is the validated one: validation refuses, it never rewrites.
        let target = Some(format!("group {}", name.trim()));
        self.audited(session, "group.created", target, |audit| {
            let name = validate::group_name(name.trim())?;
            let perms = permissions::parse_all(perms)?;
            let now = self.now_unix();
            audit.write(now, |tx, actor, entry| {
                actor.require_admin()?;
                if tx
                    .prepare_cached("SELECT 1 FROM groups WHERE name = ?1")?
                    .exists([&name])?
                {
                    return Err(Error::invalid("group", "already exists"));
                }
                permissions::ensure_known(tx, &perms)?;
                tx.execute(
                    "INSERT INTO groups (name, created_at) VALUES (?1, ?2)",
                    (&name, now),
                )?;
                let id = tx.last_insert_rowid();
                insert_permissions(tx, id, &perms)?;
                let list: Vec<String> = perms.iter().map(ToString::to_string).collect();
                entry.detail = list.join(" ");
                load_group(tx, id)
            })
        })
    }

    pub fn delete_group(&self, session: &Session, name: &str) -> Result<()> {
        let target = Some(format!("group {name}"));
        self.audited(session, "group.deleted", target, |audit| {
            audit.write(self.now_unix(), |tx, actor, _| {
                actor.require_admin()?;
                let id = id_by_name(tx, name)?;
                tx.execute("DELETE FROM groups WHERE id = ?1", [id])?;
                Ok(())
            })
        })
    }

    /// Replaces a group's permissions. Removing one removes it from every member's keys
    /// at the next verification.
    pub fn set_group_permissions(
        &self,
        session: &Session,
        name: &str,
        perms: &[String],
    ) -> Result<Group> {
        let target = Some(format!("group {name}"));
        self.audited(session, "group.permissions_set", target, |audit| {
            let perms = permissions::parse_all(perms)?;
            let now = self.now_unix();
            audit.write(now, |tx, actor, entry| {
                actor.require_admin()?;
                let id = id_by_name(tx, name)?;
                permissions::ensure_known(tx, &perms)?;
                tx.execute("DELETE FROM group_permissions WHERE group_id = ?1", [id])?;
                insert_permissions(tx, id, &perms)?;
                let list: Vec<String> = perms.iter().map(ToString::to_string).collect();
                entry.detail = if list.is_empty() {
                    "none".into()
                } else {
                    list.join(" ")
                };
                load_group(tx, id)
            })
        })
    }

    /// Grants or removes one permission on a group (the grid's single-cell change).
    pub fn set_group_permission(
        &self,
        session: &Session,
        name: &str,
        resource: &str,
        action: Action,
        on: bool,
    ) -> Result<Group> {
        let p = [Permission::new(resource, action).to_string()];
        let none: [String; 0] = [];
        if on {
            self.change_group_permissions(session, name, &p, &none)
        } else {
            self.change_group_permissions(session, name, &none, &p)
        }
    }

    /// Adds `grant` to a group's permissions and takes `revoke` away, leaving the rest:
    /// read and written in one transaction, so that two administrators changing the same
    /// group at once cannot undo each other's change.
    pub fn change_group_permissions(
        &self,
        session: &Session,
        name: &str,
        grant: &[String],
        revoke: &[String],
    ) -> Result<Group> {
        let target = Some(format!("group {name}"));
        self.audited(session, "group.permissions_set", target, |audit| {
            let grant = permissions::parse_all(grant)?;
            let revoke = permissions::parse_all(revoke)?;
            if let Some(p) = grant.intersection(&revoke).next() {
                return Err(Error::invalid(
                    "permissions",
                    format!("{p} cannot be both granted and revoked"),
                ));
            }
            let now = self.now_unix();
            audit.write(now, |tx, actor, entry| {
                actor.require_admin()?;
                let id = id_by_name(tx, name)?;
                permissions::ensure_known(tx, &grant)?;
                insert_permissions(tx, id, &grant)?;
                for p in &revoke {
                    tx.execute(
                        "DELETE FROM group_permissions WHERE group_id = ?1 AND resource = ?2 AND action = ?3",
                        (id, &p.resource, p.action.as_str()),
                    )?;
                }
                let group = load_group(tx, id)?;
                let list = |s: &permissions::PermissionSet| {
                    let v: Vec<String> = s.iter().map(ToString::to_string).collect();
                    if v.is_empty() { "none".to_owned() } else { v.join(" ") }
                };
                let now_held: permissions::PermissionSet =
                    group.permissions.iter().cloned().collect();
                // Names match without regard to case: the entry names the group as stored.
                entry.target = Some(format!("group {}", group.name));
                entry.detail = format!(
                    "granted {}; revoked {}; now {}",
                    list(&grant),
                    list(&revoke),
                    list(&now_held)
                );
                Ok(group)
            })
        })
    }

    pub fn add_member(&self, session: &Session, group: &str, username: &str) -> Result<Group> {
        let target = Some(format!("group {group}"));
        self.audited(session, "group.member_added", target, |audit| {
            audit.write(self.now_unix(), |tx, actor, entry| {
                actor.require_admin()?;
                let gid = id_by_name(tx, group)?;
                let aid = id_by_username(tx, username)?;
                tx.execute(
                    "INSERT OR IGNORE INTO group_members (account_id, group_id) VALUES (?1, ?2)",
                    (aid, gid),
                )?;
                entry.detail = username.to_owned();
                load_group(tx, gid)
            })
        })
    }

    pub fn remove_member(&self, session: &Session, group: &str, username: &str) -> Result<Group> {
        let target = Some(format!("group {group}"));
        self.audited(session, "group.member_removed", target, |audit| {
            audit.write(self.now_unix(), |tx, actor, entry| {
                actor.require_admin()?;
                let gid = id_by_name(tx, group)?;
                let aid = id_by_username(tx, username)?;
                let n = tx.execute(
                    "DELETE FROM group_members WHERE account_id = ?1 AND group_id = ?2",
                    (aid, gid),
                )?;
                if n == 0 {
                    return Err(Error::NotFound(format!("{username} in group {group}")));
                }
                entry.detail = username.to_owned();
                load_group(tx, gid)
            })
        })
    }

    /// Changes the policy (administrators, with a fresh proof of identity).
    pub fn set_policy(&self, session: &Session, update: &PolicyUpdate) -> Result<Policy> {
        self.audited(session, "policy.changed", None, |audit| {
            self.require_fresh_proof(session)?;
            let now = self.now_unix();
            audit.write(now, |tx, actor, entry| {
                actor.require_admin()?;
                let before = policy::load(tx)?;
                let after = update.apply(before.clone())?;
                policy::save(tx, &after)?;
                entry.detail = format!(
                    "min password length {}; max key lifetime {}; never-expiring keys {}; max active keys {}; argon2 {}",
                    after.min_password_length,
                    after.max_key_lifetime_days.map_or("none".into(), |d| format!("{d} days")),
                    if after.never_allowed() { "allowed" } else { "not allowed" },
                    after.max_active_keys.map_or("no limit".into(), |n| n.to_string()),
                    after.argon2
                );
                Ok(after)
            })
        })
    }
}
