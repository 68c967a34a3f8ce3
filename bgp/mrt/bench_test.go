package mrt

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/ixpobs/ixpobs/bgp"
)

// benchFile benchmarks a shared file: read only, through the Aggregator
// (mode "aggregate", with its Summary) or as an import does (mode
// "summarize": mrt.Summarize).
func benchFile(b *testing.B, name, mode string) {
	path := filepath.Join(sharedMRT(b), name)
	var entries int64
	for b.Loop() {
		var st Stats
		switch mode {
		case "aggregate":
			agg := bgp.NewAggregator()
			st, _ = Aggregate(context.Background(), path, agg)
			agg.Summary()
		case "summarize":
			res, _ := Summarize(context.Background(), func() (*Reader, error) { return Open(path) }, nil)
			st = res.Stats
		default:
			st, _ = readFile(path, nil)
		}
		entries = st.Entries
	}
	b.ReportMetric(float64(entries)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}

func BenchmarkReadBview2002(b *testing.B) {
	benchFile(b, "ripe-ncc-bgpdump/bview.20020722.2337.gz", "read")
}
func BenchmarkAggregateBview2002(b *testing.B) {
	benchFile(b, "ripe-ncc-bgpdump/bview.20020722.2337.gz", "aggregate")
}
func BenchmarkSummarizeBview2002(b *testing.B) {
	benchFile(b, "ripe-ncc-bgpdump/bview.20020722.2337.gz", "summarize")
}
func BenchmarkReadRouteViews2014(b *testing.B) {
	benchFile(b, "pyasn/rib.20140523.0600_firstMB.bz2", "read")
}
func BenchmarkAggregateRouteViews2014(b *testing.B) {
	benchFile(b, "pyasn/rib.20140523.0600_firstMB.bz2", "aggregate")
}
func BenchmarkSummarizeRouteViews2014(b *testing.B) {
	benchFile(b, "pyasn/rib.20140523.0600_firstMB.bz2", "summarize")
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
