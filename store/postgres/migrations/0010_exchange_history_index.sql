-- An exchange's history (ExchangeHistory: its indicators at each of up to
-- 5,800 snapshots) read from one index range (issue 23).
--
-- The rows of one exchange lie one per snapshot across the whole table:
-- through exchange_stats_by_ix a history visited the heap once per
-- snapshot. This index includes every column the history reads, so once
-- VACUUM has marked the pages all-visible the read is an index-only scan.
-- It replaces exchange_stats_by_ix, whose columns are its keys.
DROP INDEX exchange_stats_by_ix;
CREATE INDEX exchange_stats_history ON exchange_stats (ix_id, snapshot_id) INCLUDE (members, connections, capacity, ipv6_members, rs_members, rs_unknown);
