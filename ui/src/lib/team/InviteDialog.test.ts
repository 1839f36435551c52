import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import InviteDialog from './InviteDialog.svelte';
import { backend, commands, fail } from '../../test/fixtures';
import { GROUPS, INVITE_CODE, makeInvitation } from '../../test/team';
import { clipboard } from '../shared/clipboard.svelte';

function open() {
  const oncreated = vi.fn();
  const onclose = vi.fn();
  render(InviteDialog, { oncreated, onclose });
  return { oncreated, onclose };
}

const issued = (over: Parameters<typeof makeInvitation>[0]) => ({ invitation: makeInvitation(over), code: INVITE_CODE });

async function fill(email: string) {
  await fireEvent.input(screen.getByTestId('invite-email'), { target: { value: email } });
}

describe('InviteDialog', () => {
  it('asks for an email, offers the store’s groups as checkboxes and the administrator role', async () => {
    backend({ list_groups: GROUPS });
    open();
    expect(screen.getByRole('dialog', { name: 'New invitation' })).toBeInTheDocument();
    await vi.waitFor(() => expect(screen.getByTestId('invite-email')).toHaveFocus());
    expect(await screen.findByTestId('invite-group-admins')).not.toBeChecked();
    expect(screen.getByTestId('invite-group-sequencing')).toHaveAccessibleName('sequencing');
    expect(screen.getByTestId('invite-group-wet-lab')).toBeInTheDocument();
    expect(screen.getByTestId('invite-admin')).not.toBeChecked();
  });

  it('refuses a missing or malformed email before calling create_invitation', async () => {
    const calls = backend({ list_groups: GROUPS });
    open();
    await fireEvent.click(screen.getByTestId('invite-submit'));
    expect(screen.getByTestId('invite-email-error')).toHaveTextContent('Enter an email address.');
    await fill('not-an-address');
    await fireEvent.click(screen.getByTestId('invite-submit'));
    expect(screen.getByTestId('invite-email-error')).toHaveTextContent('Enter a valid email address');
    expect(screen.getByTestId('invite-email')).toHaveAttribute('aria-invalid', 'true');
    expect(commands(calls)).toEqual(['list_groups']);
  });

  it('shows the core’s email refusal beside the email field', async () => {
    backend({
      list_groups: GROUPS,
      create_invitation: () => fail('invalid_input', 'email: already belongs to an account', { field: 'email' }),
    });
    open();
    await fill('bob@example.org');
    await fireEvent.click(screen.getByTestId('invite-submit'));
    expect(await screen.findByTestId('invite-email-error')).toHaveTextContent('Already belongs to an account');
    expect(screen.queryByTestId('invite-error')).toBeNull();
  });

  it('shows other refusals in a banner', async () => {
    backend({ list_groups: GROUPS, create_invitation: () => fail('not_found', 'group not found') });
    open();
    await fill('new@example.org');
    await fireEvent.click(screen.getByTestId('invite-submit'));
    const banner = await screen.findByTestId('invite-error');
    expect(banner).toHaveTextContent('Group not found.');
    expect(banner).toHaveAttribute('data-code', 'not_found');
  });

  it('creates the invitation, shows the code once with Copy and Send by email, and forgets it on close', async () => {
    const result = issued({ email: 'new@example.org', groups: ['sequencing', 'wet-lab'] });
    const calls = backend(
      {
        list_groups: GROUPS,
        create_invitation: result,
        copy_invitation: { clear_after_secs: 30 },
        email_invitation: null,
        forget_invitation: null,
      },
      { events: true },
    );
    const { oncreated, onclose } = open();
    await fill('  new@example.org ');
    await fireEvent.click(await screen.findByTestId('invite-group-wet-lab'));
    await fireEvent.click(screen.getByTestId('invite-group-sequencing'));
    await fireEvent.click(screen.getByTestId('invite-submit'));

    const code = await screen.findByTestId('invite-code');
    expect(calls[1]).toEqual({
      cmd: 'create_invitation',
      args: { email: 'new@example.org', groups: ['wet-lab', 'sequencing'], admin: false },
    });
    expect(oncreated).toHaveBeenCalledWith(result);
    expect(code).toHaveValue(INVITE_CODE);
    expect(code).toHaveAttribute('readonly');
    expect(screen.getByTestId('invite-warning')).toHaveTextContent('This code is shown only now.');
    expect(screen.getByRole('dialog', { name: 'Invitation for new@example.org' })).toBeInTheDocument();

    await fireEvent.click(screen.getByTestId('invite-copy'));
    await vi.waitFor(() => expect(clipboard.phase).toBe('counting'));
    expect(clipboard.remaining).toBe(30);
    expect(clipboard.label).toBe('Invitation for new@example.org');
    expect(calls[2]).toEqual({ cmd: 'copy_invitation', args: { id: result.invitation.id } });
    expect(screen.getByTestId('invite-copy')).toHaveTextContent('Copy again');

    await fireEvent.click(screen.getByTestId('invite-email-send'));
    expect(await screen.findByTestId('invite-emailed')).toHaveTextContent('Your mail client opened a message to new@example.org');
    expect(calls[3]).toEqual({ cmd: 'email_invitation', args: { id: result.invitation.id } });

    await fireEvent.click(screen.getByTestId('invite-close'));
    expect(calls[4]).toEqual({ cmd: 'forget_invitation', args: { id: result.invitation.id } });
    expect(onclose).toHaveBeenCalled();
    // The code went to no command: Copy and Send by email name the invitation only.
    expect(JSON.stringify(calls)).not.toContain(INVITE_CODE);
  });

  it('says so when no mail client can be opened', async () => {
    backend({
      list_groups: GROUPS,
      create_invitation: issued({ email: 'new@example.org' }),
      email_invitation: () =>
        fail('opener_unavailable', 'Could not open your mail client: this desktop has no program for mailto: links. Copy the code instead.'),
      forget_invitation: null,
    });
    open();
    await fill('new@example.org');
    await fireEvent.click(screen.getByTestId('invite-submit'));
    await fireEvent.click(await screen.findByTestId('invite-email-send'));
    const err = await screen.findByTestId('invite-code-error');
    expect(err).toHaveAttribute('data-code', 'opener_unavailable');
    expect(err).toHaveTextContent('Could not open your mail client: this desktop has no program for mailto: links. Copy the code instead.');
    expect(screen.queryByTestId('invite-emailed')).toBeNull();
  });

  it('Escape after issuing closes and forgets the code too', async () => {
    const result = issued({ email: 'new@example.org' });
    const calls = backend({ list_groups: GROUPS, create_invitation: result, forget_invitation: null });
    const { onclose } = open();
    await fill('new@example.org');
    await fireEvent.click(screen.getByTestId('invite-submit'));
    await screen.findByTestId('invite-code');
    await fireEvent.keyDown(document.activeElement ?? document.body, { key: 'Escape' });
    expect(onclose).toHaveBeenCalled();
    expect(commands(calls)).toEqual(['list_groups', 'create_invitation', 'forget_invitation']);
  });

  it('closing before an invitation is made forgets nothing', async () => {
    const calls = backend({ list_groups: GROUPS });
    const { onclose } = open();
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(onclose).toHaveBeenCalled();
    expect(commands(calls)).toEqual(['list_groups']);
  });

  it('inviting an administrator asks “Confirm it’s you” and then retries', async () => {
    let proven = false;
    const result = issued({ email: 'boss@example.org', admin: true });
    const calls = backend({
      list_groups: GROUPS,
      create_invitation: () => (proven ? result : fail('step_up_required', "confirm it's you")),
      confirm_password: () => {
        proven = true;
        return null;
      },
      forget_invitation: null,
    });
    open();
    await fill('boss@example.org');
    await fireEvent.click(screen.getByTestId('invite-admin'));
    await fireEvent.click(screen.getByTestId('invite-submit'));

    const prompt = await screen.findByRole('alertdialog', { name: 'Confirm it’s you' });
    expect(prompt).toHaveTextContent('To invite an administrator, enter your password again.');
    await fireEvent.input(screen.getByTestId('stepup-password'), { target: { value: 'my password' } });
    await fireEvent.click(screen.getByTestId('stepup-submit'));

    expect(await screen.findByTestId('invite-code')).toHaveValue(INVITE_CODE);
    expect(commands(calls)).toEqual(['list_groups', 'create_invitation', 'confirm_password', 'create_invitation']);
    expect(calls[3].args).toEqual({ email: 'boss@example.org', groups: [], admin: true });
    expect(screen.queryByTestId('invite-error')).toBeNull();
  });

  it('says when the groups cannot be read, and still invites without them', async () => {
    backend({ list_groups: () => fail('store_busy', 'the store is busy in another program; nothing was changed, try again') });
    open();
    expect(await screen.findByTestId('invite-group-load-error')).toHaveTextContent('Groups could not be read: The store is busy');
  });
});
