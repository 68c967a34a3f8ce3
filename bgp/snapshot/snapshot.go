// Package snapshot turns what a BGP collector saw (a bgp.Summary, from MRT
// archives or live sessions alike) into a snapshot of the store, source
// "bgp:<collector>": the collector, its peers, the origin ASNs, the AS links
// and the prefixes with their origins. Stored as versions like every other
// source, a collector's history costs only what changes between snapshots.
package snapshot

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/ixpobs/ixpobs/bgp"
	"github.com/ixpobs/ixpobs/ixp"
)

var collectorName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$`)

// ValidName reports whether name can name a collector (letters, digits,
// ".", "_", ":" and "-", at most 64).
func ValidName(name string) error {
	if !collectorName.MatchString(name) {
		return fmt.Errorf("bgp: collector name %q: use letters, digits, '.', '_', ':' and '-' (at most 64): %w", name, ixp.ErrInvalid)
	}
	return nil
}

func id63(s string) int64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return int64(h.Sum64() & (1<<63 - 1))
}

func record(k ixp.Kind, id, ix int64, asn uint32, v any) (ixp.Record, error) {
	b, err := json.Marshal(v)
	return ixp.Record{Kind: k, ID: id, IXID: ix, ASN: ixp.ASN(asn), Data: b}, err
}

// Build returns the snapshot of a collector at time at. Prefixes are
// grouped by their first origin ASN and links by their lower ASN, one
// record each (record id = that ASN), so a full table is tens of
// thousands of records, not millions; the collector record carries the
// distinct counts.
func Build(c ixp.BGPCollector, at time.Time, sum bgp.Summary) (ixp.SnapshotInput, error) {
	if err := ValidName(c.Name); err != nil {
		return ixp.SnapshotInput{}, err
	}
	c.Routes, c.Prefixes, c.Origins, c.Links = sum.Routes, len(sum.Prefixes), len(sum.Origins), len(sum.Links)
	in := ixp.SnapshotInput{Source: ixp.BGPSource(c.Name), At: at.UTC(), Kinds: ixp.BGPKinds}
	in.Records = make([]ixp.Record, 0, 1+len(sum.Peers)+2*len(sum.Origins))
	add := func(k ixp.Kind, id int64, asn uint32, v any) error {
		r, err := record(k, id, c.IXID, asn, v)
		in.Records = append(in.Records, r)
		return err
	}
	if err := add(ixp.KindBGPCollector, 1, 0, c); err != nil {
		return in, err
	}
	for _, p := range sum.Peers {
		addr := p.Peer.Addr.String()
		bp := ixp.BGPPeer{ASN: ixp.ASN(p.Peer.ASN), Address: addr, PrefixesV4: p.PrefixesV4, PrefixesV6: p.PrefixesV6, NoEOR: p.NoEOR}
		if !p.CarriedSince.IsZero() {
			t := p.CarriedSince.UTC()
			bp.CarriedSince = &t
		}
		if err := add(ixp.KindBGPPeer, peerID(p.Peer.ASN, addr), p.Peer.ASN, bp); err != nil {
			return in, err
		}
	}
	for _, o := range sum.Origins {
		if err := add(ixp.KindBGPOrigin, int64(o.ASN), o.ASN, ixp.BGPOrigin{ASN: ixp.ASN(o.ASN), PrefixesV4: o.PrefixesV4,
			PrefixesV6: o.PrefixesV6, AddrsV4: o.AddrsV4, Slash48sV6: o.Slash48sV6}); err != nil {
			return in, err
		}
	}
	// The link and prefix records are most of a full table's bytes: they
	// are encoded by hand (appendLinks, appendPrefixes), byte for byte as
	// encoding/json would, into one buffer.
	buf := make([]byte, 0, 12*len(sum.Links)+24*len(sum.Prefixes))
	rec := func(k ixp.Kind, asn uint32, start int) {
		in.Records = append(in.Records, ixp.Record{Kind: k, ID: int64(asn), IXID: c.IXID, ASN: ixp.ASN(asn), Data: buf[start:len(buf):len(buf)]})
	}
	// Links are sorted by A, then B: one record per run of equal A.
	for i := 0; i < len(sum.Links); {
		j := i + 1
		for j < len(sum.Links) && sum.Links[j].A == sum.Links[i].A {
			j++
		}
		start := len(buf)
		buf = appendLinks(buf, sum.Links[i:j])
		rec(ixp.KindBGPLink, sum.Links[i].A, start)
		i = j
	}
	// Prefixes by first origin (0: only AS_SET origins), in ASN order, each
	// group in the order of sum.Prefixes.
	order := make([]uint64, len(sum.Prefixes)) // first origin<<32 | index
	for i, p := range sum.Prefixes {
		var first uint32
		if len(p.Origins) > 0 {
			first = p.Origins[0]
		}
		order[i] = uint64(first)<<32 | uint64(i)
	}
	slices.Sort(order)
	for i := 0; i < len(order); {
		j := i + 1
		for j < len(order) && order[j]>>32 == order[i]>>32 {
			j++
		}
		start := len(buf)
		buf = appendPrefixes(buf, uint32(order[i]>>32), sum.Prefixes, order[i:j])
		rec(ixp.KindBGPPrefix, uint32(order[i]>>32), start)
		i = j
	}
	return in, nil
}

// peerID is the record id of a peer.
func peerID(asn uint32, addr string) int64 { return id63(fmt.Sprintf("%d|%s", asn, addr)) }

// PeerShrinkError refuses a BGP snapshot in which some peers' tables
// shrank by more than the allowed share against the previous snapshot (a
// half-loaded table taken as whole, or a peer gone). It wraps
// ixp.ErrShrink.
type PeerShrinkError struct {
	Source string
	Peers  []PeerShrink
}

// PeerShrink is one peer's prefix count before and after.
type PeerShrink struct {
	ASN            ixp.ASN
	Address        string
	Previous, Next int
}

func (e *PeerShrinkError) Error() string {
	var b []byte
	for i, p := range e.Peers {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = fmt.Appendf(b, "AS%d %s %d -> %d", p.ASN, p.Address, p.Previous, p.Next)
	}
	return fmt.Sprintf("%s: peer tables would shrink by more than %.0f%%: %s", e.Source, ixp.MaxShrink*100, b)
}

func (e *PeerShrinkError) Unwrap() error { return ixp.ErrShrink }

// CheckPeerShrink compares the prefixes (IPv4 + IPv6) of every peer of
// prev, the previous snapshot's peer records, with next, and refuses next
// when a peer has more than ixp.MaxShrink fewer, or is missing. Peers for
// which allow returns true are not checked (the caller decides when a
// loss has lasted long enough to be real). The guard of the store counts
// records, which for a BGP collector are per origin ASN, not prefixes.
func CheckPeerShrink(source string, prev, next []ixp.BGPPeer, allow func(ixp.BGPPeer) bool) error {
	type key struct {
		asn  ixp.ASN
		addr string
	}
	now := make(map[key]int, len(next))
	for _, p := range next {
		now[key{p.ASN, p.Address}] = p.PrefixesV4 + p.PrefixesV6
	}
	var bad []PeerShrink
	for _, p := range prev {
		before := p.PrefixesV4 + p.PrefixesV6
		after := now[key{p.ASN, p.Address}]
		if before > 0 && float64(after) < float64(before)*(1-ixp.MaxShrink) && (allow == nil || !allow(p)) {
			bad = append(bad, PeerShrink{ASN: p.ASN, Address: p.Address, Previous: before, Next: after})
		}
	}
	if len(bad) > 0 {
		return &PeerShrinkError{Source: source, Peers: bad}
	}
	return nil
}

// appendLinks appends the JSON of the ixp.BGPLinks of one run of links
// with the same A.
func appendLinks(b []byte, links []bgp.Link) []byte {
	b = append(b, `{"a":`...)
	b = strconv.AppendUint(b, uint64(links[0].A), 10)
	b = append(b, `,"b":[`...)
	for i, l := range links {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendUint(b, uint64(l.B), 10)
	}
	b = append(b, `],"peers":[`...)
	for i, l := range links {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(l.Peers), 10)
	}
	return append(b, "]}"...)
}

// appendPrefixes appends the JSON of the ixp.BGPPrefixes of origin: the
// prefixes all[uint32(k)] for k in group.
func appendPrefixes(b []byte, origin uint32, all []bgp.PrefixOrigins, group []uint64) []byte {
	b = append(b, `{"origin":`...)
	b = strconv.AppendUint(b, uint64(origin), 10)
	b = append(b, `,"prefixes":[`...)
	moas := 0
	for i, k := range group {
		if i > 0 {
			b = append(b, ',')
		}
		p := &all[uint32(k)]
		b = append(b, '"')
		b = p.Prefix.AppendTo(b) // digits, '.', ':' and '/': nothing to escape
		b = append(b, '"')
		if len(p.Origins) > 1 {
			moas++
		}
	}
	b = append(b, ']')
	if moas > 0 {
		b = append(b, `,"moas":[`...)
		n := 0
		for _, k := range group {
			p := &all[uint32(k)]
			if len(p.Origins) < 2 {
				continue
			}
			if n > 0 {
				b = append(b, ',')
			}
			n++
			b = append(b, `{"prefix":"`...)
			b = p.Prefix.AppendTo(b)
			b = append(b, `","origins":[`...)
			for i, o := range p.Origins {
				if i > 0 {
					b = append(b, ',')
				}
				b = strconv.AppendUint(b, uint64(o), 10)
			}
			b = append(b, "]}"...)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// SetPeers replaces the peer records of a snapshot built by Build with
// peers (route-server neighbours, which exist whether or not their routes
// were read); the prefix counts of a peer the summary saw are kept when
// peers leave them at zero.
func SetPeers(in *ixp.SnapshotInput, ixID int64, peers []ixp.BGPPeer) error {
	counts := map[string][2]int{}
	kept := in.Records[:0]
	for _, r := range in.Records {
		if r.Kind != ixp.KindBGPPeer {
			kept = append(kept, r)
			continue
		}
		var p ixp.BGPPeer
		if err := json.Unmarshal(r.Data, &p); err != nil {
			return fmt.Errorf("bgp: peer record %d: %w", r.ID, err)
		}
		counts[fmt.Sprintf("%d|%s", p.ASN, p.Address)] = [2]int{p.PrefixesV4, p.PrefixesV6}
	}
	in.Records = kept
	seen := map[int64]bool{}
	for _, p := range peers {
		key := fmt.Sprintf("%d|%s", p.ASN, p.Address)
		if c, ok := counts[key]; ok && p.PrefixesV4 == 0 && p.PrefixesV6 == 0 {
			p.PrefixesV4, p.PrefixesV6 = c[0], c[1]
		}
		id := id63(key)
		if seen[id] {
			continue // a neighbour listed twice
		}
		seen[id] = true
		r, err := record(ixp.KindBGPPeer, id, ixID, uint32(p.ASN), p)
		if err != nil {
			return err
		}
		in.Records = append(in.Records, r)
	}
	return nil
}
