//! Secret text on its way to the window: a key shown once, a revealed key, the TOTP
//! secret and URI, recovery codes. It serializes as a plain string (the window must
//! show it), but our own copy is wiped when the command's answer is dropped, and
//! `Debug` never prints it.

use serde::{Serialize, Serializer};
use std::fmt;
use zeroize::Zeroizing;

#[derive(ts_rs::TS)]
#[ts(type = "string")]
pub struct SecretText(#[ts(skip)] Zeroizing<String>);

impl SecretText {
    pub fn new(s: impl Into<String>) -> Self {
        SecretText(Zeroizing::new(s.into()))
    }
}

impl From<&latchkey_core::ApiKeySecret> for SecretText {
    fn from(s: &latchkey_core::ApiKeySecret) -> Self {
        SecretText::new(s.expose())
    }
}

impl fmt::Debug for SecretText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretText(<redacted>)")
    }
}

impl Serialize for SecretText {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_as_the_text_and_never_debugs_it() {
        let s = SecretText::new("lk_live_s3cr3ts3cr3t");
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            "\"lk_live_s3cr3ts3cr3t\""
        );
        assert!(!format!("{s:?}").contains("s3cr3t"));
        let list = vec![SecretText::new("abcd-efgh"), SecretText::new("ijkl-mnop")];
        assert_eq!(
            serde_json::to_string(&list).unwrap(),
            r#"["abcd-efgh","ijkl-mnop"]"#
        );
        assert!(!format!("{list:?}").contains("abcd"));
    }
}
