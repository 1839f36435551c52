-- Latchkey store, version 1. Timestamps are Unix seconds (UTC).

CREATE TABLE accounts (
    id              INTEGER PRIMARY KEY,
    username        TEXT NOT NULL,
    -- Unicode lower-case forms: SQLite's NOCASE folds ASCII only.
    username_key    TEXT NOT NULL UNIQUE,
    first_name      TEXT NOT NULL DEFAULT '',
    last_name       TEXT NOT NULL DEFAULT '',
    email           TEXT,
    email_key       TEXT UNIQUE,
    avatar_png      BLOB,
    is_admin        INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
    disabled        INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    password_hash   TEXT NOT NULL,
    failed_logins   INTEGER NOT NULL DEFAULT 0,
    last_failed_at  INTEGER,
    -- The per-account data key for revealable secrets, wrapped with a key derived
    -- from the password (argon2id over dek_salt).
    dek_salt        BLOB NOT NULL,
    dek_wrapped     BLOB NOT NULL,
    -- argon2id parameters used to derive the wrapping key, as "m,t,p".
    dek_kdf         TEXT NOT NULL,
    -- Set when an administrator's password reset made revealable secrets unrecoverable;
    -- cleared once the owner has been told at sign-in.
    secrets_lost    INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

CREATE TABLE resources (
    name        TEXT PRIMARY KEY,
    builtin     INTEGER NOT NULL DEFAULT 0,
    description TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);

CREATE TABLE groups (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
    created_at INTEGER NOT NULL
);

CREATE TABLE group_permissions (
    group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    resource TEXT NOT NULL REFERENCES resources(name) ON DELETE CASCADE,
    action   TEXT NOT NULL CHECK (action IN ('read', 'write')),
    PRIMARY KEY (group_id, resource, action)
) WITHOUT ROWID;

CREATE TABLE group_members (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    group_id   INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    PRIMARY KEY (account_id, group_id)
) WITHOUT ROWID;
CREATE INDEX group_members_group ON group_members(group_id);

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('live', 'test', 'acct')),
    -- SHA-256 of the key text; the plaintext is never stored.
    digest       BLOB NOT NULL UNIQUE,
    hint         TEXT NOT NULL,
    revealable   INTEGER NOT NULL DEFAULT 0 CHECK (revealable IN (0, 1)),
    -- For revealable keys: nonce || AEAD ciphertext under the account's data key.
    secret_ct    BLOB,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    -- When the key stops (or stopped) working; in the future during a rotation grace.
    revoked_at   INTEGER,
    replaced_by  TEXT,
    last_used_at INTEGER
);
CREATE INDEX api_keys_account ON api_keys(account_id);
-- Name uniqueness is checked on every create and rename.
CREATE INDEX api_keys_account_name ON api_keys(account_id, name COLLATE NOCASE);
CREATE UNIQUE INDEX api_keys_one_account_key ON api_keys(account_id)
    WHERE kind = 'acct' AND revoked_at IS NULL;

CREATE TABLE key_permissions (
    key_id   TEXT NOT NULL REFERENCES api_keys(id) ON DELETE CASCADE,
    resource TEXT NOT NULL REFERENCES resources(name) ON DELETE CASCADE,
    action   TEXT NOT NULL CHECK (action IN ('read', 'write')),
    PRIMARY KEY (key_id, resource, action)
) WITHOUT ROWID;

CREATE TABLE policy (
    id                    INTEGER PRIMARY KEY CHECK (id = 1),
    min_password_length   INTEGER NOT NULL DEFAULT 8,
    max_key_lifetime_days INTEGER,
    allow_never_expiring  INTEGER NOT NULL DEFAULT 1,
    max_active_keys       INTEGER,
    argon2_m_kib          INTEGER NOT NULL DEFAULT 19456,
    argon2_t              INTEGER NOT NULL DEFAULT 2,
    argon2_p              INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE audit_log (
    id       INTEGER PRIMARY KEY,
    at       INTEGER NOT NULL,
    actor_id INTEGER,
    actor    TEXT,
    action   TEXT NOT NULL,
    target   TEXT,
    outcome  TEXT NOT NULL,
    detail   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_actor ON audit_log(actor_id);

CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_append_only_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
