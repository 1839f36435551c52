//! Locking with the desktop, over D-Bus: the session locks when the screen saver starts
//! or the screen is locked (`ActiveChanged(true)` of `org.freedesktop.ScreenSaver` or
//! `org.gnome.ScreenSaver` on the session bus; logind's `Session.Lock` on the system
//! bus), and before the machine sleeps (logind's `PrepareForSleep(true)`). A bus that is
//! not there is said once on stderr; the idle lock works without it.

use futures_util::StreamExt;
use zbus::message::Type;
use zbus::{Connection, MatchRule, MessageStream};

/// Why a lock came from the desktop (`session-locked`'s reason).
pub const SCREEN: &str = "screen";
pub const SLEEP: &str = "sleep";

/// Watches both buses for as long as the app runs, calling `on_lock` with [`SCREEN`] or
/// [`SLEEP`]. The addresses come from the environment (`DBUS_SESSION_BUS_ADDRESS`,
/// `DBUS_SYSTEM_BUS_ADDRESS`, else the system's defaults).
pub async fn watch_locks(on_lock: impl Fn(&'static str) + Clone + Send + Sync + 'static) {
    let session = async {
        match Connection::session().await {
            Ok(c) => report("session", watch_screen_saver(&c, on_lock.clone()).await),
            Err(e) => report("session", Err(e)),
        }
    };
    let system = async {
        match Connection::system().await {
            Ok(c) => report("system", watch_logind(&c, on_lock.clone()).await),
            Err(e) => report("system", Err(e)),
        }
    };
    futures_util::future::join(session, system).await;
}

fn report(bus: &str, outcome: zbus::Result<()>) {
    if let Err(e) = outcome {
        eprintln!(
            "latchkey: the D-Bus {bus} bus cannot be watched ({e}): locking the screen \
             will not lock Latchkey; the idle lock still does"
        );
    }
}

fn signal(interface: &'static str, member: &'static str) -> zbus::Result<MatchRule<'static>> {
    Ok(MatchRule::builder()
        .msg_type(Type::Signal)
        .interface(interface)?
        .member(member)?
        .build())
}

/// `ActiveChanged(true)` from either screen saver interface locks.
pub async fn watch_screen_saver(
    conn: &Connection,
    on_lock: impl Fn(&'static str),
) -> zbus::Result<()> {
    let freedesktop = MessageStream::for_match_rule(
        signal("org.freedesktop.ScreenSaver", "ActiveChanged")?,
        conn,
        None,
    )
    .await?;
    let gnome = MessageStream::for_match_rule(
        signal("org.gnome.ScreenSaver", "ActiveChanged")?,
        conn,
        None,
    )
    .await?;
    let mut both = futures_util::stream::select(freedesktop, gnome);
    while let Some(m) = both.next().await {
        let Ok(m) = m else { continue };
        if m.body().deserialize::<bool>().unwrap_or(false) {
            on_lock(SCREEN);
        }
    }
    Ok(())
}

/// logind: `Lock` of this process's session (of any session when logind cannot say which
/// is ours, as on a test's private bus: locking too often is the safe side), and
/// `PrepareForSleep(true)`.
pub async fn watch_logind(conn: &Connection, on_lock: impl Fn(&'static str)) -> zbus::Result<()> {
    let mut lock_rule = MatchRule::builder()
        .msg_type(Type::Signal)
        .interface("org.freedesktop.login1.Session")?
        .member("Lock")?;
    if let Some(path) = own_session(conn).await {
        lock_rule = lock_rule.path(path)?;
    }
    let locks = MessageStream::for_match_rule(lock_rule.build(), conn, None).await?;
    let sleeps = MessageStream::for_match_rule(
        signal("org.freedesktop.login1.Manager", "PrepareForSleep")?,
        conn,
        None,
    )
    .await?;
    let mut both = futures_util::stream::select(locks, sleeps);
    while let Some(m) = both.next().await {
        let Ok(m) = m else { continue };
        let header = m.header();
        match header.member().map(|m| m.as_str()) {
            Some("Lock") => on_lock(SCREEN),
            Some("PrepareForSleep") if m.body().deserialize::<bool>().unwrap_or(false) => {
                on_lock(SLEEP)
            }
            _ => {}
        }
    }
    Ok(())
}

/// The object path of this process's logind session, when logind answers.
async fn own_session(conn: &Connection) -> Option<zbus::zvariant::OwnedObjectPath> {
    let reply = conn
        .call_method(
            Some("org.freedesktop.login1"),
            "/org/freedesktop/login1",
            Some("org.freedesktop.login1.Manager"),
            "GetSessionByPID",
            &(std::process::id(),),
        )
        .await
        .ok()?;
    reply.body().deserialize().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader};
    use std::process::{Child, Command, Stdio};
    use std::time::Duration;

    /// A private bus of the test's own (`dbus-daemon --session`), stopped when dropped.
    struct Bus(Child, String);

    impl Bus {
        fn start() -> Bus {
            let mut child = Command::new("dbus-daemon")
                .args(["--session", "--nofork", "--print-address=1"])
                .stdout(Stdio::piped())
                .spawn()
                .expect("dbus-daemon (package dbus) is installed: make deps");
            let mut address = String::new();
            BufReader::new(child.stdout.take().unwrap())
                .read_line(&mut address)
                .unwrap();
            Bus(child, address.trim().to_owned())
        }

        async fn connect(&self) -> Connection {
            zbus::connection::Builder::address(self.1.as_str())
                .unwrap()
                .build()
                .await
                .unwrap()
        }
    }

    impl Drop for Bus {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    async fn emit(c: &Connection, path: &str, iface: &str, member: &str, arg: Option<bool>) {
        match arg {
            Some(b) => c.emit_signal(None::<()>, path, iface, member, &(b,)).await,
            None => c.emit_signal(None::<()>, path, iface, member, &()).await,
        }
        .unwrap();
    }

    /// What the watcher reported within a moment.
    async fn next(
        rx: &mut tokio::sync::mpsc::UnboundedReceiver<&'static str>,
    ) -> Option<&'static str> {
        tokio::time::timeout(Duration::from_secs(2), rx.recv())
            .await
            .ok()
            .flatten()
    }

    #[tokio::test]
    async fn the_screen_saver_and_logind_lock_and_nothing_else_does() {
        let (session, system) = (Bus::start(), Bus::start());
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let (s, y) = (session.connect().await, system.connect().await);
        let t1 = tx.clone();
        tokio::spawn(async move {
            watch_screen_saver(&s, move |r| {
                let _ = t1.send(r);
            })
            .await
        });
        tokio::spawn(async move {
            watch_logind(&y, move |r| {
                let _ = tx.send(r);
            })
            .await
        });
        // Let the watchers' match rules reach the buses.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let sender = session.connect().await;
        let logind = system.connect().await;

        emit(
            &sender,
            "/org/freedesktop/ScreenSaver",
            "org.freedesktop.ScreenSaver",
            "ActiveChanged",
            Some(true),
        )
        .await;
        assert_eq!(next(&mut rx).await, Some(SCREEN));
        emit(
            &sender,
            "/org/gnome/ScreenSaver",
            "org.gnome.ScreenSaver",
            "ActiveChanged",
            Some(true),
        )
        .await;
        assert_eq!(next(&mut rx).await, Some(SCREEN));
        emit(
            &logind,
            "/org/freedesktop/login1/session/_32",
            "org.freedesktop.login1.Session",
            "Lock",
            None,
        )
        .await;
        assert_eq!(next(&mut rx).await, Some(SCREEN));
        emit(
            &logind,
            "/org/freedesktop/login1",
            "org.freedesktop.login1.Manager",
            "PrepareForSleep",
            Some(true),
        )
        .await;
        assert_eq!(next(&mut rx).await, Some(SLEEP));

        // The screen saver stopping, waking up, and other signals do not lock.
        emit(
            &sender,
            "/org/freedesktop/ScreenSaver",
            "org.freedesktop.ScreenSaver",
            "ActiveChanged",
            Some(false),
        )
        .await;
        emit(
            &logind,
            "/org/freedesktop/login1",
            "org.freedesktop.login1.Manager",
            "PrepareForSleep",
            Some(false),
        )
        .await;
        emit(
            &logind,
            "/org/freedesktop/login1/session/_32",
            "org.freedesktop.login1.Session",
            "Unlock",
            None,
        )
        .await;
        assert_eq!(next(&mut rx).await, None);
    }

    #[tokio::test]
    async fn a_missing_bus_is_reported_and_the_watch_ends() {
        // No bus at these addresses: both watchers give up without a panic.
        std::env::set_var(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/latchkey-test-bus",
        );
        std::env::set_var(
            "DBUS_SYSTEM_BUS_ADDRESS",
            "unix:path=/nonexistent/latchkey-test-bus",
        );
        let done =
            tokio::time::timeout(Duration::from_secs(10), watch_locks(|_| panic!("no lock"))).await;
        assert!(done.is_ok(), "the watch returns when there is no bus");
    }
}
