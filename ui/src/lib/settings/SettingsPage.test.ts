import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import SettingsPage from './SettingsPage.svelte';
import { backend, fail } from '../../test/fixtures';

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
    expect(calls.filter((c) => c.cmd !== 'api_status').at(-1)).toEqual({
      cmd: 'set_settings',
      args: { settings: { clipboard_clear_secs: null, idle_lock_mins: 45, notify_expiring: true, close_to_tray: false } },
    });
    expect(onsaved).toHaveBeenCalledWith({ clipboard_clear_secs: null, idle_lock_mins: 45, notify_expiring: true, close_to_tray: false });
  });

  it('refuses an idle time out of range before calling set_settings', async () => {
    const calls = backend({ settings: { clipboard_clear_secs: 30, idle_lock_mins: 15 } });
    render(SettingsPage, { settings: { clipboard_clear_secs: 30, idle_lock_mins: 15 }, onsaved: vi.fn() });
    await fireEvent.input(screen.getByTestId('settings-idle'), { target: { value: '0' } });
    await fireEvent.click(screen.getByTestId('settings-save'));
    expect(screen.getByTestId('settings-idle-error')).toHaveTextContent('from 1 to 240');
    expect(calls.map((c) => c.cmd).filter((c) => c !== 'api_status')).toEqual(['settings']);
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

  it('turns the JSON API on with a port and shows where it serves', async () => {
    const on = { clipboard_clear_secs: 30, idle_lock_mins: 15, notify_expiring: true, close_to_tray: false, api_enabled: true, api_port: 7272 };
    let running = false;
    const calls = backend({
      settings: { clipboard_clear_secs: 30, idle_lock_mins: 15, api_enabled: false, api_port: 7171 },
      set_settings: (a: { settings: typeof on }) => ((running = a.settings.api_enabled), a.settings),
      api_status: () => (running ? { running: true, url: 'http://127.0.0.1:7272' } : { running: false, url: null }),
    });
    render(SettingsPage, {
      settings: { clipboard_clear_secs: 30, idle_lock_mins: 15, api_enabled: false, api_port: 7171 },
      onsaved: vi.fn(),
    });
    expect(await screen.findByTestId('settings-api-status')).toHaveTextContent('Not serving.');
    expect(screen.getByTestId('settings-api-port')).toBeDisabled();
    await fireEvent.click(screen.getByTestId('settings-api'));
    await fireEvent.input(screen.getByTestId('settings-api-port'), { target: { value: '7272' } });
    await fireEvent.click(screen.getByTestId('settings-save'));
    await vi.waitFor(() => expect(screen.getByTestId('settings-api-status')).toHaveTextContent('Serving at http://127.0.0.1:7272'));
    expect(calls.find((c) => c.cmd === 'set_settings')?.args).toEqual({ settings: on });
  });

  it('refuses a privileged or invalid API port before saving, and shows a port the OS refuses', async () => {
    const calls = backend({
      settings: { clipboard_clear_secs: 30, idle_lock_mins: 15, api_enabled: true, api_port: 7171 },
      set_settings: () => fail('invalid_input', 'API port: 127.0.0.1:7272 cannot be used (address in use); choose another port', { field: 'api_port' }),
      api_status: () => ({ running: true, url: 'http://127.0.0.1:7171' }),
    });
    render(SettingsPage, {
      settings: { clipboard_clear_secs: 30, idle_lock_mins: 15, api_enabled: true, api_port: 7171 },
      onsaved: vi.fn(),
    });
    await fireEvent.input(screen.getByTestId('settings-api-port'), { target: { value: '80' } });
    await fireEvent.click(screen.getByTestId('settings-save'));
    expect(await screen.findByTestId('settings-api-error')).toHaveTextContent('Enter a port from 1024 to 65535.');
    expect(calls.some((c) => c.cmd === 'set_settings')).toBe(false);
    await fireEvent.input(screen.getByTestId('settings-api-port'), { target: { value: '7272' } });
    await fireEvent.click(screen.getByTestId('settings-save'));
    expect(await screen.findByTestId('settings-api-error')).toHaveTextContent('cannot be used');
  });
  it('backs the store up through the save dialog and says where', async () => {
    const calls = backend({
      settings: { clipboard_clear_secs: 30, idle_lock_mins: 15 },
      backup_store: () => ({ path: '/home/ada/latchkey-backup-2026-12-03.db' }),
    });
    render(SettingsPage, { settings: { clipboard_clear_secs: 30, idle_lock_mins: 15 }, onsaved: vi.fn() });
    const button = screen.getByTestId('settings-backup');
    expect(button).toHaveTextContent('Back up now');
    expect(button).toHaveAccessibleDescription(/readable only by you/);
    await fireEvent.click(button);
    expect(await screen.findByTestId('settings-backup-saved')).toHaveTextContent(
      'Backed up to /home/ada/latchkey-backup-2026-12-03.db',
    );
    expect(calls.filter((c) => c.cmd === 'backup_store')).toHaveLength(1);
  });

  it('says nothing when the save dialog is cancelled, and shows a refusal', async () => {
    backend({
      settings: { clipboard_clear_secs: 30, idle_lock_mins: 15 },
      backup_store: () => null,
    });
    render(SettingsPage, { settings: { clipboard_clear_secs: 30, idle_lock_mins: 15 }, onsaved: vi.fn() });
    await fireEvent.click(screen.getByTestId('settings-backup'));
    await vi.waitFor(() => expect(screen.getByTestId('settings-backup')).toBeEnabled());
    expect(screen.queryByTestId('settings-backup-saved')).toBeNull();
    expect(screen.queryByTestId('settings-backup-error')).toBeNull();

    backend({
      settings: { clipboard_clear_secs: 30, idle_lock_mins: 15 },
      backup_store: () => fail('invalid_input', 'file: /media/usb/b.db: the folder /media/usb does not exist', { field: 'file' }),
    });
    await fireEvent.click(screen.getByTestId('settings-backup'));
    expect(await screen.findByTestId('settings-backup-error')).toHaveTextContent('the folder /media/usb does not exist');
    expect(screen.getByTestId('settings-backup')).toBeEnabled();
  });

  it('offers the desktop toggles: expiry notifications on and the tray off unless set', async () => {
    backend({ settings: { clipboard_clear_secs: 30, idle_lock_mins: 15 } });
    render(SettingsPage, { settings: { clipboard_clear_secs: 30, idle_lock_mins: 15 }, onsaved: vi.fn() });
    const notify = screen.getByRole('checkbox', { name: 'Notify me when keys expire within 7 days' });
    const tray = screen.getByRole('checkbox', { name: 'Keep Latchkey in the tray when the window is closed' });
    expect(notify).toBe(screen.getByTestId('settings-notify-expiring'));
    expect(tray).toBe(screen.getByTestId('settings-close-to-tray'));
    expect(notify).toBeChecked();
    expect(tray).not.toBeChecked();
  });

  it('loads the desktop toggles from the settings command and saves them', async () => {
    const calls = backend({
      settings: { clipboard_clear_secs: 30, idle_lock_mins: 15, notify_expiring: false, close_to_tray: true },
      set_settings: (a: { settings: unknown }) => a.settings,
    });
    const onsaved = vi.fn();
    render(SettingsPage, { settings: { clipboard_clear_secs: 30, idle_lock_mins: 15 }, onsaved });
    await vi.waitFor(() => expect(screen.getByTestId('settings-close-to-tray')).toBeChecked());
    expect(screen.getByTestId('settings-notify-expiring')).not.toBeChecked();

    await fireEvent.click(screen.getByTestId('settings-notify-expiring'));
    await fireEvent.click(screen.getByTestId('settings-close-to-tray'));
    await fireEvent.click(screen.getByTestId('settings-save'));
    expect(await screen.findByTestId('settings-saved')).toBeInTheDocument();
    expect(calls.find((c) => c.cmd === 'set_settings')?.args).toEqual({
      settings: { clipboard_clear_secs: 30, idle_lock_mins: 15, notify_expiring: true, close_to_tray: false },
    });
    expect(onsaved).toHaveBeenCalledWith(expect.objectContaining({ notify_expiring: true, close_to_tray: false }));
  });
});
