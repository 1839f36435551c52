//! Latchkey desktop shell: the Tauri app around the core library. The rules live in
//! `latchkey-core`; this crate holds window state, the clipboard and the save dialog.

mod api_server;
mod clipboard;
mod commands;
mod error;
mod idle;
mod save;
mod secret;
mod settings;
mod state;
#[cfg(test)]
mod testkit;

pub use error::{CommandError, CommandResult};

use state::{Desk, SharedDesk};
use std::sync::Arc;
use tauri::{Emitter, Manager};

fn open_store() -> Result<latchkey_core::Latchkey, CommandError> {
    let path = latchkey_core::store::path_from_env()?;
    #[allow(unused_mut)]
    let mut lk = latchkey_core::Latchkey::open(&path)?;
    // End-to-end test builds only: a shorter step-up window, so a test can see the
    // "Confirm it's you" prompt without waiting ten minutes.
    #[cfg(feature = "e2e")]
    if let Some(secs) = std::env::args().find_map(|a| {
        a.strip_prefix("--e2e-step-up-secs=")
            .and_then(|n| n.parse::<i64>().ok())
    }) {
        lk.shorten_step_up_window(time::Duration::seconds(secs));
    }
    Ok(lk)
}

#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .setup(|app| {
            let config_dir = app.path().app_config_dir()?;
            let settings_path = config_dir.join("settings.json");
            let board = match clipboard::SystemBoard::open() {
                Ok(b) => Some(Box::new(b) as Box<dyn clipboard::Board>),
                Err(e) => {
                    eprintln!("latchkey: no clipboard available: {e}");
                    None
                }
            };
            let desk: SharedDesk = Arc::new(Desk::new(
                open_store(),
                board,
                settings_path,
                save::picker(),
            ));
            app.manage(desk.clone());
            // The idle lock: Rust keeps the deadline and tells the window.
            let handle = app.handle().clone();
            let watched = desk.clone();
            tauri::async_runtime::spawn(idle::watch(
                desk.clone(),
                idle::TICK,
                Desk::idle_limit,
                move |ended| {
                    commands::emit_clipboard(&handle, ended.clipboard, "lock");
                    if ended.signed_in {
                        let mins = watched.settings().idle_lock_mins;
                        let _ = handle.emit(
                            "session-locked",
                            serde_json::json!({ "reason": "idle", "idle_lock_mins": mins }),
                        );
                    }
                },
            ));
            // Turned on in Settings: serve the JSON API for as long as the app runs.
            let s = desk.settings();
            if s.api_enabled {
                if let Ok(lk) = desk.lk() {
                    let path = lk.path().to_path_buf();
                    tauri::async_runtime::spawn(async move {
                        if let Err(e) = desk.api.start(path, s.api_port).await {
                            eprintln!("latchkey: could not start the JSON API: {}", e.message);
                        }
                    });
                }
            }
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_state,
            commands::setup,
            commands::sign_in,
            commands::sign_in_code,
            commands::sign_out,
            commands::touch_activity,
            commands::me,
            commands::update_profile,
            commands::set_avatar,
            commands::clear_avatar,
            commands::change_password,
            commands::policy,
            commands::list_permissions,
            commands::list_keys,
            commands::create_key,
            commands::edit_key,
            commands::regenerate_key,
            commands::revoke_key,
            commands::confirm_password,
            commands::account_key,
            commands::reveal_account_key,
            commands::reset_account_key,
            commands::copy_key,
            commands::download_key,
            commands::forget_secret,
            commands::settings,
            commands::set_settings,
            commands::mfa_status,
            commands::mfa_enroll,
            commands::mfa_confirm,
            commands::mfa_disable,
            commands::mfa_new_recovery_codes,
            commands::copy_recovery_codes,
            commands::download_recovery_codes,
            commands::forget_recovery_codes,
            commands::reveal_key,
            commands::api_status,
        ])
        .build(tauri::generate_context!());
    let app = match app {
        Ok(app) => app,
        Err(e) => {
            eprintln!("latchkey: could not start the window: {e}");
            std::process::exit(1);
        }
    };
    app.run(|handle, event| {
        // Leaving must not leave a key behind on the clipboard, nor a data key in memory.
        if let tauri::RunEvent::Exit = event {
            if let Some(desk) = handle.try_state::<SharedDesk>() {
                let _ = desk.end_session();
                desk.api.stop();
            }
        }
    });
}
