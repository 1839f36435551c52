import { beforeAll, describe, expect, it } from 'vitest';
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import App from './App.svelte';
import { backend, fail, makeKey, makeMe, makePolicy, resources, settings, loadScreens } from './test/fixtures';

const state = (over: Record<string, unknown> = {}) => ({
  initialized: true,
  me: null,
  store_path: '/tmp/latchkey.db',
  settings,
  policy: makePolicy(),
  ...over,
});

async function signInWithCode(code: string) {
  await fireEvent.input(await screen.findByTestId('signin-login'), { target: { value: 'ada' } });
  await fireEvent.input(screen.getByTestId('signin-password'), { target: { value: 'pw-pw-pw-pw' } });
  await fireEvent.click(screen.getByTestId('signin-submit'));
  await fireEvent.input(await screen.findByTestId('signin-code'), { target: { value: code } });
  await fireEvent.click(screen.getByTestId('signin-code-submit'));
}

beforeAll(loadScreens, 60_000);

describe('App with two-step verification', () => {
  it('signs in with a code and warns when 3 or fewer recovery codes are left', async () => {
    backend({
      app_state: state(),
      sign_in: () => fail('mfa_required', 'enter the code from your authenticator app, or a recovery code'),
      sign_in_code: { me: makeMe({ mfa_enabled: true }), expiring_soon: [], secrets_lost: false, recovery_codes_left: 2 },
      settings,
      policy: makePolicy(),
      mfa_status: { enabled: true, pending: false, recovery_codes_left: 2 },
    });
    render(App);
    await signInWithCode('abcd-efgh-jkmn-pqrs');

    const notice = await screen.findByTestId('recovery-low-notice');
    expect(notice).toHaveTextContent('You have 2 recovery codes left');
    expect(notice).toHaveAttribute('role', 'alert');
    await fireEvent.click(within(notice).getByTestId('review-recovery'));
    expect(await screen.findByTestId('tab-security')).toHaveAttribute('aria-selected', 'true');
    expect(await screen.findByTestId('mfa-section')).toBeInTheDocument();
    expect(screen.queryByTestId('recovery-low-notice')).toBeNull();
  });

  it('does not warn with more than 3 recovery codes left, or with MFA off', async () => {
    backend({
      app_state: state(),
      sign_in: () => fail('mfa_required', 'enter the code'),
      sign_in_code: { me: makeMe({ mfa_enabled: true }), expiring_soon: [], secrets_lost: false, recovery_codes_left: 4 },
      settings,
    });
    render(App);
    await signInWithCode('123456');
    expect(await screen.findByRole('heading', { name: 'Account' })).toBeInTheDocument();
    expect(screen.queryByTestId('recovery-low-notice')).toBeNull();
  });

  it('with MFA on, the step-up prompt anywhere asks for a code', async () => {
    const key = makeKey({ name: 'dash', revealable: true, viewable: true });
    backend({
      app_state: state({ me: makeMe({ mfa_enabled: true }) }),
      list_keys: [key],
      list_permissions: resources,
      reveal_key: () => fail('step_up_required', "confirm it's you"),
    });
    render(App);
    await fireEvent.click(await screen.findByTestId('tab-keys'));
    await fireEvent.click(within(await screen.findByTestId('key-row-dash')).getByTestId('view'));
    await screen.findByTestId('stepup-dialog');
    expect(screen.getByLabelText('Authenticator code or recovery code')).toHaveAttribute('data-testid', 'stepup-password');
    expect(screen.getByTestId('stepup-password')).toHaveAttribute('autocomplete', 'one-time-code');
  });
});
