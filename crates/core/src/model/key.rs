//! API keys as shown, as asked for, and the settings they are made with.

use crate::keyformat::KeyKind;
use crate::permissions::Permission;
use crate::secret::ApiKeySecret;
use crate::{Error, KeyId, Result};
use serde::{Deserialize, Serialize};
use std::str::FromStr;
use time::{Date, Duration, OffsetDateTime};

/// Keys within this long of their end are "expiring soon" (but see [`KeyStatus::at`]).
pub const EXPIRING_SOON: Duration = Duration::days(7);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Live,
    Test,
}

impl Environment {
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Live => "live",
            Environment::Test => "test",
        }
    }

    pub(crate) fn kind(self) -> KeyKind {
        match self {
            Environment::Live => KeyKind::Live,
            Environment::Test => KeyKind::Test,
        }
    }

    /// The environment a key of `kind` serves (account keys are live).
    pub(crate) fn of(kind: KeyKind) -> Self {
        if kind == KeyKind::Test {
            Environment::Test
        } else {
            Environment::Live
        }
    }
}

impl FromStr for Environment {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim() {
            "live" => Ok(Environment::Live),
            "test" => Ok(Environment::Test),
            _ => Err(Error::invalid("environment", "must be live or test")),
        }
    }
}

/// When a new key stops working. In JSON: `{"type": "days", "value": 30}`,
/// `{"type": "on", "value": "2031-01-31"}` or `{"type": "never"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case", tag = "type", content = "value")]
pub enum Expiry {
    /// One of the presets: 7, 30, 60 or 90 days from now.
    Days(u16),
    /// The end of this day (23:59:59 UTC).
    On(
        #[serde(with = "iso_date")]
        #[cfg_attr(feature = "ts", ts(type = "string"))]
        Date,
    ),
    Never,
}

/// A new key lives 30 days unless told otherwise (CLI, JSON API and window alike).
impl Default for Expiry {
    fn default() -> Self {
        Expiry::Days(30)
    }
}

/// What every input of a date expiry is told when it is not one.
pub(crate) const DATE_RULE: &str = "must be a date YYYY-MM-DD";

fn parse_date(s: &str) -> Option<Date> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s.trim(), &fmt).ok()
}

/// Dates as `YYYY-MM-DD` in JSON, as a person types them.
mod iso_date {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;

    pub fn serialize<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!(
            "{:04}-{:02}-{:02}",
            d.year(),
            u8::from(d.month()),
            d.day()
        ))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let s = String::deserialize(d)?;
        super::parse_date(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("expiry: {}", super::DATE_RULE)))
    }
}

impl FromStr for Expiry {
    type Err = Error;
    /// `7d`, `30d`, `60d`, `90d`, `never`, or a date `YYYY-MM-DD`.
    fn from_str(s: &str) -> Result<Self> {
        match s.trim() {
            "never" => Ok(Expiry::Never),
            "7d" => Ok(Expiry::Days(7)),
            "30d" => Ok(Expiry::Days(30)),
            "60d" => Ok(Expiry::Days(60)),
            "90d" => Ok(Expiry::Days(90)),
            other => parse_date(other).map(Expiry::On).ok_or_else(|| {
                Error::invalid(
                    "expiry",
                    "must be 7d, 30d, 60d, 90d, a date YYYY-MM-DD, or never",
                )
            }),
        }
    }
}

/// How long a regenerated key's predecessor keeps working.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Grace {
    Immediately,
    Minutes15,
    Hour1,
    Hours6,
    Hours24,
}

impl Grace {
    pub fn duration(self) -> Duration {
        match self {
            Grace::Immediately => Duration::ZERO,
            Grace::Minutes15 => Duration::minutes(15),
            Grace::Hour1 => Duration::hours(1),
            Grace::Hours6 => Duration::hours(6),
            Grace::Hours24 => Duration::hours(24),
        }
    }

    /// When a key regenerated at `now` stops working: after the grace period, but never
    /// later than its own expiry.
    pub fn old_stops_at(
        self,
        now: OffsetDateTime,
        expires_at: Option<OffsetDateTime>,
    ) -> OffsetDateTime {
        let stop = now + self.duration();
        expires_at.map_or(stop, |e| stop.min(e))
    }
}

impl FromStr for Grace {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim() {
            "0" | "now" | "immediately" => Ok(Grace::Immediately),
            "15m" => Ok(Grace::Minutes15),
            "1h" => Ok(Grace::Hour1),
            "6h" => Ok(Grace::Hours6),
            "24h" => Ok(Grace::Hours24),
            _ => Err(Error::invalid("grace", "must be now, 15m, 1h, 6h or 24h")),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum KeyStatus {
    Active,
    ExpiringSoon,
    Expired,
    Revoked,
}

impl KeyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyStatus::Active => "active",
            KeyStatus::ExpiringSoon => "expiring_soon",
            KeyStatus::Expired => "expired",
            KeyStatus::Revoked => "revoked",
        }
    }

    /// The status at `now` (Unix seconds) of a key made at `created_at` with these end
    /// times. "Expiring soon": a rotation's grace ending within 7 days, or the key's own
    /// expiry within 7 days and within the last quarter of its life — so a key made to
    /// live 7 days is not flagged the moment it is made, but in its last 42 hours.
    pub(crate) fn at(
        now: i64,
        created_at: i64,
        expires_at: Option<i64>,
        revoked_at: Option<i64>,
    ) -> Self {
        if revoked_at.is_some_and(|r| r <= now) {
            return KeyStatus::Revoked;
        }
        if expires_at.is_some_and(|e| e <= now) {
            return KeyStatus::Expired;
        }
        let week = EXPIRING_SOON.whole_seconds();
        let rotating = revoked_at.is_some_and(|r| r - now <= week);
        let ending = expires_at.is_some_and(|e| e - now <= week.min((e - created_at) / 4));
        if rotating || ending {
            KeyStatus::ExpiringSoon
        } else {
            KeyStatus::Active
        }
    }
}

/// What the list shows of a key. Never the secret.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct KeyInfo {
    pub id: KeyId,
    pub name: String,
    pub hint: String,
    pub kind: KeyKind,
    pub environment: Environment,
    /// The permissions the key was given (an account key: all of the account's).
    pub permissions: Vec<Permission>,
    pub account_key: bool,
    /// The secret can be viewed again after step-up.
    pub revealable: bool,
    /// The account's owner can view it now (false after an administrator's reset).
    pub viewable: bool,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub expires_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub last_used_at: Option<OffsetDateTime>,
    /// When it stopped (or, during a regeneration grace period, will stop) working.
    #[serde(with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub revoked_at: Option<OffsetDateTime>,
    pub replaced_by: Option<KeyId>,
    pub status: KeyStatus,
    pub account: String,
}

/// A key as issued: its description and, this once, its secret.
#[derive(Debug)]
pub struct IssuedKey {
    pub key: KeyInfo,
    pub secret: ApiKeySecret,
    /// For a regenerated key whose predecessor has a grace period: when the old one
    /// stops working ([`Grace::old_stops_at`]).
    pub old_stops_at: Option<OffsetDateTime>,
}

impl IssuedKey {
    pub fn new(key: KeyInfo, secret: ApiKeySecret) -> Self {
        IssuedKey {
            key,
            secret,
            old_stops_at: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewKey {
    pub name: String,
    pub permissions: Vec<String>,
    pub environment: Environment,
    #[serde(default)]
    pub expiry: Expiry,
    /// Keep an encrypted copy so the owner can view it again after step-up.
    #[serde(default)]
    pub revealable: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct KeyEdit {
    pub name: Option<String>,
    pub permissions: Option<Vec<String>>,
}

/// The account's keys in use against the policy's limit.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct KeyQuota {
    pub active: u32,
    /// `null`: no limit.
    pub max: Option<u32>,
    /// Why no key can be made now, when none can.
    pub blocked: Option<String>,
}

/// How a key's secret left the app, for [`crate::Latchkey::record_key_use`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyUse {
    Copied,
    Downloaded,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> std::result::Result<Expiry, String> {
        serde_json::from_str::<Expiry>(json).map_err(|e| e.to_string())
    }

    #[test]
    fn expiry_in_json_as_the_window_and_the_api_send_it() {
        assert_eq!(parse(r#"{"type":"days","value":30}"#), Ok(Expiry::Days(30)));
        assert_eq!(parse(r#"{"type":"never"}"#), Ok(Expiry::Never));
        assert_eq!(
            parse(r#"{"type":"on","value":"2031-02-28"}"#),
            Ok(Expiry::On(time::macros::date!(2031 - 02 - 28)))
        );
        for bad in ["2031-02-30", "never", "30d", ""] {
            let err = parse(&format!(r#"{{"type":"on","value":"{bad}"}}"#)).unwrap_err();
            assert!(
                err.starts_with("expiry: must be a date YYYY-MM-DD"),
                "{err}"
            );
        }
        // And back: the date as a person types it.
        let on = Expiry::On(time::macros::date!(2031 - 02 - 28));
        assert_eq!(
            serde_json::to_string(&on).unwrap(),
            r#"{"type":"on","value":"2031-02-28"}"#
        );
        assert_eq!(Expiry::default(), Expiry::Days(30));
    }

    #[test]
    fn expiring_soon_is_the_last_week_or_the_last_quarter_of_a_shorter_life() {
        let day = 86_400;
        let made = 1_000_000;
        let at = |now, exp, rev| KeyStatus::at(now, made, exp, rev);
        // A 90-day key: flagged in its last 7 days, not before.
        let end = made + 90 * day;
        assert_eq!(at(end - 7 * day - 1, Some(end), None), KeyStatus::Active);
        assert_eq!(at(end - 7 * day, Some(end), None), KeyStatus::ExpiringSoon);
        // A 7-day key: not when it is made; in its last 42 hours.
        let end = made + 7 * day;
        assert_eq!(at(made, Some(end), None), KeyStatus::Active);
        assert_eq!(at(end - 42 * 3600 - 1, Some(end), None), KeyStatus::Active);
        assert_eq!(
            at(end - 42 * 3600, Some(end), None),
            KeyStatus::ExpiringSoon
        );
        // A rotation's grace ending soon is flagged at once, whatever the key's age.
        assert_eq!(at(made, None, Some(made + 3600)), KeyStatus::ExpiringSoon);
        assert_eq!(at(made + 3600, None, Some(made + 3600)), KeyStatus::Revoked);
        assert_eq!(
            at(made + 90 * day, Some(made + 90 * day), None),
            KeyStatus::Expired
        );
        assert_eq!(at(made, None, None), KeyStatus::Active);
    }

    #[test]
    fn the_old_key_stops_after_the_grace_but_never_after_its_own_expiry() {
        let now = time::macros::datetime!(2030-01-01 12:00 UTC);
        assert_eq!(Grace::Immediately.old_stops_at(now, None), now);
        assert_eq!(
            Grace::Hours24.old_stops_at(now, None),
            now + Duration::hours(24)
        );
        let soon = now + Duration::hours(2);
        assert_eq!(Grace::Hours6.old_stops_at(now, Some(soon)), soon);
        assert_eq!(
            Grace::Minutes15.old_stops_at(now, Some(soon)),
            now + Duration::minutes(15)
        );
    }
}
