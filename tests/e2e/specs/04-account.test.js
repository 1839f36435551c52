// The administrator's account pages and locking, on a store of this spec's own: a key
// about to expire (seeded with the CLI) flagged on sign-in; Security (a refused password
// with its reason inline); the account key (Reveal right after sign-in, a key that
// verifies; Copy); sign-out clearing the clipboard; Settings; the idle lock Rust keeps
// (the session really ends: the clipboard is cleared and commands answer
// not_signed_in); and quitting the app, which clears the clipboard and ends the session.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  ADMIN,
  answerStepUp,
  asAdmin,
  audit,
  backdateKey,
  cli,
  click,
  clipboardText,
  dateInDays,
  docShot,
  ensureLab,
  fill,
  find,
  finish,
  gone,
  invoke,
  launch,
  openKeysTab,
  openMenu,
  scrollToView,
  signIn,
  signOut,
  stepShots,
  tid,
  until,
  verifyKey,
} from '../helpers.js';
import { closeWindowNamed, windowsNamed } from '../x11.js';

const EXPIRING = 'plate reader sync';
const settingsFile = () => path.join(process.env.XDG_CONFIG_HOME, 'dev.latchkey.app', 'settings.json');

describe('account pages, account key and locking', () => {
  const shot = stepShots('04-account');
  let browser;
  let accountKey = null;
  let quit = false;

  before(async () => {
    ensureLab();
    // A key made a month ago that expires in 5 days: the sign-in must flag it.
    asAdmin(['key', 'create', '--name', EXPIRING, '--env', 'test', '--expires', dateInDays(5), '--perm', 'samples:write']);
    backdateKey(EXPIRING, 30);
    browser = await launch();
  });

  // After the quit there is no window left to take a last picture of.
  after(() => finish(browser, quit ? async () => {} : shot));

  async function copyAccountKey() {
    await openKeysTab(browser);
    await scrollToView(browser, await find(browser, 'account-key-panel'));
    await click(browser, 'acct-copy');
    await find(browser, 'clipboard-countdown');
    await until(() => clipboardText() === accountKey, { message: 'the account key on the clipboard' });
  }

  it('signs in; the key about to expire is flagged', async () => {
    await signIn(browser, ADMIN);
    const notice = await find(browser, 'expiring-notice');
    assert.match(await notice.getText(), /One of your keys expires soon/);
    assert.match(await notice.getText(), new RegExp(EXPIRING));
    await shot(browser, 'expiring-notice');
    await (await browser.$('button[aria-label="Dismiss expiring keys notice"]')).click();
    await gone(browser, 'expiring-notice');
  });

  it('Security: a refused new password shows the reason inline, with the policy', async () => {
    await click(browser, 'tab-security');
    await fill(browser, 'pw-current', ADMIN.password);
    await fill(browser, 'pw-new', ADMIN.username);
    await fill(browser, 'pw-confirm', ADMIN.username);
    await click(browser, 'pw-submit');
    const err = await find(browser, 'pw-new-error', 30_000);
    assert.match(await err.getText(), /username/i);
    assert.ok(Number(await (await find(browser, 'policy-min-length')).getText()) >= 8);
    await docShot(browser, 'security');
    // Nothing changed: the old password still works.
    assert.equal(cli(['account', 'show', '--user', ADMIN.username], ADMIN.password).code, 0);
  });

  it('Account key: Reveal works right after sign-in, and the key verifies', async () => {
    await openKeysTab(browser);
    const panel = await find(browser, 'account-key-panel');
    await scrollToView(browser, panel);
    const masked = await (await find(browser, 'acct-secret')).getValue();
    assert.match(masked, /^lk_acct_•+/);
    await click(browser, 'acct-reveal');
    const asked = await answerStepUp(browser, ADMIN, 'acct-hide');
    assert.equal(asked, false, 'no step-up prompt right after sign-in');
    accountKey = await (await find(browser, 'acct-secret')).getValue();
    assert.match(accountKey, /^lk_acct_[0-9A-Za-z]{20,}$/);
    const v = verifyKey(accountKey);
    assert.equal(v.valid, true, v.reason);
    assert.equal(v.json.account, ADMIN.username);
    await scrollToView(browser, panel);
    await docShot(browser, 'account-key');
  });

  it('Account key: Copy puts it on the clipboard', async () => {
    await copyAccountKey();
    await shot(browser, 'account-key-copied');
  });

  it('signing out: back to sign-in, our clipboard content cleared, commands refused', async () => {
    await signOut(browser);
    assert.match(await (await find(browser, 'signin-notice')).getText(), /signed out/i);
    const now = clipboardText();
    assert.ok(now === null || !now.includes(accountKey), 'the account key left the clipboard on sign-out');
    await shot(browser, 'signed-out');
    assert.equal(await (await browser.$(tid('nav-name'))).isExisting(), false);
    // Settings are read and saved only in a session.
    assert.deepEqual(await invoke(browser, 'settings'), { ok: false, code: 'not_signed_in' });
    const attempt = { clipboard_clear_secs: null, idle_lock_mins: 240, api_enabled: false, api_port: 7171 };
    assert.deepEqual(await invoke(browser, 'set_settings', { settings: attempt }), { ok: false, code: 'not_signed_in' });
    assert.equal(fs.existsSync(settingsFile()), false, 'nothing was saved');
  });

  it('Settings: the clipboard and idle-lock choices and the store', async () => {
    await signIn(browser, ADMIN);
    await (await browser.$('button[aria-label="Dismiss expiring keys notice"]')).click();
    await openMenu(browser, 'settings');
    await find(browser, 'settings-clipboard');
    // A clean page for the picture: no "clipboard cleared" toast.
    await gone(browser, 'clipboard-countdown', 10_000);
    assert.equal(await (await find(browser, 'store-path')).getText(), process.env.LATCHKEY_DB);
    // This spec's own settings: the defaults.
    assert.equal(await (await find(browser, 'settings-clipboard')).getValue(), '30');
    assert.equal(await (await find(browser, 'settings-idle')).getValue(), '15');
    await docShot(browser, 'settings');
  });

  it('the idle lock (1 minute, set in Settings) ends the session in Rust: clipboard cleared, commands refused', async () => {
    // The clipboard would clear itself only after 5 minutes: only the lock can clear it now.
    await (await find(browser, 'settings-clipboard')).selectByAttribute('value', '300');
    await (await find(browser, 'settings-idle')).setValue('1');
    await click(browser, 'settings-save');
    await find(browser, 'settings-saved');
    const saved = JSON.parse(fs.readFileSync(settingsFile(), 'utf8'));
    assert.equal(saved.idle_lock_mins, 1);
    assert.equal(saved.clipboard_clear_secs, 300);
    await openMenu(browser, 'account');
    // Taken before the last command, so the one-minute lower bound below cannot be cut
    // short by a slow clipboard poll.
    const copied = Date.now();
    await copyAccountKey();
    // No input from here on: Rust ends the session after a minute and the window follows.
    const notice = await find(browser, 'signin-notice', 100_000);
    const after = (Date.now() - copied) / 1000;
    assert.match(await notice.getText(), /Locked after 1 minute without activity/);
    assert.ok(after >= 55, `locked after ${after.toFixed(0)} s, not before a minute`);
    const now = clipboardText();
    assert.ok(now === null || !now.includes(accountKey), 'the idle lock cleared the account key from the clipboard');
    // The session is gone in Rust, not only hidden by the window.
    assert.deepEqual(await invoke(browser, 'list_keys'), { ok: false, code: 'not_signed_in' });
    assert.deepEqual(await invoke(browser, 'account_key'), { ok: false, code: 'not_signed_in' });
    await shot(browser, 'idle-locked');
  });

  it('quitting the app (closing its window) clears our clipboard content and ends the session', async () => {
    await signIn(browser, ADMIN);
    await copyAccountKey();
    const signOuts = audit('sign_out').length;
    // The window's close button: WM_DELETE_WINDOW, as a window manager sends it.
    quit = true;
    await closeWindowNamed('Latchkey');
    await until(() => windowsNamed('Latchkey').length === 0, { timeout: 30_000, message: 'the window to close' });
    // The app left through its exit handler, which clears our clipboard content and then
    // ends the session: the sign-out is in the audit log (a killed app writes none).
    await until(() => audit('sign_out').length === signOuts + 1, { timeout: 30_000, message: 'the exit to end the session' });
    const now = clipboardText();
    assert.ok(now === null || !now.includes(accountKey), 'the account key left the clipboard at exit');
  });
});
