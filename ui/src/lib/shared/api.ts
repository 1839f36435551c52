// Typed wrappers over the Tauri commands and events in docs/desktop-ipc.md. Every command
// the window calls goes through here; components never call `invoke` directly.
import { invoke } from '@tauri-apps/api/core';

/** A Rust event's name, and what it carries. */
export type EventName = DesktopEvent['event'];
export type EventPayload<N extends EventName> = Extract<DesktopEvent, { event: N }>['payload'];
type Listener = (payload: never) => void;

const listeners = new Map<EventName, Set<Listener>>();
// Bumped when the last listener leaves: a poll of an earlier generation stops.
let generation = 0;
let polling = false;

/**
 * Hear a Rust event until the returned function is called (an `onMount` cleanup). Rust
 * answers one long-poll command, `desktop_events`, rather than Tauri's events, whose
 * every `listen` costs the app's process a JavaScript engine (src-tauri/src/events.rs).
 * Without an event bridge (a plain browser) nothing is heard.
 */
export function onEvent<N extends EventName>(name: N, handler: (payload: EventPayload<N>) => void): () => void {
  const set = listeners.get(name) ?? new Set<Listener>();
  listeners.set(name, set);
  const listener = handler as Listener;
  set.add(listener);
  if (!polling) void poll(generation);
  return () => {
    set.delete(listener);
    if ([...listeners.values()].every((s) => s.size === 0)) {
      generation++;
      polling = false;
    }
  };
}

const RETRY_MS = 1000;

async function poll(mine: number): Promise<void> {
  polling = true;
  let cursor: number | null = null;
  while (mine === generation) {
    let batch: EventBatch;
    try {
      batch = await invoke<EventBatch>('desktop_events', { cursor });
    } catch {
      if (!('__TAURI_INTERNALS__' in window)) {
        if (mine === generation) polling = false;
        return;
      }
      // The app answers every poll; a failure is the bridge's, and passes.
      await new Promise((r) => setTimeout(r, RETRY_MS));
      continue;
    }
    if (mine !== generation) return;
    cursor = batch.cursor;
    for (const e of batch.events) {
      for (const h of listeners.get(e.event) ?? []) {
        try {
          (h as (p: typeof e.payload) => void)(e.payload);
        } catch (err) {
          // One listener's bug must not end the poll for the others.
          console.error(`latchkey: a listener of ${e.event} failed`, err);
        }
      }
    }
  }
}

import type {
  Access,
  Account,
  ApiStatus,
  AppState,
  Argon2Params,
  AuditEvent,
  AuditFilter,
  AuditPage,
  Country,
  ExportFormat,
  GroupImpact,
  Invitation,
  InvitationIssued,
  InvitationPreview,
  InvitationStatus,
  KeyQuota,
  Organisation,
  ResourceImpact,
  Group,
  ClipboardCleared,
  Code,
  Commands,
  Copied,
  DesktopEvent,
  EventBatch,
  EnrollmentView,
  Environment,
  ErrorBody,
  Expiry,
  Grace,
  Issued,
  KeyInfo,
  KeyStatus,
  Me,
  MfaStatus,
  PermissionInfo,
  Policy,
  Saved,
  SessionLocked,
  Settings,
  SignInResult,
} from './bindings';

// The types every command takes and returns are generated from Rust (bindings.ts); the
// names below are the ones the components use.
export type {
  Access,
  Account,
  ApiStatus,
  AppState,
  Argon2Params,
  AuditEvent,
  AuditFilter,
  AuditPage,
  Country,
  ExportFormat,
  Group,
  GroupImpact,
  Invitation,
  InvitationIssued,
  InvitationPreview,
  InvitationStatus,
  KeyQuota,
  Organisation,
  ResourceImpact,
  ClipboardCleared,
  Code,
  Environment,
  Expiry,
  Grace,
  Issued,
  KeyStatus,
  Me,
  MfaStatus,
  PermissionInfo,
  Policy,
  SessionLocked,
  Settings,
  SignInResult,
};
/** Why the session ended: idle time, the screen locking, the machine sleeping, Lock now. */
export type LockReason = SessionLocked['reason'];
/** The one error shape every Tauri command rejects with. */
export type ApiError = ErrorBody;
export type KeyView = KeyInfo;
export type CopyResult = Copied;
export type DownloadResult = Saved;
export type MfaEnrollment = EnrollmentView;

/** Recovery codes at or below this number are a warning. */
export const RECOVERY_CODES_LOW = 3;

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
  if (typeof value === 'string') return fromTauri(value);
  if (value instanceof Error) return { code: 'internal_error', message: value.message };
  return { code: 'internal_error', message: 'Something went wrong.' };
}

/**
 * Tauri refuses an argument of the wrong shape before the command runs, with text such as
 * "invalid args `expiry` for command `create_key`: expiry: must be a date YYYY-MM-DD":
 * that is bad input, for the field it names.
 */
function fromTauri(text: string): ApiError {
  const m = /^invalid args `([^`]+)` for command `[^`]+`: (.*)$/s.exec(text);
  if (!m) return { code: 'internal_error', message: text };
  const field = m[1].replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`);
  return { code: 'invalid_input', message: m[2], field };
}

// A command answering not_signed_in means the session ended behind the window's back
// (locked elsewhere, app restarted): the shell registers a handler that returns to sign-in.
let notSignedInHandler: (() => void) | null = null;

export function onNotSignedIn(handler: (() => void) | null): void {
  notSignedInHandler = handler;
}

async function call<K extends keyof Commands>(
  cmd: K,
  args?: Commands[K]['args'],
): Promise<Commands[K]['result']> {
  try {
    return await invoke<Commands[K]['result']>(cmd, args);
  } catch (e) {
    const err = toApiError(e);
    if (err.code === 'not_signed_in') notSignedInHandler?.();
    throw err;
  }
}

export const appState = () => call('app_state');

export const setup = (a: Commands['setup']['args']) => call('setup', a);

export const signIn = (login: string, password: string) =>
  call('sign_in', { login, password });
/** The second step of a sign-in with MFA: a TOTP code or a recovery code. */
export const signInCode = (code: string) => call('sign_in_code', { code });
export const signOut = () => call('sign_out');
/** Input in the window: postpones Rust's idle lock. Throttled by the caller (idle.ts). */
export const touchActivity = () => call('touch_activity');
/**
 * Lock now (the account menu, Ctrl+L): Rust ends the session as the idle lock does and
 * says so with `session-locked` (reason `manual`); the shell follows that event.
 */
export const lockNow = () => call('lock_now');

export const me = () => call('me');
export const updateProfile = (firstName: string, lastName: string, email: string) =>
  call('update_profile', { firstName, lastName, email });
export const setAvatar = (bytes: number[]) => call('set_avatar', { bytes });
export const clearAvatar = () => call('clear_avatar');
export const changePassword = (current: string, next: string, confirm: string) =>
  call('change_password', { current, new: next, confirm });
export const policy = () => call('policy');
/** Saves the whole policy (the core asks for step-up). */
export const setPolicy = (p: Policy) => call('set_policy', { policy: p });
/** Milliseconds one sign-in's password work takes on this machine with these parameters. */
export const argon2Cost = (params: Argon2Params) => call('argon2_cost', { params });
/** Whether another key may be made now, and if not, why. */
export const keyQuota = () => call('key_quota');

export const listPermissions = () => call('list_permissions');
export const listKeys = () => call('list_keys');
export const createKey = (a: {
  name: string;
  permissions: string[];
  environment: Environment;
  expiry: Expiry;
  /** Keep it encrypted so it can be viewed again later (after step-up). Sent only when true. */
  revealable?: boolean;
}) => call('create_key', a);
export const editKey = (id: string, changes: { name?: string; permissions?: string[] }) =>
  call('edit_key', { id, ...changes });
export const regenerateKey = (id: string, grace: Grace) =>
  call('regenerate_key', { id, grace });
export const revokeKey = (id: string) => call('revoke_key', { id });
export const confirmPassword = (password: string) => call('confirm_password', { password });

export const accountKey = () => call('account_key');
export const revealAccountKey = () => call('reveal_account_key');
export const resetAccountKey = () => call('reset_account_key');

export const copyKey = (id: string) => call('copy_key', { id });
export const downloadKey = (id: string) => call('download_key', { id });
export const forgetSecret = (id: string) => call('forget_secret', { id });

export const revealKey = (id: string) => call('reveal_key', { id });

export const mfaStatus = () => call('mfa_status');
export const mfaEnroll = () => call('mfa_enroll');
export const mfaConfirm = (code: string) => call('mfa_confirm', { code });
export const mfaDisable = () => call('mfa_disable');
export const mfaNewRecoveryCodes = () => call('mfa_new_recovery_codes');
export const copyRecoveryCodes = () => call('copy_recovery_codes');
export const downloadRecoveryCodes = () => call('download_recovery_codes');
export const forgetRecoveryCodes = () => call('forget_recovery_codes');

export const getSettings = () => call('settings');
export const setSettings = (settings: Settings) => call('set_settings', { settings });
export const apiStatus = () => call('api_status');
/** A copy of the whole store where the save dialog says (null when cancelled). */
export const backupStore = () => call('backup_store');

// Company details
export const organisation = () => call('organisation');
export const setOrganisation = (name: string, country: string) => call('set_organisation', { name, country });
export const countries = () => call('countries');

// Team members (administrators)
export const listAccounts = () => call('list_accounts');
export const createAccount = (a: Commands['create_account']['args']) => call('create_account', a);
export const setAccountDisabled = (username: string, disabled: boolean) =>
  call('set_account_disabled', { username, disabled });
export const setAccountAdmin = (username: string, admin: boolean) => call('set_account_admin', { username, admin });
/** How many viewable keys a password reset would make unviewable. */
export const resetPasswordImpact = (username: string) => call('reset_password_impact', { username });
export const resetPassword = (username: string, password: string, confirm: string) =>
  call('reset_password', { username, password, confirm });
export const resetMfa = (username: string) => call('reset_mfa', { username });

// Invitations: the code stays in Rust while its dialog is open (copy, email by id).
export const listInvitations = () => call('list_invitations');
export const createInvitation = (email: string, groups: string[], admin: boolean) =>
  call('create_invitation', { email, groups, admin });
export const reissueInvitation = (id: string) => call('reissue_invitation', { id });
export const revokeInvitation = (id: string) => call('revoke_invitation', { id });
export const copyInvitation = (id: string) => call('copy_invitation', { id });
/** Opens the system mail client with a mailto: link holding the code. */
export const emailInvitation = (id: string) => call('email_invitation', { id });
export const forgetInvitation = (id: string) => call('forget_invitation', { id });
export const previewInvitation = (code: string) => call('preview_invitation', { code });
export const redeemInvitation = (a: Commands['redeem_invitation']['args']) => call('redeem_invitation', a);

// Groups and custom permissions (administrators)
export const listGroups = () => call('list_groups');
export const createGroup = (name: string, permissions: string[] = []) => call('create_group', { name, permissions });
export const renameGroup = (name: string, newName: string) => call('rename_group', { name, newName });
export const groupImpact = (name: string) => call('group_impact', { name });
export const deleteGroup = (name: string) => call('delete_group', { name });
export const addGroupMember = (group: string, username: string) => call('add_group_member', { group, username });
export const removeGroupMember = (group: string, username: string) =>
  call('remove_group_member', { group, username });
/** One cell of the permission grid. */
export const setGroupAccess = (group: string, resource: string, access: Access) =>
  call('set_group_access', { group, resource, access });
export const createResource = (name: string, description: string) => call('create_resource', { name, description });
export const resourceImpact = (name: string) => call('resource_impact', { name });
export const deleteResource = (name: string) => call('delete_resource', { name });

// The audit log: administrators see everything, members their own activity.
export const auditPage = (filter: AuditFilter) => call('audit_page', { filter });
/** Writes the filtered events through the save dialog (null when cancelled). */
export const exportAudit = (filter: AuditFilter, format: ExportFormat) => call('export_audit', { filter, format });
