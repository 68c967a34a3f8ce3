-- The list reads of every object of a date (the network list, members,
-- names) read each version's brief instead of its data (issue 23).
--
-- brief is the version's data with only the members of ixp.BriefFields
-- (ixp.Brief), for the kinds that have them, NULL for the others. It is
-- written with the row (InsertRows) and filled here for the rows already
-- stored (sqlstore.FillBriefs, run in this migration's transaction).
-- The two partial indexes are the interval-tree indexes of 0007 with
-- every column such a read returns (INCLUDE): once VACUUM has marked the
-- pages all-visible the read is an index-only scan, and it never
-- detoasts whole objects.
ALTER TABLE versions ADD COLUMN brief JSONB;

CREATE INDEX versions_brief_to ON versions (source_id, kind, node, valid_to) INCLUDE (valid_from, obj_id, ix_id, asn, brief) WHERE brief IS NOT NULL;
CREATE INDEX versions_brief_from ON versions (source_id, kind, node, valid_from) INCLUDE (valid_to, obj_id, ix_id, asn, brief) WHERE brief IS NOT NULL;
