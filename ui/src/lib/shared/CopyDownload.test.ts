import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import CopyDownload from './CopyDownload.svelte';
import type { ApiError } from './api';

/** A promise settled from the test, to look at the buttons while an action runs. */
function pending<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

const REFUSED: ApiError = { code: 'no_secret', message: 'nothing to copy for this key' };

describe('CopyDownload', () => {
  it('labels the pair, says "Copying…" while it runs and "Copy again" after, holding both meanwhile', async () => {
    const run = pending<void>();
    const copy = vi.fn(() => run.promise);
    render(CopyDownload, { testid: 'issued', downloadLabel: 'Download key file', copy, download: vi.fn() });
    const c = screen.getByTestId('issued-copy');
    const d = screen.getByTestId('issued-download');
    expect(c).toHaveTextContent(/^Copy$/);
    expect(c).toHaveClass('btn', 'btn-primary');
    expect(c).toHaveAttribute('data-autofocus');
    expect(d).toHaveTextContent(/^Download key file$/);

    await fireEvent.click(c);
    expect(c).toHaveTextContent('Copying…');
    expect(c).toBeDisabled();
    expect(d).toBeDisabled();
    run.resolve();
    await vi.waitFor(() => expect(c).toHaveTextContent(/^Copy again$/));
    expect(d).toBeEnabled();
    expect(copy).toHaveBeenCalledTimes(1);
  });

  it('says where the file went, or that the save was cancelled, and shows a refusal', async () => {
    const download = vi
      .fn<() => Promise<{ path: string } | null>>()
      .mockResolvedValueOnce(null)
      .mockResolvedValueOnce({ path: '/home/ada/codes.txt' })
      .mockRejectedValueOnce({ code: 'internal_error', message: 'the file could not be written' });
    render(CopyDownload, { testid: 'recovery', copyLabel: 'Copy codes', copy: vi.fn(), download });
    const d = screen.getByTestId('recovery-download');

    await fireEvent.click(d);
    expect(await screen.findByText('Download cancelled.')).toBeInTheDocument();
    await fireEvent.click(d);
    expect(await screen.findByTestId('recovery-saved')).toHaveTextContent('Saved to /home/ada/codes.txt (readable only by you).');
    expect(screen.queryByText('Download cancelled.')).toBeNull();
    await fireEvent.click(d);
    const err = await screen.findByTestId('recovery-error');
    expect(err).toHaveTextContent('The file could not be written.');
    expect(err).toHaveAttribute('data-code', 'internal_error');
    expect(err).toHaveAttribute('role', 'alert');
    expect(screen.getByRole('status')).toHaveTextContent('/home/ada/codes.txt');
  });

  it('plain: two plain buttons, the outcome reported to the caller, with a retry', async () => {
    let refuse = true;
    const copy = vi.fn(async () => {
      if (refuse) throw REFUSED;
    });
    const onstart = vi.fn();
    const onsaved = vi.fn();
    const onerror = vi.fn();
    render(CopyDownload, {
      testid: 'acct',
      plain: true,
      copy,
      download: async () => ({ path: '/tmp/k.json' }),
      onstart,
      onsaved,
      onerror,
    });
    const c = screen.getByTestId('acct-copy');
    expect(c).toHaveClass('btn');
    expect(c).not.toHaveClass('btn-primary');
    expect(c.querySelector('svg')).toBeNull();
    expect(c).not.toHaveAttribute('data-autofocus');
    expect(screen.getByTestId('acct-download')).toHaveTextContent(/^Download$/);
    expect(screen.queryByRole('status')).toBeNull();

    await fireEvent.click(c);
    await vi.waitFor(() => expect(onerror).toHaveBeenCalledTimes(1));
    const [err, action, retry] = onerror.mock.calls[0];
    expect(err).toEqual(REFUSED);
    expect(action).toBe('copy');
    expect(onstart).toHaveBeenLastCalledWith('copy');
    expect(screen.queryByTestId('acct-error')).toBeNull();
    expect(c).toHaveTextContent(/^Copy$/);

    refuse = false;
    retry();
    await vi.waitFor(() => expect(c).toHaveTextContent(/^Copy again$/));
    expect(copy).toHaveBeenCalledTimes(2);
    expect(onstart).toHaveBeenCalledTimes(2);

    await fireEvent.click(screen.getByTestId('acct-download'));
    await vi.waitFor(() => expect(onsaved).toHaveBeenCalledWith('/tmp/k.json'));
    expect(screen.queryByTestId('acct-saved')).toBeNull();
  });

  it('disabled holds both buttons', () => {
    render(CopyDownload, { testid: 'acct', plain: true, disabled: true, copy: vi.fn(), download: vi.fn() });
    expect(screen.getByTestId('acct-copy')).toBeDisabled();
    expect(screen.getByTestId('acct-download')).toBeDisabled();
  });
});
