package dashboard

import (
	"context"
	"sync"

	"github.com/ixpobs/ixpobs/store"
)

// generationReads coalesces concurrent reads of the store's generation,
// which every cached answer and page makes: under load many requests share
// one query instead of each queueing for a store connection. A caller only
// shares a read that starts after it asked, never one already under way,
// so an answer never misses a snapshot published before its request came
// (the same guarantee as a query of its own).
type generationReads struct {
	read func(context.Context) (int64, error)

	mu      sync.Mutex
	running bool            // a read is under way
	next    *generationRead // the read the callers that came during it wait for
}

// newGenerationReads reads st's generation (st may be nil for a server
// that is never asked).
func newGenerationReads(st store.Store) *generationReads {
	return &generationReads{read: func(ctx context.Context) (int64, error) { return st.Generation(ctx) }}
}

// generationRead is one read of the generation and its waiters' result.
type generationRead struct {
	done chan struct{}
	gen  int64
	err  error
}

// get returns the store's generation as of a moment after the call.
func (g *generationReads) get(ctx context.Context) (int64, error) {
	// A caller already gone gets its error, as from a query of its own
	// (the select below may otherwise pick a read that ended at once).
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	g.mu.Lock()
	if g.next == nil {
		g.next = &generationRead{done: make(chan struct{})}
	}
	c := g.next
	if !g.running {
		g.running, g.next = true, nil
		go g.run(context.WithoutCancel(ctx), c)
	}
	g.mu.Unlock()
	select {
	case <-c.done:
		return c.gen, c.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// run reads for c's waiters, then starts the read that callers who came
// meanwhile wait for, if any.
func (g *generationReads) run(ctx context.Context, c *generationRead) {
	c.gen, c.err = g.read(ctx)
	close(c.done)
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.next == nil {
		g.running = false
		return
	}
	next := g.next
	g.next = nil
	go g.run(ctx, next)
}
