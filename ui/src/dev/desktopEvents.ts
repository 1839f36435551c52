// Rust's side of `desktop_events` (src-tauri/src/events.rs) in memory, for the development
// mock and the tests: the same answers, so the window's long poll runs unchanged.
import type { EventName, EventPayload } from '../lib/shared/api';
import type { DesktopEvent, EventBatch } from '../lib/shared/bindings';

const KEPT = 32;
let last = 0;
const recent: { n: number; event: DesktopEvent }[] = [];
let waiting: (() => void)[] = [];

export function publish(event: DesktopEvent): void {
  recent.push({ n: ++last, event });
  if (recent.length > KEPT) recent.shift();
  const wake = waiting;
  waiting = [];
  for (const w of wake) w();
}

/** What Rust says after `cursor` (none: the current cursor at once), waiting for it. */
export async function desktopEvents(cursor: number | null | undefined): Promise<EventBatch> {
  if (cursor === null || cursor === undefined) return { cursor: last, events: [] };
  for (;;) {
    const events = recent.filter((r) => r.n > cursor).map((r) => r.event);
    if (events.length) return { cursor: last, events };
    await new Promise<void>((wake) => waiting.push(wake));
  }
}

/** Rust saying `event`; resolves once the window's poll has had its answer. */
export async function emit<N extends EventName>(event: N, payload: EventPayload<N>): Promise<void> {
  publish({ event, payload } as DesktopEvent);
  for (let i = 0; i < 10; i++) await Promise.resolve();
}
