-- One source id per BGP route collector (ixp.BGPSource): scheduled MRT
-- runs were recorded as "mrt:<collector>" while the collector's snapshots,
-- `import mrt` runs and live sessions used "bgp:<collector>", so one
-- collector's health showed under two names. The stored runs (and any
-- audit row or empty source row under the old name) take the one name.
-- No version of ixpobs published snapshots under "mrt:", so no snapshot
-- history has to be merged.
UPDATE runs SET source = 'bgp:' || substr(source, 5) WHERE substr(source, 1, 4) = 'mrt:';
UPDATE snapshot_deletions SET source = 'bgp:' || substr(source, 5) WHERE substr(source, 1, 4) = 'mrt:';
DELETE FROM sources WHERE substr(name, 1, 4) = 'mrt:'
	AND NOT EXISTS (SELECT 1 FROM snapshots s WHERE s.source_id = sources.id)
	AND NOT EXISTS (SELECT 1 FROM versions v WHERE v.source_id = sources.id);
