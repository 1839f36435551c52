import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import SignIn from './SignIn.svelte';
import { backend, fail, makeMe } from '../../test/fixtures';

async function fillAndSubmit(login: string, password: string) {
  await fireEvent.input(screen.getByLabelText('Username or email'), { target: { value: login } });
  await fireEvent.input(screen.getByLabelText('Password'), { target: { value: password } });
  await fireEvent.click(screen.getByTestId('signin-submit'));
}

describe('SignIn', () => {
  it('has labelled inputs and a submit button disabled until both are filled', () => {
    render(SignIn);
    expect(screen.getByLabelText('Username or email')).toHaveAttribute('type', 'text');
    expect(screen.getByLabelText('Password')).toHaveAttribute('type', 'password');
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeDisabled();
  });

  it('calls sign_in with login and password and hands over the result', async () => {
    const result = { me: makeMe(), expiring_soon: [], secrets_lost: false };
    const calls = backend({ sign_in: result });
    const onsignedin = vi.fn();
    render(SignIn, { onsignedin });

    await fillAndSubmit('  ada ', 'correct horse battery');

    await vi.waitFor(() => expect(onsignedin).toHaveBeenCalledWith(result));
    expect(calls).toEqual([{ cmd: 'sign_in', args: { login: 'ada', password: 'correct horse battery' } }]);
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    expect(screen.getByLabelText('Password')).toHaveValue('');
  });

  it('shows bad_credentials as a clear message and stays usable', async () => {
    backend({ sign_in: () => fail('bad_credentials', 'username or password is incorrect') });
    const onsignedin = vi.fn();
    render(SignIn, { onsignedin });

    await fillAndSubmit('ada', 'nope-nope');

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('The username or password is incorrect.');
    expect(alert).toHaveAttribute('data-code', 'bad_credentials');
    expect(screen.getByLabelText('Password')).toHaveAttribute('aria-invalid', 'true');
    expect(onsignedin).not.toHaveBeenCalled();
    await fireEvent.input(screen.getByLabelText('Password'), { target: { value: 'again' } });
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeEnabled();
  });

  it('shows throttled with the wait, counts it down and blocks retrying until then', async () => {
    vi.useFakeTimers();
    backend({
      sign_in: () => fail('throttled', 'too many failed attempts; try again in 3 s', { retry_after_secs: 3 }),
    });
    render(SignIn);

    await fillAndSubmit('ada', 'wrong-again');

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveAttribute('data-code', 'throttled');
    expect(alert).toHaveTextContent('Too many failed attempts. Try again in 3 s.');
    await fireEvent.input(screen.getByLabelText('Password'), { target: { value: 'next-try' } });
    expect(screen.getByTestId('signin-submit')).toBeDisabled();
    expect(screen.getByTestId('signin-submit')).toHaveTextContent('Wait 3 s');

    await vi.advanceTimersByTimeAsync(1000);
    expect(alert).toHaveTextContent('Try again in 2 s.');
    await vi.advanceTimersByTimeAsync(2500);
    expect(screen.getByTestId('signin-submit')).toBeEnabled();
    expect(screen.getByRole('alert')).toHaveTextContent('You can try again now.');
  });

  it('explains a disabled account', async () => {
    backend({ sign_in: () => fail('account_disabled', 'this account is disabled') });
    render(SignIn);
    await fillAndSubmit('ada', 'whatever1');
    expect(await screen.findByRole('alert')).toHaveTextContent('This account is disabled.');
  });

  it('turns a bare string rejection into a readable error', async () => {
    backend({ sign_in: () => { throw 'command sign_in not found'; } });
    render(SignIn);

    await fillAndSubmit('ada', 'whatever1');

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Command sign_in not found.');
    expect(alert).toHaveAttribute('data-code', 'internal_error');
  });

  it('shows why the window returned to sign-in', () => {
    render(SignIn, { notice: 'Locked after 15 minutes without activity.' });
    expect(screen.getByTestId('signin-notice')).toHaveTextContent('Locked after 15 minutes');
  });
});
