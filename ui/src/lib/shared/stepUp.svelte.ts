// Step-up ("Confirm it's you"): some commands reject with `step_up_required` until the
// person proves it is them again (a password, or a code when MFA is on). A component
// keeps one StepUp, hands it every error its action gets, and renders <StepUpPrompt>;
// after the proof the action runs again from the start.
import type { ApiError } from './api';

export interface StepUpRequest {
  /** What the proof is for, completing "To …, enter …": "regenerate this key". */
  action: string;
  /** Runs the refused action again once the proof is accepted. */
  retry: () => unknown;
}

/** The command refused because a fresh proof is needed. */
export function isStepUpRequired(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as ApiError).code === 'step_up_required';
}

export class StepUp {
  /** The action waiting for a proof; the prompt is open while this is set. */
  request = $state<StepUpRequest | null>(null);

  /**
   * If `err` is `step_up_required`, open the prompt for `action` and keep `retry` for
   * after the proof, and answer true; any other error is left to the caller (false).
   */
  intercept(err: unknown, action: string, retry: () => unknown): boolean {
    if (!isStepUpRequired(err)) return false;
    this.request = { action, retry };
    return true;
  }

  /** The proof was accepted: close the prompt, then run the action again. */
  confirmed() {
    const pending = this.request;
    this.request = null;
    pending?.retry();
  }

  /** The prompt was cancelled: the action is dropped. */
  cancel() {
    this.request = null;
  }
}
