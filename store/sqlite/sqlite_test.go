package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
	"github.com/ixpobs/ixpobs/store/sqlite"
	"github.com/ixpobs/ixpobs/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "test.db"), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestMigrateTwice(t *testing.T) {
	path := filepath.Join(t.TempDir(), "twice.db")
	for i := 0; i < 2; i++ {
		s, err := sqlite.Open(context.Background(), path, nil)
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		s.Close()
	}
}

// TestNewFileSettings checks the settings a new database file gets: 16 KiB
// pages (which only a new file can take) and the WAL journal.
func TestNewFileSettings(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new.db")
	s, err := sqlite.Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var pageSize int
	var journal string
	if err := db.QueryRow("PRAGMA page_size").Scan(&pageSize); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow("PRAGMA journal_mode").Scan(&journal); err != nil {
		t.Fatal(err)
	}
	if pageSize != 16384 || journal != "wal" {
		t.Errorf("new file: page_size %d, journal_mode %q; want 16384, wal", pageSize, journal)
	}
}

// TestOpenNewFileConcurrently opens one new file from several goroutines
// at once, as `ixpobs bgp` and a reader of its store may: every Open must
// succeed (switching a new file to WAL takes a lock the others wait for).
func TestOpenNewFileConcurrently(t *testing.T) {
	for round := range 20 {
		path := filepath.Join(t.TempDir(), fmt.Sprintf("c%d.db", round))
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for range 4 {
			wg.Go(func() {
				s, err := sqlite.Open(context.Background(), path, nil)
				if err != nil {
					errs <- err
					return
				}
				s.Close()
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("round %d: %v", round, err)
		}
	}
}

// TestMigration0004 runs the conformance check of the migration that
// merges mrt:<collector> runs into bgp:<collector>.
func TestMigration0004(t *testing.T) { storetest.RunBGPSourceMerge(t, migrationDatabase(t)) }

// TestMigration0009 runs the conformance check of the migration that
// adds and fills the briefs of stored versions.
func TestMigration0009(t *testing.T) {
	storetest.RunBriefMigration(t, migrationDatabase(t), `DROP TRIGGER versions_brief_required`)
}

// migrationDatabase is a new SQLite database for a migration check.
func migrationDatabase(t *testing.T) storetest.Database {
	path := filepath.Join(t.TempDir(), "old.db")
	try := func(query string) error {
		db, err := sql.Open("sqlite", path)
		if err != nil {
			return err
		}
		defer db.Close()
		_, err = db.Exec(query)
		return err
	}
	return storetest.Database{
		Open: func(t *testing.T) store.Store {
			s, err := sqlite.Open(context.Background(), path, nil)
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
		Exec: func(t *testing.T, query string) {
			if err := try(query); err != nil {
				t.Fatal(err)
			}
		},
		Try: try,
		New: func(t *testing.T) store.Store {
			s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "new.db"), nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		},
	}
}

func TestTwoWriters(t *testing.T) {
	open := func(t *testing.T, path string) store.Store {
		s, err := sqlite.Open(context.Background(), path, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	storetest.RunTwoWriters(t, func(t *testing.T) store.Store {
		return open(t, filepath.Join(t.TempDir(), "ref.db"))
	}, func(t *testing.T) (store.Store, store.Store) {
		path := filepath.Join(t.TempDir(), "two.db")
		return open(t, path), open(t, path)
	})
}

// TestBriefsReadOnlyIndexes checks that Briefs reads both arms of its
// query from the covering indexes of migration 0009 (USING COVERING
// INDEX): a plan that visits the table costs a primary-key lookup per
// object, as the reads before briefs did.
func TestBriefsReadOnlyIndexes(t *testing.T) {
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "plan.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	plan, err := s.BriefsPlan(context.Background(), ixp.SourcePeeringDB, ixp.KindNetwork, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	var covering []string
	for _, line := range plan {
		if strings.Contains(line, " v USING") {
			if !strings.Contains(line, "USING COVERING INDEX versions_brief_") {
				t.Errorf("Briefs reads versions with %q, not a covering brief index", line)
			}
			covering = append(covering, line)
		}
	}
	if len(covering) != 2 {
		t.Errorf("plan %q: %d reads of versions, want 2 (one per arm)", plan, len(covering))
	}
}

// TestHistoryReadsOneIndex checks that an exchange's history reads its
// rows from the covering index of migration 0010 (one range of it), not
// through a primary-key seek per snapshot.
func TestHistoryReadsOneIndex(t *testing.T) {
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "plan.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	plan, err := s.HistoryPlan(context.Background(), ixp.SourcePeeringDB, 171)
	if err != nil {
		t.Fatal(err)
	}
	var reads []string
	for _, line := range plan {
		if strings.Contains(line, " st USING") {
			reads = append(reads, line)
		}
	}
	if len(reads) != 1 || !strings.Contains(reads[0], "SEARCH st USING COVERING INDEX exchange_stats_history (ix_id=?)") {
		t.Errorf("ExchangeHistory reads exchange_stats with %q, want one search of the covering index exchange_stats_history (plan %q)", reads, plan)
	}
}
