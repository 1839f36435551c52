import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import AccountKeyPanel from './AccountKeyPanel.svelte';
import { backend, commands, fail, makeKey } from '../../test/fixtures';
import { clipboard } from '../shared/clipboard.svelte';

const acct = makeKey({ name: 'account key', kind: 'acct', account_key: true, revealable: true, viewable: true, hint: 'lk_acct_…WXYZ', expires_at: null });
const SECRET = 'lk_acct_SECRETSECRETSECRETSECRETSECRET123456';

describe('AccountKeyPanel', () => {
  it('shows the hint masked until revealed, with step-up first', async () => {
    let proven = false;
    const calls = backend({
      account_key: acct,
      reveal_account_key: () => (proven ? SECRET : fail('step_up_required', "confirm it's you")),
      confirm_password: () => {
        proven = true;
        return null;
      },
    });
    render(AccountKeyPanel);
    const field = await screen.findByTestId('acct-secret');
    expect((field as HTMLInputElement).value).toMatch(/^lk_acct_•+WXYZ$/);

    await fireEvent.click(screen.getByTestId('acct-reveal'));
    expect(await screen.findByRole('alertdialog', { name: 'Confirm it’s you' })).toHaveTextContent('To show your account key');
    await fireEvent.input(screen.getByTestId('stepup-password'), { target: { value: 'pw' } });
    await fireEvent.click(screen.getByTestId('stepup-submit'));

    await vi.waitFor(() => expect(screen.getByTestId('acct-secret')).toHaveValue(SECRET));
    expect(commands(calls)).toEqual(['account_key', 'reveal_account_key', 'confirm_password', 'reveal_account_key']);

    await fireEvent.click(screen.getByTestId('acct-hide'));
    expect((screen.getByTestId('acct-secret') as HTMLInputElement).value).toMatch(/•+WXYZ$/);
  });

  it('copies and downloads by id', async () => {
    const calls = backend(
      { account_key: acct, copy_key: { clear_after_secs: null }, download_key: { path: '/tmp/latchkey-account key.json' } },
      { events: true },
    );
    render(AccountKeyPanel);
    await fireEvent.click(await screen.findByTestId('acct-copy'));
    await vi.waitFor(() => expect(clipboard.phase).toBe('held'));
    await fireEvent.click(screen.getByTestId('acct-download'));
    expect(await screen.findByTestId('acct-saved')).toHaveTextContent('/tmp/latchkey-account key.json');
    expect(calls.slice(1)).toEqual([
      { cmd: 'copy_key', args: { id: acct.id } },
      { cmd: 'download_key', args: { id: acct.id } },
    ]);
  });

  it('resets after a confirmation and step-up, and shows the new key once', async () => {
    let proven = false;
    const next = { ...acct, id: 'acct-2', hint: 'lk_acct_…NEW9' };
    let current = acct;
    const calls = backend({
      account_key: () => current,
      reset_account_key: () => {
        if (!proven) fail('step_up_required', "confirm it's you");
        current = next;
        return { key: next, secret: SECRET };
      },
      confirm_password: () => {
        proven = true;
        return null;
      },
      forget_secret: null,
    });
    render(AccountKeyPanel);
    await fireEvent.click(await screen.findByTestId('acct-reset'));
    const confirm = screen.getByRole('alertdialog', { name: 'Reset your account key?' });
    expect(confirm).toHaveTextContent('stops working immediately');
    await fireEvent.click(screen.getByTestId('confirm-yes'));
    await fireEvent.input(await screen.findByTestId('stepup-password'), { target: { value: 'pw' } });
    await fireEvent.click(screen.getByTestId('stepup-submit'));

    expect(await screen.findByTestId('issued-secret')).toHaveValue(SECRET);
    expect(screen.getByTestId('issued-note')).toHaveTextContent('The previous account key no longer works.');
    await vi.waitFor(() => expect((screen.getByTestId('acct-secret') as HTMLInputElement).value).toMatch(/NEW9$/));
    await fireEvent.click(screen.getByTestId('issued-close'));
    expect(calls.at(-1)).toEqual({ cmd: 'forget_secret', args: { id: 'acct-2' } });
    expect(screen.queryByTestId('issued-secret')).toBeNull();
  });

  it('explains when the key can no longer be viewed', async () => {
    backend({ account_key: { ...acct, viewable: false } });
    render(AccountKeyPanel);
    expect(await screen.findByTestId('acct-not-viewable')).toHaveTextContent('an administrator reset your password');
    expect(screen.getByTestId('acct-reveal')).toBeDisabled();
    expect(screen.getByTestId('acct-copy')).toBeDisabled();
    expect(screen.getByTestId('acct-reset')).toBeEnabled();
  });

  it('shows errors from the actions', async () => {
    backend({ account_key: acct, copy_key: () => fail('no_secret', 'nothing to copy for this key') });
    render(AccountKeyPanel);
    await fireEvent.click(await screen.findByTestId('acct-copy'));
    expect(await screen.findByTestId('acct-error')).toHaveTextContent('Nothing to copy for this key.');
  });
});
