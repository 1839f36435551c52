//! The API key format: `lk_<kind>_<30 random base62><6 base62 CRC32>`.
//!
//! The checksum lets a typo or a truncated paste be rejected before any database lookup,
//! and the `lk_` prefix lets secret scanners recognise a leaked key.

use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use zeroize::Zeroizing;

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
pub const RANDOM_LEN: usize = 30;
pub const CHECKSUM_LEN: usize = 6;
/// An API key's length: `lk_` + a four-letter kind + `_` + the random part + the checksum.
/// (An invitation code's kind, `inv`, has three letters.)
pub const KEY_LEN: usize = 3 + 4 + 1 + RANDOM_LEN + CHECKSUM_LEN;

/// What a key is for; the middle part of the key text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum KeyKind {
    Live,
    Test,
    /// An administrator's account key.
    Acct,
    /// An invitation to join the store (not an API key: it only redeems an invitation).
    Inv,
}

impl KeyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::Live => "live",
            KeyKind::Test => "test",
            KeyKind::Acct => "acct",
            KeyKind::Inv => "inv",
        }
    }
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for KeyKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "live" => Ok(KeyKind::Live),
            "test" => Ok(KeyKind::Test),
            "acct" => Ok(KeyKind::Acct),
            "inv" => Ok(KeyKind::Inv),
            _ => Err(Error::invalid("kind", "must be live, test, acct or inv")),
        }
    }
}

/// Why a string is not a well-formed key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatError {
    Prefix,
    Kind,
    Length,
    Alphabet,
    Checksum,
}

/// A string that has the key shape and a correct checksum.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ParsedKey<'a> {
    pub kind: KeyKind,
    pub random: &'a str,
}

impl fmt::Debug for ParsedKey<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ParsedKey({}, <redacted>)", self.kind)
    }
}

/// `n` characters from the OS CSPRNG, uniform over base62 by rejection sampling. Wiped
/// when dropped, as is the buffer the random bytes passed through.
pub fn random_base62(n: usize) -> Result<Zeroizing<String>> {
    // Sized up front: a String that grows leaves its old buffers behind, unwiped.
    let mut out = Zeroizing::new(String::with_capacity(n));
    let mut buf = Zeroizing::new([0u8; 64]);
    while out.len() < n {
        getrandom::fill(buf.as_mut())
            .map_err(|e| Error::internal(format!("OS random source: {e}")))?;
        for &b in buf.iter() {
            // 248 = 4 × 62: bytes at or above it would bias the low characters.
            if b < 248 && out.len() < n {
                out.push(ALPHABET[(b % 62) as usize] as char);
            }
        }
    }
    Ok(out)
}

/// CRC32 (IEEE) of the random part, base62 big-endian, left-padded with `0` to 6 chars.
pub fn checksum(random: &str) -> String {
    let mut n = crc32fast::hash(random.as_bytes()) as u64;
    let mut digits = [b'0'; CHECKSUM_LEN];
    for slot in digits.iter_mut().rev() {
        *slot = ALPHABET[(n % 62) as usize];
        n /= 62;
    }
    String::from_utf8_lossy(&digits).into_owned()
}

/// A new key of the given kind.
pub fn generate(kind: KeyKind) -> Result<String> {
    let random = random_base62(RANDOM_LEN)?;
    // Built in a buffer of the final size, so no partial copy is left behind by growth.
    let len = 3 + kind.as_str().len() + 1 + RANDOM_LEN + CHECKSUM_LEN;
    let mut key = String::with_capacity(len);
    key.push_str("lk_");
    key.push_str(kind.as_str());
    key.push('_');
    key.push_str(&random);
    key.push_str(&checksum(&random));
    debug_assert_eq!(key.len(), len);
    Ok(key)
}

/// Checks shape, alphabet and checksum; does no lookup.
pub fn parse(key: &str) -> std::result::Result<ParsedKey<'_>, FormatError> {
    let rest = key.strip_prefix("lk_").ok_or(FormatError::Prefix)?;
    let (kind, body) = rest.split_once('_').ok_or(FormatError::Kind)?;
    let kind = KeyKind::from_str(kind).map_err(|_| FormatError::Kind)?;
    if body.len() != RANDOM_LEN + CHECKSUM_LEN {
        return Err(FormatError::Length);
    }
    if !body.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(FormatError::Alphabet);
    }
    let (random, sum) = body.split_at(RANDOM_LEN);
    if checksum(random) != sum {
        return Err(FormatError::Checksum);
    }
    Ok(ParsedKey { kind, random })
}

/// What the list shows instead of the key: prefix and last four characters.
pub fn hint(key: &str) -> String {
    let prefix_end = key.rfind('_').map(|i| i + 1).unwrap_or(0);
    let tail: String = {
        let mut t: Vec<char> = key.chars().rev().take(4).collect();
        t.reverse();
        t.into_iter().collect()
    };
    format!("{}…{}", &key[..prefix_end], tail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn generated_keys_have_the_documented_shape() {
        for kind in [KeyKind::Live, KeyKind::Test, KeyKind::Acct] {
            let k = generate(kind).unwrap();
            assert_eq!(k.len(), 3 + 4 + 1 + 36);
            assert!(k.starts_with(&format!("lk_{kind}_")));
            assert_eq!(parse(&k).unwrap().kind, kind);
        }
    }

    /// Known answers, computed independently (Python: `zlib.crc32`, then base62 with
    /// `0-9A-Za-z`, most significant digit first, padded to six).
    #[test]
    fn checksum_known_answers() {
        assert_eq!(checksum(""), "000000");
        assert_eq!(crc32fast::hash(b"abc"), 0x3524_41C2);
        assert_eq!(checksum("abc"), "0yKviM");
        assert_eq!(checksum("123456789"), "3jZRME"); // the CRC-32 check value 0xCBF43926
        assert_eq!(checksum("000000000000000000000000000000"), "2C8GjS");
        assert_eq!(checksum("ABCDEFGHIJKLMNOPQRSTUVWXYZabcd"), "34KlM6");
    }

    #[test]
    fn known_keys_parse_and_a_wrong_checksum_is_named() {
        let p = parse("lk_live_ABCDEFGHIJKLMNOPQRSTUVWXYZabcd34KlM6").unwrap();
        assert_eq!(
            (p.kind, p.random),
            (KeyKind::Live, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcd")
        );
        let p = parse("lk_acct_0000000000000000000000000000002C8GjS").unwrap();
        assert_eq!(p.kind, KeyKind::Acct);
        assert_eq!(
            parse("lk_live_ABCDEFGHIJKLMNOPQRSTUVWXYZabcd34KlM7").unwrap_err(),
            FormatError::Checksum
        );
        // The old comment's value is not the checksum of "abc".
        assert_eq!(
            parse("lk_test_abcAAAAAAAAAAAAAAAAAAAAAAAAAAA0yIcZo").unwrap_err(),
            FormatError::Checksum
        );
    }

    /// Every position of a key, prefix and kind included, changed to every other
    /// character a paste could bring: all are refused.
    #[test]
    fn every_single_character_change_is_refused() {
        let key = "lk_live_ABCDEFGHIJKLMNOPQRSTUVWXYZabcd34KlM6";
        let mut chars: Vec<u8> = ALPHABET.to_vec();
        chars.extend_from_slice(b"_- .!");
        for pos in 0..key.len() {
            for &c in &chars {
                let mut b = key.as_bytes().to_vec();
                if b[pos] == c {
                    continue;
                }
                b[pos] = c;
                let changed = String::from_utf8(b).unwrap();
                assert!(parse(&changed).is_err(), "{changed} accepted");
            }
        }
    }

    #[test]
    fn bad_shapes_are_named() {
        let good = generate(KeyKind::Live).unwrap();
        assert_eq!(parse("").unwrap_err(), FormatError::Prefix);
        assert_eq!(parse("sk_live_x").unwrap_err(), FormatError::Prefix);
        assert_eq!(
            parse(&good.replace("_live_", "_prod_")).unwrap_err(),
            FormatError::Kind
        );
        assert_eq!(
            parse(&good[..good.len() - 1]).unwrap_err(),
            FormatError::Length
        );
        let mut bad = good.clone();
        bad.replace_range(10..11, "-");
        assert_eq!(parse(&bad).unwrap_err(), FormatError::Alphabet);
        assert_eq!(
            parse("lk_live_' OR 1=1 --").unwrap_err(),
            FormatError::Length
        );
    }

    #[test]
    fn hint_shows_prefix_and_last_four() {
        let k = generate(KeyKind::Test).unwrap();
        let h = hint(&k);
        assert!(h.starts_with("lk_test_…"));
        assert!(h.ends_with(&k[k.len() - 4..]));
        assert!(!h.contains(&k[8..30]));
    }

    #[test]
    fn random_part_uses_the_whole_alphabet() {
        let s = random_base62(20_000).unwrap();
        for c in ALPHABET.iter() {
            assert!(s.as_bytes().contains(c), "never produced {}", *c as char);
        }
    }

    proptest! {
        #[test]
        fn round_trip(kind in prop_oneof![Just(KeyKind::Live), Just(KeyKind::Test), Just(KeyKind::Acct)]) {
            let k = generate(kind).unwrap();
            let p = parse(&k).unwrap();
            prop_assert_eq!(p.kind, kind);
            prop_assert_eq!(checksum(p.random), &k[k.len() - 6..]);
        }

        #[test]
        fn any_single_character_change_is_caught(
            kind in prop_oneof![Just(KeyKind::Live), Just(KeyKind::Test), Just(KeyKind::Acct)],
            pos in 0usize..KEY_LEN,
            c in proptest::sample::select(
                ALPHABET.iter().copied().chain(*b"_- ").collect::<Vec<u8>>()
            ),
        ) {
            let k = generate(kind).unwrap();
            let mut bytes = k.clone().into_bytes();
            prop_assume!(bytes[pos] != c);
            bytes[pos] = c;
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert!(parse(&changed).is_err(), "{} accepted", changed);
        }

        #[test]
        fn arbitrary_strings_never_panic(s in ".{0,80}") {
            let _ = parse(&s);
            let _ = hint(&s);
        }
    }
}
