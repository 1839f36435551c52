//! The SQLite store: opening (with refusal of foreign, corrupt and newer files), a small
//! connection pool, transactions that wait for other processes instead of failing, and
//! reader connections that never wait, for servers answering on async workers.

mod migrations;
mod snapshot;

pub use migrations::{APPLICATION_ID, LATEST as SCHEMA_VERSION};
pub use snapshot::Restored;
pub(crate) use snapshot::{restore, Staged};

use super::sql::{Arg, Db, Dialect, Row, Val};
use super::verify::KeyLookup;
use super::Missing;
use crate::{Error, Result};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::borrow::Cow;
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

#[derive(Debug)]
pub(super) struct Sqlite {
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

impl Sqlite {
    /// Opens the store at `path`, creating it (mode 0600) if absent and `missing` says so,
    /// and migrates it. Refuses, without writing anything, a file that is not a healthy
    /// Latchkey store or that a newer Latchkey wrote.
    pub(super) fn open(path: &Path, now: i64, missing: Missing) -> Result<Sqlite> {
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
            // Companions (-wal, -shm) left read-only by an earlier failure would keep the
            // store broken after its owner fixed the store's own mode: fixed first, when
            // this user may write the store.
            if fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(path)
                .is_ok()
            {
                tighten_permissions(path);
            }
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
        let store = Sqlite {
            path: path.to_path_buf(),
            idle: Mutex::new(Vec::new()),
            readers: (0..slots.clamp(2, 64)).map(|_| Mutex::new(None)).collect(),
        };
        let mut conn = store.connect()?;
        migrations::migrate(&mut conn, now, &shown)?;
        store.give_back(conn);
        tighten_permissions(path);
        tracing::debug!(target: "latchkey::store", "opened the SQLite store at {shown}");
        Ok(store)
    }

    pub(super) fn path(&self) -> &Path {
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

    /// Runs `f` on this thread's reader connection (see `connect_reader`): never writes,
    /// never waits for a lock; `Error::Busy` means "try the waiting path". Each call is
    /// its own read transaction, so it sees every commit made before it, by any process.
    fn on_reader<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
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
            let conn = match &mut *slot {
                Some(c) => c,
                empty => empty.insert(self.connect_reader()?),
            };
            return f(conn);
        }
        // More threads at once than slots: one more connection, for this call only.
        f(&self.connect_reader()?)
    }

    /// Runs `f` on a pooled connection outside any explicit transaction (single
    /// statements).
    fn on_pooled<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let conn = self.take()?;
        let out = f(&conn);
        self.give_back(conn);
        out
    }

    pub(super) fn read<T>(&self, f: impl FnOnce(&mut dyn Db) -> Result<T>) -> Result<T> {
        self.on_pooled(|c| f(&mut SqliteDb(c)))
    }

    /// Runs `f` inside `BEGIN IMMEDIATE … COMMIT`: all of it lands or none of it does.
    /// The write lock is taken up front, so two processes queue instead of deadlocking.
    pub(super) fn write<T>(&self, f: impl FnOnce(&mut dyn Db) -> Result<T>) -> Result<T> {
        let mut conn = self.take()?;
        let out = (|| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let value = f(&mut SqliteDb(&tx))?;
            tx.commit()?;
            Ok(value)
        })();
        self.give_back(conn);
        out.map_err(|e| match e {
            Error::NotWritable => Error::StoreRefused {
                path: self.path.display().to_string(),
                reason: "this user may not write it: check the permissions of the file and \
                         its folder (the store should be 0600, owned by you)"
                    .into(),
            },
            e => e,
        })
    }

    /// The whole store copied, in one read snapshot, into a temporary file beside `dest`
    /// (see [`snapshot`]).
    pub(super) fn stage_backup(&self, dest: &Path) -> Result<Staged> {
        self.on_pooled(|c| snapshot::stage_backup(c, dest))
    }

    pub(super) fn lookup_key<T>(
        &self,
        digest: &[u8; 32],
        wait: bool,
        f: impl FnOnce(Option<KeyLookup<'_>>) -> Result<T>,
    ) -> Result<T> {
        let run = |c: &Connection| look_up(c, digest, f);
        if wait {
            self.on_pooled(run)
        } else {
            self.on_reader(run)
        }
    }
}

// One table at the top level, the rest as correlated subqueries: with a top-level JOIN,
// SQLite marks the statement expired when rusqlite's cache clears its bindings, and
// every call would re-parse it (measured: 8x slower).
const LOOKUP: &str =
    "SELECT k.id, k.kind, k.expires_at, k.revoked_at, k.last_used_at, k.digest, k.account_id,
        (SELECT username FROM accounts WHERE id = k.account_id),
        (SELECT disabled FROM accounts WHERE id = k.account_id),
        (SELECT is_admin FROM accounts WHERE id = k.account_id),
        k.permissions,
        (SELECT group_concat(gp.resource || ':' || gp.action, ' ')
           FROM group_members gm JOIN group_permissions gp ON gp.group_id = gm.group_id
          WHERE gm.account_id = k.account_id)
 FROM api_keys k WHERE k.digest = ?1";

/// The one lookup by digest. Text and blobs are read in place from SQLite's row and
/// handed to `f` borrowed; only what the verdict returns is copied out.
fn look_up<T>(
    c: &Connection,
    digest: &[u8; 32],
    f: impl FnOnce(Option<KeyLookup<'_>>) -> Result<T>,
) -> Result<T> {
    let mut st = c.prepare_cached(LOOKUP)?;
    let mut rows = st.query([digest.as_slice()])?;
    let Some(r) = rows.next()? else {
        return f(None);
    };
    let text = |i: usize| -> Result<&str> {
        Ok(r.get_ref(i)?
            .as_str_or_null()
            .map_err(rusqlite::Error::from)?
            .unwrap_or(""))
    };
    let is_admin: bool = r.get(9)?;
    let account_id: i64 = r.get(6)?;
    let account_permissions = if is_admin {
        // An administrator holds everything the store knows of.
        Cow::Owned(super::verify::joined(&all_permissions(c)?))
    } else {
        Cow::Borrowed(text(11)?)
    };
    f(Some(KeyLookup {
        id: text(0)?,
        kind: text(1)?,
        expires_at: r.get(2)?,
        revoked_at: r.get(3)?,
        last_used_at: r.get(4)?,
        digest: r.get_ref(5)?.as_blob().map_err(rusqlite::Error::from)?,
        account_id,
        username: text(7)?,
        disabled: r.get(8)?,
        key_permissions: text(10)?,
        account_permissions,
    }))
}

/// Every `resource:action` the store knows, as an administrator holds them.
fn all_permissions(c: &Connection) -> Result<Vec<(String, String)>> {
    let mut st = c.prepare_cached(super::groups::ALL_PERMISSIONS)?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// A connection (or a transaction on one) as the repositories' [`Db`].
struct SqliteDb<'c>(&'c Connection);

impl rusqlite::ToSql for Arg<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, Value};
        Ok(match *self {
            Arg::Null => ToSqlOutput::Owned(Value::Null),
            Arg::Int(i) => ToSqlOutput::Owned(Value::Integer(i)),
            Arg::Bool(b) => ToSqlOutput::Owned(Value::Integer(b.into())),
            Arg::Text(t) => ToSqlOutput::Borrowed(ValueRef::Text(t.as_bytes())),
            Arg::Blob(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
        })
    }
}

impl Db for SqliteDb<'_> {
    fn exec(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<u64> {
        let n = self
            .0
            .prepare_cached(sql)?
            .execute(rusqlite::params_from_iter(args))?;
        Ok(n as u64)
    }

    fn query(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<Vec<Row>> {
        let mut st = self.0.prepare_cached(sql)?;
        let width = st.column_count();
        let mut rows = st.query(rusqlite::params_from_iter(args))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let mut vals = Vec::with_capacity(width);
            for i in 0..width {
                vals.push(match r.get_ref(i)? {
                    ValueRef::Null => Val::Null,
                    ValueRef::Integer(n) => Val::Int(n),
                    ValueRef::Real(f) => Val::Int(f as i64),
                    ValueRef::Text(t) => Val::Text(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => Val::Blob(b.to_vec()),
                });
            }
            out.push(Row(vals));
        }
        Ok(out)
    }

    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        if let rusqlite::Error::SqliteFailure(f, _) = &e {
            if matches!(
                f.code,
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
            ) {
                return Error::Busy;
            }
            // Damage found in a store that opened healthy: the `Store` stops using it.
            if matches!(
                f.code,
                rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase
            ) {
                tracing::error!(target: "latchkey::store", "{e}");
                return Error::Damaged;
            }
            if matches!(
                f.code,
                rusqlite::ErrorCode::ReadOnly
                    | rusqlite::ErrorCode::PermissionDenied
                    | rusqlite::ErrorCode::CannotOpen
            ) {
                tracing::warn!(target: "latchkey::store", "the store is not writable: {e}");
                return Error::NotWritable;
            }
        }
        Error::storage(e)
    }
}

/// A read-write connection with the store's settings, waiting up to [`BUSY_TIMEOUT`] for
/// other processes' locks.
fn connect(path: &Path) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // WAL lets readers (verification) run while another process writes. On a store
    // already in WAL mode this writes nothing and takes no lock.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // FULL: a commit is on disk (the WAL synced) before it is acknowledged, so a
    // revocation or a password change that was reported done survives a power loss.
    // NORMAL would sync only at checkpoints. The cost per write is in BENCHMARKS.md.
    conn.pragma_update(None, "synchronous", "FULL")?;
    unicode_lower(&conn)?;
    tune(&conn)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// `lower()` in Unicode, as PostgreSQL's and Latchkey's own folding are (SQLite's folds
/// ASCII only), so a case-blind search finds "Ärzte" from "ärzte" on both engines.
fn unicode_lower(conn: &Connection) -> Result<()> {
    use rusqlite::functions::FunctionFlags;
    conn.create_scalar_function(
        "lower",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| Ok(ctx.get::<Option<String>>(0)?.map(|s| s.to_lowercase())),
    )?;
    Ok(())
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
        ) => {
            tracing::warn!(target: "latchkey::store", "reading {shown}: {e}");
            refuse(
                "it cannot be read by this user here; check the permissions of the file and \
                 of its folder, where SQLite keeps a small shared-memory file beside it",
            )
        }
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
    make_folder(path)?;
    let mut o = OpenOptions::new();
    o.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o.open(path)?;
    Ok(())
}

/// Creates the folder of the store at `path` (owner only) if it is missing.
fn make_folder(path: &Path) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.exists() {
            let mut b = fs::DirBuilder::new();
            b.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
            b.create(dir)?;
        }
    }
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
                // Others may not read it; the owner must be able to write it (a -wal or
                // -shm left read-only by an earlier failure would keep the store broken).
                let mode = m.permissions().mode() & 0o777;
                if mode != 0o600 && (mode & 0o077 != 0 || mode & 0o600 != 0o600) {
                    let _ = fs::set_permissions(&p, fs::Permissions::from_mode(0o600));
                }
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}
