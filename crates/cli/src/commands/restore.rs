//! `latchkey restore FILE`: the store replaced by a checked backup, the old one kept.

use crate::args::RestoreArgs;
use latchkey_core::store::Location;
use latchkey_core::{Error, SystemClock};

pub fn run(location: &Location, a: &RestoreArgs, json: bool) -> Result<(), Error> {
    // No engine is opened on the store here: the restore must be the only one holding it.
    let done = match latchkey_core::backup::restore(location, &a.file, &SystemClock) {
        Ok(done) => done,
        Err(Error::Busy) => {
            if !json {
                if let Location::File(p) = location {
                    eprintln!(
                        "latchkey: {} is open in another program: close the Latchkey window and \
                         stop any `latchkey serve` using it, then restore again.",
                        p.display()
                    );
                }
            }
            return Err(Error::Busy);
        }
        Err(e) => return Err(e),
    };
    if json {
        println!("{}", crate::to_json(&done));
    } else {
        println!(
            "Restored {} from {} (store version {}).",
            done.store, done.from, done.version
        );
        if let Some(r) = &done.replaced {
            println!("The store it replaced is kept at {r} (mode 0600).");
        }
    }
    Ok(())
}
