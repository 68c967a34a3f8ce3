// Package dashboard serves what users see: the HTML dashboard, the
// JSON/CSV API under /api/v1 (openapi.json), feeds, health endpoints and
// /metrics. Every route is listed in routes.go.
package dashboard

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ixpobs/ixpobs/indicator"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/metrics"
	"github.com/ixpobs/ixpobs/store"
)

// Server is the HTTP side of ixpobs.
type Server struct {
	store store.Store
	log   *slog.Logger
	// Now returns the current time; tests replace it.
	Now func() time.Time

	registry      prometheus.Gatherer
	httpMetrics   *metrics.HTTP
	sources       []string
	intervals     map[string]time.Duration
	compareWindow time.Duration
	publicURL     string
	metricsFilter metrics.Filter
	// firstStart is what the first-start page of an empty store says.
	firstStart firstStart

	// generations coalesces the generation reads of concurrent requests.
	generations *generationReads

	views         *cache[int64, *snapshotView]
	exchangeViews *cache[int64, *exchangeView]
	// netNames, networkLists: what a first request for a date needs
	// of its networks, read without building the view (view.go,
	// api_network.go).
	netNames     *cache[int64, map[ixp.ASN]netName]
	networkLists *cache[int64, []networkSummary]
	// states: the figures of every country and area by state key
	// (aggregates.go); timelines: the snapshot lists they are keyed by.
	states    *cache[string, *derivedState]
	timelines *cache[int64, *timeline]
	// derived, when set, is where computed states are kept (nil: in
	// memory only, as on a read-only replica); fill serialises FillAggregates.
	derived store.Store
	fill    sync.Mutex
	// counted: whether each BGP snapshot holds a whole table.
	countedMu  sync.Mutex
	counted    map[int64]bool
	registries *cache[string, indicator.Registry]
	countries  *cache[string, map[string]indicator.CountryStats]
	spans      *cache[string, map[ixp.ASN][]span]
	bgpViews   *cache[int64, *bgpView]
	ardaViews  *cache[int64, *ardaVantageBase]
	// rirPrefixes: delegated prefixes per country, by RIR snapshot ids.
	rirPrefixes *cache[string, map[string][]string]
	answers     *cache[string, *servedAnswer]
}

// Config holds what the server needs besides the store.
type Config struct {
	Logger *slog.Logger
	// Registry holds the process's own metrics, served on /metrics with
	// the indicators (nil: indicators only).
	Registry prometheus.Gatherer
	// HTTPMetrics, when set, records every request.
	HTTPMetrics *metrics.HTTP
	// Sources are the configured collection sources: /metrics shows them
	// from startup (up 0 until they first succeed).
	Sources []string
	// Intervals are the configured collection intervals by source name:
	// a source's data is stale when older than twice its interval (see
	// freshness.go; sources without one use a default per kind).
	Intervals map[string]time.Duration
	// CompareWindow is the largest gap between two sources' snapshots
	// whose member lists are compared (0: indicator.CompareWindow, 31
	// days).
	CompareWindow time.Duration
	// PublicURL is the site's public base URL for the absolute links of
	// the Atom feeds (empty: links relative to the site).
	PublicURL string
	// MetricsRegion bounds the IXP and country series of /metrics to one
	// region (empty: all); ?region= overrides it per scrape.
	MetricsRegion string
	// Derived is the store the per-state country and area figures are
	// written to once computed (usually the store read from; nil on a
	// read-only replica: they are then computed and kept in memory).
	Derived store.Store
	// BackfillEstimate is the size and time of the default `ixpobs
	// backfill`, shown on the first-start page of an empty store;
	// BackfillRunning says that serve started it (backfill.on_empty_store).
	BackfillEstimate string
	BackfillRunning  bool
}

// New returns a server reading from st.
func New(st store.Store, cfg Config) *Server {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{store: st, log: log, Now: time.Now, generations: newGenerationReads(st),
		registry: cfg.Registry, httpMetrics: cfg.HTTPMetrics, sources: cfg.Sources, intervals: cfg.Intervals, compareWindow: cmp.Or(cfg.CompareWindow, indicator.CompareWindow), publicURL: strings.TrimRight(cfg.PublicURL, "/"), metricsFilter: metrics.Filter{Region: cfg.MetricsRegion},
		firstStart:    firstStart{Estimate: cfg.BackfillEstimate, Running: cfg.BackfillRunning},
		views:         newCache[int64, *snapshotView](6),
		exchangeViews: newCache[int64, *exchangeView](16),
		netNames:      newCache[int64, map[ixp.ASN]netName](16),
		networkLists:  newCache[int64, []networkSummary](4),
		states:        newCache[string, *derivedState](64),
		timelines:     newCache[int64, *timeline](2),
		derived:       cfg.Derived,
		registries:    newCache[string, indicator.Registry](16),
		countries:     newCache[string, map[string]indicator.CountryStats](64),
		spans:         newCache[string, map[ixp.ASN][]span](64),
		bgpViews:      newCache[int64, *bgpView](16),
		ardaViews:     newCache[int64, *ardaVantageBase](64),
		rirPrefixes:   newCache[string, map[string][]string](8),
		answers:       newWeighedCache[string](512, answerCacheBytes, func(a *servedAnswer) int { return len(a.body) }),
	}
}

// DefaultReadHeaderTimeout is how long a client may take to send its
// request headers (a slow-header client is cut off after it).
const DefaultReadHeaderTimeout = 5 * time.Second

// HTTPServer returns an http.Server with the timeouts a public server
// needs; readHeaderTimeout 0 means DefaultReadHeaderTimeout.
func HTTPServer(addr string, h http.Handler, readHeaderTimeout time.Duration) *http.Server {
	if readHeaderTimeout <= 0 {
		readHeaderTimeout = DefaultReadHeaderTimeout
	}
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    32 << 10,
	}
}

// SecurityHeaders sets the headers every response of the server carries;
// Handler applies it, and serve applies it again around what it puts in
// front of Handler (the rate limit and size guard) so refusals carry them.
func SecurityHeaders(next http.Handler) http.Handler { return securityHeaders(next) }

// answerCacheBytes bounds the bodies of the cached API answers and pages
// (their gzip and brotli forms add about a third more).
const answerCacheBytes = 64 << 20

// cache keeps a few built values by key: the decoded state of a published
// snapshot never changes, so a cached view never goes stale. Concurrent
// requests for the same key wait for one build. It holds at most size
// entries and, when weigh is set, at most maxBytes of their weights (the
// oldest go first; the newest entry stays even when it alone is heavier).
type cache[K comparable, V any] struct {
	mu       sync.Mutex
	size     int
	maxBytes int
	weigh    func(V) int
	bytes    int
	entries  map[K]*cacheEntry[V]
	order    []K
}

type cacheEntry[V any] struct {
	ready  chan struct{}
	val    V
	err    error
	weight int
}

func newCache[K comparable, V any](size int) *cache[K, V] {
	return &cache[K, V]{size: size, entries: map[K]*cacheEntry[V]{}}
}

// newWeighedCache is newCache bounded in bytes too, weigh giving each
// value's size.
func newWeighedCache[K comparable, V any](size, maxBytes int, weigh func(V) int) *cache[K, V] {
	c := newCache[K, V](size)
	c.maxBytes, c.weigh = maxBytes, weigh
	return c
}

// peek returns the value of key when it is built already.
func (c *cache[K, V]) peek(key K) (V, bool) {
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	var zero V
	if !ok {
		return zero, false
	}
	select {
	case <-e.ready:
		return e.val, e.err == nil
	default:
		return zero, false
	}
}

func (c *cache[K, V]) get(ctx context.Context, key K, build func(context.Context) (V, error)) (V, error) {
	c.mu.Lock()
	e, ok := c.entries[key]
	if ok {
		c.mu.Unlock()
		select {
		case <-e.ready:
			return e.val, e.err
		case <-ctx.Done():
			var zero V
			return zero, ctx.Err()
		}
	}
	e = &cacheEntry[V]{ready: make(chan struct{})}
	c.entries[key] = e
	c.order = append(c.order, key)
	c.evictLocked()
	c.mu.Unlock()
	// Built without the request's cancellation: other requests wait for it.
	e.val, e.err = build(context.WithoutCancel(ctx))
	c.mu.Lock()
	if c.entries[key] == e {
		switch {
		case e.err != nil:
			c.removeLocked(key)
		case c.weigh != nil:
			e.weight = c.weigh(e.val)
			c.bytes += e.weight
			c.evictLocked()
		}
	}
	c.mu.Unlock()
	close(e.ready)
	return e.val, e.err
}

// evictLocked drops the oldest entries beyond size or maxBytes.
func (c *cache[K, V]) evictLocked() {
	for len(c.order) > 1 && (len(c.order) > c.size || c.weigh != nil && c.bytes > c.maxBytes) {
		k := c.order[0]
		c.order = c.order[1:]
		if e := c.entries[k]; e != nil {
			c.bytes -= e.weight
			delete(c.entries, k)
		}
	}
}

// removeLocked forgets key (a failed build: the next request tries again).
func (c *cache[K, V]) removeLocked(key K) {
	if e := c.entries[key]; e != nil {
		c.bytes -= e.weight
		delete(c.entries, key)
	}
	for i, k := range c.order {
		if k == key {
			c.order = append(c.order[:i], c.order[i+1:]...)
			break
		}
	}
}

// Warm builds what most answers and pages share for the newest data: the
// view of the latest PeeringDB snapshot and the state of every country
// today and a year before; then it stores the country and area figures of
// every date not stored yet (FillAggregates). Cached by snapshot, they are then ready for the
// first visitor after a start or a new import, who would otherwise wait
// for them (about a second with three full PeeringDB dumps). A store with no data yet is
// not an error; other errors are logged.
func (s *Server) Warm(ctx context.Context) {
	start := time.Now()
	var apiErr *apiError
	if _, _, err := s.latestView(ctx); err != nil && !errors.Is(err, ixp.ErrNotFound) && !errors.As(err, &apiErr) {
		s.log.Warn("warming the latest PeeringDB view", "err", err)
		return
	}
	cs, err := s.stateAt(ctx, time.Time{})
	if err != nil {
		if !errors.As(err, &apiErr) {
			s.log.Warn("warming the country state", "err", err)
		}
		return
	}
	if _, _, err := s.yearBefore(ctx, cs); err != nil {
		s.log.Warn("warming the country state a year before", "err", err)
		return
	}
	s.log.Info("views warmed", "took", time.Since(start).Round(time.Millisecond))
	start = time.Now()
	n, err := s.FillAggregates(ctx)
	if err != nil {
		s.log.Warn("storing the country and area figures of every date", "err", err, "computed", n)
		return
	}
	if n > 0 {
		s.log.Info("country and area figures stored", "states", n, "took", time.Since(start).Round(time.Millisecond))
	}
}

// WarmOnNewData warms (Warm), then reads the store's generation every
// interval and warms again when it changed: a snapshot that another
// process published (an `ixpobs import`, or the collector writing to the
// primary of the PostgreSQL replica this server reads) then has its views
// built before the first visitor asks, as after the collection runs of
// this process. It returns when ctx is done.
func (s *Server) WarmOnNewData(ctx context.Context, interval time.Duration) {
	last, err := s.generations.get(ctx)
	if err != nil && ctx.Err() == nil {
		s.log.Warn("reading the store's generation", "err", err)
	}
	s.Warm(ctx)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		g, err := s.generations.get(ctx)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("reading the store's generation", "err", err)
			}
			continue
		}
		if g != last {
			last = g
			s.log.Debug("new data in the store: warming", "generation", g)
			s.Warm(ctx)
		}
	}
}
