package mrt

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/ixpobs/ixpobs/bgp"
)

// benchFile benchmarks reading (and aggregating) a shared file.
func benchFile(b *testing.B, name string, aggregate bool) {
	path := filepath.Join(sharedMRT(b), name)
	var entries int64
	for b.Loop() {
		var st Stats
		if aggregate {
			st, _ = Aggregate(context.Background(), path, bgp.NewAggregator())
		} else {
			st, _ = readFile(path, nil)
		}
		entries = st.Entries
	}
	b.ReportMetric(float64(entries)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}

func BenchmarkReadBview2002(b *testing.B) {
	benchFile(b, "ripe-ncc-bgpdump/bview.20020722.2337.gz", false)
}
func BenchmarkAggregateBview2002(b *testing.B) {
	benchFile(b, "ripe-ncc-bgpdump/bview.20020722.2337.gz", true)
}
func BenchmarkReadRouteViews2014(b *testing.B) {
	benchFile(b, "pyasn/rib.20140523.0600_firstMB.bz2", false)
}
func BenchmarkAggregateRouteViews2014(b *testing.B) {
	benchFile(b, "pyasn/rib.20140523.0600_firstMB.bz2", true)
}
