// Generated from the Rust types by `cargo test -p latchkey-desktop bindings`; do not edit.
// Rewrite it with `UPDATE_BINDINGS=1 cargo test -p latchkey-desktop bindings`.

/**
 * An account's row id.
 */
export type AccountId = number;

/**
 * A group's row id.
 */
export type GroupId = number;

/**
 * An API key's public identifier: random, so ids reveal nothing about how many keys exist.
 */
export type KeyId = string;

/**
 * One permission, such as `keys:write` or `samples:read`; `"resource:action"` in JSON.
 */
export type Permission = string;

/**
 * Every code a user or a program can receive, from the core or from an adapter.
 */
export type Code = "invalid_input" | "bad_credentials" | "throttled" | "account_disabled" | "mfa_required" | "invalid_key" | "forbidden" | "step_up_required" | "not_found" | "conflict" | "policy_violation" | "already_initialized" | "not_initialized" | "store_refused" | "store_too_new" | "store_busy" | "store_unavailable" | "storage_error" | "io_error" | "internal_error" | "invitation_unknown" | "invitation_used" | "invitation_expired" | "invitation_revoked" | "not_signed_in" | "sign_in_expired" | "no_secret" | "clipboard_unavailable" | "opener_unavailable" | "usage_error" | "missing_key" | "invalid_host" | "body_too_large" | "unsupported_media_type" | "method_not_allowed";

/**
 * What adapters send to a user or a program when an action fails.
 */
export type ErrorBody = { code: Code, message: string, 
/**
 * For `invalid_input`: which form field ("name", "email", "new password", …).
 */
field?: string, 
/**
 * For `throttled`: how long to wait.
 */
retry_after_secs?: number, };

export type Account = { id: AccountId, username: string, first_name: string, last_name: string, email: string | null, is_admin: boolean, disabled: boolean, groups: Array<string>, has_avatar: boolean, 
/**
 * Two-step verification (TOTP) is on: step-up asks for a code instead of the password.
 */
mfa_enabled: boolean, created_at: string, last_sign_in_at: string | null, };

/**
 * What a key is for; the middle part of the key text.
 */
export type KeyKind = "live" | "test" | "acct" | "inv";

export type Environment = "live" | "test";

export type KeyStatus = "active" | "expiring_soon" | "expired" | "revoked";

/**
 * What the list shows of a key. Never the secret.
 */
export type KeyInfo = { id: KeyId, name: string, hint: string, kind: KeyKind, environment: Environment, 
/**
 * The permissions the key was given (an account key: all of the account's).
 */
permissions: Array<Permission>, account_key: boolean, 
/**
 * The secret can be viewed again after step-up.
 */
revealable: boolean, 
/**
 * The account's owner can view it now (false after an administrator's reset).
 */
viewable: boolean, created_at: string, expires_at: string | null, last_used_at: string | null, 
/**
 * When it stopped (or, during a regeneration grace period, will stop) working.
 */
revoked_at: string | null, replaced_by: KeyId | null, status: KeyStatus, account: string, };

/**
 * When a new key stops working. In JSON: `{"type": "days", "value": 30}`,
 * `{"type": "on", "value": "2031-01-31"}` or `{"type": "never"}`.
 */
export type Expiry = { "type": "days", "value": number } | { "type": "on", "value": string } | { "type": "never" };

/**
 * How long a regenerated key's predecessor keeps working.
 */
export type Grace = "immediately" | "minutes15" | "hour1" | "hours6" | "hours24";

/**
 * argon2id cost parameters. Never below OWASP's recommendation.
 */
export type Argon2Params = { 
/**
 * Memory in KiB.
 */
m_kib: number, 
/**
 * Iterations.
 */
t: number, 
/**
 * Lanes.
 */
p: number, };

export type Policy = { min_password_length: number, 
/**
 * Longest lifetime a new key may have; `None` for no limit.
 */
max_key_lifetime_days: number | null, 
/**
 * Whether keys that never expire may be created (only when there is no maximum).
 */
allow_never_expiring: boolean, 
/**
 * Most active keys an account may hold (the account key not counted); `None` for no limit.
 */
max_active_keys: number | null, argon2: Argon2Params, };

/**
 * A permission resource the store knows, for the grid and the create-key dialog.
 */
export type PermissionInfo = { resource: string, description: string, builtin: boolean, };

export type Group = { id: GroupId, name: string, permissions: Array<Permission>, members: Array<string>, };

export type MfaStatus = { enabled: boolean, 
/**
 * Enrolment started but not yet confirmed with a first code.
 */
pending: boolean, recovery_codes_left: number, };

export type AuditEvent = { id: number, at: string, 
/**
 * The acting account's username, if the actor is known.
 */
actor: string | null, 
/**
 * What happened, e.g. `key.created`, `sign_in`.
 */
action: string, 
/**
 * What it happened to, e.g. `key 3hV… (ci deploy)`.
 */
target: string | null, 
/**
 * `ok`, `failed`, `throttled`, `refused`.
 */
outcome: string, detail: string, };

/**
 * Which events to list; newest first. Every condition given must hold.
 */
export type AuditFilter = { 
/**
 * Only events by this username.
 */
actor?: string, 
/**
 * Only actions starting with this text (`key.`, `sign_in`).
 */
action?: string, 
/**
 * Only this outcome: `ok`, `failed`, `throttled` or `refused`.
 */
outcome?: string, 
/**
 * Only events at or after this moment (RFC 3339, or a date for its start, UTC).
 */
since?: string, 
/**
 * Only events at or before this moment (RFC 3339, or a date for its end, UTC).
 */
until?: string, 
/**
 * Only events whose target contains this text, in any case.
 */
target?: string, 
/**
 * Only events older than this one (the next page starts where a page ended).
 */
before?: number, 
/**
 * At most this many (100 unless given; at most 100 000).
 */
limit?: number, };

/**
 * One page of the audit log.
 */
export type AuditPage = { events: Array<AuditEvent>, 
/**
 * Older events match too: ask again with `before` set to the last event's id.
 */
more: boolean, };

/**
 * The audit log's export formats.
 */
export type ExportFormat = "csv" | "json";

/**
 * One cell of the permission grid: what a group may do with one resource.
 */
export type Access = "none" | "read" | "write" | "read_write";

/**
 * What deleting a group takes away.
 */
export type GroupImpact = { members: number, 
/**
 * What the group grants them ("resource:action").
 */
permissions: Array<string>, };

/**
 * What deleting a custom permission resource takes away.
 */
export type ResourceImpact = { 
/**
 * Groups that grant it.
 */
groups: number, 
/**
 * Keys in use (not revoked or expired) that were given it.
 */
active_keys: number, };

/**
 * The account's keys in use against the policy's limit.
 */
export type KeyQuota = { active: number, 
/**
 * `null`: no limit.
 */
max: number | null, 
/**
 * Why no key can be made now, when none can.
 */
blocked: string | null, };

/**
 * Name (1–100 characters) and country (ISO 3166-1 alpha-2); both empty until set.
 */
export type Organisation = { name: string, country: string, };

/**
 * A country as the picker lists it.
 */
export type Country = { 
/**
 * ISO 3166-1 alpha-2, upper case.
 */
code: string, name: string, };

export type InvitationStatus = "pending" | "accepted" | "expired" | "revoked";

/**
 * An invitation as the team page lists it. Never its code.
 */
export type Invitation = { id: string, email: string, groups: Array<string>, admin: boolean, status: InvitationStatus, 
/**
 * `lk_inv_…` and the code's last four characters.
 */
hint: string, invited_by: string | null, created_at: string, expires_at: string, 
/**
 * The account it made, once accepted.
 */
accepted_by: string | null, accepted_at: string | null, };

/**
 * What a person redeeming a code is shown before choosing a username.
 */
export type InvitationPreview = { organisation: string, email: string, admin: boolean, expires_at: string, };

export type SecretText = string;

export type Settings = { 
/**
 * Seconds before a copied secret is cleared, 10 to 300; `None` never clears (not
 * advised).
 */
clipboard_clear_secs: number | null, 
/**
 * Minutes without keyboard or mouse activity before the window locks, 1 to 240.
 */
idle_lock_mins: number, 
/**
 * Serve the loopback JSON API from the app while it runs. (Optional when sent: a
 * missing one is off.)
 */
api_enabled?: boolean, 
/**
 * 1024 to 65535; 7171 unless set.
 */
api_port?: number, 
/**
 * A desktop notification when keys expire within 7 days: at sign-in and once a day
 * while the app stays open. On unless turned off.
 */
notify_expiring?: boolean, 
/**
 * Closing the window keeps Latchkey running in the tray (signed out of nothing: the
 * idle and screen locks still apply). Off unless chosen.
 */
close_to_tray?: boolean, };

/**
 * Whether the app serves the JSON API now, and at which address.
 */
export type ApiStatus = { running: boolean, url: string | null, };

/**
 * The signed-in account as the window shows it.
 */
export type Me = { 
/**
 * "resource:action", the account's current permissions.
 */
permissions: Array<string>, 
/**
 * "data:image/png;base64,…" (256×256), or null to draw initials.
 */
avatar: string | null, id: AccountId, username: string, first_name: string, last_name: string, email: string | null, is_admin: boolean, disabled: boolean, groups: Array<string>, has_avatar: boolean, 
/**
 * Two-step verification (TOTP) is on: step-up asks for a code instead of the password.
 */
mfa_enabled: boolean, created_at: string, last_sign_in_at: string | null, };

export type SignInResult = { me: Me, expiring_soon: Array<KeyInfo>, secrets_lost: boolean, 
/**
 * An administrator turned two-step verification off since the last sign-in.
 */
mfa_reset: boolean, 
/**
 * With MFA on: unused recovery codes left (the window warns at 3 or fewer).
 */
recovery_codes_left: number | null, };

export type AppState = { initialized: boolean, me: Me | null, store_path: string, settings: Settings, policy: Policy, };

/**
 * A key as the window shows it once: the description and the secret.
 */
export type Issued = { key: KeyInfo, secret: SecretText, 
/**
 * After a regeneration with a grace period: when the old key stops (RFC 3339).
 */
old_stops_at: string | null, };

/**
 * An invitation as the window shows it once: the description and the code.
 */
export type InvitationIssued = { invitation: Invitation, code: SecretText, };

/**
 * What the enrolment screen shows: the QR code (PNG data URL), the secret as text, and
 * the `otpauth://` URI it encodes.
 */
export type EnrollmentView = { qr: string, secret: SecretText, uri: SecretText, };

/**
 * A copied secret, and when it leaves the clipboard (`null`: never).
 */
export type Copied = { clear_after_secs: number | null, };

/**
 * Where a download was saved (`null` when the save dialog was cancelled).
 */
export type Saved = { path: string, };

/**
 * Event `clipboard-cleared` (see `events`): what became of a copied secret.
 */
export type ClipboardCleared = { 
/**
 * `timer` or `lock` (cleared), `exit`, `replaced` (another app copied something; left
 * alone) or `failed` (it may still be there).
 */
reason: 'timer' | 'lock' | 'exit' | 'replaced' | 'failed', };

/**
 * Event `session-locked` (see `events`): Rust ended the session: after the idle time
 * from Settings (`idle`, with that time), when the screen locked (`screen`), before the
 * machine slept (`sleep`), or when asked to (`manual`: Lock now, Ctrl+L or the tray).
 */
export type SessionLocked = { reason: 'idle' | 'screen' | 'sleep' | 'manual', idle_lock_mins: number | null, };

/**
 * One thing Rust tells the window.
 */
export type DesktopEvent = { "event": "session-locked", "payload": SessionLocked } | { "event": "clipboard-cleared", "payload": ClipboardCleared };

/**
 * The answer to `desktop_events`: what happened after the window's cursor, and the
 * cursor to send next time.
 */
export type EventBatch = { cursor: number, events: Array<DesktopEvent>, };

/** Every command: the arguments the window sends (camelCase, as Tauri expects) and
 * what it answers. On failure every command rejects with an `ErrorBody`. */
export interface Commands {
  account_key: { args: Record<string, never>; result: KeyInfo };
  add_group_member: { args: { group: string; username: string }; result: Group };
  api_status: { args: Record<string, never>; result: ApiStatus };
  app_state: { args: Record<string, never>; result: AppState };
  argon2_cost: { args: { params: Argon2Params }; result: number };
  audit_page: { args: { filter: AuditFilter }; result: AuditPage };
  backup_store: { args: Record<string, never>; result: Saved | null };
  change_password: { args: { current: string; new: string; confirm: string }; result: null };
  clear_avatar: { args: Record<string, never>; result: Me };
  confirm_password: { args: { password: string }; result: null };
  copy_invitation: { args: { id: string }; result: Copied };
  copy_key: { args: { id: string }; result: Copied };
  copy_recovery_codes: { args: Record<string, never>; result: Copied };
  countries: { args: Record<string, never>; result: Array<Country> };
  create_account: { args: { username: string; firstName: string; lastName: string; email: string; isAdmin: boolean; groups: Array<string>; password: string; confirm: string }; result: Account };
  create_group: { args: { name: string; permissions: Array<string> }; result: Group };
  create_invitation: { args: { email: string; groups: Array<string>; admin: boolean }; result: InvitationIssued };
  create_key: { args: { name: string; permissions: Array<string>; environment: Environment; expiry: Expiry; revealable?: boolean | null }; result: Issued };
  create_resource: { args: { name: string; description: string }; result: PermissionInfo };
  delete_group: { args: { name: string }; result: null };
  delete_resource: { args: { name: string }; result: null };
  desktop_events: { args: { cursor?: number | null }; result: EventBatch };
  download_key: { args: { id: string }; result: Saved | null };
  download_recovery_codes: { args: Record<string, never>; result: Saved | null };
  edit_key: { args: { id: string; name?: string | null; permissions?: Array<string> | null }; result: KeyInfo };
  email_invitation: { args: { id: string }; result: null };
  export_audit: { args: { filter: AuditFilter; format: ExportFormat }; result: Saved | null };
  forget_invitation: { args: { id: string }; result: null };
  forget_recovery_codes: { args: Record<string, never>; result: null };
  forget_secret: { args: { id: string }; result: null };
  group_impact: { args: { name: string }; result: GroupImpact };
  key_quota: { args: Record<string, never>; result: KeyQuota };
  list_accounts: { args: Record<string, never>; result: Array<Account> };
  list_groups: { args: Record<string, never>; result: Array<Group> };
  list_invitations: { args: Record<string, never>; result: Array<Invitation> };
  list_keys: { args: Record<string, never>; result: Array<KeyInfo> };
  list_permissions: { args: Record<string, never>; result: Array<PermissionInfo> };
  lock_now: { args: Record<string, never>; result: null };
  me: { args: Record<string, never>; result: Me };
  mfa_confirm: { args: { code: string }; result: Array<SecretText> };
  mfa_disable: { args: Record<string, never>; result: null };
  mfa_enroll: { args: Record<string, never>; result: EnrollmentView };
  mfa_new_recovery_codes: { args: Record<string, never>; result: Array<SecretText> };
  mfa_status: { args: Record<string, never>; result: MfaStatus };
  organisation: { args: Record<string, never>; result: Organisation };
  policy: { args: Record<string, never>; result: Policy };
  preview_invitation: { args: { code: string }; result: InvitationPreview };
  redeem_invitation: { args: { code: string; username: string; firstName: string; lastName: string; password: string; confirm: string }; result: SignInResult };
  regenerate_key: { args: { id: string; grace: Grace }; result: Issued };
  reissue_invitation: { args: { id: string }; result: InvitationIssued };
  remove_group_member: { args: { group: string; username: string }; result: Group };
  rename_group: { args: { name: string; newName: string }; result: Group };
  reset_account_key: { args: Record<string, never>; result: Issued };
  reset_mfa: { args: { username: string }; result: null };
  reset_password: { args: { username: string; password: string; confirm: string }; result: number };
  reset_password_impact: { args: { username: string }; result: number };
  resource_impact: { args: { name: string }; result: ResourceImpact };
  reveal_account_key: { args: Record<string, never>; result: SecretText };
  reveal_key: { args: { id: string }; result: SecretText };
  revoke_invitation: { args: { id: string }; result: Invitation };
  revoke_key: { args: { id: string }; result: KeyInfo };
  set_account_admin: { args: { username: string; admin: boolean }; result: Account };
  set_account_disabled: { args: { username: string; disabled: boolean }; result: Account };
  set_avatar: { args: { bytes: Array<number> }; result: Me };
  set_group_access: { args: { group: string; resource: string; access: Access }; result: Group };
  set_organisation: { args: { name: string; country: string }; result: Organisation };
  set_policy: { args: { policy: Policy }; result: Policy };
  set_settings: { args: { settings: Settings }; result: Settings };
  settings: { args: Record<string, never>; result: Settings };
  setup: { args: { username: string; email: string; firstName: string; lastName: string; password: string; confirm: string }; result: SignInResult };
  sign_in: { args: { login: string; password: string }; result: SignInResult };
  sign_in_code: { args: { code: string }; result: SignInResult };
  sign_out: { args: Record<string, never>; result: null };
  touch_activity: { args: Record<string, never>; result: null };
  update_profile: { args: { firstName: string; lastName: string; email: string }; result: Me };
}
