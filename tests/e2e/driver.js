// Start and stop tauri-driver, and open a WebDriver session on the app.
//
// run-specs.js starts one tauri-driver per spec file (inside xvfb-run), with that spec's
// environment (its own HOME, XDG dirs and store), and kills it when the spec ends; the
// spec opens a session, which launches a fresh app process with that environment.
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { remote } from 'webdriverio';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..');

export const driverPort = Number(process.env.E2E_DRIVER_PORT ?? 4444);
export const nativePort = Number(process.env.E2E_NATIVE_PORT ?? 4445);

const targetDir = process.env.CARGO_TARGET_DIR ?? path.join(repoRoot, 'target');

export const appBinary = path.resolve(process.env.LATCHKEY_APP ?? path.join(targetDir, 'debug', 'latchkey-desktop'));

export const artifactsDir = path.resolve(process.env.E2E_ARTIFACTS ?? path.join(here, 'artifacts'));

export function portInUse(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitForPort(port, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`tauri-driver exited early with code ${child.exitCode}`);
    if (await portInUse(port)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listened on port ${port} within ${timeoutMs} ms after tauri-driver started`);
}

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Start tauri-driver in its own process group, with `env` (which the app it launches
 * inherits). Refuses to start if a port is still taken after a few seconds (the previous
 * spec's driver is given that long to let go).
 */
export async function startDriver(env = process.env) {
  if (!fs.existsSync(appBinary)) {
    throw new Error(`app binary not found at ${appBinary}; build it first (make app-e2e)`);
  }
  for (const port of [driverPort, nativePort]) {
    for (let i = 0; i < 50 && (await portInUse(port)); i++) await new Promise((r) => setTimeout(r, 100));
    if (await portInUse(port)) {
      throw new Error(
        `port ${port} is already in use (an orphaned tauri-driver or WebKitWebDriver?); ` +
          'stop it or set E2E_DRIVER_PORT / E2E_NATIVE_PORT',
      );
    }
  }
  const bin = process.env.TAURI_DRIVER ?? 'tauri-driver';
  const child = spawn(bin, ['--port', String(driverPort), '--native-port', String(nativePort)], {
    stdio: ['ignore', 'inherit', 'inherit'],
    detached: true,
    env,
  });
  child.once('error', (e) => console.error(`failed to start ${bin}: ${e.message}`));
  // Last resort if this process dies without stopDriver: take the whole group down.
  process.once('exit', () => {
    if (child.exitCode === null && child.signalCode === null) killGroup(child, 'SIGKILL');
  });
  await waitForPort(driverPort, child, 15_000);
  // tauri-driver forwards the new-session request to WebKitWebDriver once, without
  // retrying: a session opened before that one listens would fail.
  await waitForPort(nativePort, child, 15_000);
  return child;
}

/**
 * Stop tauri-driver and everything in its process group (WebKitWebDriver and any app it
 * launched): SIGTERM, then SIGKILL if the driver is still there after `graceMs`.
 */
export async function stopDriver(child, graceMs = 5_000) {
  if (!child) return;
  const exited = new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', resolve);
  });
  killGroup(child, 'SIGTERM');
  const timer = new Promise((resolve) => setTimeout(() => resolve('timeout'), graceMs));
  if ((await Promise.race([exited, timer])) === 'timeout') {
    killGroup(child, 'SIGKILL');
    await exited;
  }
  // The group's other members (WebKitWebDriver) got the same signal; make sure.
  killGroup(child, 'SIGKILL');
}

/** A WebDriver session: tauri-driver launches a fresh app process for it. */
export async function openSession(args = []) {
  if (!(await portInUse(driverPort))) {
    throw new Error(`no tauri-driver on port ${driverPort}: run the specs through run.sh`);
  }
  return remote({
    hostname: '127.0.0.1',
    port: driverPort,
    logLevel: process.env.E2E_LOG_LEVEL ?? 'warn',
    connectionRetryCount: 0,
    // A command that hangs fails in a minute, not the default two.
    connectionRetryTimeout: 60_000,
    capabilities: {
      // No browserName: WebKitWebDriver under tauri-driver then fails to match.
      'tauri:options': { application: appBinary, args },
      'wdio:enforceWebDriverClassic': true,
    },
  });
}
