package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
)

// deletePlan is what removing a snapshot at t changes in the versions of
// the kinds it covers, so that they are exactly what they would be had it
// never been published.
type deletePlan struct {
	remove  []Bound // rows to delete, by (kind, obj id, valid_from); Value unused
	setFrom []Bound // rows that start later
	setTo   []Bound // rows that end later
}

// planDelete plans the removal of the snapshot at t, whose next snapshot
// of the same source is at nextAt (Open when none). ended holds the
// versions that end at t, started those that start at t, and atNext those
// that start at nextAt, for the kinds the snapshot covers.
//
// A version that ended at t goes on to nextAt; a version that started at t
// starts at nextAt instead, or disappears if it ended there; and where the
// version going on and the one starting at nextAt have the same content
// they become one, as Publish would have written them.
func planDelete(t, nextAt int64, ended, started, atNext map[objKey]rowState) deletePlan {
	var p deletePlan
	keys := map[objKey]bool{}
	for k := range ended {
		keys[k] = true
	}
	for k := range started {
		keys[k] = true
	}
	for k := range keys {
		a, hasA := ended[k]
		b, hasB := started[k]
		// c is the version that starts at nextAt once the snapshot is
		// gone: the moved b, or the one that was there.
		c, hasC := atNext[k]
		movedB := false
		if hasB {
			if b.to > nextAt {
				c, hasC, movedB = rowState{from: nextAt, to: b.to, hash: b.hash}, true, true
			} else {
				p.remove = append(p.remove, Bound{Kind: k.kind, ObjID: k.id, ValidFrom: t})
			}
		}
		switch {
		case hasA && hasC && c.hash == a.hash:
			// a and c become one.
			from := c.from
			if movedB {
				from = t
			}
			p.remove = append(p.remove, Bound{Kind: k.kind, ObjID: k.id, ValidFrom: from})
			p.setTo = append(p.setTo, Bound{k.kind, k.id, a.from, c.to})
		case hasA:
			p.setTo = append(p.setTo, Bound{k.kind, k.id, a.from, nextAt})
			fallthrough
		default:
			if movedB {
				p.setFrom = append(p.setFrom, Bound{k.kind, k.id, t, nextAt})
			}
		}
	}
	sortBounds(p.remove)
	sortBounds(p.setFrom)
	sortBounds(p.setTo)
	return p
}

// DeleteSnapshot implements store.Store.
func (s *DB) DeleteSnapshot(ctx context.Context, source string, at time.Time) (ixp.Snapshot, error) {
	var none ixp.Snapshot
	when := at.UTC().Format(time.RFC3339)
	fail := func(what string, err error) (ixp.Snapshot, error) {
		return none, fmt.Errorf("store: delete snapshot %s at %s: %s: %w", source, when, what, err)
	}
	s.tips.dropAll() // the versions at the newest snapshots may change
	tx, err := s.beginWrite(ctx, "delete snapshot "+source)
	if err != nil {
		return fail("begin", err)
	}
	defer tx.Rollback()
	srcID, err := sourceID(ctx, tx, source, false)
	if err != nil {
		return none, err
	}
	if err := s.dialect.LockSource(ctx, tx, srcID); err != nil {
		return fail("lock", err)
	}
	t := unix(at)
	var id int64
	err = tx.QueryRowContext(ctx, `SELECT id FROM snapshots WHERE source_id = $1 AND at = $2`, srcID, t).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return none, fmt.Errorf("store: no snapshot of %s at %s (ixpobs snapshots list shows them): %w", source, when, ixp.ErrNotFound)
	}
	if err != nil {
		return fail("find", err)
	}
	snap, err := s.snapshotByID(ctx, tx, id)
	if err != nil {
		return none, err
	}
	next, err := s.neighbourSnapshot(ctx, tx, srcID, t, false)
	if err != nil {
		return fail("next snapshot", err)
	}
	nextAt := int64(Open)
	if next != nil {
		nextAt = next.at
		// The next snapshot's state must not depend on this one: it must
		// be full and cover every kind this one covers.
		var kinds string
		var delta bool
		if err := tx.QueryRowContext(ctx, `SELECT kinds, delta FROM snapshots WHERE id = $1`, next.id).Scan(&kinds, &delta); err != nil {
			return fail("next snapshot", err)
		}
		nextKinds := parseKinds(kinds)
		for _, k := range snap.Kinds {
			if delta || !slices.Contains(nextKinds, k) {
				return none, fmt.Errorf("store: delete snapshot %s at %s: the next snapshot (%s) is incremental or does not cover %s, so its state depends on this one; delete the later snapshots first: %w",
					source, when, fromUnix(next.at).Format(time.RFC3339), k, ixp.ErrConflict)
			}
		}
	}
	kinds := sortedKinds(snap.Kinds)
	ended, err := s.versionsWhere(ctx, tx, srcID, kinds, "valid_to", t)
	if err != nil {
		return fail("load versions", err)
	}
	started, err := s.versionsWhere(ctx, tx, srcID, kinds, "valid_from", t)
	if err != nil {
		return fail("load versions", err)
	}
	atNext := map[objKey]rowState{}
	if next != nil {
		if atNext, err = s.versionsWhere(ctx, tx, srcID, kinds, "valid_from", nextAt); err != nil {
			return fail("load versions", err)
		}
	}
	p := planDelete(t, nextAt, ended, started, atNext)
	if err := removeVersions(ctx, tx, srcID, p.remove); err != nil {
		return fail("delete versions", err)
	}
	if err := s.dialect.SetValidFrom(ctx, tx, srcID, p.setFrom); err != nil {
		return fail("move versions", err)
	}
	if err := s.dialect.SetValidTo(ctx, tx, srcID, p.setTo); err != nil {
		return fail("extend versions", err)
	}
	// Figures derived with the snapshot go with it (its id may be given
	// again to the next snapshot published: SQLite reuses the highest id).
	if err := dropDerived(ctx, tx, id); err != nil {
		return fail("delete derived rows", err)
	}
	for _, q := range []string{
		`DELETE FROM exchange_stats WHERE snapshot_id = $1`,
		`UPDATE runs SET snapshot_id = NULL WHERE snapshot_id = $1`,
		`DELETE FROM snapshots WHERE id = $1`,
	} {
		if _, err := tx.ExecContext(ctx, q, id); err != nil {
			return fail("delete snapshot", err)
		}
	}
	// A source whose last snapshot goes is no longer listed.
	if _, err := tx.ExecContext(ctx, `DELETE FROM sources WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM snapshots WHERE source_id = $1)
		AND NOT EXISTS (SELECT 1 FROM versions WHERE source_id = $1)`, srcID); err != nil {
		return fail("delete source", err)
	}
	// Generation must change even when the deleted snapshot was not the
	// newest: the deletion is counted.
	if _, err := tx.ExecContext(ctx, `INSERT INTO snapshot_deletions (source, at, snapshot_id, deleted) VALUES ($1, $2, $3, $4)`,
		source, t, id, unix(s.Now())); err != nil {
		return fail("record deletion", err)
	}
	if err := tx.Commit(); err != nil {
		return fail("commit", err)
	}
	s.log.Info("snapshot deleted", "source", source, "at", when, "snapshot", id,
		"removed", len(p.remove), "moved", len(p.setFrom), "extended", len(p.setTo))
	return snap, nil
}

// versionsWhere loads the versions of the kinds whose column (valid_from
// or valid_to) equals v.
func (s *DB) versionsWhere(ctx context.Context, tx *sql.Tx, srcID int64, kinds []ixp.Kind, column string, v int64) (map[objKey]rowState, error) {
	out := map[objKey]rowState{}
	for _, k := range kinds {
		rows, err := tx.QueryContext(ctx, `SELECT obj_id, valid_from, valid_to, hash FROM versions
			WHERE source_id = $1 AND kind = $2 AND `+column+` = $3`, srcID, int(k), v)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var st rowState
			if err := rows.Scan(&id, &st.from, &st.to, &st.hash); err != nil {
				rows.Close()
				return nil, err
			}
			out[objKey{k, id}] = st
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func removeVersions(ctx context.Context, tx *sql.Tx, srcID int64, rows []Bound) error {
	if len(rows) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, `DELETE FROM versions WHERE source_id = $1 AND kind = $2 AND obj_id = $3 AND valid_from = $4`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, b := range rows {
		if _, err := stmt.ExecContext(ctx, srcID, int(b.Kind), b.ObjID, b.ValidFrom); err != nil {
			return err
		}
	}
	return nil
}

var _ store.Store = (*DB)(nil)
