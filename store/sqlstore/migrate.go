package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

// MigrationStep is the part of a migration written in Go: it runs right
// after the migration's SQL, in the same transaction.
type MigrationStep func(context.Context, *sql.Tx) error

// ApplyMigrations applies the pending *.sql files of fsys in name order,
// all in one transaction (all or none), recording them in
// schema_migrations. The caller serialises concurrent processes (an
// advisory lock, or SQLite's writer lock taken by BEGIN IMMEDIATE, held
// here for the whole set so that a second process waits and then finds
// nothing to do). steps are the Go parts of migrations, by version.
func ApplyMigrations(ctx context.Context, conn *sql.Conn, fsys fs.FS, steps map[int]MigrationStep) (applied int, err error) {
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL)`); err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	sort.Strings(names)
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("migrate: begin: %w", err)
	}
	defer tx.Rollback()
	for _, name := range names {
		version, err := strconv.Atoi(strings.SplitN(name, "_", 2)[0])
		if err != nil {
			return 0, fmt.Errorf("migrate: %s: file name must start with a number: %w", name, err)
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return 0, fmt.Errorf("migrate: %s: %w", name, err)
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = $1`, version).Scan(&n); err != nil {
			return 0, fmt.Errorf("migrate: %s: %w", name, err)
		}
		if n > 0 {
			continue
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			return 0, fmt.Errorf("migrate: %s: %w", name, err)
		}
		if step := steps[version]; step != nil {
			if err := step(ctx, tx); err != nil {
				return 0, fmt.Errorf("migrate: %s: %w", name, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, version, name); err != nil {
			return 0, fmt.Errorf("migrate: %s: %w", name, err)
		}
		applied++
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("migrate: commit: %w", err)
	}
	return applied, nil
}

// CheckMigrations reports whether every *.sql file of fsys is recorded in
// schema_migrations, without changing anything: a read-only connection (a
// read replica) cannot migrate, so it must find the schema its writer
// (the primary) already migrated.
func CheckMigrations(ctx context.Context, db *sql.DB, fsys fs.FS) error {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return fmt.Errorf("check migrations: %w", err)
	}
	rows, err := db.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("check migrations: no schema_migrations: migrate the primary first (ixpobs migrate --db PRIMARY): %w", err)
	}
	defer rows.Close()
	have := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return fmt.Errorf("check migrations: %w", err)
		}
		have[v] = true
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("check migrations: %w", err)
	}
	sort.Strings(names)
	var missing []string
	for _, name := range names {
		version, err := strconv.Atoi(strings.SplitN(name, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("check migrations: %s: file name must start with a number: %w", name, err)
		}
		if !have[version] {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("check migrations: the database lacks %s: migrate the primary first (ixpobs migrate --db PRIMARY)", strings.Join(missing, ", "))
	}
	return nil
}
