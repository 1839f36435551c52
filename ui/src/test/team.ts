// Sample accounts and invitations for the Team page tests.
import type { Account, Group, Invitation } from '../lib/shared/api';
import { DAY, iso } from './fixtures';

let n = 100;
export function makeAccount(over: Partial<Account> & { username: string }): Account {
  n++;
  return {
    id: n,
    first_name: '',
    last_name: '',
    email: `${over.username}@example.org`,
    is_admin: false,
    disabled: false,
    groups: [],
    has_avatar: false,
    mfa_enabled: false,
    created_at: iso(Date.now() - 40 * DAY),
    last_sign_in_at: iso(Date.now() - 2 * DAY),
    ...over,
  };
}

export function makeInvitation(over: Partial<Invitation> & { email: string }): Invitation {
  n++;
  return {
    id: `inv-${n}`,
    groups: [],
    admin: false,
    status: 'pending',
    hint: `lk_inv_…${String(n).padStart(4, 'x')}`,
    invited_by: 'ada',
    created_at: iso(Date.now() - DAY),
    expires_at: iso(Date.now() + 6 * DAY),
    accepted_by: null,
    accepted_at: null,
    ...over,
  };
}

export const GROUPS: Group[] = [
  { id: 1, name: 'wet-lab', permissions: [], members: [] },
  { id: 2, name: 'admins', permissions: [], members: [] },
  { id: 3, name: 'sequencing', permissions: [], members: [] },
];

/** Ada (administrator, the signed-in one), Bob (member, MFA on), Cy (disabled). */
export function team(): Account[] {
  return [
    makeAccount({ id: 1, username: 'ada', first_name: 'Ada', last_name: 'Lovelace', is_admin: true, groups: ['admins'] }),
    makeAccount({ username: 'bob', first_name: 'Bob', last_name: 'Builder', groups: ['wet-lab'], mfa_enabled: true, last_sign_in_at: null }),
    makeAccount({ username: 'cy', first_name: 'Cy', last_name: 'Twombly', disabled: true }),
  ];
}

export const INVITE_CODE = 'lk_inv_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789';
