// A bare Tauri window over a static page: the baseline for the desktop benchmarks.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    tauri::Builder::default()
        .run(tauri::generate_context!())
        .expect("error while running the hello window");
}
