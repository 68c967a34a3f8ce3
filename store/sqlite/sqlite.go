// Package sqlite is the embedded store backend of ixpobs: one SQLite file,
// pure Go (modernc.org/sqlite), no server. It opens the file, applies the
// embedded migrations and hands the SQL to store/sqlstore.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"strings"
	"time"

	sqlitedrv "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Open opens (creating if needed) the SQLite database at path, or an
// in-memory database for ":memory:", and migrates it.
//
// A write that finds another process's write under way (an import, the
// collection of `serve`) waits for it (sqlstore.WaitForWriter), saying so
// in the log, rather than failing with SQLITE_BUSY.
func Open(ctx context.Context, path string, log *slog.Logger) (*sqlstore.DB, error) {
	return open(ctx, path, log, busyWait)
}

func open(ctx context.Context, path string, log *slog.Logger, busy time.Duration) (*sqlstore.DB, error) {
	dsn := dsnFor(path, busy)
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if path == ":memory:" {
		// Every connection of an in-memory database is a new database.
		db.SetMaxOpenConns(1)
	} else {
		// Every open connection stays open: database/sql keeps only two
		// idle by default and closes the others as they are released,
		// and closing a SQLite connection frees its page cache (one
		// madvise per page, 0.6 s of CPU in a profile of three IXP pages
		// read four queries at a time on a 3,300-day store), which the
		// next connection reads again.
		db.SetMaxOpenConns(8)
		db.SetMaxIdleConns(8)
	}
	if err := connect(ctx, db, busy); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: %s: %w", path, err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := dialect{log: log}
	if err := d.Migrate(ctx, db, mustSub(migrations, "migrations")); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: %s: %w", path, err)
	}
	return sqlstore.New(db, d, log), nil
}

// busyWait is how long Open and the statements of a connection wait for a
// lock another connection holds (busy_timeout, in milliseconds) before
// SQLite answers SQLITE_BUSY; a write then waits again
// (sqlstore.WaitForWriter), a read fails.
const busyWait = 15 * time.Second

// connect makes the first connection. Switching a new file to WAL needs
// the file to itself, and SQLite answers SQLITE_BUSY at once, without
// waiting out busy_timeout, to a connection that asks while another
// process or connection does the same (two processes opening a new store
// together): it is retried for busyWait.
func connect(ctx context.Context, db *sql.DB, busy time.Duration) error {
	deadline := time.Now().Add(busy)
	for {
		err := db.PingContext(ctx)
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// isBusy reports whether err is SQLite's SQLITE_BUSY (code 5, extended
// codes included).
func isBusy(err error) bool {
	var se *sqlitedrv.Error
	return errors.As(err, &se) && se.Code()&0xff == 5
}

func dsnFor(path string, busy time.Duration) string {
	pragmas := url.Values{}
	pragmas.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busy.Milliseconds()))
	// page_size only takes effect while the file is new: before anything
	// writes page 1, which switching to WAL does. The driver runs the
	// _pragma list sorted by name, so WAL goes through its own key, which
	// runs after the list. (16 KiB pages: BGP snapshot rows are blobs of
	// tens of kilobytes, and fewer overflow pages make a 5-million-route
	// import's store write 20% faster than with 4 KiB.)
	//
	// mmap_size: reads map the file (up to 4 GiB) instead of copying each
	// page into the reading connection's own cache, so a connection that
	// has not read a page yet (after a start, the seven others of the
	// pool) finds it in the kernel's page cache. The first IXP page of a
	// date after a start took 0.21-0.28 s with it, 0.33-0.60 s without,
	// on a 3,300-day generated store. Writes still go through write().
	for _, p := range []string{"page_size(16384)", "foreign_keys(1)", "cache_size(-65536)", "mmap_size(4294967296)"} {
		pragmas.Add("_pragma", p)
	}
	pragmas.Set("_journal_mode", "WAL")
	pragmas.Set("_synchronous", "NORMAL")
	pragmas.Set("_txlock", "immediate")
	if path == ":memory:" {
		return "file::memory:?" + pragmas.Encode()
	}
	path = strings.TrimPrefix(path, "sqlite://")
	path = strings.TrimPrefix(path, "file:")
	return "file:" + path + "?" + pragmas.Encode()
}

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return sub
}

type dialect struct{ log *slog.Logger }

func (dialect) Name() string { return "sqlite" }

// Busy reports SQLITE_BUSY: another connection held the writer lock for
// all of busy_timeout.
func (dialect) Busy(err error) bool { return isBusy(err) }

// LockSource is a no-op: transactions begin IMMEDIATE, so SQLite already
// serialises every writer.
func (dialect) LockSource(context.Context, *sql.Tx, int64) error { return nil }

// Migrate applies the migrations; each runs in a transaction begun
// IMMEDIATE, so a second process waits (busy_timeout, then again through
// sqlstore.WaitForWriter) for the first one's writer lock — a migration or
// an import under way — and then finds the migration recorded.
func (d dialect) Migrate(ctx context.Context, db *sql.DB, fsys fs.FS) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	start := time.Now()
	var applied int
	err = sqlstore.WaitForWriter(ctx, d.log, isBusy, "migrate", func() error {
		var err error
		applied, err = sqlstore.ApplyMigrations(ctx, conn, fsys, map[int]sqlstore.MigrationStep{
			9: briefIndexes, // 0009_versions_brief.sql
		})
		return err
	})
	if err == nil {
		d.log.Info("schema migrated", "backend", "sqlite", "applied", applied, "took", time.Since(start).Round(time.Millisecond))
	}
	return err
}

// briefIndexes is the Go part of migration 0009: it fills the briefs of
// the stored versions, then creates the covering indexes Briefs reads
// (the interval-tree indexes of 0007 with every column Briefs returns).
// They index node's expression, sqlstore.NodeExpr, not the node column:
// SQLite reads an indexed expression from the index, but a query naming
// a generated column (virtual or stored) visits the table for it
// (EXPLAIN QUERY PLAN says USING INDEX, not USING COVERING INDEX), a
// primary-key lookup per object. The queries name the same expression.
// A trigger then refuses a version of a kind with briefs written without
// one: by an ixpobs from before 0009 still writing to the migrated store,
// whose objects Briefs would not see.
func briefIndexes(ctx context.Context, tx *sql.Tx) error {
	if err := sqlstore.FillBriefs(ctx, tx); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `CREATE TRIGGER versions_brief_required BEFORE INSERT ON versions
		WHEN NEW.brief IS NULL AND NEW.kind IN (`+sqlstore.BriefKindsSQL()+`)
		BEGIN SELECT RAISE(ABORT, 'a version without its brief: this store was migrated by a newer ixpobs (0009), upgrade this one'); END`)
	if err != nil {
		return fmt.Errorf("create trigger: %w", err)
	}
	for _, ix := range []struct{ name, bounds string }{
		{"versions_brief_to", "valid_to, valid_from"},
		{"versions_brief_from", "valid_from, valid_to"},
	} {
		_, err := tx.ExecContext(ctx, `CREATE INDEX `+ix.name+` ON versions (source_id, kind, (`+sqlstore.NodeExpr+`), `+ix.bounds+`, ix_id, asn, brief) WHERE brief IS NOT NULL`)
		if err != nil {
			return fmt.Errorf("create index %s: %w", ix.name, err)
		}
	}
	return nil
}

const rowsPerInsert = 100

func (dialect) InsertRows(ctx context.Context, tx *sql.Tx, sourceID int64, rows []sqlstore.Row) error {
	if len(rows) == 0 {
		return nil
	}
	stmts := map[int]*sql.Stmt{}
	defer func() {
		for _, s := range stmts {
			s.Close()
		}
	}()
	for start := 0; start < len(rows); start += rowsPerInsert {
		chunk := rows[start:min(start+rowsPerInsert, len(rows))]
		stmt := stmts[len(chunk)]
		if stmt == nil {
			var b strings.Builder
			b.WriteString(`INSERT INTO versions (source_id, kind, obj_id, valid_from, valid_to, hash, ix_id, asn, data, brief) VALUES `)
			for i := range chunk {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString("(?,?,?,?,?,?,?,?,?,?)")
			}
			var err error
			if stmt, err = tx.PrepareContext(ctx, b.String()); err != nil {
				return err
			}
			stmts[len(chunk)] = stmt
		}
		args := make([]any, 0, len(chunk)*10)
		for _, r := range chunk {
			var brief any // NULL for a kind without briefs
			if b := sqlstore.BriefValue(r.Kind, r.Data); b != nil {
				brief = b
			}
			args = append(args, sourceID, int(r.Kind), r.ObjID, r.ValidFrom, r.ValidTo, r.Hash, r.IXID, r.ASN, r.Data, brief)
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return err
		}
	}
	return nil
}

func (d dialect) SetValidTo(ctx context.Context, tx *sql.Tx, sourceID int64, b []sqlstore.Bound) error {
	return d.setBound(ctx, tx, "valid_to", sourceID, b)
}

func (d dialect) SetValidFrom(ctx context.Context, tx *sql.Tx, sourceID int64, b []sqlstore.Bound) error {
	return d.setBound(ctx, tx, "valid_from", sourceID, b)
}

func (dialect) setBound(ctx context.Context, tx *sql.Tx, column string, sourceID int64, bounds []sqlstore.Bound) error {
	if len(bounds) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, `UPDATE versions SET `+column+` = $1 WHERE source_id = $2 AND kind = $3 AND obj_id = $4 AND valid_from = $5`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, b := range bounds {
		res, err := stmt.ExecContext(ctx, b.Value, sourceID, int(b.Kind), b.ObjID, b.ValidFrom)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return fmt.Errorf("%s %d from %d (%d rows): %w", b.Kind, b.ObjID, b.ValidFrom, n, sqlstore.ErrRowMissing)
		}
	}
	return nil
}

func (dialect) InsertStats(ctx context.Context, tx *sql.Tx, snapshotID int64, stats []ixp.ExchangeStats) error {
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO exchange_stats (snapshot_id, ix_id, members, connections, capacity, ipv6_members, rs_members, rs_unknown)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, st := range stats {
		if _, err := stmt.ExecContext(ctx, snapshotID, st.IXID, st.Members, st.Connections, st.CapacityMbps, st.IPv6Members, st.RSMembers, st.RSUnknown); err != nil {
			return err
		}
	}
	return nil
}
