-- The derived figures read as a history (one area across every state
-- key) and dropped by snapshot without scanning the table (issue 23).
--
-- derived_stats is clustered by (area, state_key): a 5,800-point history
-- of one area is one range scan of its rows, not an index walk with a
-- table lookup per row. derived_names lists the snapshot ids each state
-- key names (store.DerivedKeyIDs), so the rows computed with a deleted or
-- backfilled-over snapshot are found through an index instead of three
-- LIKE patterns over every row.
--
-- The table is a cache (0006): its rows are dropped here rather than
-- copied, since their names cannot be parsed in SQL; `serve` refills them
-- in the background at its next start, `ixpobs import` and `backfill`
-- after their next run.
DROP TABLE derived_stats;

CREATE TABLE derived_stats (
	area      TEXT NOT NULL,
	state_key TEXT NOT NULL,
	stats     TEXT NOT NULL,
	PRIMARY KEY (area, state_key)
) WITHOUT ROWID;

CREATE INDEX derived_stats_by_key ON derived_stats (state_key);

CREATE TABLE derived_names (
	snapshot_id INTEGER NOT NULL,
	state_key   TEXT NOT NULL,
	PRIMARY KEY (snapshot_id, state_key)
) WITHOUT ROWID;

CREATE INDEX derived_names_by_key ON derived_names (state_key);
