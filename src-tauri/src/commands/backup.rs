//! Settings → "Back up now": a consistent copy of the store, taken while it stays in use,
//! where the save dialog says (0600, written atomically). Needs a signed-in session; the
//! audit log names who took it.

use super::{blocking, Saved};
use crate::error::CommandResult;
use crate::save::SaveAs;
use crate::state::{Desk, SharedDesk};
use std::path::Path;
use tauri::{AppHandle, State};

/// Backs the store up to a file chosen in the save dialog (`null` when cancelled).
#[tauri::command]
pub async fn backup_store(
    app: AppHandle,
    desk: State<'_, SharedDesk>,
) -> CommandResult<Option<Saved>> {
    blocking(&desk, move |d| {
        // Signed in before the dialog opens; the session is not held while it is open.
        d.with_session(|_, _| Ok(()))?;
        let Some(path) = d.picker.pick(&app, &SaveAs::store_backup(default_name())) else {
            return Ok(None);
        };
        back_up_to(d, &path).map(Some)
    })
    .await
}

/// The backup itself, once a file is chosen.
pub(crate) fn back_up_to(d: &Desk, path: &Path) -> CommandResult<Saved> {
    d.with_session(|lk, s| Ok(lk.backup_for(s, path)?))?;
    Ok(Saved {
        path: path.display().to_string(),
    })
}

/// `latchkey-backup-YYYY-MM-DD.db`, today's date (UTC).
fn default_name() -> String {
    let today = time::OffsetDateTime::now_utc().date();
    format!("latchkey-backup-{today}.db")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit;
    use latchkey_core::{AuditFilter, Code};

    #[test]
    fn a_backup_needs_a_session_and_names_who_took_it() {
        let kit = testkit::desk();
        let dest = kit._dir.path().join("latchkey-backup.db");
        let e = back_up_to(&kit.desk, &dest).unwrap_err();
        assert_eq!(e.code, Code::NotSignedIn);
        assert!(!dest.exists());

        let kit = testkit::signed_in();
        let dest = kit._dir.path().join("latchkey-backup.db");
        let saved = back_up_to(&kit.desk, &dest).unwrap();
        assert_eq!(saved.path, dest.display().to_string());
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&dest).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let events = kit
            .desk
            .with_session(|lk, s| {
                Ok(lk.audit(
                    s,
                    &AuditFilter {
                        action: Some("store.backed_up".into()),
                        ..Default::default()
                    },
                )?)
            })
            .unwrap();
        assert_eq!(events[0].actor.as_deref(), Some(testkit::USER));
    }

    #[test]
    fn a_destination_that_cannot_be_written_is_named() {
        let kit = testkit::signed_in();
        let dest = kit._dir.path().join("missing/latchkey-backup.db");
        let e = back_up_to(&kit.desk, &dest).unwrap_err();
        assert_eq!(e.code, Code::InvalidInput);
        assert_eq!(e.field.as_deref(), Some("file"));
        assert!(e.message.contains("does not exist"), "{}", e.message);
    }

    #[test]
    fn the_proposed_name_is_dated() {
        let n = default_name();
        assert!(
            n.starts_with("latchkey-backup-20") && n.ends_with(".db"),
            "{n}"
        );
    }
}
