//! The statement layer the repositories are written against: one SQL text per statement,
//! in the subset SQLite and PostgreSQL share (`?N` placeholders, `RETURNING`,
//! `ON CONFLICT`, `TRUE`/`FALSE`, `CAST(… AS BIGINT)`), run by whichever store is open.
//! Arguments and results pass as the few value kinds the schema uses.

use crate::{Error, Result};

/// An argument of a statement, borrowed from the caller.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Arg<'a> {
    Null,
    Int(i64),
    Bool(bool),
    Text(&'a str),
    Blob(&'a [u8]),
}

impl From<i64> for Arg<'_> {
    fn from(v: i64) -> Self {
        Arg::Int(v)
    }
}
impl From<u32> for Arg<'_> {
    fn from(v: u32) -> Self {
        Arg::Int(v.into())
    }
}
impl From<bool> for Arg<'_> {
    fn from(v: bool) -> Self {
        Arg::Bool(v)
    }
}
impl<'a> From<&'a str> for Arg<'a> {
    fn from(v: &'a str) -> Self {
        Arg::Text(v)
    }
}
impl<'a> From<&'a String> for Arg<'a> {
    fn from(v: &'a String) -> Self {
        Arg::Text(v)
    }
}
impl<'a> From<&'a [u8]> for Arg<'a> {
    fn from(v: &'a [u8]) -> Self {
        Arg::Blob(v)
    }
}
impl<'a> From<&'a Vec<u8>> for Arg<'a> {
    fn from(v: &'a Vec<u8>) -> Self {
        Arg::Blob(v)
    }
}
impl<'a, const N: usize> From<&'a [u8; N]> for Arg<'a> {
    fn from(v: &'a [u8; N]) -> Self {
        Arg::Blob(v)
    }
}
impl<'a, T: Into<Arg<'a>>> From<Option<T>> for Arg<'a> {
    fn from(v: Option<T>) -> Self {
        v.map_or(Arg::Null, Into::into)
    }
}

/// `args![a, b, …]`: a statement's arguments, each converted with `Arg::from`.
macro_rules! args {
    () => { &[] as &[$crate::store::sql::Arg<'_>] };
    ($($a:expr),+ $(,)?) => { &[$($crate::store::sql::Arg::from($a)),+] as &[$crate::store::sql::Arg<'_>] };
}
pub(crate) use args;

/// One value of a result row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
    Null,
    Int(i64),
    /// PostgreSQL's booleans (SQLite has none).
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    Bool(bool),
    Text(String),
    Blob(Vec<u8>),
}

/// One result row, its values in the order of the statement's columns.
#[derive(Debug)]
pub(crate) struct Row(pub(crate) Vec<Val>);

impl Row {
    /// Takes column `i` out of the row as a `T` (each column is read once).
    pub(crate) fn take<T: FromVal>(&mut self, i: usize) -> Result<T> {
        let v = self
            .0
            .get_mut(i)
            .map(|v| std::mem::replace(v, Val::Null))
            .ok_or_else(|| Error::storage(format!("result has no column {i}")))?;
        T::from_val(v).map_err(|kind| Error::storage(format!("column {i}: {kind}")))
    }
}

/// A Rust type a result value converts into.
pub(crate) trait FromVal: Sized {
    fn from_val(v: Val) -> std::result::Result<Self, &'static str>;
}

impl FromVal for i64 {
    fn from_val(v: Val) -> std::result::Result<Self, &'static str> {
        match v {
            Val::Int(i) => Ok(i),
            Val::Bool(b) => Ok(b.into()),
            _ => Err("expected an integer"),
        }
    }
}
impl FromVal for u32 {
    fn from_val(v: Val) -> std::result::Result<Self, &'static str> {
        u32::try_from(i64::from_val(v)?).map_err(|_| "integer out of range")
    }
}
impl FromVal for bool {
    fn from_val(v: Val) -> std::result::Result<Self, &'static str> {
        match v {
            Val::Bool(b) => Ok(b),
            Val::Int(i) => Ok(i != 0),
            _ => Err("expected a boolean"),
        }
    }
}
impl FromVal for String {
    fn from_val(v: Val) -> std::result::Result<Self, &'static str> {
        match v {
            Val::Text(s) => Ok(s),
            _ => Err("expected text"),
        }
    }
}
impl FromVal for Vec<u8> {
    fn from_val(v: Val) -> std::result::Result<Self, &'static str> {
        match v {
            Val::Blob(b) => Ok(b),
            _ => Err("expected bytes"),
        }
    }
}
impl<T: FromVal> FromVal for Option<T> {
    fn from_val(v: Val) -> std::result::Result<Self, &'static str> {
        match v {
            Val::Null => Ok(None),
            v => T::from_val(v).map(Some),
        }
    }
}

/// What a store runs statements on: a connection inside a transaction (or, for SQLite
/// reads, in autocommit).
pub(crate) trait Db {
    fn exec(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<u64>;
    fn query(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<Vec<Row>>;
    fn dialect(&self) -> Dialect;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Sqlite,
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    Postgres,
}
