package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/collector/peeringdb"
	"github.com/ixpobs/ixpobs/internal/realdata"
	"github.com/ixpobs/ixpobs/store"
)

// BenchmarkImportPeeringDB2022 reads the 2022-06-01 PeeringDB dump (144,249
// objects) and publishes it into a new store from open: the whole import.
// open is called with the timer stopped.
func BenchmarkImportPeeringDB2022(b *testing.B, open func(b *testing.B) store.Store) {
	dir := realdata.PeeringDBDir(b, "ixgen-2022-06-01")
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		st := open(b)
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
