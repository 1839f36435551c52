// Lock the window after a period without keyboard or pointer activity.

const ACTIVITY = ['keydown', 'pointerdown', 'pointermove', 'mousedown', 'mousemove', 'wheel', 'touchstart', 'scroll'] as const;

/**
 * Calls `onidle` once after `ms` without activity in the window. Returns a function that
 * stops watching. Activity only records a time stamp; a single timer checks it.
 */
export function watchIdle(ms: number, onidle: () => void, target: Window = window): () => void {
  let last = Date.now();
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;

  const mark = () => {
    last = Date.now();
  };

  const check = () => {
    if (stopped) return;
    const idleFor = Date.now() - last;
    if (idleFor >= ms) {
      stop();
      onidle();
    } else {
      timer = setTimeout(check, ms - idleFor);
    }
  };

  function stop() {
    stopped = true;
    if (timer) clearTimeout(timer);
    for (const ev of ACTIVITY) target.removeEventListener(ev, mark, true);
  }

  for (const ev of ACTIVITY) target.addEventListener(ev, mark, { capture: true, passive: true });
  timer = setTimeout(check, ms);
  return stop;
}
