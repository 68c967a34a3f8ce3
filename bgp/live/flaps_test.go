package live_test

import (
	"fmt"
	"net/netip"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/goleak"

	"github.com/ixpobs/ixpobs/bgp"
	"github.com/ixpobs/ixpobs/bgp/live"
	"github.com/ixpobs/ixpobs/internal/birdtest"
)

// gobgpLeak is the goroutine GoBGP v4.8.0 leaks when a dynamic
// neighbour's session ends from the remote side: established() pushes the
// down reason into the FSM's outgoing InfiniteChannel (pkg/server/fsm.go,
// `h.outgoing.In() <- err`); the dynamic peer is then deleted and
// cleanInfiniteChannel (pkg/server/util.go) closes the channel and drains
// it without blocking, so the buffer goroutine stays blocked sending that
// leftover item. See doc.go and promote.go for why static peers do not
// leak and how the collector promotes dynamic neighbours.
const gobgpLeak = "github.com/eapache/channels.(*InfiniteChannel).infiniteBuffer"

// flapKind is how the remote side ends a session.
type flapKind int

const (
	// flapRestart: the speaker process restarts. Its socket is closed
	// with a FIN (after a Cease NOTIFICATION every other time, as on a
	// clean shutdown), and the next session starts at once from a new
	// TCP connection and OPEN, retried while the collector refuses it.
	flapRestart flapKind = iota
	// flapReset: the connection is reset (TCP RST, SO_LINGER 0).
	flapReset
	// flapHold: the speaker stops sending keepalives; the collector's
	// hold timer (3 s) expires and it sends NOTIFICATION code 4.
	flapHold
)

func (k flapKind) String() string { return [...]string{"restart", "tcp-reset", "hold-expiry"}[k] }

// kindOf mixes the kinds over addresses and cycles.
func kindOf(addr, cycle int) flapKind { return flapKind((addr + cycle) % 3) }

// flapper brings the sessions of one remote address up and ends them.
type flapper struct {
	idx    int
	addr   string
	asn    uint32
	peer   bgp.Peer
	update []byte
	routes int

	cycles    int
	ends      [3]int
	restarted bool // the last session ended with flapRestart
	reasons   [3]string
}

func newFlapper(idx int, addr string, asn uint32, routes int) *flapper {
	var prefixes []netip.Prefix
	for i := range routes {
		prefixes = append(prefixes, netip.PrefixFrom(netip.AddrFrom4([4]byte{100, 64, byte(i), 0}), 24))
	}
	attrs := cat(originAttr(), asPathAttr(seg{asns: []uint32{asn, 64500}}), nextHopAttr(addr))
	return &flapper{
		idx: idx, addr: addr, asn: asn, routes: routes,
		peer:   bgp.Peer{ASN: asn, Addr: netip.MustParseAddr(addr)},
		update: updateBody(nil, attrs, nlri(prefixes...)),
	}
}

// accepting reports whether the collector accepts a new connection from
// the address now: never seen, a static (or promoted) peer in Active, or
// a dynamic neighbour that is not established.
func (f *flapper) accepting(c *live.Collector) bool {
	s, ok := session(c, f.addr)
	return !ok || s.State == "active" || (s.Dynamic && !s.Promoted && s.State != "established")
}

// cycle brings one session up, waits for all its routes in the sink, ends
// it as kind says, and waits for the collector to reset the peer in the
// sink.
func (f *flapper) cycle(t *testing.T, c *live.Collector, sink *memSink, remote string, kind flapKind) {
	t.Helper()
	if !f.restarted {
		waitFor(t, 20*time.Second, f.addr+" accepting connections", func() bool { return f.accepting(c) })
	}
	p := dialRaw(t, f.addr, remote, f.asn, 3)
	p.mustSend(t, msgUpdate, f.update)
	waitFor(t, 10*time.Second, fmt.Sprintf("%s cycle %d routes", f.addr, f.cycles), func() bool {
		v4, _ := sink.count(f.peer)
		return v4 == f.routes
	})
	resets := sink.resetCount(f.peer)
	switch kind {
	case flapRestart:
		if f.cycles%2 == 0 {
			_ = p.send(msgNotification, []byte{6, 4}) // Cease, administrative reset
		}
		p.close()
	case flapReset:
		p.abort()
	case flapHold:
		p.silence()
		waitFor(t, 10*time.Second, f.addr+" hold timer expiry", func() bool { closed, _ := p.closed(); return closed })
		if _, n := p.closed(); len(n) < 1 || n[0] != 4 {
			t.Errorf("%s: session ended with NOTIFICATION %x after keepalives stopped, want code 4 (hold timer expired)", f.addr, n)
		}
		p.close()
	}
	waitFor(t, 15*time.Second, fmt.Sprintf("%s cycle %d (%v) reset in the sink", f.addr, f.cycles, kind), func() bool {
		s, _ := session(c, f.addr)
		v4, _ := sink.count(f.peer)
		if s.State != "established" && v4 == 0 && sink.resetCount(f.peer) == resets+1 {
			if s.State == "idle" {
				f.reasons[kind] = s.LastError
			}
			return true
		}
		return false
	})
	f.cycles++
	f.ends[kind]++
	f.restarted = kind == flapRestart
}

// flapRounds runs cycles [from, to) of every flapper, the addresses in
// parallel, and stops the test if one failed.
func flapRounds(t *testing.T, name string, c *live.Collector, sink *memSink, remote string, fs []*flapper, from, to int) {
	t.Helper()
	start := time.Now()
	t.Run(name, func(t *testing.T) {
		// Concurrent t.Run calls rather than t.Parallel, which would
		// run only GOMAXPROCS addresses at a time.
		var wg sync.WaitGroup
		for _, f := range fs {
			wg.Go(func() {
				t.Run(f.addr, func(t *testing.T) {
					for i := from; i < to; i++ {
						f.cycle(t, c, sink, remote, kindOf(f.idx, i))
					}
				})
			})
		}
		wg.Wait()
	})
	if t.Failed() {
		t.FailNow()
	}
	t.Logf("%s: cycles %d-%d of %d addresses in %v", name, from, to-1, len(fs), time.Since(start).Round(time.Millisecond))
}

// quiesce waits until no session is up and every address is accepting
// again, then returns the goroutines and live heap.
func quiesce(t *testing.T, c *live.Collector, fs []*flapper) (int, uint64) {
	t.Helper()
	waitFor(t, 20*time.Second, "every peer back in active", func() bool {
		for _, f := range fs {
			if s, _ := session(c, f.addr); s.State != "active" {
				return false
			}
		}
		return true
	})
	return settle()
}

// TestFlapsStatic ends the sessions of ten static passive peers 120 times
// in all (12 each, the kinds mixed: peer restart, TCP reset, hold-timer
// expiry with a 3 s hold time), the addresses in parallel. After two
// warm-up rounds, goroutines and the live heap must return to their
// baseline, GoBGP must leak nothing (no goroutine ignored), every end
// must reset the peer in the sink, and nothing may be left once the
// collector stops.
func TestFlapsStatic(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	const addrs, warm, routes = 10, 2, 200
	cycles := envInt("IXPOBS_FLAPS_STATIC_CYCLES", 10)
	port := birdtest.FreePort(t, "127.0.0.1")
	remote := "127.0.0.1:" + strconv.Itoa(port)
	var peers []live.PeerConfig
	var fs []*flapper
	for i := range addrs {
		f := newFlapper(i, fmt.Sprintf("127.0.0.%d", 80+i), uint32(65100+i), routes)
		fs = append(fs, f)
		peers = append(peers, live.PeerConfig{Name: "flap" + strconv.Itoa(i), Address: f.addr, ASN: f.asn, IXPID: 9, Passive: true,
			SessionConfig: live.SessionConfig{HoldTime: 3 * time.Second}})
	}
	sink := newMemSink()
	c, stop := runCollector(t, collectorConfig(port, peers...), sink, nil)
	settle() // goroutines of earlier tests finish exiting
	leakBefore := countGoroutines(gobgpLeak)

	flapRounds(t, "warm-up", c, sink, remote, fs, 0, warm)
	baseG, baseHeap := quiesce(t, c, fs)
	flapRounds(t, "flaps", c, sink, remote, fs, warm, warm+cycles)
	g, heap := quiesce(t, c, fs)
	leaked := countGoroutines(gobgpLeak) - leakBefore
	if leaked != 0 {
		t.Logf("InfiniteChannel goroutines:\n%s", stacksOf(gobgpLeak))
	}

	var ends [3]int
	for _, f := range fs {
		for k := range ends {
			ends[k] += f.ends[k]
		}
	}
	t.Logf("%d session ends (restart %d, tcp reset %d, hold expiry %d); goroutines %d after %d flaps (baseline %d after warm-up); heap %d KiB (baseline %d KiB); GoBGP InfiniteChannel goroutines leaked: %d",
		ends[0]+ends[1]+ends[2], ends[0], ends[1], ends[2], g, addrs*cycles, baseG, heap>>10, baseHeap>>10, leaked)
	t.Logf("disconnect reasons: restart %q, tcp reset %q, hold expiry %q", fs[0].reasons[flapRestart], fs[0].reasons[flapReset], fs[0].reasons[flapHold])
	if g > baseG {
		t.Errorf("goroutines = %d after %d flaps, want <= baseline %d", g, addrs*cycles, baseG)
	}
	if heap > baseHeap+baseHeap/10+1<<20 {
		t.Errorf("heap = %d KiB after %d flaps, want <= baseline %d KiB + 10%% + 1 MiB", heap>>10, addrs*cycles, baseHeap>>10)
	}
	if leaked != 0 {
		t.Errorf("GoBGP InfiniteChannel goroutines leaked by static peers: %d, want 0", leaked)
	}
	if total := ends[0] + ends[1] + ends[2]; total < 100 || ends[0] == 0 || ends[1] == 0 || ends[2] == 0 {
		t.Errorf("session ends per kind = %v, want at least 100 in all and every kind", ends)
	}
	for _, f := range fs {
		s, _ := session(c, f.addr)
		if s.Flaps != uint64(warm+cycles) || s.Dynamic || s.IXPID != 9 || s.ASN != f.asn {
			t.Errorf("session %s = %+v, want %d flaps, static, ixp 9, asn %d", f.addr, s, warm+cycles, f.asn)
		}
		if n := sink.resetCount(f.peer); n != warm+cycles {
			t.Errorf("sink resets of %s = %d, want %d", f.addr, n, warm+cycles)
		}
	}
	stop()
}

// TestFlapsDynamic ends the sessions of dynamic neighbours 100 times in
// all: by default ten addresses of a dynamic range, ten sessions each in
// parallel (IXPOBS_FLAPS_DYNAMIC_ADDRS=1 IXPOBS_FLAPS_DYNAMIC_CYCLES=100
// flaps one address 100 times; about 5.5 s a flap, see below). The first
// session of an address is a GoBGP dynamic neighbour and may leak one
// goroutine (gobgpLeak); the collector then promotes the address to a
// static passive peer, so the later sessions leak nothing: GoBGP's
// leaked goroutines must stay at most one per address whatever the number
// of flaps, and grow by zero after the first round. Goroutines and heap
// return to their baseline after a warm-up round, and the sessions are
// still reported as dynamic, of the range, with its IXP id.
//
// A promoted address, like every static peer, refuses connections for
// GoBGP's idle hold time (5 s) after each session end; dynamic neighbours
// are re-created at once.
func TestFlapsDynamic(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent(), goleak.IgnoreTopFunction(gobgpLeak))
	addrs := envInt("IXPOBS_FLAPS_DYNAMIC_ADDRS", 10)
	perAddr := envInt("IXPOBS_FLAPS_DYNAMIC_CYCLES", 10)
	const routes = 200
	if addrs > 30 || perAddr < 3 {
		t.Fatalf("IXPOBS_FLAPS_DYNAMIC_ADDRS %d, _CYCLES %d: want at most 30 addresses and at least 3 cycles", addrs, perAddr)
	}
	port := birdtest.FreePort(t, "127.0.0.1")
	remote := "127.0.0.1:" + strconv.Itoa(port)
	cfg := collectorConfig(port)
	cfg.Dynamic = []live.DynamicConfig{{Name: "lan", Prefix: "127.0.0.96/27", IXPID: 9, SessionConfig: live.SessionConfig{HoldTime: 3 * time.Second}}}
	var fs []*flapper
	for i := range addrs {
		fs = append(fs, newFlapper(i, fmt.Sprintf("127.0.0.%d", 97+i), uint32(4200000100+i), routes))
	}
	sink := newMemSink()
	reg := prometheus.NewRegistry()
	c, stop := runCollector(t, cfg, sink, reg)
	settle() // goroutines of earlier tests finish exiting
	leakBefore := countGoroutines(gobgpLeak)

	flapRounds(t, "first sessions", c, sink, remote, fs, 0, 1)
	waitFor(t, 10*time.Second, "every address promoted", func() bool {
		for _, f := range fs {
			if s, _ := session(c, f.addr); !s.Promoted {
				return false
			}
		}
		return true
	})
	_, _ = quiesce(t, c, fs)
	// Every InfiniteChannel has one buffer goroutine: GoBGP's watcher
	// and each live FSM (here the promoted peers, one each) own one, the
	// rest are leaked.
	rawFirst := countGoroutines(gobgpLeak)
	leakFirst := rawFirst - leakBefore - addrs
	flapRounds(t, "warm-up", c, sink, remote, fs, 1, 2)
	baseG, baseHeap := quiesce(t, c, fs)
	rawBase := countGoroutines(gobgpLeak)
	flapRounds(t, "flaps", c, sink, remote, fs, 2, perAddr)
	g, heap := quiesce(t, c, fs)
	raw := countGoroutines(gobgpLeak)
	leaked := raw - leakBefore - addrs

	t.Logf("%d flaps of %d dynamic addresses: InfiniteChannel buffer goroutines %d before, %d after the first sessions, %d after warm-up, %d at the end (%d promoted peers own one each): leaked %d by the first sessions, %d in all; goroutines %d (baseline %d), heap %d KiB (baseline %d KiB)",
		addrs*perAddr, addrs, leakBefore, rawFirst, rawBase, raw, addrs, leakFirst, leaked, g, baseG, heap>>10, baseHeap>>10)
	t.Logf("disconnect reasons: restart %q, tcp reset %q, hold expiry %q", fs[0].reasons[flapRestart], fs[0].reasons[flapReset], fs[0].reasons[flapHold])
	if leaked > addrs || raw != rawFirst {
		t.Errorf("GoBGP goroutines leaked = %d after %d flaps (%d after each address's first session), want at most %d (one per address) and no growth after promotion",
			leaked, addrs*perAddr, leakFirst, addrs)
		t.Logf("InfiniteChannel goroutines:\n%s", stacksOf(gobgpLeak))
	}
	if g > baseG {
		t.Errorf("goroutines = %d after %d flaps, want <= baseline %d", g, addrs*perAddr, baseG)
	}
	if heap > baseHeap+baseHeap/10+1<<20 {
		t.Errorf("heap = %d KiB after %d flaps, want <= baseline %d KiB + 10%% + 1 MiB", heap>>10, addrs*perAddr, baseHeap>>10)
	}
	for _, f := range fs {
		s, _ := session(c, f.addr)
		if s.Flaps != uint64(perAddr) || !s.Dynamic || !s.Promoted || s.IXPID != 9 || s.Name != "lan" || s.ASN != f.asn {
			t.Errorf("session %s = %+v, want %d flaps, dynamic, promoted, range lan, ixp 9, asn %d", f.addr, s, perAddr, f.asn)
		}
		if n := sink.resetCount(f.peer); n != perAddr {
			t.Errorf("sink resets of %s = %d, want %d", f.addr, n, perAddr)
		}
	}
	if v := gatherValue(t, reg, "ixpobs_bgp_dynamic_promoted"); v != float64(addrs) {
		t.Errorf("ixpobs_bgp_dynamic_promoted = %v, want %d", v, addrs)
	}
	stop()
	settle() // the buffer goroutines of closed channels exit on their own
	// The watcher and the promoted peers' FSMs are gone: only the first
	// sessions' leaks may remain.
	n := countGoroutines(gobgpLeak) - (leakBefore - 1)
	t.Logf("after stop: %d InfiniteChannel buffer goroutines left by this test", n)
	if n > leakFirst {
		t.Errorf("GoBGP InfiniteChannel goroutines left after stop = %d, want <= %d (the first sessions' leaks)", n, leakFirst)
	}
}

// TestDynamicPromotion checks a promoted dynamic neighbour beyond the
// flaps: with dynamic_promote_max 1, the first address is promoted and the
// second stays dynamic (its ends are counted as skipped); the promoted
// peer is still closed with a Cease when over max_prefix, accepted again
// afterwards, reported as dynamic with its range's IXP id, and sent a
// Cease (administrative shutdown) when the collector stops.
func TestDynamicPromotion(t *testing.T) {
	port := birdtest.FreePort(t, "127.0.0.1")
	remote := "127.0.0.1:" + strconv.Itoa(port)
	cfg := collectorConfig(port)
	cfg.DynamicPromoteMax = 1
	cfg.Dynamic = []live.DynamicConfig{{Name: "ix-lan", Prefix: "127.0.0.128/28", ASN: 65200, IXPID: 12,
		SessionConfig: live.SessionConfig{HoldTime: 6 * time.Second, MaxPrefix: live.MaxPrefixConfig{IPv4: 5}}}}
	sink := newMemSink()
	reg := prometheus.NewRegistry()
	c, stop := runCollector(t, cfg, sink, reg)
	a, b := newFlapper(0, "127.0.0.129", 65200, 3), newFlapper(1, "127.0.0.130", 65200, 3)

	a.cycle(t, c, sink, remote, flapReset)
	waitFor(t, 10*time.Second, "first address promoted", func() bool { s, _ := session(c, a.addr); return s.Promoted })
	for range 2 {
		b.cycle(t, c, sink, remote, flapReset)
	}
	if s, _ := session(c, b.addr); s.Promoted || !s.Dynamic {
		t.Errorf("second address = %+v, want dynamic and not promoted (dynamic_promote_max 1)", s)
	}
	// The cap was reached at both of the second address's ends.
	waitFor(t, 5*time.Second, "skips counted", func() bool { return gatherValue(t, reg, "ixpobs_bgp_dynamic_promote_skipped_total") == 2 })
	for name, want := range map[string]float64{"ixpobs_bgp_dynamic_promoted": 1, "ixpobs_bgp_dynamic_promote_max": 1, "ixpobs_bgp_dynamic_promote_failures_total": 0} {
		if v := gatherValue(t, reg, name); v != want {
			t.Errorf("%s = %v, want %v", name, v, want)
		}
	}

	// Over max_prefix (5): closed with a Cease, routes reset.
	waitFor(t, 20*time.Second, "promoted peer accepting", func() bool { return a.accepting(c) })
	p := dialRaw(t, a.addr, remote, a.asn, 6)
	var six []netip.Prefix
	for i := range 6 {
		six = append(six, netip.PrefixFrom(netip.AddrFrom4([4]byte{198, 18, byte(i), 0}), 24))
	}
	p.mustSend(t, msgUpdate, updateBody(nil, cat(originAttr(), asPathAttr(seg{asns: []uint32{65200}}), nextHopAttr(a.addr)), nlri(six...)))
	waitFor(t, 10*time.Second, "over-limit promoted peer closed", func() bool { closed, _ := p.closed(); return closed })
	if _, n := p.closed(); len(n) < 2 || n[0] != 6 {
		t.Errorf("over-limit promoted peer got NOTIFICATION %x, want a Cease (code 6)", n)
	}
	p.close()
	waitFor(t, 10*time.Second, "over-limit routes reset", func() bool {
		s, _ := session(c, a.addr)
		v4, _ := sink.count(a.peer)
		return s.State != "established" && s.PrefixLimitHits == 1 && v4 == 0
	})

	// Accepted again; the collector's shutdown sends it a Cease.
	waitFor(t, 20*time.Second, "promoted peer accepting after max-prefix", func() bool { return a.accepting(c) })
	p = dialRaw(t, a.addr, remote, a.asn, 6)
	p.mustSend(t, msgUpdate, a.update)
	waitFor(t, 10*time.Second, "routes after max-prefix", func() bool { v4, _ := sink.count(a.peer); return v4 == a.routes })
	s, _ := session(c, a.addr)
	if !s.Dynamic || !s.Promoted || s.IXPID != 12 || s.Name != "ix-lan" || s.ASN != 65200 || s.Flaps != 2 {
		t.Errorf("promoted session = %+v, want dynamic, promoted, range ix-lan, ixp 12, asn 65200, 2 flaps", s)
	}
	stop()
	waitFor(t, 5*time.Second, "shutdown Cease", func() bool { closed, _ := p.closed(); return closed })
	if _, n := p.closed(); len(n) < 2 || n[0] != 6 || n[1] != 2 {
		t.Errorf("promoted peer got NOTIFICATION %x at shutdown, want Cease, administrative shutdown (6, 2)", n)
	}
}

// gatherValue returns the value of the unlabelled metric name in reg.
func gatherValue(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name || len(mf.GetMetric()) != 1 {
			continue
		}
		m := mf.GetMetric()[0]
		if g := m.GetGauge(); g != nil {
			return g.GetValue()
		}
		return m.GetCounter().GetValue()
	}
	t.Fatalf("metric %s not gathered", name)
	return 0
}

// settle waits for goroutines to finish exiting and returns their number
// and the live heap after GC.
func settle() (int, uint64) {
	var n int
	for range 50 {
		runtime.GC()
		n = runtime.NumGoroutine()
		time.Sleep(20 * time.Millisecond)
		if runtime.NumGoroutine() == n {
			break
		}
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return n, ms.HeapAlloc
}

// countGoroutines counts goroutines whose stack contains fn.
func countGoroutines(fn string) int {
	return strings.Count(allStacks(), fn+"(")
}

// allStacks returns the stacks of all goroutines, untruncated.
func allStacks() string {
	for n := 1 << 20; ; n *= 2 {
		buf := make([]byte, n)
		if m := runtime.Stack(buf, true); m < n {
			return string(buf[:m])
		}
	}
}

// stacksOf returns the stacks of the goroutines whose stack contains fn.
func stacksOf(fn string) string {
	var out []string
	for _, g := range strings.Split(allStacks(), "\n\n") {
		if strings.Contains(g, fn) {
			out = append(out, g)
		}
	}
	return strings.Join(out, "\n\n")
}
