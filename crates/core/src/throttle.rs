//! The one throttle on guessing an account's secrets (passwords, TOTP and recovery
//! codes): failures in a row are counted per account, and after five each further try
//! must wait longer. An attempt is reserved (counted as a failure) before the secret is
//! checked, released when it was right, and the count reset once the person is in.

use crate::audit::{record_repeated, Entry};
use crate::store::{self, Tx};

pub(crate) use crate::store::throttle::Subject;
use crate::{Error, Result};
use time::Duration;

/// Failures in a row before each further try must wait.
pub const FREE_ATTEMPTS: i64 = 5;

/// How long the next attempt must wait after `failures` failures in a row: nothing for the
/// first five, then 30 s doubling each time, at most 15 minutes.
pub fn throttle_delay(failures: i64) -> Duration {
    if failures < FREE_ATTEMPTS {
        return Duration::ZERO;
    }
    let doublings = (failures - FREE_ATTEMPTS).min(10) as u32;
    Duration::seconds((30i64 << doublings).min(15 * 60))
}

/// Which secret is being tried, for the `throttled` entry's detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Guess {
    Password,
    Code,
}

/// What the throttle said about one more attempt at a secret.
#[must_use]
pub(crate) enum Gate {
    /// Counted as a failure already; [`Attempt::release`] takes it back if it was right,
    /// [`Attempt::failed`] lets it stand.
    Go(Attempt),
    Wait {
        retry_after_secs: u64,
    },
    /// The count says wait, but attempts reserved moments ago are still being checked:
    /// if they were right they take their counts back. Ask again shortly.
    Busy,
}

/// How long a reserved attempt may stay unchecked before it counts as the failure it
/// was reserved as (a process killed in the middle of argon2).
const PENDING_STALE_SECS: i64 = 60;

/// How long one attempt waits, in all, for others reserved before it to be checked.
const BUSY_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// Runs `reserve_once` (a write transaction around [`reserve`]) until the throttle's
/// answer no longer depends on attempts still being checked: parallel right passwords
/// queue instead of refusing each other.
pub(crate) fn wait_for_gate(mut reserve_once: impl FnMut() -> Result<Gate>) -> Result<Attempt> {
    let started = std::time::Instant::now();
    let mut pause = std::time::Duration::from_millis(5);
    loop {
        match reserve_once()? {
            Gate::Go(a) => return Ok(a),
            Gate::Wait { retry_after_secs } => return Err(Error::Throttled { retry_after_secs }),
            Gate::Busy if started.elapsed() >= BUSY_WAIT => {
                return Err(Error::Throttled {
                    retry_after_secs: 1,
                })
            }
            Gate::Busy => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(std::time::Duration::from_millis(100));
            }
        }
    }
}

/// One attempt, counted against its subject before its secret was checked.
pub(crate) struct Attempt {
    subject: Subject,
    at: i64,
    failed_before: i64,
    last_failed_before: Option<i64>,
}

impl Attempt {
    /// The secret was right: takes back this attempt's count. The previous failure time
    /// comes back too unless another attempt has moved it since.
    pub(crate) fn release(&self, tx: &mut Tx<'_>) -> Result<()> {
        store::throttle::take_back(
            tx,
            &self.subject,
            self.failed_before,
            self.at,
            self.last_failed_before,
        )
    }

    /// The secret was wrong: the failure counted up front stands.
    pub(crate) fn failed(&self, tx: &mut Tx<'_>) -> Result<()> {
        store::throttle::settle(tx, &self.subject)
    }
}

/// Inside the caller's write transaction: while the throttle says wait, audits a
/// `throttled` event under `action` and says so; otherwise counts the attempt as a
/// failure up front. Checking and counting under the one write lock is what keeps
/// parallel attempts from each seeing the same old count.
pub(crate) fn reserve(
    tx: &mut Tx<'_>,
    subject: Subject,
    tag: Option<(i64, &str)>,
    action: &str,
    now: i64,
    guess: Guess,
) -> Result<Gate> {
    let c = store::throttle::state(tx, &subject)?;
    let wait = throttle_delay(c.failed).whole_seconds();
    if let Some(last) = c.last_failed_at {
        let remaining = last + wait - now;
        if wait > 0 && remaining > 0 {
            let checking = c.pending > 0
                && c.pending_since
                    .is_some_and(|at| now - at < PENDING_STALE_SECS);
            if checking {
                return Ok(Gate::Busy);
            }
            let detail = match guess {
                Guess::Password => "failures in a row".to_owned(),
                Guess::Code => "code".to_owned(),
            };
            let target = match subject {
                Subject::Account(_) => None,
                Subject::Unknown(_) => Some("unknown account".to_owned()),
            };
            record_repeated(
                tx,
                now,
                Entry::ok(tag, action, target)
                    .outcome("throttled")
                    .detail(detail),
            )?;
            return Ok(Gate::Wait {
                retry_after_secs: remaining as u64,
            });
        }
    }
    if matches!(subject, Subject::Unknown(_)) {
        store::throttle::forget_unknown(tx, now - FORGET_UNKNOWN_SECS)?;
    }
    store::throttle::reserve(tx, &subject, now)?;
    Ok(Gate::Go(Attempt {
        subject,
        at: now,
        failed_before: c.failed,
        last_failed_before: c.last_failed_at,
    }))
}

/// After a day without failures an unknown login starts afresh (the longest wait is 15
/// minutes, so nothing is lost by forgetting it).
const FORGET_UNKNOWN_SECS: i64 = 86_400;

/// The person proved who they are: no failures count against the account any more.
pub(crate) fn reset(tx: &mut Tx<'_>, account_id: i64) -> Result<()> {
    store::throttle::reset(tx, &Subject::Account(account_id))
}

/// The subject for a login that names no account.
pub(crate) fn unknown_login(login: &str) -> Subject {
    use sha2::Digest;
    let folded = crate::validate::fold(login);
    Subject::Unknown(sha2::Sha256::digest(folded.as_bytes()).into())
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
