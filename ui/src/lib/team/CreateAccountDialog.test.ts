import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import CreateAccountDialog from './CreateAccountDialog.svelte';
import { backend, commands, fail, makePolicy } from '../../test/fixtures';
import { GROUPS, makeAccount } from '../../test/team';

function open() {
  const oncreated = vi.fn();
  const onclose = vi.fn();
  render(CreateAccountDialog, { oncreated, onclose });
  return { oncreated, onclose };
}

async function fill(f: Partial<Record<'username' | 'first-name' | 'last-name' | 'email' | 'password' | 'confirm', string>>) {
  for (const [k, v] of Object.entries(f)) await fireEvent.input(screen.getByTestId(`account-${k}`), { target: { value: v } });
}

describe('CreateAccountDialog', () => {
  it('creates an account with groups and the role, then hands it over', async () => {
    const made = makeAccount({ username: 'dee', is_admin: true, groups: ['sequencing'] });
    const calls = backend({ list_groups: GROUPS, policy: makePolicy({ min_password_length: 12 }), create_account: made });
    const { oncreated } = open();
    expect(await screen.findByText(/At least 12 characters/)).toBeInTheDocument();
    await fill({ username: ' dee ', 'first-name': 'Dee', 'last-name': 'Dee', email: 'dee@example.org', password: 'a long passphrase', confirm: 'a long passphrase' });
    await fireEvent.click(await screen.findByTestId('account-group-sequencing'));
    await fireEvent.click(screen.getByTestId('account-admin'));
    await fireEvent.click(screen.getByTestId('account-submit'));
    await vi.waitFor(() => expect(oncreated).toHaveBeenCalledWith(made));
    expect(calls.find((c) => c.cmd === 'create_account')?.args).toEqual({
      username: 'dee',
      firstName: 'Dee',
      lastName: 'Dee',
      email: 'dee@example.org',
      isAdmin: true,
      groups: ['sequencing'],
      password: 'a long passphrase',
      confirm: 'a long passphrase',
    });
  });

  it('checks the fields before calling create_account', async () => {
    const calls = backend({ list_groups: GROUPS, policy: makePolicy({ min_password_length: 12 }) });
    open();
    await screen.findByText(/At least 12 characters/);
    await fill({ username: 'has space', email: 'nope', password: 'short', confirm: 'other' });
    await fireEvent.click(screen.getByTestId('account-submit'));
    expect(screen.getByTestId('account-username-error')).toHaveTextContent('May contain only letters');
    expect(screen.getByTestId('account-email-error')).toHaveTextContent('Enter a valid email address');
    expect(screen.getByTestId('account-password-error')).toHaveTextContent('Must be at least 12 characters.');
    expect(screen.getByTestId('account-confirm-error')).toHaveTextContent('Does not match');
    await vi.waitFor(() => expect(screen.getByTestId('account-username')).toHaveFocus());
    expect(commands(calls)).not.toContain('create_account');
  });

  it('shows the password policy’s reason and other field refusals beside their field', async () => {
    let answer = fail.bind(null, 'invalid_input', 'password: must not be the same as the email address', { field: 'password' });
    backend({ list_groups: GROUPS, policy: makePolicy({ min_password_length: 8 }), create_account: () => answer() });
    open();
    await fill({ username: 'dee', email: 'dee@example.org', password: 'dee@example.org', confirm: 'dee@example.org' });
    await fireEvent.click(screen.getByTestId('account-submit'));
    expect(await screen.findByTestId('account-password-error')).toHaveTextContent('Must not be the same as the email address');
    expect(screen.getByTestId('account-password')).toHaveAttribute('aria-invalid', 'true');

    answer = fail.bind(null, 'invalid_input', 'username: is already taken', { field: 'username' });
    await fireEvent.click(screen.getByTestId('account-submit'));
    expect(await screen.findByTestId('account-username-error')).toHaveTextContent('Is already taken');
    expect(screen.queryByTestId('account-password-error')).toBeNull();

    answer = fail.bind(null, 'invalid_input', 'confirm password: does not match the new password', { field: 'confirm password' });
    await fireEvent.click(screen.getByTestId('account-submit'));
    expect(await screen.findByTestId('account-confirm-error')).toHaveTextContent('Does not match the new password');
  });

  it('shows a refusal without a field in a banner', async () => {
    backend({
      list_groups: GROUPS,
      policy: makePolicy({ min_password_length: 8 }),
      create_account: () => fail('forbidden', 'not permitted: only administrators may create accounts'),
    });
    open();
    await fill({ username: 'dee', password: 'a long passphrase', confirm: 'a long passphrase' });
    await fireEvent.click(screen.getByTestId('account-submit'));
    const err = await screen.findByTestId('account-error');
    expect(err).toHaveTextContent('Not permitted: only administrators may create accounts.');
    expect(err).toHaveAttribute('data-code', 'forbidden');
  });
});
