-- Version 3: settings of the store itself, as name/value rows.
--
-- `api_url`: where this store's loopback JSON API was last served (written by
-- `latchkey serve` and by the app when it starts serving), so that a key file written by
-- any process names the address its program should call.
CREATE TABLE settings (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at INTEGER NOT NULL
) WITHOUT ROWID;

-- Repair: before version 3, deleting a resource left its permissions in the keys'
-- denormalised `api_keys.permissions` copy, and re-creating a resource of that name
-- would have given them back to old keys. Rebuild the copy from `key_permissions`.
UPDATE api_keys SET permissions = coalesce(
    (SELECT group_concat(resource || ':' || action, ' ') FROM key_permissions WHERE key_id = api_keys.id), '');

-- What an administrator did to an account that its owner is told at the next sign-in,
-- as bits (1: viewable secrets lost to a password reset, 2: MFA turned off); it held
-- only the first of them before, under the name `secrets_lost`.
ALTER TABLE accounts RENAME COLUMN secrets_lost TO notices;
