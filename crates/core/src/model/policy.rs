//! The administrator's policy as data: password length, key lifetime, keys per account,
//! hashing cost, and a change to it (checked field by field).

use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::fmt;

/// argon2id cost parameters. Never below OWASP's recommendation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Argon2Params {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Iterations.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

impl Argon2Params {
    /// OWASP's minimum for argon2id: 19 MiB, 2 iterations, 1 lane.
    pub const OWASP: Argon2Params = Argon2Params {
        m_kib: 19 * 1024,
        t: 2,
        p: 1,
    };

    pub fn validate(self) -> Result<Self> {
        if self.m_kib < Self::OWASP.m_kib || self.m_kib > 1024 * 1024 {
            return Err(Error::invalid(
                "argon2 memory",
                "must be between 19456 and 1048576 KiB",
            ));
        }
        if self.t < Self::OWASP.t || self.t > 20 {
            return Err(Error::invalid(
                "argon2 iterations",
                "must be between 2 and 20",
            ));
        }
        if self.p < 1 || self.p > 16 {
            return Err(Error::invalid("argon2 lanes", "must be between 1 and 16"));
        }
        Ok(self)
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        let mut it = s.split(',').map(|x| x.trim().parse::<u32>().ok());
        Some(Argon2Params {
            m_kib: it.next()??,
            t: it.next()??,
            p: it.next()??,
        })
    }
}

impl fmt::Display for Argon2Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{},{},{}", self.m_kib, self.t, self.p)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Policy {
    pub min_password_length: u32,
    /// Longest lifetime a new key may have; `None` for no limit.
    pub max_key_lifetime_days: Option<u32>,
    /// Whether keys that never expire may be created (only when there is no maximum).
    pub allow_never_expiring: bool,
    /// Most active keys an account may hold (the account key not counted); `None` for no limit.
    pub max_active_keys: Option<u32>,
    pub argon2: Argon2Params,
}

impl Policy {
    pub fn never_allowed(&self) -> bool {
        self.allow_never_expiring && self.max_key_lifetime_days.is_none()
    }
}

/// A change to the policy; `None` leaves a setting as it is. For the optional limits,
/// `Some(None)` removes the limit.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PolicyUpdate {
    pub min_password_length: Option<u32>,
    pub max_key_lifetime_days: Option<Option<u32>>,
    pub allow_never_expiring: Option<bool>,
    pub max_active_keys: Option<Option<u32>>,
    /// argon2 memory in KiB; the other two parameters stay as they are.
    pub argon2_memory_kib: Option<u32>,
    pub argon2_iterations: Option<u32>,
    pub argon2_lanes: Option<u32>,
}

impl From<&Policy> for PolicyUpdate {
    /// Every setting as `p` has it: a form that edits the whole policy at once.
    fn from(p: &Policy) -> Self {
        PolicyUpdate {
            min_password_length: Some(p.min_password_length),
            max_key_lifetime_days: Some(p.max_key_lifetime_days),
            allow_never_expiring: Some(p.allow_never_expiring),
            max_active_keys: Some(p.max_active_keys),
            ..PolicyUpdate::default()
        }
        .with_argon2(p.argon2)
    }
}

impl PolicyUpdate {
    /// Sets all three argon2 parameters.
    pub fn with_argon2(mut self, a: Argon2Params) -> Self {
        self.argon2_memory_kib = Some(a.m_kib);
        self.argon2_iterations = Some(a.t);
        self.argon2_lanes = Some(a.p);
        self
    }

    pub fn apply(&self, mut p: Policy) -> Result<Policy> {
        if let Some(n) = self.min_password_length {
            if !(8..=128).contains(&n) {
                return Err(Error::invalid(
                    "min password length",
                    "must be between 8 and 128",
                ));
            }
            p.min_password_length = n;
        }
        if let Some(d) = self.max_key_lifetime_days {
            if let Some(d) = d {
                if !(1..=3650).contains(&d) {
                    return Err(Error::invalid(
                        "max key lifetime",
                        "must be between 1 and 3650 days",
                    ));
                }
            }
            p.max_key_lifetime_days = d;
        }
        if let Some(b) = self.allow_never_expiring {
            p.allow_never_expiring = b;
        }
        if let Some(n) = self.max_active_keys {
            if let Some(n) = n {
                if !(1..=10_000).contains(&n) {
                    return Err(Error::invalid(
                        "max active keys",
                        "must be between 1 and 10000",
                    ));
                }
            }
            p.max_active_keys = n;
        }
        // Each parameter changes alone, on the policy as it is inside the transaction
        // that saves it: two administrators changing different ones lose neither.
        let argon2 = Argon2Params {
            m_kib: self.argon2_memory_kib.unwrap_or(p.argon2.m_kib),
            t: self.argon2_iterations.unwrap_or(p.argon2.t),
            p: self.argon2_lanes.unwrap_or(p.argon2.p),
        };
        if argon2 != p.argon2 {
            p.argon2 = argon2.validate()?;
        }
        Ok(p)
    }
}
