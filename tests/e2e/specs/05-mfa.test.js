// Two-step verification in the real window (issue 4): enrol from the QR screen with codes
// computed from the secret it shows, sign out and back in with a code, view a key created
// with "allow viewing later" after the "Confirm it's you" prompt, sign in with a recovery
// code, and turn MFA off. The app is launched with a 25 s step-up window (a test-build-only
// argument) so the prompt can be seen without waiting ten minutes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  ADMIN,
  MEMBER,
  PASSWORD_MANAGER_HINT,
  cli,
  click,
  clipboardTargets,
  clipboardText,
  closeIssued,
  createKey,
  docShot,
  ensureLab,
  fill,
  find,
  finish,
  keyRow,
  launch,
  openKeysTab,
  saveDir,
  signIn,
  signOut,
  stepShots,
  tid,
  until,
  verifyKey,
} from '../helpers.js';

const STEP_UP_SECS = 25;

/** RFC 6238 (SHA-1, 6 digits, 30 s) written from the RFC, independent of the app's code. */
function totpAt(base32, step) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of base32.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = crypto.createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  const n = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(n).padStart(6, '0');
}

const stepNow = () => Math.floor(Date.now() / 1000 / 30);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('two-step verification', () => {
  const shot = stepShots('05-mfa');
  let browser;
  let secret;
  let recovery = [];
  let lastStep = 0;
  let viewable;

  /**
   * A code the app accepts now: newer than the last one used, and never the previous step,
   * which a step boundary while the code is typed and checked would push out of the ±1
   * window (CI once lost that race). The current or next step stays accepted across one
   * boundary; when both are used up, wait for time to move on.
   */
  const nextCode = async () => {
    const step = Math.max(lastStep + 1, stepNow());
    while (step > stepNow() + 1) await sleep(1000);
    lastStep = step;
    return totpAt(secret, step);
  };

  before(async () => {
    ensureLab();
    browser = await launch({ args: [`--e2e-step-up-secs=${STEP_UP_SECS}`] });
  });

  after(() => finish(browser, shot));

  it('enrols: the QR screen shows the secret, a first code turns MFA on, recovery codes are shown once', async () => {
    await signIn(browser, MEMBER);
    await click(browser, 'tab-security');
    await click(browser, 'mfa-setup');
    const qr = await find(browser, 'mfa-qr');
    // The <img> has a fixed size, so it is "displayed" before its data URL is decoded.
    await until(() => browser.execute((el) => el.complete && el.naturalWidth > 100, qr), {
      message: 'the QR image to be drawn',
    });
    secret = await (await find(browser, 'mfa-secret')).getAttribute('data-secret');
    assert.match(secret, /^[A-Z2-7]{32}$/, 'a 160-bit base32 secret');
    await docShot(browser, 'mfa-setup');
    await shot(browser, 'qr');

    lastStep = 0;
    await fill(browser, 'mfa-code', await nextCode());
    await click(browser, 'mfa-confirm');
    await find(browser, 'recovery-codes', 30_000);
    // WebdriverIO 9: map() on an element array already returns a promise of the results.
    recovery = await (await browser.$$(tid('recovery-code'))).map((e) => e.getText());
    assert.equal(recovery.length, 10);
    for (const c of recovery) assert.match(c, /^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
    await docShot(browser, 'mfa-recovery-codes');

    await click(browser, 'recovery-download');
    const file = await until(
      () => fs.readdirSync(saveDir()).find((f) => f.startsWith('latchkey-recovery-codes') && f.endsWith('.txt')),
      { message: 'the recovery codes file' },
    );
    const full = path.join(saveDir(), file);
    assert.equal(fs.statSync(full).mode & 0o777, 0o600);
    const text = fs.readFileSync(full, 'utf8');
    for (const c of recovery) assert.ok(text.includes(c), 'every code is in the file');
    await click(browser, 'recovery-close');
    const status = await find(browser, 'mfa-status');
    assert.equal(await status.getAttribute('data-enabled'), 'true');
  });

  it('creates a key that may be viewed later', async () => {
    await openKeysTab(browser);
    viewable = await createKey(browser, { name: 'plate reader', permissions: ['samples:read'] }, () =>
      click(browser, 'key-revealable'),
    );
    await closeIssued(browser);
    assert.equal(verifyKey(viewable).valid, true);
  });

  it('signs out, and back in with a code from the authenticator', async () => {
    await signOut(browser);
    await fill(browser, 'signin-login', MEMBER.username);
    await fill(browser, 'signin-password', MEMBER.password);
    await click(browser, 'signin-submit');
    await find(browser, 'signin-code', 30_000);
    await docShot(browser, 'sign-in-code');
    // A wrong code is refused and may be retried.
    await fill(browser, 'signin-code', '000000');
    await click(browser, 'signin-code-submit');
    await find(browser, 'signin-code-error');
    await fill(browser, 'signin-code', await nextCode());
    await click(browser, 'signin-code-submit');
    await find(browser, 'nav-name', 30_000);
  });

  it("views the viewable key after the “Confirm it's you” prompt, with a code", async () => {
    await sleep((STEP_UP_SECS + 2) * 1000);
    await openKeysTab(browser);
    const row = await keyRow(browser, 'plate reader', 'active');
    await (await row.$(tid('view'))).click();
    await find(browser, 'stepup-dialog', 30_000);
    await docShot(browser, 'step-up');
    await fill(browser, 'stepup-password', await nextCode());
    await click(browser, 'stepup-submit');
    await find(browser, 'view-dialog', 30_000);
    const shown = await (await find(browser, 'issued-secret')).getValue();
    assert.equal(shown, viewable, 'the viewed key is the key that was issued');
    await click(browser, 'view-close');
  });

  it('signs in with a recovery code, once', async () => {
    await signOut(browser);
    await fill(browser, 'signin-login', MEMBER.username);
    await fill(browser, 'signin-password', MEMBER.password);
    await click(browser, 'signin-submit');
    await fill(browser, 'signin-code', recovery[0].toUpperCase());
    await click(browser, 'signin-code-submit');
    await find(browser, 'nav-name', 30_000);
  });

  it('the row of a viewable key: Copy after the prompt (the key stays in Rust), then Download', async () => {
    await sleep((STEP_UP_SECS + 2) * 1000);
    await openKeysTab(browser);
    const row = await keyRow(browser, 'plate reader', 'active');
    await (await row.$(tid('copy'))).click();
    const prompt = await find(browser, 'stepup-dialog', 30_000);
    assert.match(await prompt.getText(), /To copy “plate reader”/);
    await fill(browser, 'stepup-password', await nextCode());
    await click(browser, 'stepup-submit');
    await find(browser, 'clipboard-countdown', 30_000);
    await until(() => clipboardText() === viewable, { message: 'the viewable key on the clipboard' });
    assert.ok(clipboardTargets().includes(PASSWORD_MANAGER_HINT), 'marked to stay out of clipboard history');
    // Copy never opened the View dialog: the window was not given the secret.
    assert.equal(await (await browser.$(tid('view-dialog'))).isExisting(), false);
    await docShot(browser, 'viewable-key');

    // The proof is fresh now: Download needs no second prompt.
    await (await row.$(tid('download'))).click();
    const notice = await find(browser, 'keys-notice', 30_000);
    const file = path.join(saveDir(), 'latchkey-plate-reader.json');
    assert.match(await notice.getText(), /Saved “plate reader” to /);
    assert.ok((await notice.getText()).includes(file), await notice.getText());
    assert.equal(await (await browser.$(tid('stepup-dialog'))).isExisting(), false);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    const kf = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.equal(kf.api_key, viewable);
    assert.equal(kf.account, MEMBER.username);
    assert.equal(verifyKey(kf.api_key).valid, true);
  });

  it('turns MFA off after confirming it is you; then the password alone signs in', async () => {
    await sleep((STEP_UP_SECS + 2) * 1000);
    await click(browser, 'nav-menu');
    await click(browser, 'menu-account');
    await click(browser, 'tab-security');
    await click(browser, 'mfa-disable');
    await click(browser, 'confirm-yes');
    await find(browser, 'stepup-dialog', 30_000);
    // The used recovery code is refused; a fresh one works.
    await fill(browser, 'stepup-password', recovery[0]);
    await click(browser, 'stepup-submit');
    await find(browser, 'stepup-error');
    await fill(browser, 'stepup-password', recovery[1]);
    await click(browser, 'stepup-submit');
    await until(async () => (await (await find(browser, 'mfa-status')).getAttribute('data-enabled')) === 'false', {
      message: 'MFA to be off',
    });
    await signOut(browser);
    await signIn(browser, MEMBER);
  });

  it('after an administrator resets the password of an account with MFA on, the next sign-in says both', async () => {
    // MFA on again, set up with the CLI this time.
    const enrol = cli(['mfa', 'enroll', '--user', MEMBER.username], MEMBER.password);
    assert.equal(enrol.code, 0, enrol.stderr);
    secret = enrol.json.secret;
    lastStep = 0;
    const on = cli(['mfa', 'confirm', '--user', MEMBER.username], [MEMBER.password, await nextCode()]);
    assert.equal(on.code, 0, on.stderr);
    const newPassword = 'a passphrase the administrator chose';
    const reset = cli(['account', 'passwd', MEMBER.username, '--yes', '--user', ADMIN.username], [ADMIN.password, newPassword, newPassword]);
    assert.equal(reset.code, 0, reset.stderr);

    await signOut(browser);
    await signIn(browser, { ...MEMBER, password: newPassword });
    const notice = await find(browser, 'secrets-lost-notice');
    assert.match(await notice.getText(), /An administrator reset your password/);
    assert.match(await (await find(browser, 'mfa-reset-note')).getText(), /Two-step verification was turned off too/);
    await docShot(browser, 'sign-in-notices');
    // The password alone signed in (no code step), and Security says MFA is off.
    await click(browser, 'review-mfa');
    assert.equal(await (await find(browser, 'mfa-status')).getAttribute('data-enabled'), 'false');
  });
});
