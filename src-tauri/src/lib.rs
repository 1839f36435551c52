//! Latchkey desktop shell: the Tauri app around the core library. The rules live in
//! `latchkey-core`; this crate holds window state, the clipboard and the save dialog.

mod api_server;
#[cfg(test)]
mod bindings;
mod clipboard;
mod commands;
mod desktop_bus;
mod error;
mod events;
mod idle;
mod notify;
mod save;
mod secret;
mod settings;
mod state;
#[cfg(test)]
mod testkit;
mod tray;

pub use error::{CommandError, CommandResult};

use state::{Desk, SharedDesk};
use std::sync::Arc;
use tauri::Manager;

fn open_store() -> Result<latchkey_core::Latchkey, CommandError> {
    use latchkey_core::store::{Location, Missing};
    let location = Location::from_env()?;
    #[allow(unused_mut)]
    let mut lk = latchkey_core::Latchkey::open_at(
        &location,
        Arc::new(latchkey_core::SystemClock),
        Missing::Create,
    )?;
    // End-to-end test builds only: a shorter step-up window, so a test can see the
    // "Confirm it's you" prompt without waiting ten minutes.
    #[cfg(feature = "e2e")]
    if let Some(secs) = e2e_arg("step-up-secs") {
        lk.shorten_step_up_window(time::Duration::seconds(secs));
    }
    Ok(lk)
}

/// End-to-end test builds only: the value of the argument `--e2e-NAME=VALUE`.
#[cfg(feature = "e2e")]
fn e2e_arg<T: std::str::FromStr>(name: &str) -> Option<T> {
    let prefix = format!("--e2e-{name}=");
    std::env::args().find_map(|a| a.strip_prefix(&prefix).and_then(|v| v.parse().ok()))
}

static DESKTOP: std::sync::Once = std::sync::Once::new();
/// Long enough for the sign-in screen to be up (BENCHMARKS.md, "Desktop").
const DESKTOP_AFTER_LOAD: std::time::Duration = std::time::Duration::from_millis(1500);

/// How often an open app repeats the expiry notice: a day; in end-to-end test builds, what
/// the test asks for (`--e2e-daily-secs=N`), so that it can watch the repeat.
fn daily_period() -> std::time::Duration {
    #[cfg(feature = "e2e")]
    if let Some(secs) = e2e_arg("daily-secs") {
        return std::time::Duration::from_secs(secs);
    }
    notify::DAILY
}

/// What the sign-in screen does not need: the daily expiry notice and the tray. On the
/// main thread (the tray is a GTK object).
fn start_desktop(app: &tauri::AppHandle, desk: SharedDesk) {
    // Once a day while the app stays open: keys that expire within 7 days.
    let watched = desk.clone();
    tauri::async_runtime::spawn(async move {
        let mut day = tokio::time::interval(daily_period());
        day.tick().await;
        loop {
            day.tick().await;
            let d = watched.clone();
            let _ = tauri::async_runtime::spawn_blocking(move || {
                if d.settings().notify_expiring {
                    if let Ok(keys) = d.with_session(|lk, s| Ok(lk.expiring_soon(s)?)) {
                        notify::expiring(&keys);
                    }
                }
            })
            .await;
        }
    });
    if let Err(e) = tray::install(app, desk) {
        eprintln!("latchkey: no tray icon: {e}");
    }
}

/// Large allocations always from their own mapping, returned to the system when freed.
/// Otherwise, once a large block has been freed, glibc raises its threshold to that size:
/// later argon2 buffers (19 MiB and up, derived from a password) then came from the heap
/// and stayed there for the life of the app (BENCHMARKS.md, "Desktop").
fn return_large_blocks() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; called before any other thread.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    return_large_blocks();
    latchkey_core::log::init();
    let app = tauri::Builder::default()
        // First: a second launch hands over to the running app, which shows its window.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            tray::show_main(app)
        }))
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_dialog::init())
        .manage(events::Events::default())
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
                move |ended| commands::announce_lock(&handle, &watched, ended, "idle"),
            ));
            // The screen locking and the machine going to sleep lock too (D-Bus), from the
            // start: they are async, off the main thread.
            let handle = app.handle().clone();
            let watched = desk.clone();
            tauri::async_runtime::spawn(desktop_bus::watch_locks(move |reason| {
                eprintln!("latchkey: the desktop asked for a lock ({reason})");
                commands::lock_in_background(&handle, &watched, reason);
            }));
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
        // The sign-in screen first: what it does not need starts a moment after the page
        // has loaded, so that it does not hold up the window's first requests.
        .on_page_load(|webview, payload| {
            if payload.event() != tauri::webview::PageLoadEvent::Finished {
                return;
            }
            let app = webview.app_handle().clone();
            DESKTOP.call_once(move || {
                tauri::async_runtime::spawn(async move {
                    tokio::time::sleep(DESKTOP_AFTER_LOAD).await;
                    let on_main = app.clone();
                    let _ = app.run_on_main_thread(move || {
                        if let Some(desk) = on_main.try_state::<SharedDesk>() {
                            start_desktop(&on_main, desk.inner().clone());
                        }
                    });
                });
            });
        })
        .invoke_handler(tauri::generate_handler![
            commands::session::app_state,
            commands::session::setup,
            commands::session::sign_in,
            commands::session::sign_in_code,
            commands::session::sign_out,
            commands::session::confirm_password,
            commands::session::touch_activity,
            commands::session::lock_now,
            commands::events::desktop_events,
            commands::account::me,
            commands::account::update_profile,
            commands::account::set_avatar,
            commands::account::clear_avatar,
            commands::account::change_password,
            commands::policy::policy,
            commands::policy::set_policy,
            commands::policy::argon2_cost,
            commands::keys::key_quota,
            commands::keys::list_permissions,
            commands::keys::list_keys,
            commands::keys::create_key,
            commands::keys::edit_key,
            commands::keys::regenerate_key,
            commands::keys::revoke_key,
            commands::keys::reveal_key,
            commands::keys::account_key,
            commands::keys::reveal_account_key,
            commands::keys::reset_account_key,
            commands::keys::download_key,
            commands::keys::forget_secret,
            commands::clipboard::copy_key,
            commands::clipboard::copy_recovery_codes,
            commands::clipboard::copy_invitation,
            commands::org::organisation,
            commands::org::set_organisation,
            commands::org::countries,
            commands::team::list_accounts,
            commands::team::create_account,
            commands::team::set_account_disabled,
            commands::team::set_account_admin,
            commands::team::reset_password_impact,
            commands::team::reset_password,
            commands::team::reset_mfa,
            commands::invitations::list_invitations,
            commands::invitations::create_invitation,
            commands::invitations::reissue_invitation,
            commands::invitations::revoke_invitation,
            commands::invitations::email_invitation,
            commands::invitations::forget_invitation,
            commands::invitations::preview_invitation,
            commands::invitations::redeem_invitation,
            commands::groups::list_groups,
            commands::groups::create_group,
            commands::groups::rename_group,
            commands::groups::group_impact,
            commands::groups::delete_group,
            commands::groups::add_group_member,
            commands::groups::remove_group_member,
            commands::groups::set_group_access,
            commands::groups::create_resource,
            commands::groups::resource_impact,
            commands::groups::delete_resource,
            commands::audit::audit_page,
            commands::audit::export_audit,
            commands::mfa::mfa_status,
            commands::mfa::mfa_enroll,
            commands::mfa::mfa_confirm,
            commands::mfa::mfa_disable,
            commands::mfa::mfa_new_recovery_codes,
            commands::mfa::download_recovery_codes,
            commands::mfa::forget_recovery_codes,
            commands::settings::settings,
            commands::settings::set_settings,
            commands::settings::api_status,
            commands::backup::backup_store,
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
        // Closing the window keeps the app in the tray only when Settings say so.
        if let tauri::RunEvent::WindowEvent {
            label,
            event: tauri::WindowEvent::CloseRequested { api, .. },
            ..
        } = &event
        {
            let to_tray = handle
                .try_state::<SharedDesk>()
                .is_some_and(|d| d.settings().close_to_tray);
            if to_tray {
                api.prevent_close();
                if let Some(w) = handle.get_webview_window(label) {
                    let _ = w.hide();
                }
                return;
            }
        }
        // Leaving must not leave a key behind on the clipboard, nor a data key in memory.
        if let tauri::RunEvent::Exit = event {
            if let Some(desk) = handle.try_state::<SharedDesk>() {
                let _ = desk.end_session();
                desk.api.stop();
            }
        }
    });
}
