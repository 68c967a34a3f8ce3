package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/collector/peeringdb"
	"github.com/ixpobs/ixpobs/internal/realdata"
	"github.com/ixpobs/ixpobs/store/postgres"
)

// BenchmarkImportPeeringDB2022 reads the 2022-06-01 dump (144,249 objects)
// and publishes it into an empty PostgreSQL database: the whole import.
func BenchmarkImportPeeringDB2022(b *testing.B) {
	dir := realdata.PeeringDBDir(b, "ixgen-2022-06-01")
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		st, err := postgres.Open(ctx, newDatabase(b), nil)
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
		b.StartTimer()
	}
}
