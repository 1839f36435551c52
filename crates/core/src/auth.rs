//! Signing in: the password check (throttled, audited), the second factor when MFA is on,
//! sign-out, and sessions for programs that present an API key.

use crate::audit::{record, record_repeated, Entry};
use crate::clock::to_unix;
use crate::crypto;
use crate::model::mfa::Factor;
use crate::model::policy::Argon2Params;
use crate::password;
use crate::secret::{KeyBytes, Password};
use crate::session::{
    PendingSignIn, Session, SignIn, SignInStep, NOTICE_MFA_RESET, NOTICE_SECRETS_LOST,
};
use crate::store::{self, accounts::Credentials};
use crate::throttle::{self, Guess};
use crate::{AccountId, Error, Latchkey, Result};
use time::OffsetDateTime;

pub use crate::session::{AfterFailedCode, PENDING_SIGN_IN, STEP_UP_WINDOW};
pub use crate::throttle::{throttle_delay, FREE_ATTEMPTS};

/// The associated data that binds an account's wrapped data key to that account.
pub(crate) fn dek_aad(account_id: i64) -> Vec<u8> {
    format!("latchkey/dek/v1/account/{account_id}").into_bytes()
}

impl Latchkey {
    /// Checks a password for an account, applying and updating the failure throttle and
    /// auditing the attempt under `action`. Returns the credentials row and the policy's
    /// hashing parameters on success.
    ///
    /// The throttle is consulted and the attempt counted in one write transaction before
    /// argon2 runs, so parallel attempts (threads, processes) queue on the count instead
    /// of all passing a check made on the same old value. A right password takes its
    /// count back.
    pub(crate) fn check_password(
        &self,
        login: &str,
        password: &Password,
        action: &str,
    ) -> Result<(Credentials, Argon2Params)> {
        let now = self.now_unix();
        // The throttle first, for a login that names an account and for one that names
        // none alike: the same counts, waits and work, so that nothing tells them apart.
        let mut found = None;
        let mut wanted = Argon2Params::OWASP;
        let attempt = throttle::wait_for_gate(|| {
            self.store.write(|tx| {
                wanted = store::policy::load(tx)?.argon2;
                found = store::accounts::credentials(tx, login)?;
                let (subject, tag) = match &found {
                    Some(c) => (
                        throttle::Subject::Account(c.id),
                        Some((c.id, c.username.as_str())),
                    ),
                    None => (throttle::unknown_login(login), None),
                };
                throttle::reserve(tx, subject, tag, action, now, Guess::Password)
            })
        })?;

        let Some(creds) = found else {
            // Same work as a wrong password (one argon2 run, then one write).
            let decoy = password::decoy_hash(wanted)?;
            let _ = password::verify(password, &decoy);
            self.store.write(|tx| {
                attempt.failed(tx)?;
                record_repeated(
                    tx,
                    now,
                    Entry::ok(None, action, Some("unknown account".into())).outcome("failed"),
                )
            })?;
            return Err(Error::BadCredentials);
        };
        let tag = Some((creds.id, creds.username.as_str()));

        if !password::verify(password, &creds.phc) {
            self.store.write(|tx| {
                attempt.failed(tx)?;
                record_repeated(tx, now, Entry::ok(tag, action, None).outcome("failed"))
            })?;
            return Err(Error::BadCredentials);
        }
        self.store.write(|tx| attempt.release(tx))?;
        Ok((creds, wanted))
    }

    /// The password of the account `session` acts for, checked as at sign-in (same
    /// throttle and audit trail under `action`); the throttle is cleared when it is right.
    pub(crate) fn check_own_password(
        &self,
        session: &Session,
        password: &Password,
        action: &str,
    ) -> Result<Credentials> {
        let (creds, _) = self.check_password(&session.username, password, action)?;
        if creds.id != session.account_id.0 {
            return Err(Error::BadCredentials);
        }
        self.store.write(|tx| throttle::reset(tx, creds.id))?;
        Ok(creds)
    }

    /// Signs in by username or email. After five failures in a row each further attempt
    /// must wait longer; the wait is enforced here, not by the caller. With MFA on, the
    /// result asks for a code ([`Latchkey::finish_sign_in`]).
    pub fn begin_sign_in(&self, login: &str, password: &Password) -> Result<SignInStep> {
        let login = login.trim();
        if login.is_empty() {
            return Err(Error::invalid("username", "is required"));
        }
        let (creds, wanted) = self.check_password(login, password, "sign_in")?;
        let now = self.now_unix();
        let tag = Some((creds.id, creds.username.as_str()));
        if creds.disabled {
            self.store.write(|tx| {
                record(
                    tx,
                    now,
                    Entry::ok(tag, "sign_in", None)
                        .outcome("refused")
                        .detail("account disabled"),
                )
            })?;
            return Err(Error::AccountDisabled);
        }

        let data_key = self.unwrap_data_key(&creds, password)?;
        self.upgrade_hashing(&creds, password, &data_key, wanted, now)?;

        let pending = PendingSignIn {
            account_id: creds.id,
            username: creds.username,
            data_key,
            notices: creds.notices,
            started_at: self.now(),
        };
        if creds.mfa_on {
            return Ok(SignInStep::NeedsCode(pending));
        }
        Ok(SignInStep::Done(Box::new(
            self.complete_sign_in(&pending, None)?,
        )))
    }

    fn unwrap_data_key(&self, creds: &Credentials, password: &Password) -> Result<KeyBytes> {
        let kdf = Argon2Params::parse(&creds.dek_kdf).unwrap_or(Argon2Params::OWASP);
        let kek = crypto::derive_kek(password, &creds.dek_salt, kdf)?;
        crypto::unwrap_data_key(&kek, &creds.dek_wrapped, &dek_aad(creds.id))
    }

    /// A stronger hashing policy since this password was set: upgrades both the hash and
    /// the data key's wrapping while the password is at hand.
    fn upgrade_hashing(
        &self,
        creds: &Credentials,
        password: &Password,
        data_key: &KeyBytes,
        wanted: Argon2Params,
        now: i64,
    ) -> Result<()> {
        let kdf = Argon2Params::parse(&creds.dek_kdf).unwrap_or(Argon2Params::OWASP);
        if !password::needs_rehash(&creds.phc, wanted) && kdf == wanted {
            return Ok(());
        }
        let phc = password::hash(password, wanted)?;
        let w = crypto::wrap_for_password(password, data_key, wanted, &dek_aad(creds.id))?;
        let tag = Some((creds.id, creds.username.as_str()));
        self.store.write(|tx| {
            store::accounts::set_password(tx, creds.id, &phc, &w, None)?;
            record(
                tx,
                now,
                Entry::ok(tag, "password.rehashed", None).detail("upgraded to the current policy"),
            )
        })
    }

    /// The second step: a TOTP code or a recovery code for a correct password.
    /// The pending sign-in is only borrowed, so a mistyped code can be tried again (the
    /// throttle still applies); [`AfterFailedCode::after`] tells an adapter whether to
    /// keep it.
    pub fn finish_sign_in(&self, pending: &PendingSignIn, code: &str) -> Result<SignIn> {
        if self.pending_sign_in_expired(pending) {
            return Err(Error::SignInExpired);
        }
        let factor = self.check_second_factor(
            pending.account_id,
            &pending.username,
            &pending.data_key,
            code,
            "sign_in.code",
        )?;
        self.complete_sign_in(pending, Some(factor))
    }

    fn complete_sign_in(&self, pending: &PendingSignIn, factor: Option<Factor>) -> Result<SignIn> {
        let now = self.now_unix();
        let tag = Some((pending.account_id, pending.username.as_str()));
        let recovery_codes_left = self.store.write(|tx| {
            throttle::reset(tx, pending.account_id)?;
            store::accounts::signed_in(tx, pending.account_id, now)?;
            let detail = match factor {
                None => "password",
                Some(Factor::Totp) => "password and authenticator code",
                Some(Factor::RecoveryCode { .. }) => "password and recovery code",
            };
            record(tx, now, Entry::ok(tag, "sign_in", None).detail(detail))?;
            Ok(match factor {
                Some(_) => Some(store::mfa::codes_left(tx, pending.account_id)?),
                None => None,
            })
        })?;

        let at = self.now();
        let session = Session {
            account_id: AccountId(pending.account_id),
            username: pending.username.clone(),
            signed_in_at: at,
            proof_at: at,
            data_key: Some(pending.data_key.clone()),
            scope: None,
            via_key: None,
        };
        self.ensure_account_key(&session)?;
        let expiring_soon = self.expiring_soon(&session)?;
        Ok(SignIn {
            session,
            expiring_soon,
            secrets_lost: pending.notices & NOTICE_SECRETS_LOST != 0,
            mfa_reset: pending.notices & NOTICE_MFA_RESET != 0,
            recovery_codes_left,
        })
    }

    /// Password sign-in for accounts without MFA; with MFA on it refuses with
    /// `mfa_required` (use [`Latchkey::sign_in_with_code`] or the two-step form).
    pub fn sign_in(&self, login: &str, password: &Password) -> Result<SignIn> {
        self.sign_in_with_code(login, password, None)
    }

    /// One-call sign-in for programs that have both factors at hand (CLI, JSON API).
    pub fn sign_in_with_code(
        &self,
        login: &str,
        password: &Password,
        code: Option<&str>,
    ) -> Result<SignIn> {
        match self.begin_sign_in(login, password)? {
            SignInStep::Done(s) => Ok(*s),
            SignInStep::NeedsCode(pending) => match code {
                Some(c) if !c.trim().is_empty() => self.finish_sign_in(&pending, c),
                _ => Err(Error::MfaRequired),
            },
        }
    }

    /// Ends a session (audited). The data key is wiped when `session` drops here.
    pub fn sign_out(&self, session: Session) -> Result<()> {
        let now = self.now_unix();
        self.store
            .write(|tx| record(tx, now, Entry::ok(session.tag(), "sign_out", None)))
    }

    /// A session for a program that presented an API key: bounded by the key's effective
    /// permissions, with no data key and no proof of identity (so step-up actions are
    /// refused with `step_up_required`).
    pub fn authenticate_key(&self, presented: &str) -> Result<Session> {
        let v = self.verify(presented)?;
        match (v.valid, v.account_id, v.key_id, v.account) {
            (true, Some(account_id), Some(key_id), Some(username)) => Ok(Session {
                account_id,
                username,
                signed_in_at: self.now(),
                proof_at: OffsetDateTime::UNIX_EPOCH,
                data_key: None,
                scope: Some(v.permissions.into_iter().collect()),
                via_key: Some(key_id),
            }),
            (_, account_id, _, account) => {
                // Refused keys are audited (for their owner when the key is known), one
                // entry per minute and a count, whatever the rate they come at.
                let now = self.now_unix();
                let tag = account_id
                    .zip(account.as_deref())
                    .map(|(id, name)| (id.0, name));
                let target = crate::keyformat::parse(presented.trim())
                    .ok()
                    .map(|_| format!("key {}", crate::keyformat::hint(presented.trim())));
                self.store.write(|tx| {
                    record_repeated(
                        tx,
                        now,
                        Entry::ok(tag, "api_key.refused", target)
                            .outcome("failed")
                            .detail(v.reason.as_str()),
                    )
                })?;
                Err(Error::InvalidKey(v.reason))
            }
        }
    }

    /// Step-up: proves identity again with the password, refreshing the session's proof.
    /// Failures count toward the same throttle as sign-in.
    pub fn confirm_password(&self, session: &mut Session, password: &Password) -> Result<()> {
        let out = self.confirm_password_unguarded(session, password);
        self.note_refusal(session, "step_up", None, &out);
        out
    }

    fn confirm_password_unguarded(&self, session: &mut Session, password: &Password) -> Result<()> {
        session.data_key()?;
        if self.mfa_status(session)?.enabled {
            return Err(Error::invalid(
                "code",
                "two-step verification is on: confirm with a code from your authenticator app or a recovery code",
            ));
        }
        let creds = self.check_own_password(session, password, "step_up")?;
        let now = self.now();
        self.store.write(|tx| {
            record(
                tx,
                to_unix(now),
                Entry::ok(Some((creds.id, &creds.username)), "step_up", None),
            )
        })?;
        session.proof_at = now;
        Ok(())
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
            self.confirm_password(session, &Password::new(proof))
        }
    }
}
