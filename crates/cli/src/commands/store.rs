//! `latchkey store copy --from SRC --to DST`.

use crate::args::StoreCmd;
use latchkey_core::store::Location;
use latchkey_core::Error;

pub fn run(cmd: &StoreCmd, json: bool) -> Result<(), Error> {
    match cmd {
        StoreCmd::Copy { from, to } => {
            let now = time::OffsetDateTime::now_utc().unix_timestamp();
            let copied = latchkey_core::store::copy::copy(
                &Location::parse(from),
                &Location::parse(to),
                now,
            )?;
            if json {
                println!("{}", crate::to_json(&copied));
            } else {
                let rows: u64 = copied.tables.iter().map(|(_, n)| n).sum();
                println!(
                    "Copied {rows} rows from {} to {} in one transaction:",
                    copied.from, copied.to
                );
                for (table, n) in &copied.tables {
                    println!("  {table:<18} {n}");
                }
            }
        }
    }
    Ok(())
}
