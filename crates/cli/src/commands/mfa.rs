//! `latchkey mfa …`: two-step verification for the acting user, and administrators'
//! reset of another account's.

use crate::args::MfaCmd;
use crate::ctx::Ctx;
use crate::prompt::confirm;
use crate::{output, to_json};
use latchkey_core::Error;
use serde_json::json;

fn print_codes(ctx: &Ctx, codes: &latchkey_core::RecoveryCodes) -> Result<(), Error> {
    if ctx.json {
        #[derive(serde::Serialize)]
        struct Codes<'a> {
            recovery_codes: &'a [String],
        }
        output::print_secret_json(&Codes {
            recovery_codes: &codes.0,
        })?;
    } else {
        eprintln!("Recovery codes: each works once in place of a code. They are shown only now; keep them safe.");
        for c in &codes.0 {
            println!("{c}");
        }
    }
    Ok(())
}

pub fn run(ctx: &mut Ctx, cmd: MfaCmd) -> Result<(), Error> {
    match cmd {
        MfaCmd::Status { acting } => {
            let s = ctx.sign_in(&acting)?;
            let st = ctx.lk.mfa_status(&s)?;
            let text = match (st.enabled, st.pending) {
                (true, _) => format!(
                    "Two-step verification is on; {} recovery code(s) left.",
                    st.recovery_codes_left
                ),
                (false, true) => {
                    "Set-up started but not confirmed: run `latchkey mfa confirm`.".into()
                }
                (false, false) => "Two-step verification is off.".into(),
            };
            ctx.print(text, to_json(&st));
        }
        MfaCmd::Enroll { acting, qr } => {
            Ctx::check_save("qr", qr.as_deref())?;
            let s = ctx.sign_in(&acting)?;
            let e = ctx.lk.mfa_enroll(&s)?;
            // If the picture still cannot be written, the secret is printed all the same
            // (below) and the failure reported after it.
            let saved = match &qr {
                Some(path) => latchkey_core::keyfile::write_private(path, &e.qr_png),
                None => Ok(()),
            };
            let qr = qr.filter(|_| saved.is_ok());
            if ctx.json {
                #[derive(serde::Serialize)]
                struct Enrolled<'a> {
                    secret: &'a str,
                    uri: &'a str,
                }
                output::print_secret_json(&Enrolled {
                    secret: &e.secret_base32,
                    uri: &e.uri,
                })?;
            } else {
                eprintln!(
                    "Add this to your authenticator app (scan the QR code{} or type the secret),",
                    qr.as_ref()
                        .map(|p| format!(" in {}", p.display()))
                        .unwrap_or_default()
                );
                eprintln!(
                    "then run `latchkey mfa confirm --user {}` with its first code.\n",
                    acting.user
                );
                println!("secret: {}", e.secret_base32);
                println!("uri:    {}", e.uri);
            }
            saved?;
        }
        MfaCmd::Confirm { acting } => {
            let s = ctx.sign_in(&acting)?;
            let code = ctx
                .prompter
                .password("First code from your authenticator app")?;
            let codes = ctx.lk.mfa_confirm(&s, code.expose())?;
            print_codes(ctx, &codes)?;
        }
        MfaCmd::Disable { acting, yes } => {
            confirm(
                "Two-step verification will be turned off and the recovery codes voided.",
                yes,
                &ctx.prompter,
            )?;
            let s = ctx.sign_in(&acting)?;
            ctx.lk.mfa_disable(&s)?;
            ctx.print(
                "Two-step verification is off.".into(),
                json!({ "enabled": false }),
            );
        }
        MfaCmd::RecoveryCodes { acting } => {
            let s = ctx.sign_in(&acting)?;
            let codes = ctx.lk.mfa_new_recovery_codes(&s)?;
            print_codes(ctx, &codes)?;
        }
        MfaCmd::Reset {
            acting,
            username,
            yes,
        } => {
            confirm(
                &format!("{username} will sign in with the password alone until they set two-step verification up again."),
                yes,
                &ctx.prompter,
            )?;
            let s = ctx.sign_in(&acting)?;
            ctx.lk.reset_mfa(&s, &username)?;
            ctx.print(
                format!("Two-step verification of {username} is off."),
                json!({ "reset": username }),
            );
        }
    }
    Ok(())
}
