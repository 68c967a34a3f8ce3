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
	"time"

	"github.com/ixpobs/ixpobs/bgp"
	"github.com/ixpobs/ixpobs/ixp"
)

// SourcePrefix starts the source name of every BGP collector.
const SourcePrefix = "bgp:"

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
	in := ixp.SnapshotInput{Source: SourcePrefix + c.Name, At: at.UTC(), Kinds: ixp.BGPKinds}
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
		if err := add(ixp.KindBGPPeer, id63(fmt.Sprintf("%d|%s", p.Peer.ASN, addr)), p.Peer.ASN,
			ixp.BGPPeer{ASN: ixp.ASN(p.Peer.ASN), Address: addr, PrefixesV4: p.PrefixesV4, PrefixesV6: p.PrefixesV6}); err != nil {
			return in, err
		}
	}
	for _, o := range sum.Origins {
		if err := add(ixp.KindBGPOrigin, int64(o.ASN), o.ASN, ixp.BGPOrigin{ASN: ixp.ASN(o.ASN), PrefixesV4: o.PrefixesV4,
			PrefixesV6: o.PrefixesV6, AddrsV4: o.AddrsV4, Slash48sV6: o.Slash48sV6}); err != nil {
			return in, err
		}
	}
	// Links are sorted by A, then B: one record per run of equal A.
	for i := 0; i < len(sum.Links); {
		j := i
		g := ixp.BGPLinks{A: ixp.ASN(sum.Links[i].A)}
		for ; j < len(sum.Links) && sum.Links[j].A == sum.Links[i].A; j++ {
			g.B = append(g.B, ixp.ASN(sum.Links[j].B))
			g.Peers = append(g.Peers, sum.Links[j].Peers)
		}
		if err := add(ixp.KindBGPLink, int64(g.A), uint32(g.A), g); err != nil {
			return in, err
		}
		i = j
	}
	// Prefixes by first origin (0: only AS_SET origins), in ASN order.
	groups := map[uint32]*ixp.BGPPrefixes{}
	for _, p := range sum.Prefixes {
		var first uint32
		if len(p.Origins) > 0 {
			first = p.Origins[0]
		}
		g := groups[first]
		if g == nil {
			g = &ixp.BGPPrefixes{Origin: ixp.ASN(first)}
			groups[first] = g
		}
		ps := p.Prefix.String()
		g.Prefixes = append(g.Prefixes, ps)
		if len(p.Origins) > 1 {
			origins := make([]ixp.ASN, len(p.Origins))
			for i, o := range p.Origins {
				origins[i] = ixp.ASN(o)
			}
			g.MOAS = append(g.MOAS, ixp.BGPPrefix{Prefix: ps, Origins: origins})
		}
	}
	asns := make([]uint32, 0, len(groups))
	for a := range groups {
		asns = append(asns, a)
	}
	slices.Sort(asns)
	for _, a := range asns {
		if err := add(ixp.KindBGPPrefix, int64(a), a, groups[a]); err != nil {
			return in, err
		}
	}
	return in, nil
}
