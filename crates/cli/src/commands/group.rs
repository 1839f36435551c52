//! `latchkey group …`: administrators' groups, their members and grants.

use crate::args::GroupCmd;
use crate::ctx::Ctx;
use crate::{output, to_json};
use latchkey_core::Error;
use serde_json::json;

pub fn run(ctx: &mut Ctx, cmd: GroupCmd) -> Result<(), Error> {
    let result = match cmd {
        GroupCmd::List { acting } => {
            let s = ctx.sign_in(&acting)?;
            let list = ctx.lk.list_groups(&s)?;
            ctx.print(output::groups(&list), to_json(&list));
            return Ok(());
        }
        GroupCmd::Rename {
            acting,
            name,
            new_name,
        } => {
            let s = ctx.sign_in(&acting)?;
            ctx.lk.rename_group(&s, &name, &new_name)?
        }
        GroupCmd::Create {
            acting,
            name,
            perms,
        } => {
            let s = ctx.sign_in(&acting)?;
            ctx.lk.create_group(&s, &name, &perms)?
        }
        GroupCmd::Delete { acting, name } => {
            let s = ctx.sign_in(&acting)?;
            ctx.lk.delete_group(&s, &name)?;
            ctx.print(format!("Deleted group {name}."), json!({ "deleted": name }));
            return Ok(());
        }
        GroupCmd::Grant {
            acting,
            name,
            perms,
        } => {
            let s = ctx.sign_in(&acting)?;
            ctx.lk.change_group_permissions(&s, &name, &perms, &[])?
        }
        GroupCmd::Revoke {
            acting,
            name,
            perms,
        } => {
            let s = ctx.sign_in(&acting)?;
            ctx.lk.change_group_permissions(&s, &name, &[], &perms)?
        }
        GroupCmd::AddMember {
            acting,
            name,
            username,
        } => {
            let s = ctx.sign_in(&acting)?;
            ctx.lk.add_member(&s, &name, &username)?
        }
        GroupCmd::RemoveMember {
            acting,
            name,
            username,
        } => {
            let s = ctx.sign_in(&acting)?;
            ctx.lk.remove_member(&s, &name, &username)?
        }
    };
    ctx.print(
        output::groups(std::slice::from_ref(&result)),
        to_json(&result),
    );
    Ok(())
}
