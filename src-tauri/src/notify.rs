//! Desktop notifications (`org.freedesktop.Notifications`, through notify-rust) for keys
//! that expire within 7 days: at sign-in, and once a day while the app stays open. They
//! name keys and dates only — never a secret, an id or a hint.

use latchkey_core::KeyInfo;
use std::time::Duration;

/// How often an open app says it again.
pub const DAILY: Duration = Duration::from_secs(24 * 60 * 60);

/// At most this many keys are named; the rest are counted.
const NAMED: usize = 5;

#[derive(Debug, PartialEq, Eq)]
pub struct Notice {
    pub summary: String,
    pub body: String,
}

/// What to say about `keys` (those expiring soon), or nothing when there are none.
pub fn expiring_notice(keys: &[KeyInfo]) -> Option<Notice> {
    if keys.is_empty() {
        return None;
    }
    let summary = match keys.len() {
        1 => "An API key expires within 7 days".to_owned(),
        n => format!("{n} API keys expire within 7 days"),
    };
    let format = time::macros::format_description!("[day padding:none] [month repr:short] [year]");
    let mut lines: Vec<String> = keys
        .iter()
        .take(NAMED)
        .map(|k| {
            let when = k
                .expires_at
                .and_then(|t| t.format(format).ok())
                .unwrap_or_else(|| "soon".to_owned());
            format!("“{}” on {when} (UTC)", k.name)
        })
        .collect();
    if keys.len() > NAMED {
        lines.push(format!("and {} more", keys.len() - NAMED));
    }
    lines.push("Open Latchkey to regenerate them.".to_owned());
    Some(Notice {
        summary,
        body: lines.join("\n"),
    })
}

/// Shows the notice for `keys`, if any, without waiting for the notification server (a
/// desktop without one only loses the notice; that is said on stderr).
pub fn expiring(keys: &[KeyInfo]) {
    let Some(notice) = expiring_notice(keys) else {
        return;
    };
    std::thread::spawn(move || {
        let shown = notify_rust::Notification::new()
            .appname("Latchkey")
            .summary(&notice.summary)
            .body(&notice.body)
            .icon("dev.latchkey.app")
            .timeout(notify_rust::Timeout::Default)
            .show();
        if let Err(e) = shown {
            eprintln!("latchkey: the notification could not be shown: {e}");
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use latchkey_testkit::{lab, new_key};

    #[test]
    fn names_keys_and_dates_and_never_a_secret() {
        let lab = lab();
        let admin = lab.admin();
        let mut secrets = Vec::new();
        let mut keys = Vec::new();
        for i in 0..7 {
            let issued = lab
                .lk
                .create_key(&admin, &new_key(&format!("deploy {i}"), &["keys:read"]))
                .unwrap();
            secrets.push(issued.secret.expose().to_owned());
            keys.push(issued.key);
        }
        assert_eq!(expiring_notice(&[]), None);
        let one = expiring_notice(&keys[..1]).unwrap();
        assert_eq!(one.summary, "An API key expires within 7 days");
        assert!(one.body.starts_with("“deploy 0” on "), "{}", one.body);
        let all = expiring_notice(&keys).unwrap();
        assert_eq!(all.summary, "7 API keys expire within 7 days");
        assert!(all.body.contains("“deploy 4”") && !all.body.contains("“deploy 5”"));
        assert!(all.body.contains("and 2 more"));
        for k in &keys {
            let text = format!("{}{}", all.summary, all.body);
            assert!(!text.contains(k.id.0.as_str()) && !text.contains(&k.hint));
        }
        for s in &secrets {
            assert!(!all.body.contains(&s[8..20]));
        }
    }
}
