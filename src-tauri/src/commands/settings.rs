//! The window's settings, and the JSON API the app may serve.

use super::{blocking, run_blocking};
use crate::api_server::ApiStatus;
use crate::error::CommandResult;
use crate::settings::Settings;
use crate::state::SharedDesk;
use tauri::State;

/// The window's settings, for the signed-in person. (Before sign-in the window has
/// them from `app_state`: nothing in them is secret.)
#[tauri::command]
pub async fn settings(desk: State<'_, SharedDesk>) -> CommandResult<Settings> {
    blocking(&desk, |d| d.with_session(|_, _| Ok(d.settings()))).await
}

/// Saves the settings. Needs a session: they decide how long keys stay on the
/// clipboard, when the window locks and whether the JSON API listens.
#[tauri::command]
pub async fn set_settings(
    desk: State<'_, SharedDesk>,
    settings: Settings,
) -> CommandResult<Settings> {
    save_settings(desk.inner().clone(), settings).await
}

pub(crate) async fn save_settings(desk: SharedDesk, settings: Settings) -> CommandResult<Settings> {
    run_blocking(desk.clone(), |d| d.with_session(|_, _| Ok(()))).await?;
    let settings = settings.validate()?;
    // Start (or move) the API first, so a port that cannot be used is refused before
    // anything is saved.
    if settings.api_enabled {
        let store = desk.lk()?.path().to_path_buf();
        desk.api.start(store, settings.api_port).await?;
    } else {
        desk.api.stop();
    }
    run_blocking(desk, move |d| {
        d.with_session(|_, _| d.set_settings(settings))
    })
    .await
}

/// Whether the app serves the JSON API now, and where.
#[tauri::command]
pub async fn api_status(desk: State<'_, SharedDesk>) -> CommandResult<ApiStatus> {
    desk.activity.touch();
    Ok(desk.api.status())
}
