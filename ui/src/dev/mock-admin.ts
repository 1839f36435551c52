// Development only: pretend data for the Groups, Policies and Audit log pages and the
// key quota (see mock.ts).
//
// mock.ts answers `policy`, `list_permissions` and `list_keys` itself, from objects it
// keeps; this file reaches the same objects by asking for them (the mock IPC hands back
// the objects themselves), so a policy saved or a resource added here is what those
// commands answer next.
//
// Step-up: the first set_policy answers step_up_required; the retry that follows the
// prompt is taken as proven for 10 minutes (this file cannot see the prompt's
// confirm_password, which mock.ts answers). ?stepup=0 never asks.
// ?gridfail=1: every change of the permission grid is refused (to see a cell restored).
// ?quota=1: the policy allows one active key (Create key says why it is disabled).
// For looking at long pages with scripts/ui-look.sh (its window is small): ?zoom=0.6
// draws the page smaller, ?scroll=900 scrolls down that many pixels once it has loaded,
// ?click=tab-keys clicks the element with that data-testid once the page has loaded
// (?click=nav-menu,menu-help: one after the other, half a second apart).
import { invoke } from '@tauri-apps/api/core';
import { addDevHandler } from './mock';
import type { Access, Account, AuditEvent, AuditFilter, Group, KeyView, PermissionInfo, Policy } from '../lib/shared/api';

const q = new URLSearchParams(location.search);
const DAY = 86_400_000;
const now = Date.now();
const iso = (t: number) => new Date(t).toISOString();

let nextId = 100;
function account(a: Partial<Account> & { username: string; first_name: string; last_name: string }): Account {
  return {
    id: nextId++,
    email: `${a.username.split('.')[0]}@analytical.example`,
    is_admin: false,
    disabled: false,
    groups: [],
    has_avatar: false,
    mfa_enabled: false,
    created_at: iso(now - 90 * DAY),
    last_sign_in_at: iso(now - 3 * DAY),
    ...a,
  };
}

const accounts: Account[] = [
  account({ id: 1, username: 'ada.lovelace', first_name: 'Ada', last_name: 'Lovelace', is_admin: true, groups: ['admins', 'sequencing'] }),
  account({ username: 'grace.hopper', first_name: 'Grace', last_name: 'Hopper', groups: ['sequencing'] }),
  account({ username: 'alan.turing', first_name: 'Alan', last_name: 'Turing', groups: ['wet-lab'] }),
  account({ username: 'rosalind.franklin', first_name: 'Rosalind', last_name: 'Franklin', groups: ['sequencing', 'wet-lab'] }),
];

let groupId = 1;
let groups: Group[] = [
  { id: groupId++, name: 'admins', permissions: [], members: ['ada.lovelace'] },
  { id: groupId++, name: 'sequencing', permissions: ['data:read', 'data:write', 'samples:read'], members: ['ada.lovelace', 'grace.hopper', 'rosalind.franklin'] },
  { id: groupId++, name: 'wet-lab', permissions: ['samples:read', 'samples:write'], members: ['alan.turing', 'rosalind.franklin'] },
];

let proofUntil = q.get('stepup') === '0' ? Infinity : 0;

// ---------- the audit log ----------

const OUTCOMES = ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'failed', 'refused', 'throttled'] as const;
const SAMPLES: { action: string; target: (who: string) => string | null; detail: string }[] = [
  { action: 'sign_in', target: (w) => `account ${w}`, detail: '' },
  { action: 'sign_out', target: (w) => `account ${w}`, detail: '' },
  { action: 'key.created', target: () => 'key 3hVq… (sequencer-upload)', detail: 'live; samples:read samples:write; expires in 90 days' },
  { action: 'key.copied', target: () => 'key 9xPa… (lab-dashboard)', detail: 'cleared after 30 s' },
  { action: 'key.downloaded', target: () => 'key 9xPa… (lab-dashboard)', detail: '/home/ada/Downloads/latchkey-lab-dashboard.json' },
  { action: 'key.regenerated', target: () => 'key Lm2c… (nightly-report)', detail: 'old key stops in 1 h' },
  { action: 'key.revoked', target: () => 'key Qq7T… (old-laptop)', detail: '' },
  { action: 'key.viewed', target: () => 'key 9xPa… (lab-dashboard)', detail: '' },
  { action: 'key.edited', target: () => 'key 3hVq… (sequencer-upload)', detail: 'permissions samples:read samples:write data:write' },
  { action: 'password.changed', target: (w) => `account ${w}`, detail: '' },
  { action: 'mfa.enabled', target: (w) => `account ${w}`, detail: '' },
  { action: 'mfa.recovery_code_used', target: (w) => `account ${w}`, detail: '9 left' },
  { action: 'group.member_added', target: () => 'group sequencing', detail: 'grace.hopper' },
  { action: 'group.permissions_set', target: () => 'group wet-lab', detail: 'granted samples:write; revoked none; now samples:read samples:write' },
  { action: 'permission.created', target: () => 'runs:read, runs:write', detail: '' },
  { action: 'policy.changed', target: () => null, detail: 'min password length 12; max key lifetime none; never-expiring keys allowed; max active keys 10; argon2 19456,2,1' },
  { action: 'invitation.created', target: () => 'invitation for marie@analytical.example', detail: 'groups wet-lab' },
  { action: 'account.disabled', target: () => 'account alan.turing', detail: '' },
  { action: 'org.changed', target: () => 'organisation', detail: 'name Analytical Engines Lab; country GB' },
  { action: 'audit.exported', target: () => null, detail: 'csv, 120 events' },
];
const WHO = ['ada.lovelace', 'ada.lovelace', 'grace.hopper', 'alan.turing', 'rosalind.franklin'];

// A small deterministic generator, so the log is the same on every reload.
let seed = 42;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];

const events: AuditEvent[] = [];
{
  let t = now - 36 * DAY;
  for (let id = 1; id <= 420; id++) {
    t += Math.floor(rand() * 4 * 3_600_000) + 60_000;
    const who = pick(WHO);
    const s = pick(SAMPLES);
    const outcome = s.action === 'sign_in' ? pick(OUTCOMES) : rand() < 0.06 ? 'refused' : 'ok';
    events.push({
      id,
      at: iso(Math.min(t, now - 60_000)),
      actor: s.action === 'sign_in' && outcome !== 'ok' && rand() < 0.3 ? null : who,
      action: s.action,
      target: s.target(who),
      outcome,
      detail: outcome === 'throttled' ? 'waiting 30 s after 6 failures' : outcome === 'failed' ? 'wrong password' : s.detail,
    });
  }
}

function audit(actor: string, action: string, target: string | null, detail = '', outcome = 'ok') {
  events.push({ id: events.length + 1, at: iso(Date.now()), actor, action, target, outcome, detail });
}

/** The core's date rule: a date YYYY-MM-DD (its start, or with `end` its last second, UTC) or RFC 3339. */
function moment(field: string, s: string, end: boolean, err: (c: string, m: string, x?: Record<string, unknown>) => unknown): number {
  const v = s.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) {
    const t = Date.parse(`${v}T${end ? '23:59:59' : '00:00:00'}Z`);
    if (!Number.isNaN(t)) return t;
  } else if (/^\d{4}-\d{2}-\d{2}T/.test(v) && !Number.isNaN(Date.parse(v))) return Date.parse(v);
  throw err('invalid_input', `${field}: must be a date YYYY-MM-DD or an RFC 3339 time`, { field });
}

function filtered(f: AuditFilter, me: { username: string; is_admin: boolean }, err: Parameters<typeof moment>[3]): AuditEvent[] {
  if (f.outcome && !['ok', 'failed', 'throttled', 'refused'].includes(f.outcome))
    throw err('invalid_input', 'outcome: must be ok, failed, throttled or refused', { field: 'outcome' });
  const since = f.since ? moment('since', f.since, false, err) : null;
  const until = f.until ? moment('until', f.until, true, err) : null;
  if (since !== null && until !== null && since > until) throw err('invalid_input', 'since: must not be after until', { field: 'since' });
  if (f.limit === 0) throw err('invalid_input', 'limit: must be at least 1', { field: 'limit' });
  const target = f.target?.toLowerCase();
  return events
    .filter((e) => me.is_admin || e.actor === me.username)
    .filter((e) => !f.actor || e.actor?.toLowerCase() === f.actor.toLowerCase())
    .filter((e) => !f.action || e.action.startsWith(f.action.replace(/%/g, '')))
    .filter((e) => !f.outcome || e.outcome === f.outcome)
    .filter((e) => since === null || Date.parse(e.at) >= since)
    .filter((e) => until === null || Date.parse(e.at) <= until)
    .filter((e) => !target || (e.target ?? '').toLowerCase().includes(target))
    .filter((e) => f.before == null || e.id < f.before)
    .sort((a, b) => b.id - a.id);
}

// ---------- helpers ----------

const fold = (s: string) => String(s).toLowerCase();
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

function accessOf(perms: string[], resource: string): Access {
  const r = perms.includes(`${resource}:read`);
  const w = perms.includes(`${resource}:write`);
  return r && w ? 'read_write' : r ? 'read' : w ? 'write' : 'none';
}

if (q.get('zoom')) document.documentElement.style.setProperty('zoom', q.get('zoom'));
if (q.get('scroll')) setTimeout(() => window.scrollTo(0, Number(q.get('scroll'))), 2500);
(q.get('click') ?? '')
  .split(',')
  .filter(Boolean)
  .forEach((id, i) => setTimeout(() => document.querySelector<HTMLElement>(`[data-testid="${CSS.escape(id)}"]`)?.click(), 1500 + 500 * i));

/** ?quota=1 is applied to mock.ts's policy when the key quota is first asked for. */
let quotaParam = q.get('quota') === '1';

addDevHandler((cmd, a, { me, err, signedIn }) => {
  const needSession = () => {
    if (!signedIn()) throw err('not_signed_in', 'sign in first');
  };
  const needAdmin = () => {
    needSession();
    if (!me.is_admin) throw err('forbidden', 'not permitted: only administrators may do this');
  };
  const group = (name: string) => {
    const g = groups.find((x) => fold(x.name) === fold(name));
    if (!g) throw err('not_found', `group "${name}" not found`);
    return g;
  };
  const groupName = (name: string) => {
    const v = String(name).trim();
    if (!/^[\p{L}\p{N}._-]{1,64}$/u.test(v)) throw err('invalid_input', "group: must be 1–64 letters, digits, '.', '_' or '-'", { field: 'group' });
    return v;
  };
  const copy = (g: Group): Group => ({ ...g, permissions: [...g.permissions].sort(), members: [...g.members] });

  switch (cmd) {
    // ---------- groups ----------
    case 'list_accounts':
      needAdmin();
      return accounts;
    case 'list_groups':
      needAdmin();
      return groups.map(copy);
    case 'create_group': {
      needAdmin();
      const name = groupName(a.name);
      if (groups.some((g) => fold(g.name) === fold(name))) throw err('invalid_input', 'group: already exists', { field: 'group' });
      const g: Group = { id: groupId++, name, permissions: a.permissions ?? [], members: [] };
      groups.push(g);
      audit(me.username, 'group.created', `group ${name}`);
      return copy(g);
    }
    case 'rename_group': {
      needAdmin();
      const g = group(a.name);
      const name = groupName(a.newName);
      if (fold(name) !== fold(g.name) && groups.some((x) => fold(x.name) === fold(name)))
        throw err('invalid_input', 'group: already exists', { field: 'group' });
      audit(me.username, 'group.renamed', `group ${g.name}`, `renamed to ${name}`);
      g.name = name;
      return copy(g);
    }
    case 'group_impact': {
      needAdmin();
      const g = group(a.name);
      return { members: g.members.length, permissions: [...g.permissions].sort() };
    }
    case 'delete_group': {
      needAdmin();
      const g = group(a.name);
      groups = groups.filter((x) => x !== g);
      audit(me.username, 'group.deleted', `group ${g.name}`);
      return null;
    }
    case 'add_group_member': {
      needAdmin();
      const g = group(a.group);
      const acct = accounts.find((x) => fold(x.username) === fold(a.username));
      if (!acct) throw err('not_found', `account "${a.username}" not found`);
      if (!g.members.some((m) => fold(m) === fold(acct.username))) g.members.push(acct.username);
      audit(me.username, 'group.member_added', `group ${g.name}`, acct.username);
      return copy(g);
    }
    case 'remove_group_member': {
      needAdmin();
      const g = group(a.group);
      if (!g.members.some((m) => fold(m) === fold(a.username))) throw err('not_found', `${a.username} in group ${g.name} not found`);
      g.members = g.members.filter((m) => fold(m) !== fold(a.username));
      audit(me.username, 'group.member_removed', `group ${g.name}`, a.username);
      return copy(g);
    }
    case 'set_group_access':
      return (async () => {
        needAdmin();
        await wait(350);
        const g = group(a.group);
        if (q.get('gridfail') === '1') throw err('store_busy', 'the store is busy; try again');
        const perms = await invoke<PermissionInfo[]>('list_permissions');
        if (!perms.some((p) => p.resource === a.resource))
          throw err('invalid_input', `permissions: unknown permission ${a.resource}:read`, { field: 'permissions' });
        const access = a.access as Access;
        const before = accessOf(g.permissions, a.resource);
        g.permissions = g.permissions.filter((p) => !p.startsWith(`${a.resource}:`));
        if (access === 'read' || access === 'read_write') g.permissions.push(`${a.resource}:read`);
        if (access === 'write' || access === 'read_write') g.permissions.push(`${a.resource}:write`);
        audit(me.username, 'group.permissions_set', `group ${g.name}`, `${a.resource}: ${before} → ${access}; now ${g.permissions.sort().join(' ') || 'none'}`);
        return copy(g);
      })();

    // ---------- custom permissions ----------
    case 'create_resource':
      return (async () => {
        needAdmin();
        const name = String(a.name).trim();
        if (!/^[a-z][a-z0-9_-]{0,31}$/.test(name))
          throw err('invalid_input', "resource: must be 1–32 lower-case letters, digits, '_' or '-', starting with a letter", { field: 'resource' });
        const description = String(a.description).trim();
        if (description.length > 200) throw err('invalid_input', 'description: must be at most 200 characters', { field: 'description' });
        const perms = await invoke<PermissionInfo[]>('list_permissions');
        if (perms.some((p) => p.resource === name)) throw err('invalid_input', 'resource: already exists', { field: 'resource' });
        const made: PermissionInfo = { resource: name, description, builtin: false };
        perms.push(made);
        audit(me.username, 'permission.created', `${name}:read, ${name}:write`);
        return made;
      })();
    case 'resource_impact':
      return (async () => {
        needAdmin();
        const perms = await invoke<PermissionInfo[]>('list_permissions');
        if (!perms.some((p) => p.resource === a.name)) throw err('not_found', `permission resource "${a.name}" not found`);
        const keys = await invoke<KeyView[]>('list_keys');
        return {
          groups: groups.filter((g) => g.permissions.some((p) => p.startsWith(`${a.name}:`))).length,
          active_keys: keys.filter((k) => (k.status === 'active' || k.status === 'expiring_soon') && k.permissions.some((p) => p.startsWith(`${a.name}:`))).length + 3,
        };
      })();
    case 'delete_resource':
      return (async () => {
        needAdmin();
        const perms = await invoke<PermissionInfo[]>('list_permissions');
        const i = perms.findIndex((p) => p.resource === a.name);
        if (i < 0) throw err('not_found', `permission resource "${a.name}" not found`);
        if (perms[i].builtin) throw err('forbidden', `${a.name} is built in and cannot be deleted`);
        perms.splice(i, 1);
        for (const g of groups) g.permissions = g.permissions.filter((p) => !p.startsWith(`${a.name}:`));
        audit(me.username, 'permission.deleted', a.name);
        return null;
      })();

    // ---------- policy ----------
    case 'set_policy':
      return (async () => {
        needAdmin();
        if (Date.now() > proofUntil) {
          proofUntil = Date.now() + 10 * 60_000;
          throw err('step_up_required', "confirm it's you: this action needs your password (or an MFA code) again");
        }
        const p = a.policy as Policy;
        if (p.min_password_length < 8 || p.min_password_length > 128)
          throw err('invalid_input', 'min password length: must be between 8 and 128', { field: 'min password length' });
        if (p.max_key_lifetime_days !== null && (p.max_key_lifetime_days < 1 || p.max_key_lifetime_days > 3650))
          throw err('invalid_input', 'max key lifetime: must be between 1 and 3650 days', { field: 'max key lifetime' });
        if (p.max_active_keys !== null && (p.max_active_keys < 1 || p.max_active_keys > 10_000))
          throw err('invalid_input', 'max active keys: must be between 1 and 10000', { field: 'max active keys' });
        checkArgon2(p.argon2);
        const current = await invoke<Policy>('policy');
        Object.assign(current, structuredClone(p));
        audit(me.username, 'policy.changed', null, `min password length ${p.min_password_length}; argon2 ${p.argon2.m_kib},${p.argon2.t},${p.argon2.p}`);
        return current;
      })();
    case 'argon2_cost':
      return (async () => {
        needAdmin();
        checkArgon2(a.params);
        const { m_kib, t, p } = a.params as Policy['argon2'];
        // Roughly what a laptop does: about 1 ms per MiB and pass, lanes up to 4 in parallel.
        const ms = Math.round(((m_kib / 1024) * t * 1.1) / Math.min(p, 4)) * 2;
        await wait(300 + Math.min(ms, 1500));
        return ms;
      })();
    case 'key_quota':
      return (async () => {
        needSession();
        const [keys, policy] = await Promise.all([invoke<KeyView[]>('list_keys'), invoke<Policy>('policy')]);
        if (quotaParam) {
          quotaParam = false;
          policy.max_active_keys = 1;
        }
        const active = keys.filter((k) => k.status === 'active' || k.status === 'expiring_soon').length;
        const max = policy.max_active_keys;
        const blocked =
          max === 1 && active >= 1
            ? 'one key at a time: delete the current key first'
            : max !== null && active >= max
              ? `the policy allows ${max} active keys and you have ${active}: revoke one first`
              : null;
        return { active, max, blocked };
      })();

    // ---------- audit ----------
    case 'audit_page': {
      needSession();
      const f = a.filter as AuditFilter;
      const all = filtered(f, me, err);
      const limit = f.limit ?? 100;
      return { events: all.slice(0, limit), more: all.length > limit };
    }
    case 'export_audit': {
      needSession();
      const f = a.filter as AuditFilter;
      const n = filtered(f, me, err).length;
      audit(me.username, 'audit.exported', null, `${a.format}, ${n} events`);
      return { path: `/home/ada/Documents/latchkey-audit.${a.format === 'csv' ? 'csv' : 'json'}` };
    }
  }
  return undefined;

  function checkArgon2(x: Policy['argon2']) {
    if (!(x.m_kib >= 19456 && x.m_kib <= 1048576)) throw err('invalid_input', 'argon2 memory: must be between 19456 and 1048576 KiB', { field: 'argon2 memory' });
    if (!(x.t >= 2 && x.t <= 20)) throw err('invalid_input', 'argon2 iterations: must be between 2 and 20', { field: 'argon2 iterations' });
    if (!(x.p >= 1 && x.p <= 16)) throw err('invalid_input', 'argon2 lanes: must be between 1 and 16', { field: 'argon2 lanes' });
  }
});
