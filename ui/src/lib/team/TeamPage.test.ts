import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import TeamPage from './TeamPage.svelte';
import { backend, commands, DAY, fail, iso, makeMe } from '../../test/fixtures';
import { GROUPS, INVITE_CODE, makeAccount, makeInvitation, team } from '../../test/team';

const me = makeMe({ username: 'ada', is_admin: true });

function invitations() {
  return [
    makeInvitation({ id: 'i1', email: 'new@example.org', status: 'pending', groups: ['wet-lab'] }),
    makeInvitation({ id: 'i2', email: 'boss@example.org', status: 'pending', admin: true }),
    makeInvitation({ id: 'i3', email: 'late@example.org', status: 'expired', expires_at: iso(Date.now() - 2 * DAY) }),
    makeInvitation({ id: 'i4', email: 'bob@example.org', status: 'accepted', accepted_by: 'bob', accepted_at: iso(Date.now() - 3 * DAY) }),
    makeInvitation({ id: 'i5', email: 'gone@example.org', status: 'revoked' }),
  ];
}

describe('TeamPage', () => {
  it('lists every account with name, username, email, groups, role, state, MFA and last sign-in', async () => {
    backend({ list_accounts: team(), list_invitations: invitations() });
    render(TeamPage, { me });
    const ada = await screen.findByTestId('member-row-ada');
    expect(ada).toHaveAttribute('data-state', 'active');
    expect(ada).toHaveTextContent('Ada Lovelace');
    expect(ada).toHaveTextContent('you');
    expect(within(ada).getByTestId('member-email')).toHaveTextContent('ada@example.org');
    expect(within(ada).getByTestId('member-role')).toHaveTextContent('Administrator');
    expect(ada).toHaveTextContent('The only one');
    expect(within(ada).getByTestId('member-last-sign-in')).toHaveTextContent('2 days ago');

    const bob = screen.getByTestId('member-row-bob');
    expect(within(bob).getByTestId('member-role')).toHaveTextContent('Member');
    expect(bob).toHaveTextContent('wet-lab');
    expect(within(bob).getByTestId('member-mfa')).toHaveTextContent('On');
    expect(within(bob).getByTestId('member-last-sign-in')).toHaveTextContent('never');

    const cy = screen.getByTestId('member-row-cy');
    expect(cy).toHaveAttribute('data-state', 'disabled');
    expect(within(cy).getByTestId('member-state')).toHaveTextContent('Disabled');
    expect(within(cy).getByTestId('member-mfa')).toHaveTextContent('Off');
  });

  it('filters members by state and role, with counts and an empty state', async () => {
    backend({ list_accounts: team(), list_invitations: [] });
    render(TeamPage, { me });
    await screen.findByTestId('member-row-ada');
    expect(screen.getByTestId('member-filter-all').closest('label')).toHaveTextContent('All 3');
    await fireEvent.click(screen.getByTestId('member-filter-disabled'));
    expect(screen.queryByTestId('member-row-ada')).toBeNull();
    expect(screen.getByTestId('member-row-cy')).toBeInTheDocument();
    await fireEvent.click(screen.getByTestId('member-filter-admins'));
    expect(screen.getByTestId('member-row-ada')).toBeInTheDocument();
    expect(screen.queryByTestId('member-row-bob')).toBeNull();
    await fireEvent.click(screen.getByTestId('member-filter-active'));
    expect(screen.queryByTestId('member-row-cy')).toBeNull();
    expect(screen.getByTestId('member-row-bob')).toBeInTheDocument();
  });

  it('lists invitations with their status and the actions each allows, filtered by status', async () => {
    backend({ list_accounts: team(), list_invitations: invitations() });
    render(TeamPage, { me });
    const pending = await screen.findByTestId('invitation-row-new@example.org');
    expect(pending).toHaveAttribute('data-status', 'pending');
    expect(within(pending).getByTestId('invitation-status')).toHaveTextContent('Pending');
    expect(screen.getByTestId('invitation-revoke-new@example.org')).toBeInTheDocument();
    expect(screen.getByTestId('invitation-reissue-new@example.org')).toBeInTheDocument();
    expect(screen.getByTestId('invitation-row-boss@example.org')).toHaveTextContent('Administrator');

    expect(screen.getByTestId('invitation-row-late@example.org')).toHaveAttribute('data-status', 'expired');
    expect(screen.queryByTestId('invitation-revoke-late@example.org')).toBeNull();
    expect(screen.getByTestId('invitation-reissue-late@example.org')).toBeInTheDocument();

    const accepted = screen.getByTestId('invitation-row-bob@example.org');
    expect(accepted).toHaveTextContent('Accepted');
    expect(accepted).toHaveTextContent('as bob');
    expect(within(accepted).queryByRole('button')).toBeNull();
    expect(within(screen.getByTestId('invitation-row-gone@example.org')).queryByRole('button')).toBeNull();

    await fireEvent.click(screen.getByTestId('invitation-filter-pending'));
    expect(screen.getAllByTestId(/^invitation-row-/)).toHaveLength(2);
    await fireEvent.click(screen.getByTestId('invitation-filter-revoked'));
    expect(screen.getAllByTestId(/^invitation-row-/).map((r) => r.dataset.status)).toEqual(['revoked']);
    await fireEvent.click(screen.getByTestId('invitation-filter-expired'));
    expect(screen.getAllByTestId(/^invitation-row-/)).toHaveLength(1);
  });

  it('says when there are no invitations, and when a filter matches none', async () => {
    backend({ list_accounts: team(), list_invitations: [] });
    render(TeamPage, { me });
    expect(await screen.findByTestId('invitations-empty')).toHaveTextContent('No invitations yet.');
    document.body.innerHTML = '';
    backend({ list_accounts: team(), list_invitations: invitations().filter((i) => i.status !== 'expired') });
    render(TeamPage, { me });
    await fireEvent.click(await screen.findByTestId('invitation-filter-expired'));
    expect(screen.getByTestId('invitations-empty')).toHaveTextContent('No expired invitations.');
  });

  it('revokes a pending invitation after a confirmation, then reloads', async () => {
    let list = invitations();
    const calls = backend({
      list_accounts: team(),
      list_invitations: () => list,
      revoke_invitation: (a: { id: string }) => {
        list = list.map((i) => (i.id === a.id ? { ...i, status: 'revoked' as const } : i));
        return list.find((i) => i.id === a.id);
      },
    });
    render(TeamPage, { me });
    await fireEvent.click(await screen.findByTestId('invitation-revoke-new@example.org'));
    const dialog = screen.getByTestId('revoke-dialog');
    expect(dialog).toHaveTextContent('stops working at once');
    await fireEvent.click(within(dialog).getByTestId('confirm-yes'));
    expect(await screen.findByTestId('team-notice')).toHaveTextContent('The invitation for new@example.org was revoked.');
    expect(calls.find((c) => c.cmd === 'revoke_invitation')?.args).toEqual({ id: 'i1' });
    await vi.waitFor(() => expect(screen.getByTestId('invitation-row-new@example.org')).toHaveAttribute('data-status', 'revoked'));
    expect(commands(calls).filter((c) => c === 'list_invitations')).toHaveLength(2);
  });

  it('shows a refused revocation in the confirmation', async () => {
    backend({
      list_accounts: team(),
      list_invitations: invitations(),
      revoke_invitation: () => fail('conflict', 'this invitation was already used'),
    });
    render(TeamPage, { me });
    await fireEvent.click(await screen.findByTestId('invitation-revoke-new@example.org'));
    await fireEvent.click(screen.getByTestId('confirm-yes'));
    const err = await screen.findByTestId('confirm-error');
    expect(err).toHaveTextContent('This invitation was already used.');
    expect(err).toHaveAttribute('data-code', 'conflict');
  });

  it('re-issues an invitation: a new code shown once, forgotten when the dialog closes', async () => {
    const fresh = makeInvitation({ id: 'i9', email: 'late@example.org', status: 'pending' });
    const calls = backend({
      list_accounts: team(),
      list_invitations: invitations(),
      reissue_invitation: { invitation: fresh, code: INVITE_CODE },
      copy_invitation: { clear_after_secs: 30 },
      forget_invitation: null,
    });
    render(TeamPage, { me });
    await fireEvent.click(await screen.findByTestId('invitation-reissue-late@example.org'));
    expect(screen.getByTestId('reissue-dialog')).toHaveTextContent('This invitation has expired.');
    await fireEvent.click(screen.getByTestId('confirm-yes'));
    expect(await screen.findByTestId('invite-code')).toHaveValue(INVITE_CODE);
    expect(screen.getByTestId('invite-warning')).toHaveTextContent('shown only now');
    expect(screen.getByTestId('invite-note')).toHaveTextContent('has stopped working');
    expect(calls.find((c) => c.cmd === 'reissue_invitation')?.args).toEqual({ id: 'i3' });
    await fireEvent.click(screen.getByTestId('invite-copy'));
    await vi.waitFor(() => expect(commands(calls)).toContain('copy_invitation'));
    expect(calls.find((c) => c.cmd === 'copy_invitation')?.args).toEqual({ id: 'i9' });
    await fireEvent.click(screen.getByTestId('invite-close'));
    expect(calls.find((c) => c.cmd === 'forget_invitation')?.args).toEqual({ id: 'i9' });
    expect(screen.queryByTestId('invite-code')).toBeNull();
  });

  it('re-issuing a pending invitation warns that the current code stops at once', async () => {
    backend({ list_accounts: team(), list_invitations: invitations() });
    render(TeamPage, { me });
    await fireEvent.click(await screen.findByTestId('invitation-reissue-boss@example.org'));
    const dialog = screen.getByTestId('reissue-dialog');
    expect(dialog).toHaveTextContent('stops working at once');
    expect(dialog).toHaveTextContent('confirm it’s you');
  });

  it('opens New invitation and reloads the lists once it is made', async () => {
    const issued = { invitation: makeInvitation({ email: 'x@example.org' }), code: INVITE_CODE };
    const calls = backend({
      list_accounts: team(),
      list_invitations: invitations(),
      list_groups: GROUPS,
      create_invitation: issued,
      forget_invitation: null,
    });
    render(TeamPage, { me });
    await fireEvent.click(await screen.findByTestId('team-invite'));
    await fireEvent.input(screen.getByTestId('invite-email'), { target: { value: 'x@example.org' } });
    await fireEvent.click(screen.getByTestId('invite-submit'));
    await screen.findByTestId('invite-code');
    await vi.waitFor(() => expect(commands(calls).filter((c) => c === 'list_invitations')).toHaveLength(2));
    await fireEvent.click(screen.getByTestId('invite-close'));
    expect(commands(calls)).toContain('forget_invitation');
    expect(screen.queryByTestId('invite-issued-dialog')).toBeNull();
  });

  it('manages an account from its row, and the dialog follows the reloaded list', async () => {
    let accounts = team();
    backend({
      list_accounts: () => accounts,
      list_invitations: [],
      set_account_disabled: (a: { username: string; disabled: boolean }) => {
        accounts = accounts.map((x) => (x.username === a.username ? { ...x, disabled: a.disabled } : x));
        return accounts.find((x) => x.username === a.username);
      },
    });
    render(TeamPage, { me });
    await fireEvent.click(await screen.findByTestId('member-manage-bob'));
    expect(screen.getByTestId('member-dialog-bob')).toBeInTheDocument();
    await fireEvent.click(screen.getByTestId('member-disable-bob'));
    await fireEvent.click(screen.getByTestId('confirm-yes'));
    // The row and the dialog both show the new state.
    await vi.waitFor(() => expect(screen.getByTestId('member-row-bob')).toHaveAttribute('data-state', 'disabled'));
    expect(screen.getByTestId('member-enable-bob')).toBeInTheDocument();
    expect(screen.getByTestId('team-notice')).toHaveTextContent('is disabled');
  });

  it('creates an account from the dialog and says so', async () => {
    const calls = backend({
      list_accounts: team(),
      list_invitations: [],
      list_groups: GROUPS,
      policy: { min_password_length: 8, max_key_lifetime_days: null, allow_never_expiring: true, max_active_keys: null, argon2: { m_kib: 19456, t: 2, p: 1 } },
      create_account: makeAccount({ username: 'dee' }),
    });
    render(TeamPage, { me });
    await fireEvent.click(await screen.findByTestId('team-create-account'));
    await fireEvent.input(screen.getByTestId('account-username'), { target: { value: 'dee' } });
    await fireEvent.input(screen.getByTestId('account-password'), { target: { value: 'a long passphrase' } });
    await fireEvent.input(screen.getByTestId('account-confirm'), { target: { value: 'a long passphrase' } });
    await fireEvent.click(screen.getByTestId('account-submit'));
    expect(await screen.findByTestId('team-notice')).toHaveTextContent('Account dee was created.');
    expect(screen.queryByTestId('create-account-dialog')).toBeNull();
    expect(commands(calls).filter((c) => c === 'list_accounts')).toHaveLength(2);
  });

  it('shows a refusal to list (a member who got here) and tries again', async () => {
    backend({ list_accounts: () => fail('forbidden', 'not permitted: administrators only'), list_invitations: [] });
    render(TeamPage, { me: makeMe() });
    const err = await screen.findByTestId('team-error');
    expect(err).toHaveTextContent('Not permitted: administrators only.');
    expect(err).toHaveAttribute('data-code', 'forbidden');
    expect(screen.getByTestId('team-invite')).toBeDisabled();
  });
});
