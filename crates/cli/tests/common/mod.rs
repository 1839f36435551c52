//! Helpers shared by the CLI's integration tests.

use assert_cmd::Command;
use std::path::Path;
use std::process::Output;

/// Runs `latchkey --password-stdin <args>` on the store at `db`, with `stdin` as its
/// standard input (the passwords and codes, one a line).
pub fn run(db: &Path, args: &[&str], stdin: String) -> Output {
    Command::cargo_bin("latchkey")
        .unwrap()
        .env("LATCHKEY_DB", db)
        .env_remove("LATCHKEY_USER")
        .arg("--password-stdin")
        .args(args)
        .write_stdin(stdin)
        .output()
        .unwrap()
}
