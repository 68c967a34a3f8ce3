package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ixpobs/ixpobs/collector"
	"github.com/ixpobs/ixpobs/collector/ixf"
	"github.com/ixpobs/ixpobs/collector/peeringdb"
	"github.com/ixpobs/ixpobs/collector/rir"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
)

func runImport(ctx context.Context, env *environment, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintf(env.stderr, "Usage: ixpobs import KIND PATH... [flags]\n\n"+
			"  peeringdb DIR|FILE [--at DATE]  a directory of per-object API responses (ix.json, netixlan.json.gz, …)\n"+
			"                                  or one file in the single-file layout {\"ix\": {\"data\": [...]}, …}\n"+
			"  rir FILE... [--at DATE]         RIR delegated(-extended) statistics files, plain or gzip\n"+
			"  ixf FILE|URL... [--name NAME]   IX-F member exports (schemas 0.4 to 1.0)\n"+
			"  mrt FILE... [--collector NAME] [--ixp ID] [--json] [--one-snapshot]\n"+
			"                                  MRT archives (TABLE_DUMP, TABLE_DUMP_V2, BGP4MP) or \"show ip bgp\" text tables\n"+
			"                                  (PCH), plain/gzip/bzip2: one collector snapshot per file, or all in one\n"+
			"  history FILE                    a whole history written by ixpobs export, into an empty store\n\n"+
			"Run \"ixpobs import KIND --help\" for the flags.\n")
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	switch args[0] {
	case "peeringdb":
		return importPeeringDB(ctx, env, args[1:])
	case "rir":
		return importRIR(ctx, env, args[1:])
	case "ixf":
		return importIXF(ctx, env, args[1:])
	case "history":
		return importHistory(ctx, env, args[1:])
	case "mrt":
		return importMRT(ctx, env, args[1:])
	default:
		fmt.Fprintf(env.stderr, "ixpobs import: unknown kind %q (known: peeringdb, rir, ixf, mrt, history)\n", args[0])
		return errUsage
	}
}

func importPeeringDB(ctx context.Context, env *environment, args []string) error {
	o := newOptions("import peeringdb", "import peeringdb PATH [flags]", env, "db", "log-level", "log-format")
	atFlag := o.dateFlag("snapshot date YYYY-MM-DD (default: the newest updated time in the data)")
	force := o.fs.Bool("force", false, "publish even if an object kind shrinks by more than 30%")
	jsonOut := o.fs.Bool("json", false, "print the result as JSON on stdout")
	paths, err := o.parseArgs(args, 1)
	if err != nil {
		return err
	}
	if len(paths) > 1 {
		return fmt.Errorf("one dump at a time (%d given): each is its own snapshot", len(paths))
	}
	path := paths[0]
	at, err := atFlag()
	if err != nil {
		return err
	}
	_, log, st, err := o.open(ctx, env)
	if err != nil {
		return err
	}
	defer st.Close()
	// Every outcome is a run of the source, a file that cannot be read as
	// much as a refused snapshot (the other importers and the scheduled
	// collection record theirs too).
	started := time.Now()
	in, dump, res, err := readAndPublishPeeringDB(ctx, st, path, at, *force, env.stderr, log)
	recordImport(ctx, st, log, ixp.SourcePeeringDB, path, started, res, err)
	if err != nil {
		return err
	}
	summary := map[string]any{
		"source": ixp.SourcePeeringDB, "path": path, "snapshot_id": res.Snapshot.ID, "date": res.Snapshot.At.Format(time.DateOnly),
		"unchanged": res.Unchanged, "objects": len(in.Records), "inserted": res.Inserted, "ended": res.Ended,
		"dangling": dump.Report.Dangling, "skipped": dump.Report.Skipped,
	}
	if res.TextReplaced > 0 {
		summary["text_replaced"] = res.TextReplaced
	}
	if *jsonOut {
		return json.NewEncoder(env.stdout).Encode(summary)
	}
	state := "published"
	if res.Unchanged {
		state = "unchanged (already imported)"
	}
	fmt.Fprintf(env.stdout, "peeringdb snapshot %s %s: %d objects, %d versions written, %d ended\n",
		res.Snapshot.At.Format(time.DateOnly), state, len(in.Records), res.Inserted, res.Ended)
	for _, n := range res.Snapshot.Notes { // the dump's notes and the store's (ixp.QuirkTextReplaced)
		fmt.Fprintf(env.stdout, "  note: %s\n", n)
	}
	storeAggregates(ctx, st, log)
	return nil
}

func importRIR(ctx context.Context, env *environment, args []string) error {
	o := newOptions("import rir", "import rir FILE... [flags]", env, "db", "log-level", "log-format")
	atFlag := o.dateFlag("snapshot date YYYY-MM-DD (default: the file's own date)")
	force := o.fs.Bool("force", false, "publish even if an object kind shrinks by more than 30%")
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
	var failed []string
	for _, f := range files {
		started := time.Now()
		var size int64
		if fi, err := os.Stat(f); err == nil {
			size = fi.Size()
		}
		var read atomic.Int64
		stop := startProgress(env.stderr, "rir", f, size, &read, nil, log)
		res, err := rir.ImportFileProgress(ctx, f, &read)
		stop()
		var pub store.PublishResult
		source := "rir"
		if err == nil {
			in := res.SnapshotInput()
			source = in.Source
			if !at.IsZero() {
				in.At = at
			}
			in.Force = *force
			log.Info("rir file read", "file", f, "registry", res.Header.Registry, "bytes", read.Load(), "records", len(res.Records),
				"seconds", time.Since(started).Seconds())
			pub, err = st.Publish(ctx, in)
			if err != nil {
				err = fmt.Errorf("%s: %w", f, err) // a shrink or conflict names the file too
			}
		}
		recordImport(ctx, st, log, source, f, started, pub, err)
		if err != nil {
			failed = append(failed, err.Error())
			continue
		}
		state := "published"
		if pub.Unchanged {
			state = "unchanged (already imported)"
		}
		fmt.Fprintf(env.stdout, "%s snapshot %s %s: %d records, %d versions written, %d ended\n",
			pub.Snapshot.Source, pub.Snapshot.At.Format(time.DateOnly), state, len(res.Records), pub.Inserted, pub.Ended)
	}
	storeAggregates(ctx, st, log)
	if len(failed) > 0 {
		return errors.New(strings.Join(failed, "\n"))
	}
	return nil
}

func importIXF(ctx context.Context, env *environment, args []string) error {
	o := newOptions("import ixf", "import ixf FILE|URL... [flags]", env, "db", "log-level", "log-format")
	name := o.fs.String("name", "", "source name for a single export (default: the URL's host and path, or the file path)")
	targetsArgs, err := o.parseArgs(args, 1)
	if err != nil {
		return err
	}
	if *name != "" && len(targetsArgs) > 1 {
		return fmt.Errorf("--name names one export; %d were given", len(targetsArgs))
	}
	_, log, st, err := o.open(ctx, env)
	if err != nil {
		return err
	}
	defer st.Close()
	var targets []ixf.Target
	for _, a := range targetsArgs {
		t, err := ixf.UserTarget(*name, a)
		if err != nil {
			return err
		}
		targets = append(targets, t)
	}
	client, err := newHTTPClient(0)
	if err != nil {
		return err
	}
	icfg := ixf.DefaultConfig()
	icfg.Logger = log
	c, err := ixf.New(client, publisher{st}, icfg)
	if err != nil {
		return err
	}
	m, _, err := ixfMatcher(ctx, st, nil)
	if err != nil {
		return err
	}
	results := c.Run(ctx, targets, m)
	failed := recordIXFResults(ctx, st, results, log)
	for _, r := range results {
		if r.Err != nil {
			fmt.Fprintf(env.stderr, "%s: %v\n", r.Target.Name, r.Err)
			continue
		}
		fmt.Fprintf(env.stdout, "ixf:%s snapshot %s: %d exchanges (%d matched to PeeringDB), %d members, %d connections\n",
			r.Target.Name, r.Snapshot.At.Format(time.RFC3339), r.Exchanges, r.Matched, r.Members, r.Connections)
		if r.Report != nil {
			for _, n := range r.Report.Notes() {
				fmt.Fprintf(env.stdout, "  note: %s\n", n)
			}
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d exports failed", failed, len(results))
	}
	return nil
}

// readAndPublishPeeringDB reads a PeeringDB dump (a directory or one file)
// and publishes it as the snapshot at at (zero: the dump's own date).
// Progress goes to progressOut (nil: none) as for MRT imports, and the
// two phases (read, publish) are logged with their durations.
func readAndPublishPeeringDB(ctx context.Context, st store.Store, path string, at time.Time, force bool, progressOut io.Writer, log *slog.Logger) (ixp.SnapshotInput, *peeringdb.Dump, store.PublishResult, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return ixp.SnapshotInput{}, nil, store.PublishResult{}, fmt.Errorf("peeringdb: %w", err)
	}
	size := fi.Size()
	if fi.IsDir() {
		size = dirSize(path)
	}
	var read atomic.Int64
	stop := func() {}
	if progressOut != nil {
		stop = startProgress(progressOut, "peeringdb", path, size, &read, nil, log)
	}
	started := time.Now()
	var dump *peeringdb.Dump
	if fi.IsDir() {
		dump, err = peeringdb.ReadDirProgress(ctx, path, &read)
	} else {
		dump, err = peeringdb.ReadFileProgress(ctx, path, &read)
	}
	stop()
	if err != nil {
		return ixp.SnapshotInput{}, nil, store.PublishResult{}, err
	}
	in, err := dump.Snapshot(at, false)
	if err != nil {
		return ixp.SnapshotInput{}, nil, store.PublishResult{}, err
	}
	log.Info("peeringdb dump read", "file", path, "bytes", read.Load(), "objects", len(in.Records), "seconds", time.Since(started).Seconds())
	in.Force = force
	published := time.Now()
	res, err := st.Publish(ctx, in)
	if err != nil {
		err = fmt.Errorf("%s: %w", path, err) // a shrink or conflict names the dump too
	} else {
		log.Info("peeringdb snapshot published", "file", path, "date", res.Snapshot.At.Format(time.DateOnly), "unchanged", res.Unchanged,
			"versions_written", res.Inserted, "seconds", time.Since(published).Seconds())
	}
	return in, dump, res, err
}

// dirSize is the size of the regular files directly in dir.
func dirSize(dir string) int64 {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	var n int64
	for _, e := range entries {
		if fi, err := e.Info(); err == nil && fi.Mode().IsRegular() {
			n += fi.Size()
		}
	}
	return n
}

// recordImport stores an import as a run of its source.
func recordImport(ctx context.Context, st store.Store, log *slog.Logger, source, path string, started time.Time, res store.PublishResult, err error) {
	run := store.Run{Source: source, Started: started, Finished: time.Now(), OK: err == nil, SnapshotID: res.Snapshot.ID, Detail: "import " + path}
	if err != nil {
		run.Error, run.ErrorKind = err.Error(), collector.ErrorKind(err)
	}
	if rerr := st.RecordRun(context.WithoutCancel(ctx), run); rerr != nil {
		log.Warn("cannot record the import run", "err", rerr)
	}
}

func runMigrate(ctx context.Context, env *environment, args []string) error {
	o := newOptions("migrate", "migrate [flags]", env, "db", "log-level", "log-format")
	if _, err := o.parseArgs(args, 0); err != nil {
		return err
	}
	cfg, _, st, err := o.open(ctx, env)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "database %s is up to date\n", redactDSN(cfg.DB))
	return st.Close()
}
