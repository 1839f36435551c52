// What the sign-in screen says after Rust locked the session: the one place a lock's reason
// (the `session-locked` event) becomes words.
import type { LockReason } from './api';

/**
 * The notice for a lock. `idleMins` is the idle time that passed (the event's, else the
 * settings'); only an idle lock mentions it. A reason this window does not know yet is
 * still a lock.
 */
export function lockMessage(reason: LockReason | undefined, idleMins: number): string {
  switch (reason ?? 'idle') {
    case 'idle':
      return `Locked after ${idleMins} minute${idleMins === 1 ? '' : 's'} without activity. Sign in to continue.`;
    case 'screen':
      return 'Locked because the screen locked.';
    case 'sleep':
      return 'Locked before the computer went to sleep.';
    default:
      return 'Locked.';
  }
}
