//! Connecting (the URL, with its password from a file rather than the command line),
//! pooled connections with their prepared statements, the shared SQL in PostgreSQL's
//! words, values in and out, and what PostgreSQL's errors mean to the rules.

use crate::store::sql::{Arg, Db, Dialect, Row, Val};
use crate::{Error, Result};
use postgres::types::{IsNull, ToSql, Type};
use postgres::{Client, NoTls, Statement, Transaction};
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Mutex, OnceLock};

/// Where to connect, and how to name it without its password.
pub(super) struct Target {
    pub config: postgres::Config,
    pub shown: String,
}

impl Target {
    /// `postgres://user[:password]@host[:port]/database[?options]`. Without a password in
    /// the URL, it is looked up as libpq does: the `passfile` option, else `PGPASSFILE`,
    /// else `~/.pgpass` — so it need never appear in a process list.
    pub fn parse(url: &str) -> Result<Target> {
        let bad = |why: &str| Error::invalid("db", format!("is not a PostgreSQL URL: {why}"));
        let (base, query) = url.split_once('?').unwrap_or((url, ""));
        let mut passfile = None;
        let kept: Vec<&str> = query
            .split('&')
            .filter(|kv| !kv.is_empty())
            .filter(|kv| match kv.split_once('=') {
                Some(("passfile", v)) => {
                    passfile = Some(v.to_owned());
                    false
                }
                _ => true,
            })
            .collect();
        let cleaned = if kept.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
        let mut config = postgres::Config::from_str(&cleaned).map_err(|e| {
            tracing::debug!(target: "latchkey::store", "parsing the PostgreSQL URL: {e}");
            bad("check its form (postgres://user@host:port/database)")
        })?;
        if config.get_dbname().is_none() {
            return Err(bad("it names no database"));
        }
        if config.get_password().is_none() {
            let file = passfile
                .map(std::path::PathBuf::from)
                .or_else(|| std::env::var_os("PGPASSFILE").map(Into::into))
                .or_else(|| dirs::home_dir().map(|h| h.join(".pgpass")));
            if let Some(pw) = file.and_then(|f| pgpass::lookup(&f, &config)) {
                config.password(pw);
            }
        }
        config.application_name("latchkey");
        // A commit is acknowledged only once it is on disk, whatever the server's default:
        // a revocation must not come back after a crash.
        config.options("-c synchronous_commit=on");
        Ok(Target {
            shown: shown(&config),
            config,
        })
    }
}

/// The URL as it may be shown: no password, ever.
fn shown(c: &postgres::Config) -> String {
    let host = c
        .get_hosts()
        .first()
        .map(|h| match h {
            postgres::config::Host::Tcp(name) => name.clone(),
            #[cfg(unix)]
            postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .unwrap_or_default();
    let port = c.get_ports().first().copied().unwrap_or(5432);
    format!(
        "postgres://{}@{host}:{port}/{}",
        c.get_user().unwrap_or(""),
        c.get_dbname().unwrap_or("")
    )
}

/// libpq's password file: `hostname:port:database:username:password` lines, `*` for any,
/// `\:` and `\\` escaped.
mod pgpass {
    use std::path::Path;

    pub(super) fn fields(line: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut field = String::new();
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => field.extend(chars.next()),
                ':' if out.len() < 4 => out.push(std::mem::take(&mut field)),
                c => field.push(c),
            }
        }
        out.push(field);
        out
    }

    pub fn lookup(file: &Path, c: &postgres::Config) -> Option<String> {
        let text = std::fs::read_to_string(file).ok()?;
        let host = match c.get_hosts().first() {
            Some(postgres::config::Host::Tcp(h)) => h.clone(),
            #[cfg(unix)]
            Some(postgres::config::Host::Unix(_)) => "localhost".into(),
            None => "localhost".into(),
        };
        let port = c.get_ports().first().copied().unwrap_or(5432).to_string();
        let db = c.get_dbname().unwrap_or("");
        let user = c.get_user().unwrap_or("");
        let want = [host.as_str(), port.as_str(), db, user];
        text.lines()
            .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
            .map(fields)
            .find(|f| {
                f.len() == 5
                    && f[..4]
                        .iter()
                        .zip(want)
                        .all(|(have, w)| have == "*" || have == w)
            })
            .map(|f| f[4].clone())
    }
}

/// A pooled connection and the statements prepared on it.
pub(super) struct PgConn {
    pub client: Client,
    pub statements: HashMap<String, Statement>,
}

impl PgConn {
    /// `sql` (in the shared form), translated and prepared once per connection.
    pub fn prepared(&mut self, sql: &str) -> Result<Statement> {
        if let Some(st) = self.statements.get(sql) {
            return Ok(st.clone());
        }
        let st = self.client.prepare(&translate(sql)).map_err(error)?;
        self.statements.insert(sql.to_owned(), st.clone());
        Ok(st)
    }
}

pub(super) struct Manager {
    config: postgres::Config,
}

impl std::fmt::Debug for Manager {
    // The configuration holds the password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Manager(<redacted>)")
    }
}

impl Manager {
    pub fn new(config: postgres::Config) -> Self {
        Manager { config }
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = PgConn;
    type Error = postgres::Error;

    fn connect(&self) -> std::result::Result<PgConn, postgres::Error> {
        Ok(PgConn {
            client: self.config.connect(NoTls)?,
            statements: HashMap::new(),
        })
    }

    fn is_valid(&self, c: &mut PgConn) -> std::result::Result<(), postgres::Error> {
        c.client.simple_query("").map(|_| ())
    }

    fn has_broken(&self, c: &mut PgConn) -> bool {
        c.client.is_closed()
    }
}

/// The pool's own failures (a refused connection) go to the log like the rest.
#[derive(Debug)]
pub(super) struct LogErrors;

impl r2d2::HandleError<postgres::Error> for LogErrors {
    fn handle_error(&self, e: postgres::Error) {
        tracing::warn!(target: "latchkey::store", "PostgreSQL connection: {e}");
    }
}

/// The shared SQL (`?N` placeholders, SQLite's `group_concat`) in PostgreSQL's words;
/// each text is translated once per process.
pub(super) fn translate(sql: &str) -> String {
    static DONE: OnceLock<Mutex<HashMap<String, String>>> = OnceLock::new();
    let done = DONE.get_or_init(Default::default);
    if let Some(t) = done.lock().unwrap_or_else(|p| p.into_inner()).get(sql) {
        return t.clone();
    }
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                quoted = !quoted;
                out.push(c);
            }
            '?' if !quoted && chars.peek().is_some_and(char::is_ascii_digit) => out.push('$'),
            c => out.push(c),
        }
    }
    let out = out.replace("group_concat(", "string_agg(");
    done.lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(sql.to_owned(), out.clone());
    out
}

/// A transaction on a pooled connection, as the repositories' [`Db`].
pub(super) struct PgDb<'t, 'c> {
    tx: &'t mut Transaction<'c>,
    statements: &'t mut HashMap<String, Statement>,
}

impl<'t, 'c> PgDb<'t, 'c> {
    pub fn new(
        tx: &'t mut Transaction<'c>,
        statements: &'t mut HashMap<String, Statement>,
    ) -> Self {
        PgDb { tx, statements }
    }

    /// `sql` (in the shared form), translated and prepared once per connection (the
    /// cache is keyed by the shared form, so a hit costs no translation).
    fn statement(&mut self, sql: &str) -> Result<Statement> {
        if let Some(st) = self.statements.get(sql) {
            return Ok(st.clone());
        }
        let st = self.tx.prepare(&translate(sql)).map_err(error)?;
        self.statements.insert(sql.to_owned(), st.clone());
        Ok(st)
    }
}

fn params<'a>(args: &'a [Arg<'a>]) -> Vec<&'a (dyn ToSql + Sync)> {
    args.iter().map(|a| a as &(dyn ToSql + Sync)).collect()
}

impl Db for PgDb<'_, '_> {
    fn exec(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<u64> {
        let st = self.statement(sql)?;
        self.tx.execute(&st, &params(args)).map_err(error)
    }

    fn query(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<Vec<Row>> {
        let st = self.statement(sql)?;
        let rows = self.tx.query(&st, &params(args)).map_err(error)?;
        rows.iter().map(row).collect()
    }

    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }
}

/// One result row as the shared value kinds.
fn row(r: &postgres::Row) -> Result<Row> {
    let mut vals = Vec::with_capacity(r.len());
    for (i, col) in r.columns().iter().enumerate() {
        let t = col.type_();
        let v = if *t == Type::INT8 {
            r.try_get::<_, Option<i64>>(i).map(|v| v.map(Val::Int))
        } else if *t == Type::INT4 {
            r.try_get::<_, Option<i32>>(i)
                .map(|v| v.map(|n| Val::Int(n.into())))
        } else if *t == Type::INT2 {
            r.try_get::<_, Option<i16>>(i)
                .map(|v| v.map(|n| Val::Int(n.into())))
        } else if *t == Type::BOOL {
            r.try_get::<_, Option<bool>>(i).map(|v| v.map(Val::Bool))
        } else if *t == Type::BYTEA {
            r.try_get::<_, Option<Vec<u8>>>(i).map(|v| v.map(Val::Blob))
        } else if *t == Type::TEXT || *t == Type::VARCHAR || *t == Type::NAME || *t == Type::BPCHAR
        {
            r.try_get::<_, Option<String>>(i).map(|v| v.map(Val::Text))
        } else {
            return Err(Error::storage(format!(
                "column {} has a type Latchkey does not read: {t}",
                col.name()
            )));
        };
        vals.push(v.map_err(error)?.unwrap_or(Val::Null));
    }
    Ok(Row(vals))
}

impl ToSql for Arg<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match *self {
            Arg::Null => Ok(IsNull::Yes),
            Arg::Int(i) if *ty == Type::INT4 => i32::try_from(i)?.to_sql(ty, out),
            Arg::Int(i) if *ty == Type::INT2 => i16::try_from(i)?.to_sql(ty, out),
            Arg::Int(i) if *ty == Type::BOOL => (i != 0).to_sql(ty, out),
            Arg::Int(i) => i.to_sql(ty, out),
            Arg::Bool(b) if *ty == Type::INT8 => i64::from(b).to_sql(ty, out),
            Arg::Bool(b) => b.to_sql(ty, out),
            Arg::Text(t) => t.to_sql(ty, out),
            Arg::Blob(b) => b.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

/// What a PostgreSQL failure means to the rules. The server's own words go to the log.
pub(super) fn error(e: postgres::Error) -> Error {
    use postgres::error::SqlState;
    if let Some(db) = e.as_db_error() {
        let code = db.code();
        if *code == SqlState::T_R_SERIALIZATION_FAILURE
            || *code == SqlState::T_R_DEADLOCK_DETECTED
            || *code == SqlState::LOCK_NOT_AVAILABLE
        {
            return Error::Busy;
        }
        if *code == SqlState::DATA_CORRUPTED || *code == SqlState::INDEX_CORRUPTED {
            tracing::error!(target: "latchkey::store", "PostgreSQL reports damage: {e}");
            return Error::Damaged;
        }
        let class = &code.code()[..2];
        // 08: connection exception; 57: operator intervention (shutdown, starting up);
        // 53: insufficient resources (too many connections).
        if matches!(class, "08" | "57" | "53") {
            tracing::warn!(target: "latchkey::store", "PostgreSQL unavailable: {e}");
            return Error::Unavailable;
        }
        return Error::storage(e);
    }
    // No answer from the server: refused, reset, or the connection closed.
    tracing::warn!(target: "latchkey::store", "PostgreSQL unreachable: {e}");
    Error::Unavailable
}

/// Why a first connection failed, as the person who gave the URL can act on it.
pub(super) fn open_error(e: postgres::Error, shown: &str) -> Error {
    let refuse = |reason: &str| Error::StoreRefused {
        path: shown.to_owned(),
        reason: reason.to_owned(),
    };
    match e.as_db_error().map(|d| d.code().code()) {
        Some(c) if c.starts_with("28") => {
            tracing::warn!(target: "latchkey::store", "PostgreSQL refused the connection: {e}");
            refuse(
                "PostgreSQL refused the user name or password (give the password in the file \
                 PGPASSFILE or ~/.pgpass names, or the URL's passfile option)",
            )
        }
        Some("3D000") => refuse("that database does not exist (create it first)"),
        _ => error(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_file_is_read_as_libpq_reads_it() {
        assert_eq!(
            pgpass::fields(r"db.lab:5432:keys:svc:pa\:ss\\word"),
            ["db.lab", "5432", "keys", "svc", r"pa:ss\word"]
        );
        let dir = std::env::temp_dir().join(format!("lk-pgpass-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("pgpass");
        std::fs::write(
            &file,
            "# comment\nother:5432:keys:svc:wrong\n*:5432:keys:svc:right\n*:*:*:*:fallback\n",
        )
        .unwrap();
        let url = format!(
            "postgres://svc@db.lab:5432/keys?passfile={}",
            file.display()
        );
        let t = Target::parse(&url).unwrap();
        assert_eq!(t.config.get_password(), Some(&b"right"[..]));
        // Never shown: not the password, not the file option.
        assert_eq!(t.shown, "postgres://svc@db.lab:5432/keys");
        let t = Target::parse("postgres://svc:inline@db.lab/keys").unwrap();
        assert!(!t.shown.contains("inline"), "{}", t.shown);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn urls_that_name_no_database_are_refused_by_field() {
        for bad in ["postgres://", "postgres://svc@host"] {
            let e = Target::parse(bad).err().unwrap();
            assert_eq!(e.field(), Some("db"), "{bad}: {e}");
        }
    }

    #[test]
    fn the_shared_sql_is_translated_outside_quotes_only() {
        assert_eq!(
            translate("SELECT group_concat(a, ' ') FROM t WHERE x = ?1 AND y = '?2' AND z = ?12"),
            "SELECT string_agg(a, ' ') FROM t WHERE x = $1 AND y = '?2' AND z = $12"
        );
    }
}
