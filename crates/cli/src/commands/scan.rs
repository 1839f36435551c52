//! `latchkey scan [PATH…]`: keys in files, folders or standard input, and whether each is
//! live in the store. Exit 1 when one is (or, without a store to ask, when any is found).

use crate::args::ScanArgs;
use latchkey_core::store::{self, Location, Missing};
use latchkey_core::{Error, Finding, Latchkey, LeakStatus, Scan, Scanner, SystemClock};
use std::sync::Arc;

pub fn run(db: Option<&str>, a: &ScanArgs, json: bool) -> Result<u8, Error> {
    let lk = open_store(db)?;
    let mut found = Scan::default();
    {
        let mut scanner = Scanner::new();
        if a.paths.is_empty() {
            scan_stdin(&mut scanner, &mut found)?;
        }
        for p in &a.paths {
            if p.as_os_str() == "-" {
                scan_stdin(&mut scanner, &mut found)?;
            } else {
                scanner.scan_path(p, &mut found);
            }
        }
    }
    let statuses = found
        .findings
        .iter()
        .map(|f| lk.as_ref().map(|lk| lk.leak_status(f)).transpose())
        .collect::<Result<Vec<Option<LeakStatus>>, Error>>()?;

    if json {
        let rows: Vec<serde_json::Value> = found
            .findings
            .iter()
            .zip(&statuses)
            .map(|(f, s)| {
                serde_json::json!({
                    "path": f.path, "line": f.line, "kind": f.kind, "hint": f.hint, "status": s,
                })
            })
            .collect();
        println!("{}", serde_json::Value::Array(rows));
    } else {
        for (f, s) in found.findings.iter().zip(&statuses) {
            println!("{}", line(f, *s));
        }
    }
    for e in &found.errors {
        eprintln!("latchkey: scan: {}", printable(&e.to_string()));
    }
    let live = statuses
        .iter()
        .filter(|s| **s == Some(LeakStatus::Live))
        .count();
    if !json {
        eprintln!("{}", summary(&found, live, lk.is_some()));
    }
    Ok(
        if live > 0 || (lk.is_none() && !found.findings.is_empty()) {
            1
        } else if let Some(e) = found.errors.first() {
            e.category().exit_code()
        } else {
            0
        },
    )
}

/// The store named by `--db` or `LATCHKEY_DB` (which must exist), else the default store
/// if there is one. A scan never creates a store.
fn open_store(db: Option<&str>) -> Result<Option<Latchkey>, Error> {
    let location = match db {
        Some(d) => Location::parse(d),
        None => match store::default_path() {
            Ok(p) if p.exists() => Location::File(p),
            _ => return Ok(None),
        },
    };
    Latchkey::open_at(&location, Arc::new(SystemClock), Missing::Refuse).map(Some)
}

fn scan_stdin(scanner: &mut Scanner, out: &mut Scan) -> Result<(), Error> {
    scanner.scan_reader(&mut std::io::stdin().lock(), "-", out)
}

fn line(f: &Finding, status: Option<LeakStatus>) -> String {
    let place = format!("{}:{}: {}", printable(&f.path), f.line, f.hint);
    match status {
        None => place,
        Some(LeakStatus::Live) => format!("{place} is live in the store: revoke it"),
        Some(LeakStatus::Revoked) => format!("{place} is revoked"),
        Some(LeakStatus::Expired) => format!("{place} has expired"),
        Some(LeakStatus::Unknown) => format!("{place} is not in this store"),
    }
}

fn summary(s: &Scan, live: usize, with_store: bool) -> String {
    let mut out = format!(
        "Scanned {} file(s), {} bytes: {} key(s) found",
        s.files,
        s.bytes,
        s.findings.len()
    );
    if with_store {
        out.push_str(&format!(", {live} live."));
    } else {
        out.push('.');
        if !s.findings.is_empty() {
            out.push_str(
                " There is no store to check them against (the default store does not exist; \
                 --db or LATCHKEY_DB names one), so each counts as live.",
            );
        }
    }
    if s.binary > 0 {
        out.push_str(&format!(" {} binary file(s) skipped.", s.binary));
    }
    out
}

/// A file name as the terminal may show it: control characters escaped.
fn printable(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}
