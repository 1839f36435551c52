//! `latchkey policy show|set`.

use crate::args::PolicyCmd;
use crate::ctx::Ctx;
use crate::{optional_number, output, to_json};
use latchkey_core::{Error, PolicyUpdate};

pub fn run(ctx: &mut Ctx, cmd: PolicyCmd) -> Result<(), Error> {
    match cmd {
        PolicyCmd::Show { acting } => {
            ctx.sign_in(&acting)?;
            let p = ctx.lk.policy()?;
            ctx.print(output::policy(&p), to_json(&p));
        }
        PolicyCmd::Set {
            acting,
            min_password_length,
            max_key_lifetime,
            allow_never_expiring,
            max_active_keys,
            argon2_memory,
            argon2_iterations,
            argon2_lanes,
        } => {
            let update = PolicyUpdate {
                min_password_length,
                max_key_lifetime_days: max_key_lifetime
                    .as_deref()
                    .map(|v| optional_number("max key lifetime", v))
                    .transpose()?,
                allow_never_expiring,
                max_active_keys: max_active_keys
                    .as_deref()
                    .map(|v| optional_number("max active keys", v))
                    .transpose()?,
                argon2_memory_kib: argon2_memory,
                argon2_iterations,
                argon2_lanes,
            };
            let s = ctx.sign_in(&acting)?;
            let p = ctx.lk.set_policy(&s, &update)?;
            ctx.print(output::policy(&p), to_json(&p));
        }
    }
    Ok(())
}
