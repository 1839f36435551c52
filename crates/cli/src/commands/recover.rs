//! `latchkey recover-account USERNAME`: a new password without signing in, for whoever can
//! write the store (the only administrator lost their password or authenticator).

use crate::args::RecoverArgs;
use crate::prompt::{self, Prompter};
use latchkey_core::store::{Location, Missing};
use latchkey_core::{Error, Latchkey, SystemClock};
use std::sync::Arc;

pub fn run(
    location: &Location,
    a: &RecoverArgs,
    json: bool,
    password_stdin: bool,
) -> Result<(), Error> {
    let lk = Latchkey::open_at(location, Arc::new(SystemClock), Missing::Refuse)?;
    let mut prompter = Prompter::new(password_stdin);
    prompt::confirm(
        &format!(
            "This sets a new password for {}, turns its two-step verification off and makes its \
             viewable keys unviewable for good (the keys keep working).",
            a.username
        ),
        a.yes,
        &prompter,
    )?;
    let password = prompter.new_password(&format!("New password for {}", a.username))?;
    let done = lk.recover_account(&a.username, &password)?;
    if json {
        println!("{}", crate::to_json(&done));
        return Ok(());
    }
    println!(
        "New password set for {}{}. Sign in with it.",
        done.username,
        if done.is_admin {
            " (administrator)"
        } else {
            ""
        }
    );
    if done.mfa_turned_off {
        println!(
            "Two-step verification was turned off and its recovery codes removed; set it up \
             again with `latchkey mfa enroll`."
        );
    }
    if done.secrets_lost > 0 {
        println!(
            "{} viewable key(s) can no longer be shown; they keep working. Regenerate one to \
             get a secret you can see{}.",
            done.secrets_lost,
            if done.is_admin {
                " (the account key: `latchkey account-key reset`)"
            } else {
                ""
            }
        );
    }
    Ok(())
}
