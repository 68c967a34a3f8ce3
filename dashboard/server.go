// Package dashboard serves what users see: the JSON/CSV API under /api/v1,
// health endpoints, and (as it lands) the HTML dashboard and /metrics. Every
// route is listed in routes.go.
package dashboard

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/ixpobs/ixpobs/store"
)

// Server is the HTTP side of ixpobs.
type Server struct {
	store store.Store
	log   *slog.Logger
	// Now returns the current time; tests replace it.
	Now func() time.Time

	views viewCache
}

// Config holds what the server needs besides the store.
type Config struct {
	Logger *slog.Logger
}

// New returns a server reading from st.
func New(st store.Store, cfg Config) *Server {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{store: st, log: log, Now: time.Now, views: viewCache{entries: map[int64]*snapshotView{}}}
}

// HTTPServer returns an http.Server with the timeouts a public server needs.
func HTTPServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    32 << 10,
	}
}

// viewCache keeps the decoded objects of the few newest snapshots asked
// for: a published snapshot never changes, so its view never goes stale.
type viewCache struct {
	mu      sync.Mutex
	entries map[int64]*snapshotView
	order   []int64
}

const viewCacheSize = 6

func (c *viewCache) get(ctx context.Context, id int64, build func(context.Context) (*snapshotView, error)) (*snapshotView, error) {
	c.mu.Lock()
	v, ok := c.entries[id]
	if ok {
		c.mu.Unlock()
		select {
		case <-v.ready:
			return v, v.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	v = &snapshotView{ready: make(chan struct{})}
	c.entries[id] = v
	c.order = append(c.order, id)
	if len(c.order) > viewCacheSize {
		delete(c.entries, c.order[0])
		c.order = c.order[1:]
	}
	c.mu.Unlock()
	// Built without the request's cancellation: other requests wait for it.
	built, err := build(context.WithoutCancel(ctx))
	if err != nil {
		v.err = err
		c.mu.Lock()
		if c.entries[id] == v {
			delete(c.entries, id)
		}
		c.mu.Unlock()
	} else {
		v.fill(built)
	}
	close(v.ready)
	return v, err
}
