// Development only: pretend data for the Company and Team pages and for redeeming an
// invitation on the sign-in screen (see mock.ts).
//
// Step-up: the first command that needs a fresh proof answers step_up_required; the retry
// that follows the prompt is taken as proven for 10 minutes (this file cannot see the
// prompt's confirm_password, which mock.ts answers). ?stepup=0 never asks.
// Redeeming: any code that passes the format check is accepted, except codes ending in
// "used0", "exp00", "rev00" (used, expired, withdrawn); a code ending in "zzzz" is
// unknown. Five unknown codes in a row throttle for 30 s.
import { invoke } from '@tauri-apps/api/core';
import { addDevHandler } from './mock';
import { emit } from './desktopEvents';
import type { Account, Country, Group, Invitation, InvitationStatus, Organisation } from '../lib/shared/api';

const q = new URLSearchParams(location.search);
const DAY = 86_400_000;
const now = Date.now();
const iso = (t: number) => new Date(t).toISOString();

let org: Organisation = { name: 'Analytical Engines Lab', country: 'GB' };

const COUNTRIES: Country[] = [
  { code: 'AU', name: 'Australia' },
  { code: 'AT', name: 'Austria' },
  { code: 'BE', name: 'Belgium' },
  { code: 'CA', name: 'Canada' },
  { code: 'DK', name: 'Denmark' },
  { code: 'FR', name: 'France' },
  { code: 'DE', name: 'Germany' },
  { code: 'IE', name: 'Ireland' },
  { code: 'NL', name: 'Netherlands' },
  { code: 'NZ', name: 'New Zealand' },
  { code: 'CH', name: 'Switzerland' },
  { code: 'GB', name: 'United Kingdom of Great Britain and Northern Ireland' },
  { code: 'US', name: 'United States of America' },
  { code: 'AX', name: 'Åland Islands' },
];

const groups: Group[] = [
  { id: 1, name: 'admins', permissions: ['samples:read', 'samples:write', 'data:read', 'data:write'], members: ['ada.lovelace'] },
  { id: 2, name: 'sequencing', permissions: ['samples:read', 'data:write'], members: ['ada.lovelace', 'charles', 'grace.h'] },
  { id: 3, name: 'wet-lab', permissions: ['samples:read', 'samples:write'], members: ['rosalind', 'barbara'] },
];

let nextId = 10;
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

let accounts: Account[] = [
  account({ id: 1, username: 'ada.lovelace', first_name: 'Ada', last_name: 'Lovelace', email: 'ada@analytical.example', is_admin: true, groups: ['admins', 'sequencing'], created_at: iso(now - 120 * DAY), last_sign_in_at: iso(now - 60_000) }),
  account({ username: 'charles', first_name: 'Charles', last_name: 'Babbage', groups: ['sequencing'], mfa_enabled: true, last_sign_in_at: iso(now - 5 * 3_600_000) }),
  account({ username: 'grace.h', first_name: 'Grace', last_name: 'Hopper', groups: ['sequencing'], last_sign_in_at: iso(now - 26 * DAY) }),
  account({ username: 'rosalind', first_name: 'Rosalind', last_name: 'Franklin', groups: ['wet-lab'], mfa_enabled: true, last_sign_in_at: iso(now - 2 * DAY) }),
  account({ username: 'barbara', first_name: 'Barbara', last_name: 'McClintock', groups: ['wet-lab'], disabled: true, last_sign_in_at: iso(now - 70 * DAY) }),
  account({ username: 'svc-sequencer', first_name: '', last_name: '', email: null, groups: ['sequencing'], last_sign_in_at: null }),
];

function invitation(i: Partial<Invitation> & { email: string; status: InvitationStatus }): Invitation {
  const created = i.created_at ?? iso(now - 2 * DAY);
  return {
    id: crypto.randomUUID(),
    groups: [],
    admin: false,
    hint: `lk_inv_…${Math.random().toString(36).slice(2, 6)}`,
    invited_by: 'ada.lovelace',
    created_at: created,
    expires_at: iso(Date.parse(created) + 7 * DAY),
    accepted_by: null,
    accepted_at: null,
    ...i,
  };
}

let invitations: Invitation[] = [
  invitation({ email: 'dorothy@analytical.example', status: 'pending', groups: ['wet-lab'], created_at: iso(now - 1 * DAY) }),
  invitation({ email: 'alan.t@analytical.example', status: 'pending', groups: ['sequencing'], admin: true, created_at: iso(now - 3 * 3_600_000) }),
  invitation({ email: 'katherine@analytical.example', status: 'expired', groups: ['sequencing'], created_at: iso(now - 12 * DAY) }),
  invitation({ email: 'grace@analytical.example', status: 'accepted', groups: ['sequencing'], created_at: iso(now - 30 * DAY), accepted_by: 'grace.h', accepted_at: iso(now - 29 * DAY) }),
  invitation({ email: 'hedy@example.org', status: 'revoked', created_at: iso(now - 20 * DAY) }),
];
if (q.get('empty') === '1') invitations = [];

/** Codes of invitations issued in this session, by invitation id (the app keeps them in Rust). */
const codes = new Map<string, string>();
/** Invitation ids whose code is still on screen (until forget_invitation). */
const held = new Set<string>();

const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
function newCode() {
  let s = '';
  for (const b of crypto.getRandomValues(new Uint8Array(36))) s += B62[b % 62];
  return `lk_inv_${s}`;
}

let proofUntil = q.get('stepup') === '0' ? Infinity : 0;
let proofAsked = false;
function needProof(err: (code: string, message: string) => unknown) {
  if (Date.now() < proofUntil) return;
  if (proofAsked) {
    proofAsked = false;
    proofUntil = Date.now() + 10 * 60_000;
    return;
  }
  proofAsked = true;
  throw err('step_up_required', "confirm it's you: this action needs your password (or an MFA code) again");
}

let wrongCodes = 0;
let throttledUntil = 0;

function byUsername(u: string) {
  return accounts.find((a) => a.username.toLowerCase() === String(u).toLowerCase());
}

function otherActiveAdmins(username: string) {
  return accounts.filter((a) => a.is_admin && !a.disabled && a.username !== username).length;
}

let clipboardTimer: ReturnType<typeof setTimeout> | null = null;

let addedGroupsFallback = false;

addDevHandler((cmd, a, { me, err, signedIn }) => {
  // list_groups is the Groups page's: answer it only if mock-admin.ts does not. Handlers
  // are asked in order and this one is asked first, so the fallback goes last, added once
  // every file has registered its own.
  if (!addedGroupsFallback) {
    addedGroupsFallback = true;
    addDevHandler((c) => (c === 'list_groups' ? groups : undefined));
  }
  const needSession = () => {
    if (!signedIn()) throw err('not_signed_in', 'sign in first');
  };
  const needAdmin = () => {
    needSession();
    if (!me.is_admin) throw err('forbidden', 'not permitted: only administrators may do this');
  };
  // Ada's own row follows the signed-in account (?admin=0 makes her a member).
  accounts[0] = { ...accounts[0], is_admin: me.is_admin, mfa_enabled: me.mfa_enabled };

  switch (cmd) {
    case 'organisation':
      needSession();
      return org;
    case 'set_organisation': {
      needAdmin();
      const name = String(a.name).trim();
      if (!name || name.length > 100) throw err('invalid_input', 'name: must be 1–100 characters', { field: 'name' });
      const code = String(a.country).trim().toUpperCase();
      if (!COUNTRIES.some((c) => c.code === code))
        throw err('invalid_input', 'country: must be an ISO 3166-1 alpha-2 code such as DE or NZ', { field: 'country' });
      org = { name, country: code };
      return org;
    }
    case 'countries':
      return [...COUNTRIES].sort((x, y) => x.name.localeCompare(y.name));

    case 'list_accounts':
      needAdmin();
      return accounts;
    case 'create_account': {
      needAdmin();
      if (!/^[\p{L}\p{N}._-]{1,64}$/u.test(a.username)) throw err('invalid_input', "username: may contain only letters, digits, '.', '_' and '-'", { field: 'username' });
      if (byUsername(a.username)) throw err('invalid_input', 'username: is already taken', { field: 'username' });
      if (a.email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(a.email)) throw err('invalid_input', 'email: must be a valid address like name@example.org', { field: 'email' });
      if (a.password !== a.confirm) throw err('invalid_input', 'confirm password: does not match the new password', { field: 'confirm password' });
      if (String(a.password).length < 12) throw err('invalid_input', 'password: must be at least 12 characters', { field: 'password' });
      if (String(a.password).toLowerCase() === String(a.username).toLowerCase()) throw err('invalid_input', 'password: must not be the same as the username', { field: 'password' });
      const created = account({
        username: a.username,
        first_name: a.firstName,
        last_name: a.lastName,
        email: a.email || null,
        is_admin: !!a.isAdmin,
        groups: a.groups ?? [],
        created_at: iso(Date.now()),
        last_sign_in_at: null,
      });
      accounts = [...accounts, created];
      return created;
    }
    case 'set_account_disabled': {
      needAdmin();
      const acc = byUsername(a.username);
      if (!acc) throw err('not_found', 'account not found');
      if (acc.username === me.username) throw err('forbidden', 'not permitted: you cannot disable your own account');
      if (a.disabled && acc.is_admin && otherActiveAdmins(acc.username) === 0)
        throw err('forbidden', 'not permitted: the last administrator cannot be disabled');
      acc.disabled = !!a.disabled;
      return acc;
    }
    case 'set_account_admin': {
      needAdmin();
      needProof(err);
      const acc = byUsername(a.username);
      if (!acc) throw err('not_found', 'account not found');
      if (!a.admin && otherActiveAdmins(acc.username) === 0)
        throw err('forbidden', 'not permitted: the last administrator cannot be removed');
      acc.is_admin = !!a.admin;
      return acc;
    }
    case 'reset_password_impact': {
      needAdmin();
      const acc = byUsername(a.username);
      if (!acc) throw err('not_found', 'account not found');
      return acc.username === 'charles' ? 3 : acc.username === 'rosalind' ? 1 : 0;
    }
    case 'reset_password': {
      needAdmin();
      if (a.password !== a.confirm) throw err('invalid_input', 'confirm password: does not match the new password', { field: 'confirm password' });
      needProof(err);
      const acc = byUsername(a.username);
      if (!acc) throw err('not_found', 'account not found');
      if (acc.username === me.username)
        throw err('forbidden', 'not permitted: use change password for your own account (it keeps your viewable keys)');
      if (String(a.password).length < 12) throw err('invalid_input', 'new password: must be at least 12 characters', { field: 'new password' });
      if (String(a.password).toLowerCase() === acc.username.toLowerCase()) throw err('invalid_input', 'new password: must not be the same as the username', { field: 'new password' });
      const lost = acc.username === 'charles' ? 3 : acc.username === 'rosalind' ? 1 : 0;
      acc.mfa_enabled = false;
      return lost;
    }
    case 'reset_mfa': {
      needAdmin();
      needProof(err);
      const acc = byUsername(a.username);
      if (!acc) throw err('not_found', 'account not found');
      acc.mfa_enabled = false;
      return null;
    }

    case 'list_invitations': {
      needAdmin();
      const t = Date.now();
      for (const i of invitations) if (i.status === 'pending' && Date.parse(i.expires_at) <= t) i.status = 'expired';
      return invitations;
    }
    case 'create_invitation': {
      needAdmin();
      const email = String(a.email).trim();
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) throw err('invalid_input', 'email: must be a valid address like name@example.org', { field: 'email' });
      if (accounts.some((x) => x.email?.toLowerCase() === email.toLowerCase())) throw err('invalid_input', 'email: already belongs to an account', { field: 'email' });
      if (a.admin) needProof(err);
      const code = newCode();
      const inv = invitation({ email, status: 'pending', groups: a.groups ?? [], admin: !!a.admin, created_at: iso(Date.now()), hint: `lk_inv_…${code.slice(-4)}`, invited_by: me.username });
      invitations = [inv, ...invitations];
      codes.set(inv.id, code);
      held.add(inv.id);
      return { invitation: inv, code };
    }
    case 'reissue_invitation': {
      needAdmin();
      const old = invitations.find((i) => i.id === a.id);
      if (!old) throw err('not_found', 'invitation not found');
      if (old.status === 'accepted') throw err('conflict', 'this invitation was already used');
      if (old.status === 'revoked') throw err('conflict', 'this invitation was withdrawn; invite again instead');
      if (old.admin) needProof(err);
      const code = newCode();
      const inv = invitation({ ...old, id: crypto.randomUUID(), status: 'pending', created_at: iso(Date.now()), hint: `lk_inv_…${code.slice(-4)}`, invited_by: me.username });
      inv.expires_at = iso(Date.now() + 7 * DAY);
      old.status = 'revoked';
      held.delete(old.id);
      invitations = [inv, ...invitations];
      codes.set(inv.id, code);
      held.add(inv.id);
      return { invitation: inv, code };
    }
    case 'revoke_invitation': {
      needAdmin();
      const inv = invitations.find((i) => i.id === a.id);
      if (!inv) throw err('not_found', 'invitation not found');
      if (inv.status !== 'pending') throw err('conflict', `this invitation is ${inv.status}`);
      inv.status = 'revoked';
      held.delete(inv.id);
      return inv;
    }
    case 'copy_invitation': {
      needAdmin();
      if (!held.has(a.id)) throw err('no_secret', "This invitation's code is shown only once. Re-issue the invitation to get a new code.");
      if (clipboardTimer) clearTimeout(clipboardTimer);
      const secs = 30;
      clipboardTimer = setTimeout(() => emit('clipboard-cleared', { reason: 'timer' }), secs * 1000);
      return { clear_after_secs: secs };
    }
    case 'email_invitation':
      needAdmin();
      if (!held.has(a.id)) throw err('no_secret', "This invitation's code is shown only once. Re-issue the invitation to get a new code.");
      if (q.get('opener') === '0') throw err('opener_unavailable', 'no program to open the mail link with was found: copy the code instead');
      return null;
    case 'forget_invitation':
      held.delete(a.id);
      return null;

    case 'preview_invitation':
    case 'redeem_invitation': {
      if (Date.now() < throttledUntil)
        throw err('throttled', `too many failed attempts; try again in ${Math.ceil((throttledUntil - Date.now()) / 1000)} s`, {
          retry_after_secs: Math.ceil((throttledUntil - Date.now()) / 1000),
        });
      const code = String(a.code).trim();
      if (/^lk_(live|test|acct)_/.test(code))
        throw err('invalid_input', 'code: is an API key, not an invitation code (an invitation code starts with lk_inv_)', { field: 'code' });
      if (!/^lk_inv_[0-9A-Za-z]{36}$/.test(code))
        throw err('invalid_input', 'code: is not an invitation code: check it for a typo (it starts with lk_inv_)', { field: 'code' });
      if (code.endsWith('zzzz')) {
        if (++wrongCodes >= 5) throttledUntil = Date.now() + 30_000;
        throw err('invitation_unknown', 'code: no invitation has this code; check it against the one you were sent');
      }
      wrongCodes = 0;
      if (code.endsWith('used0')) throw err('invitation_used', 'this invitation was already used; sign in instead');
      if (code.endsWith('exp00')) throw err('invitation_expired', 'this invitation has expired; ask an administrator to send a new one');
      if (code.endsWith('rev00')) throw err('invitation_revoked', 'this invitation was withdrawn by an administrator');
      const issuedFor = [...codes.entries()].find(([, c]) => c === code)?.[0];
      const inv = invitations.find((i) => i.id === issuedFor) ?? invitations.find((i) => i.status === 'pending')!;
      if (cmd === 'preview_invitation')
        return { organisation: org.name, email: inv?.email ?? 'new.member@analytical.example', admin: !!inv?.admin, expires_at: inv?.expires_at ?? iso(Date.now() + 6 * DAY) };
      if (!/^[\p{L}\p{N}._-]{1,64}$/u.test(a.username)) throw err('invalid_input', "username: may contain only letters, digits, '.', '_' and '-'", { field: 'username' });
      if (byUsername(a.username)) throw err('invalid_input', 'username: is already taken', { field: 'username' });
      if (a.password !== a.confirm) throw err('invalid_input', 'confirm password: does not match the new password', { field: 'confirm password' });
      if (String(a.password).length < 12) throw err('invalid_input', 'password: must be at least 12 characters', { field: 'password' });
      if (inv) {
        inv.status = 'accepted';
        inv.accepted_by = a.username;
        inv.accepted_at = iso(Date.now());
      }
      accounts = [...accounts, account({ username: a.username, first_name: a.firstName, last_name: a.lastName, email: inv?.email ?? null, is_admin: !!inv?.admin, groups: inv?.groups ?? [], created_at: iso(Date.now()), last_sign_in_at: iso(Date.now()) })];
      // mock.ts keeps who is signed in to itself; its setup command is the one way in
      // that takes a new username, so the new member lands signed in (as it sees them).
      return invoke('setup', {
        username: a.username,
        email: inv?.email ?? '',
        firstName: a.firstName,
        lastName: a.lastName,
        password: a.password,
        confirm: a.confirm,
      }).then((r) => {
        const res = r as { me: Account };
        return { ...res, me: { ...res.me, is_admin: !!inv?.admin, groups: inv?.groups ?? [] }, mfa_reset: false };
      });
    }
  }
  return undefined;
});
