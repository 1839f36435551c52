//! `latchkey account-key show|reset`: an administrator's account key.

use crate::args::AccountKeyCmd;
use crate::ctx::Ctx;
use crate::output;
use crate::prompt::confirm;
use latchkey_core::{Error, IssuedKey};

pub fn run(ctx: &mut Ctx, cmd: AccountKeyCmd) -> Result<(), Error> {
    match cmd {
        AccountKeyCmd::Show {
            acting,
            reveal,
            save,
        } => {
            Ctx::check_save("save", save.as_deref())?;
            let s = ctx.sign_in(&acting)?;
            let info = ctx.lk.account_key(&s)?;
            if reveal || save.is_some() {
                let secret = ctx.lk.reveal_key(&s, &info.id)?;
                let issued = IssuedKey::new(info, secret);
                ctx.issued(&s, &issued, save.as_deref())?;
            } else {
                ctx.print(output::key(&info), output::key_json(&info));
            }
        }
        AccountKeyCmd::Reset { acting, yes, save } => {
            confirm(
                "The current account key will stop working at once.",
                yes,
                &ctx.prompter,
            )?;
            Ctx::check_save("save", save.as_deref())?;
            let s = ctx.sign_in(&acting)?;
            let issued = ctx.lk.reset_account_key(&s)?;
            ctx.issued(&s, &issued, save.as_deref())?;
        }
    }
    Ok(())
}
