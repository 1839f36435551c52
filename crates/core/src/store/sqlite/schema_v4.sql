-- Version 4: names compared in the engine-neutral way. Group names and key names were
-- compared with SQLite's NOCASE collation (ASCII only); they now carry a folded key, as
-- usernames and emails always did (Unicode lower case, filled in by Latchkey itself),
-- so that every store engine compares them alike.
ALTER TABLE groups ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
CREATE INDEX groups_name_key ON groups(name_key);
DROP INDEX api_keys_account_name;
CREATE INDEX api_keys_account_name ON api_keys(account_id, name_key);

-- When each account last signed in (the team page shows it).
ALTER TABLE accounts ADD COLUMN last_sign_in_at INTEGER;

-- Invitations: a single-use code (stored as its SHA-256 only) an administrator sends to
-- an email address; redeeming it makes the account with these groups and role.
CREATE TABLE invitations (
    id          TEXT PRIMARY KEY,
    -- Creation order: ids are random, and two invitations can share a second.
    seq         INTEGER NOT NULL UNIQUE,
    digest      BLOB NOT NULL UNIQUE,
    hint        TEXT NOT NULL,
    email       TEXT NOT NULL,
    is_admin    INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
    created_by  INTEGER REFERENCES accounts(id),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    accepted_at INTEGER,
    account_id  INTEGER REFERENCES accounts(id),
    revoked_at  INTEGER,
    -- Re-issued: the invitation whose newer code replaced this one.
    replaced_by TEXT
);
CREATE TABLE invitation_groups (
    invitation_id TEXT NOT NULL REFERENCES invitations(id) ON DELETE CASCADE,
    group_id      INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    PRIMARY KEY (invitation_id, group_id)
) WITHOUT ROWID;
-- Wrong invitation codes in a row (no account to count them against), and the last one.
CREATE TABLE invitation_attempts (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    failed         INTEGER NOT NULL DEFAULT 0,
    last_failed_at INTEGER
);
INSERT INTO invitation_attempts (id) VALUES (1);

-- The sign-in throttle, per subject: an account ("a:<id>"), or a login that names no
-- account ("u:<sha256 of the folded login>", so that unknown names are throttled exactly
-- like known ones and the throttle never tells which exist). `pending` counts attempts
-- reserved but not yet checked, so that parallel right passwords wait for each other
-- instead of being refused. Replaces accounts.failed_logins and last_failed_at (no
-- longer used).
CREATE TABLE login_throttle (
    subject        TEXT PRIMARY KEY,
    failed         INTEGER NOT NULL DEFAULT 0,
    last_failed_at INTEGER,
    pending        INTEGER NOT NULL DEFAULT 0,
    pending_since  INTEGER
);
INSERT INTO login_throttle (subject, failed, last_failed_at)
    SELECT 'a:' || id, failed_logins, last_failed_at FROM accounts WHERE failed_logins > 0;

-- Failed and throttled attempts repeated within a minute are counted here and written to
-- the audit log as one entry with their number, so that a flood of attempts cannot
-- flood the log. (Not part of the log: counts change; the entries they become do not.)
CREATE TABLE audit_tally (
    action    TEXT NOT NULL,
    actor_id  INTEGER NOT NULL,
    outcome   TEXT NOT NULL,
    actor     TEXT,
    target    TEXT,
    detail    TEXT NOT NULL,
    first_at  INTEGER NOT NULL,
    last_at   INTEGER NOT NULL,
    count     INTEGER NOT NULL,
    PRIMARY KEY (action, actor_id, outcome)
);
