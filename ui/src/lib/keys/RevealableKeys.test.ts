import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import CreateKeyDialog from './CreateKeyDialog.svelte';
import KeysTab from './KeysTab.svelte';
import { backend, commands, fail, makeKey, makeMe, makePolicy, resources } from '../../test/fixtures';
import { clipboard } from '../shared/clipboard.svelte';

const SECRET = 'lk_live_VIEWVIEWVIEWVIEWVIEWVIEWVIEWVIEW123456';

describe('Revealable keys', () => {
  it('the create dialog offers "Allow viewing this key later", off by default, and passes revealable: true', async () => {
    const key = makeKey({ name: 'dash', revealable: true, viewable: true });
    const calls = backend({ policy: makePolicy(), create_key: { key, secret: SECRET }, forget_secret: null });
    render(CreateKeyDialog, { me: makeMe(), resources, oncreated: vi.fn(), onclose: vi.fn() });
    await screen.findByTestId('expiry-30');

    const box = screen.getByLabelText('Allow viewing this key later');
    expect(box).toHaveAttribute('data-testid', 'key-revealable');
    expect(box).toHaveAttribute('type', 'checkbox');
    expect(box).not.toBeChecked();
    expect(box).toHaveAccessibleDescription(/encrypted with your password.*confirm it’s you/);

    await fireEvent.input(screen.getByTestId('key-name'), { target: { value: 'dash' } });
    await fireEvent.click(box);
    await fireEvent.click(screen.getByTestId('key-save'));
    await screen.findByTestId('issued-secret');
    expect(calls[1]).toEqual({
      cmd: 'create_key',
      args: { name: 'dash', permissions: [], environment: 'live', expiry: { type: 'days', value: 30 }, revealable: true },
    });
    // The shown-once warning says this one can be viewed again.
    expect(screen.getByTestId('issued-warning')).toHaveTextContent('can be shown again from the list');
    expect(screen.getByTestId('issued-warning')).not.toHaveTextContent('it will not be shown again');
  });

  it('offers View only for revealable, viewable keys that are not revoked', async () => {
    const viewable = makeKey({ name: 'dash', revealable: true, viewable: true });
    const lost = makeKey({ name: 'pipeline', revealable: true, viewable: false });
    const plain = makeKey({ name: 'plain' });
    const gone = makeKey({ name: 'gone', revealable: true, viewable: true, status: 'revoked', revoked_at: new Date().toISOString() });
    backend({ list_keys: [viewable, lost, plain, gone], list_permissions: resources });
    render(KeysTab, { me: makeMe() });

    const row = within(await screen.findByTestId('key-row-dash'));
    expect(row.getByRole('button', { name: 'View dash' })).toHaveAttribute('data-testid', 'view');
    expect(row.queryByTestId('key-not-viewable')).toBeNull();
    expect(row.getByRole('button', { name: 'Copy dash' })).toHaveAttribute('data-testid', 'copy');
    expect(row.getByRole('button', { name: 'Download dash' })).toHaveAttribute('data-testid', 'download');
    const lostRow = within(screen.getByTestId('key-row-pipeline'));
    expect(lostRow.queryByTestId('view')).toBeNull();
    expect(lostRow.queryByTestId('copy')).toBeNull();
    expect(lostRow.queryByTestId('download')).toBeNull();
    expect(within(screen.getByTestId('key-row-plain')).queryByTestId('copy')).toBeNull();
    expect(within(screen.getByTestId('key-row-gone')).queryByTestId('download')).toBeNull();
    expect(lostRow.getByTestId('key-not-viewable')).toHaveTextContent('Can no longer be viewed (password was reset)');
    expect(within(screen.getByTestId('key-row-plain')).queryByTestId('view')).toBeNull();
    expect(within(screen.getByTestId('key-row-plain')).queryByTestId('key-not-viewable')).toBeNull();
    expect(within(screen.getByTestId('key-row-gone')).queryByTestId('view')).toBeNull();
  });

  it('View asks "Confirm it’s you", then shows the key with Copy and Download', async () => {
    const key = makeKey({ name: 'dash', revealable: true, viewable: true, hint: 'lk_live_…3456' });
    let proven = false;
    const calls = backend(
      {
        list_keys: [key],
        list_permissions: resources,
        reveal_key: () => (proven ? SECRET : fail('step_up_required', "confirm it's you")),
        confirm_password: (a: { password: string }) => {
          if (a.password !== 'right password') fail('bad_credentials', 'username or password is incorrect');
          proven = true;
          return null;
        },
        copy_key: { clear_after_secs: 20 },
        download_key: { path: '/home/ada/latchkey-dash.json' },
      },
      { events: true },
    );
    render(KeysTab, { me: makeMe() });
    await fireEvent.click(within(await screen.findByTestId('key-row-dash')).getByTestId('view'));

    const prompt = await screen.findByRole('alertdialog', { name: 'Confirm it’s you' });
    expect(prompt).toHaveTextContent('To view “dash”, enter your password again.');
    await fireEvent.input(screen.getByTestId('stepup-password'), { target: { value: 'wrong' } });
    await fireEvent.click(screen.getByTestId('stepup-submit'));
    expect(await screen.findByTestId('stepup-error')).toHaveTextContent('That password is incorrect.');
    await fireEvent.input(screen.getByTestId('stepup-password'), { target: { value: 'right password' } });
    await fireEvent.click(screen.getByTestId('stepup-submit'));

    const dialog = await screen.findByRole('dialog', { name: 'View key' });
    expect(dialog).toHaveAttribute('data-testid', 'view-dialog');
    expect(within(dialog).getByTestId('issued-secret')).toHaveValue(SECRET);
    expect(within(dialog).getByTestId('issued-warning')).not.toHaveTextContent('will not be shown again');
    expect(screen.queryByTestId('stepup-dialog')).toBeNull();

    await fireEvent.click(within(dialog).getByTestId('issued-copy'));
    await vi.waitFor(() => expect(clipboard.phase).toBe('counting'));
    await fireEvent.click(within(dialog).getByTestId('issued-download'));
    expect(await screen.findByTestId('issued-saved')).toHaveTextContent('/home/ada/latchkey-dash.json');

    await fireEvent.click(screen.getByTestId('view-close'));
    expect(screen.queryByTestId('view-dialog')).toBeNull();
    expect(commands(calls)).toEqual([
      'list_keys',
      'list_permissions',
      'key_quota',
      'reveal_key',
      'confirm_password',
      'confirm_password',
      'reveal_key',
      'copy_key',
      'download_key',
    ]);
    expect(calls[6].args).toEqual({ id: key.id });
    expect(calls[7].args).toEqual({ id: key.id });
    // Rust holds no copy of a viewed key to forget; the secret never goes back to it.
    expect(JSON.stringify(calls.map((c) => c.args))).not.toContain(SECRET);
  });

  it('cancelling the step-up prompt shows nothing', async () => {
    const key = makeKey({ name: 'dash', revealable: true, viewable: true });
    const calls = backend({ list_keys: [key], list_permissions: resources, reveal_key: () => fail('step_up_required', "confirm it's you") });
    render(KeysTab, { me: makeMe() });
    await fireEvent.click(within(await screen.findByTestId('key-row-dash')).getByTestId('view'));
    await screen.findByTestId('stepup-dialog');
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByTestId('stepup-dialog')).toBeNull();
    expect(screen.queryByTestId('view-dialog')).toBeNull();
    expect(commands(calls)).toEqual(['list_keys', 'list_permissions', 'key_quota', 'reveal_key']);
  });

  it('shows a refused View above the list', async () => {
    const key = makeKey({ name: 'dash', revealable: true, viewable: true });
    backend({ list_keys: [key], list_permissions: resources, reveal_key: () => fail('no_secret', 'this key can no longer be viewed') });
    render(KeysTab, { me: makeMe() });
    await fireEvent.click(within(await screen.findByTestId('key-row-dash')).getByTestId('view'));
    const err = await screen.findByTestId('keys-action-error');
    expect(err).toHaveTextContent('This key can no longer be viewed.');
    expect(err).toHaveAttribute('role', 'alert');
  });

  it('row Copy asks “Confirm it’s you”, then copies by id: the secret never reaches the window', async () => {
    const key = makeKey({ name: 'dash', revealable: true, viewable: true });
    let proven = false;
    const calls = backend(
      {
        list_keys: [key],
        list_permissions: resources,
        copy_key: () => (proven ? { clear_after_secs: 20 } : fail('step_up_required', "confirm it's you")),
        confirm_password: () => {
          proven = true;
          return null;
        },
      },
      { events: true },
    );
    render(KeysTab, { me: makeMe() });
    await fireEvent.click(within(await screen.findByTestId('key-row-dash')).getByRole('button', { name: 'Copy dash' }));

    const prompt = await screen.findByRole('alertdialog', { name: 'Confirm it’s you' });
    expect(prompt).toHaveTextContent('To copy “dash”, enter your password again.');
    await fireEvent.input(screen.getByTestId('stepup-password'), { target: { value: 'right password' } });
    await fireEvent.click(screen.getByTestId('stepup-submit'));

    await vi.waitFor(() => expect(clipboard.phase).toBe('counting'));
    expect(clipboard.label).toBe('dash');
    expect(clipboard.total).toBe(20);
    expect(screen.queryByTestId('stepup-dialog')).toBeNull();
    expect(screen.queryByTestId('view-dialog')).toBeNull();
    expect(commands(calls)).toEqual(['list_keys', 'list_permissions', 'key_quota', 'copy_key', 'confirm_password', 'copy_key']);
    expect(calls[5].args).toEqual({ id: key.id });
  });

  it('row Download saves the key file after step-up and says where', async () => {
    const key = makeKey({ name: 'dash', revealable: true, viewable: true });
    let proven = false;
    const calls = backend({
      list_keys: [key],
      list_permissions: resources,
      download_key: () => (proven ? { path: '/home/ada/latchkey-dash.json' } : fail('step_up_required', "confirm it's you")),
      confirm_password: () => {
        proven = true;
        return null;
      },
    });
    render(KeysTab, { me: makeMe() });
    await fireEvent.click(within(await screen.findByTestId('key-row-dash')).getByTestId('download'));
    expect(await screen.findByRole('alertdialog', { name: 'Confirm it’s you' })).toHaveTextContent('To download “dash”');
    await fireEvent.input(screen.getByTestId('stepup-password'), { target: { value: 'right password' } });
    await fireEvent.click(screen.getByTestId('stepup-submit'));

    expect(await screen.findByTestId('keys-notice')).toHaveTextContent('Saved “dash” to /home/ada/latchkey-dash.json.');
    expect(commands(calls).filter((c) => c === 'download_key')).toHaveLength(2);
    expect(commands(calls)).not.toContain('reveal_key');
  });

  it('a cancelled save dialog says nothing; a refused Copy shows its error above the list', async () => {
    const key = makeKey({ name: 'dash', revealable: true, viewable: true });
    backend({
      list_keys: [key],
      list_permissions: resources,
      download_key: null,
      copy_key: () => fail('clipboard_unavailable', 'could not copy: no clipboard is available on this desktop'),
    });
    render(KeysTab, { me: makeMe() });
    const row = within(await screen.findByTestId('key-row-dash'));
    await fireEvent.click(row.getByTestId('download'));
    await vi.waitFor(() => expect(row.getByTestId('download')).not.toBeDisabled());
    expect(screen.queryByTestId('keys-notice')).toBeNull();
    expect(screen.queryByTestId('keys-action-error')).toBeNull();

    await fireEvent.click(row.getByTestId('copy'));
    const err = await screen.findByTestId('keys-action-error');
    expect(err).toHaveTextContent('Could not copy: no clipboard is available on this desktop.');
    expect(err).toHaveAttribute('data-code', 'clipboard_unavailable');
    expect(clipboard.phase).toBe('idle');
    expect(screen.queryByTestId('stepup-dialog')).toBeNull();
  });
});
