// Package bgp holds the BGP data types shared by the archive readers
// (bgp/mrt, bgp/showbgp), the live sessions (bgp/live) and the looking-glass
// collector (collector/alicelg), and the one derivation that
// turns routes into what ixpobs keeps: per peer, per origin ASN, AS links and
// what is reachable through a collector.
package bgp

import (
	"net/netip"
)

// Peer identifies a BGP neighbour of a collector.
type Peer struct {
	ASN  uint32     `json:"asn"`
	Addr netip.Addr `json:"addr"`
}

// Segment is one AS_PATH segment: an AS_SEQUENCE, or an AS_SET when Set is
// true (RFC 4271; confederation segments are reported as sequences or sets).
type Segment struct {
	Set  bool
	ASNs []uint32
}

// Route is one path to a prefix received from a peer. PathID is the
// ADD-PATH path identifier (RFC 7911), zero without ADD-PATH.
type Route struct {
	Peer   Peer
	Prefix netip.Prefix
	PathID uint32
	Path   []Segment
}

// Origin returns the origin ASN of the route: the last ASN of the path when
// the last segment is a sequence, and ok false when the path is empty or
// ends in an AS_SET (no single origin).
func (r Route) Origin() (asn uint32, ok bool) {
	if len(r.Path) == 0 {
		return 0, false
	}
	last := r.Path[len(r.Path)-1]
	if last.Set || len(last.ASNs) == 0 {
		return 0, false
	}
	return last.ASNs[len(last.ASNs)-1], true
}
