// Runs the spec files one after another (WebKit allows one automation session at a
// time). Each spec file gets its OWN temporary HOME, XDG dirs, store (LATCHKEY_DB) and
// download dir, and its own tauri-driver started with that environment — the app it
// launches inherits it, so no spec sees another's store, settings or files. The driver
// is always stopped, also on Ctrl-C. Called by run.sh inside xvfb-run.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDriver, stopDriver } from './driver.js';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('run-specs.js: no spec files given');
  process.exit(2);
}
const root = process.env.E2E_TMP ?? fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-e2e-'));

/** A fresh set of dirs for one spec file, and the environment that points at them. */
function specEnvironment(file) {
  const dir = fs.mkdtempSync(path.join(root, `${path.basename(file, '.test.js')}-`));
  const home = path.join(dir, 'home');
  const env = {
    ...process.env,
    HOME: home,
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    XDG_RUNTIME_DIR: path.join(dir, 'runtime'),
    // Test builds only (cargo feature e2e): the save dialog is answered with this directory.
    LATCHKEY_E2E_SAVE_DIR: path.join(home, 'Downloads'),
  };
  env.LATCHKEY_DB = path.join(env.XDG_DATA_HOME, 'latchkey', 'latchkey.db');
  // The OS opener, observed: an `xdg-open` first on PATH that records what it was asked to
  // open (one line each) instead of opening it. (opened() in helpers.js reads it.)
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin, { recursive: true });
  env.E2E_OPENED_LOG = path.join(dir, 'opened.log');
  fs.writeFileSync(
    path.join(bin, 'xdg-open'),
    '#!/bin/sh\nprintf \'%s\\n\' "$*" >> "$E2E_OPENED_LOG"\n',
    { mode: 0o755 },
  );
  env.PATH = `${bin}:${process.env.PATH}`;
  // Private D-Bus buses for the app: a session bus (screen saver, notifications, the tray,
  // one instance per user) and one standing in for the system bus (logind), so specs can
  // emit the desktop's signals and watch what the app sends. Never the machine's own.
  for (const [name, variable] of [
    ['session', 'DBUS_SESSION_BUS_ADDRESS'],
    ['system', 'DBUS_SYSTEM_BUS_ADDRESS'],
  ]) {
    const r = spawnSync('dbus-daemon', ['--session', '--fork', '--print-address=1', '--print-pid=1'], {
      encoding: 'utf8',
      env: { ...process.env, HOME: home },
    });
    if (r.status !== 0) throw new Error(`run-specs.js: dbus-daemon (${name}) did not start: ${r.stderr}`);
    const [address, pid] = r.stdout.trim().split('\n');
    env[variable] = address;
    buses.push(Number(pid));
  }
  for (const d of [path.dirname(env.LATCHKEY_DB), env.XDG_CONFIG_HOME, env.XDG_CACHE_HOME]) fs.mkdirSync(d, { recursive: true });
  for (const d of [env.XDG_RUNTIME_DIR, env.LATCHKEY_E2E_SAVE_DIR]) fs.mkdirSync(d, { recursive: true, mode: 0o700 });
  return env;
}

let driver = null;
let child = null;
/** The dbus-daemons started for the spec that runs now. */
const buses = [];

function stopBuses() {
  for (const pid of buses.splice(0)) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
  }
}
let stopping = false;

async function stop(code) {
  if (stopping) return;
  stopping = true;
  if (child && child.exitCode === null) child.kill('SIGTERM');
  await stopDriver(driver);
  stopBuses();
  process.exit(code);
}

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => stop(130));

const results = [];
for (const file of files) {
  const env = specEnvironment(file);
  console.log(`\n# ${file}: store ${env.LATCHKEY_DB}`);
  driver = await startDriver(env);
  child = spawn(
    process.execPath,
    ['--test', '--test-concurrency=1', `--test-timeout=${process.env.E2E_TEST_TIMEOUT_MS ?? 240000}`, file],
    { stdio: 'inherit', env },
  );
  const code = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
  child = null;
  await stopDriver(driver);
  driver = null;
  stopBuses();
  results.push({ file, code });
}

console.log('\n# spec files');
for (const r of results) console.log(`#   ${r.code === 0 ? 'ok    ' : 'FAILED'} ${r.file}`);
await stop(results.every((r) => r.code === 0) ? 0 : 1);
