// A member (not an administrator) whose group grants only some permissions: the create
// dialog's grid shows the others disabled, and a key gets only what the account holds.
// The CLI creates the custom resources, the group and the member beforehand.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  LAB_GROUP,
  MEMBER,
  RESOURCES,
  cli,
  click,
  closeIssued,
  docShot,
  ensureLab,
  fill,
  find,
  finish,
  gone,
  launch,
  openKeysTab,
  scrollToView,
  signIn,
  signOut,
  stepShots,
  tid,
  until,
  verifyKey,
} from '../helpers.js';

const ALL = [{ resource: 'account' }, { resource: 'keys' }, ...RESOURCES].flatMap((r) =>
  ['read', 'write'].map((a) => `${r.resource}:${a}`),
);
const HELD = new Set(LAB_GROUP.grants);

describe('permission grid for a member', () => {
  const shot = stepShots('03-perms');
  let browser;

  before(async () => {
    ensureLab();
    browser = await launch();
  });

  after(() => finish(browser, shot));

  it('signs in as a member of the lab group, not an administrator', async () => {
    await signIn(browser, MEMBER);
    assert.match(await (await find(browser, 'profile-groups')).getText(), new RegExp(LAB_GROUP.name));
    assert.equal(await (await browser.$(tid('admin-badge'))).isExisting(), false);
    await shot(browser, 'profile');
  });

  it('has no account key panel (administrators only)', async () => {
    await openKeysTab(browser);
    await find(browser, 'keys-empty');
    assert.equal(await (await browser.$(tid('account-key-panel'))).isExisting(), false);
  });

  it('the grid shows the permissions the account lacks as disabled', async () => {
    await click(browser, 'create-key');
    await find(browser, 'create-dialog');
    for (const perm of ALL) {
      const [resource, action] = perm.split(':');
      const box = await find(browser, `perm-${resource}-${action}`);
      const held = HELD.has(perm);
      assert.equal(await box.isEnabled(), held, `${perm} is ${held ? 'enabled' : 'disabled'}`);
      const label = await box.getAttribute('aria-label');
      assert.equal(/does not have this permission/.test(label), !held, `${perm} label: ${label}`);
      const cell = await (await box.parentElement()).parentElement(); // input → label → td
      assert.equal((await cell.getAttribute('class')).includes('lacking'), !held, `${perm} cell is greyed`);
    }
    const legend = await browser.$('#perm-legend');
    assert.match(await legend.getText(), /Greyed-out permissions are ones your account does not have/);

    // A disabled box cannot be ticked.
    const locked = await find(browser, 'perm-samples-write');
    await locked.click().catch(() => {});
    assert.equal(await locked.isSelected(), false);
  });

  it('a key gets only permissions the account holds', async () => {
    await fill(browser, 'key-name', 'plate map export');
    await click(browser, 'expiry-60');
    for (const perm of ['samples:read', 'runs:read']) {
      const [r, a] = perm.split(':');
      await (await find(browser, `perm-${r}-${a}`)).click();
    }
    // Show the whole grid and its legend for the picture.
    await scrollToView(browser, await browser.$('#perm-legend'));
    await docShot(browser, 'create-key');

    await click(browser, 'key-save');
    await find(browser, 'issued-dialog', 30_000);
    const secret = await (await find(browser, 'issued-secret')).getValue();
    const v = verifyKey(secret);
    assert.equal(v.valid, true, v.reason);
    assert.equal(v.json.account, MEMBER.username);
    assert.deepEqual(v.json.permissions, ['runs:read', 'samples:read']);
    await shot(browser, 'issued');
    await closeIssued(browser);
    await until(async () => (await browser.$$('tr[data-testid^="key-row-"]')).length === 1, { message: 'one key row' });
  });

  it('the core refuses what the grid greys out', () => {
    const r = cli(['key', 'create', '--name', 'sneaky', '--perm', 'samples:write', '--user', MEMBER.username], MEMBER.password);
    assert.equal(r.code, 3, `refused as invalid input: ${r.stdout}${r.stderr}`);
  });

  it('signs out', async () => {
    await signOut(browser);
    await gone(browser, 'nav-name');
  });
});
