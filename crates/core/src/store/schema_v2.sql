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
