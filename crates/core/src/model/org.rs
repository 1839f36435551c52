//! The organisation the store belongs to (company details).

use serde::{Deserialize, Serialize};

/// Name (1–100 characters) and country (ISO 3166-1 alpha-2); both empty until set.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Organisation {
    pub name: String,
    pub country: String,
}

/// A country as the picker lists it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Country {
    /// ISO 3166-1 alpha-2, upper case.
    pub code: String,
    pub name: String,
}
