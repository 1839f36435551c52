//! Schema versions, applied in order inside one `BEGIN IMMEDIATE` transaction so a
//! half-migrated store can never be observed, even by a second process starting at once.

use crate::{Error, Result};
use rusqlite::{Connection, TransactionBehavior};

/// `PRAGMA application_id`: "LKEY". Tells a Latchkey store from another program's SQLite file.
pub const APPLICATION_ID: i64 = 0x4C4B_4559;

/// Each entry takes the store from version `i` to `i + 1`.
const STEPS: &[&str] = &[
    include_str!("schema_v1.sql"),
    include_str!("schema_v2.sql"),
    include_str!("schema_v3.sql"),
];

/// The newest store version this build understands.
pub const LATEST: i64 = STEPS.len() as i64;

/// Rows every store starts with, written with the first version.
fn seed(tx: &rusqlite::Transaction<'_>, now: i64) -> Result<()> {
    tx.execute("INSERT INTO policy (id) VALUES (1)", [])?;
    for (name, description) in [
        ("account", "The account's own profile"),
        ("keys", "The account's API keys"),
    ] {
        tx.execute(
            "INSERT INTO resources (name, builtin, description, created_at) VALUES (?1, 1, ?2, ?3)",
            (name, description, now),
        )?;
    }
    Ok(())
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
        if i == 0 {
            seed(&tx, now)?;
        }
    }
    if current < LATEST {
        tx.execute_batch(&format!(
            "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {LATEST};"
        ))?;
    }
    tx.commit()?;
    Ok(())
}
