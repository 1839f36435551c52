import { describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/svelte';
import { emit } from '../../dev/desktopEvents';
import ClipboardToast from './ClipboardToast.svelte';
import { backend } from '../../test/fixtures';
import { clipboard, copyAndCount } from './clipboard.svelte';

describe('clipboard countdown', () => {
  it('counts down from clear_after_secs', async () => {
    vi.useFakeTimers();
    const calls = backend({ copy_key: { clear_after_secs: 10 } }, { events: true });
    render(ClipboardToast);
    await copyAndCount('key-1', 'ci');
    expect(calls).toEqual([{ cmd: 'copy_key', args: { id: 'key-1' } }]);

    const toast = await screen.findByTestId('clipboard-countdown');
    expect(toast).toHaveTextContent('“ci” copied — clears in 10 s');
    await vi.advanceTimersByTimeAsync(3000);
    expect(toast).toHaveTextContent('clears in 7 s');
    await vi.advanceTimersByTimeAsync(4000);
    expect(toast).toHaveTextContent('clears in 3 s');
    expect(screen.getByRole('status')).toHaveTextContent('The clipboard will be cleared in 10 seconds.');
  });

  it('ends when Rust reports clipboard-cleared', async () => {
    vi.useFakeTimers();
    backend({ copy_key: { clear_after_secs: 30 } }, { events: true });
    render(ClipboardToast);
    await copyAndCount('key-1', 'ci');
    await vi.advanceTimersByTimeAsync(0); // let the listener register
    await emit('clipboard-cleared', { reason: 'timer' });
    const toast = await screen.findByTestId('clipboard-countdown');
    await vi.waitFor(() => expect(toast).toHaveAttribute('data-phase', 'cleared'));
    expect(toast).toHaveTextContent('Clipboard cleared.');
    await vi.advanceTimersByTimeAsync(3500);
    expect(screen.queryByTestId('clipboard-countdown')).toBeNull();
  });

  it('says when something else replaced the key', async () => {
    backend({ copy_key: { clear_after_secs: 30 } }, { events: true });
    render(ClipboardToast);
    await copyAndCount('key-1', 'ci');
    await new Promise((r) => setTimeout(r, 0));
    await emit('clipboard-cleared', { reason: 'replaced' });
    await vi.waitFor(() =>
      expect(screen.getByTestId('clipboard-countdown')).toHaveTextContent('the key is no longer on the clipboard'),
    );
  });

  it('says the key stays when clearing is off', async () => {
    backend({ copy_key: { clear_after_secs: null } }, { events: true });
    render(ClipboardToast);
    await copyAndCount('key-1', 'ci');
    expect(await screen.findByTestId('clipboard-countdown')).toHaveTextContent('stays until you copy something else');
    expect(clipboard.phase).toBe('held');
  });

  it('at zero says “clearing” and waits for Rust: it never claims a clear that was not reported', async () => {
    vi.useFakeTimers();
    backend({ copy_key: { clear_after_secs: 10 } }, { events: true });
    render(ClipboardToast);
    await copyAndCount('key-1', 'ci');
    await vi.advanceTimersByTimeAsync(60_000);
    const toast = screen.getByTestId('clipboard-countdown');
    expect(clipboard.phase).toBe('counting');
    expect(toast).toHaveTextContent('“ci” copied — clearing…');
    expect(toast).not.toHaveTextContent('Clipboard cleared');
    await emit('clipboard-cleared', { reason: 'timer' });
    await vi.waitFor(() => expect(toast).toHaveTextContent('Clipboard cleared.'));
  });

  it('says so, and stays, when clearing failed', async () => {
    vi.useFakeTimers();
    backend({ copy_key: { clear_after_secs: 10 } }, { events: true });
    render(ClipboardToast);
    await copyAndCount('key-1', 'ci');
    await vi.advanceTimersByTimeAsync(0);
    await emit('clipboard-cleared', { reason: 'failed' });
    const toast = screen.getByTestId('clipboard-countdown');
    await vi.waitFor(() => expect(toast).toHaveTextContent('Could not clear the clipboard: it may still hold the key.'));
    expect(toast).toHaveClass('failed');
    expect(screen.getByRole('status')).toHaveTextContent('Could not clear the clipboard');
    await vi.advanceTimersByTimeAsync(30_000);
    expect(screen.getByTestId('clipboard-countdown')).toBeInTheDocument();
  });

  it('can be dismissed', async () => {
    backend({ copy_key: { clear_after_secs: 30 } }, { events: true });
    render(ClipboardToast);
    await copyAndCount('key-1', 'ci');
    (await screen.findByRole('button', { name: 'Dismiss clipboard notice' })).click();
    await vi.waitFor(() => expect(screen.queryByTestId('clipboard-countdown')).toBeNull());
  });
});
