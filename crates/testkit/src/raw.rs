//! The store's tables read and written behind the engine's back, as a test must to check
//! what was stored (a ciphertext, a hash) or to set up a state the rules would never
//! allow. The same calls on SQLite and PostgreSQL: SQL in the shared form (`?1`
//! placeholders), translated here.

use latchkey_core::store::Location;

/// A connection of its own to a test store.
pub enum Raw {
    Sqlite(rusqlite::Connection),
    Postgres(postgres::Client),
}

/// A value to bind.
pub enum P<'a> {
    Text(&'a str),
    Int(i64),
}

fn pg_sql(sql: &str) -> String {
    let mut out = String::new();
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '?' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('$');
        } else {
            out.push(c);
        }
    }
    out
}

impl Raw {
    pub fn open(location: &Location) -> Raw {
        match location {
            Location::File(p) => {
                Raw::Sqlite(rusqlite::Connection::open(p).expect("the file opens"))
            }
            Location::Postgres(url) => Raw::Postgres(
                postgres::Client::connect(url, postgres::NoTls).expect("a connection"),
            ),
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Raw::Postgres(_))
    }

    /// Runs statements that return nothing (`;`-separated).
    pub fn exec(&mut self, sql: &str) {
        match self {
            Raw::Sqlite(c) => c.execute_batch(sql).expect(sql),
            Raw::Postgres(c) => c.batch_execute(sql).expect(sql),
        }
    }

    fn with_row<T>(
        &mut self,
        sql: &str,
        args: &[P<'_>],
        sqlite: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
        pg: impl FnOnce(&postgres::Row) -> T,
    ) -> T {
        match self {
            Raw::Sqlite(c) => {
                let params: Vec<rusqlite::types::Value> = args
                    .iter()
                    .map(|a| match a {
                        P::Text(t) => rusqlite::types::Value::Text((*t).to_owned()),
                        P::Int(i) => rusqlite::types::Value::Integer(*i),
                    })
                    .collect();
                c.query_row(sql, rusqlite::params_from_iter(params), sqlite)
                    .expect(sql)
            }
            Raw::Postgres(c) => {
                let texts: Vec<&(dyn postgres::types::ToSql + Sync)> = args
                    .iter()
                    .map(|a| match a {
                        P::Text(t) => t as &(dyn postgres::types::ToSql + Sync),
                        P::Int(i) => i as &(dyn postgres::types::ToSql + Sync),
                    })
                    .collect();
                let row = c.query_one(&pg_sql(sql), &texts).expect(sql);
                pg(&row)
            }
        }
    }

    /// The first column of the one row `sql` returns, as text.
    pub fn text(&mut self, sql: &str, args: &[P<'_>]) -> String {
        self.with_row(sql, args, |r| r.get(0), |r| r.get(0))
    }

    /// The first column as a number.
    pub fn int(&mut self, sql: &str, args: &[P<'_>]) -> i64 {
        self.with_row(sql, args, |r| r.get(0), |r| r.get(0))
    }

    /// The first column as bytes (None for NULL).
    pub fn bytes(&mut self, sql: &str, args: &[P<'_>]) -> Option<Vec<u8>> {
        self.with_row(sql, args, |r| r.get(0), |r| r.get(0))
    }

    /// Columns `0..n` of the one row, each as bytes or text turned into bytes.
    pub fn row_bytes(&mut self, sql: &str, args: &[P<'_>], n: usize) -> Vec<Option<Vec<u8>>> {
        self.with_row(
            sql,
            args,
            |r| {
                (0..n)
                    .map(|i| match r.get_ref(i)? {
                        rusqlite::types::ValueRef::Null => Ok(None),
                        rusqlite::types::ValueRef::Integer(x) => {
                            Ok(Some(x.to_string().into_bytes()))
                        }
                        rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => {
                            Ok(Some(t.to_vec()))
                        }
                        rusqlite::types::ValueRef::Real(x) => Ok(Some(x.to_string().into_bytes())),
                    })
                    .collect()
            },
            |r| {
                (0..n)
                    .map(|i| {
                        let t = r.columns()[i].type_().clone();
                        if t == postgres::types::Type::BYTEA {
                            r.get::<_, Option<Vec<u8>>>(i)
                        } else if t == postgres::types::Type::INT8 {
                            r.get::<_, Option<i64>>(i)
                                .map(|x| x.to_string().into_bytes())
                        } else {
                            r.get::<_, Option<String>>(i).map(String::into_bytes)
                        }
                    })
                    .collect()
            },
        )
    }

    /// Holds the store's one write lock until the guard is dropped (or `release`d), as
    /// another process in the middle of a write would.
    pub fn hold_write_lock(&mut self) {
        match self {
            Raw::Sqlite(c) => c.execute_batch("BEGIN IMMEDIATE").expect("the write lock"),
            Raw::Postgres(c) => c
                .batch_execute("BEGIN; SELECT pg_advisory_xact_lock(5497564018690228225)")
                .expect("the write lock"),
        }
    }

    pub fn release_write_lock(&mut self) {
        self.exec("COMMIT");
    }
}

/// Every table of the SQLite store at `path` but the audit log, row by row (sorted), so a
/// test can say a refused request changed nothing. Left out as well: what a successful or
/// failed sign-in writes by design before any request is judged (the sign-in throttle's
/// records and the account's last sign-in time), and the audit log's per-minute tallies.
pub fn rows_but_audit(path: &std::path::Path) -> Vec<(String, Vec<String>)> {
    let c = rusqlite::Connection::open(path).expect("the store opens");
    let tables: Vec<String> = c
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    tables
        .into_iter()
        .filter(|t| !matches!(t.as_str(), "audit_log" | "audit_tally" | "login_throttle"))
        .map(|t| {
            let mut st = c.prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
            let kept: Vec<usize> = (0..st.column_count())
                .filter(|&i| !(t == "accounts" && st.column_name(i).unwrap() == "last_sign_in_at"))
                .collect();
            let mut rows: Vec<String> = st
                .query_map([], |r| {
                    Ok(kept
                        .iter()
                        .map(|&i| format!("{:?}", r.get_ref(i).unwrap()))
                        .collect::<Vec<_>>()
                        .join("|"))
                })
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            rows.sort();
            (t, rows)
        })
        .collect()
}

/// Which tables differ between two [`rows_but_audit`] readings, with their rows.
pub fn changed_tables(
    before: &[(String, Vec<String>)],
    after: &[(String, Vec<String>)],
) -> Vec<String> {
    before
        .iter()
        .zip(after)
        .filter(|(b, a)| b != a)
        .map(|(b, a)| format!("{}: {:?} -> {:?}", b.0, b.1, a.1))
        .collect()
}
