package bgp

import (
	"cmp"
	"net/netip"
	"slices"
	"sync"
	"time"
)

// Summary is what a collector's routes show: an Aggregator's routes now,
// or a RIB dump read once (RIB).
type Summary struct {
	Routes   int             `json:"routes"`
	Peers    []PeerSummary   `json:"peers"`    // sorted by ASN, then address
	Origins  []OriginSummary `json:"origins"`  // sorted by ASN
	Links    []Link          `json:"links"`    // sorted by A, then B
	Prefixes []PrefixOrigins `json:"prefixes"` // sorted by address family, address, length
}

// PeerSummary counts the distinct prefixes a peer announces (several
// ADD-PATH paths to one prefix count once).
type PeerSummary struct {
	Peer       Peer `json:"peer"`
	PrefixesV4 int  `json:"prefixes_v4"`
	PrefixesV6 int  `json:"prefixes_v6"`
	// CarriedSince is set when the table is the peer's last whole one,
	// carried since its session reset while the new one reloads
	// (Aggregator.KeepWholeTables).
	CarriedSince time.Time `json:"carried_since,omitzero"`
	// NoEOR is set when the table was taken as whole after the End-of-RIB
	// timeout rather than on End-of-RIB.
	NoEOR bool `json:"no_eor,omitempty"`
}

// OriginSummary describes what one origin ASN announces, as seen through
// any peer. AddrsV4 counts the distinct IPv4 addresses (/32s) covered by
// its IPv4 prefixes (overlapping prefixes are not counted twice);
// Slash48sV6 counts the distinct IPv6 /48s that contain at least one
// address of its IPv6 prefixes (a /64 counts its /48).
type OriginSummary struct {
	ASN        uint32 `json:"asn"`
	PrefixesV4 int    `json:"prefixes_v4"`
	PrefixesV6 int    `json:"prefixes_v6"`
	AddrsV4    uint64 `json:"addrs_v4"`
	Slash48sV6 uint64 `json:"slash48s_v6"`
}

// Link is an adjacency between two ASNs in AS paths, as an unordered pair
// (A < B), with the number of peers having at least one path that shows
// it. Prepending is removed, AS_SET segments make no links, and no link
// crosses an AS_SET.
type Link struct {
	A     uint32 `json:"a"`
	B     uint32 `json:"b"`
	Peers int    `json:"peers"`
}

// PrefixOrigins is a distinct prefix with the set of its origin ASNs
// (sorted). Origins is empty when every path to it ends in an AS_SET.
type PrefixOrigins struct {
	Prefix  netip.Prefix `json:"prefix"`
	Origins []uint32     `json:"origins"`
}

// encodePath writes the path as words: per segment a header (ASN count,
// high bit set for an AS_SET) followed by the ASNs.
func encodePath(dst []uint32, path []Segment) []uint32 {
	return encodePathTo(dst[:0], path)
}

// encodePathTo appends the words of the path to dst.
func encodePathTo(dst []uint32, path []Segment) []uint32 {
	for _, s := range path {
		h := uint32(len(s.ASNs))
		if s.Set {
			h |= 1 << 31
		}
		dst = append(dst, h)
		dst = append(dst, s.ASNs...)
	}
	return dst
}

// originOf returns the origin of an encoded path, like Route.Origin.
func originOf(w []uint32) (uint32, bool) {
	var org uint32
	ok := false
	for i := 0; i < len(w); {
		n := int(w[i] &^ (1 << 31))
		set := w[i]&(1<<31) != 0
		seg := w[i+1 : i+1+n]
		i += 1 + n
		switch {
		case set || n == 0:
			ok = false
		default:
			org, ok = seg[n-1], true
		}
	}
	return org, ok
}

// appendLinks appends the AS links of an encoded path as keys A<<32|B
// (A < B): prepending removed, no link within or across an AS_SET, none
// with ASN 0.
func appendLinks(dst []uint64, w []uint32) []uint64 {
	var prev uint32
	havePrev := false
	for i := 0; i < len(w); {
		n := int(w[i] &^ (1 << 31))
		set := w[i]&(1<<31) != 0
		seg := w[i+1 : i+1+n]
		i += 1 + n
		if set {
			havePrev = false
			continue
		}
		for _, asn := range seg {
			if havePrev && asn != prev && asn != 0 && prev != 0 {
				dst = append(dst, uint64(min(prev, asn))<<32|uint64(max(prev, asn)))
			}
			prev, havePrev = asn, true
		}
	}
	return dst
}

// summaryInput is what a Summary is derived from, gathered from the routes
// an Aggregator holds or from a RIB read once: the one derivation of both.
type summaryInput struct {
	routes   int
	peers    []PeerSummary   // one per peer, any order
	prefixes []PrefixOrigins // one per distinct prefix, any order; origins sorted and distinct
	links    [][]uint64      // per peer, the sorted distinct keys of its links (appendLinks)
}

// summary derives the Summary: peers and prefixes sorted, the origins and
// the address space they cover from the prefixes, and each link with the
// number of peers whose list holds it. The origins and the links are
// derived on two goroutines.
func (in *summaryInput) summary() Summary {
	s := Summary{Routes: in.routes, Peers: in.peers, Prefixes: in.prefixes}
	var wg sync.WaitGroup
	wg.Go(func() { s.Links = mergeLinks(in.links) })
	slices.SortFunc(s.Peers, func(x, y PeerSummary) int {
		if c := cmp.Compare(x.Peer.ASN, y.Peer.ASN); c != 0 {
			return c
		}
		return x.Peer.Addr.Compare(y.Peer.Addr)
	})
	slices.SortFunc(s.Prefixes, func(x, y PrefixOrigins) int {
		if c := x.Prefix.Addr().Compare(y.Prefix.Addr()); c != 0 {
			return c
		}
		return cmp.Compare(x.Prefix.Bits(), y.Prefix.Bits())
	})
	s.Origins = originsOf(s.Prefixes)
	wg.Wait()
	return s
}

// mergeLinks merges the peers' link lists: the number of lists holding a
// link is its number of peers.
func mergeLinks(lists [][]uint64) []Link {
	// At most one link per key of the lists: the capacity not used is
	// never touched.
	n := 0
	for _, l := range lists {
		n += len(l)
	}
	out := make([]Link, 0, n)
	mergeRuns(lists, func(key uint64, peers int) {
		out = append(out, Link{A: uint32(key >> 32), B: uint32(key), Peers: peers})
	})
	return out
}

// originsOf derives, per origin ASN, its prefixes and the address space
// they cover (overlaps counted once: IPv4 addresses, IPv6 /48s).
func originsOf(prefixes []PrefixOrigins) []OriginSummary {
	type rng struct{ lo, hi uint64 } // inclusive
	type acc struct {
		v4, v6 int
		r4, r6 []rng
	}
	origins := map[uint32]*acc{}
	for _, p := range prefixes {
		k := keyOf(p.Prefix)
		for _, o := range p.Origins {
			ac := origins[o]
			if ac == nil {
				ac = &acc{}
				origins[o] = ac
			}
			if k.v6 {
				ac.v6++
				// Work on /48 units: the top 48 bits of the address.
				unit := k.hi >> 16
				if k.bits < 48 {
					size := uint64(1) << (48 - k.bits)
					unit &^= size - 1
					ac.r6 = append(ac.r6, rng{unit, unit + size - 1})
				} else {
					ac.r6 = append(ac.r6, rng{unit, unit})
				}
			} else {
				ac.v4++
				lo := k.lo & 0xffffffff
				size := uint64(1) << (32 - k.bits)
				ac.r4 = append(ac.r4, rng{lo, lo + size - 1})
			}
		}
	}
	union := func(rs []rng) uint64 {
		slices.SortFunc(rs, func(x, y rng) int { return cmp.Compare(x.lo, y.lo) })
		var total uint64
		var cur rng
		have := false
		for _, r := range rs {
			switch {
			case !have:
				cur, have = r, true
			case r.lo <= cur.hi+1: // hi is below 1<<48: no overflow
				cur.hi = max(cur.hi, r.hi)
			default:
				total += cur.hi - cur.lo + 1
				cur = r
			}
		}
		if have {
			total += cur.hi - cur.lo + 1
		}
		return total
	}
	out := make([]OriginSummary, 0, len(origins))
	for asn, ac := range origins {
		out = append(out, OriginSummary{
			ASN: asn, PrefixesV4: ac.v4, PrefixesV6: ac.v6,
			AddrsV4: union(ac.r4), Slash48sV6: union(ac.r6),
		})
	}
	slices.SortFunc(out, func(x, y OriginSummary) int { return cmp.Compare(x.ASN, y.ASN) })
	return out
}
