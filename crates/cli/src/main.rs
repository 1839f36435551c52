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
    if e.kind() == ErrorKind::InvalidUtf8 && !std::env::args_os().any(|a| a == "--json") {
        let body = not_utf8_body();
        eprintln!("latchkey: {}", body.message);
        return ExitCode::from(body.code.category().exit_code());
    }
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion)
        || !std::env::args_os().any(|a| a == "--json")
    {
        e.exit();
    }
    if e.kind() == ErrorKind::InvalidUtf8 {
        return not_utf8();
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

/// clap says only that some argument was not UTF-8; this names which one (the option it
/// belongs to, or its position), so the user knows what to retype.
fn not_utf8_body() -> latchkey_core::ErrorBody {
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    let bad = args.iter().position(|a| a.to_str().is_none());
    let field = bad.map(|i| {
        let own = args[i].as_encoded_bytes();
        if own.starts_with(b"--") {
            // `--name=<bytes>`: the option is the part before '='.
            let end = own.iter().position(|&b| b == b'=').unwrap_or(own.len());
            String::from_utf8_lossy(&own[2..end]).into_owned()
        } else {
            arg_name(&args[..i]).unwrap_or_else(|| format!("argument {}", i + 1))
        }
    });
    let field = field.unwrap_or_else(|| "arguments".to_owned());
    latchkey_core::ErrorBody::new(
        latchkey_core::Code::UsageError,
        format!("{field}: must be valid UTF-8 text"),
    )
    .with_field(field)
}

/// The name of the argument that comes after `before`: the option waiting for its value,
/// or the positional argument by its value name in lower case (as `--help` shows it),
/// found by walking the subcommands `before` names.
fn arg_name(before: &[std::ffi::OsString]) -> Option<String> {
    use clap::CommandFactory;
    let mut cmd = Cli::command();
    // Building propagates the global options (--db takes a value) to every subcommand.
    cmd.build();
    let mut taken = 0;
    let mut waiting: Option<String> = None;
    for a in before {
        let a = a.to_str()?;
        if waiting.take().is_some() {
            continue;
        }
        if let Some(long) = a.strip_prefix("--") {
            let arg = cmd.get_arguments().find(|x| x.get_long() == Some(long));
            if !long.contains('=') && arg.is_some_and(|x| x.get_action().takes_values()) {
                waiting = Some(long.to_owned());
            }
        } else if let Some(sub) = cmd.find_subcommand(a).cloned() {
            cmd = sub;
            taken = 0;
        } else {
            taken += 1;
        }
    }
    if waiting.is_some() {
        return waiting;
    }
    let arg = cmd.get_positionals().nth(taken)?;
    let name = arg
        .get_value_names()
        .and_then(|v| v.first())
        .map(|v| v.to_string())
        .unwrap_or_else(|| arg.get_id().to_string());
    Some(name.to_lowercase().replace('_', " "))
}

fn not_utf8() -> ExitCode {
    let body = not_utf8_body();
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
