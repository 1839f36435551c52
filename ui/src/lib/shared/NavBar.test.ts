import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import NavBar from './NavBar.svelte';
import { makeMe } from '../../test/fixtures';
import { avatarColour } from './format';

function setup(me = makeMe()) {
  const onnavigate = vi.fn();
  const onsignout = vi.fn();
  const onlock = vi.fn();
  const onhelp = vi.fn();
  render(NavBar, { me, page: 'account', onnavigate, onsignout, onlock, onhelp });
  return { onnavigate, onsignout, onlock, onhelp };
}

describe('NavBar', () => {
  it('shows the name and an initials avatar coloured from the username', () => {
    setup();
    expect(screen.getByTestId('nav-name')).toHaveTextContent('Ada Lovelace');
    const avatar = screen.getByTestId('avatar-initials');
    expect(avatar).toHaveTextContent('AL');
    const probe = document.createElement('span');
    probe.style.background = avatarColour('ada');
    expect(avatar.style.background).toBe(probe.style.background);
  });

  it('shows the avatar image when there is one', () => {
    setup(makeMe({ avatar: 'data:image/png;base64,AAAA', has_avatar: true }));
    expect(screen.getByTestId('avatar-image')).toHaveAttribute('src', 'data:image/png;base64,AAAA');
  });

  it('has a keyboard-accessible account menu', async () => {
    const { onnavigate, onsignout } = setup();
    const button = screen.getByTestId('nav-menu');
    expect(button).toHaveAttribute('aria-haspopup', 'menu');
    expect(button).toHaveAttribute('aria-expanded', 'false');

    await fireEvent.keyDown(button, { key: 'ArrowDown' });
    expect(button).toHaveAttribute('aria-expanded', 'true');
    const items = screen.getAllByRole('menuitem');
    expect(items.map((i) => i.textContent)).toEqual(['Account', 'SettingsCtrl+,', 'Help?', 'Lock nowCtrl+L', 'Sign out']);
    await vi.waitFor(() => expect(items[0]).toHaveFocus());

    await fireEvent.keyDown(items[0], { key: 'ArrowDown' });
    expect(items[1]).toHaveFocus();
    await fireEvent.keyDown(items[1], { key: 'End' });
    expect(items[4]).toHaveFocus();
    await fireEvent.keyDown(items[4], { key: 'ArrowDown' });
    expect(items[0]).toHaveFocus();
    await fireEvent.keyDown(items[0], { key: 'ArrowUp' });
    expect(items[4]).toHaveFocus();

    await fireEvent.keyDown(items[4], { key: 'Escape' });
    expect(screen.queryByRole('menu')).toBeNull();
    expect(button).toHaveFocus();

    await fireEvent.click(button);
    await fireEvent.click(screen.getByRole('menuitem', { name: 'Settings' }));
    expect(onnavigate).toHaveBeenCalledWith('settings');
    await fireEvent.click(button);
    await fireEvent.click(screen.getByRole('menuitem', { name: 'Sign out' }));
    expect(onsignout).toHaveBeenCalled();
  });

  it('offers Help and Lock now, named without their shortcut but announcing it', async () => {
    const { onlock, onhelp, onsignout } = setup();
    await fireEvent.click(screen.getByTestId('nav-menu'));
    const lock = screen.getByRole('menuitem', { name: 'Lock now' });
    expect(lock).toBe(screen.getByTestId('menu-lock-now'));
    expect(lock).toHaveAttribute('aria-keyshortcuts', 'Control+L');
    expect(screen.getByRole('menuitem', { name: 'Help' })).toBe(screen.getByTestId('menu-help'));
    expect(screen.getByTestId('menu-settings')).toHaveAttribute('aria-keyshortcuts', 'Control+,');

    await fireEvent.click(lock);
    expect(onlock).toHaveBeenCalledTimes(1);
    expect(onsignout).not.toHaveBeenCalled();
    expect(screen.queryByRole('menu')).toBeNull();

    await fireEvent.click(screen.getByTestId('nav-menu'));
    await fireEvent.click(screen.getByTestId('menu-help'));
    expect(onhelp).toHaveBeenCalledTimes(1);
  });
});
