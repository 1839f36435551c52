//! `latchkey`: the command line over latchkey-core. Each command (one file per area in
//! `commands/`) parses its arguments, signs the acting user in, calls one engine method,
//! and prints the result; the exit status is the error's category's, as the core says.

mod args;
mod commands;
mod ctx;
mod output;
mod prompt;

use args::Cli;
use clap::Parser;
use latchkey_core::Error;
use serde_json::json;
use std::process::ExitCode;

fn main() -> ExitCode {
    latchkey_core::log::init();
    let cli = Cli::parse();
    let json_mode = cli.json;
    match commands::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            if json_mode {
                println!("{}", json!({ "error": e.body() }));
            } else {
                eprintln!("latchkey: {e}");
            }
            ExitCode::from(e.category().exit_code())
        }
    }
}

/// A value as JSON, for `--json` output.
fn to_json<T: serde::Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or_default()
}

/// Parses `none` as no limit, else a whole number.
fn optional_number(field: &'static str, v: &str) -> Result<Option<u32>, Error> {
    if v.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    v.parse::<u32>()
        .map(Some)
        .map_err(|_| Error::invalid(field, "must be a whole number or none"))
}
