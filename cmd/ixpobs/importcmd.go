package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ixpobs/ixpobs/collector"
	"github.com/ixpobs/ixpobs/collector/ixf"
	"github.com/ixpobs/ixpobs/collector/rir"
	"github.com/ixpobs/ixpobs/store"
)

func runImport(ctx context.Context, env *environment, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintf(env.stderr, "Usage: ixpobs import KIND PATH... [flags]\n\n"+
			"  peeringdb DIR|FILE... [--at DATE] [--date-from-name]\n"+
			"                                  directories of per-object API responses (ix.json, netixlan.json.gz, …)\n"+
			"                                  or files in the single-file layout {\"ix\": {\"data\": [...]}, …}: one snapshot each\n"+
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
