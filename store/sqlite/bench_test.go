package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/collector/peeringdb"
	"github.com/ixpobs/ixpobs/internal/realdata"
	"github.com/ixpobs/ixpobs/store/sqlite"
)

// BenchmarkImportPeeringDB2022 reads the 2022-06-01 dump (144,249 objects)
// and publishes it into an empty SQLite store: the whole import.
func BenchmarkImportPeeringDB2022(b *testing.B) {
	dir := realdata.PeeringDBDir(b, "ixgen-2022-06-01")
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"), nil)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		d, err := peeringdb.ReadDir(ctx, dir)
		if err != nil {
			b.Fatal(err)
		}
		in, err := d.Snapshot(time.Time{}, false)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := st.Publish(ctx, in); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		st.Close()
		b.ReportMetric(float64(len(in.Records)), "objects")
		b.StartTimer()
	}
}
