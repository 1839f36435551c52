//! `latchkey org show|set`: company details.

use crate::args::OrgCmd;
use crate::ctx::Ctx;
use crate::to_json;
use latchkey_core::{Error, Organisation};

fn text(o: &Organisation) -> String {
    let country = latchkey_core::org::countries()
        .into_iter()
        .find(|c| c.code == o.country)
        .map(|c| format!("{} ({})", c.name, c.code))
        .unwrap_or_else(|| "—".into());
    format!(
        "name     {}\ncountry  {country}",
        if o.name.is_empty() { "—" } else { &o.name }
    )
}

pub fn run(ctx: &mut Ctx, cmd: OrgCmd) -> Result<(), Error> {
    match cmd {
        OrgCmd::Show { acting } => {
            let s = ctx.sign_in(&acting)?;
            let o = ctx.lk.organisation(&s)?;
            ctx.print(text(&o), to_json(&o));
        }
        OrgCmd::Set {
            acting,
            name,
            country,
        } => {
            let s = ctx.sign_in(&acting)?;
            let o = ctx
                .lk
                .set_organisation(&s, &Organisation { name, country })?;
            ctx.print(text(&o), to_json(&o));
        }
    }
    Ok(())
}
