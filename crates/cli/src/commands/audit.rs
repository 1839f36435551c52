//! `latchkey audit`: the audit log (administrators see everyone's events).

use crate::args::AuditArgs;
use crate::ctx::Ctx;
use crate::{output, to_json};
use latchkey_core::{AuditFilter, Error};

pub fn run(ctx: &mut Ctx, a: AuditArgs) -> Result<(), Error> {
    let s = ctx.sign_in(&a.acting)?;
    let events = ctx.lk.audit(
        &s,
        &AuditFilter {
            actor: a.actor,
            action: a.action,
            outcome: a.outcome,
            since: a.since,
            until: a.until,
            target: a.target,
            limit: Some(a.limit),
            before: None,
        },
    )?;
    if a.csv {
        print!("{}", latchkey_core::audit::to_csv(&events));
    } else {
        ctx.print(output::audit(&events), to_json(&events));
    }
    Ok(())
}
