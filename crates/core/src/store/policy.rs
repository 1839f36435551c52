//! The one-row `policy` table.

use super::sql::args;
use super::Tx;
use crate::model::policy::{Argon2Params, Policy};
use crate::Result;

pub(crate) fn load(tx: &mut Tx<'_>) -> Result<Policy> {
    let mut r = tx
        .row(
            "SELECT min_password_length, max_key_lifetime_days, allow_never_expiring, max_active_keys,
                    argon2_m_kib, argon2_t, argon2_p FROM policy WHERE id = 1",
            args![],
        )?
        .ok_or_else(|| crate::Error::storage("the policy row is missing"))?;
    Ok(Policy {
        min_password_length: r.take(0)?,
        max_key_lifetime_days: r.take(1)?,
        allow_never_expiring: r.take(2)?,
        max_active_keys: r.take(3)?,
        argon2: Argon2Params {
            m_kib: r.take(4)?,
            t: r.take(5)?,
            p: r.take(6)?,
        },
    })
}

pub(crate) fn save(tx: &mut Tx<'_>, p: &Policy) -> Result<()> {
    tx.exec(
        "UPDATE policy SET min_password_length = ?1, max_key_lifetime_days = ?2,
                allow_never_expiring = ?3, max_active_keys = ?4,
                argon2_m_kib = ?5, argon2_t = ?6, argon2_p = ?7 WHERE id = 1",
        args![
            p.min_password_length,
            p.max_key_lifetime_days,
            p.allow_never_expiring,
            p.max_active_keys,
            p.argon2.m_kib,
            p.argon2.t,
            p.argon2.p
        ],
    )?;
    Ok(())
}
