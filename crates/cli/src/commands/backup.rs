//! `latchkey backup FILE`: a consistent copy of the store while it stays in use.

use crate::args::BackupArgs;
use latchkey_core::store::{Location, Missing};
use latchkey_core::{Error, Latchkey, SystemClock};
use std::sync::Arc;

pub fn run(location: &Location, a: &BackupArgs, json: bool) -> Result<(), Error> {
    // Never a new, empty store at a mistyped path: there would be nothing to keep.
    let lk = Latchkey::open_at(location, Arc::new(SystemClock), Missing::Refuse)?;
    let done = lk.backup(&a.file)?;
    if json {
        println!("{}", crate::to_json(&done));
    } else {
        println!(
            "Backed up {} to {} ({} bytes, mode 0600). `latchkey restore {}` puts it back.",
            done.store, done.path, done.bytes, done.path
        );
    }
    Ok(())
}
