//! The window's one way of hearing Rust: a long poll (why not Tauri's events: `events`).

use crate::error::CommandResult;
use crate::events::{EventBatch, Events};
use tauri::State;

/// What Rust said after `cursor` (`null`: the current cursor, at once), waiting until
/// there is something. Not activity: the window always has one of these waiting.
#[tauri::command]
pub async fn desktop_events(
    events: State<'_, Events>,
    cursor: Option<u64>,
) -> CommandResult<EventBatch> {
    Ok(events.after(cursor).await)
}
