// Package collector runs the data sources of ixpobs: each on its own
// schedule, with a timeout per run, recording every run's outcome in the
// store so the API and /metrics can show each source's health. The
// sources themselves live in the sub-packages (peeringdb, ixf, rir, ribs,
// alicelg); their run names are the source ids of package ixp.
package collector

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/ixpobs/ixpobs/internal/safehttp"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
)

// Source is one data source the runner schedules.
type Source struct {
	Name     string
	Interval time.Duration
	Timeout  time.Duration
	// Collect runs one collection and returns what it published (a zero
	// result when it published nothing).
	Collect func(ctx context.Context) (store.PublishResult, error)
}

// RunRecorder stores run outcomes (a store.Store).
type RunRecorder interface {
	RecordRun(ctx context.Context, r store.Run) error
}

// RunObserver counts runs (metrics.Runs).
type RunObserver interface {
	Init(source string)
	Observe(source, errorKind string)
}

// QuirkObserver counts the quirks of published snapshots (metrics.Runs);
// a RunObserver that has this method gets them.
type QuirkObserver interface {
	ObserveQuirks(source string, quirks map[string]int)
}

// Runner schedules sources.
type Runner struct {
	sources  []Source
	runs     RunRecorder
	observer RunObserver
	log      *slog.Logger
	now      func() time.Time
}

// NewRunner returns a runner for the given sources; observer may be nil.
func NewRunner(sources []Source, runs RunRecorder, observer RunObserver, log *slog.Logger) *Runner {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if observer != nil {
		for _, s := range sources {
			observer.Init(s.Name)
		}
	}
	return &Runner{sources: sources, runs: runs, observer: observer, log: log, now: time.Now}
}

// Run collects every source now and then on its interval, until ctx ends.
// One failing source never stops the others.
func (r *Runner) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, src := range r.sources {
		wg.Go(func() {
			for {
				r.RunOnce(ctx, src)
				t := time.NewTimer(src.Interval)
				select {
				case <-ctx.Done():
					t.Stop()
					return
				case <-t.C:
				}
			}
		})
	}
	wg.Wait()
	return nil
}

// RunOnce runs one collection of src and records it. It returns the
// collection's error.
func (r *Runner) RunOnce(ctx context.Context, src Source) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	started := r.now()
	runCtx := ctx
	if src.Timeout > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(ctx, src.Timeout)
		defer cancel()
	}
	res, err := safeCollect(runCtx, src)
	run := store.Run{Source: src.Name, Started: started, Finished: r.now(), OK: err == nil, SnapshotID: res.Snapshot.ID}
	log := r.log.With("source", src.Name, "duration", run.Finished.Sub(started).Round(time.Millisecond))
	if err != nil {
		run.ErrorKind, run.Error = ErrorKind(err), err.Error()
		log.Error("collection failed", "kind", run.ErrorKind, "err", err)
	} else {
		run.Detail = fmt.Sprintf("inserted %d, ended %d, dangling %d, unchanged %v", res.Inserted, res.Ended, res.Dangling, res.Unchanged)
		if res.TextReplaced > 0 {
			run.Detail += fmt.Sprintf(", text replaced %d (%s)", res.TextReplaced, ixp.QuirkTextReplaced)
		}
		log.Info("collection done", "snapshot", res.Snapshot.ID, "inserted", res.Inserted, "ended", res.Ended)
	}
	if r.observer != nil {
		r.observer.Observe(src.Name, run.ErrorKind)
		if q, ok := r.observer.(QuirkObserver); ok && err == nil && !res.Unchanged {
			if counts := ixp.QuirkCounts(res.Snapshot.Notes); len(counts) > 0 {
				q.ObserveQuirks(src.Name, counts)
			}
		}
	}
	if rerr := r.runs.RecordRun(context.WithoutCancel(ctx), run); rerr != nil {
		log.Error("cannot record run", "err", rerr)
	}
	return err
}

// safeCollect turns a panic in a source into an error: one broken source
// never takes the process down.
func safeCollect(ctx context.Context, src Source) (res store.PublishResult, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s: %w: %v", src.Name, errPanic, p)
		}
	}()
	return src.Collect(ctx)
}

// errPanic marks a collection that panicked.
var errPanic = errors.New("panic")

// ErrorKind classifies an error for run records and metrics.
func ErrorKind(err error) string {
	var pe *ixp.ParseError
	switch {
	case err == nil:
		return ""
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, ixp.ErrShrink):
		return "shrink"
	case errors.Is(err, ixp.ErrConflict):
		return "conflict"
	case errors.Is(err, ixp.ErrTruncated):
		return "truncated"
	case errors.Is(err, ixp.ErrTooLarge):
		return "too_large"
	case errors.Is(err, fs.ErrNotExist):
		return "not_found"
	case errors.Is(err, fs.ErrPermission):
		return "permission"
	case errors.As(err, &pe):
		return "parse"
	case errors.Is(err, ixp.ErrInvalid):
		return "invalid"
	case errors.Is(err, ixp.ErrUnavailable):
		return "unavailable"
	case errors.Is(err, errPanic):
		return "panic"
	}
	kind := safehttp.Kind(err)
	var ne net.Error
	if kind == "network" && !errors.As(err, &ne) {
		return "other"
	}
	return kind
}
