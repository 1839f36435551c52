import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import ProfileTab from './ProfileTab.svelte';
import { backend, commands, fail, makeMe } from '../../test/fixtures';

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13];

function pick(file: File) {
  return fireEvent.change(screen.getByTestId('avatar-file'), { target: { files: [file] } });
}

describe('ProfileTab', () => {
  it('shows username, groups and the administrator badge read-only', () => {
    render(ProfileTab, { me: makeMe({ is_admin: true, groups: ['lab', 'admins'] }), onchange: vi.fn() });
    expect(screen.getByTestId('profile-username')).toHaveTextContent('ada');
    expect(screen.getByTestId('profile-groups')).toHaveTextContent('lab');
    expect(screen.getByTestId('profile-groups')).toHaveTextContent('admins');
    expect(screen.getByTestId('admin-badge')).toHaveTextContent('Administrator');
    expect(screen.queryByRole('textbox', { name: 'Username' })).toBeNull();
    expect(screen.getByTestId('profile-managed')).toHaveTextContent('Change groups and roles on the Team page.');
  });

  it('has no administrator badge for a member, and an initials avatar', () => {
    render(ProfileTab, { me: makeMe(), onchange: vi.fn() });
    expect(screen.queryByTestId('admin-badge')).toBeNull();
    expect(screen.getByRole('img', { name: /initials avatar/ })).toHaveTextContent('AL');
    expect(screen.getByTestId('profile-managed')).toHaveTextContent(
      'An administrator changes your groups and role on the Team page.',
    );
  });

  it('saves first and last name and email, then confirms', async () => {
    const updated = makeMe({ first_name: 'Augusta', email: 'augusta@example.org' });
    const calls = backend({ update_profile: updated });
    const onchange = vi.fn();
    render(ProfileTab, { me: makeMe(), onchange });

    expect(screen.getByTestId('profile-save')).toBeDisabled();
    await fireEvent.input(screen.getByLabelText('First name'), { target: { value: ' Augusta ' } });
    await fireEvent.input(screen.getByLabelText('Email'), { target: { value: 'augusta@example.org' } });
    await fireEvent.click(screen.getByTestId('profile-save'));

    expect(await screen.findByTestId('profile-saved')).toHaveTextContent('Profile saved.');
    expect(calls).toEqual([
      { cmd: 'update_profile', args: { firstName: 'Augusta', lastName: 'Lovelace', email: 'augusta@example.org' } },
    ]);
    expect(onchange).toHaveBeenCalledWith(updated);
  });

  it('catches a malformed email before calling update_profile', async () => {
    const calls = backend({});
    render(ProfileTab, { me: makeMe(), onchange: vi.fn() });
    await fireEvent.input(screen.getByLabelText('Email'), { target: { value: 'ada@' } });
    await fireEvent.click(screen.getByTestId('profile-save'));
    expect(screen.getByTestId('profile-email-error')).toHaveTextContent('Enter a valid email address');
    expect(screen.getByLabelText('Email')).toHaveAttribute('aria-invalid', 'true');
    expect(calls).toEqual([]);
  });

  it('shows the email error the command returns inline', async () => {
    backend({
      update_profile: () => fail('invalid_input', 'email: is already used by another account', { field: 'email' }),
    });
    const onchange = vi.fn();
    render(ProfileTab, { me: makeMe(), onchange });
    await fireEvent.input(screen.getByLabelText('Email'), { target: { value: 'grace@example.org' } });
    await fireEvent.click(screen.getByTestId('profile-save'));
    const err = await screen.findByTestId('profile-email-error');
    expect(err).toHaveTextContent('Is already used by another account');
    expect(err).toHaveAttribute('role', 'alert');
    expect(screen.queryByTestId('profile-saved')).toBeNull();
    expect(onchange).not.toHaveBeenCalled();
  });

  it('sends an empty email to clear it', async () => {
    const calls = backend({ update_profile: makeMe({ email: null }) });
    render(ProfileTab, { me: makeMe(), onchange: vi.fn() });
    await fireEvent.input(screen.getByLabelText('Email'), { target: { value: '' } });
    await fireEvent.click(screen.getByTestId('profile-save'));
    await screen.findByTestId('profile-saved');
    expect(calls[0].args.email).toBe('');
  });

  it('uploads an avatar as a byte array', async () => {
    const updated = makeMe({ has_avatar: true, avatar: 'data:image/png;base64,AAAA' });
    const calls = backend({ set_avatar: updated });
    const onchange = vi.fn();
    render(ProfileTab, { me: makeMe(), onchange });

    await pick(new File([new Uint8Array(PNG)], 'me.png', { type: 'image/png' }));

    await vi.waitFor(() => expect(onchange).toHaveBeenCalledWith(updated));
    expect(calls).toEqual([{ cmd: 'set_avatar', args: { bytes: PNG } }]);
  });

  it('refuses a file over 5 MiB without sending it', async () => {
    const calls = backend({});
    render(ProfileTab, { me: makeMe(), onchange: vi.fn() });
    const big = new File([new Uint8Array(5 * 1024 * 1024 + 1)], 'huge.png', { type: 'image/png' });
    await pick(big);
    expect(await screen.findByTestId('avatar-error')).toHaveTextContent('the limit is 5 MiB');
    expect(calls).toEqual([]);
  });

  it('refuses a file that is not PNG, JPEG or WebP', async () => {
    const calls = backend({});
    render(ProfileTab, { me: makeMe(), onchange: vi.fn() });
    await pick(new File(['GIF89a'], 'a.gif', { type: 'image/gif' }));
    expect(await screen.findByTestId('avatar-error')).toHaveTextContent('Choose a PNG, JPEG or WebP image.');
    await pick(new File(['not really'], 'fake.png', { type: 'image/png' }));
    expect(await screen.findByTestId('avatar-error')).toHaveTextContent('not a PNG, JPEG or WebP image');
    expect(calls).toEqual([]);
  });

  it('shows the avatar refusal the command returns', async () => {
    backend({ set_avatar: () => fail('invalid_input', 'avatar: is too large to decode', { field: 'avatar' }) });
    render(ProfileTab, { me: makeMe(), onchange: vi.fn() });
    await pick(new File([new Uint8Array(PNG)], 'me.png', { type: 'image/png' }));
    expect(await screen.findByTestId('avatar-error')).toHaveTextContent('Is too large to decode');
  });

  it('removes an avatar', async () => {
    const me = makeMe({ has_avatar: true, avatar: 'data:image/png;base64,AAAA' });
    const calls = backend({ clear_avatar: makeMe() });
    const onchange = vi.fn();
    render(ProfileTab, { me, onchange });
    expect(screen.getByRole('img', { name: /avatar/ })).toHaveAttribute('src', 'data:image/png;base64,AAAA');
    await fireEvent.click(screen.getByTestId('avatar-remove'));
    await vi.waitFor(() => expect(onchange).toHaveBeenCalled());
    expect(commands(calls)).toEqual(['clear_avatar']);
  });
});
