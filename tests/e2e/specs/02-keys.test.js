// An administrator's API keys, end to end against the real store: create, Copy (the X
// clipboard holds exactly the key, then no longer after the clear delay), Download (a
// 0600 key file that verifies), Regenerate (old key revoked, new one valid), Delete
// (revoked), and a duplicate name refused in the dialog.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  ADMIN,
  PASSWORD_MANAGER_HINT,
  answerStepUp,
  click,
  clipboardTargets,
  clipboardText,
  closeIssued,
  createKey,
  dateInDays,
  docShot,
  ensureLab,
  fill,
  find,
  finish,
  gone,
  keyRow,
  launch,
  openKeysTab,
  openMenu,
  saveDir,
  signIn,
  stepShots,
  tid,
  until,
  verifyKey,
} from '../helpers.js';

const CLEAR_SECS = 10;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

describe('API keys', () => {
  const shot = stepShots('02-keys');
  let browser;
  const secrets = {}; // name → the secret shown once
  let copiedAt = 0;

  before(async () => {
    // This spec's own store: the administrator, custom permission resources (for the
    // grid), the lab group and a member; no keys yet.
    ensureLab();
    browser = await launch();
  });

  after(() => finish(browser, shot));

  it('signs in', async () => {
    await signIn(browser, ADMIN, { beforeSubmit: () => docShot(browser, 'sign-in') });
  });

  it(`sets the clipboard clear delay to ${CLEAR_SECS} s in Settings`, async () => {
    await openMenu(browser, 'settings');
    const select = await find(browser, 'settings-clipboard');
    await select.selectByAttribute('value', String(CLEAR_SECS));
    await click(browser, 'settings-save');
    await find(browser, 'settings-saved');
    assert.equal(await select.getValue(), String(CLEAR_SECS));
    await shot(browser, 'settings-saved');
    await openMenu(browser, 'account');
  });

  it('starts with no keys', async () => {
    await openKeysTab(browser);
    await find(browser, 'keys-empty');
    await shot(browser, 'empty');
  });

  it('creates a key and shows it once', async () => {
    secrets['sequencer upload'] = await createKey(
      browser,
      { name: 'sequencer upload', environment: 'live', days: 90, permissions: ['runs:write', 'samples:read'] },
      () => shot(browser, 'create-dialog'),
    );
    const warning = await find(browser, 'issued-warning');
    assert.match(await warning.getText(), /will not be shown again/i);
    await shot(browser, 'shown-once');
    // The secret is real: the store accepts it.
    const v = verifyKey(secrets['sequencer upload']);
    assert.equal(v.valid, true, `fresh key: ${v.reason}`);
    assert.deepEqual(v.json.permissions, ['runs:write', 'samples:read'].sort());
  });

  it('Copy puts exactly the key shown on the clipboard, marked out of history, with a countdown', async () => {
    const secret = secrets['sequencer upload'];
    // The "cleared" notice shows for 3 s only, which a slow machine can miss by the time
    // the next test looks: the page records every state of the toast from here on.
    await browser.execute(() => {
      const log = (window.__toastLog = []);
      const record = () => {
        const el = document.querySelector('[data-testid="clipboard-countdown"]');
        const entry = el ? { phase: el.getAttribute('data-phase'), text: el.textContent } : { phase: null, text: '' };
        const last = log[log.length - 1];
        if (!last || last.phase !== entry.phase || last.text !== entry.text) log.push(entry);
      };
      new MutationObserver(record).observe(document.body, {
        subtree: true,
        childList: true,
        attributes: true,
        characterData: true,
      });
    });
    // Before the click: Rust's timer starts during it, so the bounds below stay safe.
    copiedAt = Date.now();
    await click(browser, 'issued-copy');
    const toast = await find(browser, 'clipboard-countdown');
    assert.equal(await toast.getAttribute('data-phase'), 'counting');
    assert.equal(clipboardText(), secret);
    // The password-manager hint: clipboard managers that honour it keep no history of it.
    const targets = clipboardTargets();
    assert.ok(targets.includes(PASSWORD_MANAGER_HINT), `targets offered: ${targets.join(', ')}`);
    assert.ok(targets.includes('UTF8_STRING'), `targets offered: ${targets.join(', ')}`);
    const left = Number(await (await find(browser, 'clipboard-remaining')).getText());
    assert.ok(left > 0 && left <= CLEAR_SECS, `countdown shows ${left} s`);
    await docShot(browser, 'key-shown-once');
  });

  it('Download writes the key file: 0600, the SPEC JSON, and its key verifies', async () => {
    await click(browser, 'issued-download');
    const saved = await find(browser, 'issued-saved');
    const file = path.join(saveDir(), 'latchkey-sequencer-upload.json');
    assert.ok((await saved.getText()).includes(file), `the window names ${file}`);
    await shot(browser, 'downloaded');

    const st = fs.statSync(file);
    assert.equal(st.mode & 0o777, 0o600, `mode is ${(st.mode & 0o777).toString(8)}`);
    const kf = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.deepEqual(Object.keys(kf).sort(), [
      'account', 'api_key', 'api_url', 'created_at', 'environment', 'expires_at', 'key_id', 'name', 'permissions', 'version',
    ]);
    assert.equal(kf.version, 1);
    assert.match(kf.api_url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(kf.api_key, secrets['sequencer upload']);
    assert.equal(kf.name, 'sequencer upload');
    assert.equal(kf.account, ADMIN.username);
    assert.equal(kf.environment, 'live');
    assert.deepEqual(kf.permissions, ['runs:write', 'samples:read']);
    assert.match(kf.created_at, RFC3339);
    assert.match(kf.expires_at, RFC3339);
    const days = (Date.parse(kf.expires_at) - Date.parse(kf.created_at)) / 86_400_000;
    assert.ok(Math.abs(days - 90) < 0.01, `expires 90 days after creation, not ${days}`);

    const v = verifyKey(kf.api_key);
    assert.equal(v.valid, true, `downloaded key: ${v.reason}`);
    assert.equal(v.json.key_id, kf.key_id);
    assert.equal(v.json.account, ADMIN.username);
  });

  it('after the clear delay the clipboard no longer holds the key', async () => {
    const secret = secrets['sequencer upload'];
    const at = (secs) => copiedAt + secs * 1000;
    // Still there shortly before the delay ends (Download did not disturb it)...
    if (Date.now() < at(CLEAR_SECS - 2)) {
      await browser.pause(at(CLEAR_SECS - 2) - Date.now());
      assert.equal(clipboardText(), secret, 'the key is still on the clipboard before the delay ends');
    }
    // ...and gone once it has passed (polled; given until 20 s after the copy).
    await until(() => clipboardText() !== secret, {
      timeout: Math.max(0, at(20) - Date.now()),
      interval: 250,
      message: 'the clipboard to be cleared',
    });
    const clearedAfter = (Date.now() - copiedAt) / 1000;
    assert.ok(clearedAfter >= CLEAR_SECS - 0.5, `cleared after ${clearedAfter.toFixed(1)} s, before the delay`);
    const now = clipboardText();
    assert.ok(now === null || !now.includes(secret));
    // The window says so because Rust reported it, not because the countdown ended.
    const cleared = await until(
      () => browser.execute(() => (window.__toastLog ?? []).find((e) => e.phase === 'cleared')),
      { message: 'the cleared notice' },
    );
    assert.match(cleared.text, /Clipboard cleared/);
    await shot(browser, 'clipboard-cleared');
    // The "Clipboard cleared" toast stays a few seconds at the bottom right, above
    // dialogs, where the Create dialog's footer buttons are: let it go first.
    await gone(browser, 'clipboard-countdown', 10_000);
    await closeIssued(browser);
    const row = await keyRow(browser, 'sequencer upload', 'active');
    assert.match(await row.getText(), /Active/);
  });

  it('a duplicate key name shows its error in the create dialog', async () => {
    await click(browser, 'create-key');
    await find(browser, 'create-dialog');
    await fill(browser, 'key-name', 'sequencer upload');
    await click(browser, 'key-save');
    const err = await find(browser, 'key-name-error', 30_000);
    assert.match(await err.getText(), /already used/i);
    assert.equal(await (await browser.$(tid('issued-dialog'))).isExisting(), false, 'no key was issued');
    await shot(browser, 'duplicate-name');
    await browser.keys('Escape');
    await gone(browser, 'create-dialog');
  });

  it('creates more keys: different environments and expiries', async () => {
    secrets['nightly report'] = await createKey(browser, {
      name: 'nightly report',
      days: 30,
      permissions: ['reports:read', 'samples:read'],
    });
    await closeIssued(browser);
    secrets['plate reader sync'] = await createKey(browser, {
      name: 'plate reader sync',
      environment: 'test',
      date: dateInDays(5),
      permissions: ['samples:write'],
    });
    await closeIssued(browser);
    secrets['legacy importer'] = await createKey(browser, {
      name: 'legacy importer',
      days: 60,
      permissions: ['samples:write', 'samples:read'],
    });
    await closeIssued(browser);
    // Made to live 5 days: not "expiring soon" the moment it is made (only in the last
    // quarter of its life); the rotating key below is.
    await keyRow(browser, 'plate reader sync', 'active');
    await shot(browser, 'four-keys');
  });

  it('Regenerate: the old key fails verify (revoked), the new one passes', async () => {
    const row = await keyRow(browser, 'sequencer upload', 'active');
    await (await row.$(tid('regenerate'))).click();
    await find(browser, 'regenerate-dialog');
    assert.equal(await (await find(browser, 'grace-immediately')).isSelected(), true, 'default: immediately');
    await shot(browser, 'regenerate-confirm');
    await click(browser, 'confirm-yes');
    await answerStepUp(browser, ADMIN, 'issued-dialog');
    const fresh = await (await find(browser, 'issued-secret')).getValue();
    assert.match(fresh, /^lk_live_/);
    assert.notEqual(fresh, secrets['sequencer upload']);
    assert.match(await (await find(browser, 'issued-note')).getText(), /stopped working/);
    await shot(browser, 'regenerated');

    const old = verifyKey(secrets['sequencer upload']);
    assert.equal(old.valid, false);
    assert.equal(old.reason, 'revoked');
    const now = verifyKey(fresh);
    assert.equal(now.valid, true, `new key: ${now.reason}`);
    assert.deepEqual(now.json.permissions, ['runs:write', 'samples:read']);
    secrets['sequencer upload'] = fresh;

    await closeIssued(browser);
    await keyRow(browser, 'sequencer upload', 'revoked');
    await keyRow(browser, 'sequencer upload', 'active');
  });

  it('Regenerate with a grace period keeps the old key working until it ends', async () => {
    const row = await keyRow(browser, 'nightly report', 'active');
    await (await row.$(tid('regenerate'))).click();
    await find(browser, 'regenerate-dialog');
    await click(browser, 'grace-hour1');
    await docShot(browser, 'regenerate');
    await click(browser, 'confirm-yes');
    await answerStepUp(browser, ADMIN, 'issued-dialog');
    const fresh = await (await find(browser, 'issued-secret')).getValue();
    assert.match(await (await find(browser, 'issued-note')).getText(), /keeps working until/);
    assert.equal(verifyKey(secrets['nightly report']).valid, true, 'old key still valid during the grace hour');
    assert.equal(verifyKey(fresh).valid, true, 'new key valid');
    await closeIssued(browser);
    const rotating = await (await keyRow(browser, 'nightly report', 'expiring_soon')).$(tid('key-rotating'));
    assert.match(await rotating.getText(), /Rotating until/);
  });

  it('Delete asks for confirmation; then the key fails verify (revoked)', async () => {
    const row = await keyRow(browser, 'legacy importer', 'active');
    await (await row.$(tid('delete'))).click();
    const dialog = await find(browser, 'delete-dialog');
    assert.match(await dialog.getText(), /permanent/i);
    assert.match(await dialog.getText(), /new key/i);
    await docShot(browser, 'delete-confirm');
    await click(browser, 'confirm-yes');
    await gone(browser, 'delete-dialog');
    assert.match(await (await find(browser, 'keys-notice')).getText(), /was deleted/);
    await keyRow(browser, 'legacy importer', 'revoked');

    const v = verifyKey(secrets['legacy importer']);
    assert.equal(v.valid, false);
    assert.equal(v.reason, 'revoked');
  });

  it('the list shows each key with its status', async () => {
    // Dismiss the "deleted" notice for a clean picture: reopen the tab.
    await click(browser, 'tab-profile');
    await openKeysTab(browser);
    const statuses = await until(
      async () => {
        const rows = await browser.$$('tr[data-testid^="key-row-"]');
        if (rows.length !== 6) return null;
        const out = [];
        for (const r of rows) out.push(await r.getAttribute('data-status'));
        return out;
      },
      { message: 'six key rows' },
    );
    assert.deepEqual([...new Set(statuses)].sort(), ['active', 'expiring_soon', 'revoked']);
    await docShot(browser, 'keys');
    assert.equal(verifyKey(secrets['plate reader sync']).valid, true);
    assert.equal(clipboardText() === secrets['sequencer upload'], false);
  });
});
