package live_test

import (
	"context"
	"github.com/ixpobs/ixpobs/internal/birdtest"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ixpobs/ixpobs/bgp"
	"github.com/ixpobs/ixpobs/bgp/live"
)

// routeKey identifies a path in memSink.
type routeKey struct {
	prefix netip.Prefix
	pathID uint32
}

// memSink is an in-memory RouteSink recording the current routes per peer.
// It stands in for bgp.Aggregator, which is written in parallel.
type memSink struct {
	mu     sync.Mutex
	routes map[bgp.Peer]map[routeKey]bgp.Route
	resets map[bgp.Peer]int
	wholes map[bgp.Peer]int // MarkWhole calls
	delay  time.Duration    // per Announce, to simulate a slow sink
}

func newMemSink() *memSink {
	return &memSink{routes: make(map[bgp.Peer]map[routeKey]bgp.Route), resets: make(map[bgp.Peer]int)}
}

func (s *memSink) Announce(r bgp.Route) {
	if s.delay > 0 {
		time.Sleep(s.delay)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.routes[r.Peer]
	if m == nil {
		m = make(map[routeKey]bgp.Route)
		s.routes[r.Peer] = m
	}
	m[routeKey{r.Prefix, r.PathID}] = r
}

func (s *memSink) Withdraw(p bgp.Peer, prefix netip.Prefix, pathID uint32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.routes[p], routeKey{prefix, pathID})
}

func (s *memSink) ResetPeer(p bgp.Peer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.routes, p)
	s.resets[p]++
}

// MarkWhole counts the tables declared whole.
func (s *memSink) MarkWhole(p bgp.Peer, noEOR bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.wholes == nil {
		s.wholes = make(map[bgp.Peer]int)
	}
	s.wholes[p]++
}

// count returns the number of IPv4 and IPv6 routes of p.
func (s *memSink) count(p bgp.Peer) (v4, v6 int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.routes[p] {
		if k.prefix.Addr().Is4() {
			v4++
		} else {
			v6++
		}
	}
	return v4, v6
}

// resetCount returns how many times p was reset.
func (s *memSink) resetCount(p bgp.Peer) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.resets[p]
}

func (s *memSink) total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, m := range s.routes {
		n += len(m)
	}
	return n
}

func (s *memSink) route(p bgp.Peer, prefix netip.Prefix) (bgp.Route, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.routes[p][routeKey{prefix, 0}]
	return r, ok
}

// runCollector starts c.Run and stops it at cleanup, failing the test if
// Run returns an error.
func runCollector(t testing.TB, cfg live.Config, sink live.RouteSink, reg prometheus.Registerer) (*live.Collector, func()) {
	t.Helper()
	c, err := live.New(cfg, sink, live.Options{Registerer: reg, Logger: testLogger(t)})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	select {
	case <-c.Ready():
	case err := <-done:
		cancel()
		t.Fatalf("Run returned before ready: %v", err)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("collector not ready within 10s")
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(2 * time.Minute):
				t.Error("Run did not return within 2 minutes of cancel")
			}
		})
	}
	t.Cleanup(stop)
	return c, stop
}

// session returns the session of addr.
func session(c *live.Collector, addr string) (live.Session, bool) {
	a := netip.MustParseAddr(addr)
	for _, s := range c.Sessions() {
		if s.Address == a {
			return s, true
		}
	}
	return live.Session{}, false
}

// waitFor polls cond every 20 ms until it is true or d passes.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > d {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}

// syncBuffer collects log output; it is printed when the test fails.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.b.Len() > 1<<20 {
		return len(p), nil
	}
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func testLogger(t testing.TB) *slog.Logger {
	buf := &syncBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("collector log:\n%s", birdtest.Tail(buf.String(), 6000))
		}
	})
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
}
