//! Encryption of revealable secrets.
//!
//! Each account has a random 256-bit data key. It encrypts the account's revealable key
//! secrets (XChaCha20-Poly1305) and is itself stored wrapped under a key derived from the
//! account's password with argon2id. Without the password the data key, and so every
//! revealable secret, is unrecoverable: an administrator's reset makes them so on purpose.

use crate::model::policy::Argon2Params;
use crate::secret::{KeyBytes, Password};
use crate::{Error, Result};
use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

const NONCE_LEN: usize = 24;
pub(crate) const SALT_LEN: usize = 16;

pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| Error::internal(format!("OS random source: {e}")))?;
    Ok(b)
}

pub(crate) fn new_data_key() -> Result<KeyBytes> {
    Ok(KeyBytes(Zeroizing::new(random_bytes::<32>()?)))
}

/// The key-encryption key for a password, salt and parameters.
pub(crate) fn derive_kek(password: &Password, salt: &[u8], p: Argon2Params) -> Result<KeyBytes> {
    let params = Params::new(p.m_kib, p.t, p.p, Some(32))
        .map_err(|e| Error::internal(format!("argon2 parameters: {e}")))?;
    let mut out = Zeroizing::new([0u8; 32]);
    count_run();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(password.expose().as_bytes(), salt, out.as_mut())
        .map_err(|e| Error::internal(format!("key derivation: {e}")))?;
    Ok(KeyBytes(out))
}

fn cipher(key: &KeyBytes) -> XChaCha20Poly1305 {
    XChaCha20Poly1305::new(&(*key.0).into())
}

/// `nonce || ciphertext` of `plaintext`, bound to `aad` (what the secret belongs to).
pub(crate) fn seal(key: &KeyBytes, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>> {
    let nonce_bytes = random_bytes::<NONCE_LEN>()?;
    let nonce = XNonce::from(nonce_bytes);
    let ct = cipher(key)
        .encrypt(
            &nonce,
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .map_err(|_| Error::internal("encryption failed"))?;
    let mut out = Vec::with_capacity(NONCE_LEN + ct.len());
    out.extend_from_slice(&nonce_bytes);
    out.extend_from_slice(&ct);
    Ok(out)
}

/// Decrypts what [`seal`] produced; fails on a wrong key, wrong `aad` or any tampering.
pub(crate) fn open(key: &KeyBytes, sealed: &[u8], aad: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    if sealed.len() < NONCE_LEN {
        return Err(Error::internal("sealed secret is truncated"));
    }
    let (n, ct) = sealed.split_at(NONCE_LEN);
    let mut nonce_bytes = [0u8; NONCE_LEN];
    nonce_bytes.copy_from_slice(n);
    let nonce = XNonce::from(nonce_bytes);
    cipher(key)
        .decrypt(&nonce, Payload { msg: ct, aad })
        .map(Zeroizing::new)
        .map_err(|_| Error::internal("a stored secret could not be decrypted"))
}

pub(crate) fn wrap_data_key(kek: &KeyBytes, dek: &KeyBytes, aad: &[u8]) -> Result<Vec<u8>> {
    seal(kek, dek.0.as_ref(), aad)
}

pub(crate) fn unwrap_data_key(kek: &KeyBytes, wrapped: &[u8], aad: &[u8]) -> Result<KeyBytes> {
    let plain = open(kek, wrapped, aad)?;
    let bytes: [u8; 32] = plain
        .as_slice()
        .try_into()
        .map_err(|_| Error::internal("wrapped data key has the wrong length"))?;
    Ok(KeyBytes(Zeroizing::new(bytes)))
}

/// A freshly wrapped data key: what the `accounts` row stores.
pub(crate) struct WrappedKey {
    pub salt: Vec<u8>,
    pub wrapped: Vec<u8>,
    pub kdf: String,
}

/// The expensive half of wrapping a data key under a password: a fresh salt and the
/// argon2id key derived from it. Made before a write transaction, so the store's write
/// lock is never held while argon2 runs; [`PasswordKek::wrap`] is then cheap.
pub(crate) struct PasswordKek {
    salt: Vec<u8>,
    kek: KeyBytes,
    params: Argon2Params,
}

impl PasswordKek {
    pub(crate) fn derive(password: &Password, p: Argon2Params) -> Result<Self> {
        let salt = random_bytes::<SALT_LEN>()?.to_vec();
        let kek = derive_kek(password, &salt, p)?;
        Ok(PasswordKek {
            salt,
            kek,
            params: p,
        })
    }

    /// Wraps `dek`, bound to `aad` (which may name a row that exists only now).
    pub(crate) fn wrap(&self, dek: &KeyBytes, aad: &[u8]) -> Result<WrappedKey> {
        Ok(WrappedKey {
            salt: self.salt.clone(),
            wrapped: wrap_data_key(&self.kek, dek, aad)?,
            kdf: self.params.to_string(),
        })
    }
}

pub(crate) fn wrap_for_password(
    password: &Password,
    dek: &KeyBytes,
    p: Argon2Params,
    aad: &[u8],
) -> Result<WrappedKey> {
    PasswordKek::derive(password, p)?.wrap(dek, aad)
}

thread_local! {
    static RUNS_HERE: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}
static RUNS_ALL: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Called by every argon2 computation (hash, verify, key derivation), so that the cost of
/// an operation can be stated as a count rather than guessed from a noisy timing.
pub(crate) fn count_run() {
    RUNS_HERE.with(|c| c.set(c.get() + 1));
    RUNS_ALL.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
}

/// How many argon2 computations this thread has run. Argon2 runs on the calling thread,
/// so the difference across a call is that call's cost, whatever other threads do.
pub fn argon2_runs() -> u64 {
    RUNS_HERE.with(|c| c.get())
}

/// How many argon2 computations the whole process has run (to watch another thread).
pub fn argon2_runs_in_process() -> u64 {
    RUNS_ALL.load(std::sync::atomic::Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_password_wrong_aad_and_tampering_all_fail() {
        let p = Argon2Params::OWASP;
        let dek = new_data_key().unwrap();
        let w = wrap_for_password(&Password::new("right password"), &dek, p, b"acct:1").unwrap();
        let kek = derive_kek(&Password::new("right password"), &w.salt, p).unwrap();
        let back = unwrap_data_key(&kek, &w.wrapped, b"acct:1").unwrap();
        assert_eq!(*back.0, *dek.0);

        let wrong = derive_kek(&Password::new("wrong password"), &w.salt, p).unwrap();
        assert!(unwrap_data_key(&wrong, &w.wrapped, b"acct:1").is_err());
        assert!(unwrap_data_key(&kek, &w.wrapped, b"acct:2").is_err());
        let mut t = w.wrapped.clone();
        let last = t.len() - 1;
        t[last] ^= 1;
        assert!(unwrap_data_key(&kek, &t, b"acct:1").is_err());

        let sealed = seal(&dek, b"lk_live_secret", b"key:x").unwrap();
        assert!(!sealed.windows(14).any(|w| w == b"lk_live_secret"));
        assert_eq!(&*open(&dek, &sealed, b"key:x").unwrap(), b"lk_live_secret");
        assert!(open(&dek, &sealed, b"key:y").is_err());
    }
}
