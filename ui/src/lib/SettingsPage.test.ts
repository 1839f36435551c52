import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import SettingsPage from './SettingsPage.svelte';
import { backend, fail } from '../test/fixtures';

describe('SettingsPage', () => {
  it('offers the clipboard clear times with 30 s as the default', async () => {
    backend({ settings: { clipboard_clear_secs: 30, idle_lock_mins: 15 } });
    render(SettingsPage, { settings: { clipboard_clear_secs: 30, idle_lock_mins: 15 }, onsaved: vi.fn() });
    const select = screen.getByLabelText('Clear copied keys from the clipboard after') as HTMLSelectElement;
    expect([...select.options].map((o) => o.textContent)).toEqual([
      '10 seconds',
      '30 seconds (default)',
      '1 minute',
      '2 minutes',
      '5 minutes',
      'Never — keep until I copy something else',
    ]);
    expect(select.value).toBe('30');
    expect(screen.getByTestId('settings-idle')).toHaveValue(15);
  });

  it('loads the current settings from the settings command', async () => {
    backend({ settings: { clipboard_clear_secs: null, idle_lock_mins: 5 } });
    render(SettingsPage, { settings: { clipboard_clear_secs: 30, idle_lock_mins: 15 }, onsaved: vi.fn() });
    await vi.waitFor(() => expect(screen.getByTestId('settings-clipboard')).toHaveValue('never'));
    expect(screen.getByTestId('settings-idle')).toHaveValue(5);
  });

  it('saves with set_settings, sending null for never', async () => {
    const calls = backend({
      settings: { clipboard_clear_secs: 30, idle_lock_mins: 15 },
      set_settings: (a: { settings: unknown }) => a.settings,
    });
    const onsaved = vi.fn();
    render(SettingsPage, { settings: { clipboard_clear_secs: 30, idle_lock_mins: 15 }, onsaved });
    await fireEvent.change(screen.getByTestId('settings-clipboard'), { target: { value: 'never' } });
    await fireEvent.input(screen.getByTestId('settings-idle'), { target: { value: '45' } });
    await fireEvent.click(screen.getByTestId('settings-save'));
    expect(await screen.findByTestId('settings-saved')).toHaveTextContent('Settings saved.');
    expect(calls.at(-1)).toEqual({ cmd: 'set_settings', args: { settings: { clipboard_clear_secs: null, idle_lock_mins: 45 } } });
    expect(onsaved).toHaveBeenCalledWith({ clipboard_clear_secs: null, idle_lock_mins: 45 });
  });

  it('refuses an idle time out of range before calling set_settings', async () => {
    const calls = backend({ settings: { clipboard_clear_secs: 30, idle_lock_mins: 15 } });
    render(SettingsPage, { settings: { clipboard_clear_secs: 30, idle_lock_mins: 15 }, onsaved: vi.fn() });
    await fireEvent.input(screen.getByTestId('settings-idle'), { target: { value: '0' } });
    await fireEvent.click(screen.getByTestId('settings-save'));
    expect(screen.getByTestId('settings-idle-error')).toHaveTextContent('from 1 to 240');
    expect(calls.map((c) => c.cmd)).toEqual(['settings']);
  });

  it('shows a field error from set_settings inline', async () => {
    backend({
      settings: { clipboard_clear_secs: 30, idle_lock_mins: 15 },
      set_settings: () => fail('invalid_input', 'idle_lock_mins: must be between 1 and 240', { field: 'idle_lock_mins' }),
    });
    render(SettingsPage, { settings: { clipboard_clear_secs: 30, idle_lock_mins: 15 }, onsaved: vi.fn() });
    await fireEvent.click(screen.getByTestId('settings-save'));
    expect(await screen.findByTestId('settings-idle-error')).toHaveTextContent('Must be between 1 and 240');
  });
});
