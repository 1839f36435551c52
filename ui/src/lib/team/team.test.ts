import { describe, expect, it } from 'vitest';
import {
  ONLY_ADMIN_REASON,
  canReissue,
  canRevoke,
  disableBlocked,
  isOnlyAdmin,
  otherActiveAdmins,
  removeAdminBlocked,
  resetMfaBlocked,
  resetPasswordBlocked,
  viewableKeys,
} from './team';
import { makeAccount, makeInvitation, team } from '../../test/team';

const me = { username: 'ada' };

describe('team rules', () => {
  it('counts only enabled administrators other than the one asked about', () => {
    const accounts = [...team(), makeAccount({ username: 'dee', is_admin: true, disabled: true })];
    expect(otherActiveAdmins(accounts, 'ada')).toBe(0);
    expect(otherActiveAdmins(accounts, 'bob')).toBe(1);
    expect(isOnlyAdmin(accounts[0], accounts)).toBe(true);
    // A disabled administrator is not the only one, and losing the role is fine for them.
    expect(isOnlyAdmin(accounts[3], accounts)).toBe(false);
    expect(removeAdminBlocked(accounts[3], accounts)).toBeNull();
  });

  it('never lets the last administrator lose the role, and says why', () => {
    const accounts = team();
    expect(removeAdminBlocked(accounts[0], accounts)).toBe(ONLY_ADMIN_REASON);
    expect(ONLY_ADMIN_REASON).toMatch(/only administrator: make someone else an administrator first/);
    const two = [...accounts, makeAccount({ username: 'eve', is_admin: true })];
    expect(removeAdminBlocked(two[0], two)).toBeNull();
    // A member has no role to lose.
    expect(removeAdminBlocked(accounts[1], accounts)).toBeNull();
  });

  it('holds back disabling oneself and the last administrator', () => {
    const accounts = team();
    expect(disableBlocked(accounts[0], accounts, me)).toMatch(/cannot disable your own account/);
    expect(disableBlocked(accounts[1], accounts, me)).toBeNull();
    const other = makeAccount({ username: 'zed', is_admin: true });
    const onlyOther = [makeAccount({ username: 'ada', is_admin: false }), other];
    expect(disableBlocked(other, onlyOther, me)).toBe(ONLY_ADMIN_REASON);
  });

  it('sends one’s own password and MFA to the Security tab', () => {
    const [ada, bob] = team();
    expect(resetPasswordBlocked(ada, me)).toMatch(/Account → Security/);
    expect(resetPasswordBlocked(bob, me)).toBeNull();
    expect(resetMfaBlocked(bob, me)).toBeNull();
    expect(resetMfaBlocked({ ...ada, mfa_enabled: true }, me)).toMatch(/Account → Security/);
    expect(resetMfaBlocked({ ...bob, mfa_enabled: false }, me)).toMatch(/not on/);
  });

  it('revokes pending invitations and re-issues pending or expired ones', () => {
    for (const [status, revoke, reissue] of [
      ['pending', true, true],
      ['expired', false, true],
      ['accepted', false, false],
      ['revoked', false, false],
    ] as const) {
      const i = makeInvitation({ email: 'x@example.org', status });
      expect([canRevoke(i), canReissue(i)]).toEqual([revoke, reissue]);
    }
  });

  it('counts keys in words', () => {
    expect(viewableKeys(1)).toBe('1 viewable key');
    expect(viewableKeys(3)).toBe('3 viewable keys');
  });
});
