//! `latchkey permission list|create|delete`: custom permission resources.

use crate::args::PermissionCmd;
use crate::ctx::Ctx;
use crate::{output, to_json};
use latchkey_core::Error;
use serde_json::json;

pub fn run(ctx: &mut Ctx, cmd: PermissionCmd) -> Result<(), Error> {
    match cmd {
        PermissionCmd::List { acting } => {
            let s = ctx.sign_in(&acting)?;
            let list = ctx.lk.list_permissions(&s)?;
            ctx.print(output::permissions(&list), to_json(&list));
        }
        PermissionCmd::Create {
            acting,
            resource,
            description,
        } => {
            let s = ctx.sign_in(&acting)?;
            let p = ctx.lk.create_resource(&s, &resource, &description)?;
            ctx.print(
                format!("Created {0}:read and {0}:write.", p.resource),
                to_json(&p),
            );
        }
        PermissionCmd::Delete { acting, resource } => {
            let s = ctx.sign_in(&acting)?;
            ctx.lk.delete_resource(&s, &resource)?;
            ctx.print(
                format!("Deleted {resource}; no group or key has it any more."),
                json!({ "deleted": resource }),
            );
        }
    }
    Ok(())
}
