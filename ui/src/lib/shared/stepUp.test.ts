import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import { flushSync } from 'svelte';
import StepUpPrompt from './StepUpPrompt.svelte';
import { StepUp, isStepUpRequired } from './stepUp.svelte';
import { backend, commands } from '../../test/fixtures';
import { session } from './session.svelte';

const STEP_UP = { code: 'step_up_required', message: "confirm it's you" };

describe('StepUp', () => {
  it('takes only step_up_required, keeping what to run again', () => {
    const stepUp = new StepUp();
    const retry = vi.fn();
    expect(stepUp.intercept({ code: 'conflict', message: 'no' }, 'regenerate this key', retry)).toBe(false);
    expect(stepUp.intercept(null, 'regenerate this key', retry)).toBe(false);
    expect(stepUp.request).toBeNull();

    expect(stepUp.intercept(STEP_UP, 'regenerate this key', retry)).toBe(true);
    expect(stepUp.request?.action).toBe('regenerate this key');
    expect(retry).not.toHaveBeenCalled();
  });

  it('runs the action again once the proof is accepted, and not after a cancel', () => {
    const stepUp = new StepUp();
    const retry = vi.fn(() => expect(stepUp.request).toBeNull());
    stepUp.intercept(STEP_UP, 'copy “ci”', retry);
    stepUp.confirmed();
    expect(retry).toHaveBeenCalledTimes(1);
    expect(stepUp.request).toBeNull();

    const dropped = vi.fn();
    stepUp.intercept(STEP_UP, 'copy “ci”', dropped);
    stepUp.cancel();
    stepUp.confirmed();
    expect(dropped).not.toHaveBeenCalled();
  });

  it('recognises the error shape', () => {
    expect(isStepUpRequired(STEP_UP)).toBe(true);
    expect(isStepUpRequired({ code: 'bad_credentials', message: 'x' })).toBe(false);
    expect(isStepUpRequired('step_up_required')).toBe(false);
    expect(isStepUpRequired(undefined)).toBe(false);
  });
});

describe('StepUpPrompt', () => {
  it('shows the dialog while a proof is asked for, then retries after confirm_password', async () => {
    const calls = backend({ confirm_password: null });
    const stepUp = new StepUp();
    render(StepUpPrompt, { stepUp });
    expect(screen.queryByTestId('stepup-dialog')).toBeNull();

    const retry = vi.fn();
    flushSync(() => stepUp.intercept(STEP_UP, 'regenerate this key', retry));
    expect(screen.getByRole('alertdialog', { name: 'Confirm it’s you' })).toHaveTextContent(
      'To regenerate this key, enter your password again.',
    );
    await fireEvent.input(screen.getByTestId('stepup-password'), { target: { value: 'pw' } });
    await fireEvent.click(screen.getByTestId('stepup-submit'));
    await vi.waitFor(() => expect(retry).toHaveBeenCalledTimes(1));
    expect(screen.queryByTestId('stepup-dialog')).toBeNull();
    expect(commands(calls)).toEqual(['confirm_password']);
  });

  it('cancel closes the dialog without retrying', async () => {
    backend({});
    const stepUp = new StepUp();
    render(StepUpPrompt, { stepUp });
    const retry = vi.fn();
    flushSync(() => stepUp.intercept(STEP_UP, 'view “ci”', retry));
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByTestId('stepup-dialog')).toBeNull();
    expect(stepUp.request).toBeNull();
    expect(retry).not.toHaveBeenCalled();
  });

  it('asks for a code when told to, or when the signed-in account has MFA on', () => {
    backend({});
    const forced = new StepUp();
    render(StepUpPrompt, { stepUp: forced, mfa: true });
    flushSync(() => forced.intercept(STEP_UP, 'turn off two-step verification', () => {}));
    expect(screen.getByLabelText('Authenticator code or recovery code')).toHaveAttribute('data-testid', 'stepup-password');
    flushSync(() => forced.cancel());

    session.mfaEnabled = true;
    try {
      const byDefault = new StepUp();
      render(StepUpPrompt, { stepUp: byDefault });
      flushSync(() => byDefault.intercept(STEP_UP, 'view “ci”', () => {}));
      expect(screen.getByLabelText('Authenticator code or recovery code')).toBeInTheDocument();
    } finally {
      session.mfaEnabled = false;
    }
  });
});
