import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import KeysTab from './KeysTab.svelte';
import { DAY, backend, commands, fail, iso, makeKey, makeMe, makePolicy, resources } from '../../test/fixtures';

const now = Date.now();
const active = makeKey({ name: 'ci-runner', permissions: ['samples:read', 'keys:read'], last_used_at: iso(now - 2 * 3_600_000) });
const soon = makeKey({ name: 'nightly', environment: 'test', kind: 'test', status: 'expiring_soon', expires_at: iso(now + 3 * DAY) });
const expired = makeKey({ name: 'notebook', status: 'expired', expires_at: iso(now - 2 * DAY) });
const revoked = makeKey({ name: 'laptop', status: 'revoked', revoked_at: iso(now - 5 * DAY), expires_at: null });
const rotating = makeKey({ name: 'uploader', status: 'expiring_soon', revoked_at: iso(now + 3_600_000), replaced_by: 'key-new' });

function row(name: string) {
  return screen.getByTestId(`key-row-${name}`);
}

describe('KeysTab', () => {
  it('lists keys with hint, environment, permissions, dates and a status chip for each status', async () => {
    backend({ list_keys: [active, soon, expired, revoked, rotating], list_permissions: resources });
    render(KeysTab, { me: makeMe() });

    await screen.findByTestId('key-row-ci-runner');
    const r = within(row('ci-runner'));
    expect(r.getByText(active.hint)).toHaveClass('mono');
    expect(r.getByTestId('key-env')).toHaveTextContent('live');
    expect(r.getByText('samples:read')).toBeInTheDocument();
    expect(r.getByText('keys:read')).toBeInTheDocument();
    expect(r.getByText('2 h ago')).toBeInTheDocument();
    expect(r.getByTestId('key-status')).toHaveTextContent('Active');

    expect(within(row('nightly')).getByTestId('key-status')).toHaveTextContent('Expiring soon');
    expect(within(row('nightly')).getByTestId('key-env')).toHaveTextContent('test');
    expect(within(row('notebook')).getByTestId('key-status')).toHaveTextContent('Expired');
    expect(within(row('laptop')).getByTestId('key-status')).toHaveTextContent('Revoked');
    expect(within(row('laptop')).getAllByText('Never')).toHaveLength(2); // expires, last used

    // Status chips carry text, not only colour, and a class per status.
    expect(within(row('notebook')).getByTestId('key-status')).toHaveClass('chip-expired');
  });

  it('flags keys expiring soon', async () => {
    backend({ list_keys: [active, soon], list_permissions: resources });
    render(KeysTab, { me: makeMe() });
    expect(await screen.findByTestId('keys-expiring')).toHaveTextContent('1 key expires within 7 days: nightly');
  });

  it('shows "rotating until" for the old key of a regeneration still in its grace period', async () => {
    backend({ list_keys: [rotating], list_permissions: resources });
    render(KeysTab, { me: makeMe() });
    const r = within(await screen.findByTestId('key-row-uploader'));
    expect(r.getByTestId('key-rotating')).toHaveTextContent(/^Rotating until /);
    // Its replacement is the key to regenerate now; the old one can still be deleted.
    expect(r.queryByTestId('regenerate')).toBeNull();
    expect(r.getByTestId('delete')).toBeInTheDocument();
  });

  it('offers the actions that fit each status', async () => {
    backend({ list_keys: [active, expired, revoked], list_permissions: resources });
    render(KeysTab, { me: makeMe() });
    await screen.findByTestId('key-row-ci-runner');
    const a = within(row('ci-runner'));
    expect(a.getByRole('button', { name: 'Edit ci-runner' })).toBeInTheDocument();
    expect(a.getByRole('button', { name: 'Regenerate ci-runner' })).toBeInTheDocument();
    expect(a.getByRole('button', { name: 'Delete ci-runner' })).toBeInTheDocument();
    expect(within(row('notebook')).queryByTestId('regenerate')).toBeNull();
    expect(within(row('notebook')).getByTestId('delete')).toBeInTheDocument();
    expect(within(row('laptop')).queryAllByRole('button')).toHaveLength(0);
  });

  it('can hide revoked keys', async () => {
    backend({ list_keys: [active, revoked], list_permissions: resources });
    render(KeysTab, { me: makeMe() });
    await screen.findByTestId('key-row-laptop');
    await fireEvent.click(screen.getByRole('button', { name: 'Hide revoked keys (1)' }));
    expect(screen.queryByTestId('key-row-laptop')).toBeNull();
  });

  it('shows an empty state', async () => {
    backend({ list_keys: [], list_permissions: resources });
    render(KeysTab, { me: makeMe() });
    expect(await screen.findByTestId('keys-empty')).toHaveTextContent('No API keys yet');
    await fireEvent.click(screen.getByRole('button', { name: 'Create your first key' }));
    expect(await screen.findByRole('dialog', { name: 'Create API key' })).toBeInTheDocument();
  });

  it('disables Create key with the reason when the quota is used up', async () => {
    const calls = backend({
      list_keys: [active],
      list_permissions: resources,
      key_quota: { active: 1, max: 1, blocked: 'one key at a time: delete the current key first' },
    });
    render(KeysTab, { me: makeMe() });
    await screen.findByTestId('key-row-ci-runner');
    const create = await screen.findByTestId('create-key');
    await vi.waitFor(() => expect(create).toBeDisabled());
    const why = screen.getByTestId('key-create-blocked');
    expect(why).toHaveTextContent('One key at a time: delete the current key first.');
    expect(create).toHaveAccessibleDescription('One key at a time: delete the current key first.');
    expect(screen.getByText(/1 in use of 1 allowed/)).toBeInTheDocument();
    expect(commands(calls)).toEqual(['list_keys', 'list_permissions', 'key_quota']);
    await fireEvent.click(create);
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('reads the quota again just before Create key opens, and stays closed when it is now blocked', async () => {
    let blocked: string | null = null;
    const calls = backend({
      list_keys: [active],
      list_permissions: resources,
      policy: makePolicy(),
      key_quota: () => ({ active: 1, max: 2, blocked }),
    });
    render(KeysTab, { me: makeMe() });
    await screen.findByTestId('key-row-ci-runner');
    await vi.waitFor(() => expect(screen.getByTestId('create-key')).toBeEnabled());
    expect(screen.getByText(/1 in use of 2 allowed/)).toBeInTheDocument();

    // The CLI lowered the limit while the window was open.
    blocked = 'the policy allows 1 active keys and you have 1: revoke one first';
    await fireEvent.click(screen.getByTestId('create-key'));
    expect(await screen.findByTestId('key-create-blocked')).toHaveTextContent('The policy allows 1 active keys and you have 1: revoke one first.');
    expect(screen.getByTestId('create-key')).toBeDisabled();
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(commands(calls)).toEqual(['list_keys', 'list_permissions', 'key_quota', 'key_quota']);

    blocked = null;
    document.body.innerHTML = '';
    const again = backend({ list_keys: [active], list_permissions: resources, policy: makePolicy(), key_quota: () => ({ active: 1, max: 2, blocked }) });
    render(KeysTab, { me: makeMe() });
    await screen.findByTestId('key-row-ci-runner');
    await vi.waitFor(() => expect(screen.getByTestId('create-key')).toBeEnabled());
    await fireEvent.click(screen.getByTestId('create-key'));
    expect(await screen.findByRole('dialog', { name: 'Create API key' })).toBeInTheDocument();
    // The dialog reads the policy itself when it opens.
    await vi.waitFor(() => expect(commands(again)).toEqual(['list_keys', 'list_permissions', 'key_quota', 'key_quota', 'policy']));
  });

  it('reads the quota again after a key is created or deleted', async () => {
    let keys = [active];
    let q = { active: 1, max: 2, blocked: null as string | null };
    const created = makeKey({ name: 'second' });
    const calls = backend({
      list_keys: () => keys,
      list_permissions: resources,
      policy: makePolicy(),
      key_quota: () => q,
      create_key: () => {
        keys = [created, active];
        q = { active: 2, max: 2, blocked: 'the policy allows 2 active keys and you have 2: revoke one first' };
        return { key: created, secret: 'lk_live_abcdefghijklmnopqrstuvwxyz0123ABCDEF', old_stops_at: null };
      },
      forget_secret: null,
      revoke_key: () => {
        keys = [{ ...created, status: 'revoked', revoked_at: iso(Date.now()) }, active];
        q = { active: 1, max: 2, blocked: null };
        return keys[0];
      },
    });
    render(KeysTab, { me: makeMe() });
    await screen.findByTestId('key-row-ci-runner');
    await vi.waitFor(() => expect(screen.getByTestId('create-key')).toBeEnabled());
    await fireEvent.click(screen.getByTestId('create-key'));
    await fireEvent.input(await screen.findByTestId('key-name'), { target: { value: 'second' } });
    await screen.findByTestId('expiry-30');
    await fireEvent.click(screen.getByTestId('key-save'));
    await screen.findByTestId('issued-secret');
    await fireEvent.click(screen.getByTestId('issued-close'));
    expect(await screen.findByTestId('key-create-blocked')).toHaveTextContent('you have 2: revoke one first');
    expect(screen.getByTestId('create-key')).toBeDisabled();

    await fireEvent.click(within(await screen.findByTestId('key-row-second')).getByTestId('delete'));
    await fireEvent.click(screen.getByTestId('confirm-yes'));
    await vi.waitFor(() => expect(screen.queryByTestId('key-create-blocked')).toBeNull());
    expect(screen.getByTestId('create-key')).toBeEnabled();
    expect(commands(calls).filter((c) => c === 'key_quota')).toHaveLength(4);
  });

  it('shows a load error with a way to retry', async () => {
    let calls = 0;
    backend({
      list_keys: () => (calls++ === 0 ? fail('storage_error', 'the store is busy') : [active]),
      list_permissions: resources,
    });
    render(KeysTab, { me: makeMe() });
    expect(await screen.findByTestId('keys-error')).toHaveTextContent('The store is busy.');
    await fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByTestId('key-row-ci-runner')).toBeInTheDocument();
  });

  it('deletes a key only after a confirmation that says it is permanent', async () => {
    let keys = [active];
    const calls = backend({
      list_keys: () => keys,
      list_permissions: resources,
      revoke_key: () => {
        keys = [{ ...active, status: 'revoked', revoked_at: iso(Date.now()) }];
        return keys[0];
      },
    });
    render(KeysTab, { me: makeMe() });
    await fireEvent.click(within(await screen.findByTestId('key-row-ci-runner')).getByTestId('delete'));

    const dialog = screen.getByRole('alertdialog', { name: 'Delete “ci-runner”?' });
    expect(dialog).toHaveTextContent('This is permanent.');
    expect(dialog).toHaveTextContent('will fail to authenticate');
    expect(dialog).toHaveTextContent('you will need to create a new key');
    // Cancel is the default: nothing is revoked by pressing Enter on the focused button.
    expect(within(dialog).getByTestId('confirm-no')).toHaveFocus();

    await fireEvent.click(within(dialog).getByTestId('confirm-yes'));
    expect(await screen.findByTestId('keys-notice')).toHaveTextContent('“ci-runner” was deleted.');
    expect(calls.find((c) => c.cmd === 'revoke_key')?.args).toEqual({ id: active.id });
    await vi.waitFor(() => expect(within(row('ci-runner')).getByTestId('key-status')).toHaveTextContent('Revoked'));
    expect(screen.queryByRole('alertdialog')).toBeNull();
  });

  it('cancelling the delete confirmation revokes nothing', async () => {
    const calls = backend({ list_keys: [active], list_permissions: resources });
    render(KeysTab, { me: makeMe() });
    await fireEvent.click(within(await screen.findByTestId('key-row-ci-runner')).getByTestId('delete'));
    await fireEvent.click(screen.getByTestId('confirm-no'));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(commands(calls)).not.toContain('revoke_key');
  });

  it('shows a refused delete inside the dialog', async () => {
    backend({ list_keys: [active], list_permissions: resources, revoke_key: () => fail('conflict', 'this key is already revoked') });
    render(KeysTab, { me: makeMe() });
    await fireEvent.click(within(await screen.findByTestId('key-row-ci-runner')).getByTestId('delete'));
    await fireEvent.click(screen.getByTestId('confirm-yes'));
    expect(await screen.findByTestId('confirm-error')).toHaveTextContent('This key is already revoked.');
  });

  it('shows the account key panel to administrators only', async () => {
    const acct = makeKey({ name: 'account key', kind: 'acct', account_key: true, revealable: true, viewable: true, hint: 'lk_acct_…WXYZ' });
    let calls = backend({ list_keys: [active], list_permissions: resources, account_key: acct });
    render(KeysTab, { me: makeMe({ is_admin: true }) });
    expect(await screen.findByTestId('account-key-panel')).toBeInTheDocument();
    expect(commands(calls)).toContain('account_key');

    document.body.innerHTML = '';
    calls = backend({ list_keys: [active], list_permissions: resources });
    render(KeysTab, { me: makeMe({ is_admin: false }) });
    await screen.findByTestId('key-row-ci-runner');
    expect(screen.queryByTestId('account-key-panel')).toBeNull();
    expect(commands(calls)).not.toContain('account_key');
  });

  it('edits a key, sending only what changed', async () => {
    const calls = backend({
      list_keys: [active],
      list_permissions: resources,
      edit_key: { ...active, name: 'ci' },
    });
    render(KeysTab, { me: makeMe() });
    await fireEvent.click(within(await screen.findByTestId('key-row-ci-runner')).getByTestId('edit'));
    const dialog = screen.getByRole('dialog', { name: 'Edit “ci-runner”' });
    const name = within(dialog).getByLabelText('Name');
    expect(name).toHaveValue('ci-runner');
    expect(within(dialog).getByTestId('perm-samples-read')).toBeChecked();
    await fireEvent.input(name, { target: { value: 'ci' } });
    await fireEvent.click(within(dialog).getByTestId('key-save'));
    expect(await screen.findByTestId('keys-notice')).toHaveTextContent('Saved changes to “ci”.');
    expect(calls.find((c) => c.cmd === 'edit_key')?.args).toEqual({ id: active.id, name: 'ci' });
  });

  it('edits permissions and shows a refusal inline', async () => {
    const calls = backend({
      list_keys: [active],
      list_permissions: resources,
      edit_key: () => fail('invalid_input', 'permissions: your account does not have keys:write', { field: 'permissions' }),
    });
    render(KeysTab, { me: makeMe() });
    await fireEvent.click(within(await screen.findByTestId('key-row-ci-runner')).getByTestId('edit'));
    await fireEvent.click(screen.getByTestId('perm-keys-write'));
    await fireEvent.click(screen.getByTestId('key-save'));
    expect(await screen.findByTestId('perm-error')).toHaveTextContent('Your account does not have keys:write');
    expect(calls.find((c) => c.cmd === 'edit_key')?.args).toEqual({
      id: active.id,
      permissions: ['keys:read', 'keys:write', 'samples:read'],
    });
  });
});
