//! Verification: is this key valid, and what may it do now?
//!
//! Three ways in, one verdict. [`Latchkey::verify`] (the CLI, the app, key-authenticated
//! requests) reads on a pooled connection and records the key's last use before it
//! returns. A server answering on async workers uses
//! [`Latchkey::verify_without_waiting`]: a pure read on the thread's own reader connection
//! that never waits for a lock, with the last use handed to a background writer; when
//! the store is momentarily busy for a reader it says so, and the server retries on a
//! blocking thread with [`Latchkey::verify_deferring_last_use`]. None of them caches a
//! verdict: each reads the store afresh, so a revocation committed by any process is
//! seen by the next verification.

use crate::clock::from_unix;
use crate::keyformat::{self, KeyKind};
use crate::keys::{digest, Environment};
use crate::permissions::Permission;
use crate::store::{self, verify::KeyLookup, Store};

pub use crate::model::verification::{Reason, Verification};
use crate::{AccountId, KeyId, Latchkey, Result};
use std::collections::HashMap;
use std::sync::mpsc::{self, RecvTimeoutError, SyncSender};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq;

/// Last-used times are written at most this often per key, so verification stays a read.
pub const LAST_USED_RESOLUTION_SECS: i64 = 60;

/// How a verification reads the store and records the key's last use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Way {
    /// Pooled connection (waits for locks); last use written before returning.
    Direct,
    /// Pooled connection (waits for locks); last use queued.
    Deferred,
    /// The thread's reader connection (never waits); last use queued.
    NoWait,
}

impl Latchkey {
    /// Verifies a presented key. A string that fails the format or checksum is rejected
    /// before any lookup; a found key is checked for revocation, expiry and a disabled
    /// account; its effective permissions are its own intersected with the account's now.
    /// Records the key's last use (at most once a minute) before returning; a failure to
    /// record it never changes the verdict.
    pub fn verify(&self, presented: &str) -> Result<Verification> {
        self.verify_by(presented, Way::Direct)
    }

    /// The same verdict as [`Latchkey::verify`], for a server answering on an async
    /// worker thread: only reads, on a connection of the calling thread's own, and never
    /// waits for a lock. `Err(Error::Busy)` means the store was momentarily unreadable
    /// without waiting; retry with [`Latchkey::verify_deferring_last_use`] on a thread
    /// that may block. The last use is recorded by a background writer, batched about
    /// once a second (dropped, never waited for, when its queue is full).
    pub fn verify_without_waiting(&self, presented: &str) -> Result<Verification> {
        self.verify_by(presented, Way::NoWait)
    }

    /// The same verdict, reading on a connection that waits for locks (call it off the
    /// async workers); the last use is queued as by [`Latchkey::verify_without_waiting`].
    pub fn verify_deferring_last_use(&self, presented: &str) -> Result<Verification> {
        self.verify_by(presented, Way::Deferred)
    }

    /// Writes the last-use times queued so far and waits (up to 30 s) until they are in
    /// the store. A server calls it as it stops; queued times are otherwise written
    /// within about a second.
    pub fn flush_last_used(&self) {
        self.last_use.flush();
    }

    fn verify_by(&self, presented: &str, way: Way) -> Result<Verification> {
        let presented = presented.trim();
        // An invitation code has the key's shape but is not an API key.
        let Ok(parsed) = keyformat::parse(presented).map_err(|_| ()).and_then(|p| {
            if p.kind == KeyKind::Inv {
                Err(())
            } else {
                Ok(p)
            }
        }) else {
            return Ok(Verification::refused(Reason::Malformed));
        };
        let wanted = digest(presented);
        let now = self.now_unix();
        let acct_key = parsed.kind == KeyKind::Acct;
        let found = self.store.lookup_key(&wanted, way != Way::NoWait, |row| {
            Ok(row.and_then(|r| judge(r, &wanted, acct_key, now)))
        })?;
        let Some(f) = found else {
            return Ok(Verification::refused(Reason::NotFound));
        };
        let valid = f.reason == Reason::Valid;
        if valid
            && f.last_used_at
                .is_none_or(|t| now - t >= LAST_USED_RESOLUTION_SECS)
        {
            match way {
                // Last use is a convenience for people reading key lists; whatever stops
                // it from being written (a busy or read-only store, a full disk) must
                // not turn a valid key away.
                Way::Direct => {
                    let _ = self.store.write(|tx| {
                        store::verify::touch(tx, &f.id, now, LAST_USED_RESOLUTION_SECS)
                    });
                }
                Way::Deferred | Way::NoWait => self.last_use.queue(&self.store, &f.id, now),
            }
        }
        Ok(Verification {
            valid,
            reason: f.reason,
            account: Some(f.username),
            account_id: Some(AccountId(f.account_id)),
            key_id: Some(KeyId(f.id)),
            permissions: f.permissions,
            environment: Some(Environment::of(parsed.kind)),
            expires_at: f.expires_at.map(from_unix),
        })
    }
}

struct Found {
    id: String,
    reason: Reason,
    expires_at: Option<i64>,
    last_used_at: Option<i64>,
    account_id: i64,
    username: String,
    /// Effective permissions; empty unless the key is valid.
    permissions: Vec<Permission>,
}

/// The verdict on a key the store found by its digest. Only what the verdict returns is
/// copied out of the borrowed row.
fn judge(r: KeyLookup<'_>, wanted: &[u8; 32], acct_key: bool, now: i64) -> Option<Found> {
    // The index found it by digest; compare again in constant time anyway, so nothing
    // downstream depends on how the engine compares bytes.
    if !bool::from(r.digest.ct_eq(wanted.as_slice())) {
        return None;
    }
    let reason = if r.revoked_at.is_some_and(|t| t <= now) {
        Reason::Revoked
    } else if r.expires_at.is_some_and(|t| t <= now) {
        Reason::Expired
    } else if r.disabled {
        Reason::AccountDisabled
    } else {
        Reason::Valid
    };
    let permissions = if reason == Reason::Valid {
        effective(
            r.key_permissions,
            &r.account_permissions,
            acct_key && r.kind == "acct",
        )
    } else {
        Vec::new()
    };
    Some(Found {
        id: r.id.to_owned(),
        reason,
        expires_at: r.expires_at,
        last_used_at: r.last_used_at,
        account_id: r.account_id,
        username: r.username.to_owned(),
        permissions,
    })
}

/// A key's effective permissions from the space-separated lists the store keeps: its own
/// intersected with its account's (an account key: all of the account's). Sorted, each
/// once.
fn effective(key: &str, account: &str, account_key: bool) -> Vec<Permission> {
    let held = |p: &&str| account.split(' ').any(|a| a == *p);
    let mut out: Vec<Permission> = if account_key {
        account.split(' ').filter_map(|p| p.parse().ok()).collect()
    } else {
        key.split(' ')
            .filter(|p| !p.is_empty() && held(p))
            .filter_map(|p| p.parse().ok())
            .collect()
    };
    out.sort_unstable();
    out.dedup();
    out
}

/// Last-use times waiting to be written, and the thread that writes them: one
/// `BEGIN IMMEDIATE` about once a second for everything queued meanwhile. The queue is
/// bounded and never waited on: when it is full a time is dropped (the next
/// verification of that key queues it again).
#[derive(Debug, Default)]
pub(crate) struct LastUseQueue {
    tx: OnceLock<Option<SyncSender<Msg>>>,
}

#[derive(Debug)]
enum Msg {
    Used { key_id: String, at: i64 },
    Flush(SyncSender<()>),
}

const QUEUE_LEN: usize = 4096;
const BATCH_EVERY: Duration = Duration::from_secs(1);
/// Times kept for a retry after the store was busy; beyond this they are dropped.
const PENDING_MAX: usize = 100_000;

impl LastUseQueue {
    fn sender(&self, store: &Arc<Store>) -> Option<&SyncSender<Msg>> {
        self.tx
            .get_or_init(|| {
                let (tx, rx) = mpsc::sync_channel(QUEUE_LEN);
                let store = Arc::clone(store);
                std::thread::Builder::new()
                    .name("latchkey-last-used".into())
                    .spawn(move || write_last_used(&store, rx))
                    .ok()
                    .map(|_| tx)
            })
            .as_ref()
    }

    fn queue(&self, store: &Arc<Store>, key_id: &str, at: i64) {
        if let Some(tx) = self.sender(store) {
            let msg = Msg::Used {
                key_id: key_id.to_owned(),
                at,
            };
            // Full: dropped rather than waited for (the key's next verification queues it
            // again). Disconnected: the writer is gone, and with it any use in queueing.
            let _ = tx.try_send(msg);
        }
    }

    fn flush(&self) {
        let Some(Some(tx)) = self.tx.get() else {
            return;
        };
        let (ack, done) = mpsc::sync_channel(1);
        if tx.send(Msg::Flush(ack)).is_ok() {
            let _ = done.recv_timeout(Duration::from_secs(30));
        }
    }
}

/// The writer thread: runs until the queue's owner (the `Latchkey`) is dropped, then
/// writes what is left and ends (the store stays open until then).
fn write_last_used(store: &Store, rx: mpsc::Receiver<Msg>) {
    let mut pending: HashMap<String, i64> = HashMap::new();
    let mut due: Option<Instant> = None;
    let write = |pending: &mut HashMap<String, i64>| write_batch(store, pending);
    loop {
        let msg = match due {
            Some(at) => rx.recv_timeout(at.saturating_duration_since(Instant::now())),
            None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match msg {
            Ok(Msg::Used { key_id, at }) => {
                let t = pending.entry(key_id).or_insert(at);
                *t = (*t).max(at);
                due.get_or_insert_with(|| Instant::now() + BATCH_EVERY);
            }
            Ok(Msg::Flush(ack)) => {
                write(&mut pending);
                due = (!pending.is_empty()).then(|| Instant::now() + BATCH_EVERY);
                let _ = ack.send(());
            }
            Err(RecvTimeoutError::Timeout) => {
                write(&mut pending);
                due = (!pending.is_empty()).then(|| Instant::now() + BATCH_EVERY);
            }
            Err(RecvTimeoutError::Disconnected) => {
                write(&mut pending);
                return;
            }
        }
    }
}

/// Writes `pending` in one transaction. A busy store keeps them for the next round;
/// any other failure drops them (last use is advisory, never worth an error).
fn write_batch(store: &Store, pending: &mut HashMap<String, i64>) {
    if pending.is_empty() {
        return;
    }
    let result = store.write(|tx| {
        for (id, at) in pending.iter() {
            store::verify::touch(tx, id, *at, LAST_USED_RESOLUTION_SECS)?;
        }
        Ok(())
    });
    match result {
        Err(crate::Error::Busy) if pending.len() <= PENDING_MAX => {}
        _ => pending.clear(),
    }
}
