// Keyboard shortcuts, written once: each key, what it does and how the Help dialog and the
// menus describe it. The shell listens (while someone is signed in) and the components
// offer the actions (`provideShortcut`): the Keys tab offers New key while it shows.

export type ShortcutId = 'new-key' | 'search' | 'lock' | 'settings' | 'help' | 'close';

export interface Shortcut {
  id: ShortcutId;
  /** The keys as shown, one entry per key: ['Ctrl', 'L']. */
  keys: string[];
  description: string;
  /** The `aria-keyshortcuts` value of the control that does the same. */
  aria: string;
  /** Also while typing in a text field (Lock now must always work). */
  whileTyping?: boolean;
  /** Also while a dialog is open. */
  inDialogs?: boolean;
  /** Handled where it applies (Esc by every dialog and menu): listed, never dispatched here. */
  listedOnly?: boolean;
  match: (e: KeyboardEvent) => boolean;
}

const plain = (e: KeyboardEvent) => !e.ctrlKey && !e.metaKey && !e.altKey;
const withCtrl = (e: KeyboardEvent) => (e.ctrlKey || e.metaKey) && !e.altKey;

// Characters are matched by the key they type (e.key), so '/' and '?' work on layouts
// where they need Shift or another key.
export const SHORTCUTS: readonly Shortcut[] = [
  {
    id: 'new-key',
    keys: ['N'],
    description: 'Create a key (on the API keys tab)',
    aria: 'N',
    match: (e) => plain(e) && e.key.toLowerCase() === 'n',
  },
  {
    id: 'search',
    keys: ['/'],
    description: 'Search your keys',
    aria: '/',
    match: (e) => plain(e) && e.key === '/',
  },
  {
    id: 'lock',
    keys: ['Ctrl', 'L'],
    description: 'Lock now',
    aria: 'Control+L',
    whileTyping: true,
    inDialogs: true,
    match: (e) => withCtrl(e) && !e.shiftKey && e.key.toLowerCase() === 'l',
  },
  {
    id: 'settings',
    keys: ['Ctrl', ','],
    description: 'Open Settings',
    aria: 'Control+,',
    match: (e) => withCtrl(e) && e.key === ',',
  },
  {
    id: 'help',
    keys: ['?'],
    description: 'Show these shortcuts',
    aria: '?',
    match: (e) => plain(e) && e.key === '?',
  },
  {
    id: 'close',
    keys: ['Esc'],
    description: 'Close a dialog or menu',
    aria: 'Escape',
    listedOnly: true,
    match: (e) => e.key === 'Escape',
  },
];

export function shortcut(id: ShortcutId): Shortcut {
  return SHORTCUTS.find((s) => s.id === id)!;
}

/** The keys as one label: "Ctrl+L". */
export const keysLabel = (id: ShortcutId) => shortcut(id).keys.join('+');

const NOT_TYPING = new Set(['checkbox', 'radio', 'button', 'submit', 'reset', 'file', 'range', 'color', 'image']);

/** Whether keys pressed here type text (a text field, a list to pick from, editable text). */
export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement) return !NOT_TYPING.has(target.type);
  return target.isContentEditable || target.closest('[contenteditable=""], [contenteditable="true"]') !== null;
}

// The actions on offer, per shortcut; the latest offer wins (the Keys tab's search over
// the shell's "go to the keys and search").
const offers = new Map<ShortcutId, (() => void)[]>();

/** Offers the action for a shortcut until the returned function is called. */
export function provideShortcut(id: ShortcutId, action: () => void): () => void {
  const list = offers.get(id) ?? [];
  list.push(action);
  offers.set(id, list);
  return () => {
    const i = list.indexOf(action);
    if (i >= 0) list.splice(i, 1);
  };
}

/** The shortcut a key press means here and now, if any (whether or not one is on offer). */
export function shortcutFor(e: KeyboardEvent, doc: Document = document): Shortcut | null {
  if (e.defaultPrevented || e.isComposing || e.repeat) return null;
  const s = SHORTCUTS.find((x) => !x.listedOnly && x.match(e));
  if (!s) return null;
  if (!s.whileTyping && isTyping(e.target)) return null;
  if (!s.inDialogs && doc.querySelector('[aria-modal="true"]')) return null;
  return s;
}

/** Dispatches shortcuts to what is on offer until the returned function is called. */
export function listenForShortcuts(target: Window = window): () => void {
  const onkeydown = (e: KeyboardEvent) => {
    const s = shortcutFor(e, target.document);
    const list = s ? offers.get(s.id) : undefined;
    const run = list?.[list.length - 1];
    if (!run) return;
    e.preventDefault();
    run();
  };
  target.addEventListener('keydown', onkeydown);
  return () => target.removeEventListener('keydown', onkeydown);
}
