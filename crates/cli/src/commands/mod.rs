//! One file per area of the command line; [`run`] opens the store and dispatches.

mod account;
mod account_key;
mod audit;
mod backup;
mod group;
mod init;
mod invite;
mod key;
mod mfa;
mod org;
mod permission;
mod policy;
mod recover;
mod restore;
mod scan;
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
        // Whoever can use the store file: no account signs in.
        Command::Backup(a) => {
            backup::run(&location, a, cli.json)?;
            return Ok(0);
        }
        Command::Restore(a) => {
            restore::run(&location, a, cli.json)?;
            return Ok(0);
        }
        Command::RecoverAccount(a) => {
            recover::run(&location, a, cli.json, cli.password_stdin)?;
            return Ok(0);
        }
        // Never creates a store; without one, keys are only found.
        Command::Scan(a) => return scan::run(cli.db.as_deref(), a, cli.json),
        _ => {}
    }

    // Only `init` makes a store: any other command on a mistyped path says there is none
    // there, instead of answering from a new empty one. An `init` that fails leaves no
    // file behind.
    let init = matches!(cli.command, Command::Init(_));
    let made_here = match &location {
        Location::File(p) if init && !p.exists() => Some(p.clone()),
        _ => None,
    };
    let missing = if init {
        Missing::Create
    } else {
        Missing::Refuse
    };
    let mut ctx = Ctx {
        lk: Latchkey::open_at(&location, Arc::new(SystemClock), missing)?,
        json: cli.json,
        prompter: Prompter::new(cli.password_stdin),
    };
    if let Command::Init(a) = cli.command {
        let out = init::run(&mut ctx, a);
        if out.is_err() {
            drop(ctx);
            if let Some(p) = made_here {
                latchkey_core::store::remove_store_files(&p);
            }
        }
        out?;
        return Ok(0);
    }
    match cli.command {
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
        // Handled above.
        Command::Init(_)
        | Command::Serve(_)
        | Command::Store(_)
        | Command::Backup(_)
        | Command::Restore(_)
        | Command::RecoverAccount(_)
        | Command::Scan(_) => {}
    }
    Ok(0)
}
