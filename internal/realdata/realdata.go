// Package realdata loads real public data into a store for tests and
// benchmarks. Two sets exist:
//
//   - Shared: the full files of ../shared/data (three full PeeringDB dumps,
//     eight LACNIC files, MRT files). A fresh clone does not have them:
//     tests that need them skip outside CI (testenv.SharedData).
//   - Trimmed: testdata/realdata in the repository, cut from the shared
//     files by scripts/fixture (the Latin American and Caribbean exchanges
//     of the three dumps with their LANs, networks and connections, three
//     LACNIC files, one RIS update file). Always present: the correctness
//     tests run on it from a fresh clone.
package realdata

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/collector/peeringdb"
	"github.com/ixpobs/ixpobs/collector/rir"
	"github.com/ixpobs/ixpobs/internal/testenv"
	"github.com/ixpobs/ixpobs/store"
)

// PeeringDBFullDumps are the three complete PeeringDB dumps, oldest first
// (in both sets: the trimmed set keeps their LAC part).
var PeeringDBFullDumps = []string{"ixgen-2019-01-19", "ixgen-2020-05-05", "ixgen-2022-06-01"}

// LACNICFiles are the LACNIC delegated-extended files of the shared set,
// oldest first.
var LACNICFiles = []string{
	"delegated-lacnic-extended-20160129.gz", "delegated-lacnic-extended-20190910.gz",
	"delegated-lacnic-extended-20210405.gz", "delegated-lacnic-extended-20211006.gz",
	"delegated-lacnic-extended-20220331.gz", "delegated-lacnic-extended-20220930.gz",
	"delegated-lacnic-extended-20230323.gz", "delegated-lacnic-extended-20240104.gz",
}

// TrimmedLACNICFiles are the LACNIC files of the trimmed set, oldest
// first: the two the pairing rule picks for the three dumps and one it
// must not pick.
var TrimmedLACNICFiles = []string{
	"delegated-lacnic-extended-20160129.gz", "delegated-lacnic-extended-20190910.gz",
	"delegated-lacnic-extended-20220331.gz",
}

// Set is a directory of real data laid out as ../shared/data is:
// peeringdb/<dump>/, rir/<file>, mrt/….
type Set struct {
	Dir     string
	Trimmed bool
}

// Shared returns the full shared data set (skipping or failing through
// testenv when it is absent).
func Shared(tb testing.TB) Set {
	tb.Helper()
	return Set{Dir: testenv.SharedData(tb)}
}

// Trimmed returns the trimmed set committed under testdata/realdata.
func Trimmed(tb testing.TB) Set {
	tb.Helper()
	root, err := repoRoot()
	if err != nil {
		tb.Fatalf("realdata: %v", err)
	}
	dir := filepath.Join(root, "testdata", "realdata")
	if _, err := os.Stat(dir); err != nil {
		tb.Fatalf("realdata: the trimmed fixture is missing (%v); regenerate it with go run ./scripts/fixture", err)
	}
	return Set{Dir: dir, Trimmed: true}
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}

// PeeringDBDir returns the directory of one dump of the set.
func (s Set) PeeringDBDir(name string) string { return filepath.Join(s.Dir, "peeringdb", name) }

// RIRFile returns the path of one RIR file of the set.
func (s Set) RIRFile(name string) string { return filepath.Join(s.Dir, "rir", name) }

// MRTFile returns the path of an MRT file of the set (relative to mrt/).
func (s Set) MRTFile(name string) string { return filepath.Join(s.Dir, "mrt", name) }

// LACNICFiles returns the LACNIC files of the set, oldest first.
func (s Set) LACNICFiles() []string {
	if s.Trimmed {
		return TrimmedLACNICFiles
	}
	return LACNICFiles
}

// DumpDate is the date a dump was taken, from its name (ixgen-2019-01-19).
// The trimmed dumps keep only part of the objects, so the newest "updated"
// time among them can be a day older than the dump: loaders date the
// snapshots explicitly, as `ixpobs import peeringdb --at` does.
func DumpDate(name string) time.Time {
	d, err := time.Parse(time.DateOnly, name[max(0, len(name)-len(time.DateOnly)):])
	if err != nil {
		panic("realdata: dump name without a date: " + name)
	}
	return d
}

// LoadPeeringDB imports the three dumps of the set into st, oldest first,
// each dated by its name.
func (s Set) LoadPeeringDB(tb testing.TB, st store.Store) {
	tb.Helper()
	ctx := context.Background()
	for _, name := range PeeringDBFullDumps {
		d, err := peeringdb.ReadDir(ctx, s.PeeringDBDir(name))
		if err != nil {
			tb.Fatalf("read %s: %v", name, err)
		}
		in, err := d.Snapshot(DumpDate(name), false)
		if err != nil {
			tb.Fatalf("snapshot %s: %v", name, err)
		}
		if _, err := st.Publish(ctx, in); err != nil {
			tb.Fatalf("publish %s: %v", name, err)
		}
	}
}

// LoadRIR imports RIR delegated statistics files of the set (names under
// rir/).
func (s Set) LoadRIR(tb testing.TB, st store.Store, names ...string) {
	tb.Helper()
	ctx := context.Background()
	for _, name := range names {
		res, err := rir.ImportFile(ctx, s.RIRFile(name))
		if err != nil {
			tb.Fatalf("read %s: %v", name, err)
		}
		if _, err := st.Publish(ctx, res.SnapshotInput()); err != nil {
			tb.Fatalf("publish %s: %v", name, err)
		}
	}
}

// PeeringDBDir returns the directory of one dump of the shared set.
func PeeringDBDir(tb testing.TB, name string) string {
	tb.Helper()
	return Shared(tb).PeeringDBDir(name)
}

// LoadPeeringDB imports the three full shared dumps into st.
func LoadPeeringDB(tb testing.TB, st store.Store) {
	tb.Helper()
	Shared(tb).LoadPeeringDB(tb, st)
}

// RIRFile returns the path of one RIR file of the shared set.
func RIRFile(tb testing.TB, name string) string {
	tb.Helper()
	return Shared(tb).RIRFile(name)
}

// LoadRIR imports RIR files of the shared set.
func LoadRIR(tb testing.TB, st store.Store, names ...string) {
	tb.Helper()
	Shared(tb).LoadRIR(tb, st, names...)
}
