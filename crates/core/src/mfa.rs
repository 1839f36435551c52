//! Multi-factor authentication: TOTP (RFC 6238: SHA-1, 6 digits, 30 s, ±1 step) with a
//! replay guard, single-use recovery codes, and step-up by code.
//!
//! The TOTP secret is sealed under the account's data key, so it is never stored in
//! plaintext and is available only after the password has unwrapped that key.

use crate::audit::{record, Entry};
use crate::auth::{reserve_attempt, Session};
use crate::secret::KeyBytes;
use crate::{crypto, Error, Latchkey, Result};
use rusqlite::OptionalExtension;
use sha2::{Digest, Sha256};
use std::fmt;
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, Builder, Totp};

pub const ISSUER: &str = "Latchkey";
pub const STEP_SECS: u64 = 30;
pub const RECOVERY_CODES: usize = 10;
/// At or below this many unused recovery codes the person is warned.
pub const RECOVERY_LOW: u32 = 3;
const SECRET_BYTES: usize = 20; // 160 bits, as RFC 4226 recommends
const RECOVERY_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789"; // no 0/o, 1/l/i

fn totp(secret: &[u8], account: &str) -> Result<Totp> {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(STEP_SECS)
        .with_secret(secret.to_vec())
        .with_issuer(Some(ISSUER))
        .with_account_name(account.replace(':', "_"))
        .build()
        .map_err(|e| Error::Internal(format!("TOTP setup: {e}")))
}

/// The code for `unix_time` (tests and tools use it to act as an authenticator app).
pub fn code_at(secret_base32: &str, unix_time: u64) -> Result<String> {
    let secret = totp_rs::Secret::try_from_base32(secret_base32.trim())
        .map_err(|_| Error::invalid("secret", "is not valid base32"))?;
    Ok(totp(secret.as_ref(), "x")?.generate(unix_time).to_string())
}

/// What enrolment shows once: the secret as text, the `otpauth://` URI and its QR code.
pub struct Enrollment {
    pub secret_base32: String,
    pub uri: String,
    pub qr_png: Vec<u8>,
}

impl fmt::Debug for Enrollment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Enrollment(<redacted>)")
    }
}

impl Drop for Enrollment {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.secret_base32.zeroize();
        self.uri.zeroize();
        // The QR code is the secret too, as a picture of the URI.
        self.qr_png.zeroize();
    }
}

/// Ten single-use codes, shown once.
pub struct RecoveryCodes(pub Vec<String>);

impl fmt::Debug for RecoveryCodes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RecoveryCodes({} codes, <redacted>)", self.0.len())
    }
}

impl Drop for RecoveryCodes {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        for c in &mut self.0 {
            c.zeroize();
        }
    }
}

#[derive(Debug, Clone, serde::Serialize, PartialEq, Eq)]
pub struct MfaStatus {
    pub enabled: bool,
    /// Enrolment started but not yet confirmed with a first code.
    pub pending: bool,
    pub recovery_codes_left: u32,
}

fn secret_aad(account_id: i64) -> Vec<u8> {
    format!("latchkey/totp/v1/account/{account_id}").into_bytes()
}

fn recovery_digest(salt: &[u8], code: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(salt);
    h.update(code.as_bytes());
    h.finalize().into()
}

/// Strips what people type around a code: spaces and dashes, case.
fn normalise(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect::<String>()
        .to_lowercase()
}

fn new_recovery_code() -> Result<String> {
    let mut out = String::with_capacity(19);
    let mut buf = [0u8; 64];
    let limit = 256 - 256 % RECOVERY_ALPHABET.len();
    let mut n = 0;
    while n < 16 {
        getrandom::fill(&mut buf).map_err(|e| Error::Internal(format!("OS random source: {e}")))?;
        for &b in buf.iter() {
            if (b as usize) < limit && n < 16 {
                if n > 0 && n % 4 == 0 {
                    out.push('-');
                }
                out.push(RECOVERY_ALPHABET[b as usize % RECOVERY_ALPHABET.len()] as char);
                n += 1;
            }
        }
    }
    Ok(out)
}

fn replace_recovery_codes(
    tx: &rusqlite::Connection,
    account_id: i64,
    now: i64,
) -> Result<RecoveryCodes> {
    tx.execute(
        "DELETE FROM recovery_codes WHERE account_id = ?1",
        [account_id],
    )?;
    let mut codes = Vec::with_capacity(RECOVERY_CODES);
    for _ in 0..RECOVERY_CODES {
        let code = new_recovery_code()?;
        let salt = crypto::random_bytes::<16>()?;
        tx.execute(
            "INSERT INTO recovery_codes (account_id, salt, digest, created_at) VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![account_id, salt.as_slice(), recovery_digest(&salt, &normalise(&code)).as_slice(), now],
        )?;
        codes.push(code);
    }
    Ok(RecoveryCodes(codes))
}

/// Whether two-step verification is on (confirmed, not merely pending) for the account.
fn mfa_on(conn: &rusqlite::Connection, account_id: i64) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT mfa_secret_ct IS NOT NULL FROM accounts WHERE id = ?1",
        [account_id],
        |r| r.get(0),
    )?)
}

pub(crate) fn codes_left(conn: &rusqlite::Connection, account_id: i64) -> Result<u32> {
    Ok(conn.query_row(
        "SELECT count(*) FROM recovery_codes WHERE account_id = ?1 AND used_at IS NULL",
        [account_id],
        |r| r.get(0),
    )?)
}

/// Which second factor a successful check used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Factor {
    Totp,
    RecoveryCode { left: u32 },
}

impl Latchkey {
    /// Checks a TOTP or recovery code for an account, with the password throttle, the
    /// replay guard, and an audit entry under `action`.
    pub(crate) fn check_second_factor(
        &self,
        account_id: i64,
        username: &str,
        data_key: &KeyBytes,
        code: &str,
        action: &str,
    ) -> Result<Factor> {
        let now = self.now_unix();
        let tag = Some((account_id, username));
        // Throttle checked and this attempt counted under one write lock, before the code
        // is looked at (see `reserve_attempt`); a right code resets the count below.
        let (sealed, last_step, gate) = self.store.write(|tx| {
            let (sealed, last_step): (Option<Vec<u8>>, i64) = tx.query_row(
                "SELECT mfa_secret_ct, mfa_last_step FROM accounts WHERE id = ?1",
                [account_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let sealed = sealed.ok_or_else(|| {
                Error::Conflict("two-step verification is not on for this account".into())
            })?;
            let gate = reserve_attempt(tx, account_id, tag, action, now, "code")?;
            Ok((sealed, last_step, gate))
        })?;
        gate.pass()?;

        let typed = normalise(code);
        // The attempt was counted before the check; a failure only needs its audit entry.
        let fail = |why: &str| -> Result<Factor> {
            self.store.write(|tx| {
                record(
                    tx,
                    now,
                    Entry::ok(tag, action, None).outcome("failed").detail(why),
                )
            })?;
            Err(Error::invalid(
                "code",
                "is not correct, or was already used",
            ))
        };

        if typed.len() == 6 && typed.bytes().all(|b| b.is_ascii_digit()) {
            let secret = crypto::open(data_key, &sealed, &secret_aad(account_id))?;
            let t = totp(&secret, username)?;
            let origin = (now.max(0) as u64) / STEP_SECS;
            let mut matched = None;
            for step in origin.saturating_sub(1)..=origin + 1 {
                let expected = t.generate(step * STEP_SECS).to_string();
                if bool::from(expected.as_bytes().ct_eq(typed.as_bytes())) {
                    matched = Some(step as i64);
                }
            }
            let Some(step) = matched.filter(|s| *s > last_step) else {
                return fail(if matched.is_some() {
                    "code replayed"
                } else {
                    "wrong code"
                });
            };
            // The guard is also the compare-and-set: two racing uses of one code cannot
            // both move the step forward.
            let moved = self.store.write(|tx| {
                let n = tx.execute(
                    "UPDATE accounts SET mfa_last_step = ?2, failed_logins = 0, last_failed_at = NULL
                     WHERE id = ?1 AND mfa_last_step < ?2",
                    (account_id, step),
                )?;
                if n == 1 {
                    record(tx, now, Entry::ok(tag, action, None).detail("authenticator code"))?;
                }
                Ok(n == 1)
            })?;
            return if moved {
                Ok(Factor::Totp)
            } else {
                fail("code replayed")
            };
        }

        if typed.len() == 16 && typed.bytes().all(|b| RECOVERY_ALPHABET.contains(&b)) {
            let candidates: Vec<(i64, Vec<u8>, Vec<u8>)> = self.store.read(|c| {
                let mut st = c.prepare_cached(
                    "SELECT id, salt, digest FROM recovery_codes WHERE account_id = ?1 AND used_at IS NULL",
                )?;
                let rows = st.query_map([account_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
                Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
            })?;
            let mut hit = None;
            for (id, salt, digest) in &candidates {
                if bool::from(recovery_digest(salt, &typed).as_slice().ct_eq(digest)) {
                    hit = Some(*id);
                }
            }
            if let Some(id) = hit {
                let left = self.store.write(|tx| {
                    let n = tx.execute(
                        "UPDATE recovery_codes SET used_at = ?2 WHERE id = ?1 AND used_at IS NULL",
                        (id, now),
                    )?;
                    if n != 1 {
                        return Ok(None);
                    }
                    tx.execute(
                        "UPDATE accounts SET failed_logins = 0, last_failed_at = NULL WHERE id = ?1",
                        [account_id],
                    )?;
                    let left = codes_left(tx, account_id)?;
                    record(tx, now, Entry::ok(tag, "mfa.recovery_code_used", None).detail(format!("{left} left")))?;
                    Ok(Some(left))
                })?;
                if let Some(left) = left {
                    return Ok(Factor::RecoveryCode { left });
                }
            }
            return fail("wrong recovery code");
        }
        fail("not a code")
    }

    pub fn mfa_status(&self, session: &Session) -> Result<MfaStatus> {
        self.store.read(|c| {
            let actor = self.actor(c, session)?;
            let (enabled, pending): (bool, bool) = c.query_row(
                "SELECT mfa_secret_ct IS NOT NULL, mfa_pending_ct IS NOT NULL FROM accounts WHERE id = ?1",
                [actor.id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            Ok(MfaStatus { enabled, pending, recovery_codes_left: codes_left(c, actor.id)? })
        })
    }

    /// Starts enrolment: a new 160-bit secret, kept sealed as pending until
    /// [`Latchkey::mfa_confirm`] sees a first code from it.
    pub fn mfa_enroll(&self, session: &Session) -> Result<Enrollment> {
        self.audited(session, "mfa.enrolment_started", None, |audit| {
            let dek = session.data_key()?;
            let now = self.now_unix();
            let secret = zeroize::Zeroizing::new(crypto::random_bytes::<SECRET_BYTES>()?);
            let t = totp(secret.as_slice(), &session.username)?;
            let sealed = crypto::seal(dek, secret.as_slice(), &secret_aad(session.account_id.0))?;
            audit.write(now, |tx, actor, _| {
                let enabled = mfa_on(tx, actor.id)?;
                if enabled {
                    return Err(Error::Conflict(
                        "two-step verification is already on; disable it first".into(),
                    ));
                }
                tx.execute(
                    "UPDATE accounts SET mfa_pending_ct = ?2 WHERE id = ?1",
                    (actor.id, sealed.as_slice()),
                )?;
                Ok(())
            })?;
            let uri = t
                .to_url()
                .map_err(|e| Error::Internal(format!("otpauth URI: {e}")))?;
            let qr_png = t
                .to_qr_png()
                .map_err(|e| Error::Internal(format!("QR code: {e}")))?;
            Ok(Enrollment {
                secret_base32: t.secret().to_base32(),
                uri,
                qr_png,
            })
        })
    }

    /// Finishes enrolment with a first code; returns the recovery codes, shown once.
    /// A wrong code counts toward the account's throttle and is audited, as at sign-in.
    pub fn mfa_confirm(&self, session: &Session, code: &str) -> Result<RecoveryCodes> {
        self.guarded(session, "mfa.enabled", None, || {
        let dek = session.data_key()?;
        let now = self.now_unix();
        let tag = Some((session.account_id.0, session.username.as_str()));
        let (pending, gate) = self.store.write(|tx| {
            let actor = self.actor(tx, session)?;
            let pending: Option<Vec<u8>> = tx
                .query_row(
                    "SELECT mfa_pending_ct FROM accounts WHERE id = ?1",
                    [actor.id],
                    |r| r.get(0),
                )
                .optional()?
                .flatten();
            let pending = pending.ok_or_else(|| {
                Error::Conflict("start setting up two-step verification first".into())
            })?;
            let gate = reserve_attempt(tx, actor.id, tag, "mfa.enabled", now, "code")?;
            Ok((pending, gate))
        })?;
        let attempt = gate.pass()?;
        let secret = crypto::open(dek, &pending, &secret_aad(session.account_id.0))?;
        let t = totp(&secret, &session.username)?;
        let typed = normalise(code);
        let origin = (now.max(0) as u64) / STEP_SECS;
        let step = (origin.saturating_sub(1)..=origin + 1).find(|s| {
            bool::from(
                t.generate(s * STEP_SECS)
                    .to_string()
                    .as_bytes()
                    .ct_eq(typed.as_bytes()),
            )
        });
        let Some(step) = step else {
            self.store.write(|tx| {
                record(
                    tx,
                    now,
                    Entry::ok(tag, "mfa.enabled", None)
                        .outcome("failed")
                        .detail("wrong code"),
                )
            })?;
            return Err(Error::invalid(
                "code",
                "is not correct; check the time on your device and try the next code",
            ));
        };
        self.store.write(|tx| {
            let actor = self.actor(tx, session)?;
            let n = tx.execute(
                "UPDATE accounts SET mfa_secret_ct = mfa_pending_ct, mfa_pending_ct = NULL, mfa_last_step = ?2
                 WHERE id = ?1 AND mfa_pending_ct = ?3",
                rusqlite::params![actor.id, step as i64, pending],
            )?;
            if n != 1 {
                return Err(Error::Conflict(
                    "set-up was restarted or finished elsewhere; start again".into(),
                ));
            }
            // Only this attempt's count is taken back: proving one holds a new secret
            // says nothing about earlier failed sign-ins.
            attempt.release(tx)?;
            let codes = replace_recovery_codes(tx, actor.id, now)?;
            record(tx, now, Entry::ok(actor.tag(), "mfa.enabled", None))?;
            Ok(codes)
        })
    })
    }

    /// Turns MFA off (needs a fresh proof of identity).
    pub fn mfa_disable(&self, session: &Session) -> Result<()> {
        self.audited(session, "mfa.disabled", None, |audit| {
            self.require_fresh_proof(session)?;
            let now = self.now_unix();
            audit.write(now, |tx, actor, _| {
                tx.execute(
                    "UPDATE accounts SET mfa_secret_ct = NULL, mfa_pending_ct = NULL WHERE id = ?1",
                    [actor.id],
                )?;
                tx.execute(
                    "DELETE FROM recovery_codes WHERE account_id = ?1",
                    [actor.id],
                )?;
                Ok(())
            })
        })
    }

    /// A new set of recovery codes; the old set stops working (needs a fresh proof).
    pub fn mfa_new_recovery_codes(&self, session: &Session) -> Result<RecoveryCodes> {
        self.audited(session, "mfa.recovery_codes_regenerated", None, |audit| {
            self.require_fresh_proof(session)?;
            let now = self.now_unix();
            audit.write(now, |tx, actor, _| {
                let enabled = mfa_on(tx, actor.id)?;
                if !enabled {
                    return Err(Error::Conflict("two-step verification is not on".into()));
                }
                replace_recovery_codes(tx, actor.id, now)
            })
        })
    }

    /// An administrator turns another account's MFA off (lost phone and codes).
    pub fn reset_mfa(&self, session: &Session, username: &str) -> Result<()> {
        let target = Some(format!("account {username}"));
        self.audited(session, "mfa.reset", target, |audit| {
            let now = self.now_unix();
            audit.write(now, |tx, actor, _| {
                actor.require_admin()?;
                let id = crate::accounts::id_by_username(tx, username)?;
                if id == actor.id {
                    return Err(Error::Forbidden(
                        "turn off your own two-step verification in Security instead".into(),
                    ));
                }
                // The owner is told at the next sign-in, if MFA was on (not merely pending).
                tx.execute(
                    "UPDATE accounts SET mfa_secret_ct = NULL, mfa_pending_ct = NULL,
                            notices = CASE WHEN mfa_secret_ct IS NOT NULL THEN notices | ?2 ELSE notices END
                     WHERE id = ?1",
                    (id, crate::auth::NOTICE_MFA_RESET),
                )?;
                tx.execute("DELETE FROM recovery_codes WHERE account_id = ?1", [id])?;
                Ok(())
            })
        })
    }

    /// Step-up with a TOTP or recovery code.
    pub fn confirm_code(&self, session: &mut Session, code: &str) -> Result<Factor> {
        let out = self.confirm_code_unguarded(session, code);
        self.note_refusal(session, "step_up", None, &out);
        out
    }

    fn confirm_code_unguarded(&self, session: &mut Session, code: &str) -> Result<Factor> {
        let dek = session.data_key()?.clone();
        let factor = self.check_second_factor(
            session.account_id.0,
            &session.username.clone(),
            &dek,
            code,
            "step_up",
        )?;
        session.proof_at = self.now();
        Ok(factor)
    }

    /// Step-up with whatever this account proves itself with: a code when MFA is on,
    /// otherwise the password.
    pub fn confirm_identity(&self, session: &mut Session, proof: &str) -> Result<()> {
        if self.mfa_status(session)?.enabled {
            self.confirm_code(session, proof).map(|_| ())
        } else {
            self.confirm_password(session, &crate::Password::new(proof))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_codes_have_the_documented_shape() {
        let c = new_recovery_code().unwrap();
        assert_eq!(c.len(), 19);
        assert_eq!(c.matches('-').count(), 3);
        assert_eq!(normalise(&c.to_uppercase()).len(), 16);
    }
}
