import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import StepUpDialog from './StepUpDialog.svelte';
import { backend, fail } from '../../test/fixtures';
import { session } from './session.svelte';

function open(props: { mfa?: boolean } = {}) {
  const onconfirmed = vi.fn();
  const oncancel = vi.fn();
  render(StepUpDialog, { action: 'view “ci”', onconfirmed, oncancel, ...props });
  return { onconfirmed, oncancel };
}

describe('StepUpDialog', () => {
  it('asks for the password when MFA is off', () => {
    backend({});
    open();
    const input = screen.getByLabelText('Password');
    expect(input).toHaveAttribute('type', 'password');
    expect(input).toHaveAttribute('data-testid', 'stepup-password');
    expect(screen.getByTestId('stepup-dialog')).toHaveTextContent('To view “ci”, enter your password again.');
  });

  it('asks for an authenticator or recovery code when the account has MFA on', async () => {
    session.mfaEnabled = true;
    try {
      const calls = backend({ confirm_password: null });
      const { onconfirmed } = open();
      const dialog = screen.getByRole('alertdialog', { name: 'Confirm it’s you' });
      expect(dialog).toHaveTextContent('enter the 6-digit code from your authenticator app, or one of your recovery codes');
      const input = screen.getByLabelText('Authenticator code or recovery code');
      expect(input).toHaveAttribute('data-testid', 'stepup-password');
      expect(input).toHaveAttribute('type', 'text');
      expect(input).toHaveAttribute('autocomplete', 'one-time-code');
      expect(input).toHaveAttribute('inputmode', 'text');
      expect(screen.queryByLabelText('Password')).toBeNull();
      await vi.waitFor(() => expect(input).toHaveFocus());

      await fireEvent.input(input, { target: { value: ' 654321 ' } });
      await fireEvent.click(screen.getByTestId('stepup-submit'));
      await vi.waitFor(() => expect(onconfirmed).toHaveBeenCalled());
      // The same command; Rust decides what the proof is.
      expect(calls).toEqual([{ cmd: 'confirm_password', args: { password: '654321' } }]);
    } finally {
      session.mfaEnabled = false;
    }
  });

  it('shows a refused code inline and stays open', async () => {
    backend({ confirm_password: () => fail('invalid_input', 'code: is not correct, or was already used', { field: 'code' }) });
    const { onconfirmed } = open({ mfa: true });
    await fireEvent.input(screen.getByTestId('stepup-password'), { target: { value: '000000' } });
    await fireEvent.click(screen.getByTestId('stepup-submit'));
    const err = await screen.findByTestId('stepup-error');
    expect(err).toHaveTextContent('That code is not correct, or was already used.');
    expect(err).toHaveAttribute('role', 'alert');
    expect(screen.getByTestId('stepup-password')).toHaveValue('');
    expect(onconfirmed).not.toHaveBeenCalled();
  });

  it('asks for a code before calling anything when the field is empty', async () => {
    const calls = backend({});
    open({ mfa: true });
    await fireEvent.click(screen.getByTestId('stepup-submit'));
    expect(screen.getByTestId('stepup-error')).toHaveTextContent('Enter the code from your authenticator app, or a recovery code.');
    expect(calls).toEqual([]);
  });
});
