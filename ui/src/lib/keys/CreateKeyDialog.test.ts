import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import CreateKeyDialog from './CreateKeyDialog.svelte';
import { backend, commands, fail, makeKey, makeMe, makePolicy, resources } from '../../test/fixtures';
import { addDays, localDateString } from '../shared/format';
import { clipboard } from '../shared/clipboard.svelte';

const SECRET = 'lk_live_abcdefghijklmnopqrstuvwxyz0123ABCDEF';

/**
 * Opens the dialog over a backend that answers `policy` (read when the dialog opens) and
 * `handlers`, and waits until the policy is shown. The calls are returned without the
 * `policy` read.
 */
async function open(
  over: {
    me?: ReturnType<typeof makeMe>;
    policy?: ReturnType<typeof makePolicy>;
    handlers?: Record<string, unknown>;
    events?: boolean;
  } = {},
) {
  const oncreated = vi.fn();
  const onclose = vi.fn();
  const all = backend({ policy: over.policy ?? makePolicy(), ...over.handlers }, { events: over.events });
  render(CreateKeyDialog, {
    me: over.me ?? makeMe(),
    resources,
    oncreated,
    onclose,
  });
  await screen.findByTestId('expiry-custom');
  const calls = {
    get list() {
      return all.filter((c) => c.cmd !== 'policy');
    },
  };
  return { oncreated, onclose, calls, all };
}

async function name(value: string) {
  await fireEvent.input(screen.getByTestId('key-name'), { target: { value } });
}

describe('CreateKeyDialog', () => {
  it('is a labelled modal dialog with the name field focused', async () => {
    await open();
    const dialog = screen.getByRole('dialog', { name: 'Create API key' });
    expect(dialog).toHaveAttribute('aria-modal', 'true');
    await vi.waitFor(() => expect(screen.getByTestId('key-name')).toHaveFocus());
  });

  it('shows permissions the account lacks disabled, with an explanation', async () => {
    await open({ me: makeMe({ permissions: ['keys:read', 'samples:read'] }) });
    expect(screen.getByTestId('perm-samples-read')).toBeEnabled();
    expect(screen.getByTestId('perm-keys-read')).toBeEnabled();
    const lacking = screen.getByTestId('perm-samples-write');
    expect(lacking).toBeDisabled();
    expect(lacking).toHaveAccessibleName('samples: write (your account does not have this permission)');
    expect(lacking.closest('label')).toHaveAttribute('title', expect.stringContaining('does not have samples:write'));
    expect(screen.getByTestId('perm-account-write')).toBeDisabled();
    expect(screen.getByText(/Greyed-out permissions are ones your account does not have/)).toBeInTheDocument();
  });

  it('lets an administrator pick any permission', async () => {
    await open({ me: makeMe({ is_admin: true, permissions: [] }) });
    for (const r of resources) {
      expect(screen.getByTestId(`perm-${r.resource}-read`)).toBeEnabled();
      expect(screen.getByTestId(`perm-${r.resource}-write`)).toBeEnabled();
    }
    expect(screen.queryByText(/Greyed-out/)).toBeNull();
  });

  it('offers "never" only when the policy allows it and sets no maximum lifetime', async () => {
    await open({ policy: makePolicy({ allow_never_expiring: true, max_key_lifetime_days: null }) });
    expect(screen.getByTestId('expiry-never')).toBeInTheDocument();
    document.body.innerHTML = '';
    await open({ policy: makePolicy({ allow_never_expiring: false, max_key_lifetime_days: null }) });
    expect(screen.queryByTestId('expiry-never')).toBeNull();
    document.body.innerHTML = '';
    await open({ policy: makePolicy({ allow_never_expiring: true, max_key_lifetime_days: 90 }) });
    expect(screen.queryByTestId('expiry-never')).toBeNull();
  });

  it('reads the policy from the core when it opens, and waits for it before offering expiries', async () => {
    let answer: (p: ReturnType<typeof makePolicy>) => void = () => {};
    const calls = backend({ policy: () => new Promise((r) => (answer = r)) });
    render(CreateKeyDialog, { me: makeMe(), resources, oncreated: vi.fn(), onclose: vi.fn() });
    expect(commands(calls)).toEqual(['policy']);
    expect(screen.getByTestId('create-policy-loading')).toHaveTextContent('Reading the key policy…');
    expect(screen.getByTestId('key-save')).toBeDisabled();
    answer(makePolicy({ max_key_lifetime_days: 7, allow_never_expiring: true }));
    expect(await screen.findByTestId('expiry-7')).toBeChecked();
    expect(screen.getByTestId('expiry-30')).toBeDisabled();
    expect(screen.queryByTestId('expiry-never')).toBeNull();
    expect(screen.getByTestId('key-save')).toBeEnabled();
  });

  it('follows a policy changed since the last time it opened', async () => {
    let current = makePolicy({ allow_never_expiring: true, max_key_lifetime_days: null });
    backend({ policy: () => current });
    const first = render(CreateKeyDialog, { me: makeMe(), resources, oncreated: vi.fn(), onclose: vi.fn() });
    expect(await screen.findByTestId('expiry-never')).toBeInTheDocument();
    expect(screen.getByTestId('expiry-90')).toBeEnabled();
    first.unmount();

    // Changed elsewhere (the CLI) while the window stayed open.
    current = makePolicy({ allow_never_expiring: true, max_key_lifetime_days: 60 });
    render(CreateKeyDialog, { me: makeMe(), resources, oncreated: vi.fn(), onclose: vi.fn() });
    await screen.findByTestId('expiry-60');
    expect(screen.getByTestId('expiry-60')).toBeEnabled();
    expect(screen.getByTestId('expiry-90')).toBeDisabled();
    expect(screen.queryByTestId('expiry-never')).toBeNull();
    expect(screen.getByText(/keys live at most 60 days/)).toBeInTheDocument();
  });

  it('says when the policy cannot be read, offers to try again, and creates nothing meanwhile', async () => {
    let n = 0;
    const calls = backend({ policy: () => (n++ === 0 ? fail('store_busy', 'the store is busy') : makePolicy()) });
    render(CreateKeyDialog, { me: makeMe(), resources, oncreated: vi.fn(), onclose: vi.fn() });
    expect(await screen.findByTestId('create-policy-error')).toHaveTextContent('The store is busy.');
    expect(screen.getByTestId('key-save')).toBeDisabled();
    await fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByTestId('expiry-30')).toBeChecked();
    expect(commands(calls)).toEqual(['policy', 'policy']);
  });

  it('disables presets longer than the policy allows', async () => {
    await open({ policy: makePolicy({ allow_never_expiring: false, max_key_lifetime_days: 30 }) });
    expect(screen.getByTestId('expiry-30')).toBeEnabled();
    expect(screen.getByTestId('expiry-30')).toBeChecked();
    expect(screen.getByTestId('expiry-60')).toBeDisabled();
    expect(screen.getByTestId('expiry-90')).toBeDisabled();
    expect(screen.getByText(/keys live at most 30 days/)).toBeInTheDocument();
  });

  it('refuses a custom date that is not after today, without calling create_key', async () => {
    const { calls } = await open();
    await name('ci');
    await fireEvent.click(screen.getByTestId('expiry-custom'));
    const date = screen.getByTestId('expiry-date');
    expect(date).toHaveAttribute('min', localDateString(addDays(new Date(), 1)));

    await fireEvent.input(date, { target: { value: localDateString() } });
    await fireEvent.click(screen.getByTestId('key-save'));
    expect(screen.getByTestId('expiry-error')).toHaveTextContent('The date must be after today.');

    await fireEvent.input(date, { target: { value: localDateString(addDays(new Date(), -3)) } });
    await fireEvent.click(screen.getByTestId('key-save'));
    expect(screen.getByTestId('expiry-error')).toHaveTextContent('The date must be after today.');
    expect(calls.list).toEqual([]);
  });

  it('requires a name', async () => {
    const { calls } = await open();
    await fireEvent.click(screen.getByTestId('key-save'));
    expect(screen.getByTestId('key-name-error')).toHaveTextContent('Give the key a name');
    expect(calls.list).toEqual([]);
  });

  it('sends a custom date as { type: "on" }', async () => {
    const key = makeKey({ name: 'ci' });
    const { calls } = await open({ handlers: { create_key: { key, secret: SECRET } } });
    await name('ci');
    await fireEvent.click(screen.getByTestId('expiry-custom'));
    const when = localDateString(addDays(new Date(), 10));
    await fireEvent.input(screen.getByTestId('expiry-date'), { target: { value: when } });
    await fireEvent.click(screen.getByTestId('key-save'));
    await screen.findByTestId('issued-secret');
    expect(calls.list[0].args.expiry).toEqual({ type: 'on', value: when });
  });

  it('shows a field error from create_key next to the field', async () => {
    await open({
      handlers: {
        create_key: () => fail('invalid_input', 'name: is already used by another of your keys', { field: 'name' }),
      },
    });
    await name('ci');
    await fireEvent.click(screen.getByTestId('key-save'));
    const err = await screen.findByTestId('key-name-error');
    expect(err).toHaveTextContent('Is already used by another of your keys');
    expect(err).toHaveAttribute('role', 'alert');
    expect(screen.getByTestId('key-name')).toHaveAttribute('aria-invalid', 'true');
  });

  it('shows a policy refusal for the whole form', async () => {
    await open({ handlers: { create_key: () => fail('policy_violation', 'you already have the maximum of 1 active key') } });
    await name('ci');
    await fireEvent.click(screen.getByTestId('key-save'));
    expect(await screen.findByTestId('create-error')).toHaveTextContent('You already have the maximum of 1 active key.');
  });

  it('creates the key, shows it once with Copy and Download, and forgets it on close', async () => {
    const key = makeKey({ name: 'ci', environment: 'test', kind: 'test', permissions: ['samples:read'] });
    const { oncreated, onclose, calls: c } = await open({
      handlers: {
        create_key: { key, secret: SECRET },
        copy_key: { clear_after_secs: 30 },
        download_key: { path: '/home/ada/latchkey-ci.json' },
        forget_secret: null,
      },
      events: true,
    });
    const calls = () => c.list;

    await name('  ci ');
    await fireEvent.click(screen.getByTestId('key-env-test'));
    await fireEvent.click(screen.getByTestId('expiry-7'));
    await fireEvent.click(screen.getByTestId('perm-samples-read'));
    await fireEvent.click(screen.getByTestId('key-save'));

    const secret = await screen.findByTestId('issued-secret');
    expect(calls()[0]).toEqual({
      cmd: 'create_key',
      args: { name: 'ci', permissions: ['samples:read'], environment: 'test', expiry: { type: 'days', value: 7 } },
    });
    expect(oncreated).toHaveBeenCalled();
    expect(secret).toHaveValue(SECRET);
    expect(secret).toHaveAttribute('readonly');
    expect(secret).toHaveClass('mono');
    expect(screen.getByTestId('issued-warning')).toHaveTextContent('it will not be shown again');
    expect(screen.getByRole('dialog', { name: 'Your new key “ci”' })).toBeInTheDocument();

    await fireEvent.click(screen.getByTestId('issued-copy'));
    await vi.waitFor(() => expect(clipboard.phase).toBe('counting'));
    expect(clipboard.remaining).toBe(30);
    expect(calls()[1]).toEqual({ cmd: 'copy_key', args: { id: key.id } });

    await fireEvent.click(screen.getByTestId('issued-download'));
    expect(await screen.findByTestId('issued-saved')).toHaveTextContent('/home/ada/latchkey-ci.json');
    expect(calls()[2]).toEqual({ cmd: 'download_key', args: { id: key.id } });

    await fireEvent.click(screen.getByTestId('issued-close'));
    expect(calls()[3]).toEqual({ cmd: 'forget_secret', args: { id: key.id } });
    expect(onclose).toHaveBeenCalled();
    // The secret never appeared in any message or in the arguments of another command.
    expect(JSON.stringify(calls())).not.toContain(SECRET);
  });

  it('says nothing alarming when the save dialog is cancelled, and shows copy errors', async () => {
    const key = makeKey({ name: 'ci' });
    await open({
      handlers: {
        create_key: { key, secret: SECRET },
        download_key: null,
        copy_key: () => fail('clipboard_unavailable', 'no clipboard is available'),
        forget_secret: null,
      },
    });
    await name('ci');
    await fireEvent.click(screen.getByTestId('key-save'));
    await screen.findByTestId('issued-secret');
    await fireEvent.click(screen.getByTestId('issued-download'));
    expect(await screen.findByText('Download cancelled.')).toBeInTheDocument();
    await fireEvent.click(screen.getByTestId('issued-copy'));
    const err = await screen.findByTestId('issued-error');
    expect(err).toHaveTextContent('No clipboard is available.');
    expect(err).toHaveAttribute('role', 'alert');
  });

  it('Escape closes the dialog; after issuing, it also forgets the secret', async () => {
    const key = makeKey({ name: 'ci' });
    const { onclose, calls } = await open({ handlers: { create_key: { key, secret: SECRET }, forget_secret: null } });
    await name('ci');
    await fireEvent.click(screen.getByTestId('key-save'));
    await screen.findByTestId('issued-secret');
    await fireEvent.keyDown(document.activeElement ?? document.body, { key: 'Escape' });
    expect(onclose).toHaveBeenCalled();
    expect(commands(calls.list)).toEqual(['create_key', 'forget_secret']);
  });

  it('Escape before creating closes without calling anything', async () => {
    const { onclose, calls } = await open();
    await fireEvent.keyDown(screen.getByTestId('key-name'), { key: 'Escape' });
    expect(onclose).toHaveBeenCalled();
    expect(calls.list).toEqual([]);
  });

  it('traps focus inside the dialog', async () => {
    await open();
    const dialog = screen.getByRole('dialog');
    const save = within(dialog).getByTestId('key-save');
    await vi.waitFor(() => expect(screen.getByTestId('key-name')).toHaveFocus());
    save.focus();
    await fireEvent.keyDown(save, { key: 'Tab' });
    expect(within(dialog).getByRole('button', { name: 'Close' })).toHaveFocus();
    await fireEvent.keyDown(document.activeElement!, { key: 'Tab', shiftKey: true });
    expect(save).toHaveFocus();
  });
});
