package sqlstore

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ixpobs/ixpobs/ixp"
)

// noBrief is the brief column of a version of a kind with briefs whose
// object has none (ixp.Brief's ok is false): its readers read the data.
var noBrief = []byte("null")

// BriefValue is the brief column of a version row (migration 0009): nil
// (NULL) for a kind without briefs, otherwise the object's brief or, when
// it has none, JSON null.
func BriefValue(kind ixp.Kind, data []byte) []byte {
	if !ixp.HasBrief(kind) {
		return nil
	}
	if b, ok := ixp.Brief(kind, data); ok {
		return b
	}
	return noBrief
}

const bySource = " JOIN sources src ON src.id = v.source_id WHERE src.name = $1"

// briefsQuery is the query of Briefs and its arguments.
func (s *DB) briefsQuery(source string, kind ixp.Kind, at time.Time) (string, []any) {
	t := queryAt(at)
	return s.aliveAtSQL("v.obj_id, v.valid_from, v.ix_id, v.asn, v.brief", bySource, "", true),
		append([]any{source, int(kind), t}, nodesAt(t)...)
}

// BriefsPlan returns the database's plan of the query of Briefs (see
// explain).
func (s *DB) BriefsPlan(ctx context.Context, source string, kind ixp.Kind, at time.Time) ([]string, error) {
	query, args := s.briefsQuery(source, kind, at)
	return s.explain(ctx, query, args)
}

// explain returns the database's plan of a query, one line per row of
// EXPLAIN QUERY PLAN (SQLite) or of EXPLAIN (ANALYZE, BUFFERS)
// (PostgreSQL, which runs the query: its heap fetches say whether the
// scans were index-only).
func (s *DB) explain(ctx context.Context, query string, args []any) ([]string, error) {
	explain := "EXPLAIN (ANALYZE, BUFFERS) "
	if s.dialect.Name() == "sqlite" {
		explain = "EXPLAIN QUERY PLAN "
	}
	rows, err := s.db.QueryContext(ctx, explain+query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		out = append(out, fmt.Sprint(vals[len(vals)-1])) // the plan text is the last column
	}
	return out, rows.Err()
}

// Briefs implements store.Store: the versions alive at a time, read
// through the covering indexes of migration 0009, then the data of the
// few objects without a brief.
func (s *DB) Briefs(ctx context.Context, source string, kind ixp.Kind, at time.Time) ([]ixp.Record, error) {
	fail := func(err error) error { return fmt.Errorf("store: %s briefs of %s: %w", kind, source, err) }
	if !ixp.HasBrief(kind) {
		return nil, fail(fmt.Errorf("the kind has no brief fields: %w", ixp.ErrInvalid))
	}
	query, args := s.briefsQuery(source, kind, at)
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fail(err)
	}
	defer rows.Close()
	var out []ixp.Record
	var without []int // indexes in out of the objects without a brief
	var from []int64  // their valid_from
	for rows.Next() {
		r := ixp.Record{Kind: kind}
		var asn, validFrom int64
		if err := rows.Scan(&r.ID, &validFrom, &r.IXID, &asn, &r.Data); err != nil {
			return nil, fail(err)
		}
		r.ASN = ixp.ASN(asn)
		if bytes.Equal(r.Data, noBrief) {
			without = append(without, len(out))
			from = append(from, validFrom)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fail(err)
	}
	rows.Close()
	for i, at := range without {
		r := &out[at]
		err := s.db.QueryRowContext(ctx, `SELECT v.data FROM versions v`+bySource+` AND v.kind = $2 AND v.obj_id = $3 AND v.valid_from = $4`,
			source, int(kind), r.ID, from[i]).Scan(&r.Data)
		if err != nil {
			return nil, fail(fmt.Errorf("data of object %d: %w", r.ID, err))
		}
	}
	slices.SortFunc(out, func(a, b ixp.Record) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// fillBriefsBatch is the number of rows FillBriefs reads at a time.
const fillBriefsBatch = 2000

// FillBriefs writes the brief column of every stored version of a kind
// with briefs (migration 0009, in its transaction; a later change of
// ixp.BriefFields needs a migration that runs it again).
func FillBriefs(ctx context.Context, tx *sql.Tx) error {
	_, err := fillBriefs(ctx, tx)
	return err
}

// BriefKindsSQL lists the kinds with briefs as SQL integers ("7, 9").
func BriefKindsSQL() string {
	var kinds []string
	for _, k := range slices.Sorted(maps.Keys(ixp.BriefFields)) {
		kinds = append(kinds, strconv.Itoa(int(k)))
	}
	return strings.Join(kinds, ", ")
}

// fillBriefs is FillBriefs; it returns the rows written.
func fillBriefs(ctx context.Context, tx *sql.Tx) (int, error) {
	var kinds []any
	for k := range ixp.BriefFields {
		kinds = append(kinds, int(k))
	}
	if len(kinds) != 2 {
		return 0, fmt.Errorf("fill briefs: the query below names 2 kinds, ixp.BriefFields has %d", len(kinds))
	}
	update, err := tx.PrepareContext(ctx, `UPDATE versions SET brief = $1 WHERE source_id = $2 AND kind = $3 AND obj_id = $4 AND valid_from = $5`)
	if err != nil {
		return 0, fmt.Errorf("fill briefs: %w", err)
	}
	defer update.Close()
	type key struct{ source, kind, obj, from int64 }
	type row struct {
		key
		data []byte
	}
	var last key
	last.source = -1 << 63
	written := 0
	for {
		rows, err := tx.QueryContext(ctx, `SELECT source_id, kind, obj_id, valid_from, data FROM versions
			WHERE kind IN ($1, $2) AND (source_id, kind, obj_id, valid_from) > ($3, $4, $5, $6)
			ORDER BY source_id, kind, obj_id, valid_from LIMIT `+fmt.Sprint(fillBriefsBatch),
			append(kinds, last.source, last.kind, last.obj, last.from)...)
		if err != nil {
			return written, fmt.Errorf("fill briefs: %w", err)
		}
		var batch []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.source, &r.kind, &r.obj, &r.from, &r.data); err != nil {
				rows.Close()
				return written, fmt.Errorf("fill briefs: %w", err)
			}
			batch = append(batch, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return written, fmt.Errorf("fill briefs: %w", err)
		}
		for _, r := range batch {
			if _, err := update.ExecContext(ctx, BriefValue(ixp.Kind(r.kind), r.data), r.source, r.kind, r.obj, r.from); err != nil {
				return written, fmt.Errorf("fill briefs: %s %d from %d: %w", ixp.Kind(r.kind), r.obj, r.from, err)
			}
			written++
		}
		if len(batch) < fillBriefsBatch {
			return written, nil
		}
		last = batch[len(batch)-1].key
	}
}
