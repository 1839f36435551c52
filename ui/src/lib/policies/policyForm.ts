// The policy form's values as typed, checked the way the core checks them
// (crates/core/src/model/policy.rs), so most mistakes show before a round trip.
import type { Argon2Params, Policy } from '../shared/api';

export type PolicyField = 'min' | 'lifetime' | 'keys' | 'memory' | 'passes' | 'lanes';
export type PolicyErrors = Partial<Record<PolicyField, string>>;

/** What the inputs hold (number inputs may hand back numbers, or null when empty). */
export interface PolicyInputs {
  min: unknown;
  lifetime: unknown;
  allowNever: boolean;
  keys: unknown;
  memoryMib: unknown;
  passes: unknown;
  lanes: unknown;
}

/** The field names the core uses in its errors, mapped to the form's. */
export const SERVER_FIELDS: Record<string, PolicyField> = {
  'min password length': 'min',
  'max key lifetime': 'lifetime',
  'max active keys': 'keys',
  'argon2 memory': 'memory',
  'argon2 iterations': 'passes',
  'argon2 passes': 'passes',
  'argon2 lanes': 'lanes',
};

/** OWASP's minimum for argon2id (and the core's). */
export const OWASP = { m_kib: 19 * 1024, t: 2, p: 1 } as const;
export const MAX_KIB = 1024 * 1024;

const text = (v: unknown) => (v === null || v === undefined ? '' : String(v).trim());

function whole(v: unknown): number | null {
  const s = text(v);
  return /^\d+$/.test(s) ? Number(s) : null;
}

/** Memory as the form shows it: MiB, with up to two decimals when not a whole number. */
export function mibText(kib: number): string {
  return String(Math.round((kib / 1024) * 100) / 100);
}

export function toInputs(p: Policy): PolicyInputs {
  return {
    min: String(p.min_password_length),
    lifetime: p.max_key_lifetime_days === null ? '' : String(p.max_key_lifetime_days),
    allowNever: p.allow_never_expiring,
    keys: p.max_active_keys === null ? '' : String(p.max_active_keys),
    memoryMib: mibText(p.argon2.m_kib),
    passes: String(p.argon2.t),
    lanes: String(p.argon2.p),
  };
}

/**
 * The argon2 parameters typed, or what is wrong with them. `keepKib` is the memory the
 * policy holds now: when the MiB shown for it is unchanged it is sent as it was.
 */
export function argon2From(
  f: Pick<PolicyInputs, 'memoryMib' | 'passes' | 'lanes'>,
  keepKib?: number,
): { params: Argon2Params; errors: PolicyErrors } {
  const errors: PolicyErrors = {};
  const mibs = text(f.memoryMib);
  const mib = mibs === '' ? NaN : Number(mibs);
  let m_kib = Number.isFinite(mib) ? Math.round(mib * 1024) : NaN;
  if (keepKib !== undefined && mibs === mibText(keepKib)) m_kib = keepKib;
  if (!Number.isFinite(m_kib) || m_kib < OWASP.m_kib || m_kib > MAX_KIB)
    errors.memory = 'Must be from 19 MiB (OWASP’s minimum for argon2id) to 1024 MiB.';
  const t = whole(f.passes);
  if (t === null || t < OWASP.t || t > 20) errors.passes = 'Must be a whole number from 2 (OWASP’s minimum) to 20.';
  const p = whole(f.lanes);
  if (p === null || p < OWASP.p || p > 16) errors.lanes = 'Must be a whole number from 1 to 16.';
  return { params: { m_kib, t: t ?? NaN, p: p ?? NaN }, errors };
}

/** The whole policy typed, or what is wrong with it. */
export function policyFrom(f: PolicyInputs, keepKib?: number): { policy: Policy | null; errors: PolicyErrors } {
  const errors: PolicyErrors = {};
  const min = whole(f.min);
  if (min === null || min < 8 || min > 128) errors.min = 'Must be a whole number from 8 to 128.';
  let lifetime: number | null = null;
  if (text(f.lifetime) !== '') {
    lifetime = whole(f.lifetime);
    if (lifetime === null || lifetime < 1 || lifetime > 3650)
      errors.lifetime = 'Must be a whole number of days from 1 to 3650, or empty for no limit.';
  }
  let keys: number | null = null;
  if (text(f.keys) !== '') {
    keys = whole(f.keys);
    if (keys === null || keys < 1 || keys > 10_000) errors.keys = 'Must be a whole number from 1 to 10000, or empty for no limit.';
  }
  const a = argon2From(f, keepKib);
  Object.assign(errors, a.errors);
  if (Object.keys(errors).length) return { policy: null, errors };
  return {
    policy: {
      min_password_length: min!,
      max_key_lifetime_days: lifetime,
      allow_never_expiring: f.allowNever,
      max_active_keys: keys,
      argon2: a.params,
    },
    errors,
  };
}

/** "85 ms", "1.2 s". */
export function formatCost(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
