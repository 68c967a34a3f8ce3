package bgp

import (
	"errors"
	"math/rand/v2"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/internal/testdiff"
)

// ribStream makes the routes of a RIB dump: groups of one prefix each, in
// dump order unless shuffled, with ADD-PATH path IDs, repeated (peer, path
// ID) routes inside a group, AS_SETs, prepending, paths longer than the
// RIB's cache slots, and paths shared by many prefixes of a peer.
func ribStream(rng *rand.Rand, prefixes, peers int, shuffled bool) [][]Route {
	var ps []Peer
	for i := range peers {
		a := netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)})
		if i%3 == 0 {
			a = netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 14: byte(i >> 8), 15: byte(i)})
		}
		ps = append(ps, Peer{ASN: 64512 + uint32(i%(peers-peers/4)), Addr: a}) // some ASNs on two sessions
	}
	var groups [][]Route
	for i := range prefixes {
		var p netip.Prefix
		// Distinct prefixes (a /23 only on an even /24, so no two mask to
		// the same prefix).
		if i%6 == 5 {
			p = netip.PrefixFrom(netip.AddrFrom16([16]byte{0x2a, 0x00, 0, byte(i >> 16), byte(i >> 8), byte(i)}), 48)
		} else {
			p = netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(1 + i>>16), byte(i >> 8), byte(i), 0}), 24-(1-i%2)*rng.IntN(2))
		}
		origin := 131072 + uint32(i/7) // origins announce runs of prefixes
		var g []Route
		for _, peer := range ps {
			if rng.IntN(5) == 0 {
				continue // not every peer has every prefix
			}
			n := 1
			if rng.IntN(10) == 0 {
				n = 2 + rng.IntN(3) // ADD-PATH
			}
			for k := range n {
				path := []uint32{peer.ASN}
				for range rng.IntN(3) {
					path = append(path, 3356+uint32(rng.IntN(4)))
				}
				if rng.IntN(8) == 0 {
					for range 12 {
						path = append(path, path[len(path)-1]) // long prepending
					}
				}
				path = append(path, origin+uint32(rng.IntN(2))*uint32(rng.IntN(2))) // sometimes MOAS
				segs := []Segment{{ASNs: path}}
				if rng.IntN(20) == 0 {
					segs = append(segs, Segment{Set: true, ASNs: []uint32{7, 8}})
				}
				id := uint32(0)
				if n > 1 {
					id = uint32(k + 1)
				}
				if rng.IntN(40) == 0 && len(g) > 0 {
					id = g[len(g)-1].PathID // a repeated (peer, path ID): the last one counts
				}
				g = append(g, Route{Peer: peer, Prefix: p, PathID: id, Path: segs})
			}
		}
		rng.Shuffle(len(g), func(a, b int) { g[a], g[b] = g[b], g[a] })
		groups = append(groups, g)
	}
	if shuffled {
		rng.Shuffle(len(groups), func(a, b int) { groups[a], groups[b] = groups[b], groups[a] })
	}
	return groups
}

// TestRIBMatchesAggregator feeds the same dumps to a RIB and to an
// Aggregator: their Summaries must be equal.
func TestRIBMatchesAggregator(t *testing.T) {
	for _, tc := range []struct {
		name              string
		prefixes, peers   int
		shuffled          bool
		seed1, seed2      uint64
		wantRoutesAtLeast int
	}{
		{"ordered", 3000, 12, false, 1, 2, 20000},
		{"unordered prefixes", 2000, 30, true, 3, 4, 20000},
		{"one peer", 500, 2, false, 5, 6, 500},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(tc.seed1, tc.seed2))
			rib, agg := NewRIB(), NewAggregator()
			for _, g := range ribStream(rng, tc.prefixes, tc.peers, tc.shuffled) {
				for _, r := range g {
					if err := rib.Add(r); err != nil {
						t.Fatal(err)
					}
					agg.Announce(r)
				}
			}
			got, want := rib.Summary(), agg.Summary()
			if got.Routes < tc.wantRoutesAtLeast {
				t.Fatalf("only %d routes: the stream is too small to test much", got.Routes)
			}
			if d := testdiff.Diff(want, got); d != "" {
				t.Errorf("RIB Summary differs from the Aggregator's (-Aggregator +RIB):\n%s", d)
			}
		})
	}
}

func TestRIBEmpty(t *testing.T) {
	if d := testdiff.Diff(NewAggregator().Summary(), NewRIB().Summary()); d != "" {
		t.Errorf("empty RIB (-want +got):\n%s", d)
	}
}

// TestRIBPrefixBack checks that a prefix coming back after others is
// refused, in dump order and after the order broke.
func TestRIBPrefixBack(t *testing.T) {
	route := func(p string) Route {
		return Route{Peer: peerA, Prefix: netip.MustParsePrefix(p), Path: []Segment{seq(65001, 7)}}
	}
	for _, tc := range []struct {
		name     string
		prefixes []string
		wantErr  bool
	}{
		{"in order", []string{"10.0.0.0/8", "10.0.0.0/16", "10.1.0.0/16", "2001:db8::/32"}, false},
		{"out of order, no repeat", []string{"10.1.0.0/16", "10.0.0.0/8", "192.0.2.0/24", "10.0.0.0/16"}, false},
		{"back, in order before", []string{"10.0.0.0/8", "10.1.0.0/16", "10.0.0.0/8"}, true},
		{"back, after disorder", []string{"10.1.0.0/16", "10.0.0.0/8", "192.0.2.0/24", "10.1.0.0/16"}, true},
		{"host bits: the same prefix", []string{"10.0.0.0/8", "11.0.0.0/8", "10.1.2.3/8"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rib := NewRIB()
			var err error
			for _, p := range tc.prefixes {
				if err = rib.Add(route(p)); err != nil {
					break
				}
			}
			if gotErr := errors.Is(err, ErrNotRIB); gotErr != tc.wantErr {
				t.Errorf("err = %v, want ErrNotRIB: %v", err, tc.wantErr)
			}
		})
	}
}

// TestPrefixSet adds prefixes in dump order, then out of it, with repeats:
// Add and Len must agree with a map.
func TestPrefixSet(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	var in []netip.Prefix
	for i := range 3000 {
		in = append(in, netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 0}), 24))
	}
	for i := range 500 {
		in = append(in, netip.PrefixFrom(netip.AddrFrom16([16]byte{0x20, 0x01, byte(i >> 8), byte(i)}), 32))
	}
	in = append(in, in[len(in)-1])                                        // a repeat, still in order
	in = append(in, in[5], netip.MustParsePrefix("10.0.5.77/24"), in[77]) // out of order: repeats (one with host bits)
	for range 2000 {
		in = append(in, netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(rng.IntN(256)), byte(rng.IntN(256)), 0, 0}), 16))
	}
	s, want := NewPrefixSet(), map[netip.Prefix]bool{}
	for i, p := range in {
		isNew := !want[p.Masked()]
		want[p.Masked()] = true
		if got := s.Add(p); got != isNew {
			t.Fatalf("Add(%v) #%d = %v, want %v", p, i, got, isNew)
		}
	}
	if s.Len() != len(want) {
		t.Errorf("Len = %d, want %d", s.Len(), len(want))
	}
}

// TestRIBCloseEndsDeriving checks that Close ends the deriving goroutine
// of a RIB given up after ErrNotRIB, and that Summary ends it too.
func TestRIBCloseEndsDeriving(t *testing.T) {
	before := runtime.NumGoroutine()
	rng := rand.New(rand.NewPCG(13, 14))
	groups := ribStream(rng, 1000, 10, false)
	rib := NewRIB()
	for _, g := range groups {
		for _, r := range g {
			if err := rib.Add(r); err != nil {
				t.Fatal(err)
			}
		}
	}
	if !rib.started {
		t.Fatal("the deriving goroutine never started: the stream is too small")
	}
	if err := rib.Add(groups[0][0]); !errors.Is(err, ErrNotRIB) {
		t.Fatalf("a prefix back: err = %v, want ErrNotRIB", err)
	}
	rib.Close()
	rib.Close()
	for _, g := range groups[:5] { // a second RIB, to its Summary
		rib2 := NewRIB()
		for _, r := range g {
			rib2.Add(r)
		}
		rib2.Summary()
	}
	for range 100 {
		if runtime.NumGoroutine() <= before {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("%d goroutines, %d before: the deriving goroutine did not end", runtime.NumGoroutine(), before)
}
