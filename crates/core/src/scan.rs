//! Finding leaked keys: strings in the Latchkey key format whose checksum is valid, in
//! files, folders (recursively, without `.git` and binary files) and streams; and what a
//! store says of each one found.
//!
//! A finding carries where it is, its kind and its hint (`lk_live_…a1B2`), never the key:
//! the key's text lives only in the read buffer (wiped when the scanner is dropped) and, as
//! a SHA-256 digest, in the finding, which is what a store is asked about.
//!
//! Fast by construction: files are read in 4 MiB buffers, and only the places where
//! `lk_` occurs (found with a vectorised substring search) are looked at further; lines
//! are counted only up to a finding, or when a buffer is refilled.

use crate::keyformat::{self, KeyKind};
use crate::keys::digest;
use crate::store;
use crate::{Error, Latchkey, Result};
use memchr::memmem;
use serde::Serialize;
use std::fs;
use std::io::{self, Read};
use std::path::Path;
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

/// How much of a file is read at once.
const BUFFER: usize = 4 << 20;
/// A file with a NUL byte in its first 8 KiB is binary, and skipped.
const BINARY_PROBE: usize = 8192;
/// The longest key text (`lk_live_` + 36); a shorter tail of a buffer is carried over.
const LONGEST: usize = keyformat::KEY_LEN;

/// A key found by a scan.
#[derive(Clone, Serialize)]
pub struct Finding {
    /// The file, as named on the command line or found below a folder named there (`-`
    /// for standard input).
    pub path: String,
    /// 1 for the first line.
    pub line: u64,
    pub kind: KeyKind,
    /// The prefix and the last four characters, as key lists show them.
    pub hint: String,
    #[serde(skip)]
    digest: [u8; 32],
}

impl std::fmt::Debug for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Finding({}:{}: {})", self.path, self.line, self.hint)
    }
}

/// What a store says of a key a scan found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LeakStatus {
    /// It works (or, for a key whose account is disabled, works again once the account is
    /// enabled; for an invitation code, it can still be redeemed): revoke it.
    Live,
    /// Revoked (or, for an invitation code, used, withdrawn or replaced).
    Revoked,
    Expired,
    /// This store has no such key.
    Unknown,
}

impl LeakStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LeakStatus::Live => "live",
            LeakStatus::Revoked => "revoked",
            LeakStatus::Expired => "expired",
            LeakStatus::Unknown => "unknown",
        }
    }
}

/// What a scan found and read.
#[derive(Debug, Default)]
pub struct Scan {
    pub findings: Vec<Finding>,
    /// Files (and streams) read through.
    pub files: u64,
    pub bytes: u64,
    /// Files skipped as binary.
    pub binary: u64,
    /// Paths that could not be read, each with why (not found, or a file error naming it).
    pub errors: Vec<Error>,
}

/// Reads files, folders and streams for keys; one buffer, reused.
pub struct Scanner {
    buf: Vec<u8>,
    finder: memmem::Finder<'static>,
}

impl Default for Scanner {
    fn default() -> Self {
        Scanner::new()
    }
}

impl Drop for Scanner {
    fn drop(&mut self) {
        // Keys found were in it.
        self.buf.zeroize();
    }
}

impl Scanner {
    pub fn new() -> Scanner {
        Scanner {
            buf: vec![0; BUFFER],
            finder: memmem::Finder::new(b"lk_"),
        }
    }

    /// Scans a file, or a folder and everything below it except `.git` folders, symbolic
    /// links (a link named here is followed) and binary files.
    pub fn scan_path(&mut self, path: &Path, out: &mut Scan) {
        let shown = path.display().to_string();
        match fs::metadata(path) {
            Ok(m) if m.is_dir() => self.scan_dir(path, &shown, out),
            Ok(_) => self.scan_file(path, &shown, out),
            Err(e) => out.errors.push(file_error(&shown, e)),
        }
    }

    /// Scans a stream, named `name` in the findings.
    pub fn scan_reader(&mut self, r: &mut dyn Read, name: &str, out: &mut Scan) -> Result<()> {
        self.scan_stream(r, name, out)
            .map_err(|e| Error::Io(format!("{name}: {e}")))
    }

    fn scan_file(&mut self, path: &Path, shown: &str, out: &mut Scan) {
        let result = fs::File::open(path).and_then(|mut f| self.scan_stream(&mut f, shown, out));
        if let Err(e) = result {
            out.errors.push(file_error(shown, e));
        }
    }

    fn scan_dir(&mut self, dir: &Path, shown: &str, out: &mut Scan) {
        let entries = match fs::read_dir(dir) {
            Ok(it) => it.collect::<io::Result<Vec<_>>>(),
            Err(e) => Err(e),
        };
        let mut entries = match entries {
            Ok(v) => v,
            Err(e) => return out.errors.push(file_error(shown, e)),
        };
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let name = e.file_name();
            if name == ".git" {
                continue;
            }
            let child = e.path();
            let child_shown = if shown.ends_with('/') {
                format!("{shown}{}", name.to_string_lossy())
            } else {
                format!("{shown}/{}", name.to_string_lossy())
            };
            match e.file_type() {
                // Not followed: a link may point outside, or back up into a loop.
                Ok(t) if t.is_symlink() => {}
                Ok(t) if t.is_dir() => self.scan_dir(&child, &child_shown, out),
                Ok(t) if t.is_file() => self.scan_file(&child, &child_shown, out),
                // Sockets, pipes and devices below a folder are not files to scan.
                Ok(_) => {}
                Err(err) => out.errors.push(file_error(&child_shown, err)),
            }
        }
    }

    /// The one loop: fill the buffer, look at each `lk_` that has room for a whole key
    /// behind it, carry the rest over.
    fn scan_stream(&mut self, r: &mut dyn Read, name: &str, out: &mut Scan) -> io::Result<()> {
        let mut carry = 0;
        let mut line = 1u64;
        let mut first = true;
        let mut read = 0u64;
        loop {
            let n = fill(r, &mut self.buf[carry..])?;
            read += n as u64;
            let end = carry + n;
            let at_end = end < self.buf.len();
            let hay = &self.buf[..end];
            if first {
                first = false;
                if memchr::memchr(0, &hay[..end.min(BINARY_PROBE)]).is_some() {
                    out.binary += 1;
                    return Ok(());
                }
            }
            // Where a key could start and still be wholly in this buffer.
            let limit = if at_end { end } else { end + 1 - LONGEST };
            let mut counted = 0;
            for p in self.finder.find_iter(hay) {
                if p >= limit {
                    break;
                }
                if let Some((kind, len)) = key_at(&hay[p..]) {
                    line += newlines(&hay[counted..p]);
                    counted = p;
                    // ASCII, checked by `key_at`.
                    let text = std::str::from_utf8(&hay[p..p + len]).unwrap_or_default();
                    out.findings.push(Finding {
                        path: name.to_owned(),
                        line,
                        kind,
                        hint: keyformat::hint(text),
                        digest: digest(text),
                    });
                }
            }
            if at_end {
                out.files += 1;
                out.bytes += read;
                return Ok(());
            }
            line += newlines(&hay[counted..limit]);
            self.buf.copy_within(limit..end, 0);
            carry = end - limit;
        }
    }
}

/// Reads until `buf` is full or the stream ends; the count read.
fn fill(r: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

fn newlines(bytes: &[u8]) -> u64 {
    // A plain count: the compiler turns it into wide compares and adds.
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

/// The key starting at `bytes` (which begins with `lk_`), if one does: its kind and length.
fn key_at(bytes: &[u8]) -> Option<(KeyKind, usize)> {
    let rest = &bytes[3..];
    let (kind, tag) = [
        (KeyKind::Live, &b"live_"[..]),
        (KeyKind::Test, b"test_"),
        (KeyKind::Acct, b"acct_"),
        (KeyKind::Inv, b"inv_"),
    ]
    .into_iter()
    .find(|(_, tag)| rest.starts_with(tag))?;
    let len = 3 + tag.len() + keyformat::RANDOM_LEN + keyformat::CHECKSUM_LEN;
    let body = bytes.get(3 + tag.len()..len)?;
    if !body.iter().all(u8::is_ascii_alphanumeric) {
        return None;
    }
    let text = std::str::from_utf8(&bytes[..len]).ok()?;
    keyformat::parse(text).ok()?;
    Some((kind, len))
}

fn file_error(shown: &str, e: io::Error) -> Error {
    if e.kind() == io::ErrorKind::NotFound {
        Error::NotFound(shown.to_owned())
    } else {
        Error::Io(format!("{shown}: {e}"))
    }
}

impl Latchkey {
    /// What this store says of a key a scan found: live, revoked, expired or unknown.
    /// Needs no sign-in, like `verify`: it answers only for a key whose whole text the
    /// caller already holds, and says less than a verification does (no account, no
    /// permissions). Nothing is recorded: not a last use, not an audit entry.
    pub fn leak_status(&self, found: &Finding) -> Result<LeakStatus> {
        let now = self.now_unix();
        if found.kind == KeyKind::Inv {
            let inv = self
                .store
                .read(|tx| store::invitations::by_digest(tx, &found.digest))?;
            return Ok(match inv {
                None => LeakStatus::Unknown,
                Some(i) if i.accepted_at.is_some() || i.revoked_at.is_some() || i.replaced => {
                    LeakStatus::Revoked
                }
                Some(i) if i.expires_at <= now => LeakStatus::Expired,
                Some(_) => LeakStatus::Live,
            });
        }
        self.store.lookup_key(&found.digest, true, |row| {
            Ok(match row {
                None => LeakStatus::Unknown,
                Some(r) if !bool::from(r.digest.ct_eq(found.digest.as_slice())) => {
                    LeakStatus::Unknown
                }
                Some(r) if r.revoked_at.is_some_and(|t| t <= now) => LeakStatus::Revoked,
                Some(r) if r.expires_at.is_some_and(|t| t <= now) => LeakStatus::Expired,
                Some(_) => LeakStatus::Live,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan_bytes(bytes: &[u8]) -> Scan {
        let mut out = Scan::default();
        Scanner::new()
            .scan_reader(&mut &bytes[..], "-", &mut out)
            .unwrap();
        out
    }

    /// A key of `kind` (generated, so its checksum is right).
    fn key(kind: KeyKind) -> String {
        keyformat::generate(kind).unwrap()
    }

    fn invitation() -> String {
        let random = keyformat::random_base62(keyformat::RANDOM_LEN).unwrap();
        format!("lk_inv_{}{}", random.as_str(), keyformat::checksum(&random))
    }

    #[test]
    fn finds_every_kind_with_its_line_and_hint() {
        let (live, test, acct, inv) = (
            key(KeyKind::Live),
            key(KeyKind::Test),
            key(KeyKind::Acct),
            invitation(),
        );
        let text = format!("a\nKEY={live}\n\n  \"{test}\",{acct}\nx lk_ y\n{inv}");
        let out = scan_bytes(text.as_bytes());
        let got: Vec<(u64, KeyKind, String)> = out
            .findings
            .iter()
            .map(|f| (f.line, f.kind, f.hint.clone()))
            .collect();
        assert_eq!(
            got,
            vec![
                (2, KeyKind::Live, keyformat::hint(&live)),
                (4, KeyKind::Test, keyformat::hint(&test)),
                (4, KeyKind::Acct, keyformat::hint(&acct)),
                (6, KeyKind::Inv, keyformat::hint(&inv)),
            ]
        );
        assert_eq!((out.files, out.bytes), (1, text.len() as u64));
        let shown = format!("{:?}", out.findings);
        assert!(!shown.contains(&live[8..40]), "{shown}");
    }

    #[test]
    fn a_wrong_checksum_a_short_key_and_a_foreign_prefix_are_not_keys() {
        let good = key(KeyKind::Live);
        let mut bad = good.clone().into_bytes();
        bad[20] = if bad[20] == b'a' { b'b' } else { b'a' };
        let bad = String::from_utf8(bad).unwrap();
        let text = format!(
            "{bad}\n{}\nsk_live_{}\nlk_prod_{}",
            &good[..good.len() - 1],
            &good[8..],
            &good[8..]
        );
        assert!(scan_bytes(text.as_bytes()).findings.is_empty());
    }

    #[test]
    fn a_key_across_a_buffer_boundary_is_found_with_its_line() {
        let live = key(KeyKind::Live);
        // The key ends before, at, and after the carried-over tail, and straddles it.
        for shift in [
            0,
            1,
            LONGEST / 2 - 1,
            LONGEST / 2,
            LONGEST - 1,
            LONGEST,
            LONGEST + 1,
        ] {
            let mut text = vec![b'x'; BUFFER - LONGEST / 2 - shift];
            text[100] = b'\n';
            text.extend_from_slice(b"\n");
            text.extend_from_slice(live.as_bytes());
            text.extend_from_slice(b"\n");
            text.extend(std::iter::repeat_n(b'y', BUFFER + 7));
            text.extend_from_slice(b"\n");
            text.extend_from_slice(live.as_bytes());
            let out = scan_bytes(&text);
            let lines: Vec<u64> = out.findings.iter().map(|f| f.line).collect();
            assert_eq!(lines, vec![3, 5], "shift {shift}");
        }
    }

    #[test]
    fn binary_files_are_skipped() {
        let mut text = b"\x89PNG\0\0".to_vec();
        text.extend_from_slice(key(KeyKind::Live).as_bytes());
        let out = scan_bytes(&text);
        assert!(out.findings.is_empty());
        assert_eq!((out.files, out.binary), (0, 1));
    }
}
