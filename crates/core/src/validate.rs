//! Field rules shared by every entry point. Each error names the field and the rule.

use crate::{Error, Result};

fn has_control(s: &str) -> bool {
    s.chars().any(|c| c.is_control())
}

/// 1–64 characters: letters, digits, `.`, `_`, `-`; compared case-insensitively.
pub fn username(s: &str) -> Result<String> {
    let n = s.chars().count();
    if n == 0 || n > 64 {
        return Err(Error::invalid("username", "must be 1–64 characters"));
    }
    if !s
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(Error::invalid(
            "username",
            "may contain only letters, digits, '.', '_' and '-'",
        ));
    }
    Ok(s.to_owned())
}

/// The form usernames and emails are compared in: Unicode lower case.
pub fn fold(s: &str) -> String {
    s.trim().to_lowercase()
}

/// First or last name: up to 100 characters, no control characters; may be empty.
pub fn person_name(field: &'static str, s: &str) -> Result<String> {
    let s = s.trim();
    if s.chars().count() > 100 {
        return Err(Error::invalid(field, "must be at most 100 characters"));
    }
    if has_control(s) {
        return Err(Error::invalid(field, "must not contain control characters"));
    }
    Ok(s.to_owned())
}

/// A syntactically valid address (RFC 5322 addr-spec with a dotted domain), ≤ 254 chars.
pub fn email(s: &str) -> Result<String> {
    let s = s.trim();
    let rule = "must be a valid address like name@example.org";
    if s.is_empty() || s.len() > 254 || has_control(s) {
        return Err(Error::invalid("email", rule));
    }
    let parsed: email_address::EmailAddress =
        s.parse().map_err(|_| Error::invalid("email", rule))?;
    let domain = parsed.domain();
    if !domain.contains('.') || domain.starts_with('[') {
        return Err(Error::invalid("email", rule));
    }
    Ok(s.to_owned())
}

/// Key names: 1–100 characters after trimming, no control characters.
pub fn key_name(s: &str) -> Result<String> {
    let s = s.trim();
    let n = s.chars().count();
    if n == 0 || n > 100 {
        return Err(Error::invalid("name", "must be 1–100 characters"));
    }
    if has_control(s) {
        return Err(Error::invalid(
            "name",
            "must not contain control characters",
        ));
    }
    Ok(s.to_owned())
}

/// An organisation's name: 1–100 characters after trimming, no control characters.
pub fn org_name(s: &str) -> Result<String> {
    let s = s.trim();
    let n = s.chars().count();
    if n == 0 || n > 100 {
        return Err(Error::invalid("name", "must be 1–100 characters"));
    }
    if has_control(s) {
        return Err(Error::invalid(
            "name",
            "must not contain control characters",
        ));
    }
    Ok(s.to_owned())
}

/// Group names follow the username rule.
pub fn group_name(s: &str) -> Result<String> {
    let n = s.chars().count();
    if n == 0
        || n > 64
        || !s
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(Error::invalid(
            "group",
            "must be 1–64 letters, digits, '.', '_' or '-'",
        ));
    }
    Ok(s.to_owned())
}

/// Resource names in permissions: lower-case ASCII, start with a letter, ≤ 32 chars.
pub fn resource_name(s: &str) -> Result<String> {
    let ok = !s.is_empty()
        && s.len() <= 32
        && s.as_bytes()[0].is_ascii_lowercase()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if !ok {
        return Err(Error::invalid(
            "resource",
            "must be 1–32 lower-case letters, digits, '_' or '-', starting with a letter",
        ));
    }
    Ok(s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("alice")]
    #[case("Bob.Smith-2")]
    #[case("josé")]
    #[case("用户")]
    fn usernames_accepted(#[case] s: &str) {
        username(s).unwrap();
    }

    #[rstest]
    #[case("", "1–64")]
    #[case(&"a".repeat(65), "1–64")]
    #[case("al ice", "only letters")]
    #[case("' OR 1=1 --", "only letters")]
    #[case("bob\u{0}", "only letters")]
    fn usernames_refused(#[case] s: &str, #[case] rule: &str) {
        let e = username(s).unwrap_err().to_string();
        assert!(e.starts_with("username: ") && e.contains(rule), "{e}");
    }

    #[rstest]
    #[case("a@example.org")]
    #[case("first.last+tag@sub.example.co.uk")]
    fn emails_accepted(#[case] s: &str) {
        email(s).unwrap();
    }

    #[rstest]
    #[case("")]
    #[case("plain")]
    #[case("a@b")]
    #[case("@example.org")]
    #[case("a@@example.org")]
    #[case("a b@example.org")]
    #[case("a@example.org\n")]
    fn emails_refused(#[case] s: &str) {
        let e = email(s);
        // A trailing newline is trimmed, which makes that case valid; all others must fail.
        if s == "a@example.org\n" {
            assert!(e.is_ok());
        } else {
            assert!(e.unwrap_err().to_string().starts_with("email: "));
        }
    }

    #[test]
    fn key_names() {
        assert_eq!(key_name("  ci deploy ").unwrap(), "ci deploy");
        assert_eq!(
            key_name("Robert'); DROP TABLE api_keys;--").unwrap(),
            "Robert'); DROP TABLE api_keys;--"
        );
        assert!(key_name("").is_err());
        assert!(key_name("   ").is_err());
        assert!(key_name(&"k".repeat(101)).is_err());
        key_name(&"ключ".repeat(25)).unwrap();
        assert!(key_name("tab\there").is_err());
    }

    #[test]
    fn resources() {
        resource_name("samples").unwrap();
        resource_name("data-2").unwrap();
        assert!(resource_name("Samples").is_err());
        assert!(resource_name("2data").is_err());
        assert!(resource_name("a:b").is_err());
    }
}
