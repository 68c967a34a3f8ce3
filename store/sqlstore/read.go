package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
)

const snapshotColumns = `s.id, src.name, s.at, s.kinds, s.delta, s.counts, s.origin, s.notes, s.created`

// Snapshots implements store.Store.
func (s *DB) Snapshots(ctx context.Context, source string) ([]ixp.Snapshot, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+snapshotColumns+` FROM snapshots s JOIN sources src ON src.id = s.source_id
		WHERE src.name = $1 ORDER BY s.at`, source)
	if err != nil {
		return nil, fmt.Errorf("store: snapshots of %s: %w", source, err)
	}
	defer rows.Close()
	var out []ixp.Snapshot
	for rows.Next() {
		sn, err := scanSnapshot(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, sn)
	}
	return out, rows.Err()
}

// SnapshotAt implements store.Store.
func (s *DB) SnapshotAt(ctx context.Context, source string, at time.Time) (ixp.Snapshot, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+snapshotColumns+` FROM snapshots s JOIN sources src ON src.id = s.source_id
		WHERE src.name = $1 AND s.at <= $2 ORDER BY s.at DESC LIMIT 1`, source, queryAt(at))
	sn, err := scanSnapshot(row)
	if errors.Is(err, ixp.ErrNotFound) {
		when := "yet"
		if !at.IsZero() {
			when = "at or before " + at.UTC().Format(time.DateOnly)
		}
		return sn, fmt.Errorf("store: no snapshot of %s %s: %w", source, when, ixp.ErrNotFound)
	}
	return sn, err
}

// Generation implements store.Store.
func (s *DB) Generation(ctx context.Context) (int64, error) {
	// Deletions count above the highest id (ids stay below 2^40), so
	// that deleting the newest snapshot does not give back an earlier
	// generation.
	var g sql.NullInt64
	var deletions int64
	if err := s.db.QueryRowContext(ctx, `SELECT (SELECT MAX(id) FROM snapshots), (SELECT COUNT(*) FROM snapshot_deletions)`).Scan(&g, &deletions); err != nil {
		return 0, fmt.Errorf("store: generation: %w", err)
	}
	return deletions<<40 + g.Int64, nil
}

// Sources implements store.Store.
func (s *DB) Sources(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name FROM sources ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("store: sources: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

func filterSQL(q store.Filter, args []any) (string, []any) {
	var b strings.Builder
	if q.ID != 0 {
		args = append(args, q.ID)
		fmt.Fprintf(&b, " AND v.obj_id = $%d", len(args))
	}
	if q.IXID != 0 {
		args = append(args, q.IXID)
		fmt.Fprintf(&b, " AND v.ix_id = $%d", len(args))
	}
	if q.ASN != 0 {
		args = append(args, int64(q.ASN))
		fmt.Fprintf(&b, " AND v.asn = $%d", len(args))
	}
	if len(q.ASNs) > 0 {
		b.WriteString(" AND v.asn IN (")
		for i, asn := range q.ASNs {
			if i > 0 {
				b.WriteByte(',')
			}
			args = append(args, int64(asn))
			fmt.Fprintf(&b, "$%d", len(args))
		}
		b.WriteByte(')')
	}
	return b.String(), args
}

// filterIndex names the index of a filter by a list of ASNs on SQLite:
// without statistics SQLite reads every version of the kind through the
// primary key (it gives the ORDER BY) rather than seek each ASN.
func (s *DB) filterIndex(q store.Filter) string {
	if len(q.ASNs) > 0 && q.ID == 0 && q.IXID == 0 && s.dialect.Name() == "sqlite" {
		return " INDEXED BY versions_by_asn"
	}
	return ""
}

// checkFilter refuses a filter longer than a store takes.
func checkFilter(q store.Filter) error {
	if len(q.ASNs) > store.MaxFilterASNs {
		return fmt.Errorf("a filter of %d ASNs, more than %d: %w", len(q.ASNs), store.MaxFilterASNs, ixp.ErrInvalid)
	}
	return nil
}

// Objects implements store.Store.
func (s *DB) Objects(ctx context.Context, source string, kind ixp.Kind, at time.Time, q store.Filter) ([]ixp.Record, error) {
	if err := checkFilter(q); err != nil {
		return nil, fmt.Errorf("store: %s objects of %s: %w", kind, source, err)
	}
	t := queryAt(at)
	args := []any{source, int(kind), t}
	var rows *sql.Rows
	var err error
	if q.IsZero() {
		// Every object of the kind: through the interval tree of
		// migration 0007, so that the rows read are the versions alive
		// at t (plus one index seek per node), not every version. The
		// rows are sorted here rather than by the query: SQLite's sorter
		// would copy every row's data once more (a tenth of a 60,000-row
		// read).
		query := s.aliveAtSQL("v.obj_id, v.ix_id, v.asn, v.data", bySource, "", false)
		rows, err = s.db.QueryContext(ctx, query, append(args, nodesAt(t)...)...)
	} else {
		// One object, exchange or network: the primary key and the
		// by_ix and by_asn indexes bound it by that object's versions.
		var where string
		where, args = filterSQL(q, args)
		rows, err = s.db.QueryContext(ctx, `SELECT v.obj_id, v.ix_id, v.asn, v.data FROM versions v`+s.filterIndex(q)+` JOIN sources src ON src.id = v.source_id
		WHERE src.name = $1 AND v.kind = $2 AND v.valid_from <= $3 AND v.valid_to > $3`+where+` ORDER BY v.obj_id`, args...)
	}
	if err != nil {
		return nil, fmt.Errorf("store: %s objects of %s: %w", kind, source, err)
	}
	defer rows.Close()
	var out []ixp.Record
	for rows.Next() {
		r := ixp.Record{Kind: kind}
		var asn int64
		if err := rows.Scan(&r.ID, &r.IXID, &asn, &r.Data); err != nil {
			return nil, fmt.Errorf("store: %s objects of %s: %w", kind, source, err)
		}
		r.ASN = ixp.ASN(asn)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: %s objects of %s: %w", kind, source, err)
	}
	if q.IsZero() {
		slices.SortFunc(out, func(a, b ixp.Record) int { return cmp.Compare(a.ID, b.ID) })
	}
	return out, nil
}

// Versions implements store.Store.
func (s *DB) Versions(ctx context.Context, source string, kind ixp.Kind, from, to time.Time, q store.Filter) ([]store.Version, error) {
	if err := checkFilter(q); err != nil {
		return nil, fmt.Errorf("store: %s versions of %s: %w", kind, source, err)
	}
	toBound := int64(Open)
	if !to.IsZero() {
		toBound = unix(to)
	}
	args := []any{source, int(kind), unix(from), toBound}
	where, args := filterSQL(q, args)
	rows, err := s.db.QueryContext(ctx, `SELECT v.obj_id, v.ix_id, v.asn, v.data, v.valid_from, v.valid_to FROM versions v`+s.filterIndex(q)+` JOIN sources src ON src.id = v.source_id
		WHERE src.name = $1 AND v.kind = $2 AND v.valid_to > $3 AND v.valid_from < $4`+where+` ORDER BY v.obj_id, v.valid_from`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: %s versions of %s: %w", kind, source, err)
	}
	defer rows.Close()
	var out []store.Version
	for rows.Next() {
		v := store.Version{Record: ixp.Record{Kind: kind}}
		var asn, vf, vt int64
		if err := rows.Scan(&v.ID, &v.IXID, &asn, &v.Data, &vf, &vt); err != nil {
			return nil, fmt.Errorf("store: %s versions of %s: %w", kind, source, err)
		}
		v.ASN = ixp.ASN(asn)
		v.From, v.To = fromUnix(vf), fromUnix(vt)
		out = append(out, v)
	}
	return out, rows.Err()
}

const statsColumns = `st.ix_id, st.members, st.connections, st.capacity, st.ipv6_members, st.rs_members, st.rs_unknown`

func scanStats(r scanner, extra ...any) (ixp.ExchangeStats, error) {
	var st ixp.ExchangeStats
	dest := append(extra, &st.IXID, &st.Members, &st.Connections, &st.CapacityMbps, &st.IPv6Members, &st.RSMembers, &st.RSUnknown)
	err := r.Scan(dest...)
	return st, err
}

// ExchangeStats implements store.Store.
func (s *DB) ExchangeStats(ctx context.Context, snapshotID int64, ixID int64) ([]ixp.ExchangeStats, error) {
	q := `SELECT ` + statsColumns + ` FROM exchange_stats st WHERE st.snapshot_id = $1`
	args := []any{snapshotID}
	if ixID != 0 {
		q += ` AND st.ix_id = $2`
		args = append(args, ixID)
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY st.ix_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: exchange indicators: %w", err)
	}
	defer rows.Close()
	var out []ixp.ExchangeStats
	for rows.Next() {
		st, err := scanStats(rows)
		if err != nil {
			return nil, fmt.Errorf("store: exchange indicators: %w", err)
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// historyQuery is the query of history and its arguments: one
// exchange's rows through the covering index exchange_stats_history
// (migration 0010), every exchange's through the primary key. SQLite,
// without statistics, would go through the snapshots and seek each one's
// row by primary key: it is told the index.
func (s *DB) historyQuery(source string, ixID int64) (string, []any) {
	index := ""
	if ixID != 0 && s.dialect.Name() == "sqlite" {
		index = " INDEXED BY exchange_stats_history"
	}
	q := `SELECT s.id, s.at, ` + statsColumns + ` FROM exchange_stats st` + index + ` JOIN snapshots s ON s.id = st.snapshot_id
		JOIN sources src ON src.id = s.source_id WHERE src.name = $1`
	args := []any{source}
	if ixID != 0 {
		q += ` AND st.ix_id = $2`
		args = append(args, ixID)
	}
	return q + ` ORDER BY s.at, st.ix_id`, args
}

// HistoryPlan returns the database's plan of ExchangeHistory's query (see
// explain).
func (s *DB) HistoryPlan(ctx context.Context, source string, ixID int64) ([]string, error) {
	query, args := s.historyQuery(source, ixID)
	return s.explain(ctx, query, args)
}

func (s *DB) history(ctx context.Context, source string, ixID int64) ([]store.StatsPoint, error) {
	query, args := s.historyQuery(source, ixID)
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: exchange history: %w", err)
	}
	defer rows.Close()
	var out []store.StatsPoint
	for rows.Next() {
		var p store.StatsPoint
		var at int64
		st, err := scanStats(rows, &p.SnapshotID, &at)
		if err != nil {
			return nil, fmt.Errorf("store: exchange history: %w", err)
		}
		p.At = fromUnix(at)
		p.ExchangeStats = st
		out = append(out, p)
	}
	return out, rows.Err()
}

// ExchangeHistory implements store.Store.
func (s *DB) ExchangeHistory(ctx context.Context, source string, ixID int64) ([]store.StatsPoint, error) {
	if ixID == 0 {
		return nil, fmt.Errorf("store: exchange history: no exchange id: %w", ixp.ErrInvalid)
	}
	return s.history(ctx, source, ixID)
}

// AllExchangeHistory implements store.Store.
func (s *DB) AllExchangeHistory(ctx context.Context, source string) ([]store.StatsPoint, error) {
	return s.history(ctx, source, 0)
}

// RecordRun implements store.Store.
// An error message can quote the input it failed on, so the run's text
// goes through the text rule (ixp.CleanText) like any published string.
func (s *DB) RecordRun(ctx context.Context, r store.Run) error {
	r = cleanRun(r)
	var snap any
	if r.SnapshotID != 0 {
		snap = r.SnapshotID
	}
	err := s.write(ctx, "record run of "+r.Source, func() error {
		_, err := s.db.ExecContext(ctx, `INSERT INTO runs (source, started, finished, ok, error_kind, error, snapshot_id, detail)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			r.Source, r.Started.UTC().UnixMilli(), r.Finished.UTC().UnixMilli(), r.OK, r.ErrorKind, r.Error, snap, r.Detail)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: record run of %s: %w", r.Source, err)
	}
	return nil
}

// cleanRun applies the text rule to the strings of a run.
func cleanRun(r store.Run) store.Run {
	for _, f := range []*string{&r.Source, &r.ErrorKind, &r.Error, &r.Detail} {
		*f, _ = ixp.CleanText(*f)
	}
	return r
}

// Runs implements store.Store.
func (s *DB) Runs(ctx context.Context, source string, limit int) ([]store.Run, error) {
	if limit <= 0 {
		limit = 100
	}
	q := `SELECT source, started, finished, ok, error_kind, error, snapshot_id, detail FROM runs`
	args := []any{}
	if source != "" {
		q += ` WHERE source = $1`
		args = append(args, source)
	}
	args = append(args, limit)
	rows, err := s.db.QueryContext(ctx, q+fmt.Sprintf(` ORDER BY started DESC, id DESC LIMIT $%d`, len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("store: runs: %w", err)
	}
	defer rows.Close()
	var out []store.Run
	for rows.Next() {
		var r store.Run
		var started, finished int64
		var snap sql.NullInt64
		if err := rows.Scan(&r.Source, &started, &finished, &r.OK, &r.ErrorKind, &r.Error, &snap, &r.Detail); err != nil {
			return nil, fmt.Errorf("store: runs: %w", err)
		}
		r.Started, r.Finished = time.UnixMilli(started).UTC(), time.UnixMilli(finished).UTC()
		r.SnapshotID = snap.Int64
		out = append(out, r)
	}
	return out, rows.Err()
}

// RunSummaries implements store.Store.
func (s *DB) RunSummaries(ctx context.Context) ([]store.RunSummary, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT r.source, r.started, r.finished, r.ok, r.error_kind, r.error, r.snapshot_id, r.detail, x.last_success
		FROM runs r JOIN (SELECT source, MAX(id) AS last_id, MAX(CASE WHEN ok THEN finished ELSE NULL END) AS last_success
			FROM runs GROUP BY source) x ON r.id = x.last_id
		ORDER BY r.source`)
	if err != nil {
		return nil, fmt.Errorf("store: run summaries: %w", err)
	}
	defer rows.Close()
	var out []store.RunSummary
	for rows.Next() {
		var sum store.RunSummary
		r := &sum.Last
		var started, finished int64
		var snap, last sql.NullInt64
		if err := rows.Scan(&r.Source, &started, &finished, &r.OK, &r.ErrorKind, &r.Error, &snap, &r.Detail, &last); err != nil {
			return nil, fmt.Errorf("store: run summaries: %w", err)
		}
		r.Started, r.Finished = time.UnixMilli(started).UTC(), time.UnixMilli(finished).UTC()
		r.SnapshotID = snap.Int64
		if last.Valid {
			sum.LastSuccess = time.UnixMilli(last.Int64).UTC()
		}
		out = append(out, sum)
	}
	return out, rows.Err()
}

// PutStatus implements store.Store.
// Key and value go through the text rule (ixp.CleanText): a live
// session's status quotes what a peer sent.
func (s *DB) PutStatus(ctx context.Context, key string, value []byte) error {
	key, _ = ixp.CleanText(key)
	v, _ := ixp.CleanText(string(value))
	value = []byte(v)
	err := s.write(ctx, "put status "+key, func() error {
		_, err := s.db.ExecContext(ctx, `INSERT INTO status (key, value, updated) VALUES ($1, $2, $3)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated = excluded.updated`, key, string(value), s.Now().UTC().UnixMilli())
		return err
	})
	if err != nil {
		return fmt.Errorf("store: put status %s: %w", key, err)
	}
	return nil
}

// Statuses implements store.Store.
func (s *DB) Statuses(ctx context.Context, prefix string) ([]store.Status, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT key, value, updated FROM status WHERE substr(key, 1, $1) = $2 ORDER BY key`, len(prefix), prefix)
	if err != nil {
		return nil, fmt.Errorf("store: statuses: %w", err)
	}
	defer rows.Close()
	var out []store.Status
	for rows.Next() {
		var st store.Status
		var value string
		var updated int64
		if err := rows.Scan(&st.Key, &value, &updated); err != nil {
			return nil, fmt.Errorf("store: statuses: %w", err)
		}
		st.Value, st.Updated = []byte(value), time.UnixMilli(updated).UTC()
		out = append(out, st)
	}
	return out, rows.Err()
}

var _ store.Store = (*DB)(nil)

// nodeLevels is the number of levels of the interval tree below the top
// one (migration 0007: k = 0..61, then the multiples of 2^62).
const nodeLevels = 62

// aliveAtSQL is a query of the versions of kind $2 of one source ($1)
// alive at $3, through the interval tree of migration 0007: $4.. are the
// nodes at or below $3 (every version there started by $3: a range on
// valid_to), then as many nodes above $3 (every version there ends after
// $3: a range on valid_from); nodesAt gives them. Both bounds are tested
// anyway, so a node list that missed nothing but read more would cost
// time, never a wrong answer. cols are the selected columns of versions
// v, source the join and WHERE clause that pick the source by $1, orderBy
// an ORDER BY clause or "". The rows read are the versions alive at $3
// plus one index seek per node, not every version of the kind. brief
// reads through the covering indexes of migration 0009 instead (the rows
// with a brief; cols must then be among their columns).
func (s *DB) aliveAtSQL(cols, source, orderBy string, brief bool) string {
	to, from, node := "", "", "v.node"
	if s.dialect.Name() == "sqlite" {
		// Without statistics SQLite prefers the primary key's
		// (source_id, kind) range to 66 seeks, and computes node for
		// every version.
		to, from = " INDEXED BY versions_node_to", " INDEXED BY versions_node_from"
		if brief {
			to, from = " INDEXED BY versions_brief_to", " INDEXED BY versions_brief_from"
			// The brief indexes index node's expression: naming it
			// reads node from the index (see migration 0009).
			node = "(" + NodeExpr + ")"
		}
	}
	if brief {
		source += " AND v.brief IS NOT NULL"
	}
	n := nodeLevels + 4
	list := func(first int) string {
		var b strings.Builder
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "$%d", first+i)
		}
		return b.String()
	}
	arm := func(index string) string {
		return `SELECT ` + cols + ` FROM versions v` + index + source + ` AND v.kind = $2 AND `
	}
	return arm(to) + node + ` IN (` + list(4) + `) AND v.valid_to > $3 AND v.valid_from <= $3
		UNION ALL ` + arm(from) + node + ` IN (` + list(4+n) + `) AND v.valid_from <= $3 AND v.valid_to > $3` + orderBy
}

// NodeExpr is the expression of the node column of migration 0007 (the
// SQLite text, unqualified column names), k = 62 down to 0.
var NodeExpr = func() string {
	var b strings.Builder
	b.WriteString("CASE")
	for k := nodeLevels; k >= 0; k-- {
		fmt.Fprintf(&b, "\n\t\tWHEN ((valid_to - 1) >> %d) << %d >= valid_from THEN ((valid_to - 1) >> %d) << %d", k, k, k, k)
	}
	b.WriteString("\n\t\tELSE valid_from END")
	return b.String()
}()

// nodesAt returns the nodes of the interval tree (migration 0007) on t's
// path: for each level k < 62 the multiple of 2^k at or below t and the
// next one, and the multiples of 2^62 at or below t and above it, padded
// with repeats to a fixed count (one statement text for every t). A
// version [from, to) with from <= t < to sits at node p, the multiple of
// 2^k in [from, to-1] with the largest k (at most 62): p is the multiple
// of 2^k at or below t or the next one (two consecutive multiples of 2^k
// in the interval would put it at level k+1), and at level 62 one of the
// four multiples of 2^62 in int64.
func nodesAt(t int64) []any {
	n := nodeLevels + 4
	low, high := make([]any, 0, n), make([]any, 0, n)
	for k := range nodeLevels {
		q := t >> k << k
		low = append(low, q)
		if q <= math.MaxInt64-(1<<k) { // else no next multiple in int64
			high = append(high, q+1<<k)
		}
	}
	for _, p := range []int64{math.MinInt64, -1 << 62, 0, 1 << 62} {
		if p <= t {
			low = append(low, p)
		} else {
			high = append(high, p)
		}
	}
	for len(low) < n {
		low = append(low, low[0])
	}
	pad := low[0] // t = MaxInt64: nothing is alive, both arms are empty
	if len(high) > 0 {
		pad = high[0]
	}
	for len(high) < n {
		high = append(high, pad)
	}
	return append(low, high...)
}
