import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import Setup from './Setup.svelte';
import { backend, fail, makeMe, makePolicy } from '../../test/fixtures';

async function fill(values: Partial<Record<'username' | 'first-name' | 'last-name' | 'email' | 'password' | 'confirm', string>>) {
  for (const [k, v] of Object.entries(values)) {
    await fireEvent.input(screen.getByTestId(`setup-${k}`), { target: { value: v } });
  }
}

const good = {
  username: 'ada',
  'first-name': 'Ada',
  'last-name': 'Lovelace',
  email: 'ada@example.org',
  password: 'correct horse battery',
  confirm: 'correct horse battery',
};

describe('Setup', () => {
  it('shows the policy minimum length and labelled fields', () => {
    render(Setup, { policy: makePolicy({ min_password_length: 14 }), onsignedin: vi.fn() });
    expect(screen.getByRole('heading', { name: 'Set up Latchkey' })).toBeInTheDocument();
    for (const label of ['Username', 'First name', 'Last name', 'Email (optional)', 'Password', 'Confirm password']) {
      expect(screen.getByLabelText(label)).toBeInTheDocument();
    }
    expect(screen.getByLabelText('Password')).toHaveAccessibleDescription(/At least 14 characters/);
  });

  it('refuses bad input inline before calling setup', async () => {
    const calls = backend({});
    render(Setup, { policy: makePolicy({ min_password_length: 12 }), onsignedin: vi.fn() });

    await fill({ username: 'ada lovelace', email: 'not-an-email', password: 'short', confirm: 'different' });
    await fireEvent.click(screen.getByTestId('setup-submit'));

    expect(screen.getByTestId('setup-username-error')).toHaveTextContent("May contain only letters, digits, '.', '_' and '-'.");
    expect(screen.getByTestId('setup-email-error')).toHaveTextContent('Enter a valid email address');
    expect(screen.getByTestId('setup-password-error')).toHaveTextContent('Must be at least 12 characters.');
    expect(screen.getByTestId('setup-confirm-error')).toHaveTextContent('Does not match the new password.');
    expect(screen.getByTestId('setup-username')).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getAllByRole('alert')).toHaveLength(4);
    expect(calls).toEqual([]);
  });

  it('requires a username', async () => {
    backend({});
    render(Setup, { policy: makePolicy(), onsignedin: vi.fn() });
    await fill({ ...good, username: '   ' });
    await fireEvent.click(screen.getByTestId('setup-submit'));
    expect(screen.getByTestId('setup-username-error')).toHaveTextContent('Enter a username.');
  });

  it('calls setup with every field and signs in', async () => {
    const result = { me: makeMe({ is_admin: true }), expiring_soon: [], secrets_lost: false };
    const calls = backend({ setup: result });
    const onsignedin = vi.fn();
    render(Setup, { policy: makePolicy(), onsignedin });

    await fill(good);
    await fireEvent.click(screen.getByTestId('setup-submit'));

    await vi.waitFor(() => expect(onsignedin).toHaveBeenCalledWith(result));
    expect(calls).toEqual([
      {
        cmd: 'setup',
        args: {
          username: 'ada',
          email: 'ada@example.org',
          firstName: 'Ada',
          lastName: 'Lovelace',
          password: 'correct horse battery',
          confirm: 'correct horse battery',
        },
      },
    ]);
  });

  it('shows a field error from the command next to its field', async () => {
    backend({
      setup: () =>
        fail('invalid_input', 'password: is in a list of commonly used passwords; choose another', {
          field: 'new password',
        }),
    });
    render(Setup, { policy: makePolicy(), onsignedin: vi.fn() });
    await fill(good);
    await fireEvent.click(screen.getByTestId('setup-submit'));

    const err = await screen.findByTestId('setup-password-error');
    expect(err).toHaveTextContent('Is in a list of commonly used passwords; choose another');
    expect(err).toHaveAttribute('role', 'alert');
  });

  it('maps "confirm password" from the command to the confirm field', async () => {
    backend({ setup: () => fail('invalid_input', 'confirm password: does not match', { field: 'confirm password' }) });
    render(Setup, { policy: makePolicy(), onsignedin: vi.fn() });
    await fill(good);
    await fireEvent.click(screen.getByTestId('setup-submit'));
    expect(await screen.findByTestId('setup-confirm-error')).toHaveTextContent('Does not match');
  });

  it('shows other errors as a message for the whole form', async () => {
    backend({ setup: () => fail('already_initialized', 'the store already has an administrator') });
    render(Setup, { policy: makePolicy(), onsignedin: vi.fn() });
    await fill(good);
    await fireEvent.click(screen.getByTestId('setup-submit'));
    const alert = await screen.findByTestId('setup-error');
    expect(alert).toHaveTextContent('The store already has an administrator.');
    expect(within(alert).queryByText(/correct horse/)).toBeNull();
  });
});
