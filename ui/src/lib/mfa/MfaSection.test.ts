import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import MfaSection from './MfaSection.svelte';
import SecurityTab from '../account/SecurityTab.svelte';
import { backend, commands, fail, makeMe, makePolicy } from '../../test/fixtures';
import { clipboard } from '../shared/clipboard.svelte';

const QR = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==';
const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const enrollment = { qr: QR, secret: SECRET, uri: `otpauth://totp/Latchkey:ada?secret=${SECRET}&issuer=Latchkey` };
const CODES = Array.from({ length: 10 }, (_, i) => `abcd-efgh-jkmn-pq${String(i).padStart(2, '2')}`);
const off = { enabled: false, pending: false, recovery_codes_left: 0 };
const on = (left = 10) => ({ enabled: true, pending: false, recovery_codes_left: left });

describe('Two-step verification section', () => {
  it('sits on the Security tab and shows the status from mfa_status', async () => {
    backend({ policy: makePolicy(), mfa_status: off });
    render(SecurityTab, { me: makeMe() });
    const section = await screen.findByTestId('mfa-section');
    expect(within(section).getByRole('heading', { name: 'Two-step verification' })).toBeInTheDocument();
    expect(await within(section).findByTestId('mfa-status')).toHaveTextContent('Off');
    expect(within(section).getByTestId('mfa-setup')).toHaveTextContent('Set up multi-factor authentication');
    expect(within(section).queryByTestId('mfa-disable')).toBeNull();
  });

  it('enrols: shows the QR code and the secret, confirms a first code and shows the recovery codes once', async () => {
    let status = off;
    const calls = backend(
      {
        mfa_status: () => status,
        mfa_enroll: enrollment,
        mfa_confirm: (a: { code: string }) => {
          if (a.code !== '123456') fail('invalid_input', 'code: is not correct; check the time on your device and try the next code', { field: 'code' });
          status = on();
          return CODES;
        },
        copy_recovery_codes: { clear_after_secs: 30 },
        download_recovery_codes: { path: '/home/ada/latchkey-recovery-codes-ada.txt' },
        forget_recovery_codes: null,
      },
      { events: true },
    );
    const me = makeMe();
    const onmechange = vi.fn();
    render(MfaSection, { me, onmechange });
    await fireEvent.click(await screen.findByTestId('mfa-setup'));

    const dialog = await screen.findByRole('dialog', { name: 'Set up multi-factor authentication' });
    const qr = await within(dialog).findByTestId('mfa-qr');
    expect(qr).toHaveAttribute('src', QR);
    expect(qr).toHaveAccessibleName(/QR code to scan with your authenticator app/);
    const secret = within(dialog).getByTestId('mfa-secret');
    expect(secret).toHaveClass('mono');
    expect(secret).toHaveTextContent('JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP');
    expect(secret.textContent?.replace(/\s+/g, '')).toBe(SECRET);
    expect(within(dialog).getByTestId('mfa-label')).toHaveTextContent('Latchkey:ada');
    expect(dialog).toHaveTextContent('Scan the QR code');
    const input = within(dialog).getByLabelText('6-digit code');
    expect(input).toHaveAttribute('data-testid', 'mfa-code');
    expect(input).toHaveAttribute('inputmode', 'numeric');
    expect(input).toHaveAttribute('autocomplete', 'one-time-code');

    // Not six digits: refused before any call.
    await fireEvent.input(input, { target: { value: '12' } });
    await fireEvent.click(screen.getByTestId('mfa-confirm'));
    expect(screen.getByTestId('mfa-code-error')).toHaveTextContent('Enter the 6-digit code');
    expect(commands(calls)).toEqual(['mfa_status', 'mfa_enroll']);

    // A wrong code from Rust is shown inline.
    await fireEvent.input(input, { target: { value: '654321' } });
    await fireEvent.click(screen.getByTestId('mfa-confirm'));
    expect(await screen.findByTestId('mfa-code-error')).toHaveTextContent('That code is not correct; check the time on your device and try the next code.');
    expect(screen.getByTestId('mfa-code')).toHaveAttribute('aria-invalid', 'true');

    await fireEvent.input(screen.getByTestId('mfa-code'), { target: { value: '123 456' } });
    await fireEvent.click(screen.getByTestId('mfa-confirm'));

    const list = await screen.findByTestId('recovery-codes');
    expect(within(list).getAllByTestId('recovery-code').map((c) => c.textContent)).toEqual(CODES);
    expect(screen.getByRole('dialog', { name: 'Save your recovery codes' })).toBeInTheDocument();
    expect(screen.getByTestId('recovery-warning')).toHaveTextContent('shown only once. Store them safely');
    expect(calls.filter((c) => c.cmd === 'mfa_confirm').map((c) => c.args)).toEqual([{ code: '654321' }, { code: '123456' }]);
    expect(onmechange).toHaveBeenCalledWith({ ...me, mfa_enabled: true });

    await fireEvent.click(screen.getByTestId('recovery-copy'));
    await vi.waitFor(() => expect(clipboard.phase).toBe('counting'));
    expect(clipboard.label).toBe('Recovery codes');
    await fireEvent.click(screen.getByTestId('recovery-download'));
    expect(await screen.findByTestId('recovery-saved')).toHaveTextContent('/home/ada/latchkey-recovery-codes-ada.txt');

    await fireEvent.click(screen.getByTestId('recovery-close'));
    await vi.waitFor(() => expect(screen.queryByTestId('recovery-codes')).toBeNull());
    expect(commands(calls)).toEqual([
      'mfa_status',
      'mfa_enroll',
      'mfa_confirm',
      'mfa_confirm',
      'mfa_status',
      'copy_recovery_codes',
      'download_recovery_codes',
      'forget_recovery_codes',
      'mfa_status',
    ]);
    expect(await screen.findByTestId('mfa-status')).toHaveTextContent('On');
    expect(screen.getByTestId('mfa-recovery-left')).toHaveTextContent('10');
    // The codes were never sent back to Rust.
    expect(JSON.stringify(calls.map((c) => c.args))).not.toContain(CODES[0]);
  });

  it('closing the recovery codes with Escape also forgets them', async () => {
    const calls = backend({ mfa_status: off, mfa_enroll: enrollment, mfa_confirm: CODES, forget_recovery_codes: null });
    render(MfaSection);
    await fireEvent.click(await screen.findByTestId('mfa-setup'));
    await fireEvent.input(await screen.findByTestId('mfa-code'), { target: { value: '123456' } });
    await fireEvent.click(screen.getByTestId('mfa-confirm'));
    await screen.findByTestId('recovery-codes');
    await fireEvent.keyDown(document.activeElement ?? document.body, { key: 'Escape' });
    expect(screen.queryByTestId('recovery-codes')).toBeNull();
    expect(commands(calls)).toContain('forget_recovery_codes');
  });

  it('shows copy errors next to the codes', async () => {
    backend({
      mfa_status: off,
      mfa_enroll: enrollment,
      mfa_confirm: CODES,
      copy_recovery_codes: () => fail('no_secret', 'The recovery codes are shown only once; generate new ones.'),
    });
    render(MfaSection);
    await fireEvent.click(await screen.findByTestId('mfa-setup'));
    await fireEvent.input(await screen.findByTestId('mfa-code'), { target: { value: '123456' } });
    await fireEvent.click(screen.getByTestId('mfa-confirm'));
    await fireEvent.click(await screen.findByTestId('recovery-copy'));
    expect(await screen.findByTestId('recovery-error')).toHaveTextContent('shown only once; generate new ones.');
  });

  it('shows status On with the recovery codes left, warning at 3 or fewer', async () => {
    backend({ mfa_status: on(3) });
    render(MfaSection);
    expect(await screen.findByTestId('mfa-status')).toHaveTextContent('On');
    expect(screen.getByTestId('mfa-recovery-left')).toHaveTextContent('3');
    expect(screen.getByTestId('mfa-recovery')).toHaveClass('low');
    expect(screen.getByTestId('mfa-recovery')).toHaveTextContent('3 recovery codes left');
    expect(screen.getByTestId('mfa-recovery')).toHaveTextContent('Running low');
    expect(screen.queryByTestId('mfa-setup')).toBeNull();

    document.body.innerHTML = '';
    backend({ mfa_status: on(4) });
    render(MfaSection);
    await screen.findByTestId('mfa-status');
    expect(screen.getByTestId('mfa-recovery')).not.toHaveClass('low');
  });

  it('turns off after a confirmation and the step-up prompt, then retries', async () => {
    let proven = false;
    let status = on(8);
    const calls = backend({
      mfa_status: () => status,
      mfa_disable: () => {
        if (!proven) fail('step_up_required', "confirm it's you: this action needs your password (or an MFA code) again");
        status = off;
        return null;
      },
      confirm_password: () => {
        proven = true;
        return null;
      },
    });
    const me = makeMe({ mfa_enabled: true });
    const onmechange = vi.fn();
    render(MfaSection, { me, onmechange });
    await fireEvent.click(await screen.findByTestId('mfa-disable'));
    const confirm = screen.getByRole('alertdialog', { name: 'Turn off two-step verification?' });
    expect(confirm).toHaveTextContent('Signing in will ask only for your password.');
    await fireEvent.click(within(confirm).getByTestId('confirm-yes'));

    const prompt = await screen.findByRole('alertdialog', { name: 'Confirm it’s you' });
    expect(prompt).toHaveTextContent('To turn off two-step verification, enter the 6-digit code');
    expect(screen.getByLabelText('Authenticator code or recovery code')).toHaveAttribute('data-testid', 'stepup-password');
    await fireEvent.input(screen.getByTestId('stepup-password'), { target: { value: '123456' } });
    await fireEvent.click(screen.getByTestId('stepup-submit'));

    expect(await screen.findByTestId('mfa-notice')).toHaveTextContent('Two-step verification is off.');
    await vi.waitFor(() => expect(screen.getByTestId('mfa-status')).toHaveTextContent('Off'));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(commands(calls)).toEqual(['mfa_status', 'mfa_disable', 'confirm_password', 'mfa_disable', 'mfa_status']);
    expect(calls[2].args).toEqual({ password: '123456' });
    expect(onmechange).toHaveBeenCalledWith({ ...me, mfa_enabled: false });
  });

  it('cancelling the turn-off confirmation changes nothing', async () => {
    const calls = backend({ mfa_status: on() });
    render(MfaSection);
    await fireEvent.click(await screen.findByTestId('mfa-disable'));
    await fireEvent.click(screen.getByTestId('confirm-no'));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(commands(calls)).toEqual(['mfa_status']);
  });

  it('generates new recovery codes after step-up and shows them once', async () => {
    let proven = false;
    let status = on(2);
    const calls = backend({
      mfa_status: () => status,
      mfa_new_recovery_codes: () => {
        if (!proven) fail('step_up_required', "confirm it's you");
        status = on(10);
        return CODES;
      },
      confirm_password: () => {
        proven = true;
        return null;
      },
      forget_recovery_codes: null,
    });
    render(MfaSection);
    await fireEvent.click(await screen.findByTestId('mfa-new-codes'));
    const confirm = screen.getByRole('alertdialog', { name: 'Generate new recovery codes?' });
    expect(confirm).toHaveTextContent('Your current recovery codes stop working');
    await fireEvent.click(within(confirm).getByTestId('confirm-yes'));
    await fireEvent.input(await screen.findByTestId('stepup-password'), { target: { value: 'abcd-efgh-jkmn-pqrs' } });
    await fireEvent.click(screen.getByTestId('stepup-submit'));

    const dialog = await screen.findByRole('dialog', { name: 'Your new recovery codes' });
    expect(within(dialog).getAllByTestId('recovery-code')).toHaveLength(10);
    expect(dialog).toHaveTextContent('Your previous recovery codes no longer work.');
    await vi.waitFor(() => expect(screen.getByTestId('mfa-recovery-left')).toHaveTextContent('10'));
    await fireEvent.click(screen.getByTestId('recovery-close'));
    expect(screen.queryByTestId('recovery-codes')).toBeNull();
    expect(commands(calls)).toEqual([
      'mfa_status',
      'mfa_new_recovery_codes',
      'confirm_password',
      'mfa_new_recovery_codes',
      'mfa_status',
      'forget_recovery_codes',
    ]);
  });

  it('explains a failure to load the status and can retry', async () => {
    let first = true;
    backend({
      mfa_status: () => {
        if (first) {
          first = false;
          fail('storage_error', 'the store is busy');
        }
        return off;
      },
    });
    render(MfaSection);
    expect(await screen.findByTestId('mfa-load-error')).toHaveTextContent('The store is busy.');
    await fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByTestId('mfa-setup')).toBeInTheDocument();
  });
});
