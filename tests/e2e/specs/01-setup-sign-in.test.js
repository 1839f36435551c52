// First start of an empty store: the setup screen creates the first administrator and
// signs in; the Profile tab takes a picture and an email (and refuses a bad one); signing
// out returns to sign-in, where a wrong password shows its error and the right one signs
// in again.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  ADMIN,
  adminExists,
  asAdmin,
  click,
  cli,
  docShot,
  drawAvatar,
  fill,
  find,
  finish,
  launch,
  signIn,
  signOut,
  stepShots,
  storePath,
  tid,
} from '../helpers.js';

describe('setup and sign-in', () => {
  const shot = stepShots('01-setup');
  let browser;

  before(async () => {
    // This spec's own fresh store (run-specs.js): nobody has set it up.
    assert.equal(adminExists(), false, `the store ${storePath()} must be empty for this spec`);
    browser = await launch();
  });

  after(() => finish(browser, shot));

  it('an empty store opens on the setup screen', async () => {
    await find(browser, 'setup-username');
    assert.equal(await browser.getTitle(), 'Latchkey');
    assert.equal(await (await browser.$(tid('signin-login'))).isExisting(), false);
    await shot(browser, 'setup-empty');
  });

  it('fills in the first administrator', async () => {
    await fill(browser, 'setup-username', ADMIN.username);
    await fill(browser, 'setup-first-name', ADMIN.firstName);
    await fill(browser, 'setup-last-name', ADMIN.lastName);
    await fill(browser, 'setup-email', ADMIN.email);
    await fill(browser, 'setup-password', ADMIN.password);
    await fill(browser, 'setup-confirm', ADMIN.password);
    await docShot(browser, 'setup');
  });

  it('checks the form before calling the core: a confirmation that does not match', async () => {
    await fill(browser, 'setup-confirm', `${ADMIN.password} typo`);
    await click(browser, 'setup-submit');
    const err = await find(browser, 'setup-confirm-error');
    assert.match(await err.getText(), /does not match/i);
    await shot(browser, 'confirm-mismatch');
  });

  it('creates the first administrator and signs in', async () => {
    await fill(browser, 'setup-confirm', ADMIN.password);
    await click(browser, 'setup-submit');

    const name = await find(browser, 'nav-name', 30_000);
    assert.equal(await name.getText(), `${ADMIN.firstName} ${ADMIN.lastName}`);
    assert.equal(await (await find(browser, 'profile-username')).getText(), ADMIN.username);
    await find(browser, 'admin-badge');
    await shot(browser, 'signed-in-after-setup');

    // The core agrees: the administrator exists, with the password chosen in the window.
    const me = cli(['account', 'show', '--user', ADMIN.username], ADMIN.password);
    assert.equal(me.code, 0, me.stderr);
    assert.equal(me.json.is_admin, true);
    assert.equal(me.json.email, ADMIN.email);
  });

  it('Profile: a picture and an email are saved', async () => {
    const png = path.join(process.env.HOME, 'helix.png');
    drawAvatar(png);
    // "Upload picture" opens the native file chooser, which WebDriver cannot drive; type
    // the path into the (visually hidden) file input instead, shown for that moment.
    const input = await browser.$(tid('avatar-file'));
    await browser.execute((sel) => document.querySelector(sel).classList.remove('sr-only'), tid('avatar-file'));
    await input.addValue(png);
    await browser.execute((sel) => document.querySelector(sel).classList.add('sr-only'), tid('avatar-file'));
    await find(browser, 'avatar-image', 30_000);
    assert.match(await (await find(browser, 'avatar-image')).getAttribute('src'), /^data:image\/png;base64,/);

    const email = 'r.franklin@kings-lab.example';
    await fill(browser, 'profile-email', email);
    await click(browser, 'profile-save');
    await find(browser, 'profile-saved');
    assert.equal(asAdmin(['account', 'show']).email, email);
    await docShot(browser, 'profile');
  });

  it('Profile: an invalid email is refused inline', async () => {
    await fill(browser, 'profile-email', 'rosalind at kings');
    await click(browser, 'profile-save');
    assert.match(await (await find(browser, 'profile-email-error')).getText(), /valid email/i);
    await shot(browser, 'profile-bad-email');
    await fill(browser, 'profile-email', 'r.franklin@kings-lab.example');
  });

  it('signing out returns to sign-in', async () => {
    await signOut(browser);
    const notice = await find(browser, 'signin-notice');
    assert.match(await notice.getText(), /signed out/i);
    await shot(browser, 'signed-out');
  });

  it('a wrong password shows its error', async () => {
    await fill(browser, 'signin-login', ADMIN.username);
    await fill(browser, 'signin-password', 'not the right passphrase');
    await click(browser, 'signin-submit');
    const err = await find(browser, 'signin-error', 30_000);
    assert.equal(await err.getAttribute('data-code'), 'bad_credentials');
    assert.match(await err.getText(), /username or password is incorrect/i);
    // Still on sign-in, password cleared.
    assert.equal(await (await find(browser, 'signin-password')).getValue(), '');
    await shot(browser, 'wrong-password');
  });

  it('the right password signs in', async () => {
    await signIn(browser, ADMIN);
    await find(browser, 'admin-badge');
    await shot(browser, 'signed-in');
  });
});
