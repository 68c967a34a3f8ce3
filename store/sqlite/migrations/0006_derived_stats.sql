-- Figures computed from snapshots (the per-country and per-area indicators
-- of a date), kept under the key of the snapshots they were computed from
-- (state_key: the PeeringDB snapshot id, the RIR snapshot ids the pairing
-- rule picks, the BGP snapshot ids; see dashboard/aggregates.go). A cache:
-- every row can be recomputed from the snapshots, rows naming a deleted
-- snapshot are removed with it, and exports do not carry them. The row of
-- area '*' marks a key whose rows are complete.
CREATE TABLE derived_stats (
	state_key TEXT NOT NULL,
	area      TEXT NOT NULL,
	stats     TEXT NOT NULL,
	PRIMARY KEY (state_key, area)
);

CREATE INDEX derived_stats_by_area ON derived_stats (area, state_key);
