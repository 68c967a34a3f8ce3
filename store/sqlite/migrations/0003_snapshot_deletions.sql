-- Snapshots removed by "ixpobs snapshots delete": an audit trail, and
-- counted in the store's generation so that cached answers computed with a
-- deleted snapshot are not served again.
CREATE TABLE snapshot_deletions (
	source      TEXT NOT NULL,
	at          BIGINT NOT NULL,
	snapshot_id BIGINT NOT NULL,
	deleted     BIGINT NOT NULL
);
