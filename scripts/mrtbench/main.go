// Command mrtbench times reading an MRT file into a bgp.Aggregator and
// deriving its Summary, for scripts/bench-mrt.sh; with -import DB it runs
// the whole import (collector/ribs.ImportFile into a fresh SQLite store),
// so that a CPU profile covers every phase:
//
//	go run ./scripts/mrtbench [-read-only | -import DB] [-cpuprofile f] FILE
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
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: mrtbench [-read-only | -import DB] [-cpuprofile f] FILE")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *readOnly, *importDB, *cpuprofile); err != nil {
		fmt.Fprintln(os.Stderr, "mrtbench:", err)
		os.Exit(1)
	}
}

func run(path string, readOnly bool, importDB, cpuprofile string) error {
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
	var err error
	agg := bgp.NewAggregator()
	if readOnly {
		var r *mrt.Reader
		if r, err = mrt.Open(path); err != nil {
			return err
		}
		st, err = r.Read(ctx, func(*mrt.Elem) error { return nil })
		r.Close()
	} else {
		st, err = mrt.Aggregate(ctx, path, agg)
	}
	if err != nil {
		return err
	}
	parsed := time.Since(start)
	var sum bgp.Summary
	if !readOnly {
		sum = agg.Summary()
	}
	total := time.Since(start)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	out := map[string]any{
		"stats":             st,
		"parse_seconds":     parsed.Seconds(),
		"summary_seconds":   (total - parsed).Seconds(),
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
