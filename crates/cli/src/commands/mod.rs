//! One file per area of the command line; [`run`] opens the store and dispatches.

mod account;
mod account_key;
mod audit;
mod group;
mod init;
mod invite;
mod key;
mod mfa;
mod org;
mod permission;
mod policy;
mod serve;
mod store;
mod verify;

use crate::args::{Cli, Command, KeyCmd};
use crate::ctx::Ctx;
use crate::prompt::Prompter;
use latchkey_core::store::{Location, Missing};
use latchkey_core::{Error, Latchkey, SystemClock};
use std::sync::Arc;

/// Runs the command; the exit status on success (`key verify` says 1 for a key that is
/// not valid).
pub fn run(cli: Cli) -> Result<u8, Error> {
    let location = match &cli.db {
        Some(p) => Location::parse(p),
        None => Location::from_env()?,
    };
    // Commands without an acting user: every request (or key) speaks for itself.
    match &cli.command {
        Command::Key(KeyCmd::Verify { key }) => {
            return verify::run(&location, key.as_deref(), cli.json)
        }
        Command::Serve(a) => {
            serve::run(&location, a.port, cli.json)?;
            return Ok(0);
        }
        Command::Store(cmd) => {
            store::run(cmd, cli.json)?;
            return Ok(0);
        }
        _ => {}
    }

    let mut ctx = Ctx {
        lk: Latchkey::open_at(&location, Arc::new(SystemClock), Missing::Create)?,
        json: cli.json,
        prompter: Prompter::new(cli.password_stdin),
    };
    match cli.command {
        Command::Init(a) => init::run(&mut ctx, a)?,
        Command::Account(cmd) => account::run(&mut ctx, cmd)?,
        Command::Key(cmd) => key::run(&mut ctx, cmd)?,
        Command::AccountKey(cmd) => account_key::run(&mut ctx, cmd)?,
        Command::Group(cmd) => group::run(&mut ctx, cmd)?,
        Command::Permission(cmd) => permission::run(&mut ctx, cmd)?,
        Command::Policy(cmd) => policy::run(&mut ctx, cmd)?,
        Command::Mfa(cmd) => mfa::run(&mut ctx, cmd)?,
        Command::Audit(a) => audit::run(&mut ctx, a)?,
        Command::Org(cmd) => org::run(&mut ctx, cmd)?,
        Command::Invite(cmd) => invite::run(&mut ctx, cmd)?,
        // Handled above, before any acting user is needed.
        Command::Serve(_) | Command::Store(_) => {}
    }
    Ok(0)
}
