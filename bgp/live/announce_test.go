package live_test

import (
	"github.com/ixpobs/ixpobs/internal/birdtest"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/bgp"
	"github.com/ixpobs/ixpobs/bgp/live"
)

// TestAnnouncesDetector checks the detector used by TestNeverAnnounces on
// hand-built messages, so that test cannot pass by not recognising an
// announcement.
func TestAnnouncesDetector(t *testing.T) {
	p4 := netip.MustParsePrefix("192.0.2.0/24")
	p6 := netip.MustParsePrefix("2001:db8::/32")
	for _, tc := range []struct {
		name string
		body []byte
		want bool
	}{
		{"ipv4 end-of-rib", updateBody(nil, nil, nil), false},
		{"ipv6 end-of-rib", updateBody(nil, attr(0x80, 15, []byte{0, 2, 1}), nil), false},
		{"ipv4 withdrawal", updateBody(nlri(p4), nil, nil), false},
		{"ipv4 nlri", updateBody(nil, cat(originAttr(), asPathAttr(seg{asns: []uint32{65000}}), nextHopAttr("127.0.0.1")), nlri(p4)), true},
		{"ipv6 mp_reach", updateBody(nil, cat(originAttr(), asPathAttr(), mpReachV6("2001:db8::1", p6)), nil), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := announces(tc.body)
			if err != nil || got != tc.want {
				t.Errorf("announces(%x) = %v, %v; want %v, nil", tc.body, got, err, tc.want)
			}
		})
	}
}

// TestNeverAnnounces: while a BIRD peer sends thousands of routes, a second
// peer (the raw test speaker, which decodes every message) receives no
// UPDATE carrying reachability, only keepalives and End-of-RIB markers.
func TestNeverAnnounces(t *testing.T) {
	const n4, n6 = 3000, 500
	port := birdtest.FreePort(t, "127.0.0.1")
	sink := newMemSink()
	c, _ := runCollector(t, collectorConfig(port,
		live.PeerConfig{Name: "rs1", Address: "127.0.0.2", ASN: 65010, IXPID: 1, Passive: true},
		live.PeerConfig{Name: "listener", Address: "127.0.0.3", ASN: 65020, IXPID: 1, Passive: true},
	), sink, nil)

	// B connects first, so it is up before and while routes flow.
	b := dialRaw(t, "127.0.0.3", "127.0.0.1:"+strconv.Itoa(port), 65020, 9)
	// B announces a route of its own too: a collector with export
	// enabled would reflect A's routes to B and B's to A.
	b.mustSend(t, msgUpdate, updateBody(nil,
		cat(originAttr(), asPathAttr(seg{asns: []uint32{65020}}), nextHopAttr("127.0.0.3")),
		nlri(netip.MustParsePrefix("198.51.100.0/24"))))

	rs := birdtest.Peer{Name: "rs1", Local: "127.0.0.2", ASN: 65010, N4: n4, N6: n6, HostPort: birdtest.FreePort(t, "127.0.0.2")}
	bird := birdtest.Start(t, birdtest.Config(port, 65000, rs))
	a := bgp.Peer{ASN: 65010, Addr: netip.MustParseAddr("127.0.0.2")}
	waitFor(t, 30*time.Second, "A's routes in the sink", func() bool { v4, v6 := sink.count(a); return v4 == n4 && v6 == n6 })
	// Give GoBGP time to (wrongly) propagate.
	time.Sleep(3 * time.Second)

	var keepalives, eors int
	for _, m := range b.received() {
		switch m.typ {
		case msgKeepalive:
			keepalives++
		case msgUpdate:
			ann, err := announces(m.body)
			if err != nil {
				t.Errorf("malformed UPDATE to B: %v", err)
			}
			if ann {
				t.Errorf("B received an UPDATE with reachability: %x", m.body)
			} else {
				eors++
			}
		default:
			t.Errorf("B received message type %d: %x", m.typ, m.body)
		}
	}
	t.Logf("B received %d keepalives and %d UPDATEs without reachability (End-of-RIB)", keepalives, eors)
	if closed, n := b.closed(); closed {
		t.Errorf("B's session was closed (notification %x)", n)
	}

	// BIRD (A) imports everything ("import all"): it must have learnt
	// nothing from the collector, in particular not B's route.
	for _, tbl := range []string{"t4_rs1", "t6_rs1"} {
		out := bird.MustCtl(t, "show", "route", "protocol", "rs1", "table", tbl, "count")
		m := birdCountRe.FindStringSubmatch(out)
		if m == nil || m[1] != "0" {
			t.Errorf("BIRD imported from the collector into %s: %q, want 0 routes", tbl, out)
		}
	}
	if s, _ := session(c, "127.0.0.3"); s.State != "established" || s.PrefixesIPv4 != 1 {
		t.Errorf("B session = %+v, want established with 1 IPv4 prefix", s)
	}
}
