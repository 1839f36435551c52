//! A throwaway PostgreSQL cluster for the tests, started by the tests themselves: Debian's
//! `initdb` into a temporary folder (as the `postgres` user through `runuser` when the
//! tests run as root, since initdb refuses root), `pg_ctl start` on a free loopback port
//! with a socket folder of its own, stopped when the test process exits. The system's own
//! cluster is never started, stopped or changed. Each test gets a database of its own.
//!
//! Without PostgreSQL's programs the tests that need them fail under `CI=true`, and say
//! so plainly elsewhere.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

/// A running cluster.
pub struct Cluster {
    /// Holds the data folder, the socket folder and the log.
    dir: PathBuf,
    bin: PathBuf,
    pub port: u16,
    as_postgres: bool,
}

/// The user the tests connect as: the cluster's superuser.
pub const SUPERUSER: &str = "latchkey_test";

static CLUSTER: OnceLock<Result<Cluster, String>> = OnceLock::new();
static STOP: Mutex<Option<(PathBuf, PathBuf, bool)>> = Mutex::new(None);

/// The folder holding PostgreSQL's server programs (Debian keeps them off PATH).
fn bin_dir() -> Option<PathBuf> {
    if let Ok(dir) = std::env::var("LATCHKEY_PG_BIN") {
        return Some(PathBuf::from(dir));
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let v: u32 = e.file_name().to_string_lossy().parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, b)| b)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Runs a PostgreSQL program, as `postgres` when we are root.
fn run(bin: &Path, as_postgres: bool, program: &str, args: &[&str]) -> Result<(), String> {
    let exe = bin.join(program);
    let out = if as_postgres {
        Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(&exe)
            .args(args)
            .output()
    } else {
        Command::new(&exe).args(args).output()
    }
    .map_err(|e| format!("{program}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{program} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(54329)
}

extern "C" fn stop_at_exit() {
    let taken = STOP.lock().ok().and_then(|mut s| s.take());
    if let Some((bin, data, as_postgres)) = taken {
        let data = data.display().to_string();
        let _ = run(
            &bin,
            as_postgres,
            "pg_ctl",
            &["-D", &data, "-m", "immediate", "-w", "stop"],
        );
        if let Some(dir) = Path::new(&data).parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

extern "C" {
    fn atexit(f: extern "C" fn()) -> i32;
}

fn start() -> Result<Cluster, String> {
    let bin = bin_dir().ok_or(
        "PostgreSQL's server programs are not installed (Debian's `postgresql` package; \
         scripts/deps.sh installs it)",
    )?;
    let as_postgres = is_root();
    let dir = std::env::temp_dir().join(format!(
        "latchkey-pg-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default()
    ));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    if as_postgres {
        let ok = Command::new("chown")
            .args(["postgres:postgres"])
            .arg(&dir)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            return Err(format!("chown postgres {} failed", dir.display()));
        }
    }
    let data = dir.join("data");
    let data_s = data.display().to_string();
    run(
        &bin,
        as_postgres,
        "initdb",
        &[
            "-D",
            &data_s,
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
        ],
    )?;
    let port = free_port();
    let opts = format!(
        "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
         -c full_page_writes=off -c max_connections=200",
        dir.display()
    );
    let log = dir.join("log").display().to_string();
    *STOP.lock().map_err(|e| e.to_string())? = Some((bin.clone(), data.clone(), as_postgres));
    // SAFETY: registering a plain function to run at exit; it touches only our statics.
    unsafe {
        atexit(stop_at_exit);
    }
    run(
        &bin,
        as_postgres,
        "pg_ctl",
        &[
            "-D", &data_s, "-l", &log, "-o", &opts, "-w", "-t", "60", "start",
        ],
    )?;
    Ok(Cluster {
        dir,
        bin,
        port,
        as_postgres,
    })
}

impl Cluster {
    /// The cluster this test process shares (started on first use).
    pub fn get() -> &'static Cluster {
        match CLUSTER.get_or_init(start) {
            Ok(c) => c,
            Err(why) => panic!("no PostgreSQL cluster for the tests: {why}"),
        }
    }

    /// A URL for `database` on this cluster.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://{SUPERUSER}@127.0.0.1:{}/{database}", self.port)
    }

    /// A new, empty database, and its URL.
    pub fn database(&self) -> String {
        static N: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "t{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        self.sql("postgres", &format!("CREATE DATABASE {name}"));
        self.url(&name)
    }

    /// Runs `sql` on `database` with psql, as the superuser; panics when it fails.
    pub fn sql(&self, database: &str, sql: &str) -> String {
        let out = Command::new(self.bin.join("psql"))
            .args([
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                SUPERUSER,
                "-d",
                database,
                "-c",
                sql,
            ])
            .output()
            .expect("psql runs");
        assert!(
            out.status.success(),
            "{sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Every byte of the cluster's data folder (tables, indexes, WAL), and a `pg_dump` of
    /// `database`: to search for what must never be written in plaintext.
    pub fn bytes(&self, database: &str) -> Vec<u8> {
        // The WAL and tables must be on disk before they are read.
        self.sql(database, "CHECKPOINT");
        let mut all = Vec::new();
        fn walk(p: &Path, out: &mut Vec<u8>) {
            if let Ok(entries) = std::fs::read_dir(p) {
                for e in entries.flatten() {
                    let path = e.path();
                    if path.is_dir() {
                        walk(&path, out);
                    } else if let Ok(b) = std::fs::read(&path) {
                        out.extend(b);
                    }
                }
            }
        }
        walk(&self.dir.join("data"), &mut all);
        let dump = Command::new(self.bin.join("pg_dump"))
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                SUPERUSER,
                database,
            ])
            .output()
            .expect("pg_dump runs");
        assert!(
            dump.status.success(),
            "{}",
            String::from_utf8_lossy(&dump.stderr)
        );
        all.extend(dump.stdout);
        all
    }

    /// Stops the server at once (as a crash would), for outage tests.
    pub fn stop_now(&self) {
        let data = self.dir.join("data").display().to_string();
        run(
            &self.bin,
            self.as_postgres,
            "pg_ctl",
            &["-D", &data, "-m", "immediate", "-w", "stop"],
        )
        .expect("pg_ctl stop");
    }

    /// Starts it again on the same port.
    pub fn start_again(&self) {
        let data = self.dir.join("data").display().to_string();
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
             -c full_page_writes=off -c max_connections=200",
            self.port,
            self.dir.display()
        );
        let log = self.dir.join("log").display().to_string();
        run(
            &self.bin,
            self.as_postgres,
            "pg_ctl",
            &[
                "-D", &data, "-l", &log, "-o", &opts, "-w", "-t", "60", "start",
            ],
        )
        .expect("pg_ctl start");
    }

    /// The folder of PostgreSQL's programs (psql, pg_dump …).
    pub fn bin(&self) -> &Path {
        &self.bin
    }
}

/// Whether the tests of this process are to run on PostgreSQL (`LATCHKEY_TEST_STORE=
/// postgres`), else on SQLite.
pub fn selected() -> bool {
    std::env::var("LATCHKEY_TEST_STORE").is_ok_and(|v| v == "postgres")
}
