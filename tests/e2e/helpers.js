// Shared by the specs: the people and data of the run, the CLI, the clipboard, screenshots
// and a few steps in the window. Selectors are data-testid attributes.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { artifactsDir, openSession, repoRoot } from './driver.js';

// ---------------------------------------------------------------------------------------
// The people and data of the specs. Every spec file has its own empty store, settings and
// download dir (run-specs.js), and seeds what it needs with the CLI in before(); no spec
// depends on another, so any one runs alone: tests/e2e/run.sh specs/03-permissions.test.js

export const ADMIN = {
  username: 'rfranklin',
  firstName: 'Rosalind',
  lastName: 'Franklin',
  email: 'rosalind.franklin@kings-lab.example',
  password: 'photo fifty-one, double helix',
};

export const MEMBER = {
  username: 'rgosling',
  firstName: 'Raymond',
  lastName: 'Gosling',
  email: 'raymond.gosling@kings-lab.example',
  password: 'fibres in a humid camera',
};

/** Custom permission resources, and the group that gives MEMBER some of them. */
export const RESOURCES = [
  { resource: 'samples', description: 'Sample sheets and plate maps' },
  { resource: 'runs', description: 'Sequencer run folders' },
  { resource: 'reports', description: 'Nightly QC reports' },
];
export const LAB_GROUP = { name: 'lab', grants: ['samples:read', 'runs:read', 'runs:write', 'reports:read'] };

export const saveDir = () => must('LATCHKEY_E2E_SAVE_DIR');
export const storePath = () => must('LATCHKEY_DB');

function must(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the specs through tests/e2e/run.sh`);
  return v;
}

// ---------------------------------------------------------------------------------------
// The latchkey CLI against the same store as the app.

export const cliBinary = path.resolve(process.env.LATCHKEY_CLI ?? path.join(repoRoot, 'target', 'debug', 'latchkey'));

/** Runs `latchkey --db $LATCHKEY_DB --json ARGS`; `passwords` go to stdin, one a line. */
export function cli(args, passwords) {
  const withPw = passwords !== undefined;
  const r = spawnSync(cliBinary, ['--db', storePath(), '--json', ...(withPw ? ['--password-stdin'] : []), ...args], {
    input: withPw ? [].concat(passwords).join('\n') + '\n' : '',
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.error) throw r.error;
  let json = null;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    // not JSON (an error message on stderr)
  }
  return { code: r.status, json, stdout: r.stdout, stderr: r.stderr };
}

/** An administrator's command: `--user ADMIN` with the password on stdin. Throws on failure. */
/**
 * Moves a key's making back by `days` (the engine's clock cannot be moved from outside):
 * "expiring soon" is the last week of a life, or the last quarter of a shorter one, so a
 * key that expires in a few days is flagged only if it was made long enough ago.
 */
export function backdateKey(name, days) {
  const script =
    'import sqlite3, sys\n' +
    'c = sqlite3.connect(sys.argv[1])\n' +
    'n = c.execute("UPDATE api_keys SET created_at = created_at - ? WHERE name = ?", (int(sys.argv[2]) * 86400, sys.argv[3])).rowcount\n' +
    'c.commit()\n' +
    'sys.exit(0 if n == 1 else 1)\n';
  const r = spawnSync('python3', ['-c', script, storePath(), String(days), name], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`backdating ${name} failed: ${r.stderr}`);
}

export function asAdmin(args) {
  const r = cli([...args, '--user', ADMIN.username], ADMIN.password);
  if (r.code !== 0) throw new Error(`latchkey ${args.join(' ')} failed (${r.code}): ${r.stderr || r.stdout}`);
  return r.json;
}

/** The audit log's entries for `action` (newest first), as the administrator sees them. */
export function audit(action) {
  return asAdmin(['audit', '--action', action, '--limit', '500']);
}

/** `latchkey key verify KEY`: exit 0 valid, 1 not; the JSON has `reason`. */
export function verifyKey(secret) {
  const r = cli(['key', 'verify', secret]);
  assert.ok(r.code === 0 || r.code === 1, `key verify exited ${r.code}: ${r.stderr}`);
  assert.ok(r.json, `key verify printed no JSON: ${r.stdout}`);
  return { valid: r.code === 0, reason: r.json.reason, json: r.json };
}

export function adminExists() {
  return fs.existsSync(storePath()) && cli(['account', 'show', '--user', ADMIN.username], ADMIN.password).code === 0;
}

/** The first administrator, created with `latchkey init` (once per store). */
export function ensureAdmin() {
  if (adminExists()) return;
  const r = cli(
    [
      'init',
      '--username', ADMIN.username,
      '--first-name', ADMIN.firstName,
      '--last-name', ADMIN.lastName,
      '--email', ADMIN.email,
    ],
    [ADMIN.password, ADMIN.password],
  );
  if (r.code !== 0) throw new Error(`latchkey init failed (${r.code}): ${r.stderr}`);
}

/** Custom resources, the "lab" group and the non-admin MEMBER (once per store). */
export function ensureLab() {
  ensureAdmin();
  const have = new Set(asAdmin(['permission', 'list']).map((p) => p.resource));
  for (const r of RESOURCES) {
    if (!have.has(r.resource)) asAdmin(['permission', 'create', r.resource, '--description', r.description]);
  }
  const groups = asAdmin(['group', 'list']);
  if (!groups.some((g) => g.name === LAB_GROUP.name)) {
    asAdmin(['group', 'create', LAB_GROUP.name, ...LAB_GROUP.grants.flatMap((p) => ['--perm', p])]);
  }
  if (cli(['account', 'show', MEMBER.username, '--user', ADMIN.username], ADMIN.password).code !== 0) {
    const r = cli(
      [
        'account', 'create',
        '--username', MEMBER.username,
        '--first-name', MEMBER.firstName,
        '--last-name', MEMBER.lastName,
        '--email', MEMBER.email,
        '--group', LAB_GROUP.name,
        '--user', ADMIN.username,
      ],
      [ADMIN.password, MEMBER.password],
    );
    if (r.code !== 0) throw new Error(`latchkey account create failed (${r.code}): ${r.stderr}`);
  }
}

/** A 512×512 PNG drawn with ImageMagick: a double helix, for the avatar. */
export function drawAvatar(file) {
  const pts = (phase) =>
    Array.from({ length: 49 }, (_, i) => {
      const y = 40 + i * 9;
      return `${Math.round(256 + 120 * Math.sin(i / 7.5 + phase))},${y}`;
    }).join(' ');
  const rungs = Array.from({ length: 12 }, (_, k) => {
    const i = 2 + k * 4;
    const y = 40 + i * 9;
    const x1 = Math.round(256 + 120 * Math.sin(i / 7.5));
    const x2 = Math.round(256 + 120 * Math.sin(i / 7.5 + Math.PI));
    return `line ${x1},${y} ${x2},${y}`;
  });
  execFileSync('convert', [
    '-size', '512x512', 'gradient:#1e3a8a-#0f172a',
    '-fill', 'none', '-strokewidth', '6', '-stroke', '#94a3b8', '-draw', rungs.join(' '),
    '-strokewidth', '14', '-stroke', '#f6b93b', '-draw', `polyline ${pts(0)}`,
    '-stroke', '#7dd3fc', '-draw', `polyline ${pts(Math.PI)}`,
    file,
  ]);
}

// ---------------------------------------------------------------------------------------
// The X clipboard, read while the app (its owner) runs, on the DISPLAY of xvfb-run.

/** What `xclip -selection clipboard … -o` prints, or null when it fails (nobody owns it). */
function readClipboard(...args) {
  try {
    return execFileSync('xclip', ['-selection', 'clipboard', ...args, '-o'], {
      encoding: 'utf8',
      timeout: 5_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch {
    return null;
  }
}

/** The targets (formats) the clipboard's owner offers, or [] when nobody owns it. */
export function clipboardTargets() {
  return (readClipboard('-t', 'TARGETS') ?? '')
    .split('\n')
    .map((t) => t.trim())
    .filter(Boolean);
}

/** The target arboard adds for content marked to stay out of clipboard history. */
export const PASSWORD_MANAGER_HINT = 'x-kde-passwordManagerHint';

/** What `xclip -selection clipboard -o` prints, or null when it fails (nothing there). */
export function clipboardText() {
  return readClipboard();
}

// ---------------------------------------------------------------------------------------
// Screenshots: every step goes to tests/e2e/artifacts/; the documentation shots also go to
// artifacts/docs/, and to docs/screenshots/ when E2E_UPDATE_DOCS=1.

const docsDir = path.join(repoRoot, 'docs', 'screenshots');

function checkPng(file) {
  const png = fs.readFileSync(file);
  assert.ok(png.length > 1000, `screenshot ${file} is not empty`);
  assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
}

/** A numbered screenshot per step: artifacts/<prefix>-NN-<name>.png */
export function stepShots(prefix) {
  let n = 0;
  return async function shot(browser, name) {
    n += 1;
    fs.mkdirSync(artifactsDir, { recursive: true });
    const file = path.join(artifactsDir, `${prefix}-${String(n).padStart(2, '0')}-${name}.png`);
    await capture(browser, file);
    return file;
  };
}

/** A screenshot for the README, under a stable name. */
export async function docShot(browser, name) {
  const dir = path.join(artifactsDir, 'docs');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await capture(browser, file);
  if (process.env.E2E_UPDATE_DOCS === '1') {
    fs.mkdirSync(docsDir, { recursive: true });
    fs.copyFileSync(file, path.join(docsDir, `${name}.png`));
  }
  return file;
}

/**
 * Screenshot of the real window as X shows it (`import -window Latchkey`, ImageMagick),
 * after dialogs finish their short open animation. WebKitWebDriver's own screenshot
 * command is the fallback only: under Xvfb it now and then never answers (seen after a
 * failed sign-in), which would stall the run for two minutes.
 */
async function capture(browser, file) {
  await browser.pause(350);
  try {
    execFileSync('import', ['-window', 'Latchkey', file], { timeout: 15_000, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch {
    await browser.saveScreenshot(file);
  }
  checkPng(file);
}

// ---------------------------------------------------------------------------------------
// The window.

export const tid = (id) => `[data-testid="${id}"]`;
const WAIT = 20_000;

export async function find(browser, id, timeout = WAIT) {
  const el = await browser.$(tid(id));
  await el.waitForDisplayed({ timeout, timeoutMsg: `${id} not displayed after ${timeout} ms` });
  return el;
}

export async function click(browser, id) {
  const el = await find(browser, id);
  await el.waitForEnabled({ timeout: WAIT, timeoutMsg: `${id} not enabled` });
  await el.click();
  return el;
}

export async function fill(browser, id, value) {
  const el = await find(browser, id);
  await el.setValue(value);
  return el;
}

export async function gone(browser, id, timeout = WAIT) {
  // A fresh lookup each time: an element that left the page is simply not displayed. One
  // that leaves during the lookup itself makes WebKitWebDriver answer "stale element"
  // (seen once in a run): then look again.
  await until(
    async () => {
      try {
        return !(await (await browser.$(tid(id))).isDisplayed());
      } catch (e) {
        if (/stale element/i.test(`${e?.name} ${e?.message}`)) return false;
        throw e;
      }
    },
    { timeout, message: `${id} to go away` },
  );
}

/** Wait until `fn` returns a truthy value (polled), and return it. */
export async function until(fn, { timeout = WAIT, interval = 200, message = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${message}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** Window size for the run: a little taller than the app's default 1100×760, so the
 * screenshots show whole forms and lists (the X screen is 1440×1024, see run.sh). */
export const WINDOW = (process.env.E2E_WINDOW ?? '1100x860').split('x').map(Number);

/**
 * A session on a fresh app process; waits for the first screen. `keepSize` leaves the
 * window at the size the app chose (its remembered one) instead of the run's size.
 */
export async function launch({ args = [], keepSize = false } = {}) {
  const browser = await openSession(args);
  try {
    if (!keepSize) await browser.setWindowSize(WINDOW[0], WINDOW[1]);
    await until(
      async () =>
        (await (await browser.$(tid('signin-login'))).isDisplayed()) ||
        (await (await browser.$(tid('setup-username'))).isDisplayed()),
      { timeout: 60_000, message: 'the sign-in or setup screen' },
    );
  } catch (e) {
    // Say why: a binary built without the embedded front end loads devUrl and shows
    // "Could not connect to localhost"; a store that cannot be opened shows start-error.
    const url = await browser.getUrl().catch(() => '?');
    const text = await browser.execute(() => document.body?.innerText ?? '').catch(() => '?');
    await browser.deleteSession().catch(() => {});
    throw new Error(`${e.message}; the window shows ${url}: ${String(text).slice(0, 300)}`);
  }
  return browser;
}

/**
 * Calls a Tauri command from the page, as the window would, and returns `{ ok: true }` or
 * `{ ok: false, code }` — for commands the window itself never calls in that state.
 */
export async function invoke(browser, cmd, args = {}) {
  return browser.executeAsync(
    (c, a, done) => {
      window.__TAURI_INTERNALS__
        .invoke(c, a)
        .then(() => done({ ok: true }))
        .catch((e) => done({ ok: false, code: e && e.code }));
    },
    cmd,
    args,
  );
}

/** Ends the session (the app quits) after a last screenshot. */
export async function finish(browser, shot) {
  if (!browser) return;
  try {
    await shot(browser, 'end');
  } catch {
    // the window may already be gone
  }
  await browser.deleteSession().catch(() => {});
}

export async function signIn(browser, user, { beforeSubmit } = {}) {
  await fill(browser, 'signin-login', user.username);
  await fill(browser, 'signin-password', user.password);
  if (beforeSubmit) await beforeSubmit();
  await click(browser, 'signin-submit');
  const name = await find(browser, 'nav-name', 30_000);
  assert.equal(await name.getText(), `${user.firstName} ${user.lastName}`);
}

export async function openMenu(browser, item) {
  await click(browser, 'nav-menu');
  await click(browser, `menu-${item}`);
}

export async function signOut(browser) {
  await openMenu(browser, 'signout');
  await find(browser, 'signin-login');
}

export async function openKeysTab(browser) {
  await click(browser, 'tab-keys');
  const create = await find(browser, 'create-key');
  await create.waitForEnabled({ timeout: WAIT });
}

/** The row of a key in the list, by name and status. */
export async function keyRow(browser, name, status) {
  const sel = `[data-testid="key-row-${name}"]${status ? `[data-status="${status}"]` : ''}`;
  const row = await browser.$(sel);
  await row.waitForDisplayed({ timeout: WAIT, timeoutMsg: `no ${status ?? ''} row for “${name}”` });
  return row;
}

/** Checks a permission box in the create dialog's grid. */
export async function checkPermission(browser, perm) {
  const [resource, action] = perm.split(':');
  const box = await find(browser, `perm-${resource}-${action}`);
  await scrollToView(browser, box, 'center');
  if (!(await box.isSelected())) await box.click();
  assert.equal(await box.isSelected(), true, `${perm} is checked`);
}

/** Scrolls an element into view (the page's own scrollIntoView; WebDriver actions may
 * refuse targets outside the viewport). */
export async function scrollToView(browser, el, block = 'end') {
  await browser.execute((e, b) => e.scrollIntoView({ block: b }), el, block);
}

/** Sets a value the way typing would (for inputs WebDriver cannot type into, like dates). */
export async function setInputValue(browser, id, value) {
  await browser.execute(
    (sel, v) => {
      const input = document.querySelector(sel);
      const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
      setter.call(input, v);
      input.dispatchEvent(new Event('input', { bubbles: true }));
      input.dispatchEvent(new Event('change', { bubbles: true }));
    },
    tid(id),
    value,
  );
}

/**
 * Fills and saves the Create key dialog (opened from the list), and returns the issued
 * secret as the "shown once" dialog displays it. The dialog stays open.
 */
export async function createKey(browser, { name, environment = 'live', days = 30, date = null, permissions = [] }, before) {
  await click(browser, 'create-key');
  await find(browser, 'create-dialog');
  await fill(browser, 'key-name', name);
  await click(browser, `key-env-${environment}`);
  if (date) {
    await click(browser, 'expiry-custom');
    await find(browser, 'expiry-date');
    await setInputValue(browser, 'expiry-date', date);
  } else {
    await click(browser, `expiry-${days}`);
  }
  for (const p of permissions) await checkPermission(browser, p);
  if (before) await before();
  await click(browser, 'key-save');
  const outcome = await until(
    async () => {
      if (await (await browser.$(tid('issued-dialog'))).isDisplayed()) return 'issued';
      for (const id of ['key-name-error', 'expiry-error', 'perm-error', 'create-error']) {
        const e = await browser.$(tid(id));
        if (await e.isExisting()) return `${id}: ${await e.getText()}`;
      }
      return null;
    },
    { timeout: 30_000, message: `key “${name}” to be issued` },
  );
  assert.equal(outcome, 'issued', `creating “${name}”`);
  const secret = await (await find(browser, 'issued-secret')).getValue();
  assert.match(secret, new RegExp(`^lk_${environment}_[0-9A-Za-z]{20,}$`));
  return secret;
}

export async function closeIssued(browser) {
  await click(browser, 'issued-close');
  await gone(browser, 'issued-dialog');
}

/**
 * If a "Confirm it's you" prompt appears (a stale proof), answer it with the password.
 * Returns true if it was asked.
 */
export async function answerStepUp(browser, user, waitFor) {
  const which = await until(
    async () => {
      if (await (await browser.$(tid('stepup-dialog'))).isDisplayed()) return 'stepup';
      if (await (await browser.$(tid(waitFor))).isDisplayed()) return 'done';
      return null;
    },
    { timeout: 30_000, message: `${waitFor} or the step-up prompt` },
  );
  if (which === 'done') return false;
  await fill(browser, 'stepup-password', user.password);
  await click(browser, 'stepup-submit');
  await find(browser, waitFor, 30_000);
  return true;
}

/** A date `days` from today, as YYYY-MM-DD in local time. */
export function dateInDays(days) {
  const d = new Date();
  d.setDate(d.getDate() + days);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** What the app asked the OS to open (the recorder `xdg-open` of run-specs.js), in order. */
export function opened() {
  const log = process.env.E2E_OPENED_LOG;
  if (!log) throw new Error('E2E_OPENED_LOG is not set: run the specs through tests/e2e/run.sh');
  return fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
}
