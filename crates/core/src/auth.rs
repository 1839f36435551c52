//! Sign-in with throttling, sessions, and the step-up rule for sensitive actions.

use crate::audit::{record, Entry};
use crate::clock::to_unix;
use crate::crypto;
use crate::keys::KeyInfo;
use crate::password;
use crate::permissions::{Action, Permission, PermissionSet};
use crate::policy::{self, Argon2Params};
use crate::secret::{KeyBytes, Password};
use crate::KeyId;
use crate::{AccountId, Error, Latchkey, Result};
use std::fmt;
use time::{Duration, OffsetDateTime};

/// Failures in a row before each further try must wait.
pub const FREE_ATTEMPTS: i64 = 5;
/// How long a proof of identity lets sensitive actions through.
pub const STEP_UP_WINDOW: Duration = Duration::minutes(10);

/// How long the next attempt must wait after `failures` failures in a row: nothing for the
/// first five, then 30 s doubling each time, at most 15 minutes.
pub fn throttle_delay(failures: i64) -> Duration {
    if failures < FREE_ATTEMPTS {
        return Duration::ZERO;
    }
    let doublings = (failures - FREE_ATTEMPTS).min(10) as u32;
    Duration::seconds((30i64 << doublings).min(15 * 60))
}

/// What the throttle said about one more attempt at a secret.
#[must_use]
pub(crate) enum Gate {
    /// Counted as a failure already; [`Attempt::release`] takes it back if it was right.
    Go(Attempt),
    Wait {
        retry_after_secs: u64,
    },
}

impl Gate {
    pub(crate) fn pass(self) -> Result<Attempt> {
        match self {
            Gate::Go(a) => Ok(a),
            Gate::Wait { retry_after_secs } => Err(Error::Throttled { retry_after_secs }),
        }
    }
}

/// One attempt, counted against the account before its secret was checked.
pub(crate) struct Attempt {
    account_id: i64,
    at: i64,
    failed_before: i64,
    last_failed_before: Option<i64>,
}

impl Attempt {
    /// The secret was right: takes back this attempt's count. The previous failure time
    /// comes back too unless another attempt has moved it since.
    pub(crate) fn release(&self, tx: &rusqlite::Connection) -> Result<()> {
        tx.execute(
            "UPDATE accounts SET failed_logins = max(failed_logins - 1, 0),
                    last_failed_at = CASE WHEN failed_logins = ?2 + 1 AND last_failed_at = ?3
                                          THEN ?4 ELSE last_failed_at END
             WHERE id = ?1",
            rusqlite::params![
                self.account_id,
                self.failed_before,
                self.at,
                self.last_failed_before
            ],
        )?;
        Ok(())
    }
}

/// Inside the caller's `BEGIN IMMEDIATE` transaction: while the throttle says wait,
/// audits a `throttled` event and says so; otherwise counts the attempt as a failure up
/// front. Checking and counting under the one write lock is what keeps parallel attempts
/// from each seeing the same old count.
pub(crate) fn reserve_attempt(
    tx: &rusqlite::Connection,
    account_id: i64,
    tag: Option<(i64, &str)>,
    action: &str,
    now: i64,
    throttled_detail: &str,
) -> Result<Gate> {
    let (failed, last): (i64, Option<i64>) = tx.query_row(
        "SELECT failed_logins, last_failed_at FROM accounts WHERE id = ?1",
        [account_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let wait = throttle_delay(failed).whole_seconds();
    if let Some(last) = last {
        let remaining = last + wait - now;
        if wait > 0 && remaining > 0 {
            record(
                tx,
                now,
                Entry::ok(tag, action, None)
                    .outcome("throttled")
                    .detail(throttled_detail),
            )?;
            return Ok(Gate::Wait {
                retry_after_secs: remaining as u64,
            });
        }
    }
    tx.execute(
        "UPDATE accounts SET failed_logins = failed_logins + 1, last_failed_at = ?2 WHERE id = ?1",
        (account_id, now),
    )?;
    Ok(Gate::Go(Attempt {
        account_id,
        at: now,
        failed_before: failed,
        last_failed_before: last,
    }))
}

/// A signed-in account. Only the engine can make one; it holds the account's unwrapped
/// data key, wiped when the session is dropped (sign out, lock, exit).
pub struct Session {
    pub(crate) account_id: AccountId,
    pub(crate) username: String,
    pub(crate) signed_in_at: OffsetDateTime,
    pub(crate) proof_at: OffsetDateTime,
    /// Present for password sign-ins; absent when a program authenticated with a key.
    pub(crate) data_key: Option<KeyBytes>,
    /// For key-authenticated sessions: the key's effective permissions, which bound
    /// everything the session may do. `None` for a person who signed in.
    pub(crate) scope: Option<PermissionSet>,
    pub(crate) via_key: Option<KeyId>,
}

impl Session {
    pub fn account_id(&self) -> AccountId {
        self.account_id
    }
    pub fn username(&self) -> &str {
        &self.username
    }
    pub fn signed_in_at(&self) -> OffsetDateTime {
        self.signed_in_at
    }
    /// When identity was last proven (sign-in or step-up).
    pub fn proof_at(&self) -> OffsetDateTime {
        self.proof_at
    }
    /// The key this session was authenticated with, if a program presented one.
    pub fn via_key(&self) -> Option<&KeyId> {
        self.via_key.as_ref()
    }
    /// The permissions bounding a key-authenticated session.
    pub fn scope(&self) -> Option<&PermissionSet> {
        self.scope.as_ref()
    }

    /// The unwrapped data key; only a password sign-in has one.
    pub(crate) fn data_key(&self) -> Result<&KeyBytes> {
        self.data_key.as_ref().ok_or_else(|| {
            Error::Forbidden(
                "this needs the account's password: sign in to the app or the CLI to do it".into(),
            )
        })
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("account_id", &self.account_id)
            .field("username", &self.username)
            .field("via_key", &self.via_key)
            .field("data_key", &"<redacted>")
            .finish()
    }
}

/// The result of a successful sign-in: the session and what the person should be told.
#[derive(Debug)]
pub struct SignIn {
    pub session: Session,
    /// The account's keys that expire within 7 days.
    pub expiring_soon: Vec<KeyInfo>,
    /// An administrator reset the password since the last sign-in, so keys that could be
    /// viewed again no longer can.
    pub secrets_lost: bool,
    /// An administrator turned two-step verification off since the last sign-in (an
    /// MFA reset, or a password reset, which cannot keep the TOTP secret).
    pub mfa_reset: bool,
    /// With MFA on: unused recovery codes (warn at 3 or fewer).
    pub recovery_codes_left: Option<u32>,
}

/// A sign-in whose password was right and that now needs a second factor. Holds the
/// unwrapped data key (wiped on drop) so the password need not be sent again.
pub struct PendingSignIn {
    account_id: i64,
    username: String,
    data_key: KeyBytes,
    secrets_lost: bool,
    mfa_reset: bool,
    started_at: OffsetDateTime,
}

impl fmt::Debug for PendingSignIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingSignIn")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

impl PendingSignIn {
    pub fn username(&self) -> &str {
        &self.username
    }
}

/// The first step of signing in.
#[derive(Debug)]
pub enum SignInStep {
    Done(Box<SignIn>),
    NeedsCode(PendingSignIn),
}

/// How long a correct password waits for its second factor.
pub const PENDING_SIGN_IN: Duration = Duration::minutes(5);

/// Bits of `accounts.notices`: what an administrator did to the account that its
/// owner is told at the next sign-in (then the column is cleared).
pub(crate) const NOTICE_SECRETS_LOST: i64 = 1;
pub(crate) const NOTICE_MFA_RESET: i64 = 2;

/// The acting account as the store has it now (not as it was at sign-in).
pub(crate) struct Actor {
    pub id: i64,
    pub username: String,
    pub is_admin: bool,
    scope: Option<PermissionSet>,
}

impl Actor {
    pub fn tag(&self) -> Option<(i64, &str)> {
        Some((self.id, self.username.as_str()))
    }

    pub fn require_admin(&self) -> Result<()> {
        if !self.is_admin {
            return Err(Error::Forbidden("only an administrator can do this".into()));
        }
        // Administration is for people; a key, even the account key, cannot do it.
        if self.scope.is_some() {
            return Err(Error::Forbidden(
                "administration needs a signed-in administrator, not an API key".into(),
            ));
        }
        Ok(())
    }

    /// What this actor may hand on to a key: the account's permissions, further bounded
    /// by the key a program authenticated with, so a key can never mint a wider one.
    pub fn grantable(&self, conn: &rusqlite::Connection) -> Result<PermissionSet> {
        let held = crate::permissions::of_account(conn, self.id, self.is_admin)?;
        Ok(match &self.scope {
            Some(scope) => held.intersection(scope).cloned().collect(),
            None => held,
        })
    }

    /// For key-authenticated sessions, refuses unless the key holds `resource:action`.
    pub fn require(&self, resource: &str, action: Action) -> Result<()> {
        match &self.scope {
            Some(scope) if !scope.contains(&Permission::new(resource, action)) => {
                Err(Error::Forbidden(format!(
                    "this key does not have {resource}:{}",
                    action.as_str()
                )))
            }
            _ => Ok(()),
        }
    }
}

struct Credentials {
    id: i64,
    username: String,
    phc: String,
    disabled: bool,
    failed: i64,
    dek_salt: Vec<u8>,
    dek_wrapped: Vec<u8>,
    dek_kdf: String,
    notices: i64,
    mfa_on: bool,
}

fn load_credentials(conn: &rusqlite::Connection, login: &str) -> Result<Option<Credentials>> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .prepare_cached(
            "SELECT id, username, password_hash, disabled, failed_logins,
                    dek_salt, dek_wrapped, dek_kdf, notices, mfa_secret_ct IS NOT NULL
             FROM accounts WHERE username_key = ?1 OR email_key = ?1 ORDER BY username_key = ?1 DESC LIMIT 1",
        )?
        .query_row([crate::validate::fold(login)], |r| {
            Ok(Credentials {
                id: r.get(0)?,
                username: r.get(1)?,
                phc: r.get(2)?,
                disabled: r.get(3)?,
                failed: r.get(4)?,
                dek_salt: r.get(5)?,
                dek_wrapped: r.get(6)?,
                dek_kdf: r.get(7)?,
                notices: r.get(8)?,
                mfa_on: r.get(9)?,
            })
        })
        .optional()?)
}

pub(crate) fn dek_aad(account_id: i64) -> Vec<u8> {
    format!("latchkey/dek/v1/account/{account_id}").into_bytes()
}

impl Latchkey {
    pub(crate) fn actor(&self, conn: &rusqlite::Connection, session: &Session) -> Result<Actor> {
        use rusqlite::OptionalExtension;
        let row: Option<(String, bool, bool)> = conn
            .prepare_cached("SELECT username, is_admin, disabled FROM accounts WHERE id = ?1")?
            .query_row([session.account_id.0], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        match row {
            None => Err(Error::NotFound("account".into())),
            Some((_, _, true)) => Err(Error::AccountDisabled),
            Some((username, is_admin, false)) => Ok(Actor {
                id: session.account_id.0,
                username,
                is_admin,
                scope: session.scope.clone(),
            }),
        }
    }

    /// Checks a password for an account, applying and updating the failure throttle and
    /// auditing the attempt under `action`. Returns the credentials row on success.
    ///
    /// The throttle is consulted and the attempt counted in one `BEGIN IMMEDIATE`
    /// transaction before argon2 runs, so parallel attempts (threads, processes) queue on
    /// the count instead of all passing a check made on the same old value. A right
    /// password takes its count back.
    fn check_password(
        &self,
        login: &str,
        password: &Password,
        action: &str,
    ) -> Result<(Credentials, Argon2Params)> {
        let now = self.now_unix();
        let (creds, pol, gate) = self.store.write(|tx| {
            let pol = policy::load(tx)?;
            let Some(creds) = load_credentials(tx, login)? else {
                return Ok((None, pol, None));
            };
            let tag = Some((creds.id, creds.username.as_str()));
            let detail = format!("{} failures in a row", creds.failed);
            let gate = reserve_attempt(tx, creds.id, tag, action, now, &detail)?;
            Ok((Some(creds), pol, Some(gate)))
        })?;

        let (Some(creds), Some(gate)) = (creds, gate) else {
            // Same work as a wrong password (one argon2 run, then one audit write), so
            // neither time nor load tells which usernames exist.
            let decoy = password::decoy_hash(pol.argon2)?;
            let _ = password::verify(password, &decoy);
            self.store.write(|tx| {
                record(
                    tx,
                    now,
                    Entry::ok(None, action, Some("unknown account".into())).outcome("failed"),
                )
            })?;
            return Err(Error::BadCredentials);
        };
        let attempt = gate.pass()?;
        let tag = Some((creds.id, creds.username.as_str()));

        if !password::verify(password, &creds.phc) {
            self.store
                .write(|tx| record(tx, now, Entry::ok(tag, action, None).outcome("failed")))?;
            return Err(Error::BadCredentials);
        }
        self.store.write(|tx| attempt.release(tx))?;
        Ok((creds, pol.argon2))
    }

    /// A password check that only says whether it was right (account id on success).
    pub(crate) fn check_password_only(
        &self,
        login: &str,
        password: &Password,
        action: &str,
    ) -> Result<(i64, ())> {
        let (creds, _) = self.check_password(login, password, action)?;
        self.store.write(|tx| {
            tx.execute(
                "UPDATE accounts SET failed_logins = 0, last_failed_at = NULL WHERE id = ?1",
                [creds.id],
            )?;
            Ok(())
        })?;
        Ok((creds.id, ()))
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

        let kdf = Argon2Params::parse(&creds.dek_kdf).unwrap_or(Argon2Params::OWASP);
        let kek = crypto::derive_kek(password, &creds.dek_salt, kdf)?;
        let data_key = crypto::unwrap_data_key(&kek, &creds.dek_wrapped, &dek_aad(creds.id))?;

        // Stronger hashing policy since this password was set: upgrade both the hash and
        // the data-key wrapping while the password is at hand.
        if password::needs_rehash(&creds.phc, wanted) || kdf != wanted {
            let phc = password::hash(password, wanted)?;
            let w = crypto::wrap_for_password(password, &data_key, wanted, &dek_aad(creds.id))?;
            self.store.write(|tx| {
                tx.execute(
                    "UPDATE accounts SET password_hash = ?2, dek_salt = ?3, dek_wrapped = ?4, dek_kdf = ?5 WHERE id = ?1",
                    rusqlite::params![creds.id, phc, w.salt, w.wrapped, w.kdf],
                )?;
                record(tx, now, Entry::ok(tag, "password.rehashed", None).detail("upgraded to the current policy"))
            })?;
        }

        let pending = PendingSignIn {
            account_id: creds.id,
            username: creds.username,
            data_key,
            secrets_lost: creds.notices & NOTICE_SECRETS_LOST != 0,
            mfa_reset: creds.notices & NOTICE_MFA_RESET != 0,
            started_at: self.now(),
        };
        if creds.mfa_on {
            return Ok(SignInStep::NeedsCode(pending));
        }
        Ok(SignInStep::Done(Box::new(
            self.complete_sign_in(&pending, None)?,
        )))
    }

    /// The second step: a TOTP code or a recovery code for a correct password.
    /// The pending sign-in is only borrowed, so a mistyped code can be tried again (the
    /// throttle still applies).
    pub fn finish_sign_in(&self, pending: &PendingSignIn, code: &str) -> Result<SignIn> {
        if self.pending_sign_in_expired(pending) {
            return Err(Error::invalid("code", "came too late; sign in again"));
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

    /// Whether the password step is older than [`PENDING_SIGN_IN`]: no code can finish
    /// it any more, and the sign-in must start again. Adapters ask this instead of
    /// reading the error's wording.
    pub fn pending_sign_in_expired(&self, pending: &PendingSignIn) -> bool {
        self.now() - pending.started_at > PENDING_SIGN_IN
    }

    fn complete_sign_in(
        &self,
        pending: &PendingSignIn,
        factor: Option<crate::mfa::Factor>,
    ) -> Result<SignIn> {
        let now = self.now_unix();
        let tag = Some((pending.account_id, pending.username.as_str()));
        let recovery_codes_left = self.store.write(|tx| {
            tx.execute(
                "UPDATE accounts SET failed_logins = 0, last_failed_at = NULL, notices = 0 WHERE id = ?1",
                [pending.account_id],
            )?;
            let detail = match factor {
                None => "password",
                Some(crate::mfa::Factor::Totp) => "password and authenticator code",
                Some(crate::mfa::Factor::RecoveryCode { .. }) => "password and recovery code",
            };
            record(tx, now, Entry::ok(tag, "sign_in", None).detail(detail))?;
            Ok(match factor {
                Some(_) => Some(crate::mfa::codes_left(tx, pending.account_id)?),
                None => None,
            })
        })?;

        let at = self.now();
        let secrets_lost = pending.secrets_lost;
        let mfa_reset = pending.mfa_reset;
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
            secrets_lost,
            mfa_reset,
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
        self.store.write(|tx| {
            record(
                tx,
                now,
                Entry::ok(
                    Some((session.account_id.0, &session.username)),
                    "sign_out",
                    None,
                ),
            )
        })
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
        let (creds, _) = self.check_password(&session.username, password, "step_up")?;
        if creds.id != session.account_id.0 {
            return Err(Error::BadCredentials);
        }
        let now = self.now();
        self.store.write(|tx| {
            tx.execute(
                "UPDATE accounts SET failed_logins = 0, last_failed_at = NULL WHERE id = ?1",
                [creds.id],
            )?;
            record(
                tx,
                to_unix(now),
                Entry::ok(Some((creds.id, &creds.username)), "step_up", None),
            )
        })?;
        session.proof_at = now;
        Ok(())
    }

    /// The one place the step-up rule is enforced: a proof younger than 10 minutes. At
    /// 10:00 exactly the window has run out.
    pub(crate) fn require_fresh_proof(&self, session: &Session) -> Result<()> {
        if self.now() - session.proof_at < self.step_up_window {
            Ok(())
        } else {
            Err(Error::StepUpRequired)
        }
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
            _ => Err(Error::InvalidKey(v.reason)),
        }
    }

    /// Whether a sensitive action would go through now without a new proof.
    pub fn has_fresh_proof(&self, session: &Session) -> bool {
        self.require_fresh_proof(session).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttle_grows_and_is_capped() {
        assert_eq!(throttle_delay(0), Duration::ZERO);
        assert_eq!(throttle_delay(4), Duration::ZERO);
        assert_eq!(throttle_delay(5), Duration::seconds(30));
        assert_eq!(throttle_delay(6), Duration::seconds(60));
        assert_eq!(throttle_delay(7), Duration::seconds(120));
        assert_eq!(throttle_delay(50), Duration::minutes(15));
    }
}
