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
