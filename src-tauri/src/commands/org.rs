//! Company details: the organisation's name and country.

use super::blocking;
use crate::error::CommandResult;
use crate::state::SharedDesk;
use latchkey_core::{Country, Organisation};
use tauri::State;

/// Anyone signed in sees them; administrators edit them.
#[tauri::command]
pub async fn organisation(desk: State<'_, SharedDesk>) -> CommandResult<Organisation> {
    blocking(&desk, |d| d.with_session(|lk, s| Ok(lk.organisation(s)?))).await
}

#[tauri::command]
pub async fn set_organisation(
    desk: State<'_, SharedDesk>,
    name: String,
    country: String,
) -> CommandResult<Organisation> {
    blocking(&desk, move |d| {
        let org = Organisation { name, country };
        d.with_session(|lk, s| Ok(lk.set_organisation(s, &org)?))
    })
    .await
}

/// The country picker's list: ISO 3166-1 codes and their English names, by name.
#[tauri::command]
pub async fn countries(desk: State<'_, SharedDesk>) -> CommandResult<Vec<Country>> {
    blocking(&desk, |_| Ok(latchkey_core::org::countries())).await
}
