//! Invitations: an administrator invites an email address into chosen groups (and,
//! optionally, the administrator role) with a single-use code in the key format
//! (`lk_inv_…`, stored only as its SHA-256, good for 7 days); the invitee redeems it once,
//! choosing a username and password, and the account is made with the invitation's
//! email, groups and role in one transaction.
//!
//! Wrong codes have no account to be counted against: they share one throttle for the
//! whole store, which grows the wait after five failures in a row as sign-in does.

use crate::accounts::{record_created, write_account};
use crate::audit::{record, record_repeated, Entry};
use crate::error::InvitationProblem;
use crate::keyformat::{self, KeyKind};
use crate::keys::digest;
use crate::model::account::NewAccount;
use crate::model::invitation::{InvitationPreview, InvitationStatus, INVITATION_DAYS};
use crate::secret::{ApiKeySecret, Password};
use crate::session::{Session, SignIn};
use crate::store::{self, settings, Tx};
use crate::throttle::throttle_delay;
use crate::{password, validate, Error, Latchkey, Result};
use time::Duration;

pub use crate::model::invitation::{Invitation, IssuedInvitation, NewInvitation};

/// A code's shape and checksum, checked before any lookup.
fn parse_code(code: &str) -> Result<&str> {
    let code = code.trim();
    match keyformat::parse(code) {
        Ok(p) if p.kind == KeyKind::Inv => Ok(code),
        Ok(_) => Err(Error::invalid(
            "code",
            "is an API key, not an invitation code (an invitation code starts with lk_inv_)",
        )),
        Err(_) => Err(Error::invalid(
            "code",
            "is not an invitation code: check it for a typo (it starts with lk_inv_)",
        )),
    }
}

/// A fresh code and its digest and hint.
fn new_code() -> Result<(ApiKeySecret, [u8; 32], String)> {
    let text = zeroize::Zeroizing::new(keyformat::generate(KeyKind::Inv)?);
    let d = digest(&text);
    let hint = keyformat::hint(&text);
    Ok((ApiKeySecret::new(text.to_string()), d, hint))
}

/// The `mailto:` link that hands an invitation to the system's mail client: the code,
/// the organisation, and how to redeem it.
pub fn mailto(organisation: &str, email: &str, code: &ApiKeySecret) -> zeroize::Zeroizing<String> {
    use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
    // RFC 3986's unreserved characters stay as they are (the code reads as itself).
    const PART: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    let org = if organisation.is_empty() {
        "our Latchkey store"
    } else {
        organisation
    };
    let subject = format!("Your invitation to {org} on Latchkey");
    let body = zeroize::Zeroizing::new(format!(
        "You are invited to join {org} on Latchkey.\n\n\
         Your invitation code (it works once, for 7 days):\n\n{}\n\n\
         To accept it: open Latchkey, choose \"I have an invitation\" on the sign-in screen, \
         paste the code, and pick your username and password. Or, on the command line:\n\n\
         latchkey invite redeem --username YOUR-NAME\n\n\
         (paste the code when it asks). Do not forward this message: the code is yours alone.\n",
        code.expose()
    ));
    zeroize::Zeroizing::new(format!(
        "mailto:{}?subject={}&body={}",
        utf8_percent_encode(email, PART),
        utf8_percent_encode(&subject, PART),
        utf8_percent_encode(&body, PART),
    ))
}

/// What a code is checked against, inside the write transaction that uses its verdict.
struct Checked {
    id: String,
    email: String,
    admin: bool,
    group_ids: Vec<i64>,
    expires_at: i64,
}

impl Latchkey {
    /// Invites `new.email` into `new.groups` (administrators). The code is in the result
    /// and nowhere else.
    pub fn create_invitation(
        &self,
        session: &Session,
        new: &NewInvitation,
    ) -> Result<IssuedInvitation> {
        let target = Some(format!("invitation for {}", new.email.trim()));
        self.audited(session, "invitation.created", target, |audit| {
            let email = validate::email(&new.email)?;
            if new.admin {
                self.require_fresh_proof(session)?;
            }
            let (code, d, hint) = new_code()?;
            let id = crate::KeyId::generate()?.0;
            let now = self.now_unix();
            let expires = now + Duration::days(INVITATION_DAYS).whole_seconds();
            audit.write(now, |tx, actor, entry| {
                actor.require_admin()?;
                if store::accounts::email_taken(tx, &email, 0)? {
                    return Err(Error::invalid("email", "already belongs to an account"));
                }
                let group_ids = new
                    .groups
                    .iter()
                    .map(|g| store::groups::id_by_name(tx, g))
                    .collect::<Result<Vec<_>>>()?;
                store::invitations::insert(
                    tx,
                    &store::invitations::NewRow {
                        id: &id,
                        digest: &d,
                        hint: &hint,
                        email: &email,
                        admin: new.admin,
                        created_by: actor.id,
                        created_at: now,
                        expires_at: expires,
                        group_ids: &group_ids,
                    },
                )?;
                entry.target = Some(format!("invitation {id} for {email}"));
                entry.detail = describe(&new.groups, new.admin);
                Ok(())
            })?;
            let invitation = self.invitation(&id)?;
            Ok(IssuedInvitation { invitation, code })
        })
    }

    /// The `mailto:` link for an invitation just issued, naming this store's organisation
    /// (administrators). The link holds the code: it goes to the OS opener and nowhere else.
    pub fn invitation_mailto(
        &self,
        session: &Session,
        issued: &IssuedInvitation,
    ) -> Result<zeroize::Zeroizing<String>> {
        let organisation = self.store.read(|tx| {
            self.actor(tx, session)?.require_admin()?;
            settings::get(tx, settings::ORG_NAME)
        })?;
        Ok(mailto(
            &organisation.unwrap_or_default(),
            &issued.invitation.email,
            &issued.code,
        ))
    }

    fn invitation(&self, id: &str) -> Result<Invitation> {
        let now = self.now_unix();
        self.store
            .read(|tx| store::invitations::load(tx, id, now))?
            .ok_or_else(|| Error::NotFound("invitation".into()))
    }

    /// Every invitation with its status, newest first (administrators).
    pub fn list_invitations(&self, session: &Session) -> Result<Vec<Invitation>> {
        self.guarded(session, "invitations.read", None, || {
            let now = self.now_unix();
            self.store.read(|tx| {
                self.actor(tx, session)?.require_admin()?;
                store::invitations::list(tx, now)
            })
        })
    }

    /// Withdraws a pending invitation: its code stops working at once.
    pub fn revoke_invitation(&self, session: &Session, id: &str) -> Result<Invitation> {
        let target = Some(format!("invitation {id}"));
        self.audited(session, "invitation.revoked", target, |audit| {
            let now = self.now_unix();
            audit.write(now, |tx, actor, entry| {
                actor.require_admin()?;
                let inv = pending(tx, id, now)?;
                store::invitations::revoke(tx, id, now, None)?;
                entry.target = Some(format!("invitation {id} for {}", inv.email));
                Ok(())
            })?;
            self.invitation(id)
        })
    }

    /// A new code for an invitation (pending or expired, not used or withdrawn); the old
    /// code stops at once, and the new one works for 7 days.
    pub fn reissue_invitation(&self, session: &Session, id: &str) -> Result<IssuedInvitation> {
        let target = Some(format!("invitation {id}"));
        self.audited(session, "invitation.reissued", target, |audit| {
            let (code, d, hint) = new_code()?;
            let new_id = crate::KeyId::generate()?.0;
            let now = self.now_unix();
            let expires = now + Duration::days(INVITATION_DAYS).whole_seconds();
            audit.write(now, |tx, actor, entry| {
                actor.require_admin()?;
                let old = store::invitations::load(tx, id, now)?
                    .ok_or_else(|| Error::NotFound("invitation".into()))?;
                match old.status {
                    InvitationStatus::Pending | InvitationStatus::Expired => {}
                    InvitationStatus::Accepted => {
                        return Err(Error::Conflict("this invitation was already used".into()))
                    }
                    InvitationStatus::Revoked => {
                        return Err(Error::Conflict(
                            "this invitation was withdrawn; invite again instead".into(),
                        ))
                    }
                }
                if old.admin {
                    self.require_fresh_proof(session)?;
                }
                let group_ids = store::invitations::group_ids(tx, id)?;
                store::invitations::insert(
                    tx,
                    &store::invitations::NewRow {
                        id: &new_id,
                        digest: &d,
                        hint: &hint,
                        email: &old.email,
                        admin: old.admin,
                        created_by: actor.id,
                        created_at: now,
                        expires_at: expires,
                        group_ids: &group_ids,
                    },
                )?;
                store::invitations::revoke(tx, id, now, Some(&new_id))?;
                entry.target = Some(format!("invitation {id} for {}", old.email));
                entry.detail = format!("replaced by {new_id}");
                Ok(())
            })?;
            let invitation = self.invitation(&new_id)?;
            Ok(IssuedInvitation { invitation, code })
        })
    }

    /// Whom a code invites, and to what, for the redeeming screen. A wrong code counts
    /// toward the invitation throttle, as at redemption.
    pub fn preview_invitation(&self, code: &str) -> Result<InvitationPreview> {
        let code = parse_code(code)?;
        let now = self.now_unix();
        let c = self
            .store
            .write(|tx| check_code(tx, code, now, "invitation.refused"))??;
        let organisation = self
            .store
            .read(|tx| settings::get(tx, settings::ORG_NAME))?
            .unwrap_or_default();
        Ok(InvitationPreview {
            organisation,
            email: c.email,
            admin: c.admin,
            expires_at: crate::clock::from_unix(c.expires_at),
        })
    }

    /// Redeems a code: the account is made with the invitation's email, groups and role,
    /// the username and names given, and `password` (under the password policy, and
    /// `confirm` must match); the invitation becomes accepted; the new member is signed in.
    pub fn redeem_invitation(
        &self,
        code: &str,
        new: &NewAccount,
        password: &Password,
        confirm: &Password,
    ) -> Result<SignIn> {
        let code = parse_code(code)?;
        password::confirm(password, confirm)?;
        let now = self.now_unix();
        // The invitation first (throttled), for the email the password must not be…
        let c = self
            .store
            .write(|tx| check_code(tx, code, now, "invitation.refused"))??;
        // …then the argon2 work, outside the write lock…
        let p = self.prepare_account(
            &NewAccount {
                email: Some(c.email.clone()),
                is_admin: c.admin,
                groups: Vec::new(),
                ..new.clone()
            },
            password,
        )?;
        // …then the account and the acceptance, together, with the invitation checked
        // again under the lock: of two redemptions at once, one makes an account.
        let username = p.clean.username.clone();
        let (id, key) = self.store.write(|tx| {
            let again = check_code(tx, code, now, "invitation.refused")??;
            let (id, key) = write_account(tx, &p, &again.group_ids, now)?;
            if !store::invitations::accept(tx, &again.id, id, now)? {
                return Err(Error::Invitation(InvitationProblem::Used));
            }
            let tag = Some((id, username.as_str()));
            record(
                tx,
                now,
                Entry::ok(
                    tag,
                    "invitation.accepted",
                    Some(format!("invitation {}", again.id)),
                )
                .detail(format!("account {username}")),
            )?;
            record_created(
                tx,
                tag,
                "account.created",
                &p,
                key.as_ref().map(|k| &k.0),
                now,
            )?;
            Ok((id, key))
        })?;
        // The account key of a new administrator is viewable later; it is not handed out
        // here (the new member is signed in next, and can view it after step-up).
        drop(key);
        let _ = id;
        self.sign_in(&username, password)
    }
}

/// An invitation that can still be withdrawn.
fn pending(tx: &mut Tx<'_>, id: &str, now: i64) -> Result<Invitation> {
    let inv = store::invitations::load(tx, id, now)?
        .ok_or_else(|| Error::NotFound("invitation".into()))?;
    match inv.status {
        InvitationStatus::Pending => Ok(inv),
        InvitationStatus::Accepted => {
            Err(Error::Conflict("this invitation was already used".into()))
        }
        InvitationStatus::Revoked => Err(Error::Conflict(
            "this invitation was already withdrawn".into(),
        )),
        InvitationStatus::Expired => Err(Error::Conflict("this invitation has expired".into())),
    }
}

/// The invitation `code` names, if it can be redeemed now; else why not (the inner
/// error). Inside a write transaction that commits either way: the store-wide throttle is
/// checked first, an unknown code counts as a failure, and every refusal is audited
/// under `action`.
fn check_code(
    tx: &mut Tx<'_>,
    code: &str,
    now: i64,
    action: &str,
) -> Result<std::result::Result<Checked, Error>> {
    let (failed, last) = store::invitations::attempts(tx)?;
    let wait = throttle_delay(failed).whole_seconds();
    if let Some(last) = last {
        let remaining = last + wait - now;
        if wait > 0 && remaining > 0 {
            record_repeated(
                tx,
                now,
                Entry::ok(None, action, None)
                    .outcome("throttled")
                    .detail("wrong invitation codes in a row"),
            )?;
            return Ok(Err(Error::Throttled {
                retry_after_secs: remaining as u64,
            }));
        }
    }
    let refuse = |tx: &mut Tx<'_>, why: InvitationProblem, target: Option<String>| {
        let detail = match why {
            InvitationProblem::Unknown => "unknown code",
            InvitationProblem::Used => "already used",
            InvitationProblem::Expired => "expired",
            InvitationProblem::Revoked => "withdrawn",
            InvitationProblem::Replaced => "replaced by a newer code",
        };
        let entry = Entry::ok(None, action, target)
            .outcome("refused")
            .detail(detail);
        // Wrong codes can come in floods; the others name a real invitation.
        if why == InvitationProblem::Unknown {
            record_repeated(tx, now, entry)?;
        } else {
            record(tx, now, entry)?;
        }
        Ok(Err(Error::Invitation(why)))
    };
    let Some(inv) = store::invitations::by_digest(tx, &digest(code))? else {
        store::invitations::count_failure(tx, now)?;
        return refuse(tx, InvitationProblem::Unknown, None);
    };
    let target = Some(format!("invitation {} for {}", inv.id, inv.email));
    if inv.accepted_at.is_some() {
        return refuse(tx, InvitationProblem::Used, target);
    }
    if inv.replaced {
        return refuse(tx, InvitationProblem::Replaced, target);
    }
    if inv.revoked_at.is_some() {
        return refuse(tx, InvitationProblem::Revoked, target);
    }
    if inv.expires_at <= now {
        return refuse(tx, InvitationProblem::Expired, target);
    }
    store::invitations::reset_attempts(tx)?;
    Ok(Ok(Checked {
        id: inv.id,
        email: inv.email,
        admin: inv.admin,
        group_ids: inv.group_ids,
        expires_at: inv.expires_at,
    }))
}

/// "groups: a b; administrator".
fn describe(groups: &[String], admin: bool) -> String {
    let mut d = if groups.is_empty() {
        "groups: none".to_owned()
    } else {
        format!("groups: {}", groups.join(" "))
    };
    if admin {
        d.push_str("; administrator");
    }
    d
}
