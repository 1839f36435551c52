// The clipboard countdown shown after Copy. Rust does the copying and the clearing; the
// window counts down from what `copy_key` answered and ends only when Rust reports what
// happened (`clipboard-cleared`: cleared, replaced by another app, or failed). At zero
// it says "clearing" until then; it never assumes.
import { copyKey, copyRecoveryCodes, type ClipboardCleared } from './api';

export type ClipboardPhase = 'idle' | 'counting' | 'held' | 'cleared';

const CLEARED_MESSAGE_MS = 3000;

class ClipboardCountdown {
  phase = $state<ClipboardPhase>('idle');
  /** Seconds left while counting. */
  remaining = $state(0);
  /** The full delay, for the progress bar. */
  total = $state(0);
  /** What was copied, e.g. the key's name. */
  label = $state('');
  reason = $state<ClipboardCleared['reason'] | null>(null);

  #tick: ReturnType<typeof setInterval> | null = null;
  #hide: ReturnType<typeof setTimeout> | null = null;
  #deadline = 0;

  #stopTimers() {
    if (this.#tick) clearInterval(this.#tick);
    if (this.#hide) clearTimeout(this.#hide);
    this.#tick = null;
    this.#hide = null;
  }

  /** Start (or restart) the countdown: `secs` null means it is never cleared. */
  start(secs: number | null, label = '') {
    this.#stopTimers();
    this.label = label;
    this.reason = null;
    if (secs === null) {
      this.phase = 'held';
      this.remaining = 0;
      this.total = 0;
      return;
    }
    this.phase = 'counting';
    this.total = secs;
    this.remaining = secs;
    this.#deadline = Date.now() + secs * 1000;
    this.#tick = setInterval(() => {
      this.remaining = Math.max(0, Math.ceil((this.#deadline - Date.now()) / 1000));
      if (this.remaining === 0 && this.#tick) {
        clearInterval(this.#tick);
        this.#tick = null;
      }
    }, 250);
  }

  /** Rust said what became of the copy: end the countdown with that. */
  cleared(reason: ClipboardCleared['reason']) {
    if (this.phase === 'idle') return;
    this.#stopTimers();
    this.phase = 'cleared';
    this.reason = reason;
    this.remaining = 0;
    // A failure stays until dismissed: the key may still be on the clipboard.
    if (reason !== 'failed') this.#hide = setTimeout(() => this.dismiss(), CLEARED_MESSAGE_MS);
  }

  dismiss() {
    this.#stopTimers();
    this.phase = 'idle';
    this.label = '';
    this.reason = null;
  }
}

export const clipboard = new ClipboardCountdown();

/** Copy a key by id in Rust and start the countdown. Rejects with an ApiError. */
export async function copyAndCount(id: string, label: string): Promise<void> {
  const res = await copyKey(id);
  clipboard.start(res?.clear_after_secs ?? null, label);
}

/** Copy the recovery codes on screen (Rust holds them) and start the countdown. */
export async function copyRecoveryAndCount(): Promise<void> {
  const res = await copyRecoveryCodes();
  clipboard.start(res?.clear_after_secs ?? null, 'Recovery codes');
}
