//! `latchkey key …`: create, list, show, edit, regenerate, revoke, reveal.

use crate::args::KeyCmd;
use crate::ctx::Ctx;
use crate::prompt::confirm;
use crate::{output, to_json};
use latchkey_core::{Error, Expiry, Grace, IssuedKey, KeyEdit, KeyId, NewKey};

pub fn run(ctx: &mut Ctx, cmd: KeyCmd) -> Result<(), Error> {
    match cmd {
        KeyCmd::Create {
            acting,
            name,
            perms,
            environment,
            expires,
            revealable,
            save,
        } => {
            let new = NewKey {
                name,
                permissions: perms,
                environment: environment.parse()?,
                expiry: match expires {
                    Some(e) => e.parse::<Expiry>()?,
                    None => Expiry::default(),
                },
                revealable,
            };
            Ctx::check_save("save", save.as_deref())?;
            let s = ctx.sign_in(&acting)?;
            let issued = ctx.lk.create_key(&s, &new)?;
            ctx.issued(&s, &issued, save.as_deref())?;
        }
        KeyCmd::List { acting } => {
            let s = ctx.sign_in(&acting)?;
            let list = ctx.lk.list_keys(&s)?;
            ctx.print(output::keys(&list), to_json(&list));
        }
        KeyCmd::Show { acting, id } => {
            let id = KeyId::parse(&id)?;
            let s = ctx.sign_in(&acting)?;
            let k = ctx.lk.key(&s, &id)?;
            ctx.print(output::key(&k), output::key_json(&k));
        }
        KeyCmd::Edit {
            acting,
            id,
            name,
            perms,
            no_perms,
        } => {
            let id = KeyId::parse(&id)?;
            let permissions = if no_perms {
                Some(vec![])
            } else if perms.is_empty() {
                None
            } else {
                Some(perms)
            };
            if name.is_none() && permissions.is_none() {
                return Err(Error::Invalid {
                    field: "edit",
                    rule: "give --name, --perm or --no-perms".into(),
                });
            }
            let s = ctx.sign_in(&acting)?;
            let k = ctx.lk.edit_key(&s, &id, &KeyEdit { name, permissions })?;
            ctx.print(output::key(&k), output::key_json(&k));
        }
        KeyCmd::Regenerate {
            acting,
            id,
            grace,
            save,
        } => {
            let id = KeyId::parse(&id)?;
            let grace: Grace = grace.parse()?;
            Ctx::check_save("save", save.as_deref())?;
            let s = ctx.sign_in(&acting)?;
            let issued = ctx.lk.regenerate_key(&s, &id, grace)?;
            ctx.issued(&s, &issued, save.as_deref())?;
        }
        KeyCmd::Revoke { acting, id, yes } => {
            let id = KeyId::parse(&id)?;
            confirm(
                "Revoking is permanent: programs using this key will stop working and a new key will be needed.",
                yes,
                &ctx.prompter,
            )?;
            let s = ctx.sign_in(&acting)?;
            let k = ctx.lk.revoke_key(&s, &id)?;
            ctx.print(
                format!("Revoked {} ({}).", k.id, k.name),
                output::key_json(&k),
            );
        }
        KeyCmd::Reveal { acting, id, save } => {
            let id = KeyId::parse(&id)?;
            Ctx::check_save("save", save.as_deref())?;
            let s = ctx.sign_in(&acting)?;
            let info = ctx.lk.key(&s, &id)?;
            let secret = ctx.lk.reveal_key(&s, &id)?;
            ctx.issued(&s, &IssuedKey::new(info, secret), save.as_deref())?;
        }
        // Handled before any acting user is needed (see `verify`).
        KeyCmd::Verify { .. } => {}
    }
    Ok(())
}
