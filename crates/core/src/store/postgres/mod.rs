//! The PostgreSQL store, for a lab that outgrows one machine: the same tables and rules as
//! the SQLite store, in one database that several processes (`latchkey serve` on several
//! hosts, the CLI) share.
//!
//! Every write transaction first takes one transaction-scoped advisory lock, so writers
//! queue exactly as SQLite's `BEGIN IMMEDIATE` makes them: a rule that checks, then
//! writes (unique names, key limits, the first administrator, TOTP replay, throttle
//! counts) sees no other writer in between. Reads run in a read-only snapshot.
//! Verification reads one row, with no cache: a revocation committed by any process is
//! seen by the next verification in every other.

mod conn;
mod migrations;

use super::sql::Db;
use super::verify::KeyLookup;
use super::Missing;
use crate::{Error, Result};
use conn::{Manager, PgConn, PgDb};
use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The advisory lock every write transaction holds ("LKEY" and 1).
const WRITE_LOCK: i64 = 0x4C4B_4559_0000_0001;
/// Connections kept at most, per process.
const POOL_SIZE: u32 = 8;
/// How long a request waits for a connection (PostgreSQL down, or every connection busy)
/// before it is answered "unavailable".
const CONNECT_WAIT: Duration = Duration::from_secs(5);

#[derive(Debug)]
pub(super) struct Postgres {
    pool: r2d2::Pool<Manager>,
    /// The URL without its password, to name the store in messages.
    shown: PathBuf,
}

impl Postgres {
    pub(super) fn open(url: &str, now: i64, missing: Missing) -> Result<Postgres> {
        let target = conn::Target::parse(url)?;
        let shown = PathBuf::from(target.shown.clone());
        // One connection of our own first: it says plainly what is wrong (no server, a
        // refused password, no such database), and migrates before anyone else may use
        // the store.
        let mut first = target
            .config
            .connect(postgres::NoTls)
            .map_err(|e| conn::open_error(e, &target.shown))?;
        migrations::migrate(&mut first, now, missing, &target.shown)?;
        drop(first);
        let pool = r2d2::Pool::builder()
            .max_size(POOL_SIZE)
            .min_idle(Some(0))
            .connection_timeout(CONNECT_WAIT)
            // A connection the server dropped is found when it is used, then replaced.
            .test_on_check_out(false)
            .error_handler(Box::new(conn::LogErrors))
            .build_unchecked(Manager::new(target.config));
        let store = Postgres { pool, shown };
        tracing::debug!(target: "latchkey::store", "opened the PostgreSQL store at {}", store.shown.display());
        Ok(store)
    }

    pub(super) fn path(&self) -> &Path {
        &self.shown
    }

    fn get(&self) -> Result<r2d2::PooledConnection<Manager>> {
        self.pool.get().map_err(|e| {
            tracing::warn!(target: "latchkey::store", "no PostgreSQL connection: {e}");
            Error::Unavailable
        })
    }

    /// Runs `f` on a pooled connection; when the connection turns out to have been
    /// dropped by the server (a restart), once more on a new one. Only for work that is
    /// safe to repeat: reads.
    fn with_retry<T>(&self, mut f: impl FnMut(&mut PgConn) -> Result<T>) -> Result<T> {
        let mut c = self.get()?;
        match f(&mut c) {
            Err(Error::Unavailable) if c.client.is_closed() => {
                drop(c);
                let mut fresh = self.get()?;
                f(&mut fresh)
            }
            out => out,
        }
    }

    pub(super) fn read<T>(&self, f: impl FnOnce(&mut dyn Db) -> Result<T>) -> Result<T> {
        let mut f = Some(f);
        self.with_retry(|c| {
            let PgConn { client, statements } = c;
            let mut tx = client
                .build_transaction()
                .isolation_level(postgres::IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()
                .map_err(conn::error)?;
            let f = f
                .take()
                .ok_or_else(|| Error::internal("a read ran twice"))?;
            let out = f(&mut PgDb::new(&mut tx, statements))?;
            tx.commit().map_err(conn::error)?;
            Ok(out)
        })
    }

    pub(super) fn write<T>(&self, f: impl FnOnce(&mut dyn Db) -> Result<T>) -> Result<T> {
        let mut c = self.get()?;
        let PgConn { client, statements } = &mut *c;
        let mut tx = client.transaction().map_err(conn::error)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK])
            .map_err(conn::error)?;
        let out = f(&mut PgDb::new(&mut tx, statements))?;
        tx.commit().map_err(conn::error)?;
        Ok(out)
    }

    /// The verification read. The client here is synchronous: on an async worker (`wait:
    /// false`) it must not run, so it answers `Busy` and the caller asks again from a
    /// thread that may block.
    pub(super) fn lookup_key<T>(
        &self,
        digest: &[u8; 32],
        wait: bool,
        f: impl FnOnce(Option<KeyLookup<'_>>) -> Result<T>,
    ) -> Result<T> {
        if !wait {
            return Err(Error::Busy);
        }
        let rows = self.with_retry(|c| {
            let st = c.prepared(LOOKUP)?;
            c.client
                .query(&st, &[&digest.as_slice()])
                .map_err(conn::error)
        })?;
        let Some(r) = rows.first() else {
            return f(None);
        };
        let text = |i: usize| -> Result<&str> {
            Ok(r.try_get::<_, Option<&str>>(i)
                .map_err(conn::error)?
                .unwrap_or(""))
        };
        let get_i64 = |i: usize| r.try_get::<_, Option<i64>>(i).map_err(conn::error);
        let is_admin: bool = r
            .try_get::<_, Option<bool>>(9)
            .map_err(conn::error)?
            .unwrap_or(false);
        let account_permissions = if is_admin {
            // An administrator holds everything the store knows of.
            let all = self.with_retry(|c| {
                let st = c.prepared(super::groups::ALL_PERMISSIONS)?;
                c.client.query(&st, &[]).map_err(conn::error)
            })?;
            let pairs: Vec<(String, String)> = all
                .iter()
                .map(|r| (r.get::<_, String>(0), r.get::<_, String>(1)))
                .collect();
            Cow::Owned(super::verify::joined(&pairs))
        } else {
            Cow::Borrowed(text(11)?)
        };
        f(Some(KeyLookup {
            id: text(0)?,
            kind: text(1)?,
            expires_at: get_i64(2)?,
            revoked_at: get_i64(3)?,
            last_used_at: get_i64(4)?,
            digest: r.try_get::<_, &[u8]>(5).map_err(conn::error)?,
            account_id: get_i64(6)?.unwrap_or_default(),
            username: text(7)?,
            disabled: r
                .try_get::<_, Option<bool>>(8)
                .map_err(conn::error)?
                .unwrap_or(false),
            key_permissions: text(10)?,
            account_permissions,
        }))
    }
}

/// The key and its account in one join (PostgreSQL keeps the plan of a prepared join; it
/// has none of SQLite's re-preparing), and the account's groups' grants as one list.
const LOOKUP: &str =
    "SELECT k.id, k.kind, k.expires_at, k.revoked_at, k.last_used_at, k.digest, k.account_id,
        a.username, a.disabled, a.is_admin, k.permissions,
        (SELECT group_concat(gp.resource || ':' || gp.action, ' ')
           FROM group_members gm JOIN group_permissions gp ON gp.group_id = gm.group_id
          WHERE gm.account_id = k.account_id)
 FROM api_keys k JOIN accounts a ON a.id = k.account_id WHERE k.digest = ?1";
