// The screens the sign-in screen does not need, each its own chunk, fetched the first time
// it opens (a launch parses and keeps only the sign-in screen; BENCHMARKS.md "Desktop").
// The module system caches each import, so a second visit costs nothing.
export const screens = {
  setup: () => import('./lib/auth/Setup.svelte'),
  redeem: () => import('./lib/auth/RedeemInvitation.svelte'),
  account: () => import('./lib/account/AccountPage.svelte'),
  // The account opens on its profile: its other tabs wait until they are chosen.
  securityTab: () => import('./lib/account/SecurityTab.svelte'),
  keysTab: () => import('./lib/keys/KeysTab.svelte'),
  company: () => import('./lib/company/CompanyPage.svelte'),
  team: () => import('./lib/team/TeamPage.svelte'),
  groups: () => import('./lib/groups/GroupsPage.svelte'),
  policies: () => import('./lib/policies/PoliciesPage.svelte'),
  audit: () => import('./lib/audit/AuditPage.svelte'),
  settings: () => import('./lib/settings/SettingsPage.svelte'),
  help: () => import('./lib/shared/HelpDialog.svelte'),
};
