// Package realdata loads the real public data of ../shared/data into a
// store for tests and benchmarks.
package realdata

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/collector/peeringdb"
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
