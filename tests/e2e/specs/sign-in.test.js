// Smoke test: the real window opens on the sign-in screen.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { artifactsDir, openSession, startDriver, stopDriver } from '../driver.js';

describe('sign-in screen', () => {
  let driver;
  let browser;

  before(async () => {
    driver = await startDriver();
    browser = await openSession();
  });

  after(async () => {
    try {
      await browser?.deleteSession();
    } finally {
      stopDriver(driver);
    }
  });

  it('shows the username input and can be screenshotted', async () => {
    const login = await browser.$('[data-testid="signin-login"]');
    await login.waitForDisplayed({ timeout: 15_000 });
    assert.equal(await browser.getTitle(), 'Latchkey');
    assert.equal(await login.getAttribute('autocomplete'), 'username');

    await login.setValue('ada');
    assert.equal(await login.getValue(), 'ada');

    fs.mkdirSync(artifactsDir, { recursive: true });
    const file = path.join(artifactsDir, 'sign-in.png');
    await browser.saveScreenshot(file);
    const png = fs.readFileSync(file);
    assert.ok(png.length > 1000, 'screenshot is not empty');
    assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
  });

  it('shows the error the real sign_in command returns', async () => {
    await (await browser.$('[data-testid="signin-password"]')).setValue('not-a-real-password');
    await (await browser.$('[data-testid="signin-submit"]')).click();
    const error = await browser.$('[data-testid="signin-error"]');
    await error.waitForDisplayed({ timeout: 15_000 });
    assert.equal(await error.getAttribute('data-code'), 'bad_credentials');
  });
});
