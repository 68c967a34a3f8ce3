// Package realdata loads the real public data of ../shared/data into a
// store for tests and benchmarks.
package realdata

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/collector/peeringdb"
	"github.com/ixpobs/ixpobs/collector/rir"
	"github.com/ixpobs/ixpobs/internal/testenv"
	"github.com/ixpobs/ixpobs/store"
)

// PeeringDBFullDumps are the three complete PeeringDB dumps, oldest first.
var PeeringDBFullDumps = []string{"ixgen-2019-01-19", "ixgen-2020-05-05", "ixgen-2022-06-01"}

// PeeringDBDir returns the directory of one dump (skipping or failing
// through testenv when the shared data is absent).
func PeeringDBDir(tb testing.TB, name string) string {
	tb.Helper()
	return filepath.Join(testenv.SharedData(tb), "peeringdb", name)
}

// LoadPeeringDB imports the three full dumps into st.
func LoadPeeringDB(tb testing.TB, st store.Store) {
	tb.Helper()
	ctx := context.Background()
	for _, name := range PeeringDBFullDumps {
		d, err := peeringdb.ReadDir(ctx, PeeringDBDir(tb, name))
		if err != nil {
			tb.Fatalf("read %s: %v", name, err)
		}
		in, err := d.Snapshot(time.Time{}, false)
		if err != nil {
			tb.Fatalf("snapshot %s: %v", name, err)
		}
		if _, err := st.Publish(ctx, in); err != nil {
			tb.Fatalf("publish %s: %v", name, err)
		}
	}
}

// LACNICFiles are the LACNIC delegated-extended files, oldest first.
var LACNICFiles = []string{
	"delegated-lacnic-extended-20160129.gz", "delegated-lacnic-extended-20190910.gz",
	"delegated-lacnic-extended-20210405.gz", "delegated-lacnic-extended-20211006.gz",
	"delegated-lacnic-extended-20220331.gz", "delegated-lacnic-extended-20220930.gz",
	"delegated-lacnic-extended-20230323.gz", "delegated-lacnic-extended-20240104.gz",
}

// RIRFile returns the path of one RIR file of the shared data.
func RIRFile(tb testing.TB, name string) string {
	tb.Helper()
	return filepath.Join(testenv.SharedData(tb), "rir", name)
}

// LoadRIR imports RIR delegated statistics files (names under rir/).
func LoadRIR(tb testing.TB, st store.Store, names ...string) {
	tb.Helper()
	ctx := context.Background()
	for _, name := range names {
		res, err := rir.ImportFile(ctx, RIRFile(tb, name))
		if err != nil {
			tb.Fatalf("read %s: %v", name, err)
		}
		if _, err := st.Publish(ctx, res.SnapshotInput()); err != nil {
			tb.Fatalf("publish %s: %v", name, err)
		}
	}
}
