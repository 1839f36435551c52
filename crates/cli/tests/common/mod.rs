//! The shared fixtures (crates/testkit), for this crate's binary.
#![allow(dead_code, unused_imports)]

pub use latchkey_testkit::cli::CliStore as Store;
use std::path::{Path, PathBuf};
use std::process::Output;

/// The `latchkey` binary these tests drive.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_latchkey"))
}

/// A store made by `latchkey init` as `ada`.
pub fn store() -> Store {
    Store::new(bin())
}

/// Runs `latchkey --password-stdin <args>` on the store at `db`, with `stdin` as its
/// standard input (the passwords and codes, one a line).
pub fn run(db: &Path, args: &[&str], stdin: String) -> Output {
    latchkey_testkit::cli::run(&bin(), db, args, &stdin)
}

/// The binary on `s`, as assert_cmd drives it (stdin, assertions).
pub fn cmd(s: &Store) -> assert_cmd::Command {
    assert_cmd::Command::from_std(s.command())
}
