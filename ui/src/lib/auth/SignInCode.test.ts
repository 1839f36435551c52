import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import SignIn from './SignIn.svelte';
import { backend, commands, fail, makeMe } from '../../test/fixtures';

const mfaRequired = () => fail('mfa_required', 'enter the code from your authenticator app, or a recovery code');

async function password(login = 'ada', pw = 'correct horse battery') {
  await fireEvent.input(screen.getByLabelText('Username or email'), { target: { value: login } });
  await fireEvent.input(screen.getByLabelText('Password'), { target: { value: pw } });
  await fireEvent.click(screen.getByTestId('signin-submit'));
}

async function code(value: string) {
  await fireEvent.input(await screen.findByTestId('signin-code'), { target: { value } });
  await fireEvent.click(screen.getByTestId('signin-code-submit'));
}

describe('SignIn with two-step verification', () => {
  it('asks for the code after the password, then signs in with sign_in_code', async () => {
    const result = { me: makeMe({ mfa_enabled: true }), expiring_soon: [], secrets_lost: false, recovery_codes_left: 9 };
    const calls = backend({ sign_in: mfaRequired, sign_in_code: result });
    const onsignedin = vi.fn();
    render(SignIn, { onsignedin });

    await password();
    const input = await screen.findByTestId('signin-code');
    expect(screen.getByRole('heading', { name: 'Two-step verification' })).toBeInTheDocument();
    expect(screen.getByText('Enter the 6-digit code from your authenticator app, or a recovery code.')).toBeInTheDocument();
    expect(input).toHaveAttribute('autocomplete', 'one-time-code');
    expect(input).toHaveAccessibleDescription(/6-digit code from your authenticator app/);
    await vi.waitFor(() => expect(input).toHaveFocus());
    // mfa_required is a step, not an error.
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.queryByTestId('signin-password')).toBeNull();
    expect(screen.getByTestId('signin-code-submit')).toBeDisabled();

    await code(' 123456 ');
    await vi.waitFor(() => expect(onsignedin).toHaveBeenCalledWith(result));
    expect(calls).toEqual([
      { cmd: 'sign_in', args: { login: 'ada', password: 'correct horse battery' } },
      { cmd: 'sign_in_code', args: { code: '123456' } },
    ]);
  });

  it('shows a wrong code inline and lets the person try again', async () => {
    let tries = 0;
    const result = { me: makeMe({ mfa_enabled: true }), expiring_soon: [], secrets_lost: false, recovery_codes_left: 10 };
    const calls = backend({
      sign_in: mfaRequired,
      sign_in_code: () => (tries++ === 0 ? fail('invalid_input', 'code: is not correct, or was already used', { field: 'code' }) : result),
    });
    const onsignedin = vi.fn();
    render(SignIn, { onsignedin });
    await password();
    await code('111111');

    const err = await screen.findByTestId('signin-code-error');
    expect(err).toHaveTextContent('That code is not correct, or was already used.');
    expect(err).toHaveAttribute('role', 'alert');
    expect(screen.getByTestId('signin-code')).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByTestId('signin-code')).toHaveValue('');
    expect(onsignedin).not.toHaveBeenCalled();

    await code('abcd-efgh-jkmn-pqrs');
    await vi.waitFor(() => expect(onsignedin).toHaveBeenCalledWith(result));
    expect(commands(calls)).toEqual(['sign_in', 'sign_in_code', 'sign_in_code']);
    expect(calls[2].args).toEqual({ code: 'abcd-efgh-jkmn-pqrs' });
  });

  it('shows throttling on the code step with the wait', async () => {
    vi.useFakeTimers();
    backend({
      sign_in: mfaRequired,
      sign_in_code: () => fail('throttled', 'too many failed attempts; try again in 4 s', { retry_after_secs: 4 }),
    });
    render(SignIn);
    await password();
    await code('222222');
    const alert = await screen.findByTestId('signin-error');
    expect(alert).toHaveAttribute('data-code', 'throttled');
    expect(alert).toHaveTextContent('Too many failed attempts. Try again in 4 s.');
    await fireEvent.input(screen.getByTestId('signin-code'), { target: { value: '333333' } });
    expect(screen.getByTestId('signin-code-submit')).toBeDisabled();
    expect(screen.getByTestId('signin-code-submit')).toHaveTextContent('Wait 4 s');
    await vi.advanceTimersByTimeAsync(4500);
    expect(screen.getByTestId('signin-code-submit')).toBeEnabled();
  });

  it('returns to the password step when Rust no longer holds the pending sign-in', async () => {
    backend({ sign_in: mfaRequired, sign_in_code: () => fail('not_signed_in', 'Enter your username and password first.') });
    render(SignIn);
    await password();
    await code('123456');
    const alert = await screen.findByTestId('signin-error');
    expect(alert).toHaveTextContent('The sign-in timed out. Enter your password again.');
    expect(screen.getByTestId('signin-password')).toBeInTheDocument();
    expect(screen.queryByTestId('signin-code')).toBeNull();
    // The login is kept; only the password is asked for again.
    expect(screen.getByTestId('signin-login')).toHaveValue('ada');
  });

  it('a code that came too late (sign_in_expired) starts over with the password', async () => {
    backend({
      sign_in: mfaRequired,
      sign_in_code: () => fail('sign_in_expired', 'The sign-in timed out. Enter your password again.'),
    });
    render(SignIn);
    await password();
    await code('123456');
    expect(await screen.findByTestId('signin-error')).toHaveTextContent('timed out');
    expect(screen.getByTestId('signin-password')).toBeInTheDocument();
    expect(screen.getByTestId('signin-login')).toHaveValue('ada');
  });

  it('a wrong code is not read as a late one, whatever its wording', async () => {
    backend({
      sign_in: mfaRequired,
      sign_in_code: () => fail('invalid_input', 'code: came too late; sign in again', { field: 'code' }),
    });
    render(SignIn);
    await password();
    await code('123456');
    // Decided by the error code, not the message: it stays on the code step.
    expect(await screen.findByTestId('signin-code-error')).toBeInTheDocument();
    expect(screen.getByTestId('signin-code')).toBeInTheDocument();
  });

  it('"Use a different account" goes back to an empty password form', async () => {
    const calls = backend({ sign_in: mfaRequired });
    render(SignIn);
    await password();
    await fireEvent.click(await screen.findByTestId('signin-back'));
    expect(screen.getByTestId('signin-login')).toHaveValue('');
    expect(screen.getByTestId('signin-password')).toHaveValue('');
    expect(screen.queryByTestId('signin-code')).toBeNull();
    expect(screen.queryByRole('alert')).toBeNull();
    expect(commands(calls)).toEqual(['sign_in']);
  });
});
