import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import ResetPasswordDialog from './ResetPasswordDialog.svelte';
import { backend, commands, fail, makePolicy } from '../../test/fixtures';
import { team } from '../../test/team';

const bob = team()[1];

function open(account = bob) {
  const ondone = vi.fn();
  const onclose = vi.fn();
  render(ResetPasswordDialog, { account, ondone, onclose });
  return { ondone, onclose };
}

async function passwords(pw: string, again = pw) {
  await fireEvent.input(screen.getByTestId('reset-password'), { target: { value: pw } });
  await fireEvent.input(screen.getByTestId('reset-confirm'), { target: { value: again } });
}

describe('ResetPasswordDialog', () => {
  it('says what the reset costs before it asks for the new password', async () => {
    let answer: (n: number) => void = () => {};
    const calls = backend({
      reset_password_impact: () => new Promise<number>((r) => (answer = r)),
      policy: makePolicy({ min_password_length: 14 }),
    });
    open();
    expect(screen.getByRole('alertdialog', { name: 'Reset Bob Builder’s password?' })).toBeInTheDocument();
    // Nothing to type until the impact is known.
    expect(screen.queryByTestId('reset-password')).toBeNull();
    expect(screen.getByTestId('reset-submit')).toBeDisabled();
    expect(calls[0]).toEqual({ cmd: 'reset_password_impact', args: { username: 'bob' } });

    answer(3);
    const impact = await screen.findByTestId('reset-impact');
    expect(impact).toHaveTextContent('3 viewable keys become unviewable and two-step verification is turned off.');
    expect(impact).toHaveAttribute('data-count', '3');
    expect(impact).toHaveTextContent('they set up two-step verification again after signing in');
    expect(screen.getByTestId('reset-password')).toBeInTheDocument();
    expect(screen.getByTestId('reset-confirm')).toBeInTheDocument();
    expect(await screen.findByText(/At least 14 characters/)).toBeInTheDocument();
    // The statement comes before the fields in the dialog.
    expect(impact.compareDocumentPosition(screen.getByTestId('reset-password')) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
  });

  it('words one key and none', async () => {
    backend({ reset_password_impact: 1, policy: makePolicy() });
    open();
    expect(await screen.findByTestId('reset-impact')).toHaveTextContent('1 viewable key becomes unviewable');
    document.body.innerHTML = '';
    backend({ reset_password_impact: 0, policy: makePolicy() });
    open({ ...bob, mfa_enabled: false });
    const none = await screen.findByTestId('reset-impact');
    expect(none).toHaveTextContent('No viewable keys become unviewable and two-step verification is turned off.');
    expect(none).toHaveTextContent('two-step verification is not on for them now');
  });

  it('resets with the password twice and reports how many keys were affected', async () => {
    const calls = backend({ reset_password_impact: 2, policy: makePolicy({ min_password_length: 12 }), reset_password: 2 });
    const { ondone } = open();
    await screen.findByTestId('reset-impact');
    await passwords('a long new passphrase');
    await fireEvent.click(screen.getByTestId('reset-submit'));
    await vi.waitFor(() => expect(ondone).toHaveBeenCalledWith(2));
    expect(calls.at(-1)).toEqual({
      cmd: 'reset_password',
      args: { username: 'bob', password: 'a long new passphrase', confirm: 'a long new passphrase' },
    });
  });

  it('catches a short or mismatched password before calling reset_password', async () => {
    const calls = backend({ reset_password_impact: 0, policy: makePolicy({ min_password_length: 12 }) });
    open();
    await screen.findByTestId('reset-impact');
    await screen.findByText(/At least 12 characters/);
    await passwords('short', 'short');
    await fireEvent.click(screen.getByTestId('reset-submit'));
    expect(screen.getByTestId('reset-password-error')).toHaveTextContent('Must be at least 12 characters.');
    await passwords('a long new passphrase', 'a long new passphrasE');
    await fireEvent.click(screen.getByTestId('reset-submit'));
    expect(screen.getByTestId('reset-confirm-error')).toHaveTextContent('Does not match the new password.');
    expect(commands(calls)).toEqual(['reset_password_impact', 'policy']);
  });

  it('shows the password policy’s reasons beside the password field', async () => {
    backend({
      reset_password_impact: 0,
      policy: makePolicy({ min_password_length: 8 }),
      reset_password: () =>
        fail('invalid_input', 'new password: is in a list of commonly used passwords; choose another', { field: 'new password' }),
    });
    open();
    await screen.findByTestId('reset-impact');
    await passwords('password123');
    await fireEvent.click(screen.getByTestId('reset-submit'));
    expect(await screen.findByTestId('reset-password-error')).toHaveTextContent(
      'Is in a list of commonly used passwords; choose another',
    );
    expect(screen.getByTestId('reset-password')).toHaveAttribute('aria-invalid', 'true');
  });

  it('asks “Confirm it’s you” first, then retries', async () => {
    let proven = false;
    const calls = backend({
      reset_password_impact: 0,
      policy: makePolicy({ min_password_length: 8 }),
      reset_password: () => (proven ? 0 : fail('step_up_required', "confirm it's you")),
      confirm_password: () => {
        proven = true;
        return null;
      },
    });
    const { ondone } = open();
    await screen.findByTestId('reset-impact');
    await passwords('a long new passphrase');
    await fireEvent.click(screen.getByTestId('reset-submit'));
    expect(await screen.findByRole('alertdialog', { name: 'Confirm it’s you' })).toHaveTextContent(
      'To reset Bob Builder’s password, enter your password again.',
    );
    await fireEvent.input(screen.getByTestId('stepup-password'), { target: { value: 'mine' } });
    await fireEvent.click(screen.getByTestId('stepup-submit'));
    await vi.waitFor(() => expect(ondone).toHaveBeenCalledWith(0));
    expect(commands(calls).slice(2)).toEqual(['reset_password', 'confirm_password', 'reset_password']);
  });

  it('shows a refusal of the impact and offers to try again, with nothing to type meanwhile', async () => {
    backend({ reset_password_impact: () => fail('forbidden', 'not permitted: administrators only'), policy: makePolicy() });
    open();
    expect(await screen.findByTestId('reset-impact-error')).toHaveTextContent('Not permitted: administrators only.');
    expect(screen.queryByTestId('reset-password')).toBeNull();
    expect(screen.getByTestId('reset-submit')).toBeDisabled();
  });
});
