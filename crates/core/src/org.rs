//! Company details: the organisation's name and country. Every member sees them;
//! administrators change them.

use crate::model::org::Country;
use crate::session::Session;
use crate::store::{self, settings};
use crate::{validate, Error, Latchkey, Result};

pub use crate::model::org::Organisation;

/// Every ISO 3166-1 country, by name, for the picker.
pub fn countries() -> Vec<Country> {
    let mut all: Vec<Country> = celes::Country::get_countries()
        .iter()
        .map(|c| Country {
            code: c.alpha2.to_owned(),
            name: readable(c.long_name),
        })
        .collect();
    all.sort_by(|a, b| a.name.cmp(&b.name));
    all
}

/// The list's names as people write them: celes capitalises every word and starts some
/// with "The" ("The United Kingdom Of Great Britain And Northern Ireland"), which would
/// file the United Kingdom under T.
fn readable(long_name: &str) -> String {
    const SMALL: [&str; 8] = ["Of", "And", "The", "Da", "De", "Du", "Del", "Los"];
    let name = long_name.strip_prefix("The ").unwrap_or(long_name);
    name.split(' ')
        .enumerate()
        .map(|(i, w)| {
            if i > 0 && SMALL.contains(&w) {
                w.to_lowercase()
            } else {
                w.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// An ISO 3166-1 alpha-2 code the standard assigns, in upper case.
fn country(code: &str) -> Result<String> {
    let code = code.trim().to_ascii_uppercase();
    if code.len() == 2 && celes::Country::from_alpha2(&code).is_ok() {
        Ok(code)
    } else {
        Err(Error::invalid(
            "country",
            "must be an ISO 3166-1 alpha-2 code such as DE or NZ",
        ))
    }
}

impl Latchkey {
    /// The organisation's details; anyone signed in may read them.
    pub fn organisation(&self, session: &Session) -> Result<Organisation> {
        self.store.read(|tx| {
            self.actor(tx, session)?;
            Ok(Organisation {
                name: settings::get(tx, settings::ORG_NAME)?.unwrap_or_default(),
                country: settings::get(tx, settings::ORG_COUNTRY)?.unwrap_or_default(),
            })
        })
    }

    /// Sets the organisation's name (1–100 characters) and country (administrators).
    pub fn set_organisation(&self, session: &Session, org: &Organisation) -> Result<Organisation> {
        let target = Some("organisation".to_owned());
        self.audited(session, "org.changed", target, |audit| {
            let name = validate::org_name(&org.name)?;
            let country = country(&org.country)?;
            let now = self.now_unix();
            audit.write(now, |tx, actor, entry| {
                actor.require_admin()?;
                store::settings::put(tx, settings::ORG_NAME, &name, now)?;
                store::settings::put(tx, settings::ORG_COUNTRY, &country, now)?;
                entry.detail = format!("name: {name}; country: {country}");
                Ok(Organisation { name, country })
            })
        })
    }
}
