import { afterEach, describe, expect, it, vi } from 'vitest';
import { SHORTCUTS, isTyping, keysLabel, listenForShortcuts, provideShortcut, shortcutFor } from './shortcuts';

const press = (init: KeyboardEventInit, target: EventTarget = document.body) => {
  const e = new KeyboardEvent('keydown', { bubbles: true, cancelable: true, ...init });
  target.dispatchEvent(e);
  return e;
};

const cleanups: (() => void)[] = [];
afterEach(() => {
  cleanups.splice(0).forEach((f) => f());
  document.body.innerHTML = '';
});

function offer(...ids: Parameters<typeof provideShortcut>[0][]) {
  const actions = Object.fromEntries(ids.map((id) => [id, vi.fn()]));
  for (const id of ids) cleanups.push(provideShortcut(id, actions[id]));
  cleanups.push(listenForShortcuts());
  return actions;
}

describe('shortcuts', () => {
  it('lists each shortcut once, with keys and a description', () => {
    expect(SHORTCUTS.map((s) => s.id)).toEqual(['new-key', 'search', 'lock', 'settings', 'help', 'close']);
    expect(new Set(SHORTCUTS.map((s) => s.keys.join('+'))).size).toBe(SHORTCUTS.length);
    for (const s of SHORTCUTS) expect(s.description).not.toBe('');
    expect(keysLabel('lock')).toBe('Ctrl+L');
    expect(keysLabel('settings')).toBe('Ctrl+,');
  });

  it('maps keys to actions', () => {
    const a = offer('new-key', 'search', 'lock', 'settings', 'help');
    press({ key: 'n' });
    press({ key: 'N', shiftKey: true });
    expect(a['new-key']).toHaveBeenCalledTimes(2);
    press({ key: '/' });
    expect(a.search).toHaveBeenCalledTimes(1);
    const e = press({ key: 'l', ctrlKey: true });
    expect(a.lock).toHaveBeenCalledTimes(1);
    expect(e.defaultPrevented).toBe(true);
    press({ key: ',', ctrlKey: true });
    expect(a.settings).toHaveBeenCalledTimes(1);
    press({ key: '?', shiftKey: true });
    expect(a.help).toHaveBeenCalledTimes(1);
  });

  it('leaves other keys and modifiers alone', () => {
    const a = offer('new-key', 'search', 'lock', 'help');
    for (const init of [{ key: 'n', ctrlKey: true }, { key: 'n', altKey: true }, { key: 'l' }, { key: 'l', ctrlKey: true, altKey: true }, { key: 'x' }]) {
      const e = press(init);
      expect(e.defaultPrevented).toBe(false);
    }
    press({ key: 'l', ctrlKey: true, repeat: true });
    for (const f of Object.values(a)) expect(f).not.toHaveBeenCalled();
  });

  it('waits while typing in a field, except Ctrl+L', () => {
    const a = offer('new-key', 'search', 'lock', 'settings', 'help');
    document.body.innerHTML = '<input id="t" type="text"><textarea id="a"></textarea><select id="s"></select><input id="c" type="checkbox">';
    for (const id of ['t', 'a', 's']) {
      const el = document.getElementById(id)!;
      press({ key: 'n' }, el);
      press({ key: '/' }, el);
      press({ key: '?' }, el);
      press({ key: ',', ctrlKey: true }, el);
      press({ key: 'l', ctrlKey: true }, el);
    }
    expect(a['new-key']).not.toHaveBeenCalled();
    expect(a.search).not.toHaveBeenCalled();
    expect(a.help).not.toHaveBeenCalled();
    expect(a.settings).not.toHaveBeenCalled();
    expect(a.lock).toHaveBeenCalledTimes(3);
    // A checkbox types nothing.
    press({ key: '?' }, document.getElementById('c')!);
    expect(a.help).toHaveBeenCalledTimes(1);
  });

  it('knows what is typing', () => {
    document.body.innerHTML =
      '<input id="e" type="email"><input id="r" type="radio"><button id="b"></button><div id="d" contenteditable="true"><span id="i"></span></div>';
    const el = (id: string) => document.getElementById(id);
    expect(isTyping(el('e'))).toBe(true);
    expect(isTyping(el('r'))).toBe(false);
    expect(isTyping(el('b'))).toBe(false);
    expect(isTyping(el('i'))).toBe(true);
    expect(isTyping(null)).toBe(false);
  });

  it('while a dialog is open, only Ctrl+L', () => {
    const a = offer('new-key', 'lock', 'help');
    document.body.innerHTML = '<div role="dialog" aria-modal="true"><button id="b">OK</button></div>';
    const b = document.getElementById('b')!;
    press({ key: 'n' }, b);
    press({ key: '?' }, b);
    press({ key: 'l', ctrlKey: true }, b);
    expect(a['new-key']).not.toHaveBeenCalled();
    expect(a.help).not.toHaveBeenCalled();
    expect(a.lock).toHaveBeenCalledTimes(1);
  });

  it('Esc is listed but left to dialogs and menus', () => {
    expect(shortcutFor(new KeyboardEvent('keydown', { key: 'Escape' }))).toBeNull();
  });

  it('runs the latest offer, and nothing once withdrawn or with nobody listening', () => {
    const first = vi.fn();
    const second = vi.fn();
    const withdrawFirst = provideShortcut('search', first);
    const withdrawSecond = provideShortcut('search', second);
    press({ key: '/' });
    expect(first).not.toHaveBeenCalled(); // not listening yet
    const stop = listenForShortcuts();
    press({ key: '/' });
    expect(second).toHaveBeenCalledTimes(1);
    withdrawSecond();
    press({ key: '/' });
    expect(first).toHaveBeenCalledTimes(1);
    withdrawFirst();
    const e = press({ key: '/' });
    expect(e.defaultPrevented).toBe(false);
    stop();
  });
});
