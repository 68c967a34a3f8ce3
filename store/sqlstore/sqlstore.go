// Package sqlstore implements store.Store on database/sql. The SQL is
// shared by the SQLite and PostgreSQL backends; what differs between them
// (bulk writes, locking, migrations) is behind Dialect.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ixpobs/ixpobs/ixp"
)

// Open is the valid_to of a version that is still valid.
const Open = math.MaxInt64

// Row is one version row as written by a Dialect.
type Row struct {
	Kind      ixp.Kind
	ObjID     int64
	ValidFrom int64
	ValidTo   int64
	Hash      int64
	IXID      int64
	ASN       int64
	Data      []byte

	copyOf   bool  // a copy of the version starting at copyFrom
	copyFrom int64 // (its data is loaded before writing)
}

// Bound changes one bound of a version row identified by (kind, obj id,
// valid_from).
type Bound struct {
	Kind      ixp.Kind
	ObjID     int64
	ValidFrom int64
	Value     int64
}

// Dialect is what a backend provides to the shared SQL code.
type Dialect interface {
	// Name is "sqlite" or "postgres".
	Name() string
	// LockSource serialises publishers of one source inside tx.
	LockSource(ctx context.Context, tx *sql.Tx, sourceID int64) error
	// InsertRows writes version rows of one source.
	InsertRows(ctx context.Context, tx *sql.Tx, sourceID int64, rows []Row) error
	// SetValidTo and SetValidFrom move one bound of existing rows.
	SetValidTo(ctx context.Context, tx *sql.Tx, sourceID int64, b []Bound) error
	SetValidFrom(ctx context.Context, tx *sql.Tx, sourceID int64, b []Bound) error
	// InsertStats writes the exchange indicators of a snapshot.
	InsertStats(ctx context.Context, tx *sql.Tx, snapshotID int64, stats []ixp.ExchangeStats) error
	// Migrate applies the embedded migrations, serialised between
	// processes.
	Migrate(ctx context.Context, db *sql.DB, migrations fs.FS) error
}

// DB is a store.Store on a database/sql pool.
type DB struct {
	db      *sql.DB
	dialect Dialect
	log     *slog.Logger
	// Now returns the current time; tests replace it.
	Now func() time.Time
	// AfterClose, when set, runs after the pool is closed (the pgx pool
	// behind a database/sql handle).
	AfterClose func()

	tips  tipCache // the state at each source's newest snapshot
	conns connMemo // decoded connections of each source's last snapshot
}

// New wraps an open pool. The caller has applied migrations (Migrate).
func New(db *sql.DB, d Dialect, log *slog.Logger) *DB {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &DB{db: db, dialect: d, log: log, Now: time.Now}
}

// SQL returns the underlying pool (for backend-specific tests and tools).
func (s *DB) SQL() *sql.DB { return s.db }

// DialectName returns the backend's dialect name.
func (s *DB) DialectName() string { return s.dialect.Name() }

// Ping checks the database answers.
func (s *DB) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping: %w: %w", ixp.ErrUnavailable, err)
	}
	return nil
}

// Close closes the pool.
func (s *DB) Close() error {
	err := s.db.Close()
	if s.AfterClose != nil {
		s.AfterClose()
	}
	return err
}

func unix(t time.Time) int64 { return t.UTC().Unix() }

func fromUnix(v int64) time.Time {
	if v == Open {
		return time.Time{}
	}
	return time.Unix(v, 0).UTC()
}

// queryAt turns a query time into the bound used in SQL: a zero time
// means "now and later", i.e. the open versions.
func queryAt(at time.Time) int64 {
	if at.IsZero() {
		return Open - 1
	}
	return unix(at)
}

func kindsString(kinds []ixp.Kind) string {
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = strconv.Itoa(int(k))
	}
	return strings.Join(parts, ",")
}

func parseKinds(s string) []ixp.Kind {
	if s == "" {
		return nil
	}
	var out []ixp.Kind
	for _, p := range strings.Split(s, ",") {
		n, err := strconv.Atoi(p)
		if err == nil {
			out = append(out, ixp.Kind(n))
		}
	}
	return out
}

func sortedKinds(kinds []ixp.Kind) []ixp.Kind {
	out := append([]ixp.Kind(nil), kinds...)
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// sourceID returns the id of a source, creating it when create is set.
func sourceID(ctx context.Context, q querier, name string, create bool) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT id FROM sources WHERE name = $1`, name).Scan(&id)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("store: source %q: %w", name, err)
	}
	if !create {
		return 0, fmt.Errorf("store: source %q: %w", name, ixp.ErrNotFound)
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO sources (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`, name); err != nil {
		return 0, fmt.Errorf("store: create source %q: %w", name, err)
	}
	if err := q.QueryRowContext(ctx, `SELECT id FROM sources WHERE name = $1`, name).Scan(&id); err != nil {
		return 0, fmt.Errorf("store: source %q: %w", name, err)
	}
	return id, nil
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}
