//! The window's TypeScript types, generated from the Rust ones: every type a command
//! takes or returns, the events, the closed set of error codes, and a `Commands` map from
//! each command to its arguments and result, read from the command functions themselves.
//!
//! `cargo test -p latchkey-desktop bindings` fails when `ui/src/lib/shared/bindings.ts`
//! is stale; `UPDATE_BINDINGS=1` rewrites it.

use std::fmt::Write as _;
use std::path::Path;
use ts_rs::{Config, TS};

/// Where the generated file lives, from this crate's folder.
pub const OUT: &str = "../ui/src/lib/shared/bindings.ts";

/// One type's declaration, and its name for the command map.
struct Decl {
    name: String,
    text: String,
}

fn decl<T: TS + ?Sized>(cfg: &Config) -> Decl {
    // `docs()` is the type's doc comment, already as a JSDoc block.
    let docs = T::docs().unwrap_or_default();
    Decl {
        name: T::name(cfg),
        text: format!("{docs}export {}", T::decl(cfg)),
    }
}

/// Every exported type, in the order the file lists them.
fn decls(cfg: &Config) -> Vec<Decl> {
    use crate::commands as c;
    use latchkey_core as core;
    vec![
        decl::<core::AccountId>(cfg),
        decl::<core::GroupId>(cfg),
        decl::<core::KeyId>(cfg),
        decl::<core::Permission>(cfg),
        decl::<core::Code>(cfg),
        decl::<core::ErrorBody>(cfg),
        decl::<core::Account>(cfg),
        decl::<core::KeyKind>(cfg),
        decl::<core::Environment>(cfg),
        decl::<core::KeyStatus>(cfg),
        decl::<core::KeyInfo>(cfg),
        decl::<core::Expiry>(cfg),
        decl::<core::Grace>(cfg),
        decl::<core::Argon2Params>(cfg),
        decl::<core::Policy>(cfg),
        decl::<core::PermissionInfo>(cfg),
        decl::<core::Group>(cfg),
        decl::<core::MfaStatus>(cfg),
        decl::<core::AuditEvent>(cfg),
        decl::<core::AuditFilter>(cfg),
        decl::<core::AuditPage>(cfg),
        decl::<core::ExportFormat>(cfg),
        decl::<core::Access>(cfg),
        decl::<core::GroupImpact>(cfg),
        decl::<core::ResourceImpact>(cfg),
        decl::<core::KeyQuota>(cfg),
        decl::<core::Organisation>(cfg),
        decl::<core::Country>(cfg),
        decl::<core::InvitationStatus>(cfg),
        decl::<core::Invitation>(cfg),
        decl::<core::InvitationPreview>(cfg),
        decl::<crate::secret::SecretText>(cfg),
        decl::<crate::settings::Settings>(cfg),
        decl::<crate::api_server::ApiStatus>(cfg),
        decl::<c::account::Me>(cfg),
        decl::<c::session::SignInResult>(cfg),
        decl::<c::session::AppState>(cfg),
        decl::<c::keys::Issued>(cfg),
        decl::<c::invitations::InvitationIssued>(cfg),
        decl::<c::mfa::EnrollmentView>(cfg),
        decl::<c::Copied>(cfg),
        decl::<c::Saved>(cfg),
        decl::<c::ClipboardCleared>(cfg),
        decl::<c::SessionLocked>(cfg),
        decl::<crate::events::DesktopEvent>(cfg),
        decl::<crate::events::EventBatch>(cfg),
    ]
}

/// One command as its Rust function declares it.
#[derive(Debug, PartialEq)]
struct Command {
    name: String,
    /// (name as Rust spells it, Rust type), without what Tauri supplies itself.
    args: Vec<(String, String)>,
    result: String,
}

/// The `#[tauri::command]` functions of one source file (as rustfmt lays them out).
fn commands_in(source: &str) -> Vec<Command> {
    let mut out = Vec::new();
    let mut rest = source;
    while let Some(at) = rest.find("#[tauri::command]") {
        rest = &rest[at..];
        let Some(fn_at) = rest.find("pub async fn ") else {
            break;
        };
        let sig_start = fn_at + "pub async fn ".len();
        let Some(body) = rest[sig_start..].find('{') else {
            break;
        };
        let sig: String = rest[sig_start..sig_start + body]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        rest = &rest[sig_start + body..];
        let (name, tail) = sig.split_once('(').unwrap_or((&sig, ""));
        let (params, ret) = tail.rsplit_once(") -> ").unwrap_or((tail, ""));
        let result = ret
            .trim()
            .strip_prefix("CommandResult<")
            .and_then(|r| r.strip_suffix('>'))
            .unwrap_or(ret)
            .to_owned();
        let mut args = Vec::new();
        for p in split_top(params) {
            let Some((n, t)) = p.split_once(':') else {
                continue;
            };
            let t = t.trim();
            if t.starts_with("State<") || t == "AppHandle" {
                continue;
            }
            args.push((n.trim().to_owned(), t.to_owned()));
        }
        out.push(Command {
            name: name.trim().to_owned(),
            args,
            result,
        });
    }
    out
}

/// Splits `a: A, b: Vec<(B, C)>` at the commas outside brackets.
fn split_top(s: &str) -> Vec<String> {
    let (mut depth, mut cur, mut out) = (0i32, String::new(), Vec::new());
    for ch in s.chars() {
        match ch {
            '<' | '(' => depth += 1,
            '>' | ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(ch);
    }
    out.push(cur);
    out.into_iter()
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect()
}

/// A Rust type of a command's argument or result, in TypeScript.
fn ts_of(rust: &str, known: &[String]) -> Result<String, String> {
    let rust = rust.trim();
    if let Some(inner) = rust
        .strip_prefix("Option<")
        .and_then(|r| r.strip_suffix('>'))
    {
        return Ok(format!("{} | null", ts_of(inner, known)?));
    }
    if let Some(inner) = rust.strip_prefix("Vec<").and_then(|r| r.strip_suffix('>')) {
        return Ok(format!("Array<{}>", ts_of(inner, known)?));
    }
    let simple = match rust {
        "String" => "string",
        "bool" => "boolean",
        "u8" | "u16" | "u32" | "u64" | "i64" => "number",
        "()" => "null",
        _ => "",
    };
    if !simple.is_empty() {
        return Ok(simple.to_owned());
    }
    let last = rust.rsplit("::").next().unwrap_or(rust);
    if known.iter().any(|k| k == last) {
        return Ok(last.to_owned());
    }
    Err(format!(
        "`{rust}` has no TypeScript type: add it to `decls` in bindings.rs"
    ))
}

/// Tauri's rename of an argument: the window sends `firstName` for `first_name`.
fn camel(s: &str) -> String {
    let mut out = String::new();
    let mut up = false;
    for ch in s.chars() {
        if ch == '_' {
            up = true;
        } else if up {
            out.extend(ch.to_uppercase());
            up = false;
        } else {
            out.push(ch);
        }
    }
    out
}

/// The whole file.
pub fn render(commands_dir: &Path) -> Result<String, String> {
    let cfg = Config::new().with_large_int("number");
    let decls = decls(&cfg);
    let known: Vec<String> = decls.iter().map(|d| d.name.clone()).collect();
    let mut out = String::from(
        "// Generated from the Rust types by `cargo test -p latchkey-desktop bindings`; do not edit.\n\
         // Rewrite it with `UPDATE_BINDINGS=1 cargo test -p latchkey-desktop bindings`.\n\n",
    );
    for d in &decls {
        let _ = writeln!(out, "{}\n", d.text);
    }

    let mut files: Vec<_> = std::fs::read_dir(commands_dir)
        .map_err(|e| format!("{}: {e}", commands_dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .collect();
    files.sort();
    let mut commands = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).map_err(|e| format!("{}: {e}", f.display()))?;
        commands.extend(commands_in(&text));
    }
    commands.sort_by(|a, b| a.name.cmp(&b.name));
    out.push_str(
        "/** Every command: the arguments the window sends (camelCase, as Tauri expects) and\n \
         * what it answers. On failure every command rejects with an `ErrorBody`. */\n\
         export interface Commands {\n",
    );
    for c in &commands {
        let mut args = Vec::new();
        for (n, t) in &c.args {
            let ts = ts_of(t, &known)?;
            // Tauri takes a missing argument as `None`.
            let opt = if t.starts_with("Option<") { "?" } else { "" };
            args.push(format!("{}{opt}: {ts}", camel(n)));
        }
        let args = if args.is_empty() {
            "Record<string, never>".to_owned()
        } else {
            format!("{{ {} }}", args.join("; "))
        };
        let _ = writeln!(
            out,
            "  {}: {{ args: {args}; result: {} }};",
            c.name,
            ts_of(&c.result, &known)?
        );
    }
    out.push_str("}\n");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bindings_are_current() {
        let here = Path::new(env!("CARGO_MANIFEST_DIR"));
        let fresh = render(&here.join("src/commands")).unwrap();
        let path = here.join(OUT);
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::write(&path, &fresh).unwrap();
        }
        let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            checked_in == fresh,
            "{} is stale: run `UPDATE_BINDINGS=1 cargo test -p latchkey-desktop bindings`",
            path.display()
        );
    }

    #[test]
    fn every_registered_command_is_in_the_map() {
        let here = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut found = Vec::new();
        for f in std::fs::read_dir(here.join("src/commands")).unwrap() {
            let text = std::fs::read_to_string(f.unwrap().path()).unwrap();
            found.extend(commands_in(&text).into_iter().map(|c| c.name));
        }
        let lib = std::fs::read_to_string(here.join("src/lib.rs")).unwrap();
        let registered: Vec<&str> = lib
            .lines()
            .filter_map(|l| l.trim().strip_prefix("commands::"))
            .filter_map(|l| l.strip_suffix(','))
            .filter_map(|l| l.rsplit("::").next())
            .collect();
        found.sort();
        let mut registered: Vec<String> = registered.iter().map(|s| s.to_string()).collect();
        registered.sort();
        assert_eq!(found, registered);
    }

    #[test]
    fn signatures_are_read_as_rust_declares_them() {
        let src = "#[tauri::command]\npub async fn create_key(\n    desk: State<'_, SharedDesk>,\n    name: String,\n    permissions: Vec<String>,\n    revealable: Option<bool>,\n) -> CommandResult<Issued> {\n";
        assert_eq!(
            commands_in(src),
            vec![Command {
                name: "create_key".into(),
                args: vec![
                    ("name".into(), "String".into()),
                    ("permissions".into(), "Vec<String>".into()),
                    ("revealable".into(), "Option<bool>".into()),
                ],
                result: "Issued".into(),
            }]
        );
        assert!(ts_of("Mystery", &[]).is_err());
        assert_eq!(camel("first_name"), "firstName");
    }
}
