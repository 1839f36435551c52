// Typed wrappers over the Tauri commands and events in docs/desktop-ipc.md. Every command
// the window calls goes through here; components never call `invoke` directly.
import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';

/**
 * Hear a Rust event until the returned function is called (an `onMount` cleanup). The
 * subscription is asynchronous: one that completes after cleanup is undone at once.
 * Without an event bridge (a plain browser) nothing is heard.
 */
export function onEvent<T>(name: string, handler: (payload: T | undefined) => void): () => void {
  let unlisten: (() => void) | null = null;
  let gone = false;
  Promise.resolve()
    .then(() => listen<T>(name, (e) => handler(e.payload ?? undefined)))
    .then((fn) => {
      if (gone) fn();
      else unlisten = fn;
    })
    .catch(() => {});
  return () => {
    gone = true;
    unlisten?.();
  };
}

/** The one error shape every Tauri command rejects with. */
export interface ApiError {
  code: string;
  message: string;
  /** For invalid_input: which form field ("name", "email", "new password", …). */
  field?: string;
  /** For throttled: how long to wait. */
  retry_after_secs?: number;
}

export type KeyStatus = 'active' | 'expiring_soon' | 'expired' | 'revoked';
export type Environment = 'live' | 'test';

export interface Me {
  id: number;
  username: string;
  first_name: string;
  last_name: string;
  email: string | null;
  is_admin: boolean;
  disabled: boolean;
  groups: string[];
  has_avatar: boolean;
  created_at: string;
  /** Two-step verification (TOTP) is on: step-up asks for a code instead of the password. */
  mfa_enabled: boolean;
  /** "resource:action", the account's current permissions. */
  permissions: string[];
  /** "data:image/png;base64,…" (256×256) or null → draw initials. */
  avatar: string | null;
}

export interface KeyView {
  id: string;
  name: string;
  hint: string;
  kind: 'live' | 'test' | 'acct';
  environment: Environment;
  permissions: string[];
  account_key: boolean;
  revealable: boolean;
  viewable: boolean;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  /** When it stopped — or, during a regeneration grace period, will stop — working. */
  revoked_at: string | null;
  replaced_by: string | null;
  status: KeyStatus;
  account: string;
}

export interface Issued {
  key: KeyView;
  secret: string;
}

export interface Policy {
  min_password_length: number;
  max_key_lifetime_days: number | null;
  allow_never_expiring: boolean;
  max_active_keys: number | null;
  argon2: { m_kib: number; t: number; p: number };
}

export interface PermissionInfo {
  resource: string;
  description: string;
  builtin: boolean;
}

export interface Settings {
  /** null = never; else 10..=300. */
  clipboard_clear_secs: number | null;
  /** 1..=240. */
  idle_lock_mins: number;
  /** Serve the loopback JSON API from the app. Absent from older Rust builds. */
  api_enabled?: boolean;
  /** 1024..=65535, default 7171. */
  api_port?: number;
}

export interface ApiStatus {
  running: boolean;
  url: string | null;
}

export type Expiry =
  | { type: 'days'; value: 7 | 30 | 60 | 90 }
  | { type: 'on'; value: string }
  | { type: 'never' };

export type Grace = 'immediately' | 'minutes15' | 'hour1' | 'hours6' | 'hours24';

export interface SignInResult {
  me: Me;
  expiring_soon: KeyView[];
  secrets_lost: boolean;
  /** An administrator turned two-step verification off since the last sign-in. Absent from older Rust builds. */
  mfa_reset?: boolean;
  /** With MFA on: unused recovery codes left (warn at 3 or fewer); null when MFA is off. */
  recovery_codes_left: number | null;
}

export interface AppState {
  initialized: boolean;
  me: Me | null;
  store_path: string;
  settings: Settings;
  policy: Policy;
}

export interface CopyResult {
  clear_after_secs: number | null;
}

export interface DownloadResult {
  path: string;
}

export interface MfaStatus {
  enabled: boolean;
  /** Enrolment started but not yet confirmed with a first code. */
  pending: boolean;
  recovery_codes_left: number;
}

export interface MfaEnrollment {
  /** "data:image/png;base64,…" of `uri`. */
  qr: string;
  /** Base32 text, for entering by hand. */
  secret: string;
  /** otpauth://totp/Latchkey:<user>?… */
  uri: string;
}

/** Recovery codes at or below this number are a warning. */
export const RECOVERY_CODES_LOW = 3;

/**
 * What became of a copied secret (event `clipboard-cleared`): cleared by its timer or by
 * a lock, replaced by something another app copied (left alone), or a clear that failed
 * (it may still be there).
 */
export interface ClipboardCleared {
  reason: 'timer' | 'lock' | 'exit' | 'replaced' | 'failed';
}

/** Event `session-locked`: Rust ended the session after the idle time from Settings. */
export interface SessionLocked {
  reason: 'idle';
  idle_lock_mins: number | null;
}

export function isApiError(value: unknown): value is ApiError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ApiError).code === 'string' &&
    typeof (value as ApiError).message === 'string'
  );
}

/** Turn whatever a rejected `invoke` gave us into an ApiError. */
export function toApiError(value: unknown): ApiError {
  if (isApiError(value)) {
    const e: ApiError = { code: value.code, message: value.message };
    if (typeof value.field === 'string') e.field = value.field;
    if (typeof value.retry_after_secs === 'number') e.retry_after_secs = value.retry_after_secs;
    return e;
  }
  if (typeof value === 'string') return { code: 'internal', message: value };
  if (value instanceof Error) return { code: 'internal', message: value.message };
  return { code: 'internal', message: 'Something went wrong.' };
}

// A command answering not_signed_in means the session ended behind the window's back
// (locked elsewhere, app restarted): the shell registers a handler that returns to sign-in.
let notSignedInHandler: (() => void) | null = null;

export function onNotSignedIn(handler: (() => void) | null): void {
  notSignedInHandler = handler;
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    const err = toApiError(e);
    if (err.code === 'not_signed_in') notSignedInHandler?.();
    throw err;
  }
}

export const appState = () => call<AppState>('app_state');

export const setup = (a: {
  username: string;
  email: string;
  firstName: string;
  lastName: string;
  password: string;
  confirm: string;
}) => call<SignInResult>('setup', a);

export const signIn = (login: string, password: string) =>
  call<SignInResult>('sign_in', { login, password });
/** The second step of a sign-in with MFA: a TOTP code or a recovery code. */
export const signInCode = (code: string) => call<SignInResult>('sign_in_code', { code });
export const signOut = () => call<null>('sign_out');
/** Input in the window: postpones Rust's idle lock. Throttled by the caller (idle.ts). */
export const touchActivity = () => call<null>('touch_activity');

export const me = () => call<Me>('me');
export const updateProfile = (firstName: string, lastName: string, email: string) =>
  call<Me>('update_profile', { firstName, lastName, email });
export const setAvatar = (bytes: number[]) => call<Me>('set_avatar', { bytes });
export const clearAvatar = () => call<Me>('clear_avatar');
export const changePassword = (current: string, next: string, confirm: string) =>
  call<null>('change_password', { current, new: next, confirm });
export const policy = () => call<Policy>('policy');

export const listPermissions = () => call<PermissionInfo[]>('list_permissions');
export const listKeys = () => call<KeyView[]>('list_keys');
export const createKey = (a: {
  name: string;
  permissions: string[];
  environment: Environment;
  expiry: Expiry;
  /** Keep it encrypted so it can be viewed again later (after step-up). Sent only when true. */
  revealable?: boolean;
}) => call<Issued>('create_key', a);
export const editKey = (id: string, changes: { name?: string; permissions?: string[] }) =>
  call<KeyView>('edit_key', { id, ...changes });
export const regenerateKey = (id: string, grace: Grace) =>
  call<Issued>('regenerate_key', { id, grace });
export const revokeKey = (id: string) => call<KeyView>('revoke_key', { id });
export const confirmPassword = (password: string) => call<null>('confirm_password', { password });

export const accountKey = () => call<KeyView>('account_key');
export const revealAccountKey = () => call<string>('reveal_account_key');
export const resetAccountKey = () => call<Issued>('reset_account_key');

export const copyKey = (id: string) => call<CopyResult>('copy_key', { id });
export const downloadKey = (id: string) => call<DownloadResult | null>('download_key', { id });
export const forgetSecret = (id: string) => call<null>('forget_secret', { id });

export const revealKey = (id: string) => call<string>('reveal_key', { id });

export const mfaStatus = () => call<MfaStatus>('mfa_status');
export const mfaEnroll = () => call<MfaEnrollment>('mfa_enroll');
export const mfaConfirm = (code: string) => call<string[]>('mfa_confirm', { code });
export const mfaDisable = () => call<null>('mfa_disable');
export const mfaNewRecoveryCodes = () => call<string[]>('mfa_new_recovery_codes');
export const copyRecoveryCodes = () => call<CopyResult>('copy_recovery_codes');
export const downloadRecoveryCodes = () => call<DownloadResult | null>('download_recovery_codes');
export const forgetRecoveryCodes = () => call<null>('forget_recovery_codes');

export const getSettings = () => call<Settings>('settings');
export const setSettings = (settings: Settings) => call<Settings>('set_settings', { settings });
export const apiStatus = () => call<ApiStatus>('api_status');
