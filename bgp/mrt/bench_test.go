package mrt

import (
	"context"
	"os"
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

// BenchmarkSummarySynthetic derives, again and again, the Summary of a RIB
// loaded once: IXPOBS_MRTBENCH_FILE, e.g. written by
// `go run ./scripts/mrtgen -entries 5000000 -seed 1 -gzip` (the file of
// scripts/bench-mrt.sh).
func BenchmarkSummarySynthetic(b *testing.B) {
	path := os.Getenv("IXPOBS_MRTBENCH_FILE")
	if path == "" {
		b.Skip("set IXPOBS_MRTBENCH_FILE to a synthetic RIB (scripts/mrtgen)")
	}
	agg := bgp.NewAggregator()
	if _, err := Aggregate(context.Background(), path, agg); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		agg.Summary()
	}
}
