package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
)

const snapshotsUsage = "Usage: ixpobs snapshots list [--source SOURCE] [--json] [flags]\n" +
	"       ixpobs snapshots delete SOURCE DATE [flags]\n\n" +
	"  list    the snapshots of every source (or of one), oldest first\n" +
	"  delete  remove one snapshot; the history is repaired exactly as if it had\n" +
	"          never been published. DATE is the snapshot's time as list prints it\n" +
	"          (RFC 3339), or YYYY-MM-DD when the source has one snapshot that day.\n\n" +
	"Run \"ixpobs snapshots list --help\" for the flags.\n"

func runSnapshots(ctx context.Context, env *environment, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(env.stderr, snapshotsUsage)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	switch args[0] {
	case "list":
		return snapshotsList(ctx, env, args[1:])
	case "delete":
		return snapshotsDelete(ctx, env, args[1:])
	default:
		fmt.Fprintf(env.stderr, "ixpobs snapshots: unknown action %q (known: list, delete)\n\n%s", args[0], snapshotsUsage)
		return errUsage
	}
}

// snapshotLine is one snapshot as list prints it in JSON.
type snapshotLine struct {
	Source string         `json:"source"`
	At     time.Time      `json:"at"`
	ID     int64          `json:"id"`
	Kinds  []string       `json:"kinds"`
	Delta  bool           `json:"delta"`
	Counts map[string]int `json:"counts"`
	Origin string         `json:"origin,omitempty"`
}

func snapshotsList(ctx context.Context, env *environment, args []string) error {
	o := newOptions("snapshots list", "snapshots list [flags]", env, "db", "log-level", "log-format")
	source := o.fs.String("source", "", "list only the snapshots of this source (e.g. peeringdb, rir:lacnic)")
	jsonOut := o.fs.Bool("json", false, "print one JSON object per snapshot")
	pos, err := o.parseArgs(args, 0)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("unexpected arguments %q (use --source to choose a source)", pos)
	}
	_, _, st, err := o.open(ctx, env)
	if err != nil {
		return err
	}
	defer st.Close()
	lines, err := listSnapshots(ctx, st, *source)
	if err != nil {
		return err
	}
	if *jsonOut {
		enc := json.NewEncoder(env.stdout)
		for _, l := range lines {
			if err := enc.Encode(l); err != nil {
				return err
			}
		}
		return nil
	}
	return printSnapshots(env.stdout, lines)
}

func listSnapshots(ctx context.Context, st store.Store, source string) ([]snapshotLine, error) {
	sources := []string{source}
	if source == "" {
		var err error
		if sources, err = st.Sources(ctx); err != nil {
			return nil, err
		}
	}
	var out []snapshotLine
	for _, src := range sources {
		snaps, err := st.Snapshots(ctx, src)
		if err != nil {
			return nil, err
		}
		if source != "" && len(snaps) == 0 {
			return nil, fmt.Errorf("no snapshot of source %q: %w", source, ixp.ErrNotFound)
		}
		for _, sn := range snaps {
			l := snapshotLine{Source: src, At: sn.At.UTC(), ID: sn.ID, Delta: sn.Delta, Counts: sn.Counts, Origin: sn.Origin}
			for _, k := range sn.Kinds {
				l.Kinds = append(l.Kinds, k.String())
			}
			out = append(out, l)
		}
	}
	return out, nil
}

func printSnapshots(w io.Writer, lines []snapshotLine) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tAT\tID\tTYPE\tOBJECTS")
	for _, l := range lines {
		kind := "full"
		if l.Delta {
			kind = "incremental"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", l.Source, l.At.Format(time.RFC3339), l.ID, kind, countsText(l.Counts, l.Kinds))
	}
	return tw.Flush()
}

// countsText lists the object counts of the kinds a snapshot covers.
func countsText(counts map[string]int, kinds []string) string {
	sort.Strings(kinds)
	parts := make([]string, 0, len(kinds))
	for _, k := range kinds {
		parts = append(parts, fmt.Sprintf("%s %d", k, counts[k]))
	}
	return strings.Join(parts, ", ")
}

func snapshotsDelete(ctx context.Context, env *environment, args []string) error {
	o := newOptions("snapshots delete", "snapshots delete SOURCE DATE [flags]", env, "db", "log-level", "log-format")
	pos, err := o.parseArgs(args, 2)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return fmt.Errorf("want SOURCE DATE, got %q", pos)
	}
	source, date := pos[0], pos[1]
	_, _, st, err := o.open(ctx, env)
	if err != nil {
		return err
	}
	defer st.Close()
	at, err := snapshotTime(ctx, st, source, date)
	if err != nil {
		return err
	}
	sn, err := st.DeleteSnapshot(ctx, source, at)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "deleted snapshot %d of %s at %s (%s)\n", sn.ID, source, sn.At.UTC().Format(time.RFC3339),
		countsText(sn.Counts, kindNames(sn.Kinds)))
	return nil
}

func kindNames(kinds []ixp.Kind) []string {
	out := make([]string, len(kinds))
	for i, k := range kinds {
		out[i] = k.String()
	}
	return out
}

// snapshotTime resolves DATE: an exact RFC 3339 time, or a day on which
// the source has exactly one snapshot.
func snapshotTime(ctx context.Context, st store.Store, source, date string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, date); err == nil {
		return t, nil
	}
	day, err := ixp.Date(date)
	if err != nil {
		return time.Time{}, fmt.Errorf("DATE must be a time as \"ixpobs snapshots list\" prints it (RFC 3339) or a day YYYY-MM-DD, not %q", date)
	}
	snaps, err := st.Snapshots(ctx, source)
	if err != nil {
		return time.Time{}, err
	}
	var found []time.Time
	for _, sn := range snaps {
		if sn.At.UTC().Format(time.DateOnly) == day.Format(time.DateOnly) {
			found = append(found, sn.At)
		}
	}
	switch len(found) {
	case 0:
		return time.Time{}, fmt.Errorf("no snapshot of %s on %s (ixpobs snapshots list --source %s shows them): %w", source, date, source, ixp.ErrNotFound)
	case 1:
		return found[0], nil
	}
	var times []string
	for _, t := range found {
		times = append(times, t.UTC().Format(time.RFC3339))
	}
	return time.Time{}, fmt.Errorf("%s has %d snapshots on %s (%s): give the exact time", source, len(found), date, strings.Join(times, ", "))
}
