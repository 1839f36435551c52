// Every control on every screen has an accessible name (a label, aria-label or text), so
// the window can be used with a screen reader and by voice. Each screen is rendered in
// the state with the most controls on it.
import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import AccountKeyPanel from './keys/AccountKeyPanel.svelte';
import ClipboardToast from './shared/ClipboardToast.svelte';
import CreateKeyDialog from './keys/CreateKeyDialog.svelte';
import EditKeyDialog from './keys/EditKeyDialog.svelte';
import HelpDialog from './shared/HelpDialog.svelte';
import KeysTab from './keys/KeysTab.svelte';
import MfaEnrollDialog from './mfa/MfaEnrollDialog.svelte';
import NavBar from './shared/NavBar.svelte';
import ProfileTab from './account/ProfileTab.svelte';
import RecoveryCodes from './mfa/RecoveryCodes.svelte';
import RegenerateDialog from './keys/RegenerateDialog.svelte';
import SecurityTab from './account/SecurityTab.svelte';
import SettingsPage from './settings/SettingsPage.svelte';
import Setup from './auth/Setup.svelte';
import SignIn from './auth/SignIn.svelte';
import SignInNotices from './auth/SignInNotices.svelte';
import StepUpDialog from './shared/StepUpDialog.svelte';
import { copyAndCount } from './shared/clipboard.svelte';
import { backend, fail, makeKey, makeMe, makePolicy, resources } from '../test/fixtures';

const CONTROLS = 'button, input, select, textarea, a[href], [role="tab"], [role="menuitem"], [role="checkbox"], [tabindex="0"]';

/** Every visible control on the page, with what it lacks. */
function unlabelled(): string[] {
  return Array.from(document.body.querySelectorAll<HTMLElement>(CONTROLS))
    .filter((el) => !(el instanceof HTMLInputElement && el.type === 'hidden'))
    .filter((el) => {
      try {
        expect(el).toHaveAccessibleName();
        return false;
      } catch {
        return true;
      }
    })
    .map((el) => el.outerHTML.slice(0, 120));
}

const count = () => document.body.querySelectorAll(CONTROLS).length;

const viewable = makeKey({ name: 'dash', revealable: true, viewable: true });
const plain = makeKey({ name: 'ci' });
const acct = makeKey({ name: 'account key', kind: 'acct', account_key: true, revealable: true, viewable: true });
const QR = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==';

describe('every control is labelled', () => {
  it('setup, sign-in and its code step', async () => {
    backend({});
    render(Setup, { policy: makePolicy(), onsignedin: vi.fn() });
    expect(count()).toBeGreaterThan(6);
    expect(unlabelled()).toEqual([]);
    document.body.innerHTML = '';

    backend({ sign_in: () => fail('mfa_required', 'enter the code') });
    render(SignIn);
    expect(unlabelled()).toEqual([]);
    await fireEvent.input(screen.getByTestId('signin-login'), { target: { value: 'ada' } });
    await fireEvent.input(screen.getByTestId('signin-password'), { target: { value: 'pw' } });
    await fireEvent.click(screen.getByTestId('signin-submit'));
    await screen.findByTestId('signin-code');
    expect(unlabelled()).toEqual([]);
  });

  it('the navigation bar with its menu open, and the sign-in notices', async () => {
    render(NavBar, { me: makeMe({ is_admin: true }), page: 'account', onnavigate: vi.fn(), onsignout: vi.fn(), onlock: vi.fn(), onhelp: vi.fn() });
    await fireEvent.click(screen.getByTestId('nav-menu'));
    expect(screen.getAllByRole('menuitem').length).toBeGreaterThan(1);
    expect(unlabelled()).toEqual([]);
    document.body.innerHTML = '';
    render(HelpDialog, { onclose: vi.fn() });
    expect(unlabelled()).toEqual([]);
    document.body.innerHTML = '';
    render(SignInNotices, {
      expiring: [makeKey({ name: 'nightly', status: 'expiring_soon' })],
      secretsLost: true,
      mfaReset: true,
      recoveryCodesLeft: null,
      onreview: vi.fn(),
      onreviewrecovery: vi.fn(),
      ondismiss: vi.fn(),
    });
    expect(unlabelled()).toEqual([]);
  });

  it('profile, security and settings', async () => {
    backend({ mfa_status: { enabled: true, pending: false, recovery_codes_left: 2 }, settings: { clipboard_clear_secs: 30, idle_lock_mins: 15, api_enabled: true, api_port: 7171 }, api_status: { running: true, url: 'http://127.0.0.1:7171' } });
    render(ProfileTab, { me: makeMe(), onchange: vi.fn() });
    expect(unlabelled()).toEqual([]);
    document.body.innerHTML = '';
    render(SecurityTab, { me: makeMe({ mfa_enabled: true }) });
    await screen.findByTestId('mfa-status');
    expect(unlabelled()).toEqual([]);
    document.body.innerHTML = '';
    render(SettingsPage, { settings: { clipboard_clear_secs: 30, idle_lock_mins: 15, api_enabled: true, api_port: 7171 }, storePath: '/tmp/s.db', onsaved: vi.fn() });
    expect(unlabelled()).toEqual([]);
  });

  it('the key list with every row action, the account key panel and the clipboard notice', async () => {
    backend({ list_keys: [viewable, plain, acct], list_permissions: resources, account_key: acct, copy_key: { clear_after_secs: 30 } }, { events: true });
    render(KeysTab, { me: makeMe({ is_admin: true }) });
    render(ClipboardToast);
    await screen.findByTestId('key-row-dash');
    await screen.findByTestId('acct-reveal');
    await copyAndCount(viewable.id, 'dash');
    await screen.findByTestId('clipboard-countdown');
    expect(screen.getByRole('button', { name: 'Copy dash' })).toBeInTheDocument();
    expect(unlabelled()).toEqual([]);
    document.body.innerHTML = '';
    render(AccountKeyPanel);
    await screen.findByTestId('acct-reveal');
    expect(unlabelled()).toEqual([]);
  });

  it('the key dialogs, the step-up prompt, MFA enrolment and recovery codes', async () => {
    backend({ mfa_enroll: { qr: QR, secret: 'JBSWY3DPEHPK3PXP', uri: 'otpauth://totp/Latchkey:ada?secret=JBSWY3DPEHPK3PXP' } });
    const dialogs: [unknown, Record<string, unknown>][] = [
      [CreateKeyDialog, { me: makeMe(), resources, oncreated: vi.fn(), onclose: vi.fn() }],
      [EditKeyDialog, { key: plain, me: makeMe(), resources, onsaved: vi.fn(), onclose: vi.fn() }],
      [RegenerateDialog, { key: plain, onregenerated: vi.fn(), onclose: vi.fn() }],
      [StepUpDialog, { action: 'copy “dash”', onconfirmed: vi.fn(), oncancel: vi.fn() }],
      [StepUpDialog, { action: 'copy “dash”', onconfirmed: vi.fn(), oncancel: vi.fn(), mfa: true }],
      [RecoveryCodes, { codes: ['abcd-efgh-jkmn-pqrs', 'abcd-efgh-jkmn-pqrt'] }],
    ];
    for (const [component, props] of dialogs) {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      render(component as any, props);
      expect(count()).toBeGreaterThan(0);
      expect(unlabelled()).toEqual([]);
      document.body.innerHTML = '';
    }
    render(MfaEnrollDialog, { onenabled: vi.fn(), onclose: vi.fn() });
    await screen.findByTestId('mfa-qr');
    expect(unlabelled()).toEqual([]);
  });
});
