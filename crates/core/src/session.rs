//! Who is acting: a signed-in [`Session`] (or one a program opened with a key), the
//! [`Actor`] it stands for as the store has it now, a sign-in waiting for its second
//! factor, and the step-up rule for sensitive actions.

use crate::model::key::KeyInfo;
use crate::permissions::{Action, Permission, PermissionSet};
use crate::secret::KeyBytes;
use crate::store::{self, Tx};
use crate::{AccountId, Error, KeyId, Latchkey, Result};
use std::fmt;
use time::{Duration, OffsetDateTime};

/// How long a proof of identity lets sensitive actions through.
pub const STEP_UP_WINDOW: Duration = Duration::minutes(10);

/// How long a correct password waits for its second factor.
pub const PENDING_SIGN_IN: Duration = Duration::minutes(5);

/// Bits of `accounts.notices`: what an administrator did to the account that its owner
/// is told at the next sign-in (then they are cleared).
pub(crate) const NOTICE_SECRETS_LOST: i64 = 1;
pub(crate) const NOTICE_MFA_RESET: i64 = 2;

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

    /// The audit log's name for this session's account.
    pub(crate) fn tag(&self) -> Option<(i64, &str)> {
        Some((self.account_id.0, self.username.as_str()))
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
    pub(crate) account_id: i64,
    pub(crate) username: String,
    pub(crate) data_key: KeyBytes,
    pub(crate) notices: i64,
    pub(crate) started_at: OffsetDateTime,
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

/// What an adapter holding a [`PendingSignIn`] does after a failed code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailedCode {
    /// Keep it: another code may be tried (the throttle still applies).
    Retry,
    /// Drop it: the sign-in must start again with the password.
    StartAgain,
}

impl AfterFailedCode {
    /// What a failed [`Latchkey::finish_sign_in`] means for the pending sign-in.
    pub fn after(e: &Error) -> Self {
        match e {
            // A mistyped code, or one tried too soon after others: the throttle guards
            // further tries.
            Error::Throttled { .. } | Error::WrongCode => AfterFailedCode::Retry,
            _ => AfterFailedCode::StartAgain,
        }
    }
}

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

    /// The account's own permissions (not limited by a key acting for it). What it may
    /// hand on to a new key is these, further bounded by [`Actor::scope`], so a key can
    /// never mint a wider one.
    pub fn held(&self, tx: &mut Tx<'_>) -> Result<PermissionSet> {
        store::groups::permissions_of_account(tx, self.id, self.is_admin)
    }

    /// The key's permissions when a key acts for the account.
    pub fn scope(&self) -> Option<&PermissionSet> {
        self.scope.as_ref()
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

    /// Refuses unless the actor is the account `id`, or an administrator.
    pub fn require_self_or_admin(&self, id: i64) -> Result<()> {
        if id == self.id {
            Ok(())
        } else {
            self.require_admin()
        }
    }
}

impl Latchkey {
    /// The account `session` acts for, as the store has it now: refused when it has been
    /// disabled (or is gone) since the session began.
    pub(crate) fn actor(&self, tx: &mut Tx<'_>, session: &Session) -> Result<Actor> {
        match store::accounts::actor(tx, session.account_id.0)? {
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

    /// The one place the step-up rule is enforced: a proof younger than 10 minutes. At
    /// 10:00 exactly the window has run out.
    pub(crate) fn require_fresh_proof(&self, session: &Session) -> Result<()> {
        if self.now() - session.proof_at < self.step_up_window {
            Ok(())
        } else {
            Err(Error::StepUpRequired)
        }
    }

    /// Whether a sensitive action would go through now without a new proof.
    pub fn has_fresh_proof(&self, session: &Session) -> bool {
        self.require_fresh_proof(session).is_ok()
    }

    /// Whether the password step is older than [`PENDING_SIGN_IN`]: no code can finish
    /// it any more, and the sign-in must start again.
    pub fn pending_sign_in_expired(&self, pending: &PendingSignIn) -> bool {
        self.now() - pending.started_at > PENDING_SIGN_IN
    }
}
