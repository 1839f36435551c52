//! Multi-factor authentication: TOTP (RFC 6238: SHA-1, 6 digits, 30 s, ±1 step) with a
//! replay guard, single-use recovery codes, and the second-factor check sign-in and
//! step-up share.
//!
//! The TOTP secret is sealed under the account's data key, so it is never stored in
//! plaintext and is available only after the password has unwrapped that key.

use crate::audit::{record, record_repeated, Entry};
use crate::secret::KeyBytes;
use crate::session::{Session, NOTICE_MFA_RESET};
use crate::store::{self, Tx};
use crate::throttle::{self, Attempt, Guess};
use crate::{crypto, Error, Latchkey, Result};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, Builder, Totp};

pub use crate::model::mfa::{Enrollment, Factor, MfaStatus, RecoveryCodes};

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
        .map_err(|e| Error::internal(format!("TOTP setup: {e}")))
}

/// The code for `unix_time` (tests and tools use it to act as an authenticator app).
pub fn code_at(secret_base32: &str, unix_time: u64) -> Result<String> {
    let secret = totp_rs::Secret::try_from_base32(secret_base32.trim())
        .map_err(|_| Error::invalid("secret", "is not valid base32"))?;
    Ok(totp(secret.as_ref(), "x")?.generate(unix_time).to_string())
}

/// The time step, within ±1 of `now`'s, whose code is `typed`.
fn matching_step(t: &Totp, typed: &str, now: i64) -> Option<i64> {
    let origin = (now.max(0) as u64) / STEP_SECS;
    let mut matched = None;
    // Every step is compared, whatever matched before, so the time taken does not say
    // which one did.
    for step in origin.saturating_sub(1)..=origin + 1 {
        let expected = t.generate(step * STEP_SECS).to_string();
        if bool::from(expected.as_bytes().ct_eq(typed.as_bytes())) {
            matched = Some(step as i64);
        }
    }
    matched
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
        getrandom::fill(&mut buf).map_err(|e| Error::internal(format!("OS random source: {e}")))?;
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

/// A new set of recovery codes in place of the old one; the codes, shown once.
fn replace_recovery_codes(tx: &mut Tx<'_>, account_id: i64, now: i64) -> Result<RecoveryCodes> {
    store::mfa::delete_codes(tx, account_id)?;
    let mut codes = Vec::with_capacity(RECOVERY_CODES);
    for _ in 0..RECOVERY_CODES {
        let code = new_recovery_code()?;
        let salt = crypto::random_bytes::<16>()?;
        let digest = recovery_digest(&salt, &normalise(&code));
        store::mfa::insert_code(tx, account_id, &salt, &digest, now)?;
        codes.push(code);
    }
    Ok(RecoveryCodes(codes))
}

/// What a typed second factor looks like.
enum Typed {
    Totp(String),
    Recovery(String),
    Neither,
}

fn classify(code: &str) -> Typed {
    let typed = normalise(code);
    if typed.len() == 6 && typed.bytes().all(|b| b.is_ascii_digit()) {
        Typed::Totp(typed)
    } else if typed.len() == 16 && typed.bytes().all(|b| RECOVERY_ALPHABET.contains(&b)) {
        Typed::Recovery(typed)
    } else {
        Typed::Neither
    }
}

/// Who a second factor is checked for, and under which audit action.
struct Checking<'a> {
    account_id: i64,
    username: &'a str,
    action: &'a str,
    now: i64,
}

impl Checking<'_> {
    fn tag(&self) -> Option<(i64, &str)> {
        Some((self.account_id, self.username))
    }
}

impl Latchkey {
    /// Checks a TOTP or recovery code for an account, with the password throttle, the
    /// replay guard, and an audit entry under `action`. The attempt is counted before
    /// the code is looked at; a right code resets the count.
    pub(crate) fn check_second_factor(
        &self,
        account_id: i64,
        username: &str,
        data_key: &KeyBytes,
        code: &str,
        action: &str,
    ) -> Result<Factor> {
        let c = Checking {
            account_id,
            username,
            action,
            now: self.now_unix(),
        };
        let (sealed, last_step, attempt) = self.reserve_code_attempt(&c)?;
        let a = &attempt;
        match classify(code) {
            Typed::Totp(typed) => self.check_totp(&c, a, data_key, &sealed, last_step, &typed),
            Typed::Recovery(typed) => self.check_recovery_code(&c, a, &typed),
            Typed::Neither => self.code_failed(&c, a, "not a code"),
        }
    }

    /// Step 1: the sealed secret and replay guard, with this attempt counted (or the
    /// throttle's refusal).
    fn reserve_code_attempt(&self, c: &Checking<'_>) -> Result<(Vec<u8>, i64, Attempt)> {
        let mut secret = None;
        let attempt = throttle::wait_for_gate(|| {
            self.store.write(|tx| {
                let (sealed, last_step) = store::mfa::secret(tx, c.account_id)?;
                let sealed = sealed.ok_or_else(|| {
                    Error::Conflict("two-step verification is not on for this account".into())
                })?;
                secret = Some((sealed, last_step));
                let subject = throttle::Subject::Account(c.account_id);
                throttle::reserve(tx, subject, c.tag(), c.action, c.now, Guess::Code)
            })
        })?;
        let (sealed, last_step) =
            secret.ok_or_else(|| Error::internal("the code's secret was not read"))?;
        Ok((sealed, last_step, attempt))
    }

    /// Step 2a: a TOTP code, within ±1 step and after the last one accepted. Moving the
    /// replay guard is also the compare-and-set: two racing uses of one code cannot both
    /// succeed.
    fn check_totp(
        &self,
        c: &Checking<'_>,
        attempt: &Attempt,
        data_key: &KeyBytes,
        sealed: &[u8],
        last_step: i64,
        typed: &str,
    ) -> Result<Factor> {
        let secret = crypto::open(data_key, sealed, &secret_aad(c.account_id))?;
        let matched = matching_step(&totp(&secret, c.username)?, typed, c.now);
        let Some(step) = matched.filter(|s| *s > last_step) else {
            let why = if matched.is_some() {
                "code replayed"
            } else {
                "wrong code"
            };
            return self.code_failed(c, attempt, why);
        };
        let moved = self.store.write(|tx| {
            if !store::mfa::advance_step(tx, c.account_id, step)? {
                return Ok(false);
            }
            attempt.release(tx)?;
            throttle::reset(tx, c.account_id)?;
            record(
                tx,
                c.now,
                Entry::ok(c.tag(), c.action, None).detail("authenticator code"),
            )?;
            Ok(true)
        })?;
        if moved {
            Ok(Factor::Totp)
        } else {
            self.code_failed(c, attempt, "code replayed")
        }
    }

    /// Step 2b: a recovery code, compared in constant time with every unused one, and
    /// used at most once.
    fn check_recovery_code(
        &self,
        c: &Checking<'_>,
        attempt: &Attempt,
        typed: &str,
    ) -> Result<Factor> {
        let candidates = self
            .store
            .read(|tx| store::mfa::unused_codes(tx, c.account_id))?;
        let mut hit = None;
        for c in &candidates {
            if bool::from(recovery_digest(&c.salt, typed).as_slice().ct_eq(&c.digest)) {
                hit = Some(c.id);
            }
        }
        let Some(id) = hit else {
            return self.code_failed(c, attempt, "wrong recovery code");
        };
        let left = self.store.write(|tx| {
            if !store::mfa::use_code(tx, id, c.now)? {
                return Ok(None);
            }
            attempt.release(tx)?;
            throttle::reset(tx, c.account_id)?;
            let left = store::mfa::codes_left(tx, c.account_id)?;
            record(
                tx,
                c.now,
                Entry::ok(c.tag(), "mfa.recovery_code_used", None).detail(format!("{left} left")),
            )?;
            Ok(Some(left))
        })?;
        match left {
            Some(left) => Ok(Factor::RecoveryCode { left }),
            None => self.code_failed(c, attempt, "wrong recovery code"),
        }
    }

    /// Step 3, on failure: the attempt was counted before the check, so only its audit
    /// entry is left to write.
    fn code_failed(&self, c: &Checking<'_>, attempt: &Attempt, why: &str) -> Result<Factor> {
        self.store.write(|tx| {
            attempt.failed(tx)?;
            record_repeated(
                tx,
                c.now,
                Entry::ok(c.tag(), c.action, None)
                    .outcome("failed")
                    .detail(why),
            )
        })?;
        Err(Error::WrongCode)
    }

    pub fn mfa_status(&self, session: &Session) -> Result<MfaStatus> {
        self.store.read(|tx| {
            let actor = self.actor(tx, session)?;
            let (enabled, pending) = store::mfa::state(tx, actor.id)?;
            Ok(MfaStatus {
                enabled,
                pending,
                recovery_codes_left: store::mfa::codes_left(tx, actor.id)?,
            })
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
                let (enabled, _) = store::mfa::state(tx, actor.id)?;
                if enabled {
                    return Err(Error::Conflict(
                        "two-step verification is already on; disable it first".into(),
                    ));
                }
                store::mfa::set_pending(tx, actor.id, &sealed)
            })?;
            let uri = t
                .to_url()
                .map_err(|e| Error::internal(format!("otpauth URI: {e}")))?;
            let qr_png = t
                .to_qr_png()
                .map_err(|e| Error::internal(format!("QR code: {e}")))?;
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
            let tag = session.tag();
            let mut pending = None;
            let attempt = throttle::wait_for_gate(|| {
                self.store.write(|tx| {
                    let actor = self.actor(tx, session)?;
                    pending = Some(store::mfa::pending(tx, actor.id)?.ok_or_else(|| {
                        Error::Conflict("start setting up two-step verification first".into())
                    })?);
                    let subject = throttle::Subject::Account(actor.id);
                    throttle::reserve(tx, subject, tag, "mfa.enabled", now, Guess::Code)
                })
            })?;
            let pending =
                pending.ok_or_else(|| Error::internal("the pending secret was not read"))?;
            let secret = crypto::open(dek, &pending, &secret_aad(session.account_id.0))?;
            let t = totp(&secret, &session.username)?;
            let Some(step) = matching_step(&t, &normalise(code), now) else {
                self.store.write(|tx| {
                    attempt.failed(tx)?;
                    record_repeated(
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
                if !store::mfa::confirm_pending(tx, actor.id, &pending, step)? {
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
            audit.write(self.now_unix(), |tx, actor, _| {
                store::mfa::turn_off(tx, actor.id).map(|_| ())
            })
        })
    }

    /// A new set of recovery codes; the old set stops working (needs a fresh proof).
    pub fn mfa_new_recovery_codes(&self, session: &Session) -> Result<RecoveryCodes> {
        self.audited(session, "mfa.recovery_codes_regenerated", None, |audit| {
            self.require_fresh_proof(session)?;
            let now = self.now_unix();
            audit.write(now, |tx, actor, _| {
                let (enabled, _) = store::mfa::state(tx, actor.id)?;
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
            self.require_fresh_proof(session)?;
            audit.write(self.now_unix(), |tx, actor, _| {
                actor.require_admin()?;
                let id = store::accounts::id_by_username(tx, username)?;
                if id == actor.id {
                    return Err(Error::Forbidden(
                        "turn off your own two-step verification in Security instead".into(),
                    ));
                }
                // The owner is told at the next sign-in, if MFA was on (not merely pending).
                if store::mfa::turn_off(tx, id)? {
                    store::accounts::add_notices(tx, id, NOTICE_MFA_RESET)?;
                }
                Ok(())
            })
        })
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
