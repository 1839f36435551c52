// The permission grid's words: what a group may do with one resource, and what deleting
// a group or a resource takes away, said as the dialogs say it.
import type { Access, GroupImpact, ResourceImpact } from '../shared/api';

export const ACCESS_CHOICES: { value: Access; label: string }[] = [
  { value: 'none', label: 'None' },
  { value: 'read', label: 'Read' },
  { value: 'write', label: 'Write' },
  { value: 'read_write', label: 'Read and write' },
];

/** What `permissions` ("resource:action") allow with `resource`, as one grid cell. */
export function accessOf(permissions: string[], resource: string): Access {
  const read = permissions.includes(`${resource}:read`);
  const write = permissions.includes(`${resource}:write`);
  return read && write ? 'read_write' : read ? 'read' : write ? 'write' : 'none';
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "a, b and c". */
export function listed(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** "3 members lose samples:read and runs:write." */
export function groupImpactText(impact: GroupImpact): string {
  if (impact.members === 0) {
    return impact.permissions.length === 0
      ? 'No one is in this group and it grants no permissions: nothing is lost.'
      : `No one is in this group: no one loses ${listed(impact.permissions)}.`;
  }
  const who = plural(impact.members, 'member');
  if (impact.permissions.length === 0) return `${who} ${impact.members === 1 ? 'loses' : 'lose'} nothing: the group grants no permissions.`;
  return `${who} ${impact.members === 1 ? 'loses' : 'lose'} ${listed(impact.permissions)}.`;
}

/** "2 groups and 5 keys in use lose samples:read and samples:write." */
export function resourceImpactText(resource: string, impact: ResourceImpact): string {
  const perms = `${resource}:read and ${resource}:write`;
  if (impact.groups === 0 && impact.active_keys === 0) {
    return `No group grants ${perms} and no key in use has them: nothing else changes.`;
  }
  const parts: string[] = [];
  if (impact.groups > 0) parts.push(plural(impact.groups, 'group'));
  if (impact.active_keys > 0) parts.push(`${plural(impact.active_keys, 'key')} in use`);
  const n = impact.groups + impact.active_keys;
  return `${parts.join(' and ')} ${n === 1 ? 'loses' : 'lose'} ${perms}.`;
}

/** The core's rule for resource names (validate::resource_name). */
export function checkResourceName(s: string): string | null {
  const v = s.trim();
  if (!v) return 'Enter a name, e.g. “samples”.';
  if (v.length > 32 || !/^[a-z][a-z0-9_-]*$/.test(v))
    return "Must be 1–32 lower-case letters, digits, '_' or '-', starting with a letter.";
  return null;
}

/** The core's rule for group names (validate::group_name). */
export function checkGroupName(s: string): string | null {
  const v = s.trim();
  if (!v) return 'Enter a name for the group.';
  if ([...v].length > 64 || !/^[\p{L}\p{N}._-]+$/u.test(v)) return "Must be 1–64 letters, digits, '.', '_' or '-'.";
  return null;
}
