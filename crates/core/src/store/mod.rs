//! The storage layer: the only code that holds SQL or names a database driver.
//!
//! The rules above it see a [`Store`] and, inside one of its transactions, a [`Tx`]; they
//! read and write through the repository modules below, one per family of tables, which
//! hand back plain row structs. Each statement is written once, in the SQL that SQLite
//! and PostgreSQL share (see [`sql`]); what only one engine can do (opening and checking
//! a file, migrations, locking, the verification fast path) lives in that engine's module.

#[cfg(feature = "postgres")]
mod postgres;
pub(crate) mod sql;
mod sqlite;

pub(crate) mod accounts;
pub(crate) mod audit;
pub mod copy;
pub(crate) mod groups;
pub(crate) mod invitations;
pub(crate) mod keys;
pub(crate) mod mfa;
pub(crate) mod policy;
pub(crate) mod settings;
pub(crate) mod throttle;
pub(crate) mod verify;

pub(crate) use sqlite::{restore, Staged};
pub use sqlite::{Restored, APPLICATION_ID, SCHEMA_VERSION};

use crate::{Error, Result};
use sql::{Arg, Db, Dialect, FromVal, Row};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

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

/// Where a store lives: an SQLite file, or a PostgreSQL database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    File(PathBuf),
    /// A `postgres://` (or `postgresql://`) URL.
    Postgres(String),
}

impl Location {
    /// A `postgres://` or `postgresql://` URL, else a file path.
    pub fn parse(s: &str) -> Location {
        let t = s.trim();
        if t.starts_with("postgres://") || t.starts_with("postgresql://") {
            Location::Postgres(t.to_owned())
        } else {
            Location::File(PathBuf::from(s))
        }
    }

    /// `LATCHKEY_DB` if set, else the default file ([`default_path`]).
    pub fn from_env() -> Result<Location> {
        match std::env::var("LATCHKEY_DB") {
            Ok(v) if !v.trim().is_empty() => Ok(Location::parse(&v)),
            _ => match std::env::var_os("LATCHKEY_DB") {
                // Not UTF-8: a path, as the system gave it.
                Some(p) if !p.is_empty() => Ok(Location::File(PathBuf::from(p))),
                _ => default_path().map(Location::File),
            },
        }
    }
}

/// Removes a store file that was just made and its SQLite companions (`-wal`, `-shm`,
/// `-journal`), e.g. after an `init` that failed. Best effort: what cannot be removed
/// stays.
pub fn remove_store_files(path: &std::path::Path) {
    let _ = std::fs::remove_file(path);
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
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

/// An open store.
#[derive(Debug)]
pub struct Store {
    backend: Backend,
    /// Set once the engine reports damage ([`Error::Damaged`]); from then on every read
    /// and write is refused without touching the store.
    damaged: AtomicBool,
}

#[derive(Debug)]
enum Backend {
    Sqlite(sqlite::Sqlite),
    #[cfg(feature = "postgres")]
    Postgres(postgres::Postgres),
}

/// Runs `$body` with `$s` bound to whichever engine the store is.
macro_rules! on_engine {
    ($backend:expr, $s:ident => $body:expr) => {
        match $backend {
            Backend::Sqlite($s) => $body,
            #[cfg(feature = "postgres")]
            Backend::Postgres($s) => $body,
        }
    };
}

impl Store {
    fn new(backend: Backend) -> Store {
        Store {
            backend,
            damaged: AtomicBool::new(false),
        }
    }

    /// Runs `f` on the engine unless the store was found damaged; once `f` finds it
    /// damaged, no later call reaches the engine (and the log says so once).
    fn unless_damaged<T>(&self, f: impl FnOnce() -> Result<T>) -> Result<T> {
        if self.damaged.load(Ordering::Acquire) {
            return Err(Error::Damaged);
        }
        let out = f();
        if matches!(out, Err(Error::Damaged)) && !self.damaged.swap(true, Ordering::AcqRel) {
            tracing::error!(
                target: "latchkey::store",
                "the store at {} is damaged: every further read and write on it is refused; \
                 restore it from a backup",
                self.path().display()
            );
        }
        out
    }

    /// Opens the store at `path`, creating it (mode 0600) if absent, and migrates it.
    /// Refuses, without writing anything, a file that is not a healthy Latchkey store
    /// or that a newer Latchkey wrote.
    pub fn open(path: &Path, now: i64) -> Result<Store> {
        Store::open_with(path, now, Missing::Create)
    }

    pub fn open_with(path: &Path, now: i64, missing: Missing) -> Result<Store> {
        let engine = sqlite::Sqlite::open(path, now, missing)?;
        Ok(Store::new(Backend::Sqlite(engine)))
    }

    /// Opens the store at `location`: a file, or (in builds with PostgreSQL support) a
    /// database.
    pub fn open_at(location: &Location, now: i64, missing: Missing) -> Result<Store> {
        match location {
            Location::File(path) => Store::open_with(path, now, missing),
            #[cfg(feature = "postgres")]
            Location::Postgres(url) => {
                let engine = postgres::Postgres::open(url, now, missing)?;
                Ok(Store::new(Backend::Postgres(engine)))
            }
            #[cfg(not(feature = "postgres"))]
            Location::Postgres(_) => Err(Error::invalid(
                "db",
                "this build of Latchkey has no PostgreSQL support (the `latchkey` command line has it)",
            )),
        }
    }

    /// The SQLite file, or the PostgreSQL URL without its password.
    pub fn path(&self) -> &Path {
        on_engine!(&self.backend, s => s.path())
    }

    /// Which engine this store runs on.
    pub fn is_postgres(&self) -> bool {
        !matches!(self.backend, Backend::Sqlite(_))
    }

    /// Runs the reads of `f`. On SQLite each statement sees every commit made before it.
    pub(crate) fn read<T>(&self, f: impl FnOnce(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        self.unless_damaged(|| on_engine!(&self.backend, s => s.read(|db| f(&mut Tx { db }))))
    }

    /// Runs `f` in one write transaction: all of it lands or none of it does. Writers
    /// queue for the store's one write lock (SQLite's `BEGIN IMMEDIATE`), so a rule that
    /// checks, then writes, sees no other writer in between.
    pub(crate) fn write<T>(&self, f: impl FnOnce(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        self.unless_damaged(|| on_engine!(&self.backend, s => s.write(|db| f(&mut Tx { db }))))
    }

    /// The whole store copied, in one consistent read while others keep using it, into a
    /// temporary file (0600) beside `dest`; [`Staged::install`] renames it into place.
    /// SQLite only: a PostgreSQL database is backed up with its own tools.
    pub(crate) fn stage_backup(&self, dest: &Path) -> Result<Staged> {
        match &self.backend {
            Backend::Sqlite(s) => self.unless_damaged(|| s.stage_backup(dest)),
            #[cfg(feature = "postgres")]
            Backend::Postgres(_) => Err(Error::internal("a file backup of a PostgreSQL store")),
        }
    }

    /// The verification read (see [`verify`]): the key whose digest is `digest`, with
    /// what its verdict needs, handed to `f` in place. With `wait: false` the read never
    /// waits for a lock; `Error::Busy` then means "ask again with `wait: true`".
    pub(crate) fn lookup_key<T>(
        &self,
        digest: &[u8; 32],
        wait: bool,
        f: impl FnOnce(Option<verify::KeyLookup<'_>>) -> Result<T>,
    ) -> Result<T> {
        self.unless_damaged(|| on_engine!(&self.backend, s => s.lookup_key(digest, wait, f)))
    }
}

/// A transaction (or, for SQLite reads, a connection in autocommit), as the rules hold
/// it: opaque, passed on to the repository functions, which alone run statements on it.
pub struct Tx<'a> {
    db: &'a mut dyn Db,
}

impl Tx<'_> {
    fn exec(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<u64> {
        self.db.exec(sql, args)
    }

    fn rows(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<Vec<Row>> {
        self.db.query(sql, args)
    }

    fn row(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<Option<Row>> {
        Ok(self.db.query(sql, args)?.into_iter().next())
    }

    /// The first column of the one row a statement must return.
    fn value<T: FromVal>(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<T> {
        match self.row(sql, args)? {
            Some(mut r) => r.take(0),
            None => Err(Error::storage(format!("no row for: {sql}"))),
        }
    }

    /// Whether a statement returns any row.
    fn exists(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<bool> {
        Ok(!self.db.query(sql, args)?.is_empty())
    }

    fn dialect(&self) -> Dialect {
        self.db.dialect()
    }
}

/// The resources every store starts with.
const BUILTIN_RESOURCES: [(&str, &str); 2] = [
    ("account", "The account's own profile"),
    ("keys", "The account's API keys"),
];

/// Rows every new store starts with: the default policy and the built-in resources.
pub(crate) fn seed(tx: &mut Tx<'_>, now: i64) -> Result<()> {
    tx.exec("INSERT INTO policy (id) VALUES (1)", sql::args![])?;
    for (name, description) in BUILTIN_RESOURCES {
        groups::insert_resource(tx, name, description, true, now)?;
    }
    Ok(())
}
