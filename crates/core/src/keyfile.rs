//! The downloadable key file: JSON that any language reads with its standard library.

use crate::clock::rfc3339;
use crate::model::key::{Environment, KeyInfo};
use crate::secret::ApiKeySecret;
use crate::{Error, Result};
use serde::Serialize;
use std::io::Write;
use std::path::Path;

/// The key file's contents. Holds the secret, so `Debug` is redacted and it is only
/// ever serialized straight into a 0600 file.
#[derive(Serialize)]
pub struct KeyFile<'a> {
    pub version: u32,
    pub api_url: &'a str,
    pub api_key: &'a str,
    pub key_id: &'a str,
    pub name: &'a str,
    pub account: &'a str,
    pub environment: Environment,
    pub permissions: Vec<String>,
    pub created_at: String,
    pub expires_at: Option<String>,
}

impl std::fmt::Debug for KeyFile<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyFile")
            .field("key_id", &self.key_id)
            .field("api_key", &"<redacted>")
            .finish()
    }
}

impl<'a> KeyFile<'a> {
    pub fn new(info: &'a KeyInfo, secret: &'a ApiKeySecret, api_url: &'a str) -> Self {
        KeyFile {
            version: 1,
            api_url,
            api_key: secret.expose(),
            key_id: &info.id.0,
            name: &info.name,
            account: &info.account,
            environment: info.environment,
            permissions: info.permissions.iter().map(ToString::to_string).collect(),
            created_at: rfc3339(info.created_at),
            expires_at: info.expires_at.map(rfc3339),
        }
    }

    /// The default file name: `latchkey-<key name>.json`, made safe for any file system.
    pub fn default_file_name(key_name: &str) -> String {
        let safe: String = key_name
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || c == '-' || c == '_' || c == '.' {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        let safe = safe.trim_matches(|c| c == '-' || c == '.');
        format!(
            "latchkey-{}.json",
            if safe.is_empty() { "key" } else { safe }
        )
    }

    /// Writes the file atomically (temporary file in the same directory, then rename)
    /// with mode 0600 from the start, so the key is never readable by others, even briefly.
    pub fn write(&self, path: &Path) -> Result<()> {
        let mut json = zeroize::Zeroizing::new(
            serde_json::to_vec_pretty(self)
                .map_err(|e| Error::internal(format!("key file: {e}")))?,
        );
        json.push(b'\n');
        write_private(path, &json)
    }
}

/// Writes `bytes` to `path` atomically (a temporary file in the same directory, then a
/// rename), readable by the owner only from the first byte.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = folder_of(path);
    let mut tmp = tempfile_in(dir)?;
    tmp.1.write_all(bytes)?;
    tmp.1.sync_all()?;
    std::fs::rename(&tmp.0, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp.0);
    })?;
    sync_dir(dir);
    Ok(())
}

/// The folder a file is in (`.` for a bare file name).
pub(crate) fn folder_of(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."))
}

/// Makes a rename in `dir` durable: without it, a crash soon after can leave the old name.
/// Best effort (some file systems cannot sync a directory).
pub(crate) fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// A new, empty file in `dir` with a name of its own, readable by the owner only (0600)
/// from the start.
pub(crate) fn tempfile_in(dir: &Path) -> Result<(std::path::PathBuf, std::fs::File)> {
    for _ in 0..16 {
        let name = format!(
            ".latchkey-{}.tmp",
            crate::keyformat::random_base62(12)?.as_str()
        );
        let p = dir.join(name);
        let mut o = std::fs::OpenOptions::new();
        o.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
        match o.open(&p) {
            Ok(f) => return Ok((p, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(Error::Io(format!(
        "could not create a temporary file in {}",
        dir.display()
    )))
}

/// Refuses, naming the path, a file that [`write_private`] could not write: an empty
/// name, a folder, a folder that does not exist or is not one, or one that takes no new
/// file. Checked before anything is changed, so that a secret is never issued into a
/// file that cannot be written.
pub fn check_destination(field: &'static str, path: &Path) -> Result<()> {
    let shown = path.display();
    if path.as_os_str().is_empty() {
        return Err(Error::invalid(field, "name a file to write"));
    }
    if path.is_dir() {
        return Err(Error::invalid(
            field,
            format!("{shown} is a folder; name a file in it"),
        ));
    }
    let dir = folder_of(path);
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            return Err(Error::invalid(
                field,
                format!("{shown}: {} is not a folder", dir.display()),
            ))
        }
        Err(_) => {
            return Err(Error::invalid(
                field,
                format!("{shown}: the folder {} does not exist", dir.display()),
            ))
        }
    }
    // Whether a file can be made there is known only by making one (permissions, a
    // read-only file system, quotas).
    match tempfile_in(dir) {
        Ok((tmp, _)) => {
            let _ = std::fs::remove_file(tmp);
            Ok(())
        }
        Err(_) => Err(Error::invalid(
            field,
            format!("{shown}: no file can be written in {}", dir.display()),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_safe() {
        assert_eq!(
            KeyFile::default_file_name("ci deploy"),
            "latchkey-ci-deploy.json"
        );
        assert_eq!(
            KeyFile::default_file_name("../../etc/passwd"),
            "latchkey-etc-passwd.json"
        );
        assert_eq!(KeyFile::default_file_name("///"), "latchkey-key.json");
    }
}
