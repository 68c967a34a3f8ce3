package storetest

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
)

// Database is one database a backend's test can open as a store more than
// once and reach with plain SQL, to test a migration on stored rows.
type Database struct {
	// Open opens (and migrates) the database as a store.
	Open func(t *testing.T) store.Store
	// Exec runs one SQL statement on the database, outside any store.
	Exec func(t *testing.T, query string)
	// Try runs one SQL statement and returns its error.
	Try func(query string) error
	// New returns a new, empty store (the target of a history import).
	New Opener
}

// RunBGPSourceMerge checks migration 0004: runs a scheduled MRT fetcher
// recorded as "mrt:<collector>" before ixp.BGPSource was its one name end
// up under "bgp:<collector>" with the runs of `import mrt`, in order, with
// one summary, whether they are in the store when it is upgraded or in a
// history export written before the upgrade.
func RunBGPSourceMerge(t *testing.T, db Database) {
	ctx := context.Background()
	old := []store.Run{
		{Source: "mrt:rrc15", Started: day(0), Finished: day(0).Add(time.Minute), OK: true},
		{Source: "bgp:rrc15", Started: day(1), Finished: day(1).Add(time.Minute), OK: true, Detail: "import mrt"},
		{Source: "mrt:rrc15", Started: day(2), Finished: day(2).Add(time.Minute), ErrorKind: "http_status", Error: "mrt rrc15: 503"},
		{Source: "mrt:rrc24", Started: day(2), Finished: day(2).Add(time.Minute), OK: true},
		{Source: "peeringdb", Started: day(2), Finished: day(2).Add(time.Minute), OK: true},
	}
	s := db.Open(t)
	for _, r := range old {
		if err := s.RecordRun(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	var export bytes.Buffer
	if err := s.ExportHistory(ctx, &export); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// The database as a version before 0004 left it: the rows above, the
	// migration not applied.
	db.Exec(t, `DELETE FROM schema_migrations WHERE version = 4`)
	upgraded := db.Open(t)
	defer upgraded.Close()

	imported := db.New(t)
	if err := imported.ImportHistory(ctx, &export); err != nil {
		t.Fatalf("import of an export with mrt: runs: %v", err)
	}
	for name, s := range map[string]store.Store{"upgraded": upgraded, "imported": imported} {
		runs, err := s.Runs(ctx, "", 10)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range runs {
			got = append(got, r.Source+" "+r.Started.Format(time.DateOnly))
		}
		want := []string{"bgp:rrc15 2020-01-03", "bgp:rrc24 2020-01-03", "peeringdb 2020-01-03", "bgp:rrc15 2020-01-02", "bgp:rrc15 2020-01-01"}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: runs = %q, want %q", name, got, want)
		}
		sums, err := s.RunSummaries(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, sum := range sums {
			names = append(names, sum.Last.Source)
			if sum.Last.Source == ixp.BGPSource("rrc15") && (sum.Last.OK || sum.Last.ErrorKind != "http_status" || !sum.LastSuccess.Equal(day(1).Add(time.Minute))) {
				t.Errorf("%s: summary of bgp:rrc15 = %+v, want the failed fetch of day 2 after the import of day 1", name, sum)
			}
		}
		slices.Sort(names)
		if want := []string{"bgp:rrc15", "bgp:rrc24", "peeringdb"}; !slices.Equal(names, want) {
			t.Errorf("%s: sources with runs = %q, want %q (one name per collector)", name, names, want)
		}
	}
}
