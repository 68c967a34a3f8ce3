package bgp

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"

	"github.com/ixpobs/ixpobs/internal/testdiff"
)

func seq(asns ...uint32) Segment { return Segment{ASNs: asns} }
func set(asns ...uint32) Segment { return Segment{Set: true, ASNs: asns} }

var (
	peerA = Peer{ASN: 65001, Addr: netip.MustParseAddr("192.0.2.1")}
	peerB = Peer{ASN: 65002, Addr: netip.MustParseAddr("2001:db8::2")}
)

func TestAggregatorSummary(t *testing.T) {
	pfx := netip.MustParsePrefix
	tests := []struct {
		name string
		ops  func(a *Aggregator)
		want Summary
	}{
		{
			name: "empty",
			ops:  func(a *Aggregator) {},
			want: Summary{Peers: nil, Origins: []OriginSummary{}, Links: []Link{}, Prefixes: []PrefixOrigins{}},
		},
		{
			name: "prepending removed and overlaps counted once",
			ops: func(a *Aggregator) {
				a.Announce(Route{Peer: peerA, Prefix: pfx("10.0.0.0/8"), Path: []Segment{seq(65001, 65001, 3, 3, 7)}})
				a.Announce(Route{Peer: peerA, Prefix: pfx("10.1.0.0/16"), Path: []Segment{seq(65001, 7)}})
				a.Announce(Route{Peer: peerB, Prefix: pfx("10.1.0.0/16"), Path: []Segment{seq(65002, 3, 7)}})
			},
			want: Summary{
				Routes: 3,
				Peers: []PeerSummary{
					{Peer: peerA, PrefixesV4: 2},
					{Peer: peerB, PrefixesV4: 1},
				},
				Origins: []OriginSummary{{ASN: 7, PrefixesV4: 2, AddrsV4: 1 << 24}},
				Links:   []Link{{A: 3, B: 7, Peers: 2}, {A: 3, B: 65001, Peers: 1}, {A: 3, B: 65002, Peers: 1}, {A: 7, B: 65001, Peers: 1}},
				Prefixes: []PrefixOrigins{
					{Prefix: pfx("10.0.0.0/8"), Origins: []uint32{7}},
					{Prefix: pfx("10.1.0.0/16"), Origins: []uint32{7}},
				},
			},
		},
		{
			name: "AS_SET makes no link and no origin",
			ops: func(a *Aggregator) {
				a.Announce(Route{Peer: peerA, Prefix: pfx("192.0.2.0/24"), Path: []Segment{seq(1, 2), set(3, 4)}})
				a.Announce(Route{Peer: peerA, Prefix: pfx("198.51.100.0/24"), Path: []Segment{seq(1), set(5, 6), seq(9)}})
			},
			want: Summary{
				Routes:   2,
				Peers:    []PeerSummary{{Peer: peerA, PrefixesV4: 2}},
				Origins:  []OriginSummary{{ASN: 9, PrefixesV4: 1, AddrsV4: 256}},
				Links:    []Link{{A: 1, B: 2, Peers: 1}},
				Prefixes: []PrefixOrigins{{Prefix: pfx("192.0.2.0/24"), Origins: []uint32{}}, {Prefix: pfx("198.51.100.0/24"), Origins: []uint32{9}}},
			},
		},
		{
			name: "MOAS, IPv6 /48s, replace and withdraw",
			ops: func(a *Aggregator) {
				a.Announce(Route{Peer: peerA, Prefix: pfx("2001:db8::/32"), Path: []Segment{seq(1, 10)}})
				a.Announce(Route{Peer: peerB, Prefix: pfx("2001:db8::/32"), Path: []Segment{seq(2, 11)}})
				a.Announce(Route{Peer: peerA, Prefix: pfx("2001:db8:1::/64"), Path: []Segment{seq(1, 10)}})
				a.Announce(Route{Peer: peerA, Prefix: pfx("2001:db9:1:100::/56"), Path: []Segment{seq(1, 12)}})
				a.Announce(Route{Peer: peerA, Prefix: pfx("2001:db9:1:200::/56"), Path: []Segment{seq(1, 12)}})
				a.Announce(Route{Peer: peerA, Prefix: pfx("2001:db9:1:200::/56"), Path: []Segment{seq(1, 13, 12)}}) // replace
				a.Announce(Route{Peer: peerA, Prefix: pfx("2001:db9:2::/48"), Path: []Segment{seq(1, 12)}})
				a.Withdraw(peerA, pfx("2001:db9:2::/48"), 0)
				a.Withdraw(peerA, pfx("2001:db9:3::/48"), 0) // not held
			},
			want: Summary{
				Routes: 5,
				Peers: []PeerSummary{
					{Peer: peerA, PrefixesV6: 4},
					{Peer: peerB, PrefixesV6: 1},
				},
				Origins: []OriginSummary{
					{ASN: 10, PrefixesV6: 2, Slash48sV6: 65536},
					{ASN: 11, PrefixesV6: 1, Slash48sV6: 65536},
					{ASN: 12, PrefixesV6: 2, Slash48sV6: 1},
				},
				Links: []Link{{A: 1, B: 10, Peers: 1}, {A: 1, B: 12, Peers: 1}, {A: 1, B: 13, Peers: 1}, {A: 2, B: 11, Peers: 1}, {A: 12, B: 13, Peers: 1}},
				Prefixes: []PrefixOrigins{
					{Prefix: pfx("2001:db8::/32"), Origins: []uint32{10, 11}},
					{Prefix: pfx("2001:db8:1::/64"), Origins: []uint32{10}},
					{Prefix: pfx("2001:db9:1:100::/56"), Origins: []uint32{12}},
					{Prefix: pfx("2001:db9:1:200::/56"), Origins: []uint32{12}},
				},
			},
		},
		{
			name: "ADD-PATH paths count one prefix; reset forgets the peer's routes",
			ops: func(a *Aggregator) {
				a.Announce(Route{Peer: peerA, Prefix: pfx("203.0.113.0/24"), PathID: 1, Path: []Segment{seq(1, 5)}})
				a.Announce(Route{Peer: peerA, Prefix: pfx("203.0.113.0/24"), PathID: 2, Path: []Segment{seq(1, 6)}})
				a.Announce(Route{Peer: peerA, Prefix: pfx("203.0.113.0/24"), Path: []Segment{seq(1, 5)}})
				a.Announce(Route{Peer: peerB, Prefix: pfx("203.0.113.77/24"), Path: []Segment{seq(2, 5)}}) // masked
				a.Announce(Route{Peer: peerB, Prefix: pfx("0.0.0.0/0"), Path: []Segment{seq(2, 8)}})
				a.ResetPeer(peerB)
			},
			want: Summary{
				Routes:  3,
				Peers:   []PeerSummary{{Peer: peerA, PrefixesV4: 1}, {Peer: peerB}},
				Origins: []OriginSummary{{ASN: 5, PrefixesV4: 1, AddrsV4: 256}, {ASN: 6, PrefixesV4: 1, AddrsV4: 256}},
				Links:   []Link{{A: 1, B: 5, Peers: 1}, {A: 1, B: 6, Peers: 1}},
				Prefixes: []PrefixOrigins{
					{Prefix: pfx("203.0.113.0/24"), Origins: []uint32{5, 6}},
				},
			},
		},
		{
			name: "default route covers all IPv4",
			ops: func(a *Aggregator) {
				a.Announce(Route{Peer: peerA, Prefix: pfx("0.0.0.0/0"), Path: []Segment{seq(1, 8)}})
				a.Announce(Route{Peer: peerA, Prefix: pfx("255.255.255.255/32"), Path: []Segment{seq(1, 8)}})
			},
			want: Summary{
				Routes:   2,
				Peers:    []PeerSummary{{Peer: peerA, PrefixesV4: 2}},
				Origins:  []OriginSummary{{ASN: 8, PrefixesV4: 2, AddrsV4: 1 << 32}},
				Links:    []Link{{A: 1, B: 8, Peers: 1}},
				Prefixes: []PrefixOrigins{{Prefix: pfx("0.0.0.0/0"), Origins: []uint32{8}}, {Prefix: pfx("255.255.255.255/32"), Origins: []uint32{8}}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := NewAggregator()
			tt.ops(a)
			got := a.Summary()
			if d := testdiff.Diff(tt.want, got); d != "" {
				t.Errorf("Summary() (-want +got):\n%s", d)
			}
		})
	}
}

// model is a naive reference implementation of the Aggregator.
type model struct {
	routes map[modelKey][]Segment
	peers  map[Peer]bool
}

type modelKey struct {
	peer   Peer
	prefix netip.Prefix
	pathID uint32
}

func (m *model) summary() Summary {
	s := Summary{Routes: len(m.routes)}
	for p := range m.peers {
		ps := PeerSummary{Peer: p}
		seen := map[netip.Prefix]bool{}
		for k := range m.routes {
			if k.peer == p && !seen[k.prefix] {
				seen[k.prefix] = true
				if k.prefix.Addr().Is4() {
					ps.PrefixesV4++
				} else {
					ps.PrefixesV6++
				}
			}
		}
		s.Peers = append(s.Peers, ps)
	}
	slices.SortFunc(s.Peers, func(x, y PeerSummary) int { return int(x.Peer.ASN) - int(y.Peer.ASN) })
	orgs := map[netip.Prefix]map[uint32]bool{}
	linkPeers := map[[2]uint32]map[Peer]bool{}
	for k, path := range m.routes {
		if orgs[k.prefix] == nil {
			orgs[k.prefix] = map[uint32]bool{}
		}
		if o, ok := (Route{Path: path}).Origin(); ok {
			orgs[k.prefix][o] = true
		}
		var prev uint32
		for _, sg := range path {
			if sg.Set {
				prev = 0
				continue
			}
			for _, asn := range sg.ASNs {
				if prev != 0 && asn != prev {
					l := [2]uint32{min(prev, asn), max(prev, asn)}
					if linkPeers[l] == nil {
						linkPeers[l] = map[Peer]bool{}
					}
					linkPeers[l][k.peer] = true
				}
				prev = asn
			}
		}
	}
	s.Prefixes = []PrefixOrigins{}
	type oacc struct {
		v4, v6 int
		addrs  map[netip.Addr]bool
		s48    map[netip.Prefix]bool
	}
	oa := map[uint32]*oacc{}
	for p, os := range orgs {
		po := PrefixOrigins{Prefix: p, Origins: []uint32{}}
		for o := range os {
			po.Origins = append(po.Origins, o)
			if oa[o] == nil {
				oa[o] = &oacc{addrs: map[netip.Addr]bool{}, s48: map[netip.Prefix]bool{}}
			}
			if p.Addr().Is4() {
				oa[o].v4++
				for a := p.Addr(); p.Contains(a); a = a.Next() {
					oa[o].addrs[a] = true
				}
			} else {
				oa[o].v6++
				if p.Bits() >= 48 {
					oa[o].s48[netip.PrefixFrom(p.Addr(), 48).Masked()] = true
				} else {
					// Walk the /48s: fine for the lengths the test uses (>= /40).
					a := p.Addr()
					for p.Contains(a) {
						oa[o].s48[netip.PrefixFrom(a, 48)] = true
						b := a.As16()
						b[5]++
						if b[5] == 0 {
							b[4]++
						}
						a = netip.AddrFrom16(b)
					}
				}
			}
		}
		slices.Sort(po.Origins)
		s.Prefixes = append(s.Prefixes, po)
	}
	slices.SortFunc(s.Prefixes, func(x, y PrefixOrigins) int {
		if c := x.Prefix.Addr().Compare(y.Prefix.Addr()); c != 0 {
			return c
		}
		return x.Prefix.Bits() - y.Prefix.Bits()
	})
	s.Origins = []OriginSummary{}
	for o, ac := range oa {
		s.Origins = append(s.Origins, OriginSummary{ASN: o, PrefixesV4: ac.v4, PrefixesV6: ac.v6, AddrsV4: uint64(len(ac.addrs)), Slash48sV6: uint64(len(ac.s48))})
	}
	slices.SortFunc(s.Origins, func(x, y OriginSummary) int { return int(x.ASN) - int(y.ASN) })
	s.Links = []Link{}
	for l, ps := range linkPeers {
		s.Links = append(s.Links, Link{A: l[0], B: l[1], Peers: len(ps)})
	}
	slices.SortFunc(s.Links, func(x, y Link) int {
		if x.A != y.A {
			return int(x.A) - int(y.A)
		}
		return int(x.B) - int(y.B)
	})
	return s
}

// TestAggregatorMatchesModel drives the Aggregator and a naive model with
// the same random operations and compares their summaries.
func TestAggregatorMatchesModel(t *testing.T) {
	for seed := range uint64(20) {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 1))
			peers := []Peer{
				{ASN: 1, Addr: netip.MustParseAddr("10.255.0.1")},
				{ASN: 2, Addr: netip.MustParseAddr("10.255.0.2")},
				{ASN: 3, Addr: netip.MustParseAddr("2001:db8:ffff::3")},
			}
			randPrefix := func() netip.Prefix {
				if rng.IntN(3) == 0 {
					b := [16]byte{0x20, 0x01, 0x0d, 0xb8, byte(rng.IntN(4)), byte(rng.IntN(4) << 4)}
					return netip.PrefixFrom(netip.AddrFrom16(b), 40+rng.IntN(25)).Masked()
				}
				b := [4]byte{10, byte(rng.IntN(4)), byte(rng.IntN(256)), byte(rng.IntN(256))}
				return netip.PrefixFrom(netip.AddrFrom4(b), 20+rng.IntN(13)).Masked()
			}
			randPath := func() []Segment {
				var p []Segment
				s := Segment{}
				for range 1 + rng.IntN(5) {
					asn := uint32(100 + rng.IntN(12))
					s.ASNs = append(s.ASNs, asn)
					if rng.IntN(4) == 0 {
						s.ASNs = append(s.ASNs, asn) // prepend
					}
				}
				p = append(p, s)
				if rng.IntN(6) == 0 {
					p = append(p, set(uint32(200+rng.IntN(3)), 201))
					if rng.IntN(2) == 0 {
						p = append(p, seq(uint32(300+rng.IntN(3))))
					}
				}
				return p
			}
			a := NewAggregator()
			// piped gets the same operations through a Pipe, with the
			// caller's path buffers overwritten after every call, as the
			// MRT decoder reuses them.
			piped := NewAggregator()
			pipe := NewPipe(piped)
			m := &model{routes: map[modelKey][]Segment{}, peers: map[Peer]bool{}}
			for range 3000 {
				p := peers[rng.IntN(len(peers))]
				pathID := uint32(0)
				if p.ASN == 2 && rng.IntN(2) == 0 {
					pathID = uint32(1 + rng.IntN(3))
				}
				switch op := rng.IntN(20); {
				case op < 13:
					r := Route{Peer: p, Prefix: randPrefix(), PathID: pathID, Path: randPath()}
					a.Announce(r)
					reused := Route{Peer: r.Peer, Prefix: r.Prefix, PathID: r.PathID}
					for _, seg := range r.Path {
						reused.Path = append(reused.Path, Segment{Set: seg.Set, ASNs: slices.Clone(seg.ASNs)})
					}
					pipe.Announce(reused)
					for _, seg := range reused.Path {
						for i := range seg.ASNs {
							seg.ASNs[i] = 999999
						}
					}
					m.peers[p] = true
					m.routes[modelKey{p, r.Prefix, pathID}] = r.Path
				case op < 19:
					pfx := randPrefix()
					// Withdraw something held half of the time.
					for k := range m.routes {
						if k.peer == p && rng.IntN(2) == 0 {
							pfx, pathID = k.prefix, k.pathID
							break
						}
					}
					a.Withdraw(p, pfx, pathID)
					pipe.Withdraw(p, pfx, pathID)
					delete(m.routes, modelKey{p, pfx, pathID})
				default:
					a.ResetPeer(p)
					pipe.ResetPeer(p)
					for k := range m.routes {
						if k.peer == p {
							delete(m.routes, k)
						}
					}
				}
			}
			checkPathTable(t, a)
			checkPrefixTable(t, a)
			got, want := a.Summary(), m.summary()
			if d := testdiff.Diff(want, got); d != "" {
				t.Errorf("Summary() differs from the model (-want +got):\n%s", d)
			}
			if got := a.Routes(); got != len(m.routes) {
				t.Errorf("Routes() = %d, want %d", got, len(m.routes))
			}
			pipe.Close()
			if d := testdiff.Diff(want, piped.Summary()); d != "" {
				t.Errorf("Summary() through a Pipe differs from the model (-want +got):\n%s", d)
			}
			// Reset everything: nothing may stay interned.
			for _, p := range peers {
				a.ResetPeer(p)
			}
			if n := a.pfx.live; n != 0 {
				t.Errorf("after resetting all peers %d prefixes stay interned, want 0", n)
			}
			if n := a.paths.live; n != 0 {
				t.Errorf("after resetting all peers %d paths stay interned, want 0", n)
			}
		})
	}
}

// TestAggregatorBoundedChurn checks that announcing and withdrawing many
// distinct paths does not grow the path arena without bound.
func TestAggregatorBoundedChurn(t *testing.T) {
	a := NewAggregator()
	pfx := netip.MustParsePrefix("192.0.2.0/24")
	for i := range uint32(3_000_000) {
		a.Announce(Route{Peer: peerA, Prefix: pfx, Path: []Segment{seq(1, 2, 3, i)}})
	}
	if n := a.paths.used; n > 5<<20 {
		t.Errorf("arena holds %d words after churn on one route, want at most %d", n, 5<<20)
	}
	if n := len(a.paths.chunks); n > 5<<20/chunkWords+1 {
		t.Errorf("arena has %d chunks after churn on one route, want at most %d", n, 5<<20/chunkWords+1)
	}
	if n := a.paths.ids() - len(a.paths.free); n != 1 {
		t.Errorf("%d live paths, want 1", n)
	}
}

// checkPathTable verifies that every live path is reachable in the
// open-addressing table from its home slot, and that no path is held
// twice.
func checkPathTable(t *testing.T, a *Aggregator) {
	t.Helper()
	pt := &a.paths
	mask := uint64(len(pt.slots) - 1)
	used := 0
	for _, v := range pt.slots {
		if v != 0 {
			used++
		}
	}
	if used != pt.live {
		t.Errorf("path table holds %d entries, %d paths live", used, pt.live)
	}
	seen := map[string]bool{}
	for id := range uint32(pt.ids()) {
		rec := pt.rec(id)
		if rec.refs == 0 {
			continue
		}
		k := fmt.Sprint(pt.words(rec))
		if seen[k] {
			t.Errorf("path %s interned twice", k)
		}
		seen[k] = true
		if h := hashWords(pt.words(rec)); h != rec.hash {
			t.Errorf("path %d (%s) has hash %x, its words hash to %x", id, k, rec.hash, h)
		}
		for i := rec.hash & mask; ; i = (i + 1) & mask {
			if pt.slots[i] == rec.hash&^0xffffffff|uint64(id+1) {
				break
			}
			if pt.slots[i] == 0 {
				t.Errorf("path %d (%s) not reachable from its home slot", id, k)
				break
			}
		}
	}
}

// checkPrefixTable verifies that every live prefix is found under its id,
// and that the index holds exactly the live prefixes.
func checkPrefixTable(t *testing.T, a *Aggregator) {
	t.Helper()
	pt := &a.pfx
	used := 0
	for _, v := range pt.slots {
		if v != 0 {
			used++
		}
	}
	if used != pt.live {
		t.Errorf("prefix index holds %d entries, %d prefixes live", used, pt.live)
	}
	for id := range uint32(pt.ids()) {
		rec := pt.rec(id)
		if rec.refs == 0 {
			continue
		}
		if _, got, ok := pt.find(rec.key, rec.key.hash()); !ok || got != id {
			t.Errorf("prefix %v (id %d) found as %d, %v", rec.key.prefix(), id, got, ok)
		}
	}
}
