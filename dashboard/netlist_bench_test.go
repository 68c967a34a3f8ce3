package dashboard

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/store/sqlite"
)

// BenchmarkNetworkListCold measures the network list of the newest
// PeeringDB snapshot of the SQLite store HISTORY_DB read cold (a new
// server each time, so nothing is cached; the store's connections stay
// open), in wall time and CPU time (cpu-ms, the figure to compare on a
// busy machine). A store of the three real dumps:
//
//	for d in 2019-01-19 2020-05-05 2022-06-01; do
//		ixpobs import peeringdb ../shared/data/peeringdb/ixgen-$d --at $d --db /tmp/three.db
//	done
//	HISTORY_DB=/tmp/three.db go test ./dashboard -run '^$' -bench NetworkListCold -benchtime 5x
func BenchmarkNetworkListCold(b *testing.B) {
	ctx := context.Background()
	path := os.Getenv("HISTORY_DB")
	if path == "" {
		b.Skip("HISTORY_DB names no store")
	}
	st, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	sn, err := New(st, Config{}).snapshotFor(ctx, time.Time{})
	if err != nil {
		b.Fatal(err)
	}
	c0 := cpuTime()
	for b.Loop() {
		if _, err := New(st, Config{}).networksAt(ctx, sn); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((cpuTime()-c0).Microseconds())/1000/float64(b.N), "cpu-ms")
}
