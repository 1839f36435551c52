//! `latchkey store copy`: a whole store from one engine to another (SQLite to PostgreSQL,
//! or back), every row as it is — ids, digests, ciphertexts, TOTP state, the audit log —
//! in one transaction on the target, which must be empty.

use super::sql::{Arg, Dialect, Val};
use super::{Location, Missing, Store, Tx};
use crate::{Error, Result};

/// A table, its columns, and the order its rows are read and written in.
struct Table {
    name: &'static str,
    columns: &'static str,
    order: &'static str,
}

/// Every table, parents before children.
const TABLES: &[Table] = &[
    Table {
        name: "resources",
        columns: "name, builtin, description, created_at",
        order: "name",
    },
    Table {
        name: "accounts",
        columns:
            "id, username, username_key, first_name, last_name, email, email_key, avatar_png, \
                  is_admin, disabled, password_hash, dek_salt, \
                  dek_wrapped, dek_kdf, notices, created_at, updated_at, mfa_secret_ct, \
                  mfa_pending_ct, mfa_last_step, last_sign_in_at",
        order: "id",
    },
    Table {
        name: "groups",
        columns: "id, name, name_key, created_at",
        order: "id",
    },
    Table {
        name: "group_permissions",
        columns: "group_id, resource, action",
        order: "group_id, resource, action",
    },
    Table {
        name: "group_members",
        columns: "account_id, group_id",
        order: "account_id, group_id",
    },
    Table {
        name: "api_keys",
        columns: "id, account_id, name, name_key, kind, digest, hint, revealable, secret_ct, \
                  created_at, expires_at, revoked_at, replaced_by, last_used_at, permissions",
        // Insertion order (see `store::keys::list`), which each engine keeps its own way.
        order: "",
    },
    Table {
        name: "key_permissions",
        columns: "key_id, resource, action",
        order: "key_id, resource, action",
    },
    Table {
        name: "recovery_codes",
        columns: "id, account_id, salt, digest, used_at, created_at",
        order: "id",
    },
    Table {
        name: "invitations",
        columns: "id, seq, digest, hint, email, is_admin, created_by, created_at, expires_at, \
                  accepted_at, account_id, revoked_at, replaced_by",
        order: "seq",
    },
    Table {
        name: "invitation_groups",
        columns: "invitation_id, group_id",
        order: "invitation_id, group_id",
    },
    Table {
        name: "login_throttle",
        columns: "subject, failed, last_failed_at, pending, pending_since",
        order: "subject",
    },
    Table {
        name: "audit_tally",
        columns: "action, actor_id, outcome, actor, target, detail, first_at, last_at, count",
        order: "action, actor_id, outcome",
    },
    Table {
        name: "audit_log",
        columns: "id, at, actor_id, actor, action, target, outcome, detail",
        order: "id",
    },
    Table {
        name: "settings",
        columns: "name, value, updated_at",
        order: "name",
    },
];

const POLICY_COLUMNS: &str = "min_password_length, max_key_lifetime_days, allow_never_expiring, \
     max_active_keys, argon2_m_kib, argon2_t, argon2_p";

/// How many rows of each table were copied.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Copied {
    pub from: String,
    pub to: String,
    pub tables: Vec<(String, u64)>,
}

fn arg(v: &Val) -> Arg<'_> {
    match v {
        Val::Null => Arg::Null,
        Val::Int(i) => Arg::Int(*i),
        Val::Bool(b) => Arg::Bool(*b),
        Val::Text(t) => Arg::Text(t),
        Val::Blob(b) => Arg::Blob(b),
    }
}

fn select(table: &Table, dialect: Dialect) -> String {
    let order = match (table.order, dialect) {
        ("", Dialect::Sqlite) => "rowid",
        ("", Dialect::Postgres) => "seq",
        (o, _) => o,
    };
    format!(
        "SELECT {} FROM {} ORDER BY {order}",
        table.columns, table.name
    )
}

fn insert(table: &Table) -> String {
    let n = table.columns.split(',').count();
    let marks: Vec<String> = (1..=n).map(|i| format!("?{i}")).collect();
    format!(
        "INSERT INTO {} ({}) VALUES ({})",
        table.name,
        table.columns,
        marks.join(", ")
    )
}

/// Whether a store holds anything beyond what every new store starts with.
fn is_empty(tx: &mut Tx<'_>) -> Result<bool> {
    for t in ["accounts", "api_keys", "groups", "audit_log"] {
        if tx.exists(&format!("SELECT 1 FROM {t} LIMIT 1"), &[])? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Copies the store at `from` into the empty store at `to` (created if need be).
pub fn copy(from: &Location, to: &Location, now: i64) -> Result<Copied> {
    if from == to {
        return Err(Error::invalid("to", "must be another store than --from"));
    }
    let source = Store::open_at(from, now, Missing::Refuse)?;
    let target = Store::open_at(to, now, Missing::Create)?;
    // One consistent read of the whole source.
    let (data, policy) = source.read(|tx| {
        let dialect = tx.dialect();
        let mut data = Vec::new();
        for t in TABLES {
            let rows = tx.rows(&select(t, dialect), &[])?;
            data.push(rows);
        }
        let policy = tx
            .row(
                &format!("SELECT {POLICY_COLUMNS} FROM policy WHERE id = 1"),
                &[],
            )?
            .ok_or_else(|| Error::storage("the source has no policy row"))?;
        Ok((data, policy))
    })?;
    let tables = target.write(|tx| {
        if !is_empty(tx)? {
            return Err(Error::Conflict(format!(
                "{} already holds accounts, keys or an audit log; copy only into an empty store",
                target.path().display()
            )));
        }
        // What a new store starts with is replaced by the source's.
        tx.exec("DELETE FROM resources", &[])?;
        let mut counts = Vec::new();
        for (t, rows) in TABLES.iter().zip(&data) {
            let sql = insert(t);
            for r in rows {
                let args: Vec<Arg<'_>> = r.0.iter().map(arg).collect();
                tx.exec(&sql, &args)?;
            }
            counts.push((t.name.to_owned(), rows.len() as u64));
        }
        let sets: Vec<String> = POLICY_COLUMNS
            .split(',')
            .enumerate()
            .map(|(i, c)| format!("{} = ?{}", c.trim(), i + 1))
            .collect();
        let args: Vec<Arg<'_>> = policy.0.iter().map(arg).collect();
        tx.exec(
            &format!("UPDATE policy SET {} WHERE id = 1", sets.join(", ")),
            &args,
        )?;
        if tx.dialect() == Dialect::Postgres {
            // Ids were given explicitly: new rows continue after the highest.
            for (table, column) in [
                ("accounts", "id"),
                ("groups", "id"),
                ("recovery_codes", "id"),
                ("audit_log", "id"),
                ("api_keys", "seq"),
            ] {
                tx.rows(
                    &format!(
                        "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), \
                         coalesce(max({column}), 0) + 1, false) FROM {table}"
                    ),
                    &[],
                )?;
            }
        }
        Ok(counts)
    })?;
    Ok(Copied {
        from: source.path().display().to_string(),
        to: target.path().display().to_string(),
        tables,
    })
}
