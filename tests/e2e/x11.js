// Closing a window the way a person does — its close button, which makes the window
// manager send WM_DELETE_WINDOW — for a test of what the app does when it quits.
// WebDriver's own "close window" ends the app's process without letting it run its exit
// code, and Xvfb has no window manager (and Debian's xdotool is not installed), so this
// speaks just enough of the X11 protocol itself: connect with the Xauthority cookie of
// xvfb-run, intern two atoms, send one ClientMessage. `xwininfo` finds the window.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';

/** The X window ids of top-level windows titled exactly `name`. */
export function windowsNamed(name) {
  const tree = execFileSync('xwininfo', ['-root', '-children'], { encoding: 'utf8', timeout: 5_000 });
  const ids = [];
  for (const line of tree.split('\n')) {
    const m = line.match(/^\s*(0x[0-9a-f]+) "(.*)":/);
    if (m && m[2] === name) ids.push(Number.parseInt(m[1], 16));
  }
  return ids;
}

function displayNumber() {
  const m = (process.env.DISPLAY ?? '').match(/^:(\d+)/);
  if (!m) throw new Error(`DISPLAY ${process.env.DISPLAY} is not a local display`);
  return m[1];
}

/** The MIT-MAGIC-COOKIE-1 for this display from $XAUTHORITY, or null (no auth). */
function cookie(display) {
  const file = process.env.XAUTHORITY;
  if (!file || !fs.existsSync(file)) return null;
  const b = fs.readFileSync(file);
  let at = 0;
  const field = () => {
    const n = b.readUInt16BE(at);
    const v = b.subarray(at + 2, at + 2 + n);
    at += 2 + n;
    return v;
  };
  while (at + 2 <= b.length) {
    at += 2; // family
    field(); // address
    const number = field().toString('latin1');
    const name = field().toString('latin1');
    const data = field();
    if (name === 'MIT-MAGIC-COOKIE-1' && (number === display || number === '')) return data;
  }
  return null;
}

const pad4 = (n) => (4 - (n % 4)) % 4;

function setupRequest(auth) {
  const name = auth ? Buffer.from('MIT-MAGIC-COOKIE-1', 'latin1') : Buffer.alloc(0);
  const data = auth ?? Buffer.alloc(0);
  const head = Buffer.alloc(12);
  head.write('l', 0, 'latin1'); // little-endian
  head.writeUInt16LE(11, 2);
  head.writeUInt16LE(0, 4);
  head.writeUInt16LE(name.length, 6);
  head.writeUInt16LE(data.length, 8);
  return Buffer.concat([head, name, Buffer.alloc(pad4(name.length)), data, Buffer.alloc(pad4(data.length))]);
}

function internAtom(name) {
  const n = Buffer.from(name, 'latin1');
  const req = Buffer.alloc(8);
  req.writeUInt8(16, 0); // InternAtom
  req.writeUInt8(0, 1); // only-if-exists: no
  req.writeUInt16LE(2 + (n.length + pad4(n.length)) / 4, 2);
  req.writeUInt16LE(n.length, 4);
  return Buffer.concat([req, n, Buffer.alloc(pad4(n.length))]);
}

function deleteWindowMessage(window, protocols, del) {
  const req = Buffer.alloc(44);
  req.writeUInt8(25, 0); // SendEvent
  req.writeUInt8(0, 1); // propagate: no
  req.writeUInt16LE(11, 2);
  req.writeUInt32LE(window, 4); // destination
  req.writeUInt32LE(0, 8); // event mask: none (to the client that made the window)
  req.writeUInt8(33, 12); // ClientMessage
  req.writeUInt8(32, 13); // format
  req.writeUInt32LE(window, 16);
  req.writeUInt32LE(protocols, 20); // type WM_PROTOCOLS
  req.writeUInt32LE(del, 24); // data[0] WM_DELETE_WINDOW, data[1] CurrentTime (0)
  return req;
}

/** Ask the window(s) titled `name` to close, as a close button would. */
export async function closeWindowNamed(name) {
  const windows = windowsNamed(name);
  if (windows.length === 0) throw new Error(`no window named ${name}`);
  const display = displayNumber();
  const sock = net.connect(`/tmp/.X11-unix/X${display}`);
  let buf = Buffer.alloc(0);
  const waiters = [];
  const need = (n) =>
    new Promise((resolve, reject) => {
      waiters.push({ n, resolve, reject });
      pump();
    });
  function pump() {
    while (waiters.length && buf.length >= waiters[0].n) {
      const w = waiters.shift();
      const chunk = buf.subarray(0, w.n);
      buf = buf.subarray(w.n);
      w.resolve(chunk);
    }
  }
  sock.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    pump();
  });
  sock.on('error', (e) => waiters.splice(0).forEach((w) => w.reject(e)));
  await new Promise((resolve, reject) => sock.once('connect', resolve).once('error', reject));
  try {
    sock.write(setupRequest(cookie(display)));
    const head = await need(8);
    if (head[0] !== 1) throw new Error(`the X server refused the connection (status ${head[0]})`);
    await need(head.readUInt16LE(6) * 4); // the rest of the setup reply: not needed

    const atom = async (n) => {
      sock.write(internAtom(n));
      const reply = await need(32);
      if (reply[0] !== 1) throw new Error(`InternAtom ${n} failed (X error ${reply[1]})`);
      return reply.readUInt32LE(8);
    };
    const protocols = await atom('WM_PROTOCOLS');
    const del = await atom('WM_DELETE_WINDOW');
    for (const window of windows) sock.write(deleteWindowMessage(window, protocols, del));
    // GetInputFocus: its reply means the server has handled the SendEvent before it.
    const sync = Buffer.alloc(4);
    sync.writeUInt8(43, 0);
    sync.writeUInt16LE(1, 2);
    sock.write(sync);
    const reply = await need(32);
    if (reply[0] === 0) throw new Error(`SendEvent failed (X error ${reply[1]})`);
  } finally {
    sock.destroy();
  }
}
