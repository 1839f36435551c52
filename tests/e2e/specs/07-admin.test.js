// Groups, permissions, policies and the audit log in the real window, on a store of this
// spec's own: the administrator creates a resource and a group, gives the group read on
// it in the grid and adds a member; the member's Create key dialog offers that
// permission; taken away in the grid, the member's existing key loses it at its next
// verification (CLI `key verify`); the policy set to one key at a time disables the
// member's Create key with the reason; the audit log filtered to that member is exported
// as CSV, and the file's rows are the table's.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  ADMIN,
  MEMBER,
  answerStepUp,
  asAdmin,
  cli,
  click,
  docShot,
  ensureLab,
  fill,
  find,
  finish,
  gone,
  launch,
  openKeysTab,
  saveDir,
  scrollToView,
  signIn,
  signOut,
  stepShots,
  tid,
  until,
  verifyKey,
} from '../helpers.js';

const RESOURCE = { name: 'plates', description: 'Crystallisation plates and their images' };
const GROUP = 'crystallography';

/** Chooses `access` in a grid cell and waits until it is saved. */
async function setCell(browser, group, resource, access) {
  const cell = await find(browser, `grid-${group}-${resource}`);
  await scrollToView(browser, cell, 'center');
  await cell.selectByAttribute('value', access);
  await until(async () => (await cell.getAttribute('data-access')) === access, {
    message: `${group}/${resource} shown as ${access}`,
  });
  const state = await find(browser, `grid-state-${group}-${resource}`);
  await until(async () => (await state.getAttribute('data-state')) === 'saved', {
    message: `${group}/${resource} saved`,
  });
}

describe('groups, permissions, policies and the audit log', () => {
  const shot = stepShots('07-admin');
  let browser;
  let memberKey = null;

  before(async () => {
    ensureLab();
    browser = await launch();
  });

  after(() => finish(browser, shot));

  it('creates a resource and a group, grants read on it and adds a member', async () => {
    await signIn(browser, ADMIN);
    await click(browser, 'nav-groups');
    await fill(browser, 'resource-create-name', RESOURCE.name);
    await fill(browser, 'resource-create-description', RESOURCE.description);
    await click(browser, 'resource-create-submit');
    await find(browser, `resource-${RESOURCE.name}`);
    // A name against the rule is refused beside the field.
    await fill(browser, 'resource-create-name', 'Bad Name');
    await fill(browser, 'resource-create-description', 'x');
    await click(browser, 'resource-create-submit');
    await find(browser, 'resource-create-name-error');

    await fill(browser, 'group-create-name', GROUP);
    await click(browser, 'group-create-submit');
    await find(browser, `group-${GROUP}`);
    await setCell(browser, GROUP, RESOURCE.name, 'read');
    const add = await find(browser, `group-add-member-${GROUP}`);
    await scrollToView(browser, add, 'center');
    await add.selectByAttribute('value', MEMBER.username);
    await click(browser, `group-add-member-submit-${GROUP}`);
    await find(browser, `group-member-${GROUP}-${MEMBER.username}`);
    await docShot(browser, 'groups');

    const groups = asAdmin(['group', 'list']);
    const g = groups.find((x) => x.name === GROUP);
    assert.deepEqual(g.permissions, [`${RESOURCE.name}:read`]);
    assert.deepEqual(g.members, [MEMBER.username]);
    assert.ok(asAdmin(['audit', '--action', 'group.permissions_set']).length >= 1);
    await signOut(browser);
  });

  it("the member's Create key dialog offers it, and a key made with it verifies with it", async () => {
    await signIn(browser, MEMBER);
    await openKeysTab(browser);
    await click(browser, 'create-key');
    await find(browser, 'create-dialog');
    const box = await find(browser, `perm-${RESOURCE.name}-read`);
    assert.equal(await box.isEnabled(), true, 'plates:read is offered');
    assert.equal(await (await find(browser, `perm-${RESOURCE.name}-write`)).isEnabled(), false);
    await browser.keys('Escape');
    await gone(browser, 'create-dialog');

    const made = cli(
      ['key', 'create', '--user', MEMBER.username, '--name', 'plate imager', '--perm', `${RESOURCE.name}:read`],
      MEMBER.password,
    );
    assert.equal(made.code, 0, made.stderr);
    memberKey = made.json.secret;
    assert.ok(verifyKey(memberKey).json.permissions.includes(`${RESOURCE.name}:read`));
    await signOut(browser);
  });

  it('taken away in the grid, the key loses it at its next verification', async () => {
    await signIn(browser, ADMIN);
    await click(browser, 'nav-groups');
    await setCell(browser, GROUP, RESOURCE.name, 'none');
    const v = verifyKey(memberKey);
    assert.equal(v.valid, true);
    assert.ok(!v.json.permissions.includes(`${RESOURCE.name}:read`), JSON.stringify(v.json));
  });

  it('one key at a time: the member cannot open Create key, and is told why', async () => {
    await click(browser, 'nav-policies');
    const max = await find(browser, 'policy-max-keys');
    await max.clearValue();
    await max.setValue('1');
    await find(browser, 'policy-one-key');
    await until(async () => (await (await find(browser, 'policy-cost')).getAttribute('data-state')) !== 'measuring', {
      message: 'the sign-in cost measured',
    });
    await docShot(browser, 'policies');
    await click(browser, 'policy-save');
    await answerStepUp(browser, ADMIN, 'policy-saved');
    assert.equal(asAdmin(['policy', 'show']).max_active_keys, 1);
    await signOut(browser);

    await signIn(browser, MEMBER);
    await click(browser, 'tab-keys');
    const create = await find(browser, 'create-key');
    await until(async () => !(await create.isEnabled()), { message: 'Create key disabled' });
    const why = await find(browser, 'key-create-blocked');
    assert.match(await why.getText(), /one key at a time: delete the current key first/i);
    await signOut(browser);
  });

  it("filters the audit log to the member and exports it as CSV: the file's rows are the table's", async () => {
    await signIn(browser, ADMIN);
    await click(browser, 'nav-audit');
    await fill(browser, 'audit-filter-actor', MEMBER.username);
    await click(browser, 'audit-apply');
    const ids = await until(
      async () => {
        // The table re-renders when the filter applies: a row read mid-way is read again.
        try {
          const rows = await browser.$$(tid('audit-row'));
          if (rows.length === 0) return null;
          const seen = [];
          for (const r of rows) {
            if (!(await r.getText()).includes(MEMBER.username)) return null;
            seen.push(await r.getAttribute('data-id'));
          }
          return seen;
        } catch {
          return null;
        }
      },
      { message: "the member's events only" },
    );
    await docShot(browser, 'audit-log');
    await click(browser, 'audit-export-csv');
    await find(browser, 'audit-exported', 30_000);
    const file = path.join(saveDir(), 'latchkey-audit.csv');
    const stat = fs.statSync(file);
    assert.equal(stat.mode & 0o777, 0o600);
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    assert.equal(lines[0], 'id,at,actor,action,target,outcome,detail');
    const csvIds = lines.slice(1).map((l) => l.split(',')[0]);
    assert.deepEqual(csvIds, ids, 'the same events, in the same order');
    assert.ok(lines.slice(1).every((l) => l.split(',')[2] === MEMBER.username));
  });
});
