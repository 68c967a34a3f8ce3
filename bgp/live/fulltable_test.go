package live_test

import (
	"fmt"
	"github.com/ixpobs/ixpobs/internal/birdtest"
	"net/netip"
	"os"
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
func TestFullTable(t *testing.T) {
	if os.Getenv("IXPOBS_BENCH_FULLTABLE") != "1" {
		t.Skip("set IXPOBS_BENCH_FULLTABLE=1 to run the full-table benchmark (bench.sh)")
	}
	n4, n6 := envInt("IXPOBS_BENCH_V4", 800000), envInt("IXPOBS_BENCH_V6", 200000)
	port := birdtest.FreePort(t, "127.0.0.1")
	var b strings.Builder
	fmt.Fprintf(&b, `log stderr { warning, error, fatal };
router id 127.0.0.2;
protocol device {}
protocol static s4 { ipv4;
`)
	for i := range n4 {
		fmt.Fprintf(&b, "route %d.%d.%d.0/24 unreachable {%s };\n", 1+i>>16, byte(i>>8), byte(i), birdtest.Prepends(birdtest.Path(65010, i, false)))
	}
	b.WriteString("}\nprotocol static s6 { ipv6;\n")
	for i := range n6 {
		fmt.Fprintf(&b, "route 2a00:%x:%x::/48 unreachable {%s };\n", i>>16, i&0xffff, birdtest.Prepends(birdtest.Path(65010, i, true)))
	}
	fmt.Fprintf(&b, `}
protocol bgp rs1 {
  local 127.0.0.2 port %d as 65010;
  neighbor 127.0.0.1 port %d as 65000;
  multihop; connect retry time 1; hold time 90;
  ipv4 { import none; export all; };
  ipv6 { import none; export all; next hop address 2001:db8::1; };
}
`, birdtest.FreePort(t, "127.0.0.2"), port)
	birdStart := time.Now()
	bird := birdtest.Start(t, b.String())
	t.Logf("BIRD loaded %d+%d static routes in %v", n4, n6, time.Since(birdStart))

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
	s, _ := session(c, "127.0.0.2")
	t.Logf("full table %d+%d: session up after %v, all routes aggregated %v after session up (%.0f routes/s); dropped %d",
		n4, n6, established, total-established, float64(n4+n6)/(total-established).Seconds(), s.Dropped)
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
