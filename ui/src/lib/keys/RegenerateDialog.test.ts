import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import RegenerateDialog from './RegenerateDialog.svelte';
import { formatWhen } from '../shared/format';
import { backend, commands, fail, makeKey } from '../../test/fixtures';

const old = makeKey({ name: 'ci', hint: 'lk_live_…OLD1' });
const fresh = makeKey({ name: 'ci', hint: 'lk_live_…NEW2' });
const SECRET = 'lk_live_NEWNEWNEWNEWNEWNEWNEWNEWNEWNEWabcdef';

function open() {
  const onregenerated = vi.fn();
  const onclose = vi.fn();
  render(RegenerateDialog, { key: old, onregenerated, onclose });
  return { onregenerated, onclose };
}

describe('RegenerateDialog', () => {
  it('offers the grace choices, defaulting to immediately', () => {
    backend({});
    open();
    const dialog = screen.getByRole('alertdialog', { name: 'Regenerate “ci”?' });
    for (const g of ['immediately', 'minutes15', 'hour1', 'hours6', 'hours24']) {
      expect(within(dialog).getByTestId(`grace-${g}`)).toBeInTheDocument();
    }
    expect(screen.getByTestId('grace-immediately')).toBeChecked();
    expect(screen.getByLabelText(/15 minutes/)).toBeInTheDocument();
    expect(screen.getByLabelText(/24 hours/)).toBeInTheDocument();
  });

  it('regenerates with the chosen grace and shows the new key once', async () => {
    const stops = new Date(Date.now() + 3_600_000).toISOString();
    const calls = backend({ regenerate_key: { key: fresh, secret: SECRET, old_stops_at: stops }, forget_secret: null });
    const { onregenerated, onclose } = open();
    await fireEvent.click(screen.getByTestId('grace-hour1'));
    await fireEvent.click(screen.getByTestId('confirm-yes'));

    expect(await screen.findByTestId('issued-secret')).toHaveValue(SECRET);
    expect(calls[0]).toEqual({ cmd: 'regenerate_key', args: { id: old.id, grace: 'hour1' } });
    expect(onregenerated).toHaveBeenCalled();
    expect(screen.getByTestId('issued-note')).toHaveTextContent('The old key (lk_live_…OLD1) keeps working until');
    expect(screen.getByTestId('issued-note')).toHaveTextContent(formatWhen(stops));

    await fireEvent.click(screen.getByTestId('issued-close'));
    expect(calls.at(-1)).toEqual({ cmd: 'forget_secret', args: { id: fresh.id } });
    expect(onclose).toHaveBeenCalled();
  });

  it('asks "Confirm it’s you" on step_up_required, confirms the password and retries', async () => {
    let proven = false;
    const calls = backend({
      regenerate_key: () => (proven ? { key: fresh, secret: SECRET } : fail('step_up_required', "confirm it's you")),
      confirm_password: (a: { password: string }) => {
        if (a.password !== 'right password') fail('bad_credentials', 'username or password is incorrect');
        proven = true;
        return null;
      },
      copy_key: { clear_after_secs: 30 },
      forget_secret: null,
    });
    open();
    await fireEvent.click(screen.getByTestId('confirm-yes'));

    const prompt = await screen.findByRole('alertdialog', { name: 'Confirm it’s you' });
    expect(prompt).toHaveTextContent('To regenerate this key, enter your password again.');
    await vi.waitFor(() => expect(screen.getByTestId('stepup-password')).toHaveFocus());

    // A wrong password is refused in the prompt, which stays open.
    await fireEvent.input(screen.getByTestId('stepup-password'), { target: { value: 'wrong' } });
    await fireEvent.click(screen.getByTestId('stepup-submit'));
    expect(await screen.findByTestId('stepup-error')).toHaveTextContent('That password is incorrect.');

    await fireEvent.input(screen.getByTestId('stepup-password'), { target: { value: 'right password' } });
    await fireEvent.click(screen.getByTestId('stepup-submit'));

    expect(await screen.findByTestId('issued-secret')).toHaveValue(SECRET);
    expect(screen.queryByTestId('stepup-dialog')).toBeNull();
    expect(commands(calls)).toEqual(['regenerate_key', 'confirm_password', 'confirm_password', 'regenerate_key']);
    expect(calls[2].args).toEqual({ password: 'right password' });
    expect(calls[3].args).toEqual({ id: old.id, grace: 'immediately' });

    await fireEvent.click(screen.getByTestId('issued-copy'));
    await vi.waitFor(() => expect(calls.at(-1)).toEqual({ cmd: 'copy_key', args: { id: fresh.id } }));
  });

  it('cancelling the step-up prompt returns to the confirmation', async () => {
    const calls = backend({ regenerate_key: () => fail('step_up_required', "confirm it's you") });
    const { onclose } = open();
    await fireEvent.click(screen.getByTestId('confirm-yes'));
    await screen.findByTestId('stepup-dialog');
    // Escape closes only the top dialog.
    await fireEvent.keyDown(screen.getByTestId('stepup-password'), { key: 'Escape' });
    expect(screen.queryByTestId('stepup-dialog')).toBeNull();
    expect(screen.getByRole('alertdialog', { name: 'Regenerate “ci”?' })).toBeInTheDocument();
    expect(onclose).not.toHaveBeenCalled();
    expect(commands(calls)).toEqual(['regenerate_key']);
  });

  it('shows other refusals in the dialog', async () => {
    backend({ regenerate_key: () => fail('conflict', 'this key has expired; create a new key instead') });
    open();
    await fireEvent.click(screen.getByTestId('confirm-yes'));
    expect(await screen.findByTestId('regenerate-error')).toHaveTextContent('This key has expired; create a new key instead.');
  });
});
