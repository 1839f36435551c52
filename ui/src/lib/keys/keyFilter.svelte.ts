// The key list's search and filters. Module state, not the tab's: it outlives the Keys tab
// (switching tabs or pages keeps it) and is cleared when the session ends.
import type { Environment, KeyStatus, KeyView } from '../shared/api';

export interface KeyFilter {
  /** Part of the name, any case. */
  query: string;
  env: 'all' | Environment;
  /** The status the list shows for each key. */
  status: 'all' | KeyStatus;
  /** A permission the key has ("samples:read"), or 'all'. */
  perm: string;
}

const EMPTY: KeyFilter = { query: '', env: 'all', status: 'all', perm: 'all' };

export const keyFilter: KeyFilter = $state({ ...EMPTY });

/** The / shortcut from elsewhere: the Keys tab focuses its search box when it shows. */
export const searchRequest = $state({ pending: false });

export function clearKeyFilter(): void {
  Object.assign(keyFilter, EMPTY);
}

/** Forgets everything (the session ended). */
export function resetKeyFilter(): void {
  clearKeyFilter();
  searchRequest.pending = false;
}

export function filterActive(f: KeyFilter = keyFilter): boolean {
  return f.query.trim() !== '' || f.env !== 'all' || f.status !== 'all' || f.perm !== 'all';
}

export function matchesFilter(k: KeyView, f: KeyFilter = keyFilter): boolean {
  const q = f.query.trim().toLowerCase();
  return (
    (!q || k.name.toLowerCase().includes(q)) &&
    (f.env === 'all' || k.environment === f.env) &&
    (f.status === 'all' || k.status === f.status) &&
    (f.perm === 'all' || k.permissions.includes(f.perm))
  );
}
