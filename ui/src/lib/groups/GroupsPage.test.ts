import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import GroupsPage from './GroupsPage.svelte';
import { accessOf, groupImpactText, resourceImpactText } from './access';
import { backend, commands, fail, makeMe, type Call } from '../../test/fixtures';
import type { Account, Group, PermissionInfo } from '../shared/api';

const me = makeMe({ username: 'ada.lovelace', is_admin: true });

const resources: PermissionInfo[] = [
  { resource: 'account', description: 'Your profile', builtin: true },
  { resource: 'keys', description: 'Your API keys', builtin: true },
  { resource: 'samples', description: 'Sample registry', builtin: false },
  { resource: 'runs', description: 'Sequencer runs', builtin: false },
];

function account(id: number, username: string, first: string, last: string): Account {
  return {
    id,
    username,
    first_name: first,
    last_name: last,
    email: null,
    is_admin: false,
    disabled: false,
    groups: [],
    has_avatar: false,
    mfa_enabled: false,
    created_at: '2025-01-01T00:00:00Z',
    last_sign_in_at: null,
  };
}

const accounts = [
  account(1, 'ada.lovelace', 'Ada', 'Lovelace'),
  account(2, 'grace.hopper', 'Grace', 'Hopper'),
  account(3, 'alan.turing', 'Alan', 'Turing'),
];

const sequencing = (): Group => ({
  id: 2,
  name: 'sequencing',
  permissions: ['runs:write', 'samples:read'],
  members: ['ada.lovelace', 'grace.hopper'],
});
const wetLab = (): Group => ({ id: 3, name: 'wet-lab', permissions: [], members: [] });

function page(handlers: Record<string, unknown> = {}) {
  const calls = backend({
    list_groups: [sequencing(), wetLab()],
    list_permissions: resources,
    list_accounts: accounts,
    ...handlers,
  });
  render(GroupsPage, { me });
  return calls;
}

const after = (calls: Call[], cmd: string) => calls.filter((c) => c.cmd === cmd);

describe('access words', () => {
  it('reads a cell from a group’s permissions', () => {
    expect(accessOf(['samples:read', 'samples:write'], 'samples')).toBe('read_write');
    expect(accessOf(['samples:read'], 'samples')).toBe('read');
    expect(accessOf(['samples:write'], 'samples')).toBe('write');
    expect(accessOf(['samplesx:read'], 'samples')).toBe('none');
  });

  it('says what a delete takes away', () => {
    expect(groupImpactText({ members: 3, permissions: ['samples:read', 'runs:write'] })).toBe('3 members lose samples:read and runs:write.');
    expect(groupImpactText({ members: 1, permissions: ['samples:read'] })).toBe('1 member loses samples:read.');
    expect(groupImpactText({ members: 2, permissions: [] })).toBe('2 members lose nothing: the group grants no permissions.');
    expect(groupImpactText({ members: 0, permissions: ['a:read'] })).toBe('No one is in this group: no one loses a:read.');
    expect(resourceImpactText('samples', { groups: 2, active_keys: 5 })).toBe('2 groups and 5 keys in use lose samples:read and samples:write.');
    expect(resourceImpactText('samples', { groups: 1, active_keys: 0 })).toBe('1 group loses samples:read and samples:write.');
    expect(resourceImpactText('samples', { groups: 0, active_keys: 0 })).toMatch(/^No group grants samples:read and samples:write/);
  });
});

describe('GroupsPage', () => {
  it('lists each group with its members and a grid row per resource, showing the current access', async () => {
    page();
    const card = await screen.findByTestId('group-sequencing');
    const c = within(card);
    expect(c.getByRole('heading', { name: 'sequencing' })).toBeInTheDocument();
    expect(c.getByTestId('group-member-sequencing-ada.lovelace')).toHaveTextContent(/^ada\.lovelace\s*\(you\)\s*Ada Lovelace$/);
    expect(c.getByTestId('group-member-sequencing-grace.hopper')).toHaveTextContent('Grace Hopper');
    expect(c.getByText('Sequencer runs')).toBeInTheDocument();
    expect(c.getByText('Sample registry')).toBeInTheDocument();

    const cell = (r: string) => screen.getByTestId(`grid-sequencing-${r}`) as HTMLSelectElement;
    expect(cell('samples')).toHaveAttribute('data-access', 'read');
    expect(cell('samples').value).toBe('read');
    expect(cell('runs')).toHaveAttribute('data-access', 'write');
    expect(cell('account')).toHaveAttribute('data-access', 'none');
    expect([...cell('runs').options].map((o) => [o.value, o.text])).toEqual([
      ['none', 'None'],
      ['read', 'Read'],
      ['write', 'Write'],
      ['read_write', 'Read and write'],
    ]);
    expect(cell('samples')).toHaveAccessibleName('sequencing: access to samples');
    expect(screen.getByTestId('grid-wet-lab-samples')).toHaveAttribute('data-access', 'none');
  });

  it('saves one cell at once with exactly one set_group_access call, and shows it saved', async () => {
    let answer: (g: Group) => void = () => {};
    const calls = page({ set_group_access: () => new Promise((r) => (answer = r)) });
    const cell = (await screen.findByTestId('grid-sequencing-samples')) as HTMLSelectElement;
    await fireEvent.change(cell, { target: { value: 'read_write' } });

    expect(after(calls, 'set_group_access')).toEqual([
      { cmd: 'set_group_access', args: { group: 'sequencing', resource: 'samples', access: 'read_write' } },
    ]);
    expect(cell).toHaveAttribute('data-access', 'read_write');
    expect(screen.getByTestId('grid-state-sequencing-samples')).toHaveTextContent('Saving…');

    answer({ ...sequencing(), permissions: ['runs:write', 'samples:read', 'samples:write'] });
    await vi.waitFor(() => expect(screen.getByTestId('grid-state-sequencing-samples')).toHaveTextContent('Saved'));
    expect(screen.getByTestId('grid-state-sequencing-samples')).toHaveAttribute('data-state', 'saved');
    expect(cell).toHaveAttribute('data-access', 'read_write');
    expect(cell.value).toBe('read_write');
    expect(within(screen.getByTestId('group-sequencing')).getByText(/3 permissions/)).toBeInTheDocument();
    // Other cells were not touched.
    expect(screen.getByTestId('grid-sequencing-runs')).toHaveAttribute('data-access', 'write');
    expect(after(calls, 'set_group_access')).toHaveLength(1);
  });

  it('puts a refused cell back as it was and says why', async () => {
    const calls = page({ set_group_access: () => fail('store_busy', 'the store is busy; try again') });
    const cell = (await screen.findByTestId('grid-sequencing-runs')) as HTMLSelectElement;
    await fireEvent.change(cell, { target: { value: 'none' } });
    const state = screen.getByTestId('grid-state-sequencing-runs');
    await vi.waitFor(() => expect(state).toHaveAttribute('data-state', 'error'));
    expect(state).toHaveTextContent('The store is busy; try again.');
    expect(within(state).getByRole('alert')).toBeInTheDocument();
    expect(cell).toHaveAttribute('data-access', 'write');
    expect(cell.value).toBe('write');
    expect(cell).toHaveAttribute('aria-invalid', 'true');
    expect(after(calls, 'set_group_access')).toEqual([
      { cmd: 'set_group_access', args: { group: 'sequencing', resource: 'runs', access: 'none' } },
    ]);
  });

  it('creates a group, and shows a refused name next to the field', async () => {
    const calls = page({
      create_group: (a: { name: string }) =>
        a.name === 'wet-lab' ? fail('invalid_input', 'group: already exists', { field: 'group' }) : { id: 9, name: a.name, permissions: [], members: [] },
    });
    await screen.findByTestId('group-sequencing');
    const name = screen.getByTestId('group-create-name');

    await fireEvent.click(screen.getByTestId('group-create-submit'));
    expect(screen.getByTestId('group-create-error')).toHaveTextContent('Enter a name for the group.');
    await fireEvent.input(name, { target: { value: 'bad name!' } });
    await fireEvent.click(screen.getByTestId('group-create-submit'));
    expect(screen.getByTestId('group-create-error')).toHaveTextContent("Must be 1–64 letters, digits, '.', '_' or '-'.");
    expect(after(calls, 'create_group')).toEqual([]);

    await fireEvent.input(name, { target: { value: 'wet-lab' } });
    await fireEvent.click(screen.getByTestId('group-create-submit'));
    expect(await screen.findByText('Already exists')).toHaveAttribute('data-testid', 'group-create-error');
    expect(name).toHaveAttribute('aria-invalid', 'true');

    await fireEvent.input(name, { target: { value: ' imaging ' } });
    await fireEvent.click(screen.getByTestId('group-create-submit'));
    expect(await screen.findByTestId('group-imaging')).toBeInTheDocument();
    expect(after(calls, 'create_group').at(-1)?.args).toEqual({ name: 'imaging', permissions: [] });
    expect(screen.getByTestId('groups-notice')).toHaveTextContent('Created the group “imaging”.');
    expect(name).toHaveValue('');
  });

  it('renames a group in a dialog; a name in use is shown next to the field', async () => {
    const calls = page({
      rename_group: (a: { name: string; newName: string }) =>
        a.newName === 'wet-lab' ? fail('invalid_input', 'group: already exists', { field: 'group' }) : { ...sequencing(), name: a.newName },
    });
    await fireEvent.click(await screen.findByTestId('group-rename-sequencing'));
    const dialog = screen.getByRole('dialog', { name: 'Rename “sequencing”' });
    const input = within(dialog).getByTestId('group-rename-name');
    expect(input).toHaveValue('sequencing');
    await fireEvent.input(input, { target: { value: 'wet-lab' } });
    await fireEvent.click(within(dialog).getByTestId('group-rename-submit'));
    expect(await within(dialog).findByTestId('group-rename-name-error')).toHaveTextContent('Already exists');

    await fireEvent.input(input, { target: { value: 'genomics' } });
    await fireEvent.click(within(dialog).getByTestId('group-rename-submit'));
    expect(await screen.findByTestId('group-genomics')).toBeInTheDocument();
    expect(screen.queryByTestId('group-sequencing')).toBeNull();
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(after(calls, 'rename_group').at(-1)?.args).toEqual({ name: 'sequencing', newName: 'genomics' });
  });

  it('asks what deleting a group takes away before deleting it, and says so', async () => {
    const calls = page({
      group_impact: { members: 2, permissions: ['runs:write', 'samples:read'] },
      delete_group: null,
    });
    await fireEvent.click(await screen.findByTestId('group-delete-sequencing'));
    const dialog = await screen.findByRole('alertdialog', { name: 'Delete the group “sequencing”?' });
    expect(dialog).toHaveAttribute('data-testid', 'group-delete-dialog');
    expect(within(dialog).getByTestId('group-delete-impact')).toHaveTextContent('2 members lose runs:write and samples:read.');
    expect(commands(calls).slice(3)).toEqual(['group_impact']);
    expect(after(calls, 'group_impact')[0].args).toEqual({ name: 'sequencing' });
    await vi.waitFor(() => expect(within(dialog).getByTestId('confirm-no')).toHaveFocus());

    await fireEvent.click(within(dialog).getByTestId('confirm-yes'));
    await vi.waitFor(() => expect(screen.queryByTestId('group-sequencing')).toBeNull());
    expect(commands(calls).slice(3)).toEqual(['group_impact', 'delete_group']);
    expect(screen.getByTestId('groups-notice')).toHaveTextContent('Deleted the group “sequencing”.');
  });

  it('cancelling the group delete deletes nothing', async () => {
    const calls = page({ group_impact: { members: 0, permissions: [] } });
    await fireEvent.click(await screen.findByTestId('group-delete-wet-lab'));
    await screen.findByTestId('group-delete-dialog');
    await fireEvent.click(screen.getByTestId('confirm-no'));
    expect(commands(calls)).not.toContain('delete_group');
    expect(screen.getByTestId('group-wet-lab')).toBeInTheDocument();
  });

  it('adds a member chosen among accounts not yet in the group, and removes one', async () => {
    const calls = page({
      add_group_member: (a: { username: string }) => ({ ...sequencing(), members: [...sequencing().members, a.username] }),
      remove_group_member: () => ({ ...sequencing(), members: ['ada.lovelace'] }),
    });
    const select = (await screen.findByTestId('group-add-member-sequencing')) as HTMLSelectElement;
    expect([...select.options].map((o) => o.value)).toEqual(['', 'alan.turing']);
    expect(screen.getByTestId('group-add-member-submit-sequencing')).toBeDisabled();
    await fireEvent.change(select, { target: { value: 'alan.turing' } });
    await fireEvent.click(screen.getByTestId('group-add-member-submit-sequencing'));
    expect(await screen.findByTestId('group-member-sequencing-alan.turing')).toHaveTextContent('Alan Turing');
    expect(after(calls, 'add_group_member')[0].args).toEqual({ group: 'sequencing', username: 'alan.turing' });

    const remove = screen.getByTestId('group-remove-member-sequencing-grace.hopper');
    expect(remove).toHaveAccessibleName('Remove grace.hopper from sequencing');
    await fireEvent.click(remove);
    await vi.waitFor(() => expect(screen.queryByTestId('group-member-sequencing-grace.hopper')).toBeNull());
    expect(after(calls, 'remove_group_member')[0].args).toEqual({ group: 'sequencing', username: 'grace.hopper' });
  });

  it('shows a refused member change in the group’s card', async () => {
    page({ remove_group_member: () => fail('not_found', 'grace.hopper in group sequencing not found') });
    await fireEvent.click(await screen.findByTestId('group-remove-member-sequencing-grace.hopper'));
    expect(await screen.findByTestId('group-error-sequencing')).toHaveTextContent('Grace.hopper in group sequencing not found.');
  });

  it('shows built-in resources without a delete control', async () => {
    page();
    const builtin = await screen.findByTestId('resource-account');
    expect(within(builtin).getByText('Built in')).toBeInTheDocument();
    expect(screen.queryByTestId('resource-delete-account')).toBeNull();
    expect(screen.queryByTestId('resource-delete-keys')).toBeNull();
    expect(screen.getByTestId('resource-delete-samples')).toBeInTheDocument();
    expect(within(screen.getByTestId('resource-samples')).getByText('Sample registry')).toBeInTheDocument();
  });

  it('creates a resource with a description, and the grid gains its row', async () => {
    let list = resources;
    const calls = page({
      list_permissions: () => list,
      create_resource: (a: { name: string; description: string }) => {
        list = [...resources, { resource: a.name, description: a.description, builtin: false }];
        return list.at(-1);
      },
    });
    await screen.findByTestId('group-sequencing');
    await fireEvent.input(screen.getByTestId('resource-create-name'), { target: { value: 'plates' } });
    await fireEvent.input(screen.getByTestId('resource-create-description'), { target: { value: 'Plate reader' } });
    await fireEvent.click(screen.getByTestId('resource-create-submit'));
    expect(await screen.findByTestId('grid-sequencing-plates')).toHaveAttribute('data-access', 'none');
    expect(after(calls, 'create_resource')[0].args).toEqual({ name: 'plates', description: 'Plate reader' });
    expect(screen.getByTestId('resource-notice')).toHaveTextContent('Added plates:read and plates:write.');
    expect(screen.getByTestId('resource-create-name')).toHaveValue('');
  });

  it('shows a bad resource name next to the field, from the form and from the core', async () => {
    const calls = page({
      create_resource: () =>
        fail('invalid_input', "resource: must be 1–32 lower-case letters, digits, '_' or '-', starting with a letter", { field: 'resource' }),
    });
    await screen.findByTestId('group-sequencing');
    const name = screen.getByTestId('resource-create-name');
    await fireEvent.input(name, { target: { value: 'Samples!' } });
    await fireEvent.click(screen.getByTestId('resource-create-submit'));
    const err = screen.getByTestId('resource-create-name-error');
    expect(err).toHaveTextContent("Must be 1–32 lower-case letters, digits, '_' or '-', starting with a letter.");
    expect(err).toHaveAttribute('role', 'alert');
    expect(name).toHaveAttribute('aria-invalid', 'true');
    expect(after(calls, 'create_resource')).toEqual([]);

    // The core has the last word (here it refuses a name the form let through).
    await fireEvent.input(name, { target: { value: 'samples' } });
    await fireEvent.click(screen.getByTestId('resource-create-submit'));
    await vi.waitFor(() => expect(after(calls, 'create_resource')).toHaveLength(1));
    expect(await screen.findByTestId('resource-create-name-error')).toHaveTextContent("Must be 1–32 lower-case letters");
  });

  it('shows a refused description next to its field', async () => {
    page({ create_resource: () => fail('invalid_input', 'description: must not contain hidden characters', { field: 'description' }) });
    await screen.findByTestId('group-sequencing');
    await fireEvent.input(screen.getByTestId('resource-create-name'), { target: { value: 'plates' } });
    await fireEvent.click(screen.getByTestId('resource-create-submit'));
    expect(await screen.findByTestId('resource-create-description-error')).toHaveTextContent('Must not contain hidden characters');
  });

  it('asks what deleting a custom resource takes away before deleting it', async () => {
    let list = resources;
    const calls = page({
      list_permissions: () => list,
      resource_impact: { groups: 2, active_keys: 5 },
      delete_resource: () => {
        list = resources.filter((r) => r.resource !== 'samples');
        return null;
      },
    });
    await fireEvent.click(await screen.findByTestId('resource-delete-samples'));
    const dialog = await screen.findByRole('alertdialog', { name: 'Delete “samples”?' });
    expect(dialog).toHaveAttribute('data-testid', 'resource-delete-dialog');
    expect(within(dialog).getByTestId('resource-delete-impact')).toHaveTextContent(
      '2 groups and 5 keys in use lose samples:read and samples:write.',
    );
    expect(commands(calls)).not.toContain('delete_resource');
    expect(after(calls, 'resource_impact')[0].args).toEqual({ name: 'samples' });

    await fireEvent.click(within(dialog).getByTestId('confirm-yes'));
    await vi.waitFor(() => expect(screen.queryByTestId('grid-sequencing-samples')).toBeNull());
    expect(after(calls, 'delete_resource')[0].args).toEqual({ name: 'samples' });
    expect(screen.queryByTestId('resource-samples')).toBeNull();
    // Groups are read again: their grants changed.
    expect(after(calls, 'list_groups')).toHaveLength(2);
  });

  it('shows a load error with a way to try again', async () => {
    let n = 0;
    backend({
      list_groups: () => (n++ === 0 ? fail('forbidden', 'not permitted: only administrators may do this') : [sequencing()]),
      list_permissions: resources,
      list_accounts: accounts,
    });
    render(GroupsPage, { me });
    expect(await screen.findByTestId('groups-error')).toHaveTextContent('Not permitted: only administrators may do this.');
    await fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByTestId('group-sequencing')).toBeInTheDocument();
  });

  it('labels every control', async () => {
    page();
    await screen.findByTestId('group-sequencing');
    for (const el of document.body.querySelectorAll<HTMLElement>('button, input, select')) {
      expect(el).toHaveAccessibleName();
    }
  });
});
