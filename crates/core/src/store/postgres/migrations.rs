//! The PostgreSQL schema's versions, applied under a session advisory lock so that several
//! processes starting together migrate once, each step in one transaction.

use super::conn::PgDb;
use crate::store::{Missing, Tx};
use crate::{Error, Result};
use postgres::Client;
use std::collections::HashMap;

/// Tells a Latchkey store from another program's database.
const APPLICATION: &str = "latchkey";
/// Held while migrating ("LKEY" and 2).
const MIGRATE_LOCK: i64 = 0x4C4B_4559_0000_0002;

/// Each entry takes the store from version `i` to `i + 1`.
const STEPS: &[&str] = &[include_str!("schema_v1.sql")];

/// The newest store version this build understands on PostgreSQL.
pub const LATEST: i64 = STEPS.len() as i64;

pub(super) fn migrate(client: &mut Client, now: i64, missing: Missing, shown: &str) -> Result<()> {
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATE_LOCK])
        .map_err(super::conn::error)?;
    let out = migrate_locked(client, now, missing, shown);
    let _ = client.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATE_LOCK]);
    out
}

fn migrate_locked(client: &mut Client, now: i64, missing: Missing, shown: &str) -> Result<()> {
    let e = super::conn::error;
    let refuse = |reason: &str| Error::StoreRefused {
        path: shown.to_owned(),
        reason: reason.to_owned(),
    };
    let has_meta: bool = client
        .query_one("SELECT to_regclass('latchkey_meta') IS NOT NULL", &[])
        .map_err(e)?
        .get(0);
    let current: i64 = if has_meta {
        let row = client
            .query_opt(
                "SELECT application, version FROM latchkey_meta WHERE id = 1",
                &[],
            )
            .map_err(e)?
            .ok_or_else(|| refuse("its latchkey_meta table is empty"))?;
        let (app, version): (String, i32) = (row.get(0), row.get(1));
        if app != APPLICATION {
            return Err(refuse("it is another program's database"));
        }
        i64::from(version)
    } else {
        let tables: i64 = client
            .query_one(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()",
                &[],
            )
            .map_err(e)?
            .get(0);
        if tables > 0 {
            return Err(refuse("it holds another program's tables"));
        }
        if missing == Missing::Refuse {
            return Err(Error::Io(format!(
                "there is no Latchkey store at {shown}; check --db or LATCHKEY_DB \
                 (`latchkey init` sets up a new store)"
            )));
        }
        0
    };
    if current > LATEST {
        return Err(Error::StoreTooNew {
            path: shown.to_owned(),
            found: current,
            supported: LATEST,
        });
    }
    for (i, step) in STEPS.iter().enumerate().skip(current as usize) {
        let mut tx = client.transaction().map_err(e)?;
        tx.batch_execute(step).map_err(e)?;
        if i == 0 {
            let mut statements = HashMap::new();
            crate::store::seed(
                &mut Tx {
                    db: &mut PgDb::new(&mut tx, &mut statements),
                },
                now,
            )?;
            tx.execute(
                "INSERT INTO latchkey_meta (id, application, version) VALUES (1, $1, $2)",
                &[&APPLICATION, &((i + 1) as i32)],
            )
            .map_err(e)?;
        } else {
            tx.execute(
                "UPDATE latchkey_meta SET version = $1 WHERE id = 1",
                &[&((i + 1) as i32)],
            )
            .map_err(e)?;
        }
        tx.commit().map_err(e)?;
    }
    Ok(())
}
