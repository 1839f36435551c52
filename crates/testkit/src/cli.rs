//! The `latchkey` binary on a store of its own, driven as a user or a script would drive
//! it. The binary's path comes from the calling suite (`env!("CARGO_BIN_EXE_latchkey")`).

use crate::ADMIN_PW;
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A store made by `latchkey init` as `ada` (password [`ADMIN_PW`]).
pub struct CliStore {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
    bin: PathBuf,
}

/// Runs `bin --password-stdin <args>` on the store at `db`, with `stdin` as its standard
/// input (the passwords and codes, one a line).
pub fn run<A: AsRef<std::ffi::OsStr>>(bin: &Path, db: &Path, args: &[A], stdin: &str) -> Output {
    let mut child = Command::new(bin)
        .env("LATCHKEY_DB", db)
        .env_remove("LATCHKEY_USER")
        .arg("--password-stdin")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the latchkey binary starts");
    // A command may exit before reading all of it (a refusal): that is not an error here.
    let _ = child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(stdin.as_bytes());
    child.wait_with_output().expect("the command finishes")
}

impl CliStore {
    pub fn new(bin: impl Into<PathBuf>) -> Self {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let db = dir.path().join("latchkey.db");
        let s = CliStore {
            dir,
            db,
            bin: bin.into(),
        };
        let out = s.run(&["init", "--username", "ada", "--email", "ada@example.org"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        s
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn bin(&self) -> &Path {
        &self.bin
    }

    /// The binary on this store, run in its folder (no password given).
    pub fn command(&self) -> Command {
        let mut c = Command::new(&self.bin);
        c.env("LATCHKEY_DB", &self.db)
            .env_remove("LATCHKEY_USER")
            .current_dir(self.dir.path());
        c
    }

    /// Runs with `--password-stdin` and `stdin` plus a newline.
    pub fn run_pw(&self, args: &[&str], stdin: &str) -> Output {
        run(&self.bin, &self.db, args, &format!("{stdin}\n"))
    }

    /// Runs as ada (her password on stdin).
    pub fn run(&self, args: &[&str]) -> Output {
        self.run_pw(args, ADMIN_PW)
    }

    /// Runs as ada with `--json` and returns the parsed stdout; the command must succeed.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.run(&all);
        assert!(
            out.status.success(),
            "{args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("JSON on stdout")
    }

    /// `key verify KEY --json`: its exit status and verdict.
    pub fn verify(&self, key: &str) -> (i32, Value) {
        let out = self
            .command()
            .args(["--json", "key", "verify", key])
            .output()
            .expect("key verify runs");
        (
            out.status.code().unwrap_or(-1),
            serde_json::from_slice(&out.stdout).expect("a verdict"),
        )
    }

    /// Creates a key for ada; returns (secret, id).
    pub fn create_key(&self, name: &str, perms: &[&str]) -> (String, String) {
        let mut args = vec!["key", "create", "--user", "ada", "--name", name];
        for p in perms {
            args.extend(["--perm", p]);
        }
        let v = self.json(&args);
        (
            v["secret"].as_str().unwrap_or_default().to_owned(),
            v["key"]["id"].as_str().unwrap_or_default().to_owned(),
        )
    }
}
