package live_test

import (
	"fmt"
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

// birdPeer describes one BGP protocol of the generated BIRD config.
type birdPeer struct {
	name     string
	local    string // BIRD's address, 127.0.0.x
	asn      uint32
	n4, n6   int // static routes exported
	offset   int // first route number, so peers announce different prefixes
	passive  bool
	hold     int
	hostPort int // BIRD's own port
}

// birdV4 and birdV6 return route i of the generated tables and the AS path
// the collector must see (BIRD prepends its own AS on export).

func birdV4Net(i int) netip.Prefix {
	// Spread over 10.0.0.0/8 as /24s: i < 65536.
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 0}), 24)
}

func birdV6Net(i int) netip.Prefix {
	return netip.MustParsePrefix(fmt.Sprintf("2001:db8:%x::/48", i))
}

func birdPath(peerASN uint32, i int, v6 bool) []uint32 {
	origin := uint32(65100 + i%100)
	if v6 {
		origin = uint32(65300 + i%10)
	}
	if i%3 == 0 {
		return []uint32{peerASN, 4200000000 + uint32(i%7), origin}
	}
	return []uint32{peerASN, origin}
}

func birdPrepends(path []uint32) string {
	var b strings.Builder
	// BIRD prepends in reverse; the first ASN of path is added by export.
	for j := len(path) - 1; j >= 1; j-- {
		fmt.Fprintf(&b, " bgp_path.prepend(%d);", path[j])
	}
	return b.String()
}

// birdConfig generates a BIRD 2 config with static routes and one BGP
// protocol per peer, each connecting to the collector on 127.0.0.1.
func birdConfig(collectorPort int, collectorASN uint32, peers ...birdPeer) string {
	var b strings.Builder
	b.WriteString("log stderr { warning, error, fatal };\nrouter id 127.0.0.2;\nprotocol device {}\n")
	for _, p := range peers {
		fmt.Fprintf(&b, "ipv4 table t4_%s;\nipv6 table t6_%s;\n", p.name, p.name)
		fmt.Fprintf(&b, "protocol static s4_%s { ipv4 { table t4_%s; };\n", p.name, p.name)
		for i := p.offset; i < p.offset+p.n4; i++ {
			fmt.Fprintf(&b, "  route %s unreachable {%s };\n", birdV4Net(i), birdPrepends(birdPath(p.asn, i, false)))
		}
		b.WriteString("}\n")
		fmt.Fprintf(&b, "protocol static s6_%s { ipv6 { table t6_%s; };\n", p.name, p.name)
		for i := p.offset; i < p.offset+p.n6; i++ {
			fmt.Fprintf(&b, "  route %s unreachable {%s };\n", birdV6Net(i), birdPrepends(birdPath(p.asn, i, true)))
		}
		b.WriteString("}\n")
		hold := p.hold
		if hold == 0 {
			hold = 9
		}
		fmt.Fprintf(&b, `protocol bgp %s {
  local %s port %d as %d;
  neighbor 127.0.0.1 port %d as %d;
  multihop; connect retry time 1; error wait time 1, 2; hold time %d;%s
  ipv4 { table t4_%s; import all; export all; };
  ipv6 { table t6_%s; import all; export all; next hop address 2001:db8::1; };
}
`, p.name, p.local, p.hostPort, p.asn, collectorPort, collectorASN, hold, map[bool]string{true: " passive;"}[p.passive], p.name, p.name)
	}
	return b.String()
}

var birdCountRe = regexp.MustCompile(`(\d+) of (\d+) routes for (\d+) networks in table (\S+)`)

// birdExported returns how many routes BIRD exports to protocol proto,
// per table, as reported by `birdc show route export <proto> count`.
func birdExported(t testing.TB, b *birdProc, proto string) (v4, v6 int) {
	t.Helper()
	for _, tbl := range []string{"t4_" + proto, "t6_" + proto} {
		out := b.mustCtl(t, "show", "route", "export", proto, "table", tbl, "count")
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
	port := freePort(t, "127.0.0.1")
	rs := birdPeer{name: "rs1", local: "127.0.0.2", asn: 65010, n4: n4, n6: n6, hostPort: freePort(t, "127.0.0.2")}
	b := startBird(t, birdConfig(port, 65000, rs))

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
		checkRoute(t, sink, peer, birdV4Net(i), birdPath(65010, i, false))
	}
	for i := range n6 {
		checkRoute(t, sink, peer, birdV6Net(i), birdPath(65010, i, true))
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
	b.mustCtl(t, "disable", "s6_rs1")
	waitFor(t, 10*time.Second, "IPv6 withdrawals", func() bool { _, v6 := sink.count(peer); return v6 == 0 })
	if v4, _ := sink.count(peer); v4 != n4 {
		t.Errorf("after IPv6 withdrawal the sink has %d IPv4 routes, want %d", v4, n4)
	}
	if s, _ := session(c, "127.0.0.2"); s.Withdrawals != n6 || s.PrefixesIPv6 != 0 {
		t.Errorf("after IPv6 withdrawal session = %+v, want %d withdrawals and 0 IPv6 prefixes", s, n6)
	}

	// Session loss resets the peer in the sink.
	b.mustCtl(t, "disable", "rs1")
	waitFor(t, 10*time.Second, "peer reset after session loss", func() bool { return sink.total() == 0 })
	waitFor(t, 5*time.Second, "flap counted", func() bool {
		s, _ := session(c, "127.0.0.2")
		return s.Flaps == 1 && s.State != "established"
	})

	// Re-enable and shut the collector down: BIRD must see a Cease.
	b.mustCtl(t, "enable", "rs1")
	waitFor(t, 20*time.Second, "re-established", func() bool { v4, _ := sink.count(peer); return v4 == n4 })
	stop()
	out := b.mustCtl(t, "show", "protocols", "all", "rs1")
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
