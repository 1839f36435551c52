// Measures a Tauri app beside a bare Tauri "hello" window, both launched the same way:
// through tauri-driver + WebKitWebDriver (plain WebDriver over HTTP, no client library),
// under the X server of xvfb-run. Called by scripts/bench-desktop.sh; reads:
//   BENCH_APP, BENCH_HELLO   the two release binaries
//   BENCH_USER, BENCH_PASSWORD   an account in $LATCHKEY_DB to sign in with (Latchkey only)
//   BENCH_RUNS (default 7), BENCH_OUT (JSON results file), BENCH_SETTLE_MS (default 3000),
//   BENCH_SMAPS_DIR (if set: every process's /proc/PID/smaps of the last launch, by app)
//
// Per launch:
// - time to interactive: from the app process's start (its start time in /proc/PID/stat,
//   against /proc/uptime, both on the kernel's boot clock, 10 ms ticks) to the first
//   WebDriver poll that finds `[data-testid="signin-login"]` displayed. The same selector
//   is on both pages. Also reported: from the new-session request to that moment.
// - where the launch went: the page's own performance entries and marks (phases()).
// - memory: Latchkey signs in (the real sign_in command, argon2 and all), the hello window
//   only loads; after BENCH_SETTLE_MS, VmRSS and Pss of the app process and every
//   descendant (WebKitWebProcess, WebKitNetworkProcess, …) are summed from /proc.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const DRIVER_PORT = Number(process.env.BENCH_DRIVER_PORT ?? 4444);
const NATIVE_PORT = Number(process.env.BENCH_NATIVE_PORT ?? 4445);
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? 3000);
const SELECTOR = '[data-testid="signin-login"]';
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

const apps = {
  hello: { name: 'hello', bin: must('BENCH_HELLO'), signIn: false },
  latchkey: { name: 'latchkey', bin: must('BENCH_APP'), signIn: true },
};

function must(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (run scripts/bench-desktop.sh)`);
  return v;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// --- tauri-driver, once for the run, always stopped ------------------------------------

function portInUse(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

let driver = null;
function stopDriver() {
  if (driver && driver.exitCode === null) {
    try {
      process.kill(-driver.pid, 'SIGTERM');
    } catch {}
  }
}
process.on('exit', () => {
  if (driver && driver.exitCode === null) {
    try {
      process.kill(-driver.pid, 'SIGKILL');
    } catch {}
  }
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => (stopDriver(), process.exit(130)));

async function startDriver() {
  for (const p of [DRIVER_PORT, NATIVE_PORT]) {
    if (await portInUse(p)) throw new Error(`port ${p} is in use (an orphaned tauri-driver?)`);
  }
  driver = spawn('tauri-driver', ['--port', String(DRIVER_PORT), '--native-port', String(NATIVE_PORT)], {
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  });
  // Both: tauri-driver answers before its WebKitWebDriver does, and a session asked for in
  // between is dropped ("other side closed").
  for (let i = 0; i < 150; i++) {
    if ((await portInUse(DRIVER_PORT)) && (await portInUse(NATIVE_PORT))) return;
    if (driver.exitCode !== null) throw new Error('tauri-driver exited');
    await sleep(100);
  }
  throw new Error('tauri-driver did not start');
}

// --- plain WebDriver --------------------------------------------------------------------

async function wd(method, url, body) {
  const res = await fetch(`http://127.0.0.1:${DRIVER_PORT}${url}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json().catch(() => ({}));
  return { ok: res.ok, value: json.value };
}

async function findDisplayed(sid, selector) {
  const r = await wd('POST', `/session/${sid}/element`, { using: 'css selector', value: selector });
  if (!r.ok) return null;
  const eid = Object.values(r.value)[0];
  const d = await wd('GET', `/session/${sid}/element/${eid}/displayed`);
  return d.ok && d.value === true ? eid : null;
}

async function waitDisplayed(sid, selector, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const eid = await findDisplayed(sid, selector);
    if (eid) return eid;
    if (Date.now() > deadline) throw new Error(`${selector} not displayed within ${timeoutMs} ms`);
    await sleep(5);
  }
}

// --- /proc --------------------------------------------------------------------------------

function readStat(pid) {
  const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = s.slice(s.lastIndexOf(')') + 2).split(' '); // fields from 3 on
  return { ppid: Number(rest[1]), startTicks: Number(rest[19]), comm: s.slice(s.indexOf('(') + 1, s.lastIndexOf(')')) };
}

function pids() {
  return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
}

/** The newest process running `bin`. */
function findApp(bin) {
  const real = fs.realpathSync(bin);
  let best = null;
  for (const pid of pids()) {
    try {
      if (fs.readlinkSync(`/proc/${pid}/exe`) !== real) continue;
      const st = readStat(pid);
      if (!best || st.startTicks > best.startTicks) best = { pid, ...st };
    } catch {}
  }
  return best;
}

function uptimeSecs() {
  return Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
}

function tree(root) {
  const all = [];
  for (const pid of pids()) {
    try {
      all.push({ pid, ...readStat(pid) });
    } catch {}
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) for (const p of all) if (p.ppid === out[i]) out.push(p.pid);
  return out;
}

function kib(text, field) {
  const m = text.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
  return m ? Number(m[1]) : 0;
}

function memory(root) {
  let rss = 0;
  let pss = 0;
  const procs = [];
  for (const pid of tree(root)) {
    try {
      const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
      const r = kib(status, 'VmRSS');
      let p = 0;
      try {
        p = kib(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'), 'Pss');
      } catch {}
      rss += r;
      pss += p;
      procs.push({ pid, comm: readStat(pid).comm, rss_kib: r, pss_kib: p });
    } catch {}
  }
  return { rss_kib: rss, pss_kib: pss, procs };
}

/**
 * Where the launch went, from the page's own clock: the process start to the page's
 * navigation start, then (from there) the HTML loaded, DOMContentLoaded (its scripts run),
 * the first paint, the app's own marks (ui/src/main.ts) and the moment the input was seen.
 */
async function phases(sid, startToReadySecs) {
  const r = await wd('POST', `/session/${sid}/execute/sync`, {
    script: `const n = performance.getEntriesByType('navigation')[0];
      const at = (list) => Object.fromEntries(list.map((e) => [e.name, Math.round(e.startTime)]));
      return { now: performance.now(), html: n && n.responseEnd, dom: n && n.domContentLoadedEventEnd,
        paint: at(performance.getEntriesByType('paint')), marks: at(performance.getEntriesByType('mark')) };`,
    args: [],
  });
  if (!r.ok) return {};
  const v = r.value;
  // The page's clock started this long before the script ran: its origin, on ours.
  const seenMs = startToReadySecs * 1000;
  const originMs = seenMs - v.now;
  const round = (x) => (typeof x === 'number' ? Math.round(x) : null);
  return {
    page_origin_ms: Math.round(originMs),
    page: {
      html_ms: round(v.html),
      dom_ready_ms: round(v.dom),
      first_paint_ms: round(v.paint['first-contentful-paint'] ?? v.paint['first-paint']),
      ...Object.fromEntries(Object.entries(v.marks).map(([k, t]) => [k.replace(/^latchkey:/, '') + '_ms', t])),
      seen_ms: Math.round(v.now),
    },
  };
}

/** Each process's mappings, for a look at where the memory is (the last launch wins). */
function saveSmaps(name, procs) {
  const dir = process.env.BENCH_SMAPS_DIR;
  fs.mkdirSync(dir, { recursive: true });
  for (const p of procs) {
    try {
      // Read, not copied: /proc files report no size, and a copy would be empty.
      fs.writeFileSync(path.join(dir, `${name}-${p.comm}.smaps`), fs.readFileSync(`/proc/${p.pid}/smaps`));
    } catch {}
  }
}

// --- one launch ---------------------------------------------------------------------------

async function launch(app) {
  const t0 = performance.now();
  const s = await wd('POST', '/session', {
    capabilities: { alwaysMatch: { 'tauri:options': { application: app.bin } }, firstMatch: [{}] },
  });
  if (!s.ok) throw new Error(`new session for ${app.name}: ${JSON.stringify(s.value)}`);
  const sid = s.value.sessionId;
  const proc = findApp(app.bin);
  if (!proc) throw new Error(`no ${app.bin} process`);
  try {
    await waitDisplayed(sid, SELECTOR);
    const readySecs = uptimeSecs() - proc.startTicks / CLK_TCK; // since the process started
    const t1 = performance.now();
    const result = {
      app: app.name,
      tti_ms: Math.round(readySecs * 1000),
      session_to_ready_ms: Math.round(t1 - t0),
      ...(await phases(sid, readySecs)),
    };
    if (app.signIn) {
      const login = await waitDisplayed(sid, SELECTOR);
      await wd('POST', `/session/${sid}/element/${login}/value`, { text: must('BENCH_USER') });
      const pw = await waitDisplayed(sid, '[data-testid="signin-password"]');
      await wd('POST', `/session/${sid}/element/${pw}/value`, { text: must('BENCH_PASSWORD') });
      const submit = await waitDisplayed(sid, '[data-testid="signin-submit"]');
      await wd('POST', `/session/${sid}/element/${submit}/click`, {});
      await waitDisplayed(sid, '[data-testid="nav-name"]', 30_000);
      result.signed_in = true;
    }
    await sleep(SETTLE_MS);
    const mem = memory(proc.pid);
    Object.assign(result, mem);
    if (process.env.BENCH_SMAPS_DIR) saveSmaps(app.name, mem.procs);
    return result;
  } finally {
    await wd('DELETE', `/session/${sid}`);
    for (let i = 0; i < 100 && fs.existsSync(`/proc/${proc.pid}`); i++) await sleep(100);
  }
}

// --- the run --------------------------------------------------------------------------------

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function summary(runs, key) {
  const xs = runs.map((r) => r[key]);
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
}

function machine() {
  const osr = fs.readFileSync('/etc/os-release', 'utf8').match(/^PRETTY_NAME="?([^"\n]+)/m)?.[1] ?? '?';
  let webkit = '?';
  try {
    webkit = execFileSync('dpkg-query', ['-W', '-f', '${Version}', 'libwebkit2gtk-4.1-0'], { encoding: 'utf8' });
  } catch {}
  let commit = '?';
  try {
    const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
    commit = execFileSync('git', ['-C', repo, 'describe', '--always', '--dirty'], { encoding: 'utf8' }).trim();
  } catch {}
  return {
    commit,
    cpu: os.cpus()[0]?.model?.trim(),
    cores: os.cpus().length,
    mem_gib: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: osr,
    kernel: os.release(),
    webkitgtk: webkit,
  };
}

await startDriver();
try {
  const loadBefore = os.loadavg();
  const sizes = Object.fromEntries(Object.values(apps).map((a) => [a.name, fs.statSync(a.bin).size]));
  // One launch each to warm the page cache and WebKit's caches; not counted.
  for (const a of Object.values(apps)) await launch(a);
  const runs = { hello: [], latchkey: [] };
  for (let i = 0; i < RUNS; i++) {
    const order = i % 2 ? ['latchkey', 'hello'] : ['hello', 'latchkey'];
    for (const name of order) {
      const r = await launch(apps[name]);
      runs[name].push(r);
      console.error(
        `run ${i + 1}/${RUNS} ${name}: tti ${r.tti_ms} ms (session→ready ${r.session_to_ready_ms} ms; ` +
          `page from ${r.page_origin_ms} ms: ${JSON.stringify(r.page)}), ` +
          `RSS ${(r.rss_kib / 1024).toFixed(1)} MiB, PSS ${(r.pss_kib / 1024).toFixed(1)} MiB, ` +
          `${r.procs.length} processes`,
      );
    }
  }
  const results = {
    date: new Date().toISOString(),
    machine: machine(),
    load_before: loadBefore,
    load_after: os.loadavg(),
    runs_per_app: RUNS,
    settle_ms: SETTLE_MS,
    binary_bytes: sizes,
    summary: Object.fromEntries(
      Object.entries(runs).map(([k, rs]) => [
        k,
        {
          tti_ms: summary(rs, 'tti_ms'),
          session_to_ready_ms: summary(rs, 'session_to_ready_ms'),
          page_origin_ms: summary(rs, 'page_origin_ms'),
          page_ms: Object.fromEntries(
            Object.keys(rs[0].page ?? {}).map((k) => [k, summary(rs.map((r) => ({ v: r.page?.[k] ?? NaN })), 'v')]),
          ),
          rss_mib: summary(rs.map((r) => ({ v: r.rss_kib / 1024 })), 'v'),
          pss_mib: summary(rs.map((r) => ({ v: r.pss_kib / 1024 })), 'v'),
          processes: rs[0].procs.map((p) => p.comm),
        },
      ]),
    ),
    runs,
  };
  const out = process.env.BENCH_OUT;
  if (out) {
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
  }
  console.log(JSON.stringify({ summary: results.summary, binary_bytes: sizes, machine: results.machine }, null, 2));
} finally {
  stopDriver();
  for (let i = 0; i < 50 && driver.exitCode === null; i++) await sleep(100);
}
