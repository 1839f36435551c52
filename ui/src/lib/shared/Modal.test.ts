import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import { tick } from 'svelte';
import ModalHarness from '../../test/ModalHarness.svelte';

async function openOuter(props: Record<string, unknown> = {}) {
  render(ModalHarness, props);
  const opener = screen.getByRole('button', { name: 'Open dialog' });
  opener.focus();
  await fireEvent.click(opener);
  await tick();
  await tick();
  return { opener, dialog: screen.getByRole('dialog', { name: 'Outer dialog' }) };
}

const tab = (shift = false) => fireEvent.keyDown(document.activeElement ?? document.body, { key: 'Tab', shiftKey: shift });

describe('Modal keyboard', () => {
  it('is a labelled modal dialog that focuses its first control (not the close button)', async () => {
    const { dialog } = await openOuter();
    expect(dialog).toHaveAttribute('aria-modal', 'true');
    expect(screen.getByLabelText('First')).toHaveFocus();
    expect(screen.getByRole('button', { name: 'Close' })).toBeInTheDocument();
  });

  it('focuses the field marked data-autofocus instead', async () => {
    await openOuter({ autofocus: true });
    expect(screen.getByLabelText('Second')).toHaveFocus();
  });

  it('Tab from the last control wraps to the first, Shift+Tab from the first to the last', async () => {
    await openOuter();
    const close = screen.getByRole('button', { name: 'Close' }); // first in DOM order
    const last = screen.getByRole('button', { name: 'Last' });
    last.focus();
    await tab();
    expect(close).toHaveFocus();
    await tab(true);
    expect(last).toHaveFocus();
    // In between, Tab is left to the browser (not prevented).
    screen.getByLabelText('First').focus();
    const ev = new KeyboardEvent('keydown', { key: 'Tab', bubbles: true, cancelable: true });
    document.activeElement!.dispatchEvent(ev);
    expect(ev.defaultPrevented).toBe(false);
    // A disabled control is skipped: it is not the wrap target.
    expect(screen.getByRole('button', { name: 'Disabled' })).toBeDisabled();
  });

  it('focus that wanders outside is brought back into the dialog', async () => {
    const { dialog } = await openOuter();
    screen.getByRole('button', { name: 'Outside' }).focus();
    expect(dialog.contains(document.activeElement)).toBe(true);
  });

  it('Escape closes it and focus returns to what opened it', async () => {
    const onclose = vi.fn();
    const { opener } = await openOuter({ onclose });
    await fireEvent.keyDown(document.activeElement!, { key: 'Escape' });
    expect(onclose).toHaveBeenCalledTimes(1);
    expect(screen.queryByRole('dialog')).toBeNull();
    await tick();
    expect(opener).toHaveFocus();
  });

  it('with a dialog on top, Tab and Escape belong to the top one only', async () => {
    const onclose = vi.fn();
    const oninnerclose = vi.fn();
    await openOuter({ onclose, oninnerclose });
    const openInner = screen.getByRole('button', { name: 'Open inner' });
    openInner.focus();
    await fireEvent.click(openInner);
    await tick();
    await tick();
    const inner = screen.getByRole('alertdialog', { name: 'Inner dialog' });
    expect(screen.getByRole('button', { name: 'Only' })).toHaveFocus();
    // Tab cycles inside the inner dialog: Close ↔ Only.
    await tab();
    expect(inner.contains(document.activeElement)).toBe(true);
    await tab();
    expect(inner.contains(document.activeElement)).toBe(true);

    await fireEvent.keyDown(document.activeElement!, { key: 'Escape' });
    expect(oninnerclose).toHaveBeenCalledTimes(1);
    expect(onclose).not.toHaveBeenCalled();
    expect(screen.getByRole('dialog', { name: 'Outer dialog' })).toBeInTheDocument();
    await tick();
    expect(openInner).toHaveFocus();
    await fireEvent.keyDown(document.activeElement!, { key: 'Escape' });
    expect(onclose).toHaveBeenCalledTimes(1);
  });
});
