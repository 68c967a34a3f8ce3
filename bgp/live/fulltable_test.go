package live_test

import (
	"bufio"
	"fmt"
	"github.com/ixpobs/ixpobs/internal/birdtest"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
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
func TestFullTable(t *testing.T) {
	if os.Getenv("IXPOBS_BENCH_FULLTABLE") != "1" {
		t.Skip("set IXPOBS_BENCH_FULLTABLE=1 to run the full-table benchmark (bench.sh)")
	}
	n4, n6 := envInt("IXPOBS_BENCH_V4", 800000), envInt("IXPOBS_BENCH_V6", 200000)
	paths := envInt("IXPOBS_BENCH_PATHS", 0)
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

	if f := os.Getenv("IXPOBS_BENCH_HEAPPROFILE"); f != "" {
		runtime.GC()
		if w, err := os.Create(f); err == nil {
			_ = pprof.WriteHeapProfile(w)
			w.Close()
		}
	}
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
