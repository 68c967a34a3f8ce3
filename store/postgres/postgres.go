// Package postgres is the PostgreSQL store backend of ixpobs, for shared
// and larger deployments. It uses pgx/v5 with a connection pool, always over
// the extended query protocol, applies the embedded migrations under an
// advisory lock (two processes starting at once are serialised), and hands
// the SQL to store/sqlstore.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Advisory lock keys: (lockClass, 0) guards migrations, (lockClass,
// source id) guards publishing a source.
const (
	lockClass     = 0x1790b5
	migrationLock = 0
)

// Open connects to the database named by a postgres:// URL or key=value DSN
// and migrates it. Whatever the DSN says, queries use the extended
// protocol with cached prepared statements, never the simple protocol.
func Open(ctx context.Context, dsn string, log *slog.Logger) (*sqlstore.DB, error) {
	return open(ctx, dsn, log, false)
}

// OpenReadOnly connects to a database that this process only reads, such
// as a streaming read replica: every transaction is read-only
// (default_transaction_read_only), nothing is migrated, and the schema
// must already hold every migration this binary knows (the writer, which
// opens the primary with Open, applies them). Publishing through it fails.
func OpenReadOnly(ctx context.Context, dsn string, log *slog.Logger) (*sqlstore.DB, error) {
	return open(ctx, dsn, log, true)
}

func open(ctx context.Context, dsn string, log *slog.Logger, readOnly bool) (*sqlstore.DB, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse DSN: %w", err)
	}
	if cfg.ConnConfig.DefaultQueryExecMode == pgx.QueryExecModeSimpleProtocol && log != nil {
		log.Warn("postgres: the DSN asks for the simple protocol; ixpobs uses the extended protocol")
	}
	cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeCacheStatement
	if cfg.ConnConfig.RuntimeParams == nil {
		cfg.ConnConfig.RuntimeParams = map[string]string{}
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		cfg.ConnConfig.RuntimeParams["application_name"] = "ixpobs"
	}
	if readOnly {
		cfg.ConnConfig.RuntimeParams["default_transaction_read_only"] = "on"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect %s:%d: %w: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, ixp.ErrUnavailable, err)
	}
	db := stdlib.OpenDBFromPool(pool)
	d := dialect{log: log}
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		db.Close()
		pool.Close()
		return nil, err
	}
	if readOnly {
		err = sqlstore.CheckMigrations(ctx, db, sub)
	} else {
		err = d.Migrate(ctx, db, sub)
	}
	if err != nil {
		db.Close()
		pool.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	st := sqlstore.New(db, d, log)
	st.AfterClose = pool.Close
	return st, nil
}

type dialect struct{ log *slog.Logger }

func (dialect) Name() string { return "postgres" }

func (dialect) LockSource(ctx context.Context, tx *sql.Tx, sourceID int64) error {
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1::int, $2::int)`, lockClass, int32(sourceID))
	return err
}

// Migrate holds a session advisory lock while it applies migrations, so a
// second process waits and then finds nothing left to do.
func (d dialect) Migrate(ctx context.Context, db *sql.DB, fsys fs.FS) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	start := time.Now()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1::int, $2::int)`, lockClass, migrationLock); err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	waited := time.Since(start)
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1::int, $2::int)`, lockClass, migrationLock)
	applied, err := sqlstore.ApplyMigrations(ctx, conn, fsys, map[int]sqlstore.MigrationStep{
		9: requireBriefs, // 0009_versions_brief.sql
	})
	if err == nil && d.log != nil {
		d.log.Info("schema migrated", "backend", "postgres", "applied", applied, "lock_wait", waited.Round(time.Millisecond))
	}
	return err
}

// requireBriefs is the Go part of migration 0009: it fills the briefs of
// the stored versions, then refuses a version of a kind with briefs
// written without one — by an ixpobs from before 0009 still writing to
// the migrated store, whose objects Briefs would not see.
func requireBriefs(ctx context.Context, tx *sql.Tx) error {
	if err := sqlstore.FillBriefs(ctx, tx); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `ALTER TABLE versions ADD CONSTRAINT versions_brief_required_upgrade_ixpobs
		CHECK (kind NOT IN (`+sqlstore.BriefKindsSQL()+`) OR brief IS NOT NULL)`)
	return err
}

const rowsPerStatement = 20000

func (dialect) InsertRows(ctx context.Context, tx *sql.Tx, sourceID int64, rows []sqlstore.Row) error {
	for start := 0; start < len(rows); start += rowsPerStatement {
		chunk := rows[start:min(start+rowsPerStatement, len(rows))]
		kinds := make([]int32, len(chunk))
		ids, from, to, hash, ix, asn := make([]int64, len(chunk)), make([]int64, len(chunk)), make([]int64, len(chunk)),
			make([]int64, len(chunk)), make([]int64, len(chunk)), make([]int64, len(chunk))
		data, brief := make([]string, len(chunk)), make([]string, len(chunk))
		for i, r := range chunk {
			kinds[i], ids[i], from[i], to[i], hash[i], ix[i], asn[i], data[i] = int32(r.Kind), r.ObjID, r.ValidFrom, r.ValidTo, r.Hash, r.IXID, r.ASN, string(r.Data)
			brief[i] = string(sqlstore.BriefValue(r.Kind, r.Data)) // "" (NULL below) for a kind without briefs
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO versions (source_id, kind, obj_id, valid_from, valid_to, hash, ix_id, asn, data, brief)
			SELECT $1, k, o, f, t, h, x, a, d::jsonb, NULLIF(b, '')::jsonb
			FROM unnest($2::int[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[], $9::text[], $10::text[]) AS u(k, o, f, t, h, x, a, d, b)`,
			sourceID, kinds, ids, from, to, hash, ix, asn, data, brief)
		if err != nil {
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
	for start := 0; start < len(bounds); start += rowsPerStatement {
		chunk := bounds[start:min(start+rowsPerStatement, len(bounds))]
		kinds := make([]int32, len(chunk))
		ids, from, value := make([]int64, len(chunk)), make([]int64, len(chunk)), make([]int64, len(chunk))
		for i, b := range chunk {
			kinds[i], ids[i], from[i], value[i] = int32(b.Kind), b.ObjID, b.ValidFrom, b.Value
		}
		res, err := tx.ExecContext(ctx, `UPDATE versions v SET `+column+` = u.val
			FROM unnest($2::int[], $3::bigint[], $4::bigint[], $5::bigint[]) AS u(k, o, f, val)
			WHERE v.source_id = $1 AND v.kind = u.k AND v.obj_id = u.o AND v.valid_from = u.f`,
			sourceID, kinds, ids, from, value)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != int64(len(chunk)) {
			return fmt.Errorf("%d of %d %s bounds found: %w", n, len(chunk), column, sqlstore.ErrRowMissing)
		}
	}
	return nil
}

func (dialect) InsertStats(ctx context.Context, tx *sql.Tx, snapshotID int64, stats []ixp.ExchangeStats) error {
	n := len(stats)
	ix, capacity := make([]int64, n), make([]int64, n)
	members, conns, v6, rs := make([]int32, n), make([]int32, n), make([]int32, n), make([]int32, n)
	rsUnknown := make([]bool, n)
	for i, st := range stats {
		ix[i], capacity[i], rsUnknown[i] = st.IXID, st.CapacityMbps, st.RSUnknown
		members[i], conns[i], v6[i], rs[i] = int32(st.Members), int32(st.Connections), int32(st.IPv6Members), int32(st.RSMembers)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO exchange_stats (snapshot_id, ix_id, members, connections, capacity, ipv6_members, rs_members, rs_unknown)
		SELECT $1, x, m, c, cap, v6, rs, rsu FROM unnest($2::bigint[], $3::int[], $4::int[], $5::bigint[], $6::int[], $7::int[], $8::boolean[]) AS u(x, m, c, cap, v6, rs, rsu)`,
		snapshotID, ix, members, conns, capacity, v6, rs, rsUnknown)
	return err
}
