// Package testenv gates tests on what the machine provides: outside CI a
// missing dependency skips the test with the reason; under CI=true it fails.
//
// The fast tier, go test -short, skips (even under CI=true) every test that
// runs an external program (BGP daemons, a browser, bgpdump, promtool…) or
// reads the full shared data set; the tests on the trimmed data committed
// under testdata/ and the PostgreSQL tests still run.
package testenv

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// InCI reports whether the tests run in CI (CI=true).
func InCI() bool { return os.Getenv("CI") == "true" }

// Missing skips the test outside CI and fails it in CI.
func Missing(tb testing.TB, format string, args ...any) {
	tb.Helper()
	if InCI() {
		tb.Fatalf("CI=true but "+format, args...)
	}
	tb.Skipf("skipping: "+format, args...)
}

// PostgresDSN returns the DSN of the PostgreSQL server used by tests
// (IXPOBS_TEST_POSTGRES, default postgres://postgres@127.0.0.1:5432/postgres)
// after checking it accepts TCP connections; otherwise Missing.
func PostgresDSN(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv("IXPOBS_TEST_POSTGRES")
	if dsn == "" {
		dsn = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	d := net.Dialer{Timeout: 2 * time.Second}
	conn, err := d.DialContext(context.Background(), "tcp", "127.0.0.1:5432")
	if err != nil && os.Getenv("IXPOBS_TEST_POSTGRES") == "" {
		Missing(tb, "PostgreSQL is not reachable on 127.0.0.1:5432 (%v); start it or set IXPOBS_TEST_POSTGRES", err)
	}
	if conn != nil {
		conn.Close()
	}
	return dsn
}

// LookPath returns the path of a program, or calls Missing.
func LookPath(tb testing.TB, name string) string {
	tb.Helper()
	if testing.Short() {
		tb.Skipf("skipping in -short: the test runs %s", name)
	}
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(tb, "%s is not installed", name)
	}
	return p
}

// SharedData returns the directory of the shared real data
// (<repo root>/../shared/data), or skips (outside CI) / fails (in CI) when
// it is absent.
func SharedData(tb testing.TB) string {
	tb.Helper()
	if testing.Short() {
		tb.Skip("skipping in -short: the test reads the full shared data (../shared/data); the trimmed-data tests cover the same code")
	}
	data := SharedDataDir()
	if data == "" {
		Missing(tb, "shared data not found at <repo root>/../shared/data")
	}
	return data
}

// SharedDataDir is SharedData without skipping, for fuzz seeds: the
// directory, or "" when it is absent.
func SharedDataDir() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
	data := filepath.Join(dir, "..", "shared", "data")
	if _, err := os.Stat(data); err != nil {
		return ""
	}
	return data
}

// NewPostgresDatabase creates an empty database on the test PostgreSQL
// server, dropped when the test ends, and returns its URL.
func NewPostgresDatabase(tb testing.TB) string {
	tb.Helper()
	admin := PostgresDSN(tb)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		Missing(tb, "cannot connect to PostgreSQL at %s: %v", admin, err)
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("ixpobs_test_%d", time.Now().UnixNano())
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("create database: %v", err)
	}
	tb.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), admin)
		if err == nil {
			c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(context.Background())
		}
	})
	u, err := url.Parse(admin)
	if err != nil || u.Scheme == "" {
		tb.Fatalf("IXPOBS_TEST_POSTGRES must be a postgres:// URL: %q", admin)
	}
	u.Path = "/" + name
	return u.String()
}
