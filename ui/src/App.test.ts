import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import App from './App.svelte';
import { DAY, backend, commands, fail, iso, makeKey, makeMe, makePolicy, resources, settings } from './test/fixtures';

const state = (over: Record<string, unknown> = {}) => ({
  initialized: true,
  me: null,
  store_path: '/tmp/latchkey.db',
  settings,
  policy: makePolicy(),
  ...over,
});

async function signInWith(result: unknown) {
  await fireEvent.input(await screen.findByTestId('signin-login'), { target: { value: 'ada' } });
  await fireEvent.input(screen.getByTestId('signin-password'), { target: { value: 'pw-pw-pw-pw' } });
  await fireEvent.click(screen.getByTestId('signin-submit'));
  return result;
}

describe('App shell', () => {
  it('shows the setup screen when the store is not initialized', async () => {
    const calls = backend({ app_state: state({ initialized: false }) });
    render(App);
    expect(await screen.findByRole('heading', { name: 'Set up Latchkey' })).toBeInTheDocument();
    expect(screen.getByText('/tmp/latchkey.db')).toBeInTheDocument();
    expect(commands(calls)).toEqual(['app_state']);
  });

  it('shows sign-in when initialized and nobody is signed in', async () => {
    backend({ app_state: state() });
    render(App);
    expect(await screen.findByTestId('signin-login')).toBeInTheDocument();
  });

  it('goes straight to the account when a session exists', async () => {
    backend({ app_state: state({ me: makeMe() }) });
    render(App);
    expect(await screen.findByRole('heading', { name: 'Account' })).toBeInTheDocument();
    expect(screen.getByTestId('nav-name')).toHaveTextContent('Ada Lovelace');
  });

  it('explains when app_state fails, and can try again', async () => {
    let first = true;
    backend({
      app_state: () => {
        if (first) {
          first = false;
          fail('store_refused', 'the file is not a Latchkey store; nothing was changed');
        }
        return state();
      },
    });
    render(App);
    const alert = await screen.findByTestId('start-error');
    expect(alert).toHaveTextContent('The file is not a Latchkey store; nothing was changed.');
    await fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByTestId('signin-login')).toBeInTheDocument();
  });

  it('after sign-in lists keys expiring soon and can jump to them', async () => {
    const soon = makeKey({ name: 'nightly', status: 'expiring_soon', expires_at: iso(Date.now() + 3 * DAY) });
    backend({
      app_state: state(),
      sign_in: { me: makeMe(), expiring_soon: [soon], secrets_lost: false },
      settings,
      list_keys: [soon],
      list_permissions: resources,
    });
    render(App);
    await signInWith(null);

    const notice = await screen.findByTestId('expiring-notice');
    expect(notice).toHaveTextContent('One of your keys expires soon');
    expect(notice).toHaveTextContent('nightly');
    expect(notice).toHaveTextContent('in 3 days');
    expect(screen.queryByTestId('secrets-lost-notice')).toBeNull();

    await fireEvent.click(within(notice).getByTestId('review-keys'));
    expect(screen.getByTestId('tab-keys')).toHaveAttribute('aria-selected', 'true');
    expect(await screen.findByTestId('key-row-nightly')).toBeInTheDocument();
    expect(screen.queryByTestId('expiring-notice')).toBeNull();
  });

  it('after sign-in says when an administrator reset the password', async () => {
    backend({
      app_state: state(),
      sign_in: { me: makeMe(), expiring_soon: [], secrets_lost: true },
      settings,
    });
    render(App);
    await signInWith(null);
    const notice = await screen.findByTestId('secrets-lost-notice');
    expect(notice).toHaveTextContent('An administrator reset your password.');
    expect(notice).toHaveTextContent('can no longer be shown');
    await fireEvent.click(within(notice).getByRole('button', { name: /Dismiss/ }));
    expect(screen.queryByTestId('secrets-lost-notice')).toBeNull();
  });

  it('signs out from the account menu', async () => {
    const calls = backend({ app_state: state({ me: makeMe() }), sign_out: null });
    render(App);
    await fireEvent.click(await screen.findByTestId('nav-menu'));
    await fireEvent.click(screen.getByRole('menuitem', { name: 'Sign out' }));
    expect(await screen.findByTestId('signin-notice')).toHaveTextContent('You have signed out.');
    expect(commands(calls)).toContain('sign_out');
  });

  it('opens Settings from the account menu', async () => {
    backend({ app_state: state({ me: makeMe() }), settings });
    render(App);
    await fireEvent.click(await screen.findByTestId('nav-menu'));
    await fireEvent.click(screen.getByRole('menuitem', { name: 'Settings' }));
    expect(screen.getByRole('heading', { name: 'Settings' })).toBeInTheDocument();
    expect(screen.getByTestId('settings-clipboard')).toBeInTheDocument();
  });

  it('locks after the idle time without activity and returns to sign-in', async () => {
    vi.useFakeTimers();
    const calls = backend({
      app_state: state({ me: makeMe(), settings: { clipboard_clear_secs: 30, idle_lock_mins: 2 } }),
      lock: null,
    });
    render(App);
    await vi.waitFor(() => expect(screen.getByTestId('nav-menu')).toBeInTheDocument());

    // Activity keeps it open.
    await vi.advanceTimersByTimeAsync(90_000);
    await fireEvent.keyDown(window, { key: 'a' });
    await vi.advanceTimersByTimeAsync(90_000);
    expect(commands(calls)).not.toContain('lock');

    // Two quiet minutes lock it.
    await vi.advanceTimersByTimeAsync(31_000);
    expect(commands(calls)).toContain('lock');
    await vi.waitFor(() => expect(screen.getByTestId('signin-notice')).toHaveTextContent('Locked after 2 minutes'));
  });

  it('returns to sign-in when a command says the session ended', async () => {
    backend({
      app_state: state({ me: makeMe() }),
      list_keys: () => fail('not_signed_in', 'sign in first'),
      list_permissions: resources,
    });
    render(App);
    await fireEvent.click(await screen.findByTestId('tab-keys'));
    expect(await screen.findByTestId('signin-notice')).toHaveTextContent('Your session ended');
  });
});
