//! Where a downloaded key file goes: the native save dialog, or — only in builds with
//! the `e2e` feature — a directory named by `LATCHKEY_E2E_SAVE_DIR`, because WebDriver
//! cannot drive native dialogs.

use std::path::PathBuf;
use tauri::AppHandle;

pub trait SavePicker: Send + Sync {
    /// The chosen path, or `None` if the person cancelled.
    fn pick(&self, app: &AppHandle, default_name: &str) -> Option<PathBuf>;
}

pub struct NativeDialog;

impl SavePicker for NativeDialog {
    fn pick(&self, app: &AppHandle, default_name: &str) -> Option<PathBuf> {
        use tauri_plugin_dialog::DialogExt;
        app.dialog()
            .file()
            .set_title("Save key file")
            .set_file_name(default_name)
            .add_filter("JSON", &["json"])
            .blocking_save_file()
            .and_then(|p| p.into_path().ok())
    }
}

#[cfg(feature = "e2e")]
pub struct EnvDirectory(pub PathBuf);

#[cfg(feature = "e2e")]
impl SavePicker for EnvDirectory {
    fn pick(&self, _app: &AppHandle, default_name: &str) -> Option<PathBuf> {
        Some(self.0.join(default_name))
    }
}

/// The picker for this build.
pub fn picker() -> Box<dyn SavePicker> {
    #[cfg(feature = "e2e")]
    if let Some(dir) = std::env::var_os("LATCHKEY_E2E_SAVE_DIR") {
        return Box::new(EnvDirectory(PathBuf::from(dir)));
    }
    Box::new(NativeDialog)
}
