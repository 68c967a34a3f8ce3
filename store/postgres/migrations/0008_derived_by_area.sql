-- The derived figures dropped by snapshot without scanning the table
-- (issue 23; the SQLite migration of the same number also clusters the
-- table by area).
--
-- derived_names lists the snapshot ids each state key names
-- (store.DerivedKeyIDs), so the rows computed with a deleted or
-- backfilled-over snapshot are found through an index instead of three
-- LIKE patterns over every row.
--
-- The table is a cache (0006): its rows are dropped here rather than
-- given names, which cannot be parsed from the keys in SQL; `serve`
-- refills them in the background at its next start, `ixpobs import` and
-- `backfill` after their next run.
DELETE FROM derived_stats;

CREATE TABLE derived_names (
	snapshot_id BIGINT NOT NULL,
	state_key   TEXT NOT NULL,
	PRIMARY KEY (snapshot_id, state_key)
);

CREATE INDEX derived_names_by_key ON derived_names (state_key);
