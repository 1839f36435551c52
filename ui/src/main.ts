// Where a launch's time goes, read by scripts/bench-desktop.mjs (BENCHMARKS.md, "Desktop").
performance.mark('latchkey:script');
import { mount } from 'svelte';
import App from './App.svelte';
import { appState } from './lib/shared/api';
import './app.css';

/** Long enough for a local store to answer; a slow one shows its loading screen. */
const FIRST_STATE_WAIT_MS = 150;

async function boot() {
  // In `vite` dev in a plain browser there is no Tauri backend: install a mock of the IPC
  // with sample data so the window can be looked at. Dead code in production builds.
  if (import.meta.env.DEV && !('__TAURI_INTERNALS__' in window)) {
    const { installDevMock } = await import('./dev/mock');
    // The administration pages' pretend data (each file registers its handlers).
    await Promise.all([import('./dev/mock-team'), import('./dev/mock-admin')]);
    installDevMock();
  }
  // Asked for before the window mounts, and waited for a moment: the first frame is then
  // the sign-in screen itself rather than "Opening your store…" replaced a frame later.
  const firstState = appState();
  void firstState.then(
    () => performance.mark('latchkey:state'),
    () => {},
  );
  await Promise.race([firstState.catch(() => {}), new Promise((settle) => setTimeout(settle, FIRST_STATE_WAIT_MS))]);
  mount(App, { target: document.getElementById('app')!, props: { firstState } });
  performance.mark('latchkey:mounted');
  requestAnimationFrame(() => performance.mark('latchkey:frame'));
}

boot();
