import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import MemberDialog from './MemberDialog.svelte';
import { backend, commands, fail, makeMe, makePolicy } from '../../test/fixtures';
import { makeAccount, team } from '../../test/team';
import type { Account } from '../shared/api';

const me = makeMe({ username: 'ada', is_admin: true });

function open(account: Account, accounts: Account[] = team()) {
  const onchanged = vi.fn();
  const onclose = vi.fn();
  render(MemberDialog, { account, accounts, me, onchanged, onclose });
  return { onchanged, onclose };
}

describe('MemberDialog', () => {
  it('holds back removing the only administrator’s role and disabling oneself, saying why', () => {
    const accounts = team();
    backend({});
    open(accounts[0], accounts);
    const admin = screen.getByTestId('member-admin-ada');
    expect(admin).toHaveTextContent('Remove administrator role');
    expect(admin).toBeDisabled();
    expect(admin).toHaveAccessibleDescription('The only administrator: make someone else an administrator first.');
    expect(screen.getByTestId('member-admin-reason')).toBeVisible();

    const disable = screen.getByTestId('member-disable-ada');
    expect(disable).toBeDisabled();
    expect(disable).toHaveAccessibleDescription(/You cannot disable your own account/);
    expect(screen.getByTestId('member-reset-password-ada')).toBeDisabled();
    expect(screen.getByTestId('member-reset-password-ada')).toHaveAccessibleDescription(/Account → Security/);
  });

  it('lets the role go once there is another enabled administrator', () => {
    const accounts = [...team(), makeAccount({ username: 'eve', is_admin: true })];
    backend({});
    open(accounts[0], accounts);
    expect(screen.getByTestId('member-admin-ada')).toBeEnabled();
    expect(screen.queryByTestId('member-admin-reason')).toBeNull();
  });

  it('a disabled second administrator does not count', () => {
    const accounts = [...team(), makeAccount({ username: 'eve', is_admin: true, disabled: true })];
    backend({});
    open(accounts[0], accounts);
    expect(screen.getByTestId('member-admin-ada')).toBeDisabled();
  });

  it('disables a member after a confirmation that says their keys stop verifying', async () => {
    const accounts = team();
    const calls = backend({ set_account_disabled: { ...accounts[1], disabled: true } });
    const { onchanged } = open(accounts[1], accounts);
    await fireEvent.click(screen.getByTestId('member-disable-bob'));
    const dialog = screen.getByTestId('disable-dialog');
    expect(dialog).toHaveTextContent('their keys stop verifying at once');
    await fireEvent.click(screen.getByTestId('confirm-yes'));
    await vi.waitFor(() => expect(onchanged).toHaveBeenCalledWith(expect.stringContaining('is disabled')));
    expect(calls).toEqual([{ cmd: 'set_account_disabled', args: { username: 'bob', disabled: true } }]);
    expect(screen.queryByTestId('disable-dialog')).toBeNull();
    expect(screen.getByTestId('member-done')).toHaveTextContent('Bob Builder (bob) is disabled.');
  });

  it('enables a disabled account at once', async () => {
    const accounts = team();
    const calls = backend({ set_account_disabled: { ...accounts[2], disabled: false } });
    const { onchanged } = open(accounts[2], accounts);
    expect(screen.queryByTestId('member-disable-cy')).toBeNull();
    await fireEvent.click(screen.getByTestId('member-enable-cy'));
    await vi.waitFor(() => expect(onchanged).toHaveBeenCalled());
    expect(calls).toEqual([{ cmd: 'set_account_disabled', args: { username: 'cy', disabled: false } }]);
  });

  it('shows the core’s refusal in the confirmation', async () => {
    const accounts = team();
    backend({ set_account_disabled: () => fail('forbidden', 'not permitted: the last administrator cannot be disabled') });
    const { onchanged } = open(accounts[1], accounts);
    await fireEvent.click(screen.getByTestId('member-disable-bob'));
    await fireEvent.click(screen.getByTestId('confirm-yes'));
    const err = await screen.findByTestId('confirm-error');
    expect(err).toHaveTextContent('Not permitted: the last administrator cannot be disabled.');
    expect(err).toHaveAttribute('data-code', 'forbidden');
    expect(onchanged).not.toHaveBeenCalled();
  });

  it('makes an administrator after “Confirm it’s you”', async () => {
    const accounts = team();
    let proven = false;
    const calls = backend({
      set_account_admin: () => (proven ? { ...accounts[1], is_admin: true } : fail('step_up_required', "confirm it's you")),
      confirm_password: () => {
        proven = true;
        return null;
      },
    });
    const { onchanged } = open(accounts[1], accounts);
    expect(screen.getByTestId('member-admin-bob')).toHaveTextContent('Make administrator');
    await fireEvent.click(screen.getByTestId('member-admin-bob'));
    await fireEvent.click(screen.getByTestId('confirm-yes'));
    expect(await screen.findByRole('alertdialog', { name: 'Confirm it’s you' })).toHaveTextContent(
      'To make Bob Builder an administrator, enter your password again.',
    );
    await fireEvent.input(screen.getByTestId('stepup-password'), { target: { value: 'mine' } });
    await fireEvent.click(screen.getByTestId('stepup-submit'));
    await vi.waitFor(() => expect(onchanged).toHaveBeenCalledWith('Bob Builder (bob) is now an administrator.'));
    expect(commands(calls)).toEqual(['set_account_admin', 'confirm_password', 'set_account_admin']);
    expect(calls[2].args).toEqual({ username: 'bob', admin: true });
  });

  it('offers Reset two-step verification only when it is on, confirms, and calls reset_mfa', async () => {
    const accounts = team();
    backend({});
    open(accounts[2], accounts);
    expect(screen.queryByTestId('member-reset-mfa-cy')).toBeNull();
    document.body.innerHTML = '';

    const calls = backend({ reset_mfa: null });
    const { onchanged } = open(accounts[1], accounts);
    await fireEvent.click(screen.getByTestId('member-reset-mfa-bob'));
    expect(screen.getByTestId('reset-mfa-dialog')).toHaveTextContent('two-step verification is turned off');
    await fireEvent.click(screen.getByTestId('confirm-yes'));
    await vi.waitFor(() => expect(onchanged).toHaveBeenCalled());
    expect(calls).toEqual([{ cmd: 'reset_mfa', args: { username: 'bob' } }]);
  });

  it('opens the reset-password dialog, which states the impact first', async () => {
    const accounts = team();
    const calls = backend({ reset_password_impact: 2, policy: makePolicy() });
    open(accounts[1], accounts);
    await fireEvent.click(screen.getByTestId('member-reset-password-bob'));
    expect(await screen.findByTestId('reset-impact')).toHaveTextContent('2 viewable keys become unviewable');
    expect(commands(calls)[0]).toBe('reset_password_impact');
  });
});
