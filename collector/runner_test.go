package collector_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/collector"
	"github.com/ixpobs/ixpobs/internal/safehttp"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"

	"github.com/ixpobs/ixpobs/internal/testdiff"
)

type runLog struct {
	mu   sync.Mutex
	runs []store.Run
}

func (l *runLog) RecordRun(_ context.Context, r store.Run) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.runs = append(l.runs, r)
	return nil
}

type observer struct {
	mu    sync.Mutex
	init  []string
	kinds []string
}

func (o *observer) Init(s string) { o.mu.Lock(); o.init = append(o.init, s); o.mu.Unlock() }
func (o *observer) Observe(s, k string) {
	o.mu.Lock()
	o.kinds = append(o.kinds, s+":"+k)
	o.mu.Unlock()
}

func TestRunOnce(t *testing.T) {
	cases := []struct {
		name     string
		collect  func(context.Context) (store.PublishResult, error)
		wantOK   bool
		wantKind string
	}{
		{"ok", func(context.Context) (store.PublishResult, error) {
			return store.PublishResult{Snapshot: ixp.Snapshot{ID: 7}, Inserted: 3}, nil
		}, true, ""},
		{"panic", func(context.Context) (store.PublishResult, error) { panic("decoder bug") }, false, "panic"},
		{"parse", func(context.Context) (store.PublishResult, error) {
			return store.PublishResult{}, &ixp.ParseError{Source: "x", File: "f", Offset: 1, Record: -1, Err: errors.New("bad")}
		}, false, "parse"},
		{"shrink", func(context.Context) (store.PublishResult, error) {
			return store.PublishResult{}, &ixp.ShrinkError{Source: "x", Kind: ixp.KindConnection, Previous: 10, Next: 1, MaxDrop: 0.3}
		}, false, "shrink"},
		{"timeout", func(ctx context.Context) (store.PublishResult, error) {
			<-ctx.Done()
			return store.PublishResult{}, ctx.Err()
		}, false, "timeout"},
		{"plain error", func(context.Context) (store.PublishResult, error) {
			return store.PublishResult{}, errors.New("something else")
		}, false, "other"},
		{"http 429", func(context.Context) (store.PublishResult, error) {
			return store.PublishResult{}, fmt.Errorf("peeringdb: %w", &safehttp.StatusError{Code: 429})
		}, false, "http_429"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var runs runLog
			obs := &observer{}
			src := collector.Source{Name: "src", Interval: time.Hour, Timeout: 50 * time.Millisecond, Collect: c.collect}
			r := collector.NewRunner([]collector.Source{src}, &runs, obs, nil)
			err := r.RunOnce(context.Background(), src)
			if (err == nil) != c.wantOK {
				t.Fatalf("RunOnce error = %v, want ok %v", err, c.wantOK)
			}
			if len(runs.runs) != 1 || runs.runs[0].OK != c.wantOK || runs.runs[0].ErrorKind != c.wantKind {
				t.Errorf("recorded runs = %+v, want one with ok %v kind %q", runs.runs, c.wantOK, c.wantKind)
			}
			if len(obs.init) != 1 || len(obs.kinds) != 1 || obs.kinds[0] != "src:"+c.wantKind {
				t.Errorf("observer saw init %v, runs %v", obs.init, obs.kinds)
			}
		})
	}
}

// TestRunSchedules checks that Run collects every source at once, that one
// failing source does not stop another, and that Run returns when its
// context ends.
func TestRunSchedules(t *testing.T) {
	var runs runLog
	var mu sync.Mutex
	count := map[string]int{}
	mk := func(name string, fail bool) collector.Source {
		return collector.Source{Name: name, Interval: 20 * time.Millisecond, Collect: func(context.Context) (store.PublishResult, error) {
			mu.Lock()
			count[name]++
			mu.Unlock()
			if fail {
				return store.PublishResult{}, errors.New("down")
			}
			return store.PublishResult{}, nil
		}}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	done := make(chan struct{})
	go func() {
		collector.NewRunner([]collector.Source{mk("good", false), mk("bad", true)}, &runs, nil, nil).Run(ctx)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	if count["good"] < 2 || count["bad"] < 2 {
		t.Errorf("collections = %v, want several of each", count)
	}
}

type quirkObserver struct {
	observer
	quirks map[string]int
}

func (o *quirkObserver) ObserveQuirks(source string, q map[string]int) {
	if o.quirks == nil {
		o.quirks = map[string]int{}
	}
	for k, n := range q {
		o.quirks[source+" "+k] += n
	}
}

// TestRunnerCountsQuirks: the quirks noted in a newly published snapshot
// reach the observer; an unchanged one adds nothing.
func TestRunnerCountsQuirks(t *testing.T) {
	var runs runLog
	obs := &quirkObserver{}
	unchanged := false
	src := collector.Source{Name: "s", Interval: time.Hour, Collect: func(ctx context.Context) (store.PublishResult, error) {
		return store.PublishResult{Unchanged: unchanged, Snapshot: ixp.Snapshot{Notes: []string{
			ixp.QuirkNote(ixp.QuirkSpeedOutOfRange, 2, "(e.g. netixlan 1)"), "ixf dropped invalid_asn: 3 (e.g. x)", "skipped net pending: 4"}}}, nil
	}}
	r := collector.NewRunner([]collector.Source{src}, &runs, obs, nil)
	r.RunOnce(context.Background(), src)
	unchanged = true
	r.RunOnce(context.Background(), src)
	want := map[string]int{"s speed_out_of_range": 2, "s invalid_asn": 3}
	if d := testdiff.Diff(want, obs.quirks); d != "" {
		t.Errorf("quirks, -want +got:\n%s", d)
	}
}
