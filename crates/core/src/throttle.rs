//! The one throttle on guessing an account's secrets (passwords, TOTP and recovery
//! codes): failures in a row are counted per account, and after five each further try
//! must wait longer. An attempt is reserved (counted as a failure) before the secret is
//! checked, released when it was right, and the count reset once the person is in.

use crate::audit::{record, Entry};
use crate::store::{self, Tx};
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
    pub(crate) fn release(&self, tx: &mut Tx<'_>) -> Result<()> {
        store::throttle::take_back(
            tx,
            self.account_id,
            self.failed_before,
            self.at,
            self.last_failed_before,
        )
    }
}

/// Inside the caller's write transaction: while the throttle says wait, audits a
/// `throttled` event under `action` and says so; otherwise counts the attempt as a
/// failure up front. Checking and counting under the one write lock is what keeps
/// parallel attempts from each seeing the same old count.
pub(crate) fn reserve(
    tx: &mut Tx<'_>,
    account_id: i64,
    tag: Option<(i64, &str)>,
    action: &str,
    now: i64,
    guess: Guess,
) -> Result<Gate> {
    let (failed, last) = store::throttle::state(tx, account_id)?;
    let wait = throttle_delay(failed).whole_seconds();
    if let Some(last) = last {
        let remaining = last + wait - now;
        if wait > 0 && remaining > 0 {
            let detail = match guess {
                Guess::Password => format!("{failed} failures in a row"),
                Guess::Code => "code".to_owned(),
            };
            record(
                tx,
                now,
                Entry::ok(tag, action, None)
                    .outcome("throttled")
                    .detail(detail),
            )?;
            return Ok(Gate::Wait {
                retry_after_secs: remaining as u64,
            });
        }
    }
    store::throttle::count_failure(tx, account_id, now)?;
    Ok(Gate::Go(Attempt {
        account_id,
        at: now,
        failed_before: failed,
        last_failed_before: last,
    }))
}

/// The person proved who they are: no failures count against the account any more.
pub(crate) fn reset(tx: &mut Tx<'_>, account_id: i64) -> Result<()> {
    store::throttle::reset(tx, account_id)
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
