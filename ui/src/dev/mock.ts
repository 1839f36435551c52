// Development only: a pretend backend so `npx vite` in a plain browser shows the real
// window with sample data. Imported from main.ts behind `import.meta.env.DEV`, so it is
// never part of a production build.
//
// Query parameters: ?state=setup|signin|app (default app), ?admin=0, ?empty=1,
// ?stepup=0 (no step-up prompts), ?lost=1 (secrets_lost on sign-in), ?mfareset=1 (an
// administrator turned MFA off), ?late=1 (every MFA code comes too late), ?mfa=1 (two-step
// verification on: sign-in and step-up ask for a code), ?codes=N (recovery codes left).
// With MFA on, any 6-digit code is accepted except 000000, and so is each recovery code once.
// The key list's search and filters: ?keysearch=TEXT, ?keyenv=live|test,
// ?keystatus=active|expiring_soon|expired|revoked, ?keyperm=samples:read.
import { mockIPC } from '@tauri-apps/api/mocks';
import { desktopEvents, emit } from './desktopEvents';
import type { AppState, Expiry, Grace, KeyView, Me, PermissionInfo, Settings } from '../lib/shared/api';
import { keyFilter, type KeyFilter } from '../lib/keys/keyFilter.svelte';

const q = new URLSearchParams(location.search);
if (q.get('keysearch')) keyFilter.query = q.get('keysearch')!;
if (q.get('keyenv')) keyFilter.env = q.get('keyenv') as KeyFilter['env'];
if (q.get('keystatus')) keyFilter.status = q.get('keystatus') as KeyFilter['status'];
if (q.get('keyperm')) keyFilter.perm = q.get('keyperm')!;
const DAY = 86_400_000;
const now = Date.now();
const iso = (t: number) => new Date(t).toISOString();
const PASSWORD = 'correct horse battery staple';

function err(code: string, message: string, extra: Record<string, unknown> = {}) {
  return { code, message, ...extra };
}

const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
function secretFor(kind: string) {
  let s = '';
  const bytes = crypto.getRandomValues(new Uint8Array(36));
  for (const b of bytes) s += B62[b % 62];
  return `lk_${kind}_${s}`;
}
const hintOf = (s: string) => `${s.slice(0, s.lastIndexOf('_') + 1)}…${s.slice(-4)}`;

let initialized = q.get('state') !== 'setup';
let signedIn = q.get('state') !== 'signin' && initialized;
const admin = q.get('admin') !== '0';
let stepUpUntil = q.get('stepup') === '0' ? Infinity : 0;
let failures = 0;

const MFA_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
// A real QR code (made once with a QR library) of the otpauth URI below, so the enrolment
// screen looks as it does in the app and scans.
const MFA_QR =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAALQAAAC0AQAAAAAVtjufAAABsUlEQVR42tWYQW4DMQwDhX5A//8lf6BqqN1DgV4KMIcugkXiA23TFCmn5tdH9W/Gq6qre6bFRx7QV/3+/HW8BuSWqtTM+EwVxF/E3mWrd4bdggfC+OPV77edpz+Av4RDSgEeX/8iT4lZihNI849cfjxh/cyppg6ZzaDbID/y2+pBp+IAovwvbnkH+57bUxYfwawyhyLbX5XmB/nsBgZguRaS+tnKhZfdASdABUT1aVKW+11124IotiQ+nrOyac9BMShbvxQsO7BBW61R/DnP5HjxaepLWf7bnllacOj3DEn+9fgQ3Mz5XFKfQplwYpGy/srW79VV19XZdLi+pFc5DVc+kKg/I3tRvLzI4TS+nLqmXk+fktSP25OLFTngs/55JSaaFAtU2XyxRVg/HLEuwaLrxznrbRFtpdH67cc50RHe41OI5qO7Q9t/X5JF+e9zaRPFRGH/d1c7r3eOO/TJ5i9V9iZxPl/oOY0+lwVh/3/7T3yinhZ60veX55Lh03BHF+//2xp1N/oB/HLbRg/qAJgwvuzS3U8cx+8vhMtFQTvK4veX936hsYYmfX/5t/8PfAM70EYJXjWGMQAAAABJRU5ErkJggg==';
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
function recoveryCode() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b, i) => (i > 0 && i % 4 === 0 ? '-' : '') + RECOVERY_ALPHABET[b % RECOVERY_ALPHABET.length]).join('');
}
const newCodes = (n = 10) => Array.from({ length: n }, recoveryCode);
const normalise = (c: string) => c.replace(/[\s-]+/g, '').toLowerCase();

const mfa = {
  enabled: q.get('mfa') === '1',
  pending: false,
  codes: [] as string[],
  /** The codes just issued, held for Copy and Download until forget_recovery_codes. */
  shown: null as string[] | null,
};
if (mfa.enabled) mfa.codes = newCodes(Math.max(0, Math.min(10, Number(q.get('codes') ?? 10))));
let pendingSignIn = false;

let me: Me = {
  id: 1,
  username: 'ada.lovelace',
  first_name: 'Ada',
  last_name: 'Lovelace',
  email: 'ada@analytical.example',
  is_admin: admin,
  disabled: false,
  groups: admin ? ['admins', 'sequencing'] : ['sequencing'],
  has_avatar: false,
  created_at: iso(now - 120 * DAY),
  last_sign_in_at: iso(now - 60_000),
  mfa_enabled: mfa.enabled,
  permissions: admin
    ? ['account:read', 'account:write', 'keys:read', 'keys:write', 'samples:read', 'samples:write', 'data:read', 'data:write']
    : ['account:read', 'account:write', 'keys:read', 'keys:write', 'samples:read'],
  avatar: null,
};

const permissions: PermissionInfo[] = [
  { resource: 'account', description: 'Your profile and settings', builtin: true },
  { resource: 'keys', description: 'Your API keys', builtin: true },
  { resource: 'samples', description: 'Sample registry (LIMS)', builtin: false },
  { resource: 'data', description: 'Sequencing data store', builtin: false },
];

let settings: Settings = {
  clipboard_clear_secs: 30,
  idle_lock_mins: 15,
  api_enabled: false,
  api_port: 7171,
  notify_expiring: true,
  close_to_tray: false,
};
const policy = {
  min_password_length: 12,
  max_key_lifetime_days: null as number | null,
  allow_never_expiring: true,
  max_active_keys: 10,
  argon2: { m_kib: 19456, t: 2, p: 1 },
};

function key(partial: Partial<KeyView> & { name: string }): KeyView {
  const secret = secretFor(partial.environment ?? 'live');
  return {
    id: crypto.randomUUID(),
    hint: hintOf(secret),
    kind: partial.environment ?? 'live',
    environment: 'live',
    permissions: ['samples:read'],
    account_key: false,
    revealable: false,
    viewable: false,
    created_at: iso(now - 20 * DAY),
    expires_at: iso(now + 40 * DAY),
    last_used_at: null,
    revoked_at: null,
    replaced_by: null,
    status: 'active',
    account: me.username,
    ...partial,
  };
}

let keys: KeyView[] =
  q.get('empty') === '1'
    ? []
    : [
        key({ name: 'lab-dashboard', revealable: true, viewable: q.get('lost') !== '1', permissions: ['samples:read'], last_used_at: iso(now - 50 * 60_000), created_at: iso(now - 12 * DAY), expires_at: iso(now + 78 * DAY) }),
        key({ name: 'sequencer-upload', permissions: ['samples:read', 'samples:write', 'data:write'].filter((p) => admin || p === 'samples:read'), last_used_at: iso(now - 3 * 3_600_000), created_at: iso(now - 45 * DAY), expires_at: iso(now + 45 * DAY) }),
        key({ name: 'nightly-report', environment: 'test', kind: 'test', permissions: ['samples:read', 'data:read'].filter((p) => admin || p === 'samples:read'), created_at: iso(now - 85 * DAY), expires_at: iso(now + 4 * DAY), status: 'expiring_soon', last_used_at: iso(now - 26 * 3_600_000) }),
        key({ name: 'r-notebook', permissions: ['samples:read'], created_at: iso(now - 100 * DAY), expires_at: iso(now - 10 * DAY), status: 'expired', last_used_at: iso(now - 12 * DAY) }),
        key({ name: 'old-laptop', permissions: ['keys:read'], created_at: iso(now - 110 * DAY), expires_at: null, revoked_at: iso(now - 30 * DAY), status: 'revoked' }),
      ];

let accountSecret = secretFor('acct');
let accountKey: KeyView = key({
  name: 'account key',
  kind: 'acct',
  hint: hintOf(accountSecret),
  account_key: true,
  revealable: true,
  viewable: true,
  expires_at: null,
  permissions: me.permissions,
  created_at: me.created_at,
  last_used_at: iso(now - 2 * DAY),
});

const issued = new Map<string, string>();
/** Secrets of keys created with "allow viewing later" (the app keeps them encrypted). */
const revealable = new Map<string, string>();
for (const k of keys) if (k.revealable) revealable.set(k.id, secretFor(k.environment));
let clipboardTimer: ReturnType<typeof setTimeout> | null = null;

function status(k: KeyView): KeyView['status'] {
  const t = Date.now();
  if (k.revoked_at && Date.parse(k.revoked_at) <= t) return 'revoked';
  if (k.expires_at && Date.parse(k.expires_at) <= t) return 'expired';
  const ends = [k.expires_at, k.revoked_at].filter(Boolean).map((x) => Date.parse(x!));
  if (ends.length && Math.min(...ends) - t <= 7 * DAY) return 'expiring_soon';
  return 'active';
}

function needSignIn() {
  if (!signedIn) throw err('not_signed_in', 'sign in first');
}
function needStepUp() {
  if (Date.now() > stepUpUntil) throw err('step_up_required', "confirm it's you: this action needs your password (or an MFA code) again");
}

function expiryDate(e: Expiry): string | null {
  if (e.type === 'never') return null;
  if (e.type === 'days') return iso(Date.now() + e.value * DAY);
  return new Date(`${e.value}T23:59:59`).toISOString();
}

const GRACE: Record<Grace, number> = { immediately: 0, minutes15: 900_000, hour1: 3_600_000, hours6: 21_600_000, hours24: 86_400_000 };

/** A TOTP or recovery code: true when accepted (a recovery code is used up). */
function checkCode(code: string): boolean {
  const c = normalise(code);
  if (/^\d{6}$/.test(c)) return c !== '000000';
  const i = mfa.codes.findIndex((x) => normalise(x) === c);
  if (i < 0) return false;
  mfa.codes.splice(i, 1);
  return true;
}
const wrongCode = () => err('bad_credentials', 'code: is not correct, or was already used', { field: 'code' });

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function handle(cmd: string, a: Record<string, any>): Promise<unknown> {
  await wait(120);
  switch (cmd) {
    case 'app_state':
      return { initialized, me: signedIn ? me : null, store_path: '/home/ada/.local/share/latchkey/latchkey.db', settings, policy } satisfies AppState;
    case 'setup':
      if (a.password !== a.confirm) throw err('invalid_input', 'confirm password: does not match the password', { field: 'confirm password' });
      if (a.password.length < policy.min_password_length) throw err('invalid_input', `password: must be at least ${policy.min_password_length} characters`, { field: 'password' });
      initialized = true;
      signedIn = true;
      me = { ...me, username: a.username, first_name: a.firstName, last_name: a.lastName, email: a.email || null, is_admin: true };
      keys = [];
      return { me, expiring_soon: [], secrets_lost: false, recovery_codes_left: null };
    case 'sign_in':
      if (failures >= 5) throw err('throttled', 'too many failed attempts; try again in 30 s', { retry_after_secs: 30 });
      if (a.password !== PASSWORD) {
        failures++;
        throw err('bad_credentials', 'username or password is incorrect');
      }
      failures = 0;
      if (mfa.enabled) {
        pendingSignIn = true;
        throw err('mfa_required', 'enter the code from your authenticator app, or a recovery code');
      }
      signedIn = true;
      return {
        me,
        expiring_soon: keys.filter((k) => status(k) === 'expiring_soon'),
        secrets_lost: q.get('lost') === '1',
        mfa_reset: q.get('mfareset') === '1',
        recovery_codes_left: null,
      };
    case 'sign_in_code':
      if (!pendingSignIn) throw err('not_signed_in', 'Enter your username and password first.');
      if (q.get('late') === '1') {
        pendingSignIn = false;
        throw err('sign_in_expired', 'The sign-in timed out. Enter your password again.');
      }
      if (failures >= 5) throw err('throttled', 'too many failed attempts; try again in 30 s', { retry_after_secs: 30 });
      if (!checkCode(a.code)) {
        failures++;
        throw wrongCode();
      }
      failures = 0;
      pendingSignIn = false;
      signedIn = true;
      return {
        me,
        expiring_soon: keys.filter((k) => status(k) === 'expiring_soon'),
        secrets_lost: q.get('lost') === '1',
        mfa_reset: false,
        recovery_codes_left: mfa.codes.length,
      };
    case 'sign_out':
      signedIn = false;
      stepUpUntil = q.get('stepup') === '0' ? Infinity : 0;
      issued.clear();
      mfa.shown = null;
      emit('clipboard-cleared', { reason: 'lock' });
      return null;
    case 'lock_now': {
      // As Rust does: the session ends as on idle, then `session-locked` says why.
      const was = signedIn;
      signedIn = false;
      stepUpUntil = q.get('stepup') === '0' ? Infinity : 0;
      issued.clear();
      mfa.shown = null;
      emit('clipboard-cleared', { reason: 'lock' });
      if (was) emit('session-locked', { reason: 'manual', idle_lock_mins: null });
      return null;
    }
    case 'me':
      needSignIn();
      return me;
    case 'update_profile':
      needSignIn();
      if (a.email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(a.email)) throw err('invalid_input', 'email: must be a valid address like name@example.org', { field: 'email' });
      me = { ...me, first_name: a.firstName, last_name: a.lastName, email: a.email || null };
      return me;
    case 'set_avatar': {
      needSignIn();
      const bytes = new Uint8Array(a.bytes as number[]);
      const blob = new Blob([bytes]);
      const url = await new Promise<string>((r) => {
        const fr = new FileReader();
        fr.onload = () => r(fr.result as string);
        fr.readAsDataURL(blob);
      });
      me = { ...me, avatar: url.replace('data:application/octet-stream', 'data:image/png'), has_avatar: true };
      return me;
    }
    case 'clear_avatar':
      me = { ...me, avatar: null, has_avatar: false };
      return me;
    case 'change_password':
      if (a.current !== PASSWORD) throw err('invalid_input', 'current password: is incorrect', { field: 'current password' });
      if (a.new.length < policy.min_password_length) throw err('invalid_input', `new password: must be at least ${policy.min_password_length} characters`, { field: 'new password' });
      return null;
    case 'policy':
      return policy;
    case 'list_permissions':
      return permissions;
    case 'list_keys':
      needSignIn();
      return keys.map((k) => ({ ...k, status: status(k) }));
    case 'create_key': {
      needSignIn();
      if (keys.some((k) => status(k) !== 'revoked' && k.name === a.name)) throw err('invalid_input', 'name: is already used by another of your keys', { field: 'name' });
      const lacking = (a.permissions as string[]).find((p) => !me.permissions.includes(p));
      if (lacking) throw err('invalid_input', `permissions: your account does not have ${lacking}`, { field: 'permissions' });
      const secret = secretFor(a.environment);
      const k = key({ name: a.name, environment: a.environment, kind: a.environment, permissions: a.permissions, created_at: iso(Date.now()), expires_at: expiryDate(a.expiry), hint: hintOf(secret), revealable: !!a.revealable, viewable: !!a.revealable });
      k.status = status(k);
      keys = [k, ...keys];
      issued.set(k.id, secret);
      if (a.revealable) revealable.set(k.id, secret);
      return { key: k, secret, old_stops_at: null };
    }
    case 'edit_key': {
      const k = keys.find((x) => x.id === a.id);
      if (!k) throw err('not_found', 'key not found');
      if (a.name !== undefined) k.name = a.name;
      if (a.permissions !== undefined) k.permissions = a.permissions;
      return k;
    }
    case 'regenerate_key': {
      needStepUp();
      const old = keys.find((x) => x.id === a.id);
      if (!old) throw err('not_found', 'key not found');
      const secret = secretFor(old.environment);
      const k = key({ ...old, id: crypto.randomUUID(), hint: hintOf(secret), created_at: iso(Date.now()), last_used_at: null });
      let stop = Date.now() + GRACE[a.grace as Grace];
      if (old.expires_at) stop = Math.min(stop, Date.parse(old.expires_at));
      old.revoked_at = iso(stop);
      old.replaced_by = k.id;
      old.status = status(old);
      keys = [k, ...keys];
      issued.set(k.id, secret);
      return { key: k, secret, old_stops_at: stop > Date.now() ? iso(stop) : null };
    }
    case 'revoke_key': {
      const k = keys.find((x) => x.id === a.id);
      if (!k) throw err('not_found', 'key not found');
      k.revoked_at = iso(Date.now());
      k.status = 'revoked';
      return k;
    }
    case 'confirm_password':
      if (mfa.enabled) {
        if (!checkCode(a.password)) throw wrongCode();
      } else if (a.password !== PASSWORD) throw err('bad_credentials', 'username or password is incorrect');
      stepUpUntil = Date.now() + 10 * 60_000;
      return null;
    case 'account_key':
      if (!me.is_admin) throw err('forbidden', 'not permitted: only administrators have an account key');
      return accountKey;
    case 'reveal_account_key':
      needStepUp();
      return accountSecret;
    case 'reset_account_key': {
      needStepUp();
      accountSecret = secretFor('acct');
      accountKey = { ...accountKey, id: crypto.randomUUID(), hint: hintOf(accountSecret), created_at: iso(Date.now()), last_used_at: null };
      issued.set(accountKey.id, accountSecret);
      return { key: accountKey, secret: accountSecret, old_stops_at: null };
    }
    case 'copy_key': {
      if (!issued.has(a.id) && a.id !== accountKey.id && !keys.some((k) => k.id === a.id && k.revealable && k.viewable)) throw err('no_secret', 'that key is no longer available to copy; regenerate it');
      if (!issued.has(a.id)) needStepUp();
      if (clipboardTimer) clearTimeout(clipboardTimer);
      const secs = settings.clipboard_clear_secs;
      if (secs !== null) clipboardTimer = setTimeout(() => emit('clipboard-cleared', { reason: 'timer' }), secs * 1000);
      return { clear_after_secs: secs };
    }
    case 'download_key': {
      if (!issued.has(a.id)) needStepUp();
      const k = [...keys, accountKey].find((x) => x.id === a.id);
      return { path: `/home/ada/Downloads/latchkey-${k?.name ?? 'key'}.json` };
    }
    case 'forget_secret':
      issued.delete(a.id);
      return null;
    case 'reveal_key': {
      needStepUp();
      const k = keys.find((x) => x.id === a.id);
      if (!k) throw err('not_found', 'key not found');
      if (!k.revealable || !k.viewable || !revealable.has(k.id)) throw err('no_secret', 'this key cannot be viewed');
      return revealable.get(k.id);
    }
    case 'mfa_status':
      needSignIn();
      return { enabled: mfa.enabled, pending: mfa.pending, recovery_codes_left: mfa.enabled ? mfa.codes.length : 0 };
    case 'mfa_enroll':
      needSignIn();
      if (mfa.enabled) throw err('conflict', 'two-step verification is already on; turn it off first');
      mfa.pending = true;
      return {
        qr: MFA_QR,
        secret: MFA_SECRET,
        uri: `otpauth://totp/Latchkey:${encodeURIComponent(me.username)}?secret=${MFA_SECRET}&issuer=Latchkey`,
      };
    case 'mfa_confirm':
      if (!mfa.pending) throw err('conflict', 'start the setup first');
      if (!/^\d{6}$/.test(normalise(a.code)) || normalise(a.code) === '000000')
        throw err('invalid_input', 'code: is not correct; check the time on your device and try the next code', { field: 'code' });
      mfa.enabled = true;
      mfa.pending = false;
      mfa.codes = newCodes();
      mfa.shown = [...mfa.codes];
      me = { ...me, mfa_enabled: true };
      stepUpUntil = q.get('stepup') === '0' ? Infinity : 0;
      return mfa.shown;
    case 'mfa_disable':
      needStepUp();
      mfa.enabled = false;
      mfa.codes = [];
      me = { ...me, mfa_enabled: false };
      return null;
    case 'mfa_new_recovery_codes':
      needStepUp();
      mfa.codes = newCodes();
      mfa.shown = [...mfa.codes];
      return mfa.shown;
    case 'copy_recovery_codes': {
      if (!mfa.shown) throw err('no_secret', 'The recovery codes are shown only once; generate new ones.');
      if (clipboardTimer) clearTimeout(clipboardTimer);
      const secs = settings.clipboard_clear_secs;
      if (secs !== null) clipboardTimer = setTimeout(() => emit('clipboard-cleared', { reason: 'timer' }), secs * 1000);
      return { clear_after_secs: secs };
    }
    case 'download_recovery_codes':
      if (!mfa.shown) throw err('no_secret', 'The recovery codes are shown only once; generate new ones.');
      return { path: `/home/ada/Downloads/latchkey-recovery-codes-${me.username}.txt` };
    case 'forget_recovery_codes':
      mfa.shown = null;
      return null;
    case 'settings':
      if (!signedIn) throw err('not_signed_in', 'You are signed out. Sign in again to continue.');
      return settings;
    case 'set_settings':
      if (!signedIn) throw err('not_signed_in', 'You are signed out. Sign in again to continue.');
      settings = a.settings;
      return settings;
    case 'touch_activity':
      return null;
    case 'api_status':
      return settings.api_enabled
        ? { running: true, url: `http://127.0.0.1:${settings.api_port ?? 7171}` }
        : { running: false, url: null };
  }
  // The administration pages keep their pretend data in files of their own.
  for (const more of extraHandlers) {
    const answer = more(cmd, a, { me, err, signedIn: () => signedIn });
    if (answer !== undefined) return answer;
  }
  throw err('internal_error', `the dev mock does not know ${cmd}`);
}

/** A mock for more commands: answers `undefined` for a command it does not know. */
export type ExtraHandler = (
  cmd: string,
  a: Record<string, any>,
  ctx: { me: Me; err: typeof err; signedIn: () => boolean },
) => unknown;
const extraHandlers: ExtraHandler[] = [];
export function addDevHandler(h: ExtraHandler) {
  extraHandlers.push(h);
}

export function installDevMock() {
  mockIPC((cmd, args) => (cmd === 'desktop_events' ? desktopEvents((args as { cursor?: number | null })?.cursor) : handle(cmd, (args ?? {}) as Record<string, any>)));
  console.info('Latchkey: running with the development IPC mock (sign-in password: %s)', PASSWORD);
  if (mfa.enabled) console.info('Latchkey: MFA is on: any 6-digit code but 000000 works; recovery codes: %s', mfa.codes.join(' '));
}
