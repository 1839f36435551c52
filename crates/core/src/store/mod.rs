//! The SQLite store: opening (with refusal of foreign, corrupt and newer files), a small
//! connection pool, transactions that wait for other processes instead of failing, and
//! reader connections that never wait, for servers answering on async workers.

mod migrations;
mod settings;
pub use settings::api_url_for;

pub use migrations::{APPLICATION_ID, LATEST as SCHEMA_VERSION};

use crate::{Error, Result};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::fs::{self, OpenOptions};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, TryLockError};
use std::time::Duration;

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";
/// How long a write waits for another process before giving up with `Error::Busy`.
const BUSY_TIMEOUT: Duration = Duration::from_secs(15);
/// Pooled connections read pages through a memory map (no `pread` copy per page they
/// miss; a CLI process starts cold). SQLite maps at most this much of the file, per
/// connection, as address space only.
const MMAP_BYTES: i64 = 256 * 1024 * 1024;
/// Page cache per pooled connection, in KiB (SQLite's default is 2 MiB). Pages read
/// through the map do not count against it.
const CACHE_KIB: i64 = 8 * 1024;
/// Page cache per reader connection, in KiB: enough to keep a large store's hot pages
/// (the digest index and key rows verification touches) between requests. SQLite fills
/// it only as pages are read, and empties it when another connection commits.
const READER_CACHE_KIB: i64 = 32 * 1024;
/// Pooled connections kept open for later use.
const POOL_SIZE: usize = 8;

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

/// What [`Store::open_with`] does when there is no store at the path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// Create a new, empty store (mode 0600), as `latchkey init` and the app do.
    Create,
    /// Refuse, naming the path: for commands that only make sense on an existing store
    /// (`latchkey key verify`, `latchkey serve`), so a mistyped path is not silently
    /// answered from a new empty store.
    Refuse,
}

#[derive(Debug)]
pub struct Store {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    /// Reader connections for [`Store::read_now`], one per worker thread in the usual
    /// case, each kept warm (its page cache and prepared statements) across requests.
    readers: Box<[Mutex<Option<Connection>>]>,
}

/// Each thread's preferred reader slot: threads take numbers in turn, so a server's few
/// worker threads each land on a slot of their own and never contend for it.
fn thread_number() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static NUMBER: usize = NEXT.fetch_add(1, Ordering::Relaxed);
    }
    NUMBER.with(|n| *n)
}

impl Store {
    /// Opens the store at `path`, creating it (mode 0600) if absent, and migrates it.
    /// Refuses, without writing anything, a file that is not a healthy Latchkey store
    /// or that a newer Latchkey wrote.
    pub fn open(path: &Path, now: i64) -> Result<Store> {
        Store::open_with(path, now, Missing::Create)
    }

    pub fn open_with(path: &Path, now: i64, missing: Missing) -> Result<Store> {
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
            // Read-only, and no checkpoint when it closes: a file refused here keeps
            // every byte, even when a write-ahead log is waiting beside it.
            let conn = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(|_| refuse("it could not be opened as an SQLite database"))?;
            conn.set_db_config(
                rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
                true,
            )?;
            conn.busy_timeout(BUSY_TIMEOUT)?;
            inspect(&conn, &shown)?;
        } else if missing == Missing::Refuse {
            return Err(Error::Io(format!(
                "there is no Latchkey store at {shown}; check --db or LATCHKEY_DB \
                 (`latchkey init` sets up a new store)"
            )));
        } else {
            create_private(path)?;
        }

        let slots = std::thread::available_parallelism().map_or(4, |n| n.get() * 2);
        let store = Store {
            path: path.to_path_buf(),
            idle: Mutex::new(Vec::new()),
            readers: (0..slots.clamp(2, 64)).map(|_| Mutex::new(None)).collect(),
        };
        let mut conn = store.connect()?;
        migrations::migrate(&mut conn, now, &shown)?;
        store.give_back(conn);
        tighten_permissions(path);
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn connect(&self) -> Result<Connection> {
        connect(&self.path)
    }

    /// A connection that only reads and never waits: `PRAGMA query_only`, and no busy
    /// timeout, so a lock held elsewhere answers `Error::Busy` at once. In WAL mode a
    /// reader is not blocked by writers; only rare moments (recovering a log after a
    /// crash, a writer in exclusive mode) are busy for it.
    fn connect_reader(&self) -> Result<Connection> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(Duration::ZERO)?;
        conn.pragma_update(None, "query_only", "ON")?;
        // Closing it must not checkpoint (a write) on the thread that drops it.
        conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
            true,
        )?;
        // No memory map here: a page read through the map is parsed afresh on every
        // access, while a page in the cache stays parsed. A reader answers lookup after
        // lookup over the same pages, so it keeps them cached (measured: about 7 % fewer
        // instructions per verification than through the map).
        conn.pragma_update(None, "cache_size", -READER_CACHE_KIB)?;
        conn.set_prepared_statement_cache_capacity(16);
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
        if idle.len() < POOL_SIZE {
            idle.push(conn);
        }
    }

    /// Runs the reads of `f` on this thread's reader connection (see `connect_reader`):
    /// never writes, never waits for a lock; `Error::Busy` means "try the waiting path".
    /// Each call is its own read transaction, so it sees every commit made before it,
    /// by any process.
    pub(crate) fn read_now<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let n = self.readers.len();
        let first = thread_number() % n;
        for i in 0..n {
            let mut slot = match self.readers[(first + i) % n].try_lock() {
                Ok(slot) => slot,
                Err(TryLockError::WouldBlock) => continue,
                Err(TryLockError::Poisoned(p)) => {
                    // A panic while it was in use: start again with a fresh connection.
                    let mut slot = p.into_inner();
                    *slot = None;
                    self.readers[(first + i) % n].clear_poison();
                    slot
                }
            };
            if slot.is_none() {
                *slot = Some(self.connect_reader()?);
            }
            let conn = slot.as_ref().expect("just filled");
            return f(conn);
        }
        // More threads at once than slots: one more connection, for this call only.
        f(&self.connect_reader()?)
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

/// A read-write connection with the store's settings, waiting up to [`BUSY_TIMEOUT`] for
/// other processes' locks.
pub(crate) fn connect(path: &Path) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // WAL lets readers (verification) run while another process writes. On a store
    // already in WAL mode this writes nothing and takes no lock.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    tune(&conn)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

fn tune(conn: &Connection) -> Result<()> {
    conn.pragma_update(None, "mmap_size", MMAP_BYTES)?;
    conn.pragma_update(None, "cache_size", -CACHE_KIB)?;
    Ok(())
}

/// Checks an existing file before anything is written to it.
fn inspect(conn: &Connection, shown: &str) -> Result<()> {
    let refuse = |reason: &str| Error::StoreRefused {
        path: shown.to_owned(),
        reason: reason.to_owned(),
    };
    // Only damage is called corruption: a store this user may not read (or whose folder
    // it may not write the shared-memory file into) is a matter of permissions, and a
    // store another process holds exclusively is busy.
    let corrupt = |e: rusqlite::Error| match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
            Error::Busy
        }
        Some(
            rusqlite::ErrorCode::ReadOnly
            | rusqlite::ErrorCode::CannotOpen
            | rusqlite::ErrorCode::PermissionDenied
            | rusqlite::ErrorCode::AuthorizationForStatementDenied,
        ) => refuse(&format!(
            "SQLite could not read it here ({e}); check the permissions of the file and \
             of its folder, where SQLite keeps a small shared-memory file beside it"
        )),
        _ => refuse("it is corrupt (SQLite could not read it)"),
    };
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
