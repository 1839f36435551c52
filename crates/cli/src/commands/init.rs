//! `latchkey init`: the store and its first administrator.

use crate::args::InitArgs;
use crate::ctx::Ctx;
use crate::{output, to_json};
use latchkey_core::{Error, NewAccount};

pub fn run(ctx: &mut Ctx, a: InitArgs) -> Result<(), Error> {
    let pw = ctx
        .prompter
        .new_password(&format!("New password for {}", a.username))?;
    let (acct, key) = ctx.lk.init(
        &NewAccount {
            username: a.username,
            first_name: a.first_name,
            last_name: a.last_name,
            email: a.email,
            is_admin: true,
            groups: vec![],
        },
        &pw,
    )?;
    if ctx.json {
        output::print_secret_json(&output::AccountWithKey {
            account: to_json(&acct),
            account_key: Some(output::issued_json(&key)),
        })?;
    } else {
        eprintln!(
            "Store created at {}.\n{}\n",
            ctx.lk.path().display(),
            output::account(&acct)
        );
        eprintln!("This is the administrator's account key. Copy it now; view it later with `latchkey account-key show --reveal`:");
        println!("{}", key.secret.expose());
    }
    Ok(())
}
