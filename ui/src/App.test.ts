import { beforeAll, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { emit } from './dev/desktopEvents';
import App from './App.svelte';
import { DAY, backend, commands, fail, iso, makeKey, makeMe, makePolicy, resources, settings, loadScreens } from './test/fixtures';

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

beforeAll(loadScreens, 60_000);

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
    expect(await screen.findByTestId('tab-keys')).toHaveAttribute('aria-selected', 'true');
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
    expect(await screen.findByRole('heading', { name: 'Settings' })).toBeInTheDocument();
    expect(screen.getByTestId('settings-clipboard')).toBeInTheDocument();
  });

  it('reports input to Rust, throttled, and never locks on its own', async () => {
    vi.useFakeTimers();
    const calls = backend(
      {
        app_state: state({ me: makeMe(), settings: { clipboard_clear_secs: 30, idle_lock_mins: 1 } }),
        touch_activity: null,
      },
      { events: true },
    );
    render(App);
    await vi.waitFor(() => expect(screen.getByTestId('nav-menu')).toBeInTheDocument());
    const touches = () => commands(calls).filter((c) => c === 'touch_activity').length;

    await fireEvent.keyDown(window, { key: 'a' });
    expect(touches()).toBe(1);
    for (let i = 0; i < 10; i++) await fireEvent.mouseMove(window);
    expect(touches()).toBe(1);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(touches()).toBe(2);

    // Long after the idle time the window is still open: the deadline is Rust's.
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(screen.getByTestId('nav-menu')).toBeInTheDocument();
    expect(commands(calls)).not.toContain('lock');
  });

  it('shows the lock screen when Rust ends the idle session', async () => {
    backend({ app_state: state({ me: makeMe() }), touch_activity: null }, { events: true });
    render(App);
    await screen.findByTestId('nav-menu');
    await new Promise((r) => setTimeout(r, 0)); // let the listener register
    await emit('session-locked', { reason: 'idle', idle_lock_mins: 2 });
    expect(await screen.findByTestId('signin-notice')).toHaveTextContent(
      'Locked after 2 minutes without activity. Sign in to continue.',
    );
    expect(screen.queryByTestId('nav-menu')).toBeNull();
  });

  it('after sign-in says when an administrator turned two-step verification off', async () => {
    backend({
      app_state: state(),
      sign_in: { me: makeMe(), expiring_soon: [], secrets_lost: false, mfa_reset: true },
      settings,
      mfa_status: { enabled: false, pending: false, recovery_codes_left: 0 },
    });
    render(App);
    await signInWith(null);
    const notice = await screen.findByTestId('mfa-reset-notice');
    expect(notice).toHaveTextContent('An administrator turned off two-step verification for your account.');
    expect(screen.queryByTestId('secrets-lost-notice')).toBeNull();
    await fireEvent.click(within(notice).getByTestId('review-mfa'));
    expect(await screen.findByTestId('tab-security')).toHaveAttribute('aria-selected', 'true');
    expect(screen.queryByTestId('mfa-reset-notice')).toBeNull();
  });

  it('a password reset that also turned MFA off says both in one notice', async () => {
    backend({
      app_state: state(),
      sign_in: { me: makeMe(), expiring_soon: [], secrets_lost: true, mfa_reset: true },
      settings,
    });
    render(App);
    await signInWith(null);
    const notice = await screen.findByTestId('secrets-lost-notice');
    expect(notice).toHaveTextContent('An administrator reset your password.');
    expect(within(notice).getByTestId('mfa-reset-note')).toHaveTextContent('Two-step verification was turned off too.');
    expect(screen.queryByTestId('mfa-reset-notice')).toBeNull();
    await fireEvent.click(within(notice).getByRole('button', { name: 'Dismiss password reset notice' }));
    expect(screen.queryByTestId('secrets-lost-notice')).toBeNull();
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

  describe('locking', () => {
    async function signedInWithEvents(handlers: Record<string, unknown> = {}) {
      const calls = backend({ app_state: state({ me: makeMe() }), touch_activity: null, ...handlers }, { events: true });
      render(App);
      await screen.findByTestId('nav-menu');
      await new Promise((r) => setTimeout(r, 0)); // let the listener register
      return calls;
    }

    /** Rust's lock_now: the session ends, then `session-locked` says so (manual). */
    const lockNowLikeRust = () => {
      emit('session-locked', { reason: 'manual', idle_lock_mins: null });
      return null;
    };

    it('Lock now in the account menu returns to sign-in when Rust says the session locked', async () => {
      const calls = await signedInWithEvents({ lock_now: lockNowLikeRust });
      await fireEvent.click(screen.getByTestId('nav-menu'));
      await fireEvent.click(screen.getByTestId('menu-lock-now'));
      expect(await screen.findByTestId('signin-notice')).toHaveTextContent(/^Locked\.$/);
      expect(screen.queryByTestId('nav-menu')).toBeNull();
      expect(commands(calls)).toContain('lock_now');
      expect(commands(calls)).not.toContain('sign_out');
    });

    it('Lock now waits for Rust: no event, no lock screen', async () => {
      await signedInWithEvents({ lock_now: null });
      await fireEvent.click(screen.getByTestId('nav-menu'));
      await fireEvent.click(screen.getByTestId('menu-lock-now'));
      await new Promise((r) => setTimeout(r, 10));
      expect(screen.getByTestId('nav-menu')).toBeInTheDocument();
    });

    it('Ctrl+L locks, even while typing in a field', async () => {
      const calls = await signedInWithEvents({ lock_now: lockNowLikeRust });
      const field = screen.getByTestId('profile-first-name');
      field.focus();
      await fireEvent.keyDown(field, { key: 'l', ctrlKey: true });
      expect(await screen.findByTestId('signin-notice')).toHaveTextContent('Locked.');
      expect(commands(calls).filter((c) => c === 'lock_now')).toHaveLength(1);
    });

    it('says a failed Lock now', async () => {
      await signedInWithEvents({ lock_now: () => fail('internal_error', 'the store is busy') });
      await fireEvent.keyDown(window, { key: 'l', ctrlKey: true });
      expect(await screen.findByTestId('global-error')).toHaveTextContent('The store is busy.');
      expect(screen.getByTestId('nav-menu')).toBeInTheDocument();
    });

    it.each([
      ['screen', 'Locked because the screen locked.'],
      ['sleep', 'Locked before the computer went to sleep.'],
      ['manual', 'Locked.'],
    ] as const)('words a %s lock for the sign-in screen', async (reason, message) => {
      await signedInWithEvents();
      await emit('session-locked', { reason, idle_lock_mins: null });
      expect(await screen.findByTestId('signin-notice')).toHaveTextContent(message);
    });

    it('an idle lock without its minutes uses the settings', async () => {
      await signedInWithEvents();
      await emit('session-locked', { reason: 'idle', idle_lock_mins: null });
      expect(await screen.findByTestId('signin-notice')).toHaveTextContent('Locked after 15 minutes without activity.');
    });
  });

  describe('keyboard shortcuts', () => {
    it('? opens the help dialog listing every shortcut; Esc closes it', async () => {
      backend({ app_state: state({ me: makeMe() }) });
      render(App);
      await screen.findByTestId('nav-menu');
      await fireEvent.keyDown(document.body, { key: '?' });
      const help = await screen.findByTestId('help-dialog');
      for (const id of ['new-key', 'search', 'lock', 'settings', 'help', 'close']) {
        expect(within(help).getByTestId(`help-shortcut-${id}`)).toBeInTheDocument();
      }
      expect(within(help).getByTestId('help-shortcut-lock')).toHaveTextContent('Ctrl+LLock now');
      await fireEvent.keyDown(document.activeElement!, { key: 'Escape' });
      expect(screen.queryByTestId('help-dialog')).toBeNull();
    });

    it('Help in the account menu opens it too', async () => {
      backend({ app_state: state({ me: makeMe() }) });
      render(App);
      await fireEvent.click(await screen.findByTestId('nav-menu'));
      await fireEvent.click(screen.getByTestId('menu-help'));
      expect(await screen.findByTestId('help-dialog')).toBeInTheDocument();
      await fireEvent.click(screen.getByTestId('help-close'));
      expect(screen.queryByTestId('help-dialog')).toBeNull();
    });

    it('Ctrl+, opens Settings', async () => {
      backend({ app_state: state({ me: makeMe() }), settings, api_status: { running: false, url: null } });
      render(App);
      await screen.findByTestId('nav-menu');
      await fireEvent.keyDown(document.body, { key: ',', ctrlKey: true });
      expect(await screen.findByRole('heading', { name: 'Settings' })).toBeInTheDocument();
    });

    it('/ goes to the keys and into their search box; N there opens Create key', async () => {
      backend({
        app_state: state({ me: makeMe() }),
        list_keys: [makeKey({ name: 'ci-runner' })],
        list_permissions: resources,
        key_quota: { active: 1, max: null, blocked: null },
      });
      render(App);
      await screen.findByTestId('nav-menu');
      // On the profile, N does nothing: it belongs to the keys.
      await fireEvent.keyDown(document.body, { key: 'n' });
      expect(screen.queryByTestId('create-dialog')).toBeNull();

      await fireEvent.keyDown(document.body, { key: '/' });
      expect(await screen.findByTestId('tab-keys')).toHaveAttribute('aria-selected', 'true');
      await vi.waitFor(() => expect(screen.getByTestId('key-search')).toHaveFocus());

      // Typing in the search box types; it opens nothing.
      await fireEvent.keyDown(screen.getByTestId('key-search'), { key: 'n' });
      expect(screen.queryByRole('dialog')).toBeNull();
      screen.getByTestId('key-search').blur();
      await fireEvent.keyDown(document.body, { key: 'n' });
      expect(await screen.findByTestId('create-dialog')).toBeInTheDocument();
    });

    it('nothing fires on the sign-in screen', async () => {
      const calls = backend({ app_state: state() });
      render(App);
      await screen.findByTestId('signin-login');
      await fireEvent.keyDown(document.body, { key: '?' });
      await fireEvent.keyDown(document.body, { key: 'l', ctrlKey: true });
      await fireEvent.keyDown(document.body, { key: ',', ctrlKey: true });
      expect(screen.queryByTestId('help-dialog')).toBeNull();
      expect(commands(calls)).toEqual(['app_state']);
      expect(screen.getByTestId('signin-login')).toBeInTheDocument();
    });
  });
});
