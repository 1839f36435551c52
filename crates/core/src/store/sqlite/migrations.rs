//! Schema versions, applied in order inside one `BEGIN IMMEDIATE` transaction so a
//! half-migrated store can never be observed, even by a second process starting at once.

use super::SqliteDb;
use crate::store::Tx;
use crate::{Error, Result};
use rusqlite::{Connection, TransactionBehavior};

/// `PRAGMA application_id`: "LKEY". Tells a Latchkey store from another program's SQLite file.
pub const APPLICATION_ID: i64 = 0x4C4B_4559;

/// Each entry takes the store from version `i` to `i + 1`.
const STEPS: &[&str] = &[
    include_str!("schema_v1.sql"),
    include_str!("schema_v2.sql"),
    include_str!("schema_v3.sql"),
    include_str!("schema_v4.sql"),
];

/// The newest store version this build understands.
pub const LATEST: i64 = STEPS.len() as i64;

/// What a step needs done in Rust after its SQL, in the same transaction.
fn after_step(version: usize, tx: &rusqlite::Transaction<'_>, now: i64) -> Result<()> {
    match version {
        1 => crate::store::seed(
            &mut Tx {
                db: &mut SqliteDb(tx),
            },
            now,
        ),
        4 => {
            // Folded names, as the rules fold them (Unicode lower case).
            for table in ["groups", "api_keys"] {
                let rows: Vec<(i64, String)> = tx
                    .prepare(&format!("SELECT rowid, name FROM {table}"))?
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<rusqlite::Result<_>>()?;
                let mut st = tx.prepare(&format!(
                    "UPDATE {table} SET name_key = ?2 WHERE rowid = ?1"
                ))?;
                for (id, name) in rows {
                    st.execute((id, crate::validate::fold(&name)))?;
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Brings the store to [`LATEST`]. The write lock is taken only when there is something
/// to do, so an up-to-date store opens while another process holds the lock, and a store
/// the user cannot write to can still be read (verification).
pub fn migrate(conn: &mut Connection, now: i64, shown: &str) -> Result<()> {
    let too_new = |found| Error::StoreTooNew {
        path: shown.to_owned(),
        found,
        supported: LATEST,
    };
    let seen: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if seen > LATEST {
        return Err(too_new(seen));
    }
    if seen == LATEST {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Again under the lock: another process may have migrated it meanwhile.
    let current: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current > LATEST {
        return Err(too_new(current));
    }
    for (i, step) in STEPS.iter().enumerate().skip(current as usize) {
        tx.execute_batch(step)?;
        after_step(i + 1, &tx, now)?;
    }
    if current < LATEST {
        tx.execute_batch(&format!(
            "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {LATEST};"
        ))?;
    }
    tx.commit()?;
    Ok(())
}
