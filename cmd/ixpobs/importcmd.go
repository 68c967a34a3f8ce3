package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/ixpobs/ixpobs/collector/peeringdb"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
)

func runImport(ctx context.Context, env *environment, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintf(env.stderr, "Usage: ixpobs import peeringdb PATH [--at DATE] [--force] [--db DSN]\n\n"+
			"  peeringdb  a directory of per-object API responses (ix.json, netixlan.json.gz, …)\n"+
			"             or one file in the single-file layout {\"ix\": {\"data\": [...]}, …}\n")
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	switch args[0] {
	case "peeringdb":
		return importPeeringDB(ctx, env, args[1:])
	default:
		fmt.Fprintf(env.stderr, "ixpobs import: unknown kind %q (known: peeringdb)\n", args[0])
		return errUsage
	}
}

func importPeeringDB(ctx context.Context, env *environment, args []string) error {
	o := newOptions("import peeringdb", "import peeringdb PATH [flags]", env, "db", "log-level", "log-format")
	atFlag := o.fs.String("at", "", "snapshot date YYYY-MM-DD (default: the newest updated time in the data)")
	force := o.fs.Bool("force", false, "publish even if an object kind shrinks by more than 30%")
	jsonOut := o.fs.Bool("json", false, "print the result as JSON on stdout")
	path, rest := firstPositional(args)
	if err := o.fs.Parse(rest); err != nil {
		return err
	}
	if path == "" && o.fs.NArg() > 0 {
		path = o.fs.Arg(0)
	}
	if path == "" {
		o.fs.Usage()
		return errUsage
	}
	cfg, err := o.load(env)
	if err != nil {
		return err
	}
	var at time.Time
	if *atFlag != "" {
		if at, err = ixp.Date(*atFlag); err != nil {
			return fmt.Errorf("--at must be a date YYYY-MM-DD, not %q", *atFlag)
		}
	}
	log := newLogger(cfg.Log, env.stderr)
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	var dump *peeringdb.Dump
	if fi.IsDir() {
		dump, err = peeringdb.ReadDir(ctx, path)
	} else {
		dump, err = peeringdb.ReadFile(ctx, path)
	}
	if err != nil {
		return err
	}
	in, err := dump.Snapshot(at, false)
	if err != nil {
		return err
	}
	in.Force = *force
	st, err := openStore(ctx, cfg.DB, log)
	if err != nil {
		return err
	}
	defer st.Close()
	started := time.Now()
	res, err := st.Publish(ctx, in)
	run := store.Run{Source: peeringdb.Source, Started: started, Finished: time.Now(), OK: err == nil, SnapshotID: res.Snapshot.ID, Detail: "import " + path}
	if err != nil {
		run.Error = err.Error()
		var se *ixp.ShrinkError
		if errors.As(err, &se) {
			run.ErrorKind = "shrink"
		} else {
			run.ErrorKind = "import"
		}
	}
	if rerr := st.RecordRun(context.WithoutCancel(ctx), run); rerr != nil {
		log.Warn("cannot record the import run", "err", rerr)
	}
	if err != nil {
		return err
	}
	summary := map[string]any{
		"source": peeringdb.Source, "path": path, "snapshot_id": res.Snapshot.ID, "date": res.Snapshot.At.Format(time.DateOnly),
		"unchanged": res.Unchanged, "objects": len(in.Records), "inserted": res.Inserted, "ended": res.Ended,
		"dangling": dump.Report.Dangling, "skipped": dump.Report.Skipped,
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
	for _, n := range in.Notes {
		fmt.Fprintf(env.stdout, "  note: %s\n", n)
	}
	return nil
}

// firstPositional splits off the first argument when it is not a flag, so
// that "import peeringdb DIR --at DATE" works as well as the flags-first
// form.
func firstPositional(args []string) (string, []string) {
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		return args[0], args[1:]
	}
	return "", args
}

func runMigrate(ctx context.Context, env *environment, args []string) error {
	o := newOptions("migrate", "migrate [flags]", env, "db", "log-level", "log-format")
	if err := o.fs.Parse(args); err != nil {
		return err
	}
	cfg, err := o.load(env)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg.DB, newLogger(cfg.Log, env.stderr))
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "database %s is up to date\n", redactDSN(cfg.DB))
	return st.Close()
}
