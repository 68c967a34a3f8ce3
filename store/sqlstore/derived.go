package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/ixpobs/ixpobs/store"
)

// PutDerived implements store.Store.
func (s *DB) PutDerived(ctx context.Context, key string, rows []store.Derived) error {
	fail := func(err error) error { return fmt.Errorf("store: put derived rows of %q: %w", key, err) }
	tx, err := s.beginWrite(ctx, "put derived rows")
	if err != nil {
		return fail(err)
	}
	defer tx.Rollback()
	if err := deleteDerivedKey(ctx, tx, key); err != nil {
		return fail(err)
	}
	if len(rows) > 0 {
		for _, id := range store.DerivedKeyIDs(key) {
			if _, err := tx.ExecContext(ctx, `INSERT INTO derived_names (snapshot_id, state_key) VALUES ($1, $2)`, id, key); err != nil {
				return fail(fmt.Errorf("name snapshot %d: %w", id, err))
			}
		}
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO derived_stats (state_key, area, stats) VALUES ($1, $2, $3)`)
	if err != nil {
		return fail(err)
	}
	defer stmt.Close()
	for _, r := range rows {
		if r.Key != "" && r.Key != key {
			return fail(fmt.Errorf("row of area %q has key %q", r.Area, r.Key))
		}
		if _, err := stmt.ExecContext(ctx, key, r.Area, string(r.Data)); err != nil {
			return fail(fmt.Errorf("area %q: %w", r.Area, err))
		}
	}
	if err := tx.Commit(); err != nil {
		return fail(err)
	}
	return nil
}

// Derived implements store.Store.
func (s *DB) Derived(ctx context.Context, key string, areas ...string) ([]store.Derived, error) {
	var where []string
	var args []any
	if key != "" {
		args = append(args, key)
		where = append(where, "state_key = $1")
	}
	if len(areas) > 0 {
		ph := make([]string, len(areas))
		for i, a := range areas {
			args = append(args, a)
			ph[i] = "$" + strconv.Itoa(len(args))
		}
		where = append(where, "area IN ("+strings.Join(ph, ", ")+")")
	}
	q := `SELECT state_key, area, stats FROM derived_stats`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY state_key, area`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: derived rows: %w", err)
	}
	defer rows.Close()
	var out []store.Derived
	for rows.Next() {
		var d store.Derived
		var data string
		if err := rows.Scan(&d.Key, &d.Area, &data); err != nil {
			return nil, fmt.Errorf("store: derived rows: %w", err)
		}
		d.Data = []byte(data)
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: derived rows: %w", err)
	}
	return out, nil
}

// dropDerived deletes the derived rows whose state key names snapshot id
// (store.DerivedKeyIDs, listed in derived_names): they were computed with
// a snapshot that is gone, or whose state another snapshot changed.
func dropDerived(ctx context.Context, tx *sql.Tx, id int64) error {
	rows, err := tx.QueryContext(ctx, `SELECT state_key FROM derived_names WHERE snapshot_id = $1`, id)
	if err != nil {
		return err
	}
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			rows.Close()
			return err
		}
		keys = append(keys, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, k := range keys {
		if err := deleteDerivedKey(ctx, tx, k); err != nil {
			return err
		}
	}
	return nil
}

// deleteDerivedKey deletes the rows of one state key and its names.
func deleteDerivedKey(ctx context.Context, tx *sql.Tx, key string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM derived_stats WHERE state_key = $1`, key); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM derived_names WHERE state_key = $1`, key)
	return err
}
