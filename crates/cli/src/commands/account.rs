//! `latchkey account …`: show, list, create, update, disable, enable, admin, passwd.

use crate::args::AccountCmd;
use crate::ctx::Ctx;
use crate::prompt::confirm;
use crate::{output, to_json};
use latchkey_core::{Error, NewAccount, ProfileUpdate};
use serde_json::json;

pub fn run(ctx: &mut Ctx, cmd: AccountCmd) -> Result<(), Error> {
    match cmd {
        AccountCmd::Show { acting, username } => {
            let s = ctx.sign_in(&acting)?;
            let a = match username {
                Some(u) => ctx.lk.account(&s, &u)?,
                None => ctx.lk.me(&s)?,
            };
            ctx.print(output::account(&a), to_json(&a));
        }
        AccountCmd::List { acting } => {
            let s = ctx.sign_in(&acting)?;
            let list = ctx.lk.list_accounts(&s)?;
            ctx.print(output::accounts(&list), to_json(&list));
        }
        AccountCmd::Create {
            acting,
            username,
            profile,
            admin,
            groups,
        } => {
            let s = ctx.sign_in(&acting)?;
            let pw = ctx
                .prompter
                .new_password(&format!("New password for {username}"))?;
            let (a, key) = ctx.lk.create_account(
                &s,
                &NewAccount {
                    username,
                    first_name: profile.first_name.unwrap_or_default(),
                    last_name: profile.last_name.unwrap_or_default(),
                    email: profile.email,
                    is_admin: admin,
                    groups,
                },
                &pw,
            )?;
            if ctx.json {
                output::print_secret_json(&output::AccountWithKey {
                    account: to_json(&a),
                    account_key: key.as_ref().map(output::issued_json),
                })?;
            } else {
                println!("{}", output::account(&a));
                if let Some(k) = key {
                    eprintln!("\nThe new administrator's account key (shown once here):");
                    println!("{}", k.secret.expose());
                }
            }
        }
        AccountCmd::Update {
            acting,
            username,
            profile,
        } => {
            let s = ctx.sign_in(&acting)?;
            let target = username.unwrap_or_else(|| acting.user.clone());
            let update = ProfileUpdate {
                first_name: profile.first_name,
                last_name: profile.last_name,
                email: profile
                    .email
                    .map(|e| if e.trim().is_empty() { None } else { Some(e) }),
            };
            let a = ctx.lk.update_profile(&s, &target, &update)?;
            ctx.print(output::account(&a), to_json(&a));
        }
        AccountCmd::Disable { acting, username } => {
            let s = ctx.sign_in(&acting)?;
            let a = ctx.lk.set_disabled(&s, &username, true)?;
            ctx.print(
                format!(
                    "Disabled {}: it cannot sign in and its keys no longer verify.",
                    a.username
                ),
                to_json(&a),
            );
        }
        AccountCmd::Enable { acting, username } => {
            let s = ctx.sign_in(&acting)?;
            let a = ctx.lk.set_disabled(&s, &username, false)?;
            ctx.print(format!("Enabled {}.", a.username), to_json(&a));
        }
        AccountCmd::Admin {
            acting,
            username,
            grant,
            revoke: _,
        } => {
            let s = ctx.sign_in(&acting)?;
            let a = ctx.lk.set_admin(&s, &username, grant)?;
            ctx.print(output::account(&a), to_json(&a));
        }
        AccountCmd::Passwd {
            acting,
            username,
            yes,
        } => {
            let s = ctx.sign_in(&acting)?;
            // "Is this me" in the core's own case fold (Unicode, as usernames compare).
            let me = latchkey_core::validate::fold(&acting.user);
            match username.filter(|u| latchkey_core::validate::fold(u) != me) {
                None => {
                    // The current password was just given to sign in; ask it again so
                    // an unattended terminal cannot be used to change it.
                    let current = ctx.prompter.password("Current password")?;
                    let new = ctx.prompter.password("New password")?;
                    let again = ctx.prompter.password("Repeat the new password")?;
                    ctx.lk.change_password(&s, &current, &new, &again)?;
                    ctx.print("Password changed.".into(), json!({ "changed": true }));
                }
                Some(target) => {
                    let lost = ctx.lk.reset_password_impact(&s, &target)?;
                    if lost > 0 {
                        confirm(
                            &format!("{target} has {lost} key(s) marked viewable; after a reset they can no longer be viewed (they keep working)."),
                            yes,
                            &ctx.prompter,
                        )?;
                    }
                    let new = ctx
                        .prompter
                        .new_password(&format!("New password for {target}"))?;
                    let lost = ctx.lk.reset_password(&s, &target, &new)?;
                    ctx.print(
                        format!("Password of {target} reset. {lost} viewable secret(s) made unrecoverable."),
                        json!({ "reset": target, "secrets_made_unrecoverable": lost }),
                    );
                }
            }
        }
    }
    Ok(())
}
