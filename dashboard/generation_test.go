package dashboard

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestGenerationReadsAreFreshAndShared checks that concurrent callers share
// reads of the generation, and that none gets the result of a read that
// had started before it called (it could miss a snapshot published just
// before its request).
func TestGenerationReadsAreFreshAndShared(t *testing.T) {
	var started atomic.Int64 // reads started; a read returns its number
	g := &generationReads{read: func(context.Context) (int64, error) {
		n := started.Add(1)
		time.Sleep(200 * time.Microsecond)
		return n, nil
	}}
	const callers, calls = 32, 50
	var wg sync.WaitGroup
	for range callers {
		wg.Go(func() {
			for range calls {
				before := started.Load()
				gen, err := g.get(context.Background())
				if err != nil {
					t.Error(err)
					return
				}
				if gen <= before {
					t.Errorf("got the result of read %d, started before the call (%d reads had started)", gen, before)
					return
				}
			}
		})
	}
	wg.Wait()
	reads := started.Load()
	t.Logf("%d calls, %d reads", callers*calls, reads)
	if reads > callers*calls/4 {
		t.Errorf("%d reads for %d concurrent calls: they are not shared", reads, callers*calls)
	}
}

// TestGenerationReadErrors checks that a failed read fails its waiters
// only, and that a caller who gives up does not wait for the read.
func TestGenerationReadErrors(t *testing.T) {
	fail := errors.New("store down")
	var n atomic.Int64
	g := &generationReads{read: func(context.Context) (int64, error) {
		if n.Add(1) == 1 {
			return 0, fail
		}
		return 7, nil
	}}
	if _, err := g.get(context.Background()); !errors.Is(err, fail) {
		t.Fatalf("first read: %v, want %v", err, fail)
	}
	if gen, err := g.get(context.Background()); err != nil || gen != 7 {
		t.Fatalf("second read: %d, %v", gen, err)
	}

	release := make(chan struct{})
	slow := &generationReads{read: func(context.Context) (int64, error) {
		<-release
		return 1, nil
	}}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := slow.get(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller: %v", err)
	}
	close(release)
	if gen, err := slow.get(context.Background()); err != nil || gen != 1 {
		t.Fatalf("after the slow read: %d, %v", gen, err)
	}
}
