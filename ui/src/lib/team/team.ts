// What the Team page decides before asking the core: which controls an account row
// offers, and why one is held back. The core refuses the same things; saying why here
// spares a round trip and a puzzled administrator.
import type { Account, ApiError, Invitation, InvitationStatus } from '../shared/api';
import { sentence } from '../shared/format';

/** Enabled administrators other than `username`. */
export function otherActiveAdmins(accounts: Account[], username: string): number {
  const u = username.toLowerCase();
  return accounts.filter((a) => a.is_admin && !a.disabled && a.username.toLowerCase() !== u).length;
}

/** The account is the store's only enabled administrator. */
export function isOnlyAdmin(account: Account, accounts: Account[]): boolean {
  return account.is_admin && !account.disabled && otherActiveAdmins(accounts, account.username) === 0;
}

export const isSelf = (account: Account, me: { username: string }) =>
  account.username.toLowerCase() === me.username.toLowerCase();

export const ONLY_ADMIN_REASON = 'The only administrator: make someone else an administrator first.';

/** Why the administrator role cannot be removed from `account` now, or null. */
export function removeAdminBlocked(account: Account, accounts: Account[]): string | null {
  if (!account.is_admin) return null;
  return otherActiveAdmins(accounts, account.username) === 0 ? ONLY_ADMIN_REASON : null;
}

/** Why `account` cannot be disabled now, or null. */
export function disableBlocked(account: Account, accounts: Account[], me: { username: string }): string | null {
  if (account.disabled) return null;
  if (isSelf(account, me)) return 'You cannot disable your own account: another administrator can.';
  if (isOnlyAdmin(account, accounts)) return ONLY_ADMIN_REASON;
  return null;
}

/** Why an administrator cannot reset `account`'s password from here, or null. */
export function resetPasswordBlocked(account: Account, me: { username: string }): string | null {
  return isSelf(account, me)
    ? 'This is your own account: change your password in Account → Security, which keeps your viewable keys.'
    : null;
}

/** Why an administrator cannot reset `account`'s two-step verification, or null. */
export function resetMfaBlocked(account: Account, me: { username: string }): string | null {
  if (!account.mfa_enabled) return 'Two-step verification is not on for this account.';
  return isSelf(account, me) ? 'This is your own account: turn two-step verification off in Account → Security.' : null;
}

export const INVITATION_STATUS_LABEL: Record<InvitationStatus, string> = {
  pending: 'Pending',
  accepted: 'Accepted',
  expired: 'Expired',
  revoked: 'Revoked',
};

export const canRevoke = (i: Invitation) => i.status === 'pending';
export const canReissue = (i: Invitation) => i.status === 'pending' || i.status === 'expired';

/** "1 viewable key", "3 viewable keys". */
export function viewableKeys(n: number): string {
  return n === 1 ? '1 viewable key' : `${n} viewable keys`;
}

/** A refusal from the core as one sentence for a banner ("Not permitted: …"). */
export function refusal(err: ApiError): string {
  return sentence(err.message);
}
