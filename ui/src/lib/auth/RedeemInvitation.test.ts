import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import RedeemInvitation from './RedeemInvitation.svelte';
import SignIn from './SignIn.svelte';
import { backend, commands, DAY, fail, iso, makeMe, makePolicy } from '../../test/fixtures';

const CODE = 'lk_inv_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789';
const PREVIEW = { organisation: 'Analytical Engines Lab', email: 'dee@example.org', admin: false, expires_at: iso(Date.now() + 5 * DAY) };
const RESULT = { me: makeMe({ username: 'dee' }), expiring_soon: [], secrets_lost: false, mfa_reset: false, recovery_codes_left: null };

function open() {
  const onsignedin = vi.fn();
  const onback = vi.fn();
  render(RedeemInvitation, { onsignedin, onback });
  return { onsignedin, onback };
}

async function enterCode(code = CODE) {
  await fireEvent.input(screen.getByTestId('redeem-code'), { target: { value: code } });
  await fireEvent.click(screen.getByTestId('redeem-continue'));
}

async function fillAccount(over: Partial<Record<'username' | 'first-name' | 'last-name' | 'password' | 'confirm', string>> = {}) {
  const f = { username: 'dee', 'first-name': 'Dee', 'last-name': 'Dee', password: 'a long passphrase', confirm: 'a long passphrase', ...over };
  for (const [k, v] of Object.entries(f)) await fireEvent.input(screen.getByTestId(`redeem-${k}`), { target: { value: v } });
}

describe('RedeemInvitation', () => {
  it('takes the code, shows whom it invites to which organisation, then makes the account and signs in', async () => {
    const calls = backend({ policy: makePolicy({ min_password_length: 12 }), preview_invitation: PREVIEW, redeem_invitation: RESULT });
    const { onsignedin } = open();
    const code = screen.getByTestId('redeem-code');
    await vi.waitFor(() => expect(code).toHaveFocus());
    expect(code).toHaveClass('mono');
    expect(code).toHaveAttribute('autocomplete', 'off');
    expect(code).toHaveAttribute('spellcheck', 'false');

    await enterCode(`  ${CODE}\n`);
    expect(await screen.findByTestId('redeem-organisation')).toHaveTextContent('Analytical Engines Lab');
    expect(screen.getByTestId('redeem-email')).toHaveTextContent('dee@example.org');
    expect(screen.queryByTestId('redeem-admin')).toBeNull();
    expect(calls.find((c) => c.cmd === 'preview_invitation')?.args).toEqual({ code: CODE });
    expect(screen.getByText(/At least 12 characters/)).toBeInTheDocument();
    await vi.waitFor(() => expect(screen.getByTestId('redeem-username')).toHaveFocus());

    await fillAccount();
    await fireEvent.click(screen.getByTestId('redeem-submit'));
    await vi.waitFor(() => expect(onsignedin).toHaveBeenCalledWith(RESULT));
    expect(calls.find((c) => c.cmd === 'redeem_invitation')?.args).toEqual({
      code: CODE,
      username: 'dee',
      firstName: 'Dee',
      lastName: 'Dee',
      password: 'a long passphrase',
      confirm: 'a long passphrase',
    });
  });

  it('says when the invitation makes an administrator', async () => {
    backend({ policy: makePolicy(), preview_invitation: { ...PREVIEW, admin: true } });
    open();
    await enterCode();
    expect(await screen.findByTestId('redeem-admin')).toHaveTextContent('as an administrator');
  });

  it('asks for a code before calling anything', async () => {
    const calls = backend({ policy: makePolicy() });
    open();
    await fireEvent.click(screen.getByTestId('redeem-continue'));
    const err = screen.getByTestId('redeem-error');
    expect(err).toHaveTextContent('Paste the invitation code you were sent.');
    expect(commands(calls)).toEqual(['policy']);
  });

  it('shows a typo (bad checksum) under the code field', async () => {
    backend({
      policy: makePolicy(),
      preview_invitation: () =>
        fail('invalid_input', 'code: is not an invitation code: check it for a typo (it starts with lk_inv_)', { field: 'code' }),
    });
    open();
    await enterCode('lk_inv_typo');
    const err = await screen.findByTestId('redeem-error');
    expect(err).toHaveAttribute('data-code', 'invalid_input');
    expect(err).toHaveTextContent('That code is not an invitation code: check it for a typo (it starts with lk_inv_).');
    expect(err).toHaveAttribute('id', 'redeem-code-error');
    expect(screen.getByTestId('redeem-code')).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByTestId('redeem-code')).toHaveValue('lk_inv_typo');
  });

  it.each([
    ['invitation_unknown', 'code: no invitation has this code; check it against the one you were sent', 'No invitation has this code. Check it against the one you were sent'],
    ['invitation_used', 'this invitation was already used; sign in instead', 'This invitation was already used. Sign in with the account it made instead.'],
    ['invitation_expired', 'this invitation has expired; ask an administrator to send a new one', 'This invitation has expired. Ask an administrator to send you a new one.'],
    ['invitation_revoked', 'this invitation was withdrawn by an administrator', 'This invitation was withdrawn by an administrator.'],
    ['invitation_revoked', 'this code was replaced by a newer one; use the code from the latest invitation', 'This code was replaced by a newer one. Use the code from the latest invitation you were sent.'],
  ])('says clearly why a code is refused: %s', async (code, message, shown) => {
    // The core names the code field for an unknown code (a typo is likelier than not).
    const extra = code === 'invitation_unknown' ? { field: 'code' } : {};
    backend({ policy: makePolicy(), preview_invitation: () => fail(code, message, extra) });
    open();
    await enterCode();
    const err = await screen.findByTestId('redeem-error');
    expect(err).toHaveAttribute('data-code', code);
    expect(err).toHaveAttribute('role', 'alert');
    expect(err).toHaveTextContent(shown);
    expect(screen.queryByTestId('redeem-username')).toBeNull();
  });

  it('says how long to wait when wrong codes are throttled, and holds Continue meanwhile', async () => {
    vi.useFakeTimers();
    backend({
      policy: makePolicy(),
      preview_invitation: () => fail('throttled', 'too many failed attempts; try again in 90 s', { retry_after_secs: 90 }),
    });
    open();
    await enterCode();
    const err = await screen.findByTestId('redeem-error');
    expect(err).toHaveAttribute('data-code', 'throttled');
    expect(err).toHaveTextContent('Too many wrong invitation codes. Try again in 1 min 30 s.');
    expect(screen.getByTestId('redeem-continue')).toBeDisabled();
    expect(screen.getByTestId('redeem-continue')).toHaveTextContent('Wait 1 min 30 s');
    await vi.advanceTimersByTimeAsync(91_000);
    expect(screen.getByTestId('redeem-continue')).toBeEnabled();
    expect(err).toHaveTextContent('You can try again now.');
  });

  it('shows username and password refusals beside their fields', async () => {
    let answer = () => fail('invalid_input', 'username: is already taken', { field: 'username' });
    backend({ policy: makePolicy({ min_password_length: 8 }), preview_invitation: PREVIEW, redeem_invitation: () => answer() });
    const { onsignedin } = open();
    await enterCode();
    await screen.findByTestId('redeem-username');
    await fillAccount();
    await fireEvent.click(screen.getByTestId('redeem-submit'));
    expect(await screen.findByTestId('redeem-username-error')).toHaveTextContent('Is already taken');
    expect(screen.getByTestId('redeem-username')).toHaveAttribute('aria-invalid', 'true');

    answer = () => fail('invalid_input', 'password: must not be the same as the email address', { field: 'password' });
    await fireEvent.click(screen.getByTestId('redeem-submit'));
    expect(await screen.findByTestId('redeem-password-error')).toHaveTextContent('Must not be the same as the email address');
    expect(screen.queryByTestId('redeem-username-error')).toBeNull();

    answer = () => fail('invalid_input', 'confirm password: does not match the new password', { field: 'confirm password' });
    await fireEvent.click(screen.getByTestId('redeem-submit'));
    expect(await screen.findByTestId('redeem-confirm-error')).toHaveTextContent('Does not match the new password');
    expect(onsignedin).not.toHaveBeenCalled();
  });

  it('checks the form before calling redeem_invitation', async () => {
    const calls = backend({ policy: makePolicy({ min_password_length: 12 }), preview_invitation: PREVIEW });
    open();
    await enterCode();
    await screen.findByText(/At least 12 characters/);
    await fillAccount({ username: 'no spaces please', password: 'short', confirm: 'shorter' });
    await fireEvent.click(screen.getByTestId('redeem-submit'));
    expect(screen.getByTestId('redeem-username-error')).toHaveTextContent('May contain only letters');
    expect(screen.getByTestId('redeem-password-error')).toHaveTextContent('Must be at least 12 characters.');
    expect(screen.getByTestId('redeem-confirm-error')).toHaveTextContent('Does not match');
    expect(commands(calls)).not.toContain('redeem_invitation');
  });

  it('goes back to the code, saying why, when the invitation stopped working meanwhile', async () => {
    backend({
      policy: makePolicy({ min_password_length: 8 }),
      preview_invitation: PREVIEW,
      redeem_invitation: () => fail('invitation_revoked', 'this invitation was withdrawn by an administrator'),
    });
    open();
    await enterCode();
    await screen.findByTestId('redeem-username');
    await fillAccount();
    await fireEvent.click(screen.getByTestId('redeem-submit'));
    const err = await screen.findByTestId('redeem-error');
    expect(err).toHaveAttribute('data-code', 'invitation_revoked');
    expect(screen.getByTestId('redeem-code')).toHaveValue(CODE);
    expect(screen.queryByTestId('redeem-username')).toBeNull();
  });

  it('has a way back to sign in from either step, and to another code', async () => {
    backend({ policy: makePolicy(), preview_invitation: PREVIEW });
    const { onback } = open();
    await enterCode();
    await screen.findByTestId('redeem-username');
    await fireEvent.click(screen.getByTestId('redeem-change-code'));
    expect(screen.getByTestId('redeem-code')).toBeInTheDocument();
    await fireEvent.click(screen.getByTestId('redeem-back'));
    expect(onback).toHaveBeenCalled();
  });
});

describe('SignIn → I have an invitation', () => {
  it('switches to redeeming and back, and a redeemed invitation signs in', async () => {
    const calls = backend({ policy: makePolicy({ min_password_length: 8 }), preview_invitation: PREVIEW, redeem_invitation: RESULT });
    const onsignedin = vi.fn();
    render(SignIn, { onsignedin });
    await fireEvent.click(screen.getByTestId('signin-redeem'));
    expect(screen.queryByTestId('signin-login')).toBeNull();
    await fireEvent.click(await screen.findByTestId('redeem-back'));
    await vi.waitFor(() => expect(screen.getByTestId('signin-login')).toHaveFocus());

    await fireEvent.click(screen.getByTestId('signin-redeem'));
    await screen.findByTestId('redeem-code');
    await enterCode();
    await screen.findByTestId('redeem-username');
    await fillAccount();
    await fireEvent.click(screen.getByTestId('redeem-submit'));
    await vi.waitFor(() => expect(onsignedin).toHaveBeenCalledWith(RESULT));
    expect(commands(calls)).not.toContain('sign_in');
  });
});
