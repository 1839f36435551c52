// Runs the spec files one after another (WebKit allows one automation session at a
// time) with ONE tauri-driver for the whole run, and always stops it at the end.
// Called by run.sh inside xvfb-run; the specs inherit DISPLAY and the run's temp dirs.
import { spawn } from 'node:child_process';
import { startDriver, stopDriver } from './driver.js';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('run-specs.js: no spec files given');
  process.exit(2);
}

const driver = await startDriver();
let child = null;
let finishing = false;

async function finish(code) {
  if (finishing) return;
  finishing = true;
  await stopDriver(driver);
  process.exit(code);
}

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    if (child && child.exitCode === null) child.kill(sig);
    finish(130);
  });
}

child = spawn(
  process.execPath,
  ['--test', '--test-concurrency=1', `--test-timeout=${process.env.E2E_TEST_TIMEOUT_MS ?? 240000}`, ...files],
  { stdio: 'inherit' },
);
child.on('exit', (code, signal) => finish(code ?? (signal ? 1 : 0)));
