// Package backup writes and restores whole-store backups: an online,
// consistent copy of the SQLite file (VACUUM INTO, taken inside one read
// transaction while the server keeps writing) or a pg_dump custom-format
// archive of the PostgreSQL database. A backup is written under a
// temporary name and renamed when complete and checked, so a file with the
// final name is never a half-written backup. Restores refuse a target that
// already holds data.
package backup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// Result describes a finished backup.
type Result struct {
	Path  string
	Bytes int64
	Took  time.Duration
}

// IsPostgres reports whether dsn names a PostgreSQL database (as the store
// DSN of ixpobs does); anything else is a SQLite file.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") || strings.HasPrefix(dsn, "host=")
}

// Ext is the file extension of a backup of dsn's store.
func Ext(dsn string) string {
	if IsPostgres(dsn) {
		return ".pgdump"
	}
	return ".sqlite"
}

// Tools names the PostgreSQL client programs (empty: found on PATH).
type Tools struct {
	PgDump, PgRestore string
}

func (t Tools) pgDump() string    { return or(t.PgDump, "pg_dump") }
func (t Tools) pgRestore() string { return or(t.PgRestore, "pg_restore") }

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Write backs up the store named by dsn to the file dst.
// An existing dst is never overwritten.
func Write(ctx context.Context, dsn, dst string, tools Tools) (Result, error) {
	start := time.Now()
	if _, err := os.Lstat(dst); err == nil {
		return Result{}, fmt.Errorf("backup %s: the file exists", dst)
	}
	tmp, err := tempName(dst)
	if err != nil {
		return Result{}, err
	}
	defer os.Remove(tmp)
	if IsPostgres(dsn) {
		err = pgDump(ctx, tools.pgDump(), dsn, tmp)
	} else {
		err = sqliteBackup(ctx, sqlitePath(dsn), tmp)
	}
	if err != nil {
		return Result{}, err
	}
	if err := syncFile(tmp); err != nil {
		return Result{}, fmt.Errorf("backup %s: %w", dst, err)
	}
	// A hard link fails if dst appeared meanwhile, where a rename would
	// replace it.
	if err := os.Link(tmp, dst); err != nil {
		return Result{}, fmt.Errorf("backup %s: %w", dst, err)
	}
	fi, err := os.Stat(dst)
	if err != nil {
		return Result{}, err
	}
	return Result{Path: dst, Bytes: fi.Size(), Took: time.Since(start)}, nil
}

// tempName returns an unused name next to dst, so the final rename stays
// on one file system.
func tempName(dst string) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".tmp-*")
	if err != nil {
		return "", fmt.Errorf("backup %s: %w", dst, err)
	}
	name := f.Name()
	f.Close()
	// VACUUM INTO refuses an existing file, even an empty one.
	return name, os.Remove(name)
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// sqlitePath turns a store DSN (path, file:path or sqlite://path) into the
// file's path.
func sqlitePath(dsn string) string {
	dsn = strings.TrimPrefix(dsn, "sqlite://")
	dsn = strings.TrimPrefix(dsn, "file:")
	if i := strings.IndexByte(dsn, '?'); i >= 0 {
		dsn = dsn[:i]
	}
	return dsn
}

func openSQLite(ctx context.Context, path string, queryOnly bool) (*sql.DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("sqlite store %s: %w", path, err)
	}
	v := url.Values{}
	v.Add("_pragma", "busy_timeout(15000)")
	if queryOnly {
		v.Add("_pragma", "query_only(1)")
	}
	db, err := sql.Open("sqlite", "file:"+path+"?"+v.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite store %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite store %s: %w", path, err)
	}
	return db, nil
}

// sqliteBackup copies the database at src into the new file dst with
// VACUUM INTO: one read transaction, so the copy is the state of one
// moment even while writers go on (WAL), and a compacted file. The copy is
// then checked with PRAGMA quick_check.
func sqliteBackup(ctx context.Context, src, dst string) error {
	// Not query_only: SQLite counts VACUUM INTO as a write (of the new
	// file), though it only reads the source.
	db, err := openSQLite(ctx, src, false)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, dst); err != nil {
		return fmt.Errorf("sqlite backup of %s: VACUUM INTO %s: %w", src, dst, err)
	}
	return checkSQLite(ctx, dst)
}

// checkSQLite runs PRAGMA quick_check on the file and makes sure it holds
// an ixpobs schema.
func checkSQLite(ctx context.Context, path string) error {
	db, err := openSQLite(ctx, path, true)
	if err != nil {
		return err
	}
	defer db.Close()
	var res string
	if err := db.QueryRowContext(ctx, `PRAGMA quick_check`).Scan(&res); err != nil {
		return fmt.Errorf("check %s: %w", path, err)
	}
	if res != "ok" {
		return fmt.Errorf("check %s: quick_check says %q", path, res)
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'snapshots'`).Scan(&n); err != nil || n != 1 {
		return fmt.Errorf("check %s: not an ixpobs store (no snapshots table)", path)
	}
	return nil
}

func pgDump(ctx context.Context, prog, dsn, dst string) error {
	// --format=custom: compressed, restorable table by table with
	// pg_restore; --no-owner/--no-acl: restorable as another role.
	cmd := exec.CommandContext(ctx, prog, "--format=custom", "--no-owner", "--no-acl", "--file="+dst, "--dbname="+libpqDSN(dsn))
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pg_dump: %w: %s", err, strings.TrimSpace(redact(string(out), dsn)))
	}
	return nil
}

// pgxOnly are DSN parameters pgx understands and libpq (pg_dump,
// pg_restore) refuses.
var pgxOnly = []string{"pool_", "default_query_exec_mode", "statement_cache_capacity", "description_cache_capacity", "min_read_buffer_size"}

// libpqDSN drops the pgx-only parameters of a postgres:// URL.
func libpqDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		return dsn
	}
	q := u.Query()
	for k := range q {
		for _, p := range pgxOnly {
			if strings.HasPrefix(k, p) {
				q.Del(k)
			}
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// redact keeps a DSN's password out of messages.
func redact(s, dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if p, ok := u.User.Password(); ok && p != "" {
			s = strings.ReplaceAll(s, p, "xxxxx")
		}
	}
	return s
}

// ErrNotEmpty is returned by Restore when the target already holds a store.
var ErrNotEmpty = errors.New("the target already holds data")

// Restore writes the backup file src into the store named by dsn, which
// must not hold data yet: a new SQLite path, or an empty PostgreSQL
// database. A SQLite backup is checked before it is put in place.
func Restore(ctx context.Context, src, dsn string, tools Tools) error {
	if IsPostgres(dsn) {
		return pgRestore(ctx, tools.pgRestore(), src, dsn)
	}
	dst := sqlitePath(dsn)
	if _, err := os.Stat(dst); err == nil {
		return fmt.Errorf("restore into %s: %w (restore into a new file, then move it into place with the server stopped)", dst, ErrNotEmpty)
	}
	if err := checkSQLite(ctx, src); err != nil {
		return fmt.Errorf("restore from %s: %w", src, err)
	}
	tmp, err := tempName(dst)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := copyFile(src, tmp); err != nil {
		return fmt.Errorf("restore %s into %s: %w", src, dst, err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		return fmt.Errorf("restore %s into %s: %w", src, dst, err)
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func pgRestore(ctx context.Context, prog, src, dsn string) error {
	// One transaction, stop at the first error: a failed restore leaves
	// the database as empty as it was. pg_restore itself refuses nothing,
	// so the emptiness check is here (pg_restore --list of the archive
	// would not tell what the target holds).
	if err := pgEmpty(ctx, dsn); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, prog, "--no-owner", "--no-acl", "--exit-on-error", "--single-transaction", "--dbname="+libpqDSN(dsn), src)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pg_restore %s: %w: %s", src, err, strings.TrimSpace(redact(string(out), dsn)))
	}
	return nil
}

// pgEmpty fails when the database has a table named snapshots in its
// search path (an ixpobs store).
func pgEmpty(ctx context.Context, dsn string) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer db.Close()
	var exists bool
	if err := db.QueryRowContext(ctx, `SELECT to_regclass('snapshots') IS NOT NULL`).Scan(&exists); err != nil {
		return fmt.Errorf("restore: %s: %w", redact(dsn, dsn), err)
	}
	if exists {
		return fmt.Errorf("restore into %s: %w", redact(dsn, dsn), ErrNotEmpty)
	}
	return nil
}

// Rotate deletes the oldest backups in dir whose names start with prefix
// and end with ext, keeping the newest keep (names carry a UTC timestamp,
// so name order is time order). It returns the deleted paths.
func Rotate(dir, prefix, ext string, keep int) ([]string, error) {
	if keep <= 0 {
		return nil, nil
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("rotate %s: %w", dir, err)
	}
	var names []string
	for _, e := range ents {
		if n := e.Name(); e.Type().IsRegular() && strings.HasPrefix(n, prefix) && strings.HasSuffix(n, ext) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	var removed []string
	for len(names) > keep {
		p := filepath.Join(dir, names[0])
		if err := os.Remove(p); err != nil {
			return removed, fmt.Errorf("rotate %s: %w", dir, err)
		}
		removed = append(removed, p)
		names = names[1:]
	}
	return removed, nil
}

// Name is the file name of a backup taken at t: prefix, UTC timestamp,
// extension (ixpobs-20261205T171800Z.sqlite).
func Name(prefix, ext string, t time.Time) string {
	return prefix + t.UTC().Format("20060102T150405Z") + ext
}
