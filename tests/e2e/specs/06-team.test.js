// Company details, team members and invitations in the real window, on a store of this
// spec's own: the administrator sets the company's name and country, invites a member
// into the lab group, copies the code (read from the X clipboard by another process) and
// sends it by email (the OS opener, a recorder on PATH, is asked to open a mailto: link
// holding the code); the invitee redeems the code on the sign-in screen and lands signed
// in with the invited group; the administrator sees the invitation accepted and disables
// the member, whose key stops verifying at once.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ADMIN,
  LAB_GROUP,
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
  opened,
  signIn,
  signOut,
  stepShots,
  tid,
  until,
  verifyKey,
} from '../helpers.js';

const ORG = { name: 'Biophysics Unit, King’s College', code: 'GB' };
const INVITEE = {
  username: 'mwilkins',
  firstName: 'Maurice',
  lastName: 'Wilkins',
  email: 'maurice.wilkins@kings-lab.example',
  password: 'a diffraction pattern, cross',
};

describe('company details, team members and invitations', () => {
  const shot = stepShots('06-team');
  let browser;
  let code = null;

  before(async () => {
    ensureLab();
    browser = await launch();
  });

  after(() => finish(browser, shot));

  it('sets the company details from a searchable list of countries', async () => {
    await signIn(browser, ADMIN);
    await click(browser, 'nav-company');
    await fill(browser, 'company-name', ORG.name);
    const country = await find(browser, 'company-country');
    await country.click();
    await country.setValue('united king');
    await find(browser, 'company-country-list');
    await browser.keys('Enter');
    const picked = await find(browser, 'company-country-code');
    await until(async () => (await picked.getText()) === ORG.code, { message: 'the country picked' });
    assert.match(await country.getValue(), /^United Kingdom/);
    await click(browser, 'company-save');
    await find(browser, 'company-saved');
    await docShot(browser, 'company');
    const org = asAdmin(['org', 'show']);
    assert.deepEqual(org, { name: ORG.name, country: ORG.code });
    assert.ok(asAdmin(['audit', '--action', 'org.changed']).length >= 1);
  });

  it('invites a member, copies the code and sends it by email', async () => {
    await click(browser, 'nav-team');
    await find(browser, `member-row-${ADMIN.username}`);
    await click(browser, 'team-invite');
    await fill(browser, 'invite-email', INVITEE.email);
    await click(browser, `invite-group-${LAB_GROUP.name}`);
    await click(browser, 'invite-submit');
    const shown = await find(browser, 'invite-code', 30_000);
    code = (await shown.getValue()) || (await shown.getText());
    assert.match(code, /^lk_inv_[0-9A-Za-z]{20,}$/);
    await docShot(browser, 'new-invitation');

    await click(browser, 'invite-copy');
    await until(() => clipboardText() === code, { message: 'the code on the X clipboard' });

    await click(browser, 'invite-email-send');
    const link = await until(() => opened().find((l) => l.startsWith('mailto:')), {
      message: 'the OS opener asked to open a mailto: link',
    });
    assert.ok(link.startsWith(`mailto:${encodeURIComponent(INVITEE.email)}?`), link);
    assert.ok(link.includes(code), 'the link carries the code');
    assert.ok(decodeURIComponent(link).includes(ORG.name), 'and the organisation');

    await click(browser, 'invite-close');
    await gone(browser, 'invite-code');
    const row = await browser.$(`${tid(`invitation-row-${INVITEE.email}`)}[data-status="pending"]`);
    await row.waitForDisplayed({ timeout: 20_000 });
    await docShot(browser, 'team');
    // The code is nowhere in the store, the log or the listing.
    const listed = asAdmin(['invite', 'list']);
    assert.equal(listed.length, 1);
    assert.ok(!JSON.stringify(listed).includes(code));
    assert.ok(!JSON.stringify(asAdmin(['audit', '--limit', '500'])).includes(code));
    await signOut(browser);
  });

  it('the invitee redeems the code on the sign-in screen and lands signed in', async () => {
    await click(browser, 'signin-redeem');
    await fill(browser, 'redeem-code', code);
    await click(browser, 'redeem-continue');
    const org = await find(browser, 'redeem-organisation', 30_000);
    assert.ok((await org.getText()).includes(ORG.name));
    assert.ok((await (await find(browser, 'redeem-email')).getText()).includes(INVITEE.email));
    await fill(browser, 'redeem-username', INVITEE.username);
    await fill(browser, 'redeem-first-name', INVITEE.firstName);
    await fill(browser, 'redeem-last-name', INVITEE.lastName);
    await fill(browser, 'redeem-password', INVITEE.password);
    await fill(browser, 'redeem-confirm', INVITEE.password);
    await docShot(browser, 'redeem');
    await click(browser, 'redeem-submit');
    const name = await find(browser, 'nav-name', 30_000);
    assert.equal(await name.getText(), `${INVITEE.firstName} ${INVITEE.lastName}`);
    // The invited email and group, and no administration in the navigation.
    const me = cli(['account', 'show', '--user', INVITEE.username], INVITEE.password).json;
    assert.equal(me.email, INVITEE.email);
    assert.deepEqual(me.groups, [LAB_GROUP.name]);
    assert.equal(me.is_admin, false);
    assert.equal(await (await browser.$(tid('nav-team'))).isExisting(), false);
    // A second redemption of the same code is refused.
    const again = cli(['invite', 'redeem', '--username', 'someone-else'], [code, 'another long password']);
    assert.equal(again.json?.error?.code, 'invitation_used', again.stdout + again.stderr);
    await signOut(browser);
  });

  it('the administrator sees it accepted and disables the member, whose key stops at once', async () => {
    const made = cli(
      ['key', 'create', '--user', INVITEE.username, '--name', 'diffraction upload', '--perm', 'samples:read'],
      INVITEE.password,
    );
    assert.equal(made.code, 0, made.stderr);
    const secret = made.json.secret;
    assert.equal(verifyKey(secret).valid, true);

    await signIn(browser, ADMIN);
    await click(browser, 'nav-team');
    const row = await browser.$(`${tid(`invitation-row-${INVITEE.email}`)}[data-status="accepted"]`);
    await row.waitForDisplayed({ timeout: 20_000 });
    await click(browser, `member-manage-${INVITEE.username}`);
    await click(browser, `member-disable-${INVITEE.username}`);
    await click(browser, 'confirm-yes');
    const member = await browser.$(`${tid(`member-row-${INVITEE.username}`)}[data-state="disabled"]`);
    await until(async () => {
      if (await (await browser.$(tid('member-close'))).isDisplayed()) await click(browser, 'member-close');
      return member.isDisplayed();
    }, { message: 'the member shown disabled' });
    const v = verifyKey(secret);
    assert.deepEqual([v.valid, v.reason], [false, 'account_disabled']);
    assert.ok(asAdmin(['audit', '--action', 'account.disabled']).length >= 1);
  });
});
