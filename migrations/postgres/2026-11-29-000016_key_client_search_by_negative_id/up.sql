-- Nothing changes on PostgreSQL: this version keys SQLite's FTS5 index by negated client
-- ids (see the SQLite migration); pg_trgm's index has no such order to follow. The version
-- exists so both engines count the same migrations.
SELECT 1;
