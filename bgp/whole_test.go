package bgp

import (
	"net/netip"
	"testing"
	"time"
)

// TestAggregatorWholeTables follows one peer through the whole-table mode:
// nothing before its first End-of-RIB, the whole table after it, the last
// whole table carried through a reset and a half-reloaded table, the new
// table once whole, and nothing once the carry is older than carryMax.
func TestAggregatorWholeTables(t *testing.T) {
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	a := NewAggregator()
	a.KeepWholeTables(time.Hour, func() time.Time { return now })
	peer := Peer{ASN: 65010, Addr: netip.MustParseAddr("192.0.2.1")}
	other := Peer{ASN: 65011, Addr: netip.MustParseAddr("192.0.2.2")}
	load := func(p Peer, n int, origin uint32) {
		for i := range n {
			a.Announce(Route{Peer: p, Prefix: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 0}), 24),
				Path: []Segment{{ASNs: []uint32{p.ASN, origin}}}})
		}
	}
	type want struct {
		peers    int // peers in the Summary
		prefixes int // of peer
		routes   int
		carried  bool
		noEOR    bool
	}
	check := func(step string, w want) {
		t.Helper()
		s := a.Summary()
		var got PeerSummary
		for _, p := range s.Peers {
			if p.Peer == peer {
				got = p
			}
		}
		if len(s.Peers) != w.peers || got.PrefixesV4 != w.prefixes || s.Routes != w.routes || len(s.Prefixes) != w.routes ||
			!got.CarriedSince.IsZero() != w.carried || got.NoEOR != w.noEOR {
			t.Errorf("%s: %d peers, peer %+v, %d routes, %d prefixes; want %+v", step, len(s.Peers), got, s.Routes, len(s.Prefixes), w)
		}
	}
	load(peer, 300, 64500)
	check("first load, no End-of-RIB", want{})
	a.MarkWhole(peer, false)
	check("whole", want{peers: 1, prefixes: 300, routes: 300})
	a.ResetPeer(peer)
	check("reset: carried", want{peers: 1, prefixes: 300, routes: 300, carried: true})
	load(peer, 120, 64501)
	check("half reloaded: still carried", want{peers: 1, prefixes: 300, routes: 300, carried: true})
	a.ResetPeer(peer) // a second flap mid-load keeps the whole table
	load(peer, 50, 64501)
	check("second reset mid-load: still the whole table", want{peers: 1, prefixes: 300, routes: 300, carried: true})
	load(peer, 250, 64501)
	a.MarkWhole(peer, true)
	check("whole again, by the timeout", want{peers: 1, prefixes: 250, routes: 250, noEOR: true})
	if s := a.Summary(); len(s.Origins) != 1 || s.Origins[0].ASN != 64501 {
		t.Errorf("origins after the reload = %+v, want only AS64501 (the carried table's origin is dropped)", s.Origins)
	}
	a.ResetPeer(peer)
	now = now.Add(time.Hour)
	check("carried for carry_max", want{peers: 1, prefixes: 250, routes: 250, carried: true})
	now = now.Add(time.Second)
	check("carry_max passed: left out", want{})
	load(other, 10, 64502)
	a.MarkWhole(other, false)
	check("another peer whole", want{peers: 1, routes: 10})
}
