// Command mrtbench times reading an MRT file into its Summary for
// scripts/bench-mrt.sh: as an import does (mrt.Summarize: a RIB dump in one
// pass through a bgp.RIB), with -aggregator into a bgp.Aggregator (the
// path of update files and live sessions), with -read-only decoding only.
// With -import DB it runs the whole import (collector/ribs.ImportFile into
// a fresh SQLite store), so that a CPU profile covers every phase:
//
//	go run ./scripts/mrtbench [-read-only | -aggregator | -import DB] [-cpuprofile f] FILE
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/ixpobs/ixpobs/bgp"
	"github.com/ixpobs/ixpobs/bgp/mrt"
	"github.com/ixpobs/ixpobs/collector/ribs"
	"github.com/ixpobs/ixpobs/store/sqlite"
)

func main() {
	readOnly := flag.Bool("read-only", false, "only decode, no aggregation")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile to this file")
	importDB := flag.String("import", "", "run the whole import into this new SQLite file")
	aggregator := flag.Bool("aggregator", false, "read into a bgp.Aggregator, whatever the file")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: mrtbench [-read-only | -aggregator | -import DB] [-cpuprofile f] FILE")
		os.Exit(2)
	}
	mode := "summarize"
	switch {
	case *readOnly:
		mode = "read-only"
	case *aggregator:
		mode = "aggregator"
	}
	if err := run(flag.Arg(0), mode, *importDB, *cpuprofile); err != nil {
		fmt.Fprintln(os.Stderr, "mrtbench:", err)
		os.Exit(1)
	}
}

func run(path, mode, importDB, cpuprofile string) error {
	if cpuprofile != "" {
		f, err := os.Create(cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	ctx := context.Background()
	if importDB != "" {
		return runImport(ctx, path, importDB)
	}
	start := time.Now()
	var st mrt.Stats
	var sum bgp.Summary
	var derive time.Duration
	switch mode {
	case "read-only":
		r, err := mrt.Open(path)
		if err != nil {
			return err
		}
		st, err = r.Read(ctx, func(*mrt.Elem) error { return nil })
		r.Close()
		if err != nil {
			return err
		}
	case "aggregator":
		agg := bgp.NewAggregator()
		var err error
		if st, err = mrt.Aggregate(ctx, path, agg); err != nil {
			return err
		}
		t := time.Now()
		sum = agg.Summary()
		derive = time.Since(t)
	default:
		res, err := mrt.Summarize(ctx, func() (*mrt.Reader, error) { return mrt.Open(path) }, nil)
		if err != nil {
			return err
		}
		st, sum, derive = res.Stats, res.Summary, res.Derive
	}
	total := time.Since(start)
	parsed := total - derive
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	out := map[string]any{
		"stats":             st,
		"parse_seconds":     parsed.Seconds(),
		"mode":              mode,
		"summary_seconds":   derive.Seconds(),
		"entries_per_sec":   float64(st.Entries) / parsed.Seconds(),
		"routes":            sum.Routes,
		"distinct_prefixes": len(sum.Prefixes),
		"origins":           len(sum.Origins),
		"links":             len(sum.Links),
		"heap_sys_mib":      ms.HeapSys >> 20,
	}
	b, _ := json.MarshalIndent(out, "", "  ")
	fmt.Println(string(b))
	return nil
}

// runImport imports path into a new SQLite store at db as `ixpobs import
// mrt` does, and prints the phases.
func runImport(ctx context.Context, path, db string) error {
	st, err := sqlite.Open(ctx, db, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer st.Close()
	res, err := ribs.ImportFile(ctx, st, path, ribs.ImportOptions{Collector: "bench"})
	if err != nil {
		return err
	}
	b, _ := json.MarshalIndent(res, "", "  ")
	fmt.Println(string(b))
	return nil
}
