-- The list reads of every object of a date (the network list, members,
-- names) read each version's brief instead of its data (issue 23).
--
-- brief is the version's data with only the members of ixp.BriefFields
-- (ixp.Brief), for the kinds that have them, NULL for the others. It is
-- written with the row (InsertRows). The migration's Go part (sqlite.go,
-- briefIndexes, in this migration's transaction) fills it for the rows
-- already stored, then creates the two covering indexes that Briefs reads:
-- they index node's expression, which SQL here could only repeat.
ALTER TABLE versions ADD COLUMN brief BLOB;
