//! Types that hold secrets: they redact `Debug`, refuse `Serialize`, and zeroize on drop.

use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use zeroize::Zeroizing;

/// A password as typed by a person.
pub struct Password(SecretString);

/// A string whose buffer is exactly its length. `SecretString` keeps a `Box<str>`, and
/// turning a roomier `String` into one reallocates, freeing the old buffer unwiped; here
/// the secret is copied into an exact buffer and the old one wiped instead.
fn exact(mut s: String) -> String {
    if s.capacity() == s.len() {
        return s;
    }
    let out = s.as_str().to_owned();
    zeroize::Zeroize::zeroize(&mut s);
    out
}

impl Password {
    pub fn new(s: impl Into<String>) -> Self {
        Password(SecretString::from(exact(s.into())))
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl From<String> for Password {
    fn from(s: String) -> Self {
        Password::new(s)
    }
}

impl From<&str> for Password {
    fn from(s: &str) -> Self {
        Password::new(s)
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// The plaintext of an API key. Exists only in the result of create/regenerate/reveal.
pub struct ApiKeySecret(SecretString);

impl ApiKeySecret {
    pub(crate) fn new(s: String) -> Self {
        ApiKeySecret(SecretString::from(exact(s)))
    }

    /// The key text. Call only at the point where it is handed to the person or program.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// A second owned copy (itself zeroized on drop), for holders that must keep one
    /// while handing another on, such as the desktop's "shown once" cache.
    pub fn duplicate(&self) -> Self {
        ApiKeySecret::new(self.expose().to_owned())
    }
}

impl fmt::Debug for ApiKeySecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKeySecret(<redacted>)")
    }
}

/// 32 bytes of key material (a data key or a key-encryption key), wiped on drop.
#[derive(Clone)]
pub(crate) struct KeyBytes(pub(crate) Zeroizing<[u8; 32]>);

impl fmt::Debug for KeyBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyBytes(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roomy_strings_are_copied_exactly_and_keep_their_text() {
        let mut s = String::with_capacity(64);
        s.push_str("hunter2-hunter2");
        let e = exact(s);
        assert_eq!((e.as_str(), e.capacity()), ("hunter2-hunter2", 15));
        assert_eq!(Password::new(e).expose(), "hunter2-hunter2");
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let p = Password::new("hunter2-hunter2");
        assert!(!format!("{p:?}").contains("hunter2"));
        let k = ApiKeySecret::new("lk_live_secretsecret".into());
        assert!(!format!("{k:?}").contains("secretsecret"));
    }
}
