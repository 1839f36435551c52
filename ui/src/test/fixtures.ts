// Sample data and a recording IPC mock for the unit tests.
import { mockIPC } from '@tauri-apps/api/mocks';
import { desktopEvents } from '../dev/desktopEvents';
import type { KeyView, Me, PermissionInfo, Policy, Settings } from '../lib/shared/api';

export const DAY = 86_400_000;
export const iso = (t: number) => new Date(t).toISOString();

export function makeMe(over: Partial<Me> = {}): Me {
  return {
    id: 1,
    username: 'ada',
    first_name: 'Ada',
    last_name: 'Lovelace',
    email: 'ada@example.org',
    is_admin: false,
    disabled: false,
    groups: ['lab'],
    has_avatar: false,
    created_at: '2025-01-02T10:00:00Z',
    last_sign_in_at: null,
    mfa_enabled: false,
    permissions: ['account:read', 'account:write', 'keys:read', 'keys:write', 'samples:read'],
    avatar: null,
    ...over,
  };
}

export function makePolicy(over: Partial<Policy> = {}): Policy {
  return {
    min_password_length: 12,
    max_key_lifetime_days: null,
    allow_never_expiring: true,
    max_active_keys: null,
    argon2: { m_kib: 19456, t: 2, p: 1 },
    ...over,
  };
}

export const settings: Settings = { clipboard_clear_secs: 30, idle_lock_mins: 15, notify_expiring: true, close_to_tray: false };

export const resources: PermissionInfo[] = [
  { resource: 'account', description: 'Your profile', builtin: true },
  { resource: 'keys', description: 'Your API keys', builtin: true },
  { resource: 'samples', description: 'Sample registry', builtin: false },
];

let n = 0;
export function makeKey(over: Partial<KeyView> & { name: string }): KeyView {
  n++;
  return {
    id: `key-${n}`,
    hint: `lk_live_…${String(n).padStart(4, 'x')}`,
    kind: 'live',
    environment: 'live',
    permissions: ['samples:read'],
    account_key: false,
    revealable: false,
    viewable: false,
    created_at: iso(Date.now() - 10 * DAY),
    expires_at: iso(Date.now() + 30 * DAY),
    last_used_at: null,
    revoked_at: null,
    replaced_by: null,
    status: 'active',
    account: 'ada',
    ...over,
  };
}

export type Call = { cmd: string; args: Record<string, unknown> };
type Handler = (args: Record<string, any>, calls: Call[]) => unknown;

/**
 * Install mockIPC with one handler per command. Unknown commands reject like a missing
 * Tauri command would. Returns the list of calls (the event poll left out); with
 * `events`, `emit` (../dev/desktopEvents) reaches the window.
 */
export function backend(handlers: Record<string, Handler | unknown>, opts: { events?: boolean } = {}): Call[] {
  const calls: Call[] = [];
  mockIPC(
    (cmd, args) => {
      const a = (args ?? {}) as Record<string, unknown>;
      // The window's long poll for Rust's events: answered only when the test emits them.
      if (cmd === 'desktop_events') return opts.events ? desktopEvents(a.cursor as number | null) : new Promise(() => {});
      calls.push({ cmd, args: a });
      if (!(cmd in handlers)) throw { code: 'internal_error', message: `no mock for ${cmd}` };
      const h = handlers[cmd];
      return typeof h === 'function' ? (h as Handler)(a, calls) : h;
    },
  );
  return calls;
}

export const commands = (calls: Call[]) => calls.map((c) => c.cmd);

/** A rejection in the command error shape. */
export function fail(code: string, message: string, extra: Record<string, unknown> = {}): never {
  throw { code, message, ...extra };
}

/**
 * Fetches every lazily loaded screen (screens.ts) once, for a `beforeAll`: a test's waits
 * are then about the component's behaviour, not how long the test server takes to compile
 * a screen the first time.
 */
export async function loadScreens(): Promise<void> {
  const { screens } = await import('../screens');
  await Promise.all(Object.values(screens).map((load) => load()));
}
