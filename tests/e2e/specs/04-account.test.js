// The administrator's account pages and locking: expiring keys flagged on sign-in,
// Security (a refused password with its reason inline), the
// account key (Reveal right after sign-in, a key that verifies; Copy), sign-out locking
// (clipboard cleared), the Settings page, and the idle lock set there.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ADMIN,
  answerStepUp,
  asAdmin,
  cli,
  click,
  clipboardText,
  docShot,
  ensureLab,
  fill,
  find,
  finish,
  gone,
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

describe('account pages, account key and locking', () => {
  const shot = stepShots('04-account');
  let browser;
  let accountKey = null;
  let expiringExpected = false;

  before(async () => {
    ensureLab();
    expiringExpected = asAdmin(['key', 'list']).some((k) => k.status === 'expiring_soon');
    browser = await launch();
  });

  after(() => finish(browser, shot));

  it('signs in; keys about to expire are flagged', async () => {
    await signIn(browser, ADMIN);
    if (expiringExpected) {
      const notice = await find(browser, 'expiring-notice');
      assert.match(await notice.getText(), /expire/i);
      await shot(browser, 'expiring-notice');
      await (await browser.$('button[aria-label="Dismiss expiring keys notice"]')).click();
      await gone(browser, 'expiring-notice');
    }
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
    await click(browser, 'acct-copy');
    await find(browser, 'clipboard-countdown');
    await until(() => clipboardText() === accountKey, { message: 'the account key on the clipboard' });
    await shot(browser, 'account-key-copied');
  });

  it('signing out locks the window: back to sign-in, clipboard cleared', async () => {
    await signOut(browser);
    assert.match(await (await find(browser, 'signin-notice')).getText(), /signed out/i);
    const now = clipboardText();
    assert.ok(now === null || !now.includes(accountKey), 'the account key left the clipboard on sign-out');
    await shot(browser, 'signed-out');
    assert.equal(await (await browser.$(tid('nav-name'))).isExisting(), false);
  });

  it('Settings: the clipboard and idle-lock choices and the store; saving works', async () => {
    await signIn(browser, ADMIN);
    await openMenu(browser, 'settings');
    await find(browser, 'settings-clipboard');
    // A clean page for the picture: no sign-in notice, no "clipboard cleared" toast.
    const dismiss = await browser.$('button[aria-label="Dismiss expiring keys notice"]');
    if (await dismiss.isExisting()) await dismiss.click();
    await gone(browser, 'clipboard-countdown', 10_000);
    assert.equal(await (await find(browser, 'store-path')).getText(), process.env.LATCHKEY_DB);
    // Back to the default clear delay (spec 02 chose 10 s), saved.
    await (await find(browser, 'settings-clipboard')).selectByAttribute('value', '30');
    await click(browser, 'settings-save');
    await find(browser, 'settings-saved');
    await docShot(browser, 'settings');
  });

  it('locks after the idle time set in Settings', async () => {
    const idle = await find(browser, 'settings-idle');
    await idle.setValue('1');
    await click(browser, 'settings-save');
    await find(browser, 'settings-saved');
    const saved = Date.now();
    // No input from here on: the window locks itself after a minute.
    const notice = await find(browser, 'signin-notice', 100_000);
    const after = (Date.now() - saved) / 1000;
    assert.match(await notice.getText(), /Locked after 1 minute without activity/);
    assert.ok(after >= 55, `locked after ${after.toFixed(0)} s, not before a minute`);
    await shot(browser, 'idle-locked');
    // Put the default back for whoever uses this store next.
    await signIn(browser, ADMIN);
    await openMenu(browser, 'settings');
    await (await find(browser, 'settings-idle')).setValue('15');
    await click(browser, 'settings-save');
    await find(browser, 'settings-saved');
  });
});
