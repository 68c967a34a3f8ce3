package live_test

import (
	"fmt"
	"github.com/ixpobs/ixpobs/internal/birdtest"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/ixpobs/ixpobs/bgp"
	"github.com/ixpobs/ixpobs/bgp/live"
)

var birdCountRe = regexp.MustCompile(`(\d+) of (\d+) routes for (\d+) networks in table (\S+)`)

// birdExported returns how many routes BIRD exports to protocol proto,
// per table, as reported by `birdc show route export <proto> count`.
func birdExported(t testing.TB, b *birdtest.Daemon, proto string) (v4, v6 int) {
	t.Helper()
	for _, tbl := range []string{"t4_" + proto, "t6_" + proto} {
		out := b.MustCtl(t, "show", "route", "export", proto, "table", tbl, "count")
		m := birdCountRe.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("birdc show route export %s table %s count: unexpected output %q", proto, tbl, out)
		}
		n, _ := strconv.Atoi(m[1])
		if strings.HasPrefix(tbl, "t4") {
			v4 = n
		} else {
			v6 = n
		}
	}
	return v4, v6
}

func collectorConfig(port int, peers ...live.PeerConfig) live.Config {
	cfg := live.DefaultConfig()
	cfg.ASN = 65000
	cfg.RouterID = "127.0.0.1"
	cfg.ListenAddresses = []string{"127.0.0.1"}
	cfg.ListenPort = int32(port)
	cfg.ShutdownGrace = time.Second
	cfg.Peers = peers
	return cfg
}

// TestBIRDRouteServer: a BIRD 2 peer exports a few thousand IPv4 and IPv6
// routes with filter-set AS paths; every route reaches the sink with the
// right AS path and origin within seconds, in agreement with BIRD's counts.
// Withdrawals and session loss then empty the sink.
func TestBIRDRouteServer(t *testing.T) {
	const n4, n6 = 3000, 1000
	port := birdtest.FreePort(t, "127.0.0.1")
	rs := birdtest.Peer{Name: "rs1", Local: "127.0.0.2", ASN: 65010, N4: n4, N6: n6, HostPort: birdtest.FreePort(t, "127.0.0.2")}
	b := birdtest.Start(t, birdtest.Config(port, 65000, rs))

	sink := newMemSink()
	reg := prometheus.NewPedanticRegistry()
	c, stop := runCollector(t, collectorConfig(port, live.PeerConfig{
		Name: "rs1", Address: "127.0.0.2", ASN: 65010, IXPID: 42, Passive: true,
		SessionConfig: live.SessionConfig{HoldTime: 9 * time.Second},
	}), sink, reg)

	peer := bgp.Peer{ASN: 65010, Addr: netip.MustParseAddr("127.0.0.2")}
	took := waitFor(t, 30*time.Second, "all BIRD routes in the sink", func() bool {
		v4, v6 := sink.count(peer)
		return v4 == n4 && v6 == n6
	})
	s0, _ := session(c, "127.0.0.2")
	t.Logf("%d IPv4 + %d IPv6 routes in the sink %v after start, %v after the session came up", n4, n6, took, s0.Uptime)

	bv4, bv6 := birdExported(t, b, "rs1")
	if v4, v6 := sink.count(peer); v4 != bv4 || v6 != bv6 {
		t.Errorf("sink has %d IPv4 and %d IPv6 routes, BIRD exported %d and %d", v4, v6, bv4, bv6)
	}
	for i := range n4 {
		checkRoute(t, sink, peer, birdtest.V4Net(i), birdtest.Path(65010, i, false))
	}
	for i := range n6 {
		checkRoute(t, sink, peer, birdtest.V6Net(i), birdtest.Path(65010, i, true))
	}

	s, ok := session(c, "127.0.0.2")
	if !ok {
		t.Fatal("no session for 127.0.0.2")
	}
	if s.State != "established" || s.ASN != 65010 || s.IXPID != 42 || s.Name != "rs1" {
		t.Errorf("session = %+v, want established, asn 65010, ixp 42, name rs1", s)
	}
	if s.PrefixesIPv4 != n4 || s.PrefixesIPv6 != n6 {
		t.Errorf("session prefixes = %d/%d, want %d/%d", s.PrefixesIPv4, s.PrefixesIPv6, n4, n6)
	}
	if s.Announcements != n4+n6 || s.Updates == 0 || s.LastUpdate.IsZero() || s.Uptime <= 0 {
		t.Errorf("session counters = %+v, want %d announcements, updates > 0, last update and uptime set", s, n4+n6)
	}
	labels := `ixp_id="42",peer="127.0.0.2",peer_asn="65010"`
	want := fmt.Sprintf(`
# HELP ixpobs_bgp_prefixes_received Prefixes currently received in the session.
# TYPE ixpobs_bgp_prefixes_received gauge
ixpobs_bgp_prefixes_received{family="ipv4",%[1]s} %[2]d
ixpobs_bgp_prefixes_received{family="ipv6",%[1]s} %[3]d
# HELP ixpobs_bgp_session_established 1 if the session is established, else 0.
# TYPE ixpobs_bgp_session_established gauge
ixpobs_bgp_session_established{%[1]s} 1
`, labels, n4, n6)
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "ixpobs_bgp_prefixes_received", "ixpobs_bgp_session_established"); err != nil {
		t.Error(err)
	}
	// GoBGP's own collector is registered on the same registry.
	if n, err := testutil.GatherAndCount(reg, "bgp_routes_received"); err != nil || n != 2 {
		t.Errorf("GatherAndCount(bgp_routes_received) = %d, %v; want 2 series (ipv4, ipv6)", n, err)
	}

	// Withdraw every IPv6 route.
	b.MustCtl(t, "disable", "s6_rs1")
	waitFor(t, 10*time.Second, "IPv6 withdrawals", func() bool { _, v6 := sink.count(peer); return v6 == 0 })
	if v4, _ := sink.count(peer); v4 != n4 {
		t.Errorf("after IPv6 withdrawal the sink has %d IPv4 routes, want %d", v4, n4)
	}
	if s, _ := session(c, "127.0.0.2"); s.Withdrawals != n6 || s.PrefixesIPv6 != 0 {
		t.Errorf("after IPv6 withdrawal session = %+v, want %d withdrawals and 0 IPv6 prefixes", s, n6)
	}

	// Session loss resets the peer in the sink.
	b.MustCtl(t, "disable", "rs1")
	waitFor(t, 10*time.Second, "peer reset after session loss", func() bool { return sink.total() == 0 })
	waitFor(t, 5*time.Second, "flap counted", func() bool {
		s, _ := session(c, "127.0.0.2")
		return s.Flaps == 1 && s.State != "established"
	})

	// Re-enable and shut the collector down: BIRD must see a Cease.
	b.MustCtl(t, "enable", "rs1")
	waitFor(t, 20*time.Second, "re-established", func() bool { v4, _ := sink.count(peer); return v4 == n4 })
	stop()
	out := b.MustCtl(t, "show", "protocols", "all", "rs1")
	if !strings.Contains(out, "Administrative shutdown") {
		t.Errorf("after collector shutdown BIRD shows %q, want a Cease (administrative shutdown)", out)
	}
}

func checkRoute(t *testing.T, sink *memSink, peer bgp.Peer, pfx netip.Prefix, path []uint32) {
	t.Helper()
	r, ok := sink.route(peer, pfx)
	if !ok {
		t.Errorf("route %s missing", pfx)
		return
	}
	if len(r.Path) != 1 || r.Path[0].Set || !slices.Equal(r.Path[0].ASNs, path) {
		t.Errorf("route %s path = %+v, want one sequence %v", pfx, r.Path, path)
	}
	if o, ok := r.Origin(); !ok || o != path[len(path)-1] {
		t.Errorf("route %s origin = %d, %v; want %d", pfx, o, ok, path[len(path)-1])
	}
}
