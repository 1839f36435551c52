-- Version 2: multi-factor authentication (TOTP) and recovery codes.

-- The TOTP secret, sealed under the account's data key (so never in plaintext);
-- pending until the first code confirms enrolment.
ALTER TABLE accounts ADD COLUMN mfa_secret_ct BLOB;
ALTER TABLE accounts ADD COLUMN mfa_pending_ct BLOB;
-- The last accepted time step: a code at or below it is refused (replay guard).
ALTER TABLE accounts ADD COLUMN mfa_last_step INTEGER NOT NULL DEFAULT 0;

CREATE TABLE recovery_codes (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    salt       BLOB NOT NULL,
    digest     BLOB NOT NULL,
    used_at    INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX recovery_codes_account ON recovery_codes(account_id);

-- The key's own permissions as "res:act res:act", beside key_permissions, so that
-- verification reads one row. key_permissions stays the source for cascades; a
-- permission deleted from the store disappears at verification anyway, because the
-- result is intersected with the account's current permissions.
ALTER TABLE api_keys ADD COLUMN permissions TEXT NOT NULL DEFAULT '';
UPDATE api_keys SET permissions = coalesce(
    (SELECT group_concat(resource || ':' || action, ' ') FROM key_permissions WHERE key_id = api_keys.id), '');
