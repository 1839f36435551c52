//! Field rules shared by every entry point. Each error names the field and the rule.

use crate::{Error, Result};

/// Characters that do not show as themselves: control and format characters (bidi
/// overrides, zero-width joiners and spaces), line and paragraph separators, private-use,
/// surrogate and unassigned code points. In a name they can make two names look alike or
/// a line of output look like something it is not.
pub fn is_hidden(c: char) -> bool {
    use unicode_properties::{GeneralCategory as G, UnicodeGeneralCategory};
    matches!(
        c.general_category(),
        G::Control
            | G::Format
            | G::LineSeparator
            | G::ParagraphSeparator
            | G::PrivateUse
            | G::Surrogate
            | G::Unassigned
    )
}

fn has_hidden(s: &str) -> bool {
    s.chars().any(is_hidden)
}

const NO_HIDDEN: &str = "must not contain control or invisible formatting characters";

/// `s` in Unicode's composed form (NFC): one way to write each name.
fn composed(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.nfc().collect()
}

/// `s` with every hidden character written as `\u{…}`, so that text from someone else
/// (an audit target, a name) prints as what it is.
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    if !has_hidden(s) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_hidden(c) {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Someone's input as an error message may repeat it: printable, and at most 40
/// characters.
pub fn shown(s: &str) -> String {
    const MAX: usize = 40;
    let p = printable(s);
    let mut out: String = p.chars().take(MAX).collect();
    if p.chars().nth(MAX).is_some() {
        out.push('…');
    }
    out
}

/// 1–64 characters: letters, digits, `.`, `_`, `-`, the letters from one script (no
/// Latin `a` beside a Cyrillic `а`); compared after NFKC normalisation and case folding.
pub fn username(s: &str) -> Result<String> {
    identifier("username", s, "must be 1–64 characters")
}

/// The username rule, for `field`.
fn identifier(field: &'static str, s: &str, length_rule: &'static str) -> Result<String> {
    use unicode_normalization::UnicodeNormalization;
    use unicode_security::MixedScript;
    if has_hidden(s) {
        return Err(Error::invalid(field, NO_HIDDEN));
    }
    // Compatibility forms (fullwidth letters, ligatures) become their plain letters.
    let s: String = s.nfkc().collect();
    let n = s.chars().count();
    if n == 0 || n > 64 {
        return Err(Error::invalid(field, length_rule));
    }
    if !s
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(Error::invalid(
            field,
            "may contain only letters, digits, '.', '_' and '-'",
        ));
    }
    if !s.as_str().is_single_script() {
        return Err(Error::invalid(
            field,
            "must use the letters of one script (not, for example, Latin mixed with Cyrillic)",
        ));
    }
    Ok(s)
}

/// The form usernames and emails are compared in: NFKC, then Unicode lower case.
pub fn fold(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.trim().nfkc().collect::<String>().to_lowercase()
}

/// First or last name: up to 100 characters, nothing hidden; may be empty.
pub fn person_name(field: &'static str, s: &str) -> Result<String> {
    if has_hidden(s.trim()) {
        return Err(Error::invalid(field, NO_HIDDEN));
    }
    let s = composed(s.trim());
    if s.chars().count() > 100 {
        return Err(Error::invalid(field, "must be at most 100 characters"));
    }
    Ok(s)
}

/// A syntactically valid address (RFC 5322 addr-spec with a dotted domain), ≤ 254 chars.
pub fn email(s: &str) -> Result<String> {
    let s = s.trim();
    let rule = "must be a valid address like name@example.org";
    if s.is_empty() || s.len() > 254 || has_hidden(s) {
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

/// 1–100 characters after trimming, nothing hidden, in NFC (so that two spellings of
/// one name are one name).
fn display_name(field: &'static str, s: &str) -> Result<String> {
    let s = s.trim();
    if has_hidden(s) {
        return Err(Error::invalid(field, NO_HIDDEN));
    }
    let s = composed(s);
    let n = s.chars().count();
    if n == 0 || n > 100 {
        return Err(Error::invalid(field, "must be 1–100 characters"));
    }
    Ok(s)
}

/// Key names: 1–100 characters after trimming, nothing hidden.
pub fn key_name(s: &str) -> Result<String> {
    display_name("name", s)
}

/// An organisation's name: 1–100 characters after trimming, nothing hidden.
pub fn org_name(s: &str) -> Result<String> {
    display_name("name", s)
}

/// A resource's description: up to 200 characters, nothing hidden; may be empty.
pub fn description(s: &str) -> Result<String> {
    if has_hidden(s.trim()) {
        return Err(Error::invalid("description", NO_HIDDEN));
    }
    let s = composed(s.trim());
    if s.chars().count() > 200 {
        return Err(Error::invalid(
            "description",
            "must be at most 200 characters",
        ));
    }
    Ok(s)
}

/// Group names follow the username rule.
pub fn group_name(s: &str) -> Result<String> {
    identifier("group", s, "must be 1–64 letters, digits, '.', '_' or '-'")
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
    #[case("bob\u{0}", "invisible")]
    fn usernames_refused(#[case] s: &str, #[case] rule: &str) {
        let e = username(s).unwrap_err().to_string();
        assert!(e.starts_with("username: ") && e.contains(rule), "{e}");
    }

    #[rstest]
    #[case::cyrillic_a_in_latin("p\u{430}ypal", "one script")]
    #[case::greek_o_in_latin("r\u{3bf}ot", "one script")]
    #[case::bidi_override("admin\u{202e}nimda", "invisible")]
    #[case::zero_width_space("ad\u{200b}min", "invisible")]
    #[case::zero_width_joiner("ad\u{200d}min", "invisible")]
    #[case::byte_order_mark("\u{feff}admin", "invisible")]
    #[case::escape("ad\u{1b}[31mmin", "invisible")]
    #[case::newline("ada\nroot", "invisible")]
    fn look_alike_usernames_refused(#[case] s: &str, #[case] rule: &str) {
        let e = username(s).unwrap_err().to_string();
        assert!(e.starts_with("username: ") && e.contains(rule), "{e}");
    }

    #[test]
    fn one_spelling_per_name() {
        // Fullwidth letters and a decomposed é become the plain, composed forms.
        assert_eq!(username("\u{ff41}\u{ff44}\u{ff41}").unwrap(), "ada");
        assert_eq!(username("jose\u{301}").unwrap(), "jos\u{e9}");
        assert_eq!(fold("ＡＤＡ"), "ada");
        assert_eq!(key_name("cafe\u{301}").unwrap(), "caf\u{e9}");
        // Scripts on their own, and with digits and punctuation, are fine.
        username("пётр_2").unwrap();
        username("用户-1").unwrap();
    }

    #[rstest]
    #[case("ci\u{202e}yolped")]
    #[case("ci\u{200b}")]
    #[case("line\u{2028}break")]
    #[case("private\u{e000}")]
    fn hidden_characters_in_names_refused(#[case] s: &str) {
        assert!(key_name(s).unwrap_err().to_string().contains("invisible"));
        assert!(org_name(s).unwrap_err().to_string().contains("invisible"));
        assert!(person_name("first name", s).is_err());
        assert!(description(s).is_err());
    }

    #[test]
    fn echoed_input_is_short_and_printable() {
        assert_eq!(
            shown("a\u{1b}]52;c;ZXZpbA==\u{7}"),
            "a\\u{1b}]52;c;ZXZpbA==\\u{7}"
        );
        let long = shown(&"x".repeat(500));
        assert_eq!(long.chars().count(), 41);
        assert!(long.ends_with('…'));
        assert_eq!(printable("plain text"), "plain text");
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
