import { beforeAll, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import AccountPage from './AccountPage.svelte';
import { backend, loadScreens, makeMe, makePolicy, resources } from '../../test/fixtures';

beforeAll(loadScreens, 60_000);

describe('AccountPage tabs', () => {
  it('are ARIA tabs that follow the arrow keys', async () => {
    backend({ policy: makePolicy(), list_keys: [], list_permissions: resources });
    const ontab = vi.fn();
    const { rerender } = render(AccountPage, { me: makeMe(), tab: 'profile', ontab, onmechange: vi.fn() });

    const tabs = screen.getAllByRole('tab');
    expect(tabs.map((t) => t.textContent?.trim())).toEqual(['Profile', 'Security', 'API keys']);
    expect(screen.getByRole('tablist', { name: 'Account sections' })).toBeInTheDocument();
    expect(tabs[0]).toHaveAttribute('aria-selected', 'true');
    expect(tabs[0]).toHaveAttribute('tabindex', '0');
    expect(tabs[1]).toHaveAttribute('tabindex', '-1');
    expect(screen.getByRole('tabpanel')).toHaveAttribute('aria-labelledby', 'tab-profile');

    tabs[0].focus();
    await fireEvent.keyDown(tabs[0], { key: 'ArrowRight' });
    expect(ontab).toHaveBeenLastCalledWith('security');
    await fireEvent.keyDown(tabs[0], { key: 'ArrowLeft' });
    expect(ontab).toHaveBeenLastCalledWith('keys');
    await fireEvent.keyDown(tabs[0], { key: 'End' });
    expect(ontab).toHaveBeenLastCalledWith('keys');

    await rerender({ tab: 'keys' });
    expect(screen.getByTestId('tab-keys')).toHaveAttribute('aria-selected', 'true');
    expect(await screen.findByTestId('keys-empty')).toBeInTheDocument();
    await rerender({ tab: 'security' });
    expect(await screen.findByRole('heading', { name: 'Change password' })).toBeInTheDocument();
  });
});
