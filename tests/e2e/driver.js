// Start and stop tauri-driver, and open a WebDriver session on the app.
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

export const appBinary = path.resolve(
  process.env.LATCHKEY_APP ??
    path.join(process.env.CARGO_TARGET_DIR ?? path.join(repoRoot, 'target'), 'debug', 'latchkey-desktop'),
);

export const artifactsDir = path.resolve(process.env.E2E_ARTIFACTS ?? path.join(here, 'artifacts'));

function portInUse(port) {
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
  throw new Error(`tauri-driver did not listen on port ${port} within ${timeoutMs} ms`);
}

/** Start tauri-driver in its own process group. Refuses to start if a port is taken. */
export async function startDriver() {
  if (!fs.existsSync(appBinary)) {
    throw new Error(`app binary not found at ${appBinary}; build it first (see tests/e2e/README.md)`);
  }
  for (const port of [driverPort, nativePort]) {
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
  });
  child.once('error', (e) => console.error(`failed to start ${bin}: ${e.message}`));
  const stop = () => stopDriver(child);
  process.once('exit', stop);
  await waitForPort(driverPort, child, 15_000);
  return child;
}

/** Kill the driver's whole process group (tauri-driver and its WebKitWebDriver). */
export function stopDriver(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    // already gone
  }
}

export function openSession() {
  return remote({
    hostname: '127.0.0.1',
    port: driverPort,
    logLevel: process.env.E2E_LOG_LEVEL ?? 'warn',
    connectionRetryCount: 0,
    capabilities: {
      // No browserName: WebKitWebDriver under tauri-driver then fails to match.
      'tauri:options': { application: appBinary },
      'wdio:enforceWebDriverClassic': true,
    },
  });
}
