package live

import (
	"net/netip"

	"github.com/osrg/gobgp/v4/pkg/apiutil"
	gobgp "github.com/osrg/gobgp/v4/pkg/packet/bgp"

	"github.com/ixpobs/ixpobs/bgp"
)

// pathPrefix returns the unicast prefix of a GoBGP path, and false for any
// other family (the collector only negotiates IPv4 and IPv6 unicast).
func pathPrefix(p *apiutil.Path) (netip.Prefix, bool) {
	if p.Family != gobgp.RF_IPv4_UC && p.Family != gobgp.RF_IPv6_UC {
		return netip.Prefix{}, false
	}
	n, ok := p.Nlri.(*gobgp.IPAddrPrefix)
	if !ok || !n.Prefix.IsValid() {
		return netip.Prefix{}, false
	}
	return n.Prefix, true
}

// asPath converts the AS_PATH attribute of a path. GoBGP has already merged
// AS4_PATH for peers without the four-octet AS capability. Confederation
// segments are reported as sequences or sets, as bgp.Segment documents.
func asPath(attrs []gobgp.PathAttributeInterface) []bgp.Segment {
	for _, a := range attrs {
		ap, ok := a.(*gobgp.PathAttributeAsPath)
		if !ok {
			continue
		}
		segs := make([]bgp.Segment, 0, len(ap.Value))
		for _, v := range ap.Value {
			asns := v.GetAS()
			if len(asns) == 0 {
				continue
			}
			t := v.GetType()
			segs = append(segs, bgp.Segment{
				Set:  t == gobgp.BGP_ASPATH_ATTR_TYPE_SET || t == gobgp.BGP_ASPATH_ATTR_TYPE_CONFED_SET,
				ASNs: append([]uint32(nil), asns...),
			})
		}
		return segs
	}
	return nil
}

// toRoute converts an announced GoBGP path into a bgp.Route of peer.
func toRoute(peer bgp.Peer, p *apiutil.Path) (bgp.Route, bool) {
	pfx, ok := pathPrefix(p)
	if !ok {
		return bgp.Route{}, false
	}
	return bgp.Route{
		Peer:   peer,
		Prefix: pfx,
		PathID: p.RemoteID,
		Path:   asPath(p.Attrs),
	}, true
}

// prefixKey is a pointer-free map key for a (prefix, path id) pair, so the
// per-peer prefix sets cost the garbage collector nothing to scan.
type prefixKey struct {
	addr   [16]byte
	bits   uint8
	v6     bool
	pathID uint32
}

func keyOf(p netip.Prefix, pathID uint32) prefixKey {
	return prefixKey{addr: p.Addr().As16(), bits: uint8(p.Bits()), v6: p.Addr().Is6(), pathID: pathID}
}
