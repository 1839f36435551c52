//! `latchkey key verify [KEY]`: exit 0 for a valid key, 1 for one that is not.

use crate::output;
use latchkey_core::store::{Location, Missing};
use latchkey_core::{Error, Latchkey, SystemClock};
use std::io::Read;
use std::sync::Arc;

pub fn run(location: &Location, key: Option<&str>, json: bool) -> Result<u8, Error> {
    // Never a new empty store at a mistyped path: every key would be "not found".
    let lk = Latchkey::open_at(location, Arc::new(SystemClock), Missing::Refuse)?;
    let text = match key {
        Some(k) => k.to_owned(),
        None => {
            let mut bytes = Vec::new();
            std::io::stdin().take(4096).read_to_end(&mut bytes)?;
            // Bytes that are not UTF-8 are not a key: the verdict is "malformed" (exit
            // 1), like any other text that is not one.
            String::from_utf8_lossy(&bytes).into_owned()
        }
    };
    let v = lk.verify(&text)?;
    if json {
        println!("{}", crate::to_json(&v));
    } else {
        println!("{}", output::verification(&v));
    }
    Ok(if v.valid { 0 } else { 1 })
}
