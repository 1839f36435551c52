//! The SQLite store: opening (with refusal of foreign, corrupt and newer files), a small
//! connection pool, and transactions that wait for other processes instead of failing.

mod migrations;

pub use migrations::{APPLICATION_ID, LATEST as SCHEMA_VERSION};

use crate::{Error, Result};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::fs::{self, OpenOptions};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";
/// How long a write waits for another process before giving up with `Error::Busy`.
const BUSY_TIMEOUT: Duration = Duration::from_secs(15);

/// The default location: the platform data dir's `latchkey/latchkey.db`.
pub fn default_path() -> Result<PathBuf> {
    let base = dirs::data_dir().ok_or_else(|| {
        Error::Io("no platform data directory; pass --db or set LATCHKEY_DB".into())
    })?;
    Ok(base.join("latchkey").join("latchkey.db"))
}

/// The path from `LATCHKEY_DB` if set, else [`default_path`].
pub fn path_from_env() -> Result<PathBuf> {
    match std::env::var_os("LATCHKEY_DB") {
        Some(p) if !p.is_empty() => Ok(PathBuf::from(p)),
        _ => default_path(),
    }
}

#[derive(Debug)]
pub struct Store {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl Store {
    /// Opens the store at `path`, creating it (mode 0600) if absent, and migrates it.
    /// Refuses, without writing anything, a file that is not a healthy Latchkey store
    /// or that a newer Latchkey wrote.
    pub fn open(path: &Path, now: i64) -> Result<Store> {
        let shown = path.display().to_string();
        let refuse = |reason: &str| Error::StoreRefused {
            path: shown.clone(),
            reason: reason.to_owned(),
        };

        let existed = match fs::metadata(path) {
            Ok(m) if m.is_dir() => return Err(refuse("it is a directory")),
            Ok(m) => m.len() > 0,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(e) => return Err(e.into()),
        };

        if existed {
            let mut header = [0u8; 16];
            let mut f = fs::File::open(path)?;
            if f.read_exact(&mut header).is_err() || &header != SQLITE_MAGIC {
                return Err(refuse("it is not an SQLite database"));
            }
            let conn = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(|_| refuse("it could not be opened as an SQLite database"))?;
            conn.busy_timeout(BUSY_TIMEOUT)?;
            inspect(&conn, &shown)?;
        } else {
            create_private(path)?;
        }

        let store = Store {
            path: path.to_path_buf(),
            idle: Mutex::new(Vec::new()),
        };
        let mut conn = store.connect()?;
        migrations::migrate(&mut conn, now)?;
        store.give_back(conn);
        tighten_permissions(path);
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn connect(&self) -> Result<Connection> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // WAL lets readers (verification) run while another process writes.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(conn)
    }

    fn take(&self) -> Result<Connection> {
        let pooled = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        match pooled {
            Some(c) => Ok(c),
            None => self.connect(),
        }
    }

    fn give_back(&self, conn: Connection) {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < 8 {
            idle.push(conn);
        }
    }

    /// Runs `f` on a connection outside any explicit transaction (single statements).
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let conn = self.take()?;
        let out = f(&conn);
        self.give_back(conn);
        out
    }

    /// Runs `f` inside `BEGIN IMMEDIATE … COMMIT`: all of it lands or none of it does.
    /// The write lock is taken up front, so two processes queue instead of deadlocking.
    pub(crate) fn write<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        let mut conn = self.take()?;
        let out = (|| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let value = f(&tx)?;
            tx.commit()?;
            Ok(value)
        })();
        self.give_back(conn);
        out
    }
}

/// Checks an existing file before anything is written to it.
fn inspect(conn: &Connection, shown: &str) -> Result<()> {
    let refuse = |reason: &str| Error::StoreRefused {
        path: shown.to_owned(),
        reason: reason.to_owned(),
    };
    let corrupt = |_| refuse("it is corrupt (SQLite could not read it)");
    let check: String = conn
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .map_err(corrupt)?;
    if check != "ok" {
        return Err(refuse("it is corrupt (integrity check failed)"));
    }
    let app_id: i64 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .map_err(corrupt)?;
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(corrupt)?;
    let tables: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
        .map_err(corrupt)?;
    if app_id != APPLICATION_ID && (tables > 0 || version != 0) {
        return Err(refuse("it is another program's SQLite database"));
    }
    if version > migrations::LATEST {
        return Err(Error::StoreTooNew {
            path: shown.to_owned(),
            found: version,
            supported: migrations::LATEST,
        });
    }
    Ok(())
}

/// Creates the store file (and its directory) readable by the owner only; SQLite gives
/// the WAL and shared-memory files the same mode as the main file.
fn create_private(path: &Path) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.exists() {
            let mut b = fs::DirBuilder::new();
            b.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
            b.create(dir)?;
        }
    }
    let mut o = OpenOptions::new();
    o.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o.open(path)?;
    Ok(())
}

/// Brings an existing store (and its companions) down to 0600 if it was looser.
fn tighten_permissions(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mut names = vec![path.to_path_buf()];
        for suffix in ["-wal", "-shm"] {
            let mut p = path.as_os_str().to_owned();
            p.push(suffix);
            names.push(PathBuf::from(p));
        }
        for p in names {
            if let Ok(m) = fs::metadata(&p) {
                if m.permissions().mode() & 0o077 != 0 {
                    let _ = fs::set_permissions(&p, fs::Permissions::from_mode(0o600));
                }
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}
