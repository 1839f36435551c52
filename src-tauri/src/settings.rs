//! The window's own preferences (per device), kept as JSON next to the app's config.

use crate::error::CommandError;
use latchkey_core::Code;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Settings {
    /// Seconds before a copied secret is cleared, 10 to 300; `None` never clears (not
    /// advised).
    pub clipboard_clear_secs: Option<u32>,
    /// Minutes without keyboard or mouse activity before the window locks, 1 to 240.
    pub idle_lock_mins: u32,
    /// Serve the loopback JSON API from the app while it runs. (Optional when sent: a
    /// missing one is off.)
    #[serde(default)]
    #[ts(as = "Option<bool>", optional)]
    pub api_enabled: bool,
    /// 1024 to 65535; 7171 unless set.
    #[serde(default = "default_port")]
    #[ts(as = "Option<u16>", optional)]
    pub api_port: u16,
    /// A desktop notification when keys expire within 7 days: at sign-in and once a day
    /// while the app stays open. On unless turned off.
    #[serde(default = "default_true")]
    #[ts(as = "Option<bool>", optional)]
    pub notify_expiring: bool,
    /// Closing the window keeps Latchkey running in the tray (signed out of nothing: the
    /// idle and screen locks still apply). Off unless chosen.
    #[serde(default)]
    #[ts(as = "Option<bool>", optional)]
    pub close_to_tray: bool,
}

fn default_true() -> bool {
    true
}

fn default_port() -> u16 {
    7171
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            clipboard_clear_secs: Some(30),
            idle_lock_mins: 15,
            api_enabled: false,
            api_port: default_port(),
            notify_expiring: true,
            close_to_tray: false,
        }
    }
}

impl Settings {
    pub fn validate(self) -> Result<Self, CommandError> {
        if let Some(s) = self.clipboard_clear_secs {
            if !(10..=300).contains(&s) {
                return Err(CommandError::new(
                    Code::InvalidInput,
                    "clipboard clear time: must be between 10 seconds and 5 minutes, or never",
                )
                .with_field("clipboard_clear_secs"));
            }
        }
        if self.api_port < 1024 {
            return Err(CommandError::new(
                Code::InvalidInput,
                "API port: must be between 1024 and 65535",
            )
            .with_field("api_port"));
        }
        if !(1..=240).contains(&self.idle_lock_mins) {
            return Err(CommandError::new(
                Code::InvalidInput,
                "idle lock: must be between 1 and 240 minutes",
            )
            .with_field("idle_lock_mins"));
        }
        Ok(self)
    }

    /// Reads the file, falling back to defaults for a missing or unreadable one.
    pub fn load(path: &Path) -> Settings {
        std::fs::read(path)
            .ok()
            .and_then(|b| serde_json::from_slice::<Settings>(&b).ok())
            .and_then(|s| s.validate().ok())
            .unwrap_or_default()
    }

    pub fn save(&self, path: &Path) -> Result<(), CommandError> {
        let io =
            |e: std::io::Error| CommandError::new(Code::IoError, format!("saving settings: {e}"));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let tmp: PathBuf = path.with_extension("json.tmp");
        let body = serde_json::to_vec_pretty(self)
            .map_err(|e| CommandError::new(Code::InternalError, e.to_string()))?;
        std::fs::write(&tmp, body).map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(f: impl FnOnce(&mut Settings)) -> Settings {
        let mut s = Settings::default();
        f(&mut s);
        s
    }

    #[test]
    fn bounds_and_round_trip() {
        assert!(with(|s| s.clipboard_clear_secs = Some(9))
            .validate()
            .is_err());
        assert!(with(|s| s.clipboard_clear_secs = Some(301))
            .validate()
            .is_err());
        assert!(with(|s| s.idle_lock_mins = 0).validate().is_err());
        let e = with(|s| s.api_port = 80).validate().unwrap_err();
        assert_eq!(e.field.as_deref(), Some("api_port"));
        let ok = with(|s| {
            s.clipboard_clear_secs = None;
            s.idle_lock_mins = 240;
            s.api_enabled = true;
            s.api_port = 7272;
        })
        .validate()
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x/settings.json");
        ok.save(&p).unwrap();
        assert_eq!(Settings::load(&p), ok);
        std::fs::write(&p, b"{garbage").unwrap();
        assert_eq!(Settings::load(&p), Settings::default());
        // Settings saved before the API options existed still load, with the API off.
        std::fs::write(&p, br#"{"clipboard_clear_secs":60,"idle_lock_mins":5}"#).unwrap();
        assert_eq!(
            Settings::load(&p),
            with(|s| {
                s.clipboard_clear_secs = Some(60);
                s.idle_lock_mins = 5;
            })
        );
    }
}
