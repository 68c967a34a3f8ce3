-- The list reads of every object of a date (the network list, members,
-- names) read each version's brief instead of its data (issue 23).
--
-- brief is the version's data with only the members of ixp.BriefFields
-- (ixp.Brief), for the kinds that have them, NULL for the others. It is
-- written with the row (InsertRows) and filled here for the rows already
-- stored (sqlstore.FillBriefs, run in this migration's transaction).
-- The two partial indexes are the interval-tree indexes of 0007 with
-- every column such a read returns: the read never visits the table, so
-- it costs neither a primary-key lookup per object nor the bytes of
-- whole objects. They index node's expression, not the node column:
-- SQLite reads an indexed expression from the index, but a query naming
-- a generated column (virtual or stored) goes to the table for it
-- (EXPLAIN QUERY PLAN: USING INDEX, not USING COVERING INDEX). The
-- expression is 0007's, byte for byte; store/sqlstore.NodeExpr writes
-- the same text into the queries (TestBriefIndexExpression).
ALTER TABLE versions ADD COLUMN brief BLOB;

CREATE INDEX versions_brief_to ON versions (source_id, kind, (CASE
		WHEN ((valid_to - 1) >> 62) << 62 >= valid_from THEN ((valid_to - 1) >> 62) << 62
		WHEN ((valid_to - 1) >> 61) << 61 >= valid_from THEN ((valid_to - 1) >> 61) << 61
		WHEN ((valid_to - 1) >> 60) << 60 >= valid_from THEN ((valid_to - 1) >> 60) << 60
		WHEN ((valid_to - 1) >> 59) << 59 >= valid_from THEN ((valid_to - 1) >> 59) << 59
		WHEN ((valid_to - 1) >> 58) << 58 >= valid_from THEN ((valid_to - 1) >> 58) << 58
		WHEN ((valid_to - 1) >> 57) << 57 >= valid_from THEN ((valid_to - 1) >> 57) << 57
		WHEN ((valid_to - 1) >> 56) << 56 >= valid_from THEN ((valid_to - 1) >> 56) << 56
		WHEN ((valid_to - 1) >> 55) << 55 >= valid_from THEN ((valid_to - 1) >> 55) << 55
		WHEN ((valid_to - 1) >> 54) << 54 >= valid_from THEN ((valid_to - 1) >> 54) << 54
		WHEN ((valid_to - 1) >> 53) << 53 >= valid_from THEN ((valid_to - 1) >> 53) << 53
		WHEN ((valid_to - 1) >> 52) << 52 >= valid_from THEN ((valid_to - 1) >> 52) << 52
		WHEN ((valid_to - 1) >> 51) << 51 >= valid_from THEN ((valid_to - 1) >> 51) << 51
		WHEN ((valid_to - 1) >> 50) << 50 >= valid_from THEN ((valid_to - 1) >> 50) << 50
		WHEN ((valid_to - 1) >> 49) << 49 >= valid_from THEN ((valid_to - 1) >> 49) << 49
		WHEN ((valid_to - 1) >> 48) << 48 >= valid_from THEN ((valid_to - 1) >> 48) << 48
		WHEN ((valid_to - 1) >> 47) << 47 >= valid_from THEN ((valid_to - 1) >> 47) << 47
		WHEN ((valid_to - 1) >> 46) << 46 >= valid_from THEN ((valid_to - 1) >> 46) << 46
		WHEN ((valid_to - 1) >> 45) << 45 >= valid_from THEN ((valid_to - 1) >> 45) << 45
		WHEN ((valid_to - 1) >> 44) << 44 >= valid_from THEN ((valid_to - 1) >> 44) << 44
		WHEN ((valid_to - 1) >> 43) << 43 >= valid_from THEN ((valid_to - 1) >> 43) << 43
		WHEN ((valid_to - 1) >> 42) << 42 >= valid_from THEN ((valid_to - 1) >> 42) << 42
		WHEN ((valid_to - 1) >> 41) << 41 >= valid_from THEN ((valid_to - 1) >> 41) << 41
		WHEN ((valid_to - 1) >> 40) << 40 >= valid_from THEN ((valid_to - 1) >> 40) << 40
		WHEN ((valid_to - 1) >> 39) << 39 >= valid_from THEN ((valid_to - 1) >> 39) << 39
		WHEN ((valid_to - 1) >> 38) << 38 >= valid_from THEN ((valid_to - 1) >> 38) << 38
		WHEN ((valid_to - 1) >> 37) << 37 >= valid_from THEN ((valid_to - 1) >> 37) << 37
		WHEN ((valid_to - 1) >> 36) << 36 >= valid_from THEN ((valid_to - 1) >> 36) << 36
		WHEN ((valid_to - 1) >> 35) << 35 >= valid_from THEN ((valid_to - 1) >> 35) << 35
		WHEN ((valid_to - 1) >> 34) << 34 >= valid_from THEN ((valid_to - 1) >> 34) << 34
		WHEN ((valid_to - 1) >> 33) << 33 >= valid_from THEN ((valid_to - 1) >> 33) << 33
		WHEN ((valid_to - 1) >> 32) << 32 >= valid_from THEN ((valid_to - 1) >> 32) << 32
		WHEN ((valid_to - 1) >> 31) << 31 >= valid_from THEN ((valid_to - 1) >> 31) << 31
		WHEN ((valid_to - 1) >> 30) << 30 >= valid_from THEN ((valid_to - 1) >> 30) << 30
		WHEN ((valid_to - 1) >> 29) << 29 >= valid_from THEN ((valid_to - 1) >> 29) << 29
		WHEN ((valid_to - 1) >> 28) << 28 >= valid_from THEN ((valid_to - 1) >> 28) << 28
		WHEN ((valid_to - 1) >> 27) << 27 >= valid_from THEN ((valid_to - 1) >> 27) << 27
		WHEN ((valid_to - 1) >> 26) << 26 >= valid_from THEN ((valid_to - 1) >> 26) << 26
		WHEN ((valid_to - 1) >> 25) << 25 >= valid_from THEN ((valid_to - 1) >> 25) << 25
		WHEN ((valid_to - 1) >> 24) << 24 >= valid_from THEN ((valid_to - 1) >> 24) << 24
		WHEN ((valid_to - 1) >> 23) << 23 >= valid_from THEN ((valid_to - 1) >> 23) << 23
		WHEN ((valid_to - 1) >> 22) << 22 >= valid_from THEN ((valid_to - 1) >> 22) << 22
		WHEN ((valid_to - 1) >> 21) << 21 >= valid_from THEN ((valid_to - 1) >> 21) << 21
		WHEN ((valid_to - 1) >> 20) << 20 >= valid_from THEN ((valid_to - 1) >> 20) << 20
		WHEN ((valid_to - 1) >> 19) << 19 >= valid_from THEN ((valid_to - 1) >> 19) << 19
		WHEN ((valid_to - 1) >> 18) << 18 >= valid_from THEN ((valid_to - 1) >> 18) << 18
		WHEN ((valid_to - 1) >> 17) << 17 >= valid_from THEN ((valid_to - 1) >> 17) << 17
		WHEN ((valid_to - 1) >> 16) << 16 >= valid_from THEN ((valid_to - 1) >> 16) << 16
		WHEN ((valid_to - 1) >> 15) << 15 >= valid_from THEN ((valid_to - 1) >> 15) << 15
		WHEN ((valid_to - 1) >> 14) << 14 >= valid_from THEN ((valid_to - 1) >> 14) << 14
		WHEN ((valid_to - 1) >> 13) << 13 >= valid_from THEN ((valid_to - 1) >> 13) << 13
		WHEN ((valid_to - 1) >> 12) << 12 >= valid_from THEN ((valid_to - 1) >> 12) << 12
		WHEN ((valid_to - 1) >> 11) << 11 >= valid_from THEN ((valid_to - 1) >> 11) << 11
		WHEN ((valid_to - 1) >> 10) << 10 >= valid_from THEN ((valid_to - 1) >> 10) << 10
		WHEN ((valid_to - 1) >> 9) << 9 >= valid_from THEN ((valid_to - 1) >> 9) << 9
		WHEN ((valid_to - 1) >> 8) << 8 >= valid_from THEN ((valid_to - 1) >> 8) << 8
		WHEN ((valid_to - 1) >> 7) << 7 >= valid_from THEN ((valid_to - 1) >> 7) << 7
		WHEN ((valid_to - 1) >> 6) << 6 >= valid_from THEN ((valid_to - 1) >> 6) << 6
		WHEN ((valid_to - 1) >> 5) << 5 >= valid_from THEN ((valid_to - 1) >> 5) << 5
		WHEN ((valid_to - 1) >> 4) << 4 >= valid_from THEN ((valid_to - 1) >> 4) << 4
		WHEN ((valid_to - 1) >> 3) << 3 >= valid_from THEN ((valid_to - 1) >> 3) << 3
		WHEN ((valid_to - 1) >> 2) << 2 >= valid_from THEN ((valid_to - 1) >> 2) << 2
		WHEN ((valid_to - 1) >> 1) << 1 >= valid_from THEN ((valid_to - 1) >> 1) << 1
		WHEN ((valid_to - 1) >> 0) << 0 >= valid_from THEN ((valid_to - 1) >> 0) << 0
		ELSE valid_from END), valid_to, valid_from, ix_id, asn, brief) WHERE brief IS NOT NULL;
CREATE INDEX versions_brief_from ON versions (source_id, kind, (CASE
		WHEN ((valid_to - 1) >> 62) << 62 >= valid_from THEN ((valid_to - 1) >> 62) << 62
		WHEN ((valid_to - 1) >> 61) << 61 >= valid_from THEN ((valid_to - 1) >> 61) << 61
		WHEN ((valid_to - 1) >> 60) << 60 >= valid_from THEN ((valid_to - 1) >> 60) << 60
		WHEN ((valid_to - 1) >> 59) << 59 >= valid_from THEN ((valid_to - 1) >> 59) << 59
		WHEN ((valid_to - 1) >> 58) << 58 >= valid_from THEN ((valid_to - 1) >> 58) << 58
		WHEN ((valid_to - 1) >> 57) << 57 >= valid_from THEN ((valid_to - 1) >> 57) << 57
		WHEN ((valid_to - 1) >> 56) << 56 >= valid_from THEN ((valid_to - 1) >> 56) << 56
		WHEN ((valid_to - 1) >> 55) << 55 >= valid_from THEN ((valid_to - 1) >> 55) << 55
		WHEN ((valid_to - 1) >> 54) << 54 >= valid_from THEN ((valid_to - 1) >> 54) << 54
		WHEN ((valid_to - 1) >> 53) << 53 >= valid_from THEN ((valid_to - 1) >> 53) << 53
		WHEN ((valid_to - 1) >> 52) << 52 >= valid_from THEN ((valid_to - 1) >> 52) << 52
		WHEN ((valid_to - 1) >> 51) << 51 >= valid_from THEN ((valid_to - 1) >> 51) << 51
		WHEN ((valid_to - 1) >> 50) << 50 >= valid_from THEN ((valid_to - 1) >> 50) << 50
		WHEN ((valid_to - 1) >> 49) << 49 >= valid_from THEN ((valid_to - 1) >> 49) << 49
		WHEN ((valid_to - 1) >> 48) << 48 >= valid_from THEN ((valid_to - 1) >> 48) << 48
		WHEN ((valid_to - 1) >> 47) << 47 >= valid_from THEN ((valid_to - 1) >> 47) << 47
		WHEN ((valid_to - 1) >> 46) << 46 >= valid_from THEN ((valid_to - 1) >> 46) << 46
		WHEN ((valid_to - 1) >> 45) << 45 >= valid_from THEN ((valid_to - 1) >> 45) << 45
		WHEN ((valid_to - 1) >> 44) << 44 >= valid_from THEN ((valid_to - 1) >> 44) << 44
		WHEN ((valid_to - 1) >> 43) << 43 >= valid_from THEN ((valid_to - 1) >> 43) << 43
		WHEN ((valid_to - 1) >> 42) << 42 >= valid_from THEN ((valid_to - 1) >> 42) << 42
		WHEN ((valid_to - 1) >> 41) << 41 >= valid_from THEN ((valid_to - 1) >> 41) << 41
		WHEN ((valid_to - 1) >> 40) << 40 >= valid_from THEN ((valid_to - 1) >> 40) << 40
		WHEN ((valid_to - 1) >> 39) << 39 >= valid_from THEN ((valid_to - 1) >> 39) << 39
		WHEN ((valid_to - 1) >> 38) << 38 >= valid_from THEN ((valid_to - 1) >> 38) << 38
		WHEN ((valid_to - 1) >> 37) << 37 >= valid_from THEN ((valid_to - 1) >> 37) << 37
		WHEN ((valid_to - 1) >> 36) << 36 >= valid_from THEN ((valid_to - 1) >> 36) << 36
		WHEN ((valid_to - 1) >> 35) << 35 >= valid_from THEN ((valid_to - 1) >> 35) << 35
		WHEN ((valid_to - 1) >> 34) << 34 >= valid_from THEN ((valid_to - 1) >> 34) << 34
		WHEN ((valid_to - 1) >> 33) << 33 >= valid_from THEN ((valid_to - 1) >> 33) << 33
		WHEN ((valid_to - 1) >> 32) << 32 >= valid_from THEN ((valid_to - 1) >> 32) << 32
		WHEN ((valid_to - 1) >> 31) << 31 >= valid_from THEN ((valid_to - 1) >> 31) << 31
		WHEN ((valid_to - 1) >> 30) << 30 >= valid_from THEN ((valid_to - 1) >> 30) << 30
		WHEN ((valid_to - 1) >> 29) << 29 >= valid_from THEN ((valid_to - 1) >> 29) << 29
		WHEN ((valid_to - 1) >> 28) << 28 >= valid_from THEN ((valid_to - 1) >> 28) << 28
		WHEN ((valid_to - 1) >> 27) << 27 >= valid_from THEN ((valid_to - 1) >> 27) << 27
		WHEN ((valid_to - 1) >> 26) << 26 >= valid_from THEN ((valid_to - 1) >> 26) << 26
		WHEN ((valid_to - 1) >> 25) << 25 >= valid_from THEN ((valid_to - 1) >> 25) << 25
		WHEN ((valid_to - 1) >> 24) << 24 >= valid_from THEN ((valid_to - 1) >> 24) << 24
		WHEN ((valid_to - 1) >> 23) << 23 >= valid_from THEN ((valid_to - 1) >> 23) << 23
		WHEN ((valid_to - 1) >> 22) << 22 >= valid_from THEN ((valid_to - 1) >> 22) << 22
		WHEN ((valid_to - 1) >> 21) << 21 >= valid_from THEN ((valid_to - 1) >> 21) << 21
		WHEN ((valid_to - 1) >> 20) << 20 >= valid_from THEN ((valid_to - 1) >> 20) << 20
		WHEN ((valid_to - 1) >> 19) << 19 >= valid_from THEN ((valid_to - 1) >> 19) << 19
		WHEN ((valid_to - 1) >> 18) << 18 >= valid_from THEN ((valid_to - 1) >> 18) << 18
		WHEN ((valid_to - 1) >> 17) << 17 >= valid_from THEN ((valid_to - 1) >> 17) << 17
		WHEN ((valid_to - 1) >> 16) << 16 >= valid_from THEN ((valid_to - 1) >> 16) << 16
		WHEN ((valid_to - 1) >> 15) << 15 >= valid_from THEN ((valid_to - 1) >> 15) << 15
		WHEN ((valid_to - 1) >> 14) << 14 >= valid_from THEN ((valid_to - 1) >> 14) << 14
		WHEN ((valid_to - 1) >> 13) << 13 >= valid_from THEN ((valid_to - 1) >> 13) << 13
		WHEN ((valid_to - 1) >> 12) << 12 >= valid_from THEN ((valid_to - 1) >> 12) << 12
		WHEN ((valid_to - 1) >> 11) << 11 >= valid_from THEN ((valid_to - 1) >> 11) << 11
		WHEN ((valid_to - 1) >> 10) << 10 >= valid_from THEN ((valid_to - 1) >> 10) << 10
		WHEN ((valid_to - 1) >> 9) << 9 >= valid_from THEN ((valid_to - 1) >> 9) << 9
		WHEN ((valid_to - 1) >> 8) << 8 >= valid_from THEN ((valid_to - 1) >> 8) << 8
		WHEN ((valid_to - 1) >> 7) << 7 >= valid_from THEN ((valid_to - 1) >> 7) << 7
		WHEN ((valid_to - 1) >> 6) << 6 >= valid_from THEN ((valid_to - 1) >> 6) << 6
		WHEN ((valid_to - 1) >> 5) << 5 >= valid_from THEN ((valid_to - 1) >> 5) << 5
		WHEN ((valid_to - 1) >> 4) << 4 >= valid_from THEN ((valid_to - 1) >> 4) << 4
		WHEN ((valid_to - 1) >> 3) << 3 >= valid_from THEN ((valid_to - 1) >> 3) << 3
		WHEN ((valid_to - 1) >> 2) << 2 >= valid_from THEN ((valid_to - 1) >> 2) << 2
		WHEN ((valid_to - 1) >> 1) << 1 >= valid_from THEN ((valid_to - 1) >> 1) << 1
		WHEN ((valid_to - 1) >> 0) << 0 >= valid_from THEN ((valid_to - 1) >> 0) << 0
		ELSE valid_from END), valid_from, valid_to, ix_id, asn, brief) WHERE brief IS NOT NULL;
