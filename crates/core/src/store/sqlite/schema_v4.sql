-- Version 4: names compared in the engine-neutral way. Group names and key names were
-- compared with SQLite's NOCASE collation (ASCII only); they now carry a folded key, as
-- usernames and emails always did (Unicode lower case, filled in by Latchkey itself),
-- so that every store engine compares them alike.
ALTER TABLE groups ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
CREATE INDEX groups_name_key ON groups(name_key);
DROP INDEX api_keys_account_name;
CREATE INDEX api_keys_account_name ON api_keys(account_id, name_key);
