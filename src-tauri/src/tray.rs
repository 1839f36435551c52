//! The tray icon: Open, Lock now, the JSON API's state, and Quit. Its menu is exported on
//! the session bus (StatusNotifierItem, through libayatana-appindicator on Linux).

use crate::state::SharedDesk;
use std::time::Duration;
use tauri::menu::{Menu, MenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Runtime};

pub const OPEN: &str = "open";
pub const LOCK: &str = "lock";
pub const API: &str = "api";
pub const QUIT: &str = "quit";

/// What the API line says.
pub fn api_label(status: &crate::api_server::ApiStatus) -> String {
    match &status.url {
        Some(url) if status.running => format!("JSON API: serving on {url}"),
        _ => "JSON API: off".to_owned(),
    }
}

/// Shows, unminimises and focuses the main window.
pub fn show_main<R: Runtime>(app: &AppHandle<R>) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
    }
}

pub fn install(app: &AppHandle, desk: SharedDesk) -> tauri::Result<()> {
    let api = MenuItem::with_id(app, API, api_label(&desk.api.status()), false, None::<&str>)?;
    let menu = Menu::with_items(
        app,
        &[
            &MenuItem::with_id(app, OPEN, "Open Latchkey", true, None::<&str>)?,
            &MenuItem::with_id(app, LOCK, "Lock now", true, None::<&str>)?,
            &api,
            &MenuItem::with_id(app, QUIT, "Quit", true, None::<&str>)?,
        ],
    )?;
    let watched = desk.clone();
    let mut tray = TrayIconBuilder::with_id("main")
        .tooltip("Latchkey")
        .menu(&menu)
        .on_menu_event(move |app, event| match event.id.as_ref() {
            OPEN => show_main(app),
            LOCK => crate::commands::lock_in_background(app, &desk, "manual"),
            QUIT => app.exit(0),
            _ => {}
        });
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.build(app)?;
    // The API is started and stopped from Settings and at start-up: its line follows.
    let desk = watched;
    tauri::async_runtime::spawn(async move {
        let mut shown = String::new();
        loop {
            let label = api_label(&desk.api.status());
            if label != shown {
                let _ = api.set_text(&label);
                shown = label;
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    });
    Ok(())
}
