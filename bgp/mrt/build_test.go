package mrt

import (
	"encoding/binary"
	"net/netip"
)

// Builders of MRT records for tests and fuzz seeds.

func be16(v int) []byte { return binary.BigEndian.AppendUint16(nil, uint16(v)) }
func be32(v uint32) []byte {
	return binary.BigEndian.AppendUint32(nil, v)
}

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// rec frames an MRT record.
func rec(ts uint32, typ, sub int, body ...[]byte) []byte {
	b := cat(body...)
	return cat(be32(ts), be16(typ), be16(sub), be32(uint32(len(b))), b)
}

// attr encodes a path attribute (extended length when needed).
func attr(flags, typ byte, v []byte) []byte {
	if len(v) > 255 {
		return cat([]byte{flags | flagExtLength, typ}, be16(len(v)), v)
	}
	return cat([]byte{flags, typ, byte(len(v))}, v)
}

type tseg struct {
	typ  byte
	asns []uint32
}

func sq(asns ...uint32) tseg { return tseg{segSequence, asns} }
func st(asns ...uint32) tseg { return tseg{segSet, asns} }

func pathVal(asz int, segs ...tseg) []byte {
	var b []byte
	for _, s := range segs {
		b = append(b, s.typ, byte(len(s.asns)))
		for _, a := range s.asns {
			if asz == 4 {
				b = binary.BigEndian.AppendUint32(b, a)
			} else {
				b = binary.BigEndian.AppendUint16(b, uint16(a))
			}
		}
	}
	return b
}

func originAttr(o byte) []byte { return attr(0x40, attrOrigin, []byte{o}) }
func asPathAttr(asz int, segs ...tseg) []byte {
	return attr(0x40, attrASPath, pathVal(asz, segs...))
}
func as4PathAttr(segs ...tseg) []byte { return attr(0xc0, attrAS4Path, pathVal(4, segs...)) }
func nextHopAttr(a string) []byte {
	return attr(0x40, attrNextHop, netip.MustParseAddr(a).AsSlice())
}

// nlri encodes prefixes (with path IDs when ids is not nil).
func nlriBytes(ids []uint32, prefixes ...string) []byte {
	var b []byte
	for i, s := range prefixes {
		if ids != nil {
			b = append(b, be32(ids[i])...)
		}
		p := netip.MustParsePrefix(s)
		b = append(b, byte(p.Bits()))
		b = append(b, p.Addr().AsSlice()[:(p.Bits()+7)/8]...)
	}
	return b
}

func mpReachAttr(afi int, nh string, nlri []byte) []byte {
	a := netip.MustParseAddr(nh).AsSlice()
	return attr(0x80, attrMPReach, cat(be16(afi), []byte{1, byte(len(a))}, a, []byte{0}, nlri))
}

func mpUnreachAttr(afi int, nlri []byte) []byte {
	return attr(0x80, attrMPUnreach, cat(be16(afi), []byte{1}, nlri))
}

type tpeer struct {
	addr string
	asn  uint32
	as2  bool
}

func peerIndexRec(ts uint32, peers ...tpeer) []byte {
	b := cat(be32(0x0a000001), be16(4), []byte("test"), be16(len(peers)))
	for _, p := range peers {
		a := netip.MustParseAddr(p.addr)
		t := byte(2)
		if p.as2 {
			t = 0
		}
		if a.Is6() {
			t |= 1
		}
		b = append(b, t)
		b = append(b, 10, 0, 0, 9)
		b = append(b, a.AsSlice()...)
		if p.as2 {
			b = append(b, be16(int(p.asn))...)
		} else {
			b = append(b, be32(p.asn)...)
		}
	}
	return rec(ts, typeTableDump2, td2PeerIndex, b)
}

type tentry struct {
	peer   int
	pathID uint32
	attrs  []byte
}

// ribRec builds a RIB_IPV4/6_UNICAST(_ADDPATH) record.
func ribRec(ts uint32, sub int, seq uint32, prefix string, entries ...tentry) []byte {
	addpath := sub >= td2RIBIPv4UnicastAP
	b := cat(be32(seq), nlriBytes(nil, prefix), be16(len(entries)))
	for _, e := range entries {
		b = append(b, be16(e.peer)...)
		b = append(b, be32(ts-100)...)
		if addpath {
			b = append(b, be32(e.pathID)...)
		}
		b = append(b, be16(len(e.attrs))...)
		b = append(b, e.attrs...)
	}
	return rec(ts, typeTableDump2, sub, b)
}

// bgpMsg wraps a BGP message body with the 19-byte header.
func bgpMsg(typ byte, body []byte) []byte {
	m := make([]byte, 16)
	for i := range m {
		m[i] = 0xff
	}
	return cat(m, be16(19+len(body)), []byte{typ}, body)
}

func updateBody(withdrawn, attrs, nlri []byte) []byte {
	return cat(be16(len(withdrawn)), withdrawn, be16(len(attrs)), attrs, nlri)
}

// bgp4mpHead encodes the BGP4MP common header (peer AS, local AS,
// interface, AFI, addresses).
func bgp4mpHead(as4 bool, peerAS uint32, peer, local string) []byte {
	pa, la := netip.MustParseAddr(peer), netip.MustParseAddr(local)
	afi := 1
	if pa.Is6() {
		afi = 2
	}
	var ases []byte
	if as4 {
		ases = cat(be32(peerAS), be32(65000))
	} else {
		ases = cat(be16(int(peerAS)), be16(65000))
	}
	return cat(ases, be16(0), be16(afi), pa.AsSlice(), la.AsSlice())
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }
