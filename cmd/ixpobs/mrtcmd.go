package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ixpobs/ixpobs/bgp/snapshot"
	"github.com/ixpobs/ixpobs/collector/ribs"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
)

// mrtMemoryLimit is the soft Go memory limit of `import mrt`.
const mrtMemoryLimit = 700 << 20

// mrtResult is one line of `import mrt --json`.
type mrtResult struct {
	ribs.Result
	ImportErr string  `json:"import_error,omitempty"`
	Seconds   float64 `json:"seconds"`
}

func importMRT(ctx context.Context, env *environment, args []string) error {
	o := newOptions("import mrt", "import mrt FILE... [flags]", env, "db", "log-level", "log-format")
	collector := o.fs.String("collector", "", "collector name (default: taken from the file name, e.g. rrc15 from rrc15_bview…, pch-scl from route-collector.scl.pch.net-…, else \"mrt\")")
	ixpID := o.fs.Int64("ixp", 0, "PeeringDB ix id of the exchange the collector peers at")
	atFlag := o.dateFlag("snapshot time YYYY-MM-DD (default: the newest record time of an MRT file, the date in a text table's name)")
	jsonOut := o.fs.Bool("json", false, "print one JSON object per file on stdout")
	force := o.fs.Bool("force", false, "publish even if an object kind shrinks by more than 30%")
	one := o.fs.Bool("one-snapshot", false, "import all the files as one snapshot (the IPv4 and IPv6 \"show ip bgp\" tables PCH publishes for a collector and day)")
	files, err := o.parseArgs(args, 1)
	if err != nil {
		return err
	}
	at, err := atFlag()
	if err != nil {
		return err
	}
	_, log, st, err := o.open(ctx, env)
	if err != nil {
		return err
	}
	defer st.Close()
	// A full table holds the aggregator, its summary and the snapshot at
	// once; a soft limit keeps the Go heap from growing to twice its live
	// size (GOGC=100) on large tables. GOMEMLIMIT in the environment wins.
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(mrtMemoryLimit)
	}
	groups := make([][]string, 0, len(files))
	if *one {
		groups = append(groups, files)
	} else {
		for _, f := range files {
			groups = append(groups, []string{f})
		}
	}
	failed := 0
	for _, group := range groups {
		f := group[0]
		name := *collector
		if name == "" {
			name = collectorFromFile(f)
		}
		res := importMRTFiles(ctx, st, group, name, *ixpID, at, *force, env.stderr, log)
		if res.ImportErr != "" {
			failed++
		}
		if *jsonOut {
			json.NewEncoder(env.stdout).Encode(res)
		} else if res.ImportErr == "" {
			fmt.Fprintf(env.stdout, "%s: %d records, %d entries, %d prefixes, %d peers, %d skipped: snapshot bgp:%s %s (%.1f s)\n",
				f, res.Records, res.Entries, res.Prefixes, res.Peers, res.Skipped, name, res.Snapshot, res.Seconds)
		}
		if res.ImportErr != "" {
			fmt.Fprintf(env.stderr, "%s: %s\n", f, res.ImportErr)
		}
	}
	storeAggregates(ctx, st, log)
	if failed > 0 {
		return fmt.Errorf("%d of %d imports failed", failed, len(groups))
	}
	return nil
}

// collectorFromFile guesses a collector name from RIS, RouteViews and PCH
// file names: rrc15_bview… or rrc15.bview… gives rrc15, route-views.sg…
// gives route-views.sg, route-collector.scl.pch.net-ipv4_bgp_routes… gives
// pch-scl (the names of the default collectors).
func collectorFromFile(path string) string {
	base := path[strings.LastIndexByte(path, '/')+1:]
	if rest, ok := strings.CutPrefix(base, "route-collector."); ok {
		if name, _, ok := strings.Cut(rest, ".pch.net"); ok && snapshot.ValidName("pch-"+name) == nil {
			return "pch-" + name
		}
	}
	for _, sep := range []string{"_", ".bview", ".updates", ".rib", "_rib"} {
		if i := strings.Index(base, sep); i > 0 {
			if snapshot.ValidName(base[:i]) == nil && !strings.HasPrefix(base, "bview") && !strings.HasPrefix(base, "updates") {
				return base[:i]
			}
		}
	}
	return "mrt"
}

// importMRTFiles imports the files of one snapshot through
// ribs.ImportFiles (the path the scheduled fetcher uses too), with
// progress, and records the run.
func importMRTFiles(ctx context.Context, st store.Store, paths []string, collector string, ixpID int64, at time.Time, force bool, progressOut io.Writer, log *slog.Logger) mrtResult {
	started := time.Now()
	var size int64
	for _, p := range paths {
		if fi, err := os.Stat(p); err == nil {
			size += fi.Size()
		}
	}
	path := strings.Join(paths, " ")
	var records, read atomic.Int64
	stop := startProgress(progressOut, "mrt", path, size, &read, &records, log)
	r, err := ribs.ImportFiles(ctx, st, paths, ribs.ImportOptions{Collector: collector, IXID: ixpID, At: at, Force: force, Records: &records, Bytes: &read})
	stop()
	res := mrtResult{Result: r, Seconds: time.Since(started).Seconds()}
	if err != nil {
		res.ImportErr = err.Error()
	}
	recordImport(ctx, st, log, ixp.BGPSource(collector), path, started, r.Publish, err)
	return res
}

// startProgress reports the progress of an import of kind (mrt,
// peeringdb, rir) every half second on a terminal (one line rewritten in
// place: bytes, records/s, or MiB/s when records is nil, time left) and
// every 10 seconds as a log line "KIND import progress" otherwise. The
// returned func stops it.
func startProgress(w io.Writer, kind, name string, size int64, read, records *atomic.Int64, log *slog.Logger) func() {
	return startProgressEvery(w, kind, name, size, read, records, log, 10*time.Second)
}

func startProgressEvery(w io.Writer, kind, name string, size int64, read, records *atomic.Int64, log *slog.Logger, logEvery time.Duration) func() {
	f, isFile := w.(*os.File)
	tty := false
	if isFile {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	every := logEvery
	if tty {
		every = 500 * time.Millisecond
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(finished)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				if tty {
					fmt.Fprint(w, "\r\033[K")
				}
				return
			case <-t.C:
				elapsed := time.Since(start).Seconds()
				n := read.Load()
				left := "?"
				if n > 0 && size > 0 {
					left = (time.Duration(elapsed*float64(size-n)/float64(n)) * time.Second).Round(time.Second).String()
				}
				pct := 0.0
				if size > 0 {
					pct = 100 * float64(n) / float64(size)
				}
				rate, unit, prec := float64(n)/elapsed/(1<<20), "MiB/s", 1
				if records != nil {
					rate, unit, prec = float64(records.Load())/elapsed, "records/s", 0
				}
				if tty {
					fmt.Fprintf(w, "\r\033[K%s: %5.1f%% of %s, %s %s, %s left", name, pct, humanBytes(size), strconv.FormatFloat(rate, 'f', prec, 64), unit, left)
				} else if records != nil {
					log.Info(kind+" import progress", "file", name, "percent", fmt.Sprintf("%.1f", pct), "records_per_second", int64(rate), "left", left)
				} else {
					log.Info(kind+" import progress", "file", name, "percent", fmt.Sprintf("%.1f", pct), "mib_per_second", fmt.Sprintf("%.1f", rate), "left", left)
				}
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d KiB", n>>10)
}
