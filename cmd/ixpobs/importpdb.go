package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ixpobs/ixpobs/collector/peeringdb"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
)

// pdbReadAhead is how many PeeringDB dumps an import holds at once: the
// one being published and the next ones, read on their own goroutines
// meanwhile. Peak RSS with three 2022 dumps (144,000 objects each): 1.0 GB,
// against 0.45 GB for an import of one.
const pdbReadAhead = 3

// pdbFiguresEvery is how many dumps an import publishes between two
// fillings of the country and area figures (and after the last one).
// Each filling lists the whole timeline first (60 ms of CPU at 2,800
// snapshots, growing with the history), so filling after every dump of a
// long backfill would make a day's cost grow with the days stored. (On
// their own goroutine the fillings waited for the publications' write
// lock and said so in warnings.)
const pdbFiguresEvery = 16

func importPeeringDB(ctx context.Context, env *environment, args []string) error {
	o := newOptions("import peeringdb", "import peeringdb PATH... [flags]", env, "db", "log-level", "log-format")
	atFlag := o.dateFlag("snapshot date YYYY-MM-DD of a single dump (default: the newest updated time in the data)")
	fromName := o.fs.Bool("date-from-name", false, "date each dump by the date in its file or directory name (YYYY-MM-DD, YYYY_MM_DD or YYYYMMDD,\n"+
		"as in CAIDA's archive) and import them oldest first")
	force := o.fs.Bool("force", false, "publish even if an object kind shrinks by more than 30%")
	jsonOut := o.fs.Bool("json", false, "print each result as a line of JSON on stdout")
	paths, err := o.parseArgs(args, 1)
	if err != nil {
		return err
	}
	at, err := atFlag()
	if err != nil {
		return err
	}
	switch {
	case !at.IsZero() && *fromName:
		return errors.New("--at and --date-from-name exclude each other")
	case !at.IsZero() && len(paths) > 1:
		return fmt.Errorf("--at dates a single dump (%d given): use --date-from-name, or the dumps' own dates", len(paths))
	}
	dumps := make([]pdbDump, len(paths))
	for i, p := range paths {
		dumps[i] = pdbDump{path: p, at: at}
		if *fromName {
			if dumps[i].at, err = dateInName(p); err != nil {
				return err
			}
		}
	}
	if *fromName {
		slices.SortStableFunc(dumps, func(a, b pdbDump) int { return a.at.Compare(b.at) })
	}
	_, log, st, err := o.open(ctx, env)
	if err != nil {
		return err
	}
	defer st.Close()
	progress := env.stderr
	if len(dumps) > 1 {
		progress = nil // dumps read at once would share one progress line
	}
	var failed []string
	published := 0
	for r := range readPeeringDBDumps(ctx, dumps, pdbReadAhead, progress, log) {
		res, err := publishPeeringDB(ctx, st, r, *force, log)
		// Every outcome is a run of the source, a file that cannot be
		// read as much as a refused snapshot (the other importers and the
		// scheduled collection record theirs too).
		recordImport(ctx, st, log, ixp.SourcePeeringDB, r.path, r.started, res, err)
		if err != nil {
			if len(dumps) == 1 || ctx.Err() != nil {
				return err
			}
			fmt.Fprintf(env.stderr, "%v\n", err)
			failed = append(failed, r.path)
			continue
		}
		if err := printPeeringDBResult(env.stdout, r, res, *jsonOut); err != nil {
			return err
		}
		if published++; published%pdbFiguresEvery == 0 {
			storeAggregates(ctx, st, log)
		}
	}
	if published%pdbFiguresEvery != 0 {
		storeAggregates(ctx, st, log)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d dumps not imported: %s", len(failed), len(dumps), strings.Join(failed, ", "))
	}
	return nil
}

// pdbDump is a dump to import and its date (zero: its own).
type pdbDump struct {
	path string
	at   time.Time
}

// pdbRead is a dump read (or not).
type pdbRead struct {
	pdbDump
	started time.Time
	in      ixp.SnapshotInput
	dump    *peeringdb.Dump
	err     error
}

var nameDate = regexp.MustCompile(`(\d{4})[-_]?(\d{2})[-_]?(\d{2})`)

// dateInName is the last date YYYY-MM-DD, YYYY_MM_DD or YYYYMMDD in the
// base name of path (peeringdb_2_dump_2022_06_01.json, 2022-06-01/).
func dateInName(path string) (time.Time, error) {
	base := filepath.Base(filepath.Clean(path))
	m := nameDate.FindAllStringSubmatch(base, -1)
	if len(m) == 0 {
		return time.Time{}, fmt.Errorf("%s: no date YYYY-MM-DD, YYYY_MM_DD or YYYYMMDD in the name (--date-from-name)", path)
	}
	last := m[len(m)-1]
	t, err := ixp.Date(last[1] + "-" + last[2] + "-" + last[3])
	if err == nil {
		err = ixp.CheckSnapshotTime(t, time.Now())
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("%s: the date in the name (--date-from-name): %w", path, err)
	}
	return t, nil
}

// readPeeringDBDumps reads the dumps on up to ahead goroutines and yields
// them in order; a dump's slot is freed when the loop body that got it
// returns, so that at most ahead dumps are in memory, the one the caller
// holds included. Stopping the loop stops the reading; once ctx is
// cancelled every dump still to come fails with its error.
func readPeeringDBDumps(ctx context.Context, dumps []pdbDump, ahead int, progress io.Writer, log *slog.Logger) iter.Seq[pdbRead] {
	return func(yield func(pdbRead) bool) {
		ctx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		defer wg.Wait()
		defer cancel()
		slots := make(chan struct{}, ahead)
		results := make([]chan pdbRead, len(dumps))
		for i := range results {
			results[i] = make(chan pdbRead, 1)
		}
		wg.Go(func() {
			for i, d := range dumps {
				select {
				case slots <- struct{}{}:
				case <-ctx.Done():
					// The dumps not started fail as the context did.
					for j := i; j < len(dumps); j++ {
						results[j] <- pdbRead{pdbDump: dumps[j], started: time.Now(), err: fmt.Errorf("peeringdb: %s: %w", dumps[j].path, ctx.Err())}
					}
					return
				}
				wg.Go(func() { results[i] <- readPeeringDB(ctx, d, progress, log) })
			}
		})
		for i := range dumps {
			more := yield(<-results[i])
			<-slots
			if !more {
				return
			}
		}
	}
}

// readPeeringDB reads a PeeringDB dump (a directory or one file) into the
// snapshot at d.at (zero: the dump's own date). Progress goes to progress
// (nil: none) as for MRT imports.
func readPeeringDB(ctx context.Context, d pdbDump, progress io.Writer, log *slog.Logger) pdbRead {
	r := pdbRead{pdbDump: d, started: time.Now()}
	fi, err := os.Stat(d.path)
	if err != nil {
		r.err = fmt.Errorf("peeringdb: %w", err)
		return r
	}
	size := fi.Size()
	if fi.IsDir() {
		size = dirSize(d.path)
	}
	var read atomic.Int64
	stop := func() {}
	if progress != nil {
		stop = startProgress(progress, "peeringdb", d.path, size, &read, nil, log)
	}
	if fi.IsDir() {
		r.dump, r.err = peeringdb.ReadDirProgress(ctx, d.path, &read)
	} else {
		r.dump, r.err = peeringdb.ReadFileProgress(ctx, d.path, &read)
	}
	stop()
	if r.err != nil {
		return r
	}
	if r.in, r.err = r.dump.Snapshot(d.at, false); r.err != nil {
		return r
	}
	log.Info("peeringdb dump read", "file", d.path, "bytes", read.Load(), "objects", len(r.in.Records), "seconds", time.Since(r.started).Seconds())
	return r
}

// publishPeeringDB publishes a dump read, or returns the error that kept
// it from being read.
func publishPeeringDB(ctx context.Context, st store.Store, r pdbRead, force bool, log *slog.Logger) (store.PublishResult, error) {
	if r.err != nil {
		return store.PublishResult{}, r.err
	}
	in := r.in
	in.Force = force
	published := time.Now()
	res, err := st.Publish(ctx, in)
	if err != nil {
		return res, fmt.Errorf("%s: %w", r.path, err) // a shrink or conflict names the dump too
	}
	log.Info("peeringdb snapshot published", "file", r.path, "date", res.Snapshot.At.Format(time.DateOnly), "unchanged", res.Unchanged,
		"versions_written", res.Inserted, "seconds", time.Since(published).Seconds())
	return res, nil
}

// printPeeringDBResult prints what a dump's import did.
func printPeeringDBResult(w io.Writer, r pdbRead, res store.PublishResult, asJSON bool) error {
	if asJSON {
		summary := map[string]any{
			"source": ixp.SourcePeeringDB, "path": r.path, "snapshot_id": res.Snapshot.ID, "date": res.Snapshot.At.Format(time.DateOnly),
			"unchanged": res.Unchanged, "objects": len(r.in.Records), "inserted": res.Inserted, "ended": res.Ended,
			"dangling": r.dump.Report.Dangling, "skipped": r.dump.Report.Skipped,
		}
		if res.TextReplaced > 0 {
			summary["text_replaced"] = res.TextReplaced
		}
		return json.NewEncoder(w).Encode(summary)
	}
	state := "published"
	if res.Unchanged {
		state = "unchanged (already imported)"
	}
	fmt.Fprintf(w, "peeringdb snapshot %s %s: %d objects, %d versions written, %d ended\n",
		res.Snapshot.At.Format(time.DateOnly), state, len(r.in.Records), res.Inserted, res.Ended)
	for _, n := range res.Snapshot.Notes { // the dump's notes and the store's (ixp.QuirkTextReplaced)
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	return nil
}
