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
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
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

/// A command line clap refused (exit 2), as JSON on stdout when `--json` was among the
/// arguments; help and version go out as clap prints them.
fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion)
        || !std::env::args_os().any(|a| a == "--json")
    {
        e.exit();
    }
    let field = match e.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(a)) => Some(a.trim_start_matches('-').to_owned()),
        _ => None,
    };
    // clap's first line, without its "error: " and styling: the rule that was broken.
    let text = e.kind().to_string();
    let detail = e.render().to_string();
    let first = detail
        .lines()
        .next()
        .unwrap_or(&text)
        .trim_start_matches("error: ")
        .to_owned();
    let mut body = latchkey_core::ErrorBody::new(
        latchkey_core::Code::UsageError,
        latchkey_core::validate::printable(&first),
    );
    if let Some(f) = field {
        body = body.with_field(f);
    }
    println!("{}", json!({ "error": body }));
    ExitCode::from(body.code.category().exit_code())
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
