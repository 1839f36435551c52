//! `latchkey invite create|list|revoke|reissue|redeem`.

use crate::args::InviteCmd;
use crate::ctx::Ctx;
use crate::{output, to_json};
use latchkey_core::{Error, Invitation, IssuedInvitation, NewAccount, NewInvitation};

fn list_text(list: &[Invitation]) -> String {
    if list.is_empty() {
        return "No invitations.".into();
    }
    output::table(
        &[
            "id",
            "email",
            "groups",
            "role",
            "status",
            "expires",
            "accepted by",
        ],
        list.iter()
            .map(|i| {
                vec![
                    i.id.clone(),
                    i.email.clone(),
                    if i.groups.is_empty() {
                        "—".into()
                    } else {
                        i.groups.join(",")
                    },
                    if i.admin { "administrator" } else { "member" }.into(),
                    i.status.as_str().into(),
                    output::when(Some(i.expires_at)),
                    i.accepted_by.clone().unwrap_or_else(|| "—".into()),
                ]
            })
            .collect(),
    )
}

/// The code alone on stdout's first line (or `{code, invitation}` with `--json`); what
/// to do with it on stderr.
fn issued(ctx: &Ctx, i: &IssuedInvitation) -> Result<(), Error> {
    if ctx.json {
        #[derive(serde::Serialize)]
        struct Out<'a> {
            code: &'a str,
            invitation: &'a Invitation,
        }
        return output::print_secret_json(&Out {
            code: i.code.expose(),
            invitation: &i.invitation,
        });
    }
    println!("{}", i.code.expose());
    eprintln!(
        "Invitation {} for {}, valid until {}. The code above is shown only now: send it to them \
         (they redeem it with `latchkey invite redeem` or in the app, under \"I have an invitation\").",
        i.invitation.id,
        i.invitation.email,
        output::when(Some(i.invitation.expires_at))
    );
    Ok(())
}

pub fn run(ctx: &mut Ctx, cmd: InviteCmd) -> Result<(), Error> {
    match cmd {
        InviteCmd::Create {
            acting,
            email,
            groups,
            admin,
        } => {
            let s = ctx.sign_in(&acting)?;
            let i = ctx.lk.create_invitation(
                &s,
                &NewInvitation {
                    email,
                    groups,
                    admin,
                },
            )?;
            issued(ctx, &i)?;
        }
        InviteCmd::List { acting } => {
            let s = ctx.sign_in(&acting)?;
            let list = ctx.lk.list_invitations(&s)?;
            ctx.print(list_text(&list), to_json(&list));
        }
        InviteCmd::Revoke { acting, id } => {
            let s = ctx.sign_in(&acting)?;
            let i = ctx.lk.revoke_invitation(&s, id.trim())?;
            ctx.print(
                format!(
                    "Invitation {} for {} withdrawn: its code no longer works.",
                    i.id, i.email
                ),
                to_json(&i),
            );
        }
        InviteCmd::Reissue { acting, id } => {
            let s = ctx.sign_in(&acting)?;
            let i = ctx.lk.reissue_invitation(&s, id.trim())?;
            issued(ctx, &i)?;
        }
        InviteCmd::Redeem {
            code,
            username,
            first_name,
            last_name,
        } => {
            let code = match code {
                Some(c) => zeroize::Zeroizing::new(c),
                None => zeroize::Zeroizing::new(
                    ctx.prompter
                        .password("Invitation code")?
                        .expose()
                        .to_owned(),
                ),
            };
            let pw = ctx
                .prompter
                .new_password(&format!("New password for {username}"))?;
            let signed = ctx.lk.redeem_invitation(
                &code,
                &NewAccount {
                    username,
                    first_name,
                    last_name,
                    ..Default::default()
                },
                &pw,
                &pw,
            )?;
            let me = ctx.lk.me(&signed.session)?;
            ctx.print(
                format!("Welcome, {}.\n{}", me.username, output::account(&me)),
                to_json(&me),
            );
        }
    }
    Ok(())
}
