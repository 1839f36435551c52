//! Where a saved file goes: the native save dialog, or — only in builds with the `e2e`
//! feature — a directory named by `LATCHKEY_E2E_SAVE_DIR`, because WebDriver cannot
//! drive native dialogs.

use std::path::PathBuf;
use tauri::AppHandle;

/// What is being saved: the dialog's title, the proposed name and its file type.
#[derive(Debug, Clone)]
pub struct SaveAs {
    pub title: &'static str,
    pub file_name: String,
    /// The filter's label and extension ("JSON", "json").
    pub kind: (&'static str, &'static str),
}

impl SaveAs {
    pub fn key_file(file_name: String) -> SaveAs {
        SaveAs {
            title: "Save key file",
            file_name,
            kind: ("JSON", "json"),
        }
    }

    pub fn recovery_codes(file_name: String) -> SaveAs {
        SaveAs {
            title: "Save recovery codes",
            file_name,
            kind: ("Text", "txt"),
        }
    }

    pub fn store_backup(file_name: String) -> SaveAs {
        SaveAs {
            title: "Back up the Latchkey store",
            file_name,
            kind: ("Latchkey store", "db"),
        }
    }

    pub fn audit_export(file_name: String, csv: bool) -> SaveAs {
        SaveAs {
            title: "Export audit log",
            file_name,
            kind: if csv {
                ("CSV", "csv")
            } else {
                ("JSON", "json")
            },
        }
    }
}

pub trait SavePicker: Send + Sync {
    /// The chosen path, or `None` if the person cancelled.
    fn pick(&self, app: &AppHandle, what: &SaveAs) -> Option<PathBuf>;
}

pub struct NativeDialog;

impl SavePicker for NativeDialog {
    fn pick(&self, app: &AppHandle, what: &SaveAs) -> Option<PathBuf> {
        use tauri_plugin_dialog::DialogExt;
        app.dialog()
            .file()
            .set_title(what.title)
            .set_file_name(&what.file_name)
            .add_filter(what.kind.0, &[what.kind.1])
            .blocking_save_file()
            .and_then(|p| p.into_path().ok())
    }
}

#[cfg(feature = "e2e")]
pub struct EnvDirectory(pub PathBuf);

#[cfg(feature = "e2e")]
impl SavePicker for EnvDirectory {
    fn pick(&self, _app: &AppHandle, what: &SaveAs) -> Option<PathBuf> {
        Some(self.0.join(&what.file_name))
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
