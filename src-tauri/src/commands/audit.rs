//! The audit log: pages of it (administrators see everything, members their own
//! activity) and exports of what a filter selects through the save dialog.

use super::{blocking, Saved};
use crate::error::CommandResult;
use crate::save::SaveAs;
use crate::state::SharedDesk;
use latchkey_core::{AuditFilter, AuditPage, ExportFormat};
use tauri::{AppHandle, State};

#[tauri::command]
pub async fn audit_page(
    desk: State<'_, SharedDesk>,
    filter: AuditFilter,
) -> CommandResult<AuditPage> {
    blocking(&desk, move |d| {
        d.with_session(|lk, s| Ok(lk.audit_page(s, &filter)?))
    })
    .await
}

/// Writes the filtered events (0600, atomically) where the save dialog says (`null`
/// when cancelled).
#[tauri::command]
pub async fn export_audit(
    app: AppHandle,
    desk: State<'_, SharedDesk>,
    filter: AuditFilter,
    format: ExportFormat,
) -> CommandResult<Option<Saved>> {
    blocking(&desk, move |d| {
        // Signed in before the dialog opens; the session is not held while it is open.
        d.with_session(|_, _| Ok(()))?;
        let csv = format == ExportFormat::Csv;
        let name = format!("latchkey-audit.{}", if csv { "csv" } else { "json" });
        let Some(path) = d.picker.pick(&app, &SaveAs::audit_export(name, csv)) else {
            return Ok(None);
        };
        d.with_session(|lk, s| Ok(lk.save_audit_export(s, &filter, format, &path)?))?;
        Ok(Some(Saved {
            path: path.display().to_string(),
        }))
    })
    .await
}
