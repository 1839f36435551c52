//! Text and JSON output. Secrets are printed only where a command exists to print them.

use latchkey_core::clock::rfc3339;
use latchkey_core::{
    Account, AuditEvent, Group, IssuedKey, KeyInfo, PermissionInfo, Policy, Verification,
};
use time::OffsetDateTime;

pub fn when(t: Option<OffsetDateTime>) -> String {
    t.map(|t| {
        t.format(time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute]"
        ))
        .unwrap_or_else(|_| rfc3339(t))
    })
    .unwrap_or_else(|| "—".into())
}

fn perms_text(p: &[latchkey_core::Permission]) -> String {
    if p.is_empty() {
        "none".into()
    } else {
        p.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// A plain aligned table.
pub fn table(headers: &[&str], rows: Vec<Vec<String>>) -> String {
    // Every cell is someone's text (a name, an audit target): nothing in it may move the
    // cursor, start a new line or reach the terminal as an escape sequence.
    let rows: Vec<Vec<String>> = rows
        .into_iter()
        .map(|r| {
            r.into_iter()
                .map(|c| latchkey_core::validate::printable(&c).into_owned())
                .collect()
        })
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c}{}", " ".repeat(widths[i] - c.chars().count())))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_owned()
    };
    let mut out = vec![line(headers.iter().map(|h| h.to_uppercase()).collect())];
    out.extend(rows.into_iter().map(line));
    out.join("\n")
}

pub fn keys(list: &[KeyInfo]) -> String {
    if list.is_empty() {
        return "No keys yet. Create one with `latchkey key create`.".into();
    }
    table(
        &[
            "id",
            "name",
            "hint",
            "env",
            "permissions",
            "created",
            "expires",
            "last used",
            "status",
        ],
        list.iter()
            .map(|k| {
                vec![
                    k.id.to_string(),
                    k.name.clone(),
                    k.hint.clone(),
                    k.environment.as_str().into(),
                    perms_text(&k.permissions),
                    when(Some(k.created_at)),
                    k.expires_at.map_or("never".into(), |e| when(Some(e))),
                    when(k.last_used_at),
                    status(k),
                ]
            })
            .collect(),
    )
}

pub fn status(k: &KeyInfo) -> String {
    let s = k.status.as_str().replace('_', " ");
    match (&k.replaced_by, k.status) {
        (Some(by), latchkey_core::KeyStatus::Revoked) => format!("{s} (replaced by {by})"),
        (Some(by), _) => format!("{s} (rotating to {by} until {})", when(k.revoked_at)),
        _ => s,
    }
}

pub fn key(k: &KeyInfo) -> String {
    let rows = [
        ("id", k.id.to_string()),
        ("name", k.name.clone()),
        ("account", k.account.clone()),
        ("hint", k.hint.clone()),
        ("environment", k.environment.as_str().into()),
        ("permissions", perms_text(&k.permissions)),
        ("created", when(Some(k.created_at))),
        (
            "expires",
            k.expires_at.map_or("never".into(), |e| when(Some(e))),
        ),
        ("last used", when(k.last_used_at)),
        (
            "viewable later",
            if k.revealable {
                if k.viewable {
                    "yes"
                } else {
                    "no longer (password was reset)"
                }
            } else {
                "no"
            }
            .into(),
        ),
        ("status", status(k)),
    ];
    rows.iter()
        .map(|(a, b)| format!("{a:<15} {b}"))
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn key_json(k: &KeyInfo) -> serde_json::Value {
    serde_json::to_value(k).unwrap_or_default()
}

/// A key and its secret as JSON, borrowing the secret rather than copying it.
#[derive(serde::Serialize)]
pub struct IssuedJson<'a> {
    key: serde_json::Value,
    secret: &'a str,
}

pub fn issued_json(i: &IssuedKey) -> IssuedJson<'_> {
    IssuedJson {
        key: key_json(&i.key),
        secret: i.secret.expose(),
    }
}

/// A new account and, for an administrator, its account key (`null` otherwise).
#[derive(serde::Serialize)]
pub struct AccountWithKey<'a> {
    pub account: serde_json::Value,
    pub account_key: Option<IssuedJson<'a>>,
}

/// Writes JSON that holds a secret straight to standard output. A `json!` value or a
/// `to_string` result would be one more copy of the secret, and nobody would wipe it.
pub fn print_secret_json<T: serde::Serialize>(value: &T) -> Result<(), latchkey_core::Error> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, value)
        .map_err(|e| latchkey_core::Error::Io(format!("writing to standard output: {e}")))?;
    writeln!(out)?;
    Ok(())
}

/// The one place a secret is printed: stdout, with the warning on stderr so that
/// `latchkey key create ... > file` captures only the key.
pub fn issued(i: &IssuedKey, json_mode: bool) -> Result<(), latchkey_core::Error> {
    if json_mode {
        print_secret_json(&issued_json(i))?;
    } else {
        eprintln!("{}\n", key(&i.key));
        eprintln!(
            "Copy this key now. It will not be shown again{}:",
            if i.key.revealable {
                " (unless you view it after confirming it's you)"
            } else {
                ""
            }
        );
        println!("{}", i.secret.expose());
    }
    Ok(())
}

pub fn account(a: &Account) -> String {
    let rows = [
        ("id", a.id.to_string()),
        ("username", a.username.clone()),
        (
            "name",
            format!("{} {}", a.first_name, a.last_name)
                .trim()
                .to_owned(),
        ),
        ("email", a.email.clone().unwrap_or_else(|| "—".into())),
        (
            "administrator",
            if a.is_admin { "yes" } else { "no" }.into(),
        ),
        (
            "status",
            if a.disabled { "disabled" } else { "active" }.into(),
        ),
        (
            "groups",
            if a.groups.is_empty() {
                "—".into()
            } else {
                a.groups.join(", ")
            },
        ),
        ("created", when(Some(a.created_at))),
    ];
    rows.iter()
        .map(|(k, v)| format!("{k:<14} {v}"))
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn accounts(list: &[Account]) -> String {
    table(
        &["username", "name", "email", "admin", "status", "groups"],
        list.iter()
            .map(|a| {
                vec![
                    a.username.clone(),
                    format!("{} {}", a.first_name, a.last_name)
                        .trim()
                        .to_owned(),
                    a.email.clone().unwrap_or_default(),
                    if a.is_admin { "yes" } else { "" }.into(),
                    if a.disabled { "disabled" } else { "active" }.into(),
                    a.groups.join(","),
                ]
            })
            .collect(),
    )
}

pub fn groups(list: &[Group]) -> String {
    if list.is_empty() {
        return "No groups yet.".into();
    }
    table(
        &["group", "permissions", "members"],
        list.iter()
            .map(|g| {
                vec![
                    g.name.clone(),
                    perms_text(&g.permissions),
                    g.members.join(","),
                ]
            })
            .collect(),
    )
}

pub fn permissions(list: &[PermissionInfo]) -> String {
    table(
        &["permissions", "kind", "description"],
        list.iter()
            .map(|p| {
                vec![
                    format!("{0}:read {0}:write", p.resource),
                    if p.builtin { "built in" } else { "custom" }.into(),
                    p.description.clone(),
                ]
            })
            .collect(),
    )
}

pub fn policy(p: &Policy) -> String {
    [
        ("minimum password length", p.min_password_length.to_string()),
        (
            "maximum key lifetime",
            p.max_key_lifetime_days
                .map_or("none".into(), |d| format!("{d} days")),
        ),
        (
            "keys that never expire",
            if p.never_allowed() {
                "allowed"
            } else {
                "not allowed"
            }
            .into(),
        ),
        (
            "maximum active keys",
            p.max_active_keys
                .map_or("no limit".into(), |n| n.to_string()),
        ),
        ("argon2id (KiB, t, p)", p.argon2.to_string()),
    ]
    .iter()
    .map(|(k, v)| format!("{k:<25} {v}"))
    .collect::<Vec<_>>()
    .join("\n")
}

pub fn audit(events: &[AuditEvent]) -> String {
    if events.is_empty() {
        return "No events.".into();
    }
    table(
        &["when", "actor", "action", "target", "outcome", "detail"],
        events
            .iter()
            .map(|e| {
                vec![
                    rfc3339(e.at),
                    e.actor.clone().unwrap_or_else(|| "—".into()),
                    e.action.clone(),
                    e.target.clone().unwrap_or_default(),
                    e.outcome.clone(),
                    e.detail.clone(),
                ]
            })
            .collect(),
    )
}

pub fn verification(v: &Verification) -> String {
    if v.valid {
        format!(
            "valid: key {} of {} ({}), permissions: {}, expires: {}",
            v.key_id
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            v.account.clone().unwrap_or_default(),
            v.environment.map(|e| e.as_str()).unwrap_or(""),
            perms_text(&v.permissions),
            v.expires_at.map_or("never".into(), |e| when(Some(e)))
        )
    } else {
        format!("not valid: {}", v.reason.as_str().replace('_', " "))
    }
}
