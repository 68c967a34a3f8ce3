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

// Build returns the snapshot of a collector at time at.
func Build(c ixp.BGPCollector, at time.Time, sum bgp.Summary) (ixp.SnapshotInput, error) {
	if err := ValidName(c.Name); err != nil {
		return ixp.SnapshotInput{}, err
	}
	c.Routes = sum.Routes
	in := ixp.SnapshotInput{Source: SourcePrefix + c.Name, At: at.UTC(), Kinds: ixp.BGPKinds}
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
	for _, l := range sum.Links {
		if err := add(ixp.KindBGPLink, id63(fmt.Sprintf("%d-%d", l.A, l.B)), 0, ixp.BGPLink{A: ixp.ASN(l.A), B: ixp.ASN(l.B), Peers: l.Peers}); err != nil {
			return in, err
		}
	}
	for _, p := range sum.Prefixes {
		origins := make([]ixp.ASN, len(p.Origins))
		var first uint32
		for i, o := range p.Origins {
			origins[i] = ixp.ASN(o)
			if i == 0 {
				first = o
			}
		}
		if err := add(ixp.KindBGPPrefix, id63(p.Prefix.String()), first, ixp.BGPPrefix{Prefix: p.Prefix.String(), Origins: origins}); err != nil {
			return in, err
		}
	}
	return in, nil
}
