-- An exchange's history (ExchangeHistory: its indicators at each of up to
-- 5,800 snapshots) read from one index range (issue 23).
--
-- exchange_stats is clustered by (snapshot_id, ix_id), so the rows of one
-- exchange lie one per snapshot across the whole table: through
-- exchange_stats_by_ix, as through the primary key, a history cost a
-- B-tree seek per snapshot (15 ms for 4,645 points in the sqlite3 shell,
-- about 50 ms through the Go driver, on a generated store). This index
-- holds every column the history reads, after (ix_id, snapshot_id), so the
-- read is one range of it (1 ms in the shell). The query names it
-- (INDEXED BY): without statistics SQLite goes through the snapshots and
-- seeks each one's row by primary key. TestHistoryReadsOneIndex checks
-- the plan. It replaces exchange_stats_by_ix, whose columns are its
-- first two.
DROP INDEX exchange_stats_by_ix;
CREATE INDEX exchange_stats_history ON exchange_stats (ix_id, snapshot_id, members, connections, capacity, ipv6_members, rs_members, rs_unknown);
