//! The README's command-line walkthrough, run as pasted (with this build's binary), so
//! the documentation cannot drift from the program.

#[test]
fn the_readme_walkthrough_runs() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    let start = readme
        .find("export PATH=\"$PWD/target/release:$PATH\"")
        .expect("walkthrough start");
    let end = start + readme[start..].find("```").expect("walkthrough end");
    let bin_dir = assert_cmd::cargo::cargo_bin("latchkey")
        .parent()
        .unwrap()
        .to_path_buf();
    let script = readme[start..end].replace("$PWD/target/release", &bin_dir.display().to_string());
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .current_dir(dir.path())
        .env_remove("LATCHKEY_DB")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "walkthrough failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("revoked, as expected"));
    assert!(stdout.contains("valid: key"));
    assert!(dir.path().join("latchkey-sequencer.json").exists());
}
