package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ixpobs/ixpobs/internal/testenv"
)

// migrateProc is one `ixpobs migrate` process.
type migrateProc struct {
	cmd    *exec.Cmd
	stderr bytes.Buffer
	done   chan struct{} // closed when the process has ended
	err    error
}

func startMigrate(t *testing.T, bin, db string) *migrateProc {
	t.Helper()
	p := &migrateProc{cmd: exec.Command(bin, "migrate", "--db", db, "--log-format", "json"), done: make(chan struct{})}
	p.cmd.Env = append(os.Environ(), "IXPOBS_CONFIG=")
	p.cmd.Stderr = &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.cmd.Process.Kill() // no-op once ended
		<-p.done
	})
	return p
}

// migrated is what a process logged about the schema.
type migrated struct {
	Applied  int     `json:"applied"`
	LockWait float64 `json:"lock_wait"` // PostgreSQL, seconds
	Took     float64 `json:"took"`      // SQLite, seconds
}

// wait waits for the process and returns its "schema migrated" line.
func (p *migrateProc) wait(t *testing.T) migrated {
	t.Helper()
	select {
	case <-p.done:
		if p.err != nil {
			t.Fatalf("ixpobs migrate: %v\n%s", p.err, p.stderr.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("ixpobs migrate still running after 60 s\n%s", p.stderr.String())
	}
	for _, line := range bytes.Split(p.stderr.Bytes(), []byte("\n")) {
		var m struct {
			Msg string `json:"msg"`
			migrated
		}
		if json.Unmarshal(line, &m) == nil && m.Msg == "schema migrated" {
			return m.migrated
		}
	}
	t.Fatalf("no \"schema migrated\" line in\n%s", p.stderr.String())
	return migrated{}
}

func (p *migrateProc) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// checkOnce checks one process applied every migration and the other
// none, and the migrations table has each version once. It returns the
// two log lines, the migrating one first.
func checkOnce(t *testing.T, db *sql.DB, a, b migrated) (migrated, migrated) {
	t.Helper()
	var rows, versions int
	if err := db.QueryRow(`SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_migrations`).Scan(&rows, &versions); err != nil {
		t.Fatal(err)
	}
	if rows == 0 || rows != versions {
		t.Fatalf("schema_migrations has %d rows for %d versions", rows, versions)
	}
	got := []int{a.Applied, b.Applied}
	sort.Ints(got)
	if got[0] != 0 || got[1] != rows {
		t.Errorf("applied by the two processes: %v, want [0 %d]: one migrates, the other finds nothing to do", got, rows)
	}
	if a.Applied == 0 {
		a, b = b, a
	}
	return a, b
}

// TestMigrateTwoProcessesPostgres starts two `ixpobs migrate` processes on
// one empty PostgreSQL database while the test holds the migration lock,
// sees both waiting on it in pg_locks, releases it, and checks one
// migrated and the other waited for it and found nothing to do. Then
// three unarranged races on fresh databases.
func TestMigrateTwoProcessesPostgres(t *testing.T) {
	bin := buildBinary(t)
	ctx := context.Background()
	dsn := testenv.NewPostgresDatabase(t)
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	// The migration lock of store/postgres: pg_advisory_lock(0x1790b5, 0).
	if _, err := admin.Exec(ctx, `SELECT pg_advisory_lock(1544373, 0)`); err != nil {
		t.Fatal(err)
	}
	p1, p2 := startMigrate(t, bin, dsn), startMigrate(t, bin, dsn)
	deadline := time.Now().Add(30 * time.Second)
	for {
		var waiting int
		if err := admin.QueryRow(ctx, `SELECT COUNT(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
			WHERE l.locktype = 'advisory' AND l.classid = 1544373 AND l.objid = 0 AND NOT l.granted AND a.application_name = 'ixpobs'`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting == 2 {
			break
		}
		if time.Now().After(deadline) || !p1.running() || !p2.running() {
			t.Fatalf("%d processes waiting on the migration lock, want 2 (running: %v %v)\n%s\n%s", waiting, p1.running(), p2.running(), p1.stderr.String(), p2.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := admin.Exec(ctx, `SELECT pg_advisory_unlock(1544373, 0)`); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Which process waited longer depends on when each started waiting
	// (process start-up on a loaded machine), so only the outcome is
	// checked: one migrated, the other found nothing to do.
	first, second := checkOnce(t, db, p1.wait(t), p2.wait(t))
	t.Logf("held by the test: migrating process waited %gs, the other %gs and applied nothing", first.LockWait, second.LockWait)

	for i := range 3 {
		dsn := testenv.NewPostgresDatabase(t)
		p1, p2 := startMigrate(t, bin, dsn), startMigrate(t, bin, dsn)
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		first, second := checkOnce(t, db, p1.wait(t), p2.wait(t))
		db.Close()
		t.Logf("race %d: one applied %d after waiting %gs, the other waited %gs", i+1, first.Applied, first.LockWait, second.LockWait)
	}
}

// TestMigrateTwoProcessesSQLite does the same on a SQLite file: the test
// holds the writer lock (BEGIN IMMEDIATE), both processes stay blocked,
// then one migrates and the other waits for its transaction and finds
// nothing to do.
func TestMigrateTwoProcessesSQLite(t *testing.T) {
	bin := buildBinary(t)
	path := filepath.Join(t.TempDir(), "race.db")
	dsn := fmt.Sprintf("file:%s?_pragma=journal_mode(WAL)&_pragma=busy_timeout(15000)", path)
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		t.Fatal(err)
	}
	p1, p2 := startMigrate(t, bin, path), startMigrate(t, bin, path)
	time.Sleep(1500 * time.Millisecond)
	if !p1.running() || !p2.running() {
		t.Fatalf("a process ended while the writer lock was held\n%s\n%s", p1.stderr.String(), p2.stderr.String())
	}
	if _, err := conn.ExecContext(ctx, `ROLLBACK`); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	first, second := checkOnce(t, db, p1.wait(t), p2.wait(t))
	t.Logf("held by the test: the migrating process took %gs, the other %gs and applied nothing", first.Took, second.Took)

	for i := range 3 {
		path := filepath.Join(t.TempDir(), fmt.Sprintf("race%d.db", i))
		p1, p2 := startMigrate(t, bin, path), startMigrate(t, bin, path)
		a, b := p1.wait(t), p2.wait(t)
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		first, second := checkOnce(t, db, a, b)
		db.Close()
		t.Logf("race %d: one applied %d in %gs, the other waited %gs", i+1, first.Applied, first.Took, second.Took)
	}
}
