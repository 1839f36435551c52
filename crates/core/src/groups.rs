//! Groups and custom permissions: the administrator's tools for who may do what.

use crate::permissions::{self, Action, Permission, PermissionSet};
use crate::session::Session;
use crate::store::{self, Tx};
use crate::{validate, Error, Latchkey, Result};

pub use crate::model::group::{Access, Group, GroupImpact, PermissionInfo, ResourceImpact};

/// Refuses permissions whose resource the store does not know, naming the first.
fn ensure_known(tx: &mut Tx<'_>, perms: &PermissionSet) -> Result<()> {
    match store::groups::first_unknown(tx, perms)? {
        Some(p) => Err(Error::invalid(
            "permissions",
            format!("unknown permission {p}"),
        )),
        None => Ok(()),
    }
}

/// "a:read b:write", or "none".
fn list_text(perms: &PermissionSet) -> String {
    if perms.is_empty() {
        "none".into()
    } else {
        permissions::joined(perms)
    }
}

impl Latchkey {
    /// Every permission resource in the store (built-in and custom).
    pub fn list_permissions(&self, session: &Session) -> Result<Vec<PermissionInfo>> {
        self.store.read(|tx| {
            self.actor(tx, session)?;
            store::groups::resources(tx)
        })
    }

    /// The signed-in account's permissions now.
    pub fn my_permissions(&self, session: &Session) -> Result<Vec<Permission>> {
        self.store.read(|tx| {
            let actor = self.actor(tx, session)?;
            Ok(
                store::groups::permissions_of_account(tx, actor.id, actor.is_admin)?
                    .into_iter()
                    .collect(),
            )
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
            let description = validate::description(description)?;
            let now = self.now_unix();
            audit.write(now, |tx, actor, entry| {
                actor.require_admin()?;
                if store::groups::resource_exists(tx, &name)? {
                    return Err(Error::invalid("resource", "already exists"));
                }
                store::groups::insert_resource(tx, &name, &description, false, now)?;
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
                match store::groups::resource_builtin(tx, name)? {
                    None => {
                        return Err(Error::NotFound(format!(
                            "permission resource {:?}",
                            validate::shown(name)
                        )))
                    }
                    Some(true) => {
                        return Err(Error::Forbidden(format!(
                            "{name} is built in and cannot be deleted"
                        )))
                    }
                    Some(false) => {}
                }
                store::groups::delete_resource(tx, name)
            })
        })
    }

    /// Every group with its members and grants (administrators: a group's member list
    /// names other people).
    pub fn list_groups(&self, session: &Session) -> Result<Vec<Group>> {
        self.guarded(session, "groups.read", None, || {
            self.store.read(|tx| {
                self.actor(tx, session)?.require_admin()?;
                store::groups::list(tx)
            })
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
                if store::groups::name_taken(tx, &name)? {
                    return Err(Error::invalid("group", "already exists"));
                }
                ensure_known(tx, &perms)?;
                let id = store::groups::insert(tx, &name, now)?;
                store::groups::grant(tx, id, &perms)?;
                entry.detail = permissions::joined(&perms);
                store::groups::load(tx, id)
            })
        })
    }

    /// Renames a group; its members and grants stay.
    pub fn rename_group(&self, session: &Session, name: &str, new_name: &str) -> Result<Group> {
        let target = Some(format!("group {name}"));
        self.audited(session, "group.renamed", target, |audit| {
            let new_name = validate::group_name(new_name.trim())?;
            audit.write(self.now_unix(), |tx, actor, entry| {
                actor.require_admin()?;
                let id = store::groups::id_by_name(tx, name)?;
                let old = store::groups::load(tx, id)?.name;
                if crate::validate::fold(&old) != crate::validate::fold(&new_name)
                    && store::groups::name_taken(tx, &new_name)?
                {
                    return Err(Error::invalid("group", "already exists"));
                }
                store::groups::rename(tx, id, &new_name)?;
                entry.target = Some(format!("group {old}"));
                entry.detail = format!("renamed to {new_name}");
                store::groups::load(tx, id)
            })
        })
    }

    /// What deleting a group would take away: its members, and what it grants them.
    pub fn group_impact(&self, session: &Session, name: &str) -> Result<GroupImpact> {
        self.store.read(|tx| {
            self.actor(tx, session)?.require_admin()?;
            let id = store::groups::id_by_name(tx, name)?;
            let g = store::groups::load(tx, id)?;
            Ok(GroupImpact {
                members: g.members.len() as u32,
                permissions: g.permissions.iter().map(ToString::to_string).collect(),
            })
        })
    }

    /// What deleting a custom resource would take away: the groups that grant it and the
    /// keys in use that were given it.
    pub fn resource_impact(&self, session: &Session, name: &str) -> Result<ResourceImpact> {
        let now = self.now_unix();
        self.store.read(|tx| {
            self.actor(tx, session)?.require_admin()?;
            if store::groups::resource_builtin(tx, name)?.is_none() {
                return Err(Error::NotFound(format!(
                    "permission resource {:?}",
                    validate::shown(name)
                )));
            }
            Ok(ResourceImpact {
                groups: store::groups::groups_granting(tx, name)?,
                active_keys: store::keys::count_active_with_resource(tx, name, now)?,
            })
        })
    }

    pub fn delete_group(&self, session: &Session, name: &str) -> Result<()> {
        let target = Some(format!("group {name}"));
        self.audited(session, "group.deleted", target, |audit| {
            audit.write(self.now_unix(), |tx, actor, _| {
                actor.require_admin()?;
                let id = store::groups::id_by_name(tx, name)?;
                store::groups::delete(tx, id)
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
                let id = store::groups::id_by_name(tx, name)?;
                ensure_known(tx, &perms)?;
                store::groups::revoke_all(tx, id)?;
                store::groups::grant(tx, id, &perms)?;
                entry.detail = list_text(&perms);
                store::groups::load(tx, id)
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

    /// Sets what a group may do with one resource (the grid's cell): one transaction and
    /// one audit entry, whatever the cell held before.
    pub fn set_group_access(
        &self,
        session: &Session,
        name: &str,
        resource: &str,
        access: Access,
    ) -> Result<Group> {
        let (mut grant, mut revoke) = (Vec::new(), Vec::new());
        for action in [Action::Read, Action::Write] {
            let p = Permission::new(resource, action).to_string();
            if access.allows(action) {
                grant.push(p);
            } else {
                revoke.push(p);
            }
        }
        self.change_group_permissions(session, name, &grant, &revoke)
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
                let id = store::groups::id_by_name(tx, name)?;
                ensure_known(tx, &grant)?;
                store::groups::grant(tx, id, &grant)?;
                store::groups::revoke(tx, id, &revoke)?;
                let group = store::groups::load(tx, id)?;
                let list = list_text;
                let now_held: PermissionSet = group.permissions.iter().cloned().collect();
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
                let gid = store::groups::id_by_name(tx, group)?;
                let aid = store::accounts::id_by_username(tx, username)?;
                store::groups::add_member(tx, gid, aid)?;
                entry.detail = username.to_owned();
                store::groups::load(tx, gid)
            })
        })
    }

    pub fn remove_member(&self, session: &Session, group: &str, username: &str) -> Result<Group> {
        let target = Some(format!("group {group}"));
        self.audited(session, "group.member_removed", target, |audit| {
            audit.write(self.now_unix(), |tx, actor, entry| {
                actor.require_admin()?;
                let gid = store::groups::id_by_name(tx, group)?;
                let aid = store::accounts::id_by_username(tx, username)?;
                if !store::groups::remove_member(tx, gid, aid)? {
                    return Err(Error::NotFound(format!(
                        "{} in group {}",
                        validate::shown(username),
                        validate::shown(group)
                    )));
                }
                entry.detail = username.to_owned();
                store::groups::load(tx, gid)
            })
        })
    }
}
