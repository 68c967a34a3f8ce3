package live_test

import (
	"bufio"
	"fmt"
	"github.com/ixpobs/ixpobs/internal/birdtest"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ixpobs/ixpobs/bgp"
	"github.com/ixpobs/ixpobs/bgp/live"
)

// TestFullTable receives a full table from BIRD and reports the time and
// peak memory. It runs only with IXPOBS_BENCH_FULLTABLE=1 (see bench.sh and
// BENCHMARKS.md); IXPOBS_BENCH_V4 and IXPOBS_BENCH_V6 set the sizes.
// IXPOBS_BENCH_PATHS=N gives the routes about N distinct AS paths shaped
// like a route server's table (birdtest.DiversePath) instead of the few
// hundred of birdtest.Path, so BIRD sends far more UPDATEs. The origins
// and AS links of the aggregated table are checked against the paths.
//
// IXPOBS_BENCH_RESETS=N then resets the session N times (BIRD disables and
// enables the protocol; each time the whole table is received again) with
// the Aggregator in whole-table mode, as `ixpobs bgp` runs it (the last
// whole table is carried while the next one loads), and reports the peak
// RSS after 0, 1 and N resets; IXPOBS_BENCH_MEMLIMIT (bytes, or with a MiB
// or GiB suffix) sets the Go soft memory limit as bgp.memory_limit does.
// With IXPOBS_BENCH_HEAPPROFILE=F a heap profile is written after the
// first load (F), after the first reset (F.1) and after the last (F.N).
func TestFullTable(t *testing.T) {
	if os.Getenv("IXPOBS_BENCH_FULLTABLE") != "1" {
		t.Skip("set IXPOBS_BENCH_FULLTABLE=1 to run the full-table benchmark (bench.sh)")
	}
	n4, n6 := envInt("IXPOBS_BENCH_V4", 800000), envInt("IXPOBS_BENCH_V6", 200000)
	paths := envInt("IXPOBS_BENCH_PATHS", 0)
	resets := envInt("IXPOBS_BENCH_RESETS", 0)
	if lim := os.Getenv("IXPOBS_BENCH_MEMLIMIT"); lim != "" {
		n, err := parseBytes(lim)
		if err != nil {
			t.Fatalf("IXPOBS_BENCH_MEMLIMIT: %v", err)
		}
		old := debug.SetMemoryLimit(n)
		t.Cleanup(func() { debug.SetMemoryLimit(old) })
		t.Logf("Go soft memory limit %d MiB", n>>20)
	}
	port := birdtest.FreePort(t, "127.0.0.1")
	cf := filepath.Join(t.TempDir(), "bird.conf")
	want, err := writeFullTableConfig(cf, n4, n6, paths, birdtest.FreePort(t, "127.0.0.2"), port)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("table: %d+%d routes, %d distinct AS paths, %d origins, %d AS links", n4, n6, len(want.paths), len(want.origins), len(want.links))
	birdStart := time.Now()
	bird := birdtest.StartFile(t, cf)
	t.Logf("BIRD loaded %d+%d static routes in %v", n4, n6, time.Since(birdStart))
	wantOrigins, wantLinks := len(want.origins), len(want.links)
	want = tableShape{} // not kept in the measured heap

	// The sink is the production one: the routes are aggregated as
	// `ixpobs bgp` does before it writes a snapshot.
	sink := bgp.NewAggregator()
	if resets > 0 {
		sink.KeepWholeTables(time.Hour, nil)
	}
	reg := prometheus.NewRegistry()
	start := time.Now()
	c, stop := runCollector(t, collectorConfig(port, live.PeerConfig{Name: "rs1", Address: "127.0.0.2", ASN: 65010, IXPID: 1, Passive: true}), sink, reg)
	peer := bgp.Peer{ASN: 65010, Addr: netip.MustParseAddr("127.0.0.2")}
	var established time.Duration
	waitFor(t, 10*time.Minute, "full table", func() bool {
		if established == 0 {
			if s, _ := session(c, "127.0.0.2"); s.State == "established" {
				established = time.Since(start)
			}
		}
		return sink.Routes() == n4+n6
	})
	total := time.Since(start)
	sumStart := time.Now()
	sum := sink.Summary()
	t.Logf("Summary of the aggregated table: %v (%d prefixes, %d origins, %d links)", time.Since(sumStart), len(sum.Prefixes), len(sum.Origins), len(sum.Links))
	if len(sum.Peers) != 1 || sum.Peers[0].Peer != peer || sum.Peers[0].PrefixesV4 != n4 || sum.Peers[0].PrefixesV6 != n6 {
		t.Errorf("Summary peers = %+v, want %v with %d/%d prefixes", sum.Peers, peer, n4, n6)
	}
	if len(sum.Origins) != wantOrigins || len(sum.Links) != wantLinks {
		t.Errorf("Summary has %d origins and %d links, want %d and %d (from the AS paths BIRD was given)", len(sum.Origins), len(sum.Links), wantOrigins, wantLinks)
	}
	s, _ := session(c, "127.0.0.2")
	t.Logf("full table %d+%d: session up after %v, all routes aggregated %v after session up (%.0f routes/s); %d UPDATEs with routes (%.1f prefixes each); dropped %d",
		n4, n6, established, total-established, float64(n4+n6)/(total-established).Seconds(),
		s.Updates, float64(s.Announcements)/float64(max(s.Updates, 1)), s.Dropped)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t.Logf("Go heap in use %d MiB, sys %d MiB; process %s; BIRD %s", ms.HeapInuse>>20, ms.Sys>>20, procMem("self"), procMem(strconv.Itoa(bird.PID())))

	heapProfile(t, "")
	for _, name := range []string{"ixpobs_bgp_", "bgp_"} {
		st := time.Now()
		mfs, err := reg.Gather()
		if err != nil {
			t.Errorf("Gather: %v", err)
		}
		n := 0
		for _, mf := range mfs {
			if strings.HasPrefix(mf.GetName(), name) {
				n++
			}
		}
		t.Logf("scrape of the whole registry (%d families with prefix %s) took %v", n, name, time.Since(st))
	}
	if s.PrefixesIPv4 != n4 || s.PrefixesIPv6 != n6 {
		t.Errorf("session prefixes = %d/%d, want %d/%d", s.PrefixesIPv4, s.PrefixesIPv6, n4, n6)
	}
	if resets > 0 {
		t.Logf("after 0 resets: process %s", procMem("self"))
		for i := 1; i <= resets; i++ {
			resetStart := time.Now()
			bird.MustCtl(t, "disable", "rs1")
			waitFor(t, 2*time.Minute, "session down", func() bool {
				s, _ := session(c, "127.0.0.2")
				return s.State != "established" && sink.Routes() == 0
			})
			bird.MustCtl(t, "enable", "rs1")
			waitFor(t, 10*time.Minute, "full table again", func() bool {
				s, _ := session(c, "127.0.0.2")
				return s.State == "established" && sink.Routes() == n4+n6
			})
			runtime.ReadMemStats(&ms)
			t.Logf("after %d resets (reload %v): Go heap in use %d MiB, sys %d MiB; process %s", i, time.Since(resetStart).Round(10*time.Millisecond),
				ms.HeapInuse>>20, ms.Sys>>20, procMem("self"))
			if i == 1 || i == resets {
				heapProfile(t, "."+strconv.Itoa(i))
			}
		}
		sum := sink.Summary()
		if len(sum.Peers) != 1 || sum.Peers[0].PrefixesV4 != n4 || sum.Peers[0].PrefixesV6 != n6 {
			t.Errorf("after %d resets Summary peers = %+v, want one with %d/%d prefixes", resets, sum.Peers, n4, n6)
		}
	}
	st := time.Now()
	stop()
	t.Logf("collector shutdown (Cease, GoBGP drops the Adj-RIB-In, StopBgp) took %v", time.Since(st))
}

// tableShape is what the aggregated table must show for the generated
// routes: the distinct AS paths, origins and (unordered, deduplicated)
// AS links.
type tableShape struct {
	paths   map[string]struct{}
	origins map[uint32]struct{}
	links   map[[2]uint32]struct{}
}

func (s *tableShape) add(path []uint32) {
	s.paths[fmt.Sprint(path)] = struct{}{}
	s.origins[path[len(path)-1]] = struct{}{}
	for i := 1; i < len(path); i++ {
		a, b := path[i-1], path[i]
		if a == b {
			continue
		}
		s.links[[2]uint32{min(a, b), max(a, b)}] = struct{}{}
	}
}

// writeFullTableConfig writes the BIRD configuration of the full table:
// n4 IPv4 /24s and n6 IPv6 /48s as static routes with AS paths
// (birdtest.Path, or birdtest.DiversePath over about `paths` paths when
// paths > 0), exported over one session from 127.0.0.2 to the collector.
func writeFullTableConfig(name string, n4, n6, paths, birdPort, collectorPort int) (tableShape, error) {
	shape := tableShape{paths: map[string]struct{}{}, origins: map[uint32]struct{}{}, links: map[[2]uint32]struct{}{}}
	pathOf := func(i int, v6 bool) []uint32 {
		if paths > 0 {
			if v6 {
				i += n4
			}
			return birdtest.DiversePath(65010, i, paths)
		}
		return birdtest.Path(65010, i, v6)
	}
	f, err := os.Create(name)
	if err != nil {
		return shape, err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintf(w, "log stderr { warning, error, fatal };\nrouter id 127.0.0.2;\nprotocol device {}\nprotocol static s4 { ipv4;\n")
	for i := range n4 {
		p := pathOf(i, false)
		shape.add(p)
		fmt.Fprintf(w, "route %d.%d.%d.0/24 unreachable {%s };\n", 1+i>>16, byte(i>>8), byte(i), birdtest.Prepends(p))
	}
	fmt.Fprintf(w, "}\nprotocol static s6 { ipv6;\n")
	for i := range n6 {
		p := pathOf(i, true)
		shape.add(p)
		fmt.Fprintf(w, "route 2a00:%x:%x::/48 unreachable {%s };\n", i>>16, i&0xffff, birdtest.Prepends(p))
	}
	fmt.Fprintf(w, `}
protocol bgp rs1 {
  local 127.0.0.2 port %d as 65010;
  neighbor 127.0.0.1 port %d as 65000;
  multihop; connect retry time 1; hold time 90;
  ipv4 { import none; export all; };
  ipv6 { import none; export all; next hop address 2001:db8::1; };
}
`, birdPort, collectorPort)
	if err := w.Flush(); err != nil {
		return shape, fmt.Errorf("write %s: %w", name, err)
	}
	return shape, f.Close()
}

// heapProfile writes a heap profile after a GC to IXPOBS_BENCH_HEAPPROFILE
// with suffix appended, when that variable is set.
func heapProfile(t *testing.T, suffix string) {
	f := os.Getenv("IXPOBS_BENCH_HEAPPROFILE")
	if f == "" {
		return
	}
	runtime.GC()
	w, err := os.Create(f + suffix)
	if err != nil {
		t.Errorf("heap profile: %v", err)
		return
	}
	defer w.Close()
	if err := pprof.WriteHeapProfile(w); err != nil {
		t.Errorf("heap profile %s: %v", f+suffix, err)
	}
}

// parseBytes reads a byte count, optionally with a MiB or GiB suffix.
func parseBytes(s string) (int64, error) {
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "GiB"):
		s, mult = strings.TrimSuffix(s, "GiB"), 1<<30
	case strings.HasSuffix(s, "MiB"):
		s, mult = strings.TrimSuffix(s, "MiB"), 1<<20
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q is not a positive byte count (e.g. 1400MiB)", s)
	}
	return n * mult, nil
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// procMem returns VmRSS and VmHWM (peak RSS) of a process.
func procMem(pid string) string {
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return err.Error()
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") || strings.HasPrefix(l, "VmHWM:") {
			out = append(out, strings.Join(strings.Fields(l), " "))
		}
	}
	return strings.Join(out, ", ")
}
