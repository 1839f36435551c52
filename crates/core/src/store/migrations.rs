//! Schema versions, applied in order inside one `BEGIN IMMEDIATE` transaction so a
//! half-migrated store can never be observed, even by a second process starting at once.

use crate::Result;
use rusqlite::{Connection, TransactionBehavior};

/// `PRAGMA application_id`: "LKEY". Tells a Latchkey store from another program's SQLite file.
pub const APPLICATION_ID: i64 = 0x4C4B_4559;

/// Each entry takes the store from version `i` to `i + 1`.
const STEPS: &[&str] = &[include_str!("schema_v1.sql"), include_str!("schema_v2.sql")];

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

pub fn migrate(conn: &mut Connection, now: i64) -> Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let current: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
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
