// Package mrtgen writes synthetic TABLE_DUMP_V2 RIB dumps for tests and
// benchmarks: a realistic prefix-length mix, IPv4 and IPv6, many peers with
// 4-byte ASNs, AS paths shared per (peer, origin) with prepending and the
// odd AS_SET, from a deterministic seed.
package mrtgen

import (
	"bufio"
	"cmp"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/netip"
	"slices"
	"time"
)

// Options shape the dump. Zero values take the defaults noted.
type Options struct {
	// Entries is the number of RIB entries to write (default 1,000,000).
	Entries int
	// Prefixes is the number of distinct prefixes (default Entries/18,
	// at least 1). Entries must not exceed Prefixes*Peers.
	Prefixes int
	// Peers is the number of peers in the PEER_INDEX_TABLE (default 24).
	Peers int
	// IPv6Share is the share of IPv6 prefixes (default 0.15).
	IPv6Share float64
	// Seed makes the output deterministic (same options, same bytes).
	Seed uint64
	// Gzip compresses the output (gzip default level).
	Gzip bool
	// Time is the dump time (default 2026-01-01T00:00:00Z).
	Time time.Time

	// The diversity of the AS paths. Zero values keep the defaults, which
	// give the tables of the benchmarks measured before these options
	// existed (byte for byte). A path is the peer, a tier 1 (four paths in
	// five), zero to two transit ASNs and the origin; the transits are
	// drawn per (peer, origin), and per prefix for the prefixes that take
	// a variant (traffic engineering). docs/BENCHMARKS-MRT.md gives the
	// settings that match the real RIB excerpts and the diverse table.

	// Origins is the number of origin ASNs drawn from (default
	// Prefixes/10); a few originate many prefixes, so fewer are used.
	Origins int
	// Transits is the number of transit ASNs (default 3000): more of them
	// give more distinct links.
	Transits int
	// Variants is the number of other ways a (peer, origin) can take
	// (default 7), VariantShare the share of the prefixes that take one
	// (default 0.5): together they set the distinct paths per peer.
	Variants     int
	VariantShare float64
}

func (o *Options) defaults() error {
	if o.Entries == 0 {
		o.Entries = 1_000_000
	}
	if o.Peers == 0 {
		o.Peers = 24
	}
	if o.Prefixes == 0 {
		o.Prefixes = max(1, o.Entries/18)
	}
	if o.IPv6Share == 0 {
		o.IPv6Share = 0.15
	}
	if o.Origins == 0 {
		o.Origins = max(1, o.Prefixes/10)
	}
	if o.Transits == 0 {
		o.Transits = 3000
	}
	if o.Variants == 0 {
		o.Variants = 7
	}
	if o.Time.IsZero() {
		o.Time = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	switch {
	case o.Entries < 0 || o.Prefixes < 0 || o.Peers < 0 || o.Peers > 65535:
		return errors.New("mrtgen: negative count or more than 65535 peers")
	case o.Entries > o.Prefixes*o.Peers:
		return fmt.Errorf("mrtgen: %d entries do not fit %d prefixes x %d peers", o.Entries, o.Prefixes, o.Peers)
	case o.Prefixes > 50_000_000:
		return errors.New("mrtgen: more than 50 million prefixes")
	case o.IPv6Share < 0 || o.IPv6Share > 1:
		return errors.New("mrtgen: IPv6Share outside [0, 1]")
	case o.Origins < 0 || o.Transits < 0 || o.Variants < 0 || o.Origins > 50_000_000 || o.Transits > 50_000_000:
		return errors.New("mrtgen: negative or too many origins, transits or variants")
	case o.VariantShare < 0 || o.VariantShare > 1:
		return errors.New("mrtgen: VariantShare outside [0, 1]")
	}
	return nil
}

// Prefix lengths with their weights (roughly the 2024 global tables).
var (
	v4Lengths = []struct{ bits, weight int }{
		{8, 1}, {10, 2}, {12, 5}, {13, 8}, {14, 15}, {15, 25}, {16, 130}, {17, 80}, {18, 140},
		{19, 250}, {20, 420}, {21, 480}, {22, 1150}, {23, 1000}, {24, 6300},
	}
	v6Lengths = []struct{ bits, weight int }{
		{19, 1}, {20, 3}, {24, 5}, {28, 20}, {29, 120}, {30, 40}, {32, 1400}, {33, 60}, {34, 60},
		{36, 200}, {40, 450}, {44, 700}, {45, 60}, {46, 200}, {47, 250}, {48, 5200},
	}
)

type gen struct {
	rng     *rand.Rand
	opts    Options
	peers   []peer
	transit []uint32
	tier1   []uint32
	origins []uint32
}

type peer struct {
	asn  uint32
	addr netip.Addr
	id   [4]byte
	full bool // carries (almost) every prefix
}

// Write writes the dump to w.
func Write(w io.Writer, opts Options) error {
	if err := opts.defaults(); err != nil {
		return err
	}
	g := &gen{rng: rand.New(rand.NewPCG(opts.Seed, 0x6d7274)), opts: opts}
	g.setup()
	var out io.Writer = w
	var zw *gzip.Writer
	if opts.Gzip {
		zw = gzip.NewWriter(w)
		out = zw
	}
	bw := bufio.NewWriterSize(out, 1<<20)
	if err := g.write(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("mrtgen: write: %w", err)
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			return fmt.Errorf("mrtgen: gzip: %w", err)
		}
	}
	return nil
}

// randASN draws an ASN, 4-byte with probability p4.
func (g *gen) randASN(p4 float64) uint32 {
	if g.rng.Float64() < p4 {
		return 131072 + uint32(g.rng.IntN(270000)) // 4-byte range in use
	}
	return 1 + uint32(g.rng.IntN(64000))
}

func (g *gen) setup() {
	n := g.opts.Peers
	for i := range n {
		p := peer{asn: g.randASN(0.4), full: i%4 != 3}
		binary.BigEndian.PutUint32(p.id[:], 0xc0000200+uint32(i))
		if i%3 == 2 {
			p.addr = netip.AddrFrom16([16]byte{0x20, 0x01, 0x07, 0xf8, 0, 0x04, 15: byte(i + 1)})
		} else {
			p.addr = netip.AddrFrom4([4]byte{80, 81, 192, byte(i + 1)})
		}
		g.peers = append(g.peers, p)
	}
	for range 15 {
		g.tier1 = append(g.tier1, g.randASN(0))
	}
	for range g.opts.Transits {
		g.transit = append(g.transit, g.randASN(0.3))
	}
	for range g.opts.Origins {
		g.origins = append(g.origins, g.randASN(0.45))
	}
}

type pfx struct {
	hi, lo uint64 // address, IPv4 in the top 32 bits of hi
	bits   uint8
	v6     bool
	origin uint32
}

func pickLen(rng *rand.Rand, table []struct{ bits, weight int }) int {
	total := 0
	for _, e := range table {
		total += e.weight
	}
	x := rng.IntN(total)
	for _, e := range table {
		if x < e.weight {
			return e.bits
		}
		x -= e.weight
	}
	return table[len(table)-1].bits
}

// prefixes draws the distinct prefixes, sorted like a RIB dump. As in the
// real tables, an origin announces a cluster of prefixes out of one
// allocation (the block and some more-specifics), so neighbours in the
// sorted dump often share their origin and AS paths.
func (g *gen) prefixes() []pfx {
	n := g.opts.Prefixes
	seen := make(map[pfx]struct{}, n)
	out := make([]pfx, 0, n)
	for len(out) < n {
		// Zipf-like origins: a few originate many prefixes.
		origin := g.origins[int(float64(len(g.origins))*g.rng.Float64()*g.rng.Float64()*g.rng.Float64())]
		v6 := g.rng.Float64() < g.opts.IPv6Share
		var base uint64
		var blockBits int
		if v6 {
			blockBits = 29 + g.rng.IntN(8)
			// 2000::/3 space, mostly 2001::/16 .. 2a0f::/16.
			base = uint64(0x2001+g.rng.IntN(0x2a10-0x2001))<<48 | g.rng.Uint64()>>16
		} else {
			blockBits = 14 + g.rng.IntN(9)
			base = uint64(1+g.rng.IntN(222))<<56 | (g.rng.Uint64()>>8)&(1<<56-1)
		}
		base &^= (uint64(1) << (64 - blockBits)) - 1
		k := 1
		for k < 64 && g.rng.IntN(4) != 0 { // mean about 4 prefixes per block
			k++
		}
		for range k {
			var bits int
			if v6 {
				bits = pickLen(g.rng, v6Lengths)
			} else {
				bits = pickLen(g.rng, v4Lengths)
			}
			bits = max(bits, blockBits)
			hi := base | (g.rng.Uint64() & ((uint64(1) << (64 - blockBits)) - 1))
			hi &^= (uint64(1) << (64 - bits)) - 1
			p := pfx{hi: hi, bits: uint8(bits), v6: v6}
			if _, dup := seen[p]; dup {
				continue
			}
			seen[p] = struct{}{}
			p.origin = origin
			out = append(out, p)
			if len(out) == n {
				break
			}
		}
	}
	slices.SortFunc(out, func(a, b pfx) int {
		if a.v6 != b.v6 {
			if a.v6 {
				return 1
			}
			return -1
		}
		if c := cmp.Compare(a.hi, b.hi); c != 0 {
			return c
		}
		return cmp.Compare(a.bits, b.bits)
	})
	return out
}

// mix is a small hash for deterministic per-(peer, origin) choices.
func mix(a, b uint64) uint64 {
	h := a*0x9e3779b97f4a7c15 ^ b
	h ^= h >> 31
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 29
	return h
}

type rec struct {
	buf []byte
}

func (r *rec) u8(v uint8)   { r.buf = append(r.buf, v) }
func (r *rec) u16(v uint16) { r.buf = binary.BigEndian.AppendUint16(r.buf, v) }
func (r *rec) u32(v uint32) { r.buf = binary.BigEndian.AppendUint32(r.buf, v) }

func (g *gen) write(w *bufio.Writer) error {
	ts := uint32(g.opts.Time.Unix())
	var r rec
	header := func(sub uint16) {
		r.buf = r.buf[:0]
		r.u32(ts)
		r.u16(13) // TABLE_DUMP_V2
		r.u16(sub)
		r.u32(0) // length, patched
	}
	flush := func() error {
		binary.BigEndian.PutUint32(r.buf[8:], uint32(len(r.buf)-12))
		_, err := w.Write(r.buf)
		return err
	}

	// PEER_INDEX_TABLE.
	header(1)
	r.u32(0xc0000201) // collector BGP ID
	view := "ixpobs-mrtgen"
	r.u16(uint16(len(view)))
	r.buf = append(r.buf, view...)
	r.u16(uint16(len(g.peers)))
	for _, p := range g.peers {
		t := uint8(2) // 4-byte AS
		if p.addr.Is6() {
			t |= 1
		}
		r.u8(t)
		r.buf = append(r.buf, p.id[:]...)
		r.buf = append(r.buf, p.addr.AsSlice()...)
		r.u32(p.asn)
	}
	if err := flush(); err != nil {
		return fmt.Errorf("mrtgen: write: %w", err)
	}

	pfxs := g.prefixes()
	// Entries per prefix: spread Entries over the prefixes.
	base, extra := g.opts.Entries/len(pfxs), g.opts.Entries%len(pfxs)
	var attrs, path []byte
	var chosen []int
	for seq, p := range pfxs {
		k := base
		if seq < extra {
			k++
		}
		if k == 0 {
			continue
		}
		sub := uint16(2) // RIB_IPV4_UNICAST
		if p.v6 {
			sub = 4
		}
		header(sub)
		r.u32(uint32(seq))
		r.u8(p.bits)
		var a [16]byte
		binary.BigEndian.PutUint64(a[:8], p.hi)
		binary.BigEndian.PutUint64(a[8:], p.lo)
		r.buf = append(r.buf, a[:(int(p.bits)+7)/8]...)
		r.u16(uint16(k))
		// Which peers: full-table peers first, in a per-prefix rotation.
		chosen = g.pickPeers(chosen[:0], k, uint64(seq))
		for _, pi := range chosen {
			pe := g.peers[pi]
			attrs = attrs[:0]
			// ORIGIN
			org := uint8(0)
			if mix(uint64(p.origin), 7)%10 == 0 {
				org = 2
			}
			attrs = append(attrs, 0x40, 1, 1, org)
			// AS_PATH (4-byte ASNs in TABLE_DUMP_V2)
			path = g.asPath(path[:0], pe, p)
			attrs = append(attrs, 0x50, 2)
			attrs = binary.BigEndian.AppendUint16(attrs, uint16(len(path)))
			attrs = append(attrs, path...)
			if p.v6 {
				// MP_REACH_NLRI, abbreviated: next-hop length, next hop.
				attrs = append(attrs, 0x80, 14, 17, 16)
				nh := [16]byte{0x20, 0x01, 0x07, 0xf8, 0, 0x04, 15: byte(pi + 1)}
				attrs = append(attrs, nh[:]...)
			} else {
				attrs = append(attrs, 0x40, 3, 4, 80, 81, 192, byte(pi+1))
			}
			h := mix(uint64(pe.asn), uint64(p.origin))
			if h%3 == 0 { // MULTI_EXIT_DISC
				attrs = append(attrs, 0x80, 4, 4)
				attrs = binary.BigEndian.AppendUint32(attrs, uint32(h>>40)%1000)
			}
			if nc := int(h>>8) % 4; nc > 0 { // COMMUNITIES
				attrs = append(attrs, 0xc0, 8, uint8(4*nc))
				for c := range nc {
					attrs = binary.BigEndian.AppendUint32(attrs, pe.asn<<16|uint32(c*100+int(h>>20)%100))
				}
			}
			r.u16(uint16(pi))
			r.u32(ts - uint32(h%86400))
			r.u16(uint16(len(attrs)))
			r.buf = append(r.buf, attrs...)
		}
		if err := flush(); err != nil {
			return fmt.Errorf("mrtgen: write: %w", err)
		}
	}
	return nil
}

// pickPeers chooses k distinct peers for a prefix: partial-table peers
// carry about a third of the prefixes, full-table peers fill the rest.
func (g *gen) pickPeers(dst []int, k int, seq uint64) []int {
	n := len(g.peers)
	start := int(mix(seq, 3) % uint64(n))
	taken := func(pi int) bool {
		for _, x := range dst {
			if x == pi {
				return true
			}
		}
		return false
	}
	for pass := range 3 {
		for i := range n {
			if len(dst) == k {
				return dst
			}
			pi := (start + i) % n
			full := g.peers[pi].full
			switch {
			case pass == 0 && (full || mix(seq, uint64(pi))%3 != 0):
				continue
			case pass == 1 && !full:
				continue
			case taken(pi):
				continue
			}
			dst = append(dst, pi)
		}
	}
	return dst
}

// asPath encodes the AS_PATH value for the peer and prefix: the peer, one
// to four transit ASNs chosen per (peer, origin), then the origin with
// occasional prepending; 0.2% of the paths end in an AS_SET.
func (g *gen) asPath(dst []byte, pe peer, p pfx) []byte {
	h := mix(uint64(pe.asn), uint64(p.origin))
	var seq [12]uint32
	n := 0
	seq[n] = pe.asn
	n++
	if h%5 != 0 { // via a tier 1
		seq[n] = g.tier1[h>>8%uint64(len(g.tier1))]
		n++
	}
	hops := int(h>>16) % 3
	// Half of the prefixes take another way (traffic engineering).
	variant := uint64(0)
	v := mix(p.hi^p.lo, uint64(p.bits)+uint64(pe.asn))
	takes := v%2 == 0 // the default share, 0.5, as it always was drawn
	if s := g.opts.VariantShare; s != 0 {
		takes = float64(v>>11)/(1<<53) < s
	}
	if takes {
		variant = 1 + v>>8%uint64(g.opts.Variants)
	}
	for i := range hops {
		seq[n] = g.transit[mix(h+variant, uint64(i))%uint64(len(g.transit))]
		n++
	}
	seq[n] = p.origin
	n++
	if h>>24%10 == 0 { // prepending by the origin
		for range 1 + int(h>>28)%3 {
			seq[n] = p.origin
			n++
		}
	}
	dst = append(dst, 2, uint8(n))
	for _, a := range seq[:n] {
		dst = binary.BigEndian.AppendUint32(dst, a)
	}
	if mix(p.hi^p.lo, uint64(p.bits))%500 == 0 {
		dst = append(dst, 1, 2)
		dst = binary.BigEndian.AppendUint32(dst, g.transit[h%uint64(len(g.transit))])
		dst = binary.BigEndian.AppendUint32(dst, g.transit[(h>>32)%uint64(len(g.transit))])
	}
	return dst
}
