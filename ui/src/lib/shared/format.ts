// Small pure helpers: dates, initials, field errors, labels.
import type { ApiError, Grace, KeyStatus, KeyView } from './api';

// Each formatter is built on first use: building one loads ICU's locale data (megabytes,
// and time), which the sign-in screen has no use for (BENCHMARKS.md, "Desktop").
const formatter = (options: Intl.DateTimeFormatOptions) => {
  let made: Intl.DateTimeFormat | undefined;
  return () => (made ??= new Intl.DateTimeFormat(undefined, options));
};
const DATE: Intl.DateTimeFormatOptions = { year: 'numeric', month: 'short', day: 'numeric' };
const TIME: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit' };
const dateFmt = formatter(DATE);
const dateTimeFmt = formatter({ ...DATE, ...TIME });
const timeFmt = formatter(TIME);
const secondsFmt = formatter({ ...DATE, ...TIME, second: '2-digit' });

function parse(iso: string | null | undefined): Date | null {
  if (!iso) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function formatDate(iso: string | null | undefined): string {
  const d = parse(iso);
  return d ? dateFmt().format(d) : '—';
}

export function formatDateTime(iso: string | null | undefined): string {
  const d = parse(iso);
  return d ? dateTimeFmt().format(d) : '—';
}

/** Date and time to the second (the audit log); what Rust sent when it is not a date. */
export function formatInstant(iso: string): string {
  const d = parse(iso);
  return d ? secondsFmt().format(d) : iso;
}

/** "14:05" today, otherwise date and time. */
export function formatWhen(iso: string | null | undefined, now = new Date()): string {
  const d = parse(iso);
  if (!d) return '—';
  return d.toDateString() === now.toDateString() ? timeFmt().format(d) : dateTimeFmt().format(d);
}

/** "in 3 days", "2 h ago", "just now". */
export function relative(iso: string | null | undefined, now = Date.now()): string {
  const d = parse(iso);
  if (!d) return '';
  const diff = d.getTime() - now;
  const abs = Math.abs(diff);
  const future = diff > 0;
  const min = 60_000;
  const hour = 60 * min;
  const day = 24 * hour;
  let text: string;
  if (abs < min) return future ? 'in under a minute' : 'just now';
  if (abs < hour) text = `${Math.round(abs / min)} min`;
  else if (abs < day) text = `${Math.round(abs / hour)} h`;
  else {
    const days = Math.round(abs / day);
    text = days === 1 ? '1 day' : `${days} days`;
  }
  return future ? `in ${text}` : `${text} ago`;
}

/** Today's date in the local time zone as YYYY-MM-DD (what a date input holds). */
export function localDateString(d = new Date()): string {
  const y = d.getFullYear();
  const m = String(d.getMonth() + 1).padStart(2, '0');
  const day = String(d.getDate()).padStart(2, '0');
  return `${y}-${m}-${day}`;
}

export function addDays(d: Date, days: number): Date {
  const copy = new Date(d);
  copy.setDate(copy.getDate() + days);
  return copy;
}

export function displayName(p: { first_name: string; last_name: string; username: string }): string {
  const full = `${p.first_name ?? ''} ${p.last_name ?? ''}`.trim();
  return full || p.username;
}

export function initials(p: { first_name: string; last_name: string; username: string }): string {
  const first = (p.first_name ?? '').trim();
  const last = (p.last_name ?? '').trim();
  if (first || last) return ((first[0] ?? '') + (last[0] ?? '')).toUpperCase();
  const parts = p.username.split(/[._-]+/).filter(Boolean);
  if (parts.length >= 2) return (parts[0][0] + parts[1][0]).toUpperCase();
  return p.username.slice(0, 2).toUpperCase();
}

// Eight hues dark enough for white text (contrast ≥ 4.5:1).
const AVATAR_COLOURS = ['#1d3f8f', '#0f6b5c', '#7a3e9d', '#a3402a', '#2f6b1f', '#8a4b00', '#1f5f8b', '#9b2d5f'];

/** A colour chosen from the username, the same every time (FNV-1a hash). */
export function avatarColour(username: string): string {
  let h = 0x811c9dc5;
  for (const ch of username.toLowerCase()) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return AVATAR_COLOURS[h % AVATAR_COLOURS.length];
}

export const STATUS_LABEL: Record<KeyStatus, string> = {
  active: 'Active',
  expiring_soon: 'Expiring soon',
  expired: 'Expired',
  revoked: 'Revoked',
};

export const GRACE_CHOICES: { value: Grace; label: string; detail: string }[] = [
  { value: 'immediately', label: 'Immediately', detail: 'The old key stops working now.' },
  { value: 'minutes15', label: '15 minutes', detail: 'Time to swap a single script.' },
  { value: 'hour1', label: '1 hour', detail: '' },
  { value: 'hours6', label: '6 hours', detail: '' },
  { value: 'hours24', label: '24 hours', detail: 'For programs deployed in many places.' },
];

/** The old key of a regeneration still in its grace period: stops at `revoked_at`. */
export function rotatingUntil(k: KeyView, now = Date.now()): string | null {
  if (!k.replaced_by || !k.revoked_at || k.status === 'revoked') return null;
  const d = parse(k.revoked_at);
  if (!d || d.getTime() <= now) return null;
  return k.revoked_at;
}

/** Strip the "field: " prefix the core puts on validation messages, for inline display. */
export function fieldMessage(err: ApiError): string {
  let msg = err.message;
  if (err.field && msg.toLowerCase().startsWith(`${err.field.toLowerCase()}: `)) {
    msg = msg.slice(err.field.length + 2);
  } else {
    msg = msg.replace(/^[a-z][a-z_ ]{0,40}: /, '');
  }
  return msg.charAt(0).toUpperCase() + msg.slice(1);
}

/** Capitalise a message from a command for display on its own. */
export function sentence(msg: string): string {
  const m = msg.trim();
  if (!m) return 'Something went wrong.';
  const s = m.charAt(0).toUpperCase() + m.slice(1);
  return /[.!?…]$/.test(s) ? s : `${s}.`;
}

/**
 * Route a command error to a form field: returns the form's field key when `err.field`
 * names one of `fields` (a map from the command's field names to the form's), else null.
 */
export function fieldFor(err: ApiError, fields: Record<string, string>): string | null {
  if (err.code !== 'invalid_input' || !err.field) return null;
  return fields[err.field.toLowerCase()] ?? null;
}

export function formatSeconds(secs: number): string {
  if (secs < 60) return `${secs} s`;
  const m = Math.floor(secs / 60);
  const s = secs % 60;
  return s ? `${m} min ${s} s` : `${m} min`;
}

/** A refused TOTP or recovery code ("code: is not correct, …") as "That code is not correct, …." */
export function codeMessage(err: ApiError): string {
  const msg = fieldMessage(err);
  return /^is /i.test(msg) ? sentence(`That code ${msg.charAt(0).toLowerCase()}${msg.slice(1)}`) : sentence(msg);
}
