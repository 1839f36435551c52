// Part of scripts/package-test.sh: opens the INSTALLED app (LATCHKEY_APP, normally
// /usr/bin/latchkey-desktop) through tauri-driver, as the end-to-end tests do, and waits
// for the setup screen an empty store opens on. Run inside xvfb-run, with a throwaway
// HOME and XDG dirs in the environment (the app inherits them through the driver).
// Uses the e2e helpers (tests/e2e/driver.js) and their node_modules (make e2e-deps).
import { appBinary, openSession, startDriver, stopDriver } from '../tests/e2e/driver.js';

const shot = process.env.PACKAGE_SHOT;
let driver = null;
let browser = null;
let code = 1;
try {
  driver = await startDriver(process.env);
  browser = await openSession();
  const field = await browser.$('[data-testid="setup-username"]');
  await field.waitForDisplayed({ timeout: 60_000, timeoutMsg: 'the setup screen did not appear within 60 s' });
  if (shot) await browser.saveScreenshot(shot);
  console.log(`package-test: ${appBinary} opened on the setup screen`);
  code = 0;
} catch (e) {
  console.error(`package-test: the installed app did not reach its setup screen: ${e?.message ?? e}`);
  if (browser && shot) await browser.saveScreenshot(shot).catch(() => {});
} finally {
  if (browser) await browser.deleteSession().catch(() => {});
  await stopDriver(driver);
}
process.exit(code);
