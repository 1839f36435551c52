//! The `settings` table: name/value settings of the store itself.

use super::sql::args;
use super::Tx;
use crate::Result;

/// Where this store's JSON API was last served (`http://127.0.0.1:PORT`).
pub(crate) const API_URL: &str = "api_url";
/// The organisation's name and ISO 3166-1 alpha-2 country.
pub(crate) const ORG_NAME: &str = "org.name";
pub(crate) const ORG_COUNTRY: &str = "org.country";

pub(crate) fn get(tx: &mut Tx<'_>, name: &str) -> Result<Option<String>> {
    tx.row("SELECT value FROM settings WHERE name = ?1", args![name])?
        .map(|mut r| r.take(0))
        .transpose()
}

pub(crate) fn put(tx: &mut Tx<'_>, name: &str, value: &str, now: i64) -> Result<()> {
    tx.exec(
        "INSERT INTO settings (name, value, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        args![name, value, now],
    )?;
    Ok(())
}
