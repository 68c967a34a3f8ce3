-- Objects at a date read through an index whose cost depends on the
-- versions alive at that date, not on every version stored (issue 23).
--
-- node is the point of an interval tree over the integers: of the points
-- of a version's validity [valid_from, valid_to), the one with the most
-- trailing zero bits (the largest multiple of 2^k in it, for the largest
-- k up to 62). Every version alive at t then sits at one of the nodes on
-- t's path (for each k, the multiple of 2^k at or below t, or the next
-- one): at a node p <= t every version started by t, so the versions
-- alive at t are those with valid_to > t (versions_node_to); at a node
-- p > t every version ends after t, so they are those with valid_from <= t
-- (versions_node_from). store/sqlstore (Objects, nodesAt) reads the 2 x 66
-- nodes in two range scans each and still tests both bounds.
-- The expression is generated (k = 62 down to 0); an open version
-- (valid_to = 2^63-1) sits at node 2^62.
ALTER TABLE versions ADD COLUMN node INTEGER GENERATED ALWAYS AS (CASE
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
		ELSE valid_from END) VIRTUAL;

CREATE INDEX versions_node_to ON versions (source_id, kind, node, valid_to);
CREATE INDEX versions_node_from ON versions (source_id, kind, node, valid_from);
