import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import KeysTab from './KeysTab.svelte';
import { keyFilter, resetKeyFilter } from './keyFilter.svelte';
import { listenForShortcuts } from '../shared/shortcuts';
import { DAY, backend, iso, makeKey, makeMe, resources } from '../../test/fixtures';

const now = Date.now();
const keys = [
  makeKey({ name: 'CI-Runner', permissions: ['samples:read', 'keys:read'] }),
  makeKey({ name: 'nightly-report', environment: 'test', kind: 'test', status: 'expiring_soon', expires_at: iso(now + 3 * DAY), permissions: ['samples:read'] }),
  makeKey({ name: 'notebook', status: 'expired', expires_at: iso(now - 2 * DAY), permissions: ['samples:write'] }),
  makeKey({ name: 'old-laptop', status: 'revoked', revoked_at: iso(now - 5 * DAY), expires_at: null, permissions: ['keys:read'] }),
];

const shown = () => screen.queryAllByTestId(/^key-row-/).map((r) => r.dataset.testid!.slice('key-row-'.length));

async function renderKeys(handlers: Record<string, unknown> = {}) {
  backend({ list_keys: keys, list_permissions: resources, ...handlers });
  const r = render(KeysTab, { me: makeMe() });
  await screen.findByTestId('key-search');
  return r;
}

beforeEach(() => resetKeyFilter());

describe('KeysTab search and filters', () => {
  it('searches names by any part, in any case', async () => {
    await renderKeys();
    expect(shown()).toHaveLength(4);
    await fireEvent.input(screen.getByTestId('key-search'), { target: { value: 'RUN' } });
    expect(shown()).toEqual(['CI-Runner']);
    expect(screen.getByTestId('key-filter-count')).toHaveTextContent('1 of 4 keys');
    await fireEvent.input(screen.getByTestId('key-search'), { target: { value: ' o ' } });
    expect(shown().sort()).toEqual(['nightly-report', 'notebook', 'old-laptop']);
  });

  it('filters by environment, status and permission, together', async () => {
    await renderKeys();
    await fireEvent.change(screen.getByTestId('key-filter-env'), { target: { value: 'test' } });
    expect(shown()).toEqual(['nightly-report']);
    await fireEvent.change(screen.getByTestId('key-filter-env'), { target: { value: 'live' } });
    expect(shown().sort()).toEqual(['CI-Runner', 'notebook', 'old-laptop']);

    await fireEvent.change(screen.getByTestId('key-filter-env'), { target: { value: 'all' } });
    const status = screen.getByTestId('key-filter-status') as HTMLSelectElement;
    expect([...status.options].map((o) => o.textContent)).toEqual(['All statuses', 'Active', 'Expiring soon', 'Expired', 'Revoked']);
    await fireEvent.change(status, { target: { value: 'expiring_soon' } });
    expect(shown()).toEqual(['nightly-report']);
    await fireEvent.change(status, { target: { value: 'expired' } });
    expect(shown()).toEqual(['notebook']);

    await fireEvent.change(status, { target: { value: 'all' } });
    const perm = screen.getByTestId('key-filter-perm') as HTMLSelectElement;
    expect([...perm.options].map((o) => o.value)).toEqual(['all', 'keys:read', 'samples:read', 'samples:write']);
    await fireEvent.change(perm, { target: { value: 'keys:read' } });
    expect(shown().sort()).toEqual(['CI-Runner', 'old-laptop']);
    await fireEvent.change(screen.getByTestId('key-filter-env'), { target: { value: 'live' } });
    await fireEvent.input(screen.getByTestId('key-search'), { target: { value: 'laptop' } });
    expect(shown()).toEqual(['old-laptop']);
  });

  it('says when no key matches, and clears from there or from the bar', async () => {
    await renderKeys();
    expect(screen.queryByTestId('key-filter-clear')).toBeNull();
    await fireEvent.input(screen.getByTestId('key-search'), { target: { value: 'zebra' } });
    const empty = screen.getByTestId('key-filter-empty');
    expect(empty).toHaveTextContent('No keys match');
    expect(screen.getByTestId('key-filter-count')).toHaveTextContent('0 of 4 keys');
    await fireEvent.click(within(empty).getByTestId('key-filter-empty-clear'));
    expect(shown()).toHaveLength(4);
    expect(screen.getByTestId('key-search')).toHaveValue('');
    expect(screen.getByTestId('key-filter-count')).toHaveTextContent('');

    await fireEvent.change(screen.getByTestId('key-filter-status'), { target: { value: 'expired' } });
    await fireEvent.click(screen.getByTestId('key-filter-clear'));
    expect(shown()).toHaveLength(4);
    expect(screen.getByTestId('key-filter-status')).toHaveValue('all');
    expect(screen.queryByTestId('key-filter-clear')).toBeNull();
  });

  it('Esc in the search box empties it', async () => {
    await renderKeys();
    const box = screen.getByTestId('key-search');
    await fireEvent.input(box, { target: { value: 'note' } });
    await fireEvent.keyDown(box, { key: 'Escape' });
    expect(box).toHaveValue('');
    expect(shown()).toHaveLength(4);
  });

  it('filtering on Revoked shows revoked keys even when they are hidden', async () => {
    await renderKeys();
    await fireEvent.click(screen.getByRole('button', { name: 'Hide revoked keys (1)' }));
    expect(shown()).not.toContain('old-laptop');
    await fireEvent.change(screen.getByTestId('key-filter-status'), { target: { value: 'revoked' } });
    expect(shown()).toEqual(['old-laptop']);
    expect(screen.queryByRole('button', { name: /revoked keys/ })).toBeNull();
  });

  it('keeps the search and filters when the tab goes and comes back', async () => {
    const first = await renderKeys();
    await fireEvent.input(screen.getByTestId('key-search'), { target: { value: 'night' } });
    await fireEvent.change(screen.getByTestId('key-filter-env'), { target: { value: 'test' } });
    first.unmount();
    expect(screen.queryByTestId('key-search')).toBeNull();

    await renderKeys();
    expect(screen.getByTestId('key-search')).toHaveValue('night');
    expect(screen.getByTestId('key-filter-env')).toHaveValue('test');
    expect(shown()).toEqual(['nightly-report']);
    expect(keyFilter).toEqual({ query: 'night', env: 'test', status: 'all', perm: 'all' });
  });

  it('keeps a chosen permission on offer when no key has it any more', async () => {
    keyFilter.perm = 'data:write';
    await renderKeys();
    expect(screen.getByTestId('key-filter-empty')).toBeInTheDocument();
    expect(screen.getByTestId('key-filter-perm')).toHaveValue('data:write');
  });

  it('shows no search bar without keys', async () => {
    backend({ list_keys: [], list_permissions: resources });
    render(KeysTab, { me: makeMe() });
    await screen.findByTestId('keys-empty');
    expect(screen.queryByTestId('key-search')).toBeNull();
  });
});

describe('KeysTab shortcuts', () => {
  let stop: () => void;
  beforeEach(() => {
    stop = listenForShortcuts();
  });
  afterEach(() => stop());

  it('N opens Create key when allowed', async () => {
    await renderKeys({ key_quota: { active: 2, max: null, blocked: null } });
    await fireEvent.keyDown(document.body, { key: 'n' });
    expect(await screen.findByTestId('create-dialog')).toBeInTheDocument();
    // A second N inside the dialog does not open another.
    await fireEvent.keyDown(document.body, { key: 'n' });
    expect(screen.getAllByTestId('create-dialog')).toHaveLength(1);
  });

  it('N does nothing when the policy allows no more keys', async () => {
    const calls = backend({ list_keys: keys, list_permissions: resources, key_quota: { active: 1, max: 1, blocked: 'one key at a time' } });
    render(KeysTab, { me: makeMe() });
    await screen.findByTestId('key-create-blocked');
    await fireEvent.keyDown(document.body, { key: 'n' });
    await new Promise((r) => setTimeout(r, 10));
    expect(screen.queryByTestId('create-dialog')).toBeNull();
    expect(calls.filter((c) => c.cmd === 'key_quota')).toHaveLength(1);
  });

  it('N is offered only while the tab shows', async () => {
    const r = await renderKeys({ key_quota: { active: 2, max: null, blocked: null } });
    r.unmount();
    const e = new KeyboardEvent('keydown', { key: 'n', bubbles: true, cancelable: true });
    document.body.dispatchEvent(e);
    expect(e.defaultPrevented).toBe(false);
  });
});
