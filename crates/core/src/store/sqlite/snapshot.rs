//! Whole-file work on an SQLite store: a consistent copy taken while other processes keep
//! using it (SQLite's online backup API), and the checked replacement of a store by such
//! a copy.
//!
//! A copy is read in one read transaction (`sqlite3_backup_step(-1)`): in WAL mode that is
//! a snapshot, and writers carry on meanwhile. It is written into a temporary file (0600)
//! beside its destination, left as one self-contained file (no write-ahead log beside it),
//! checked, synced, and only then renamed into place.
//!
//! A restore holds the live store with SQLite's exclusive lock for its whole duration. In
//! WAL mode every connection that has read the store keeps a shared lock on the file until
//! it closes, so the exclusive lock is granted only when no other connection, in any
//! process, has the store open: the window, `latchkey serve` and a running CLI command all
//! keep it from being taken. The backup is then copied *into* the live store through the
//! backup API, in one transaction of the store's own, rather than renamed over it: a
//! process that opened the file while the restore ran, and waits for the lock, then reads
//! the restored store, never a file that was unlinked under it.

use super::{make_folder, migrations, BUSY_TIMEOUT, SQLITE_MAGIC};
use crate::keyfile::{folder_of, sync_dir, tempfile_in};
use crate::{Error, Result};
use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, ErrorCode, OpenFlags};
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long a restore waits for the live store to be free (a command that is just
/// finishing) before it says the store is in use.
const HOLD_WAIT: Duration = Duration::from_secs(3);

/// The companion files SQLite may keep beside a database.
const COMPANIONS: [&str; 3] = ["-wal", "-shm", "-journal"];

fn companion(path: &Path, suffix: &str) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(suffix);
    PathBuf::from(p)
}

/// A temporary file that is removed (with any journal SQLite left beside it) unless it
/// was renamed into place.
pub(crate) struct Staged {
    path: PathBuf,
    kept: bool,
}

impl Staged {
    /// A new empty file (0600) in `dir`.
    fn new(dir: &Path) -> Result<Staged> {
        let (path, file) = tempfile_in(dir)?;
        drop(file);
        Ok(Staged { path, kept: false })
    }

    /// Renames the file to `to` and makes the rename durable. A log or journal SQLite
    /// left beside a file of that name belongs to the file replaced: it goes first, or
    /// SQLite would play it back into this one.
    pub(crate) fn install(mut self, to: &Path) -> Result<()> {
        for suffix in COMPANIONS {
            match fs::remove_file(companion(to, suffix)) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
                _ => {}
            }
        }
        fs::rename(&self.path, to)?;
        self.kept = true;
        sync_dir(folder_of(to));
        Ok(())
    }

    pub(crate) fn len(&self) -> u64 {
        fs::metadata(&self.path).map_or(0, |m| m.len())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.kept {
            let _ = fs::remove_file(&self.path);
        }
        for suffix in COMPANIONS {
            let _ = fs::remove_file(companion(&self.path, suffix));
        }
    }
}

/// Copies the whole database of `src` into the database of `dest`, in one step: one read
/// transaction on the source, one write transaction on the destination.
fn copy_all(src: &Connection, dest: &mut Connection) -> Result<()> {
    let backup = Backup::new(src, dest)?;
    let deadline = Instant::now() + BUSY_TIMEOUT;
    loop {
        match backup.step(-1)? {
            StepResult::Done => return Ok(()),
            StepResult::More => {}
            // A lock held for a moment elsewhere (a log being recovered): try again.
            _ if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            _ => return Err(Error::Busy),
        }
    }
}

/// Copies the database of `src` into a new temporary file in `dir`: one self-contained
/// file (rollback journal mode, so nothing waits in a log beside it), checked (unless it
/// is a copy of a store kept as it was, damage and all) and synced.
fn stage_copy(src: &Connection, dir: &Path, check: bool) -> Result<Staged> {
    let staged = Staged::new(dir)?;
    let mut out = Connection::open_with_flags(
        &staged.path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    copy_all(src, &mut out)?;
    // The copied header says WAL when the source is in WAL mode; the copy is a file to
    // keep, so everything goes into the file itself.
    out.pragma_update(None, "journal_mode", "DELETE")?;
    if check {
        let found: String = out.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
        if found != "ok" {
            return Err(Error::storage(format!(
                "the copy failed its check: {found}"
            )));
        }
    }
    out.close().map_err(|(_, e)| e)?;
    fs::File::open(&staged.path)?.sync_all()?;
    Ok(staged)
}

/// The live store copied into a temporary file beside `dest` (see the module's notes);
/// [`Staged::install`] puts it in place.
pub(super) fn stage_backup(src: &Connection, dest: &Path) -> Result<Staged> {
    stage_copy(src, folder_of(dest), true)
}

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    /// The schema version of the backup (the restored store is migrated from it when
    /// next opened).
    pub version: i64,
    /// Where the store that was replaced is kept (none when there was no store).
    pub replaced: Option<PathBuf>,
}

/// Replaces the store at `live` with the backup at `from`, keeping the replaced store
/// beside it as `<live>.replaced-<stamp>` (0600). Refuses, without changing anything, a
/// backup that is not a healthy Latchkey store of a version this build understands, and
/// a live store that another connection has open.
pub(crate) fn restore(live: &Path, from: &Path, stamp: &str) -> Result<Restored> {
    let (src, version) = open_backup(from)?;
    let dir = folder_of(live);
    // A store restored where none was yet (a new machine) gets its folder as a new
    // store does (0700).
    make_folder(live)?;
    let mut held = hold(live)?;
    let staged = stage_copy(&src, dir, true)?;
    drop(src);
    // The replaced store, copied aside before anything of it changes.
    let mut replaced = None;
    if let Held::Locked(conn) = &held {
        let name = free_name(live, stamp);
        match stage_copy(conn, dir, false) {
            Ok(copy) => {
                copy.install(&name)?;
                replaced = Some(name);
            }
            Err(Error::Busy) => return Err(Error::Busy),
            Err(e) => {
                // Too damaged to copy page by page: it is moved aside whole instead.
                tracing::warn!(target: "latchkey::store", "copying the replaced store: {e}");
                held = Held::Unreadable;
            }
        }
    }
    let replaced = match held {
        Held::Nothing => {
            staged.install(live)?;
            None
        }
        Held::Locked(mut conn) => {
            let from_staged = Connection::open_with_flags(
                &staged.path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            let size = |c: &Connection| -> Result<i64> {
                Ok(c.query_row("PRAGMA page_size", [], |r| r.get(0))?)
            };
            if size(&from_staged)? != size(&conn)? {
                // The backup API cannot change the page size of a database in WAL mode;
                // a rollback journal keeps the copy just as atomic.
                conn.pragma_update(None, "journal_mode", "DELETE")?;
            }
            copy_all(&from_staged, &mut conn)?;
            drop(from_staged);
            let check: String = conn.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
            if check != "ok" {
                return Err(Error::storage(format!(
                    "the restored store failed its check: {check}"
                )));
            }
            // Everything into the file itself before the lock goes.
            let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
            conn.close().map_err(|(_, e)| e)?;
            replaced
        }
        Held::Unreadable => {
            // Not a database SQLite can read (a damaged store): no connection can be
            // using it, and it is moved aside whole, with its companions.
            let replaced = free_name(live, stamp);
            fs::rename(live, &replaced)?;
            for suffix in COMPANIONS {
                let c = companion(live, suffix);
                if c.exists() {
                    let _ = fs::rename(&c, companion(&replaced, suffix));
                }
            }
            staged.install(live)?;
            Some(replaced)
        }
    };
    if let Some(r) = &replaced {
        set_private(r);
    }
    sync_dir(dir);
    Ok(Restored { version, replaced })
}

/// `<live>.replaced-<stamp>`, or with `-2`, `-3`… when that name is taken.
fn free_name(live: &Path, stamp: &str) -> PathBuf {
    let base = companion(live, &format!(".replaced-{stamp}"));
    let mut candidate = base.clone();
    let mut n = 1;
    while candidate.exists() {
        n += 1;
        candidate = companion(&base, &format!("-{n}"));
    }
    candidate
}

fn set_private(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = fs::set_permissions(path, fs::Permissions::from_mode(0o600));
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// Opens a backup read-only and checks it: an SQLite file, intact, a Latchkey store, not
/// newer than this build. Returns the connection and the store's version.
fn open_backup(from: &Path) -> Result<(Connection, i64)> {
    let shown = from.display().to_string();
    let refuse = |reason: &str| Error::StoreRefused {
        path: shown.clone(),
        reason: reason.to_owned(),
    };
    let mut header = [0u8; 16];
    let mut f = fs::File::open(from)?;
    if f.read_exact(&mut header).is_err() || &header != SQLITE_MAGIC {
        return Err(refuse(
            "it is not an SQLite database, so not a Latchkey backup",
        ));
    }
    drop(f);
    let conn = Connection::open_with_flags(
        from,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|_| refuse("it could not be opened as an SQLite database"))?;
    // Reading it must not change it: no checkpoint of a log beside it when it closes.
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
        true,
    )?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    let corrupt = |e: rusqlite::Error| match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Error::Busy,
        _ => {
            tracing::warn!(target: "latchkey::store", "reading {shown}: {e}");
            refuse("it is corrupt (SQLite could not read it)")
        }
    };
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(corrupt)?;
    if check != "ok" {
        tracing::warn!(target: "latchkey::store", "integrity check of {shown}: {check}");
        return Err(refuse("it is corrupt (integrity check failed)"));
    }
    let app_id: i64 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .map_err(corrupt)?;
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(corrupt)?;
    if app_id != migrations::APPLICATION_ID || version < 1 {
        return Err(refuse(
            "it is not a Latchkey store (another program's SQLite database, or an empty one)",
        ));
    }
    if version > migrations::LATEST {
        return Err(Error::StoreTooNew {
            path: shown,
            found: version,
            supported: migrations::LATEST,
        });
    }
    Ok((conn, version))
}

/// The live store, as a restore finds it.
enum Held {
    /// There is none.
    Nothing,
    /// Held with SQLite's exclusive lock until the connection closes.
    Locked(Connection),
    /// A file SQLite cannot read as a database.
    Unreadable,
}

/// Takes the live store's exclusive lock (see the module's notes), or says it is in use.
fn hold(live: &Path) -> Result<Held> {
    let meta = match fs::metadata(live) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Held::Nothing),
        Err(e) => return Err(e.into()),
    };
    if meta.is_dir() {
        return Err(Error::StoreRefused {
            path: live.display().to_string(),
            reason: "it is a directory".into(),
        });
    }
    if meta.len() == 0 {
        return Ok(Held::Nothing);
    }
    let mut header = [0u8; 16];
    let readable = fs::File::open(live)?.read_exact(&mut header).is_ok();
    if !readable || &header != SQLITE_MAGIC {
        return Ok(Held::Unreadable);
    }
    let conn = Connection::open_with_flags(
        live,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    if conn.is_readonly(rusqlite::MAIN_DB)? {
        return Err(Error::Io(format!(
            "{} cannot be written by this user; a restore needs write access to the store \
             file and its folder",
            live.display()
        )));
    }
    conn.busy_timeout(Duration::ZERO)?;
    // Before the first read: in WAL mode the log index then lives in this process's
    // memory, which SQLite allows only under the exclusive lock of the file.
    conn.pragma_update(None, "locking_mode", "EXCLUSIVE")?;
    let deadline = Instant::now() + HOLD_WAIT;
    loop {
        let tried = conn.execute_batch("BEGIN EXCLUSIVE").and_then(|()| {
            let n: i64 = conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))?;
            conn.execute_batch("COMMIT")?;
            Ok(n)
        });
        match tried {
            Ok(_) => break,
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                match e.sqlite_error_code() {
                    Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
                        if Instant::now() >= deadline {
                            return Err(Error::Busy);
                        }
                        std::thread::sleep(Duration::from_millis(50));
                    }
                    Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
                        return Ok(Held::Unreadable)
                    }
                    _ => return Err(e.into()),
                }
            }
        }
    }
    // Another program's database is not Latchkey's to replace.
    let app_id: i64 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))?;
    if app_id != migrations::APPLICATION_ID && tables > 0 {
        return Err(Error::StoreRefused {
            path: live.display().to_string(),
            reason: "it is another program's SQLite database, not a Latchkey store to replace"
                .into(),
        });
    }
    Ok(Held::Locked(conn))
}
