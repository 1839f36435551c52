// Input in the window, reported to Rust, which keeps the idle deadline (every command
// counts too) and locks the session itself when it passes; the window only shows the
// lock screen when Rust says `session-locked`.

const ACTIVITY = ['keydown', 'pointerdown', 'pointermove', 'mousedown', 'mousemove', 'wheel', 'touchstart', 'scroll'] as const;

/** At most one report per this many milliseconds; the lock may come this much early. */
export const ACTIVITY_REPORT_MS = 5_000;

/**
 * Calls `report` on input, at most once per `everyMs`: at once for the first input after
 * a quiet spell, and once more at the end of the spell for input inside it, so Rust sees
 * the last input no more than `everyMs` late. Returns a function that stops watching.
 */
export function reportActivity(report: () => void, everyMs = ACTIVITY_REPORT_MS, target: Window = window): () => void {
  let lastSent = -Infinity;
  let trailing: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;

  const send = () => {
    lastSent = Date.now();
    trailing = null;
    if (!stopped) report();
  };

  const mark = () => {
    if (stopped || trailing) return;
    const wait = lastSent + everyMs - Date.now();
    if (wait <= 0) send();
    else trailing = setTimeout(send, wait);
  };

  for (const ev of ACTIVITY) target.addEventListener(ev, mark, { capture: true, passive: true });
  return () => {
    stopped = true;
    if (trailing) clearTimeout(trailing);
    for (const ev of ACTIVITY) target.removeEventListener(ev, mark, true);
  };
}
