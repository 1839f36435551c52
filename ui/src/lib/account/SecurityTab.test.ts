import { describe, expect, it } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import SecurityTab from './SecurityTab.svelte';
import { backend, commands, fail, makePolicy } from '../../test/fixtures';

async function fill(current: string, next: string, confirm: string) {
  await fireEvent.input(screen.getByLabelText('Current password'), { target: { value: current } });
  await fireEvent.input(screen.getByLabelText('New password'), { target: { value: next } });
  await fireEvent.input(screen.getByLabelText('Confirm new password'), { target: { value: confirm } });
  await fireEvent.click(screen.getByTestId('pw-submit'));
}

describe('SecurityTab', () => {
  it('shows the minimum length from the policy command, read when the tab shows', async () => {
    let answer: (p: ReturnType<typeof makePolicy>) => void = () => {};
    const calls = backend({ policy: () => new Promise((r) => (answer = r)) });
    render(SecurityTab, {});
    // Nothing from start-up is shown meanwhile.
    expect(screen.getByTestId('policy-min-length')).toHaveTextContent('…');
    expect(screen.getByLabelText('New password')).not.toHaveAccessibleDescription(/At least/);
    answer(makePolicy({ min_password_length: 16 }));
    await screen.findByText('16', { selector: '[data-testid="policy-min-length"]' });
    expect(screen.getByLabelText('New password')).toHaveAccessibleDescription(/At least 16 characters/);
    expect(commands(calls)).toContain('policy');
  });

  it('reads the policy again each time the tab shows', async () => {
    let min = 10;
    backend({ policy: () => makePolicy({ min_password_length: min }) });
    const first = render(SecurityTab, {});
    await screen.findByText('10', { selector: '[data-testid="policy-min-length"]' });
    first.unmount();
    min = 20;
    render(SecurityTab, {});
    await screen.findByText('20', { selector: '[data-testid="policy-min-length"]' });
  });

  it('checks length and confirmation before calling change_password', async () => {
    const calls = backend({ policy: makePolicy() });
    render(SecurityTab, {});
    await screen.findByText('12', { selector: '[data-testid="policy-min-length"]' });
    await fill('', 'short', 'other');
    expect(screen.getByTestId('pw-current-error')).toHaveTextContent('Enter your current password.');
    expect(screen.getByTestId('pw-new-error')).toHaveTextContent('Must be at least 12 characters.');
    expect(screen.getByTestId('pw-confirm-error')).toHaveTextContent('Does not match the new password.');
    expect(calls.map((c) => c.cmd).filter((c) => c !== 'mfa_status')).toEqual(['policy']);
  });

  it('changes the password and clears the form', async () => {
    const calls = backend({ policy: makePolicy(), change_password: null });
    render(SecurityTab, {});
    await fill('old password here', 'a much longer passphrase', 'a much longer passphrase');
    expect(await screen.findByTestId('pw-changed')).toHaveTextContent('Password changed.');
    expect(calls.find((c) => c.cmd === 'change_password')).toEqual({
      cmd: 'change_password',
      args: { current: 'old password here', new: 'a much longer passphrase', confirm: 'a much longer passphrase' },
    });
    expect(screen.getByLabelText('Current password')).toHaveValue('');
  });

  it.each([
    ['current password', 'current password: is incorrect', 'pw-current-error', 'Is incorrect'],
    ['new password', 'new password: must not be the same as the username', 'pw-new-error', 'Must not be the same as the username'],
    ['new password', 'new password: is in a list of commonly used passwords; choose another', 'pw-new-error', 'commonly used'],
    ['confirm password', 'confirm password: does not match the new password', 'pw-confirm-error', 'Does not match'],
  ])('shows the refusal for %s inline', async (field, message, testid, text) => {
    backend({ policy: makePolicy(), change_password: () => fail('invalid_input', message, { field }) });
    render(SecurityTab, {});
    await fill('old password here', 'a much longer passphrase', 'a much longer passphrase');
    const err = await screen.findByTestId(testid);
    expect(err).toHaveTextContent(text);
    expect(err).toHaveAttribute('role', 'alert');
    expect(screen.queryByTestId('pw-changed')).toBeNull();
  });

  it('shows other errors for the whole form', async () => {
    backend({ policy: makePolicy(), change_password: () => fail('throttled', 'too many failed attempts; try again in 8 s', { retry_after_secs: 8 }) });
    render(SecurityTab, {});
    await fill('old password here', 'a much longer passphrase', 'a much longer passphrase');
    expect(await screen.findByTestId('pw-error')).toHaveTextContent('Too many failed attempts; try again in 8 s.');
  });
});
