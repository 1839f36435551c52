// Living on the desktop, on private buses the runner started for this spec (run-specs.js):
// the screen saver starting, logind locking the session and logind preparing for sleep
// each lock a signed-in window and clear the key it copied (read with xclip); Ctrl+L
// locks; a key expiring in 3 days makes one Notify call at sign-in, watched on the session
// bus, with no secret in it; the tray's menu is on the bus and its Lock now item locks; a
// second launch exits and leaves the first window running; the close button hides the
// window to the tray when Settings say so (the tray's Open shows it again) and otherwise
// quits; the next launch has the window's size and position back; the expiry notice comes
// again at the daily timer (seconds here) while someone is signed in, and not once locked.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  ADMIN,
  backdateKey,
  cli,
  click,
  clipboardText,
  closeIssued,
  createKey,
  dateInDays,
  ensureLab,
  find,
  finish,
  launch,
  openKeysTab,
  openMenu,
  signIn,
  stepShots,
  until,
  WINDOW,
} from '../helpers.js';
import { clickMenu, menuOf, startWatcher } from '../tray.js';

const session = () => process.env.DBUS_SESSION_BUS_ADDRESS;
const system = () => process.env.DBUS_SYSTEM_BUS_ADDRESS;
/** Where the window is moved before the app quits (the app itself centres it on 1440×1024). */
const MOVED_TO = [23, 17];
/** The daily expiry notice's period in this spec's last launch (an e2e-build argument). */
const DAILY_SECS = 3;

/**
 * `dbus-send` on one of the spec's private buses. `--session`/`--system` (the addresses
 * come from the environment), not `--address`: with an address it sends before it has
 * registered on the bus, and the bus drops what an unregistered connection broadcasts.
 */
function send(bus, args) {
  const r = spawnSync('dbus-send', [`--${bus}`, ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** The app's shown windows: with no window manager on Xvfb, mapped is shown. */
function shownWindows() {
  const r = spawnSync('xdotool', ['search', '--onlyvisible', '--name', '^Latchkey$'], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean);
}

/** The close button, as a window manager presses it (WM_DELETE_WINDOW; wm-close.py). */
function pressClose() {
  const ids = shownWindows();
  assert.notEqual(ids.length, 0, 'a window to close');
  const script = fileURLToPath(new URL('../wm-close.py', import.meta.url));
  const r = spawnSync('/usr/bin/python3', [script, ...ids], { encoding: 'utf8' });
  assert.equal(r.status, 0, `wm-close.py: ${r.stderr}`);
}

const appRunning = () => spawnSync('pgrep', ['-f', process.env.LATCHKEY_APP]).status === 0;

/** Turns "Closing the window keeps Latchkey in the tray" on or off in Settings. */
async function closeToTray(browser, on) {
  await openMenu(browser, 'settings');
  const box = await find(browser, 'settings-close-to-tray');
  if ((await box.isSelected()) !== on) await box.click();
  await click(browser, 'settings-save');
  await find(browser, 'settings-saved');
}

/** Watches the session bus; returns what it saw so far, and a stop. */
function monitor(address, rule) {
  const child = spawn('dbus-monitor', ['--address', address, rule], { stdio: ['ignore', 'pipe', 'inherit'] });
  let seen = '';
  child.stdout.on('data', (d) => {
    seen += d;
  });
  return { seen: () => seen, stop: () => child.kill() };
}

/** Watches the session bus for Notify calls: what it saw so far, how many, and a stop. */
function watchNotifications() {
  const watch = monitor(session(), "type='method_call',interface='org.freedesktop.Notifications',member='Notify'");
  return { ...watch, count: () => watch.seen().split('member=Notify').length - 1 };
}

/** Signs in, copies a new key, and returns its secret (on the clipboard). */
async function signedInWithACopiedKey(browser, name) {
  await signIn(browser, ADMIN);
  await openKeysTab(browser);
  const secret = await createKey(browser, { name, permissions: [] });
  await click(browser, 'issued-copy');
  await until(() => clipboardText() === secret, { message: 'the key on the clipboard' });
  await closeIssued(browser);
  return secret;
}

/** The window is back at sign-in and the copied key has left the clipboard. */
async function lockedAndCleared(browser, secret) {
  await find(browser, 'signin-login', 15_000);
  if (secret) await until(() => clipboardText() !== secret, { message: 'the copied key cleared' });
}

describe('a desktop citizen', () => {
  const shot = stepShots('08-desktop');
  let browser;
  let tray;

  before(async () => {
    assert.ok(session() && system(), 'run-specs.js gives each spec private buses');
    ensureLab();
    // A key of the administrator's expiring in 3 days, for the sign-in notification.
    const made = cli(
      ['key', 'create', '--user', ADMIN.username, '--name', 'cluster token', '--expires', dateInDays(3)],
      ADMIN.password,
    );
    assert.equal(made.code, 0, made.stderr);
    // Made a month ago: in its last week (a 3-day key made now is in its first quarter).
    backdateKey('cluster token', 30);
    // A panel's status-icon host, for the tray icon to register with.
    tray = await startWatcher();
    browser = await launch();
  });

  after(async () => {
    await finish(browser, shot);
    tray?.stop();
  });

  it('says once at sign-in that a key expires within 7 days, without the secret', async () => {
    const watch = watchNotifications();
    await new Promise((r) => setTimeout(r, 300));
    await signIn(browser, ADMIN);
    const text = await until(() => (watch.seen().includes('cluster token') ? watch.seen() : null), {
      message: 'a Notify call naming the key',
    });
    await new Promise((r) => setTimeout(r, 1500));
    watch.stop();
    assert.equal(watch.count(), 1, 'one notification');
    assert.match(text, /expire/);
    assert.doesNotMatch(text, /lk_(live|test|acct)_/, 'no key in the notification');
    await click(browser, 'nav-menu');
    await click(browser, 'menu-lock-now');
    await lockedAndCleared(browser, null);
  });

  it('locks when the screen saver starts', async () => {
    const secret = await signedInWithACopiedKey(browser, 'screen saver');
    send('session', ['--type=signal', '/org/freedesktop/ScreenSaver', 'org.freedesktop.ScreenSaver.ActiveChanged', 'boolean:true']);
    await lockedAndCleared(browser, secret);
    await shot(browser, 'locked-by-screen');
  });

  it('locks when logind locks the session', async () => {
    const secret = await signedInWithACopiedKey(browser, 'session lock');
    send('system', ['--type=signal', '/org/freedesktop/login1/session/_31', 'org.freedesktop.login1.Session.Lock']);
    await lockedAndCleared(browser, secret);
  });

  it('locks before the machine sleeps', async () => {
    const secret = await signedInWithACopiedKey(browser, 'before sleep');
    send('system', ['--type=signal', '/org/freedesktop/login1', 'org.freedesktop.login1.Manager.PrepareForSleep', 'boolean:true']);
    await lockedAndCleared(browser, secret);
  });

  it('locks with Ctrl+L', async () => {
    const secret = await signedInWithACopiedKey(browser, 'control l');
    await browser.keys(['Control', 'l']);
    await lockedAndCleared(browser, secret);
  });

  it("the tray's menu is on the bus, says the API is off, and its Lock now locks", async () => {
    const item = await Promise.race([
      tray.item(),
      new Promise((_, no) => setTimeout(() => no(new Error('the tray icon never registered')), 20_000)),
    ]);
    const secret = await signedInWithACopiedKey(browser, 'tray');
    const { menu, entries } = await menuOf(tray.bus, item);
    assert.deepEqual(
      entries.map((e) => e.label.replace(/_/g, '')),
      ['Open Latchkey', 'Lock now', 'JSON API: off', 'Quit'],
    );
    assert.equal(entries[2].enabled, false, 'the API line is a state, not an action');
    await clickMenu(menu, entries, 'Lock now');
    await lockedAndCleared(browser, secret);
  });

  it('a second launch exits and the first window stays', async () => {
    const second = spawnSync(process.env.LATCHKEY_APP, [], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(second.error, undefined, 'the second launch exited by itself');
    assert.equal(second.status, 0, second.stderr);
    await find(browser, 'signin-login');
    assert.equal(await browser.execute(() => document.visibilityState), 'visible');
  });

  it('closing the window keeps the app in the tray when Settings say so; Open shows it again', async () => {
    const item = await tray.item();
    await signIn(browser, ADMIN);
    await closeToTray(browser, true);
    pressClose();
    await until(() => shownWindows().length === 0, { message: 'the window hidden' });
    assert.ok(appRunning(), 'the app still runs');
    // Still signed in behind the hidden window.
    assert.equal(await browser.execute(() => document.querySelector('[data-testid="nav-menu"]') !== null), true);
    const { menu, entries } = await menuOf(tray.bus, item);
    await clickMenu(menu, entries, 'Open Latchkey');
    await until(() => shownWindows().length === 1, { message: 'the window shown again' });
    await find(browser, 'nav-menu');
    await closeToTray(browser, false);
  });

  // It ends the app, and with it the WebDriver session; the next test starts another.
  it('with that setting off, closing the window quits the app', async () => {
    assert.ok(appRunning(), 'the app runs');
    // Somewhere the app would not put it itself (it centres a new window), for the next test.
    await browser.setWindowRect(MOVED_TO[0], MOVED_TO[1], null, null);
    await until(async () => {
      const { x, y } = await browser.getWindowRect();
      return x === MOVED_TO[0] && y === MOVED_TO[1];
    }, { message: 'the window moved' });
    pressClose();
    await until(() => !appRunning(), { message: 'the app quit' });
  });

  it('the next launch opens the window where it was, at the size it had, when the app quit', async () => {
    // The app's own default is 1100×760, centred (tauri.conf.json); it quit at the run's
    // size, moved to MOVED_TO.
    await browser.deleteSession().catch(() => {}); // its app is gone
    browser = await launch({ keepSize: true });
    const { x, y, width, height } = await browser.getWindowRect();
    assert.deepEqual([width, height], WINDOW);
    assert.deepEqual([x, y], MOVED_TO);
  });

  it('while the app stays open, it says so again every day (seconds here), and not once locked', async () => {
    await browser.deleteSession().catch(() => {}); // ends that app
    await until(() => !appRunning(), { message: 'the previous app gone' });
    browser = await launch({ args: [`--e2e-daily-secs=${DAILY_SECS}`] });
    const watch = watchNotifications();
    await new Promise((r) => setTimeout(r, 300));
    await signIn(browser, ADMIN);
    // Once at sign-in, then at the timer's next tick.
    await until(() => watch.count() >= 2, { timeout: (3 * DAILY_SECS + 10) * 1000, message: 'the notice said again' });
    const text = watch.seen();
    assert.ok((text.match(/cluster token/g) ?? []).length >= 2, 'each notice names the key');
    assert.doesNotMatch(text, /lk_(live|test|acct)_/, 'no key in the notifications');

    await click(browser, 'nav-menu');
    await click(browser, 'menu-lock-now');
    await find(browser, 'signin-login', 15_000);
    await new Promise((r) => setTimeout(r, 1000)); // a tick just before the lock may still be on its way
    const locked = watch.count();
    await new Promise((r) => setTimeout(r, 2 * DAILY_SECS * 1000 + 500));
    watch.stop();
    assert.equal(watch.count(), locked, 'no notice while nobody is signed in');
  });
});
