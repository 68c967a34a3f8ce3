package backup

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/store/sqlite"
)

func TestRotate(t *testing.T) {
	for _, c := range []struct {
		name  string
		files []string
		keep  int
		want  []string // left
	}{
		{"keeps the newest", []string{"ixpobs-20261201T000000Z.sqlite", "ixpobs-20261203T000000Z.sqlite", "ixpobs-20261202T000000Z.sqlite"}, 2,
			[]string{"ixpobs-20261202T000000Z.sqlite", "ixpobs-20261203T000000Z.sqlite"}},
		{"other files untouched", []string{"ixpobs-20261201T000000Z.sqlite", "notes.txt", "ixpobs-20261201T000000Z.pgdump", ".ixpobs-x.sqlite.tmp-1"}, 0,
			[]string{".ixpobs-x.sqlite.tmp-1", "ixpobs-20261201T000000Z.pgdump", "ixpobs-20261201T000000Z.sqlite", "notes.txt"}},
		{"keep 1 of other kinds", []string{"ixpobs-20261201T000000Z.sqlite", "ixpobs-20261202T000000Z.sqlite", "ixpobs-20261201T000000Z.pgdump", "notes.txt"}, 1,
			[]string{"ixpobs-20261201T000000Z.pgdump", "ixpobs-20261202T000000Z.sqlite", "notes.txt"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range c.files {
				if err := os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := Rotate(dir, "ixpobs-", ".sqlite", c.keep); err != nil {
				t.Fatal(err)
			}
			ents, _ := os.ReadDir(dir)
			var left []string
			for _, e := range ents {
				left = append(left, e.Name())
			}
			if strings.Join(left, " ") != strings.Join(c.want, " ") {
				t.Errorf("left %v, want %v", left, c.want)
			}
		})
	}
}

func TestDSNs(t *testing.T) {
	for _, c := range []struct{ in, sqlite, libpq string }{
		{"/var/lib/ixpobs/ixpobs.db", "/var/lib/ixpobs/ixpobs.db", "/var/lib/ixpobs/ixpobs.db"},
		{"file:data/x.db?_pragma=foo", "data/x.db", "file:data/x.db?_pragma=foo"},
		{"postgres://u:p@h/db?sslmode=disable&pool_max_conns=4", "", "postgres://u:p@h/db?sslmode=disable"},
	} {
		if IsPostgres(c.in) {
			if got := libpqDSN(c.in); got != c.libpq {
				t.Errorf("libpqDSN(%q) = %q, want %q", c.in, got, c.libpq)
			}
			continue
		}
		if got := sqlitePath(c.in); got != c.sqlite {
			t.Errorf("sqlitePath(%q) = %q, want %q", c.in, got, c.sqlite)
		}
	}
	if got := Name("ixpobs-", ".sqlite", time.Date(2026, 12, 5, 17, 18, 0, 0, time.FixedZone("x", 3600))); got != "ixpobs-20261205T161800Z.sqlite" {
		t.Errorf("Name = %q", got)
	}
}

// TestSQLiteRefusals: a backup of a missing store, a restore over an
// existing file and a restore of a file that is not a store all fail and
// leave nothing behind.
func TestSQLiteRefusals(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := Write(ctx, filepath.Join(dir, "missing.db"), filepath.Join(dir, "b.sqlite"), Tools{}); err == nil {
		t.Error("backup of a missing store succeeded")
	}
	st, err := sqlite.Open(ctx, filepath.Join(dir, "live.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	res, err := Write(ctx, filepath.Join(dir, "live.db"), filepath.Join(dir, "b.sqlite"), Tools{})
	if err != nil || res.Bytes == 0 {
		t.Fatalf("backup: %+v %v", res, err)
	}
	if err := Restore(ctx, res.Path, filepath.Join(dir, "live.db"), Tools{}); !errors.Is(err, ErrNotEmpty) {
		t.Errorf("restore over the live store: %v, want ErrNotEmpty", err)
	}
	junk := filepath.Join(dir, "junk.sqlite")
	os.WriteFile(junk, []byte("not a database, but long enough to look like a header of one........................................"), 0o600)
	if err := Restore(ctx, junk, filepath.Join(dir, "new.db"), Tools{}); err == nil {
		t.Error("restore of a junk file succeeded")
	}
	if _, err := os.Stat(filepath.Join(dir, "new.db")); !os.IsNotExist(err) {
		t.Errorf("a failed restore left new.db: %v", err)
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
}
