//! Keeping data safe: a backup of the store taken while it is in use, and the checked
//! restore of one.
//!
//! Who may do it: whoever can read and write the store file. A backup holds exactly what
//! the file holds (password hashes, key digests, secrets sealed under passwords), and a
//! person who can read the file can copy it anyway; so `latchkey backup` and `latchkey
//! restore` ask for no account, and the window's "Back up now" for a signed-in session.
//! Both are audited: a backup in the store it copies (`store.backed_up`), a restore in
//! the store it puts back (`store.restored`).

use crate::audit::{record, Entry};
use crate::keyfile::{folder_of, tempfile_in};
use crate::session::Session;
use crate::store::{self, Location, Missing, Store};
use crate::{Clock, Error, Latchkey, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Why `latchkey backup` does not copy a PostgreSQL store.
const POSTGRES_BACKUP: &str = "this store is a PostgreSQL database: back it up with pg_dump \
     (pg_dump --format=custom), or copy it into an SQLite file with \
     `latchkey store copy --from URL --to FILE`; `latchkey backup` copies SQLite stores";

const POSTGRES_RESTORE: &str = "this store is a PostgreSQL database: restore it with \
     pg_restore, or copy a backup file into an empty database with \
     `latchkey store copy --from FILE --to URL`; `latchkey restore` replaces SQLite stores";

/// A backup written.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BackedUp {
    /// The store that was copied.
    pub store: String,
    /// The backup file (mode 0600).
    pub path: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes: u64,
}

/// A restore done.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RestoreReport {
    /// The store that was replaced, and now holds the backup.
    pub store: String,
    /// The backup it came from.
    pub from: String,
    /// The backup's store version (a backup from an older Latchkey is migrated).
    pub version: i64,
    /// Where the replaced store is kept (0600), when there was one.
    pub replaced: Option<String>,
}

impl Latchkey {
    /// Copies the whole store to `dest` while the window, the CLI and servers keep using
    /// it: one consistent snapshot, written 0600 into a temporary file beside `dest`,
    /// checked, synced and renamed into place (an existing file there is replaced only
    /// once the copy is complete). For whoever can read and write the store file; no
    /// account acts. Audited as `store.backed_up`.
    pub fn backup(&self, dest: &Path) -> Result<BackedUp> {
        self.back_up(None, dest)
    }

    /// [`Latchkey::backup`] from the window: the signed-in person is recorded as having
    /// taken it.
    pub fn backup_for(&self, session: &Session, dest: &Path) -> Result<BackedUp> {
        let actor = self.store.read(|tx| self.actor(tx, session))?;
        self.back_up(actor.tag(), dest)
    }

    fn back_up(&self, actor: Option<(i64, &str)>, dest: &Path) -> Result<BackedUp> {
        if self.is_postgres() {
            return Err(Error::invalid("db", POSTGRES_BACKUP));
        }
        check_destination(dest, self.path())?;
        let staged = self.store.stage_backup(dest)?;
        let bytes = staged.len();
        let shown = dest.display().to_string();
        let now = self.now_unix();
        let entry = |outcome| {
            Entry::ok(actor, "store.backed_up", Some(format!("file {shown}")))
                .outcome(outcome)
                .detail(format!("{bytes} bytes"))
        };
        // Recorded before the copy takes its name: a store that cannot record it keeps
        // its copy from being left behind unrecorded.
        self.store.write(|tx| record(tx, now, entry("ok")))?;
        if let Err(e) = staged.install(dest) {
            let _ = self.store.write(|tx| record(tx, now, entry("failed")));
            return Err(Error::Io(format!("{shown}: {e}")));
        }
        Ok(BackedUp {
            store: self.path().display().to_string(),
            path: shown,
            bytes,
        })
    }
}

/// Refuses, naming the path, a destination the backup cannot be written to: before any
/// work is done.
fn check_destination(dest: &Path, store_file: &Path) -> Result<()> {
    let shown = dest.display();
    if dest.as_os_str().is_empty() {
        return Err(Error::invalid(
            "file",
            "name the file to write the backup to",
        ));
    }
    if is_store_file(dest, store_file) {
        return Err(Error::invalid(
            "file",
            format!("{shown} is the store itself; name another file"),
        ));
    }
    match std::fs::metadata(dest) {
        Ok(m) if m.is_dir() => {
            return Err(Error::invalid(
                "file",
                format!("{shown} is a folder; name a file to write the backup to"),
            ))
        }
        // Only an earlier backup (or an empty file) is replaced: never another file that
        // happens to have the name.
        Ok(m) if m.len() > 0 && !is_latchkey_file(dest) => {
            return Err(Error::invalid(
                "file",
                format!(
                    "{shown} exists and is not a Latchkey store; remove it or name another file"
                ),
            ))
        }
        Ok(_) | Err(_) => {}
    }
    let dir = folder_of(dest);
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            return Err(Error::invalid(
                "file",
                format!("{shown}: {} is not a folder", dir.display()),
            ))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::invalid(
                "file",
                format!("{shown}: the folder {} does not exist", dir.display()),
            ))
        }
        Err(e) => {
            return Err(Error::invalid(
                "file",
                format!("{shown}: the folder {} cannot be used ({e})", dir.display()),
            ))
        }
    }
    // Writable: a file of our own made and removed again.
    match tempfile_in(dir) {
        Ok((probe, _)) => {
            let _ = std::fs::remove_file(probe);
            Ok(())
        }
        Err(e) => Err(Error::invalid(
            "file",
            format!(
                "{shown}: cannot write in the folder {} ({})",
                dir.display(),
                e.to_string().trim_start_matches("file error: ")
            ),
        )),
    }
}

/// Whether the file at `path` starts as a Latchkey store does: SQLite's header, with
/// Latchkey's application id in it.
fn is_latchkey_file(path: &Path) -> bool {
    let mut header = [0u8; 72];
    let read = std::fs::File::open(path).and_then(|mut f| {
        use std::io::Read;
        f.read_exact(&mut header)
    });
    read.is_ok()
        && header.starts_with(b"SQLite format 3\0")
        && i64::from(u32::from_be_bytes([
            header[68], header[69], header[70], header[71],
        ])) == store::APPLICATION_ID
}

/// Whether `path` names the store file at `store_file`, or one of SQLite's files beside it.
fn is_store_file(path: &Path, store_file: &Path) -> bool {
    let (Some(a), Some(b)) = (resolved(path), resolved(store_file)) else {
        return false;
    };
    let b = b.as_os_str().to_owned();
    ["", "-wal", "-shm", "-journal"].iter().any(|suffix| {
        let mut c = b.clone();
        c.push(suffix);
        a.as_os_str() == c
    })
}

/// `path` with its folder resolved (the file itself need not exist).
fn resolved(path: &Path) -> Option<PathBuf> {
    if let Ok(p) = path.canonicalize() {
        return Some(p);
    }
    let name = path.file_name()?;
    Some(folder_of(path).canonicalize().ok()?.join(name))
}

/// Replaces the SQLite store at `location` with the backup at `from`.
///
/// The backup is checked first (an SQLite file, intact by `PRAGMA integrity_check`, a
/// Latchkey store, not newer than this build, with both versions named), and the live
/// store must not be open in any other process (the window, `latchkey serve`, another
/// command): it is held with SQLite's exclusive lock for the whole restore, and
/// `Error::Busy` is returned while it cannot be. The replaced store is kept beside it as
/// `<store>.replaced-<UTC time>` (0600). Like a backup, it needs no account: whoever can
/// write the store file can replace it. Audited as `store.restored` in the restored
/// store.
pub fn restore(location: &Location, from: &Path, clock: &dyn Clock) -> Result<RestoreReport> {
    let live = match location {
        Location::File(p) => p,
        Location::Postgres(_) => return Err(Error::invalid("db", POSTGRES_RESTORE)),
    };
    let shown_from = from.display().to_string();
    match std::fs::metadata(from) {
        Ok(m) if m.is_dir() => {
            return Err(Error::invalid(
                "file",
                format!("{shown_from} is a folder, not a backup file"),
            ))
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::NotFound(format!("backup file {shown_from}")))
        }
        Err(e) => return Err(Error::Io(format!("{shown_from}: {e}"))),
    }
    if is_store_file(from, live) {
        return Err(Error::invalid(
            "file",
            format!("{shown_from} is the store itself; name a backup of it"),
        ));
    }
    let now = clock.now();
    let stamp = now
        .format(time::macros::format_description!(
            "[year][month][day]T[hour][minute][second]"
        ))
        .map_err(|e| Error::internal(format!("time stamp: {e}")))?;
    let done = store::restore(live, from, &stamp)?;
    let replaced = done.replaced.as_ref().map(|p| p.display().to_string());
    // Recorded in the store now in place, opened as any command opens it (a backup from
    // an older Latchkey is migrated here).
    let at = crate::clock::to_unix(now);
    let restored = Store::open_with(live, at, Missing::Refuse)?;
    restored.write(|tx| {
        record(
            tx,
            at,
            Entry::ok(None, "store.restored", Some(format!("file {shown_from}"))).detail(format!(
                "backup of store version {}; {}",
                done.version,
                match &replaced {
                    Some(r) => format!("the replaced store is kept at {r}"),
                    None => "there was no store to replace".to_owned(),
                }
            )),
        )
    })?;
    Ok(RestoreReport {
        store: live.display().to_string(),
        from: shown_from,
        version: done.version,
        replaced,
    })
}
