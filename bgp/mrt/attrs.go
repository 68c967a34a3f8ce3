package mrt

import (
	"encoding/binary"
	"fmt"
	"net/netip"

	"github.com/ixpobs/ixpobs/bgp"
)

// Path attribute type codes used here.
const (
	attrOrigin    = 1
	attrASPath    = 2
	attrNextHop   = 3
	attrMPReach   = 14
	attrMPUnreach = 15
	attrAS4Path   = 17
)

// AS_PATH segment types (RFC 4271, RFC 5065).
const (
	segSet        = 1
	segSequence   = 2
	segConfedSeq  = 3
	segConfedSet  = 4
	flagExtLength = 0x10
)

// parseAttrs decodes the attributes ixpobs needs: ORIGIN, AS_PATH,
// AS4_PATH, NEXT_HOP, MP_REACH_NLRI and MP_UNREACH_NLRI. as4 says whether
// AS_PATH carries 4-byte ASNs; rib whether MP_REACH_NLRI may be the
// abbreviated form of RFC 6396 section 4.3.4 (next hop only).
func (d *decoder) parseAttrs(b []byte, as4, rib bool) error {
	d.origin = OriginNone
	d.nextHop = netip.Addr{}
	d.asns = d.asns[:0]
	d.segMeta = d.segMeta[:0]
	d.as4Start = -1
	d.mpReach.ok, d.mpUnr.ok = false, false
	seenPath := false
	for len(b) > 0 {
		if len(b) < 3 {
			return fmt.Errorf("attribute header of %d bytes", len(b))
		}
		flags, typ := b[0], b[1]
		var n, h int
		if flags&flagExtLength != 0 {
			if len(b) < 4 {
				return fmt.Errorf("attribute %d: header of %d bytes", typ, len(b))
			}
			n, h = int(binary.BigEndian.Uint16(b[2:])), 4
		} else {
			n, h = int(b[2]), 3
		}
		if len(b) < h+n {
			return fmt.Errorf("attribute %d of %d bytes overruns the %d left", typ, n, len(b)-h)
		}
		v := b[h : h+n]
		b = b[h+n:]
		switch typ {
		case attrOrigin:
			if n != 1 {
				return fmt.Errorf("ORIGIN of %d bytes", n)
			}
			d.origin = Origin(v[0])
		case attrASPath:
			if seenPath {
				return fmt.Errorf("second AS_PATH")
			}
			seenPath = true
			asz := 2
			if as4 {
				asz = 4
			}
			if err := d.parsePath(v, asz); err != nil {
				return fmt.Errorf("AS_PATH: %w", err)
			}
		case attrAS4Path:
			if as4 || d.as4Start >= 0 {
				continue // meaningless on 4-byte sessions; ignore
			}
			start := len(d.segMeta)
			if err := d.parsePath(v, 4); err != nil {
				return fmt.Errorf("AS4_PATH: %w", err)
			}
			d.as4Start = start
		case attrNextHop:
			if n == 4 {
				d.nextHop = netip.AddrFrom4([4]byte(v))
			}
		case attrMPReach:
			if err := d.parseMPReach(v, rib); err != nil {
				return err
			}
		case attrMPUnreach:
			if n < 3 {
				return fmt.Errorf("MP_UNREACH_NLRI of %d bytes", n)
			}
			d.mpUnr = mpAttr{ok: true, afi: binary.BigEndian.Uint16(v), safi: v[2], nlri: v[3:]}
		}
	}
	d.buildPath()
	return nil
}

func (d *decoder) parseMPReach(v []byte, rib bool) error {
	if rib && len(v) >= 1 && int(v[0])+1 == len(v) {
		// Abbreviated form in TABLE_DUMP_V2: next hop length, next hop.
		d.mpReach = mpAttr{ok: true, nextHop: nextHopFrom(v[1:])}
		return nil
	}
	if len(v) < 5 {
		return fmt.Errorf("MP_REACH_NLRI of %d bytes", len(v))
	}
	nhl := int(v[3])
	if len(v) < 5+nhl {
		return fmt.Errorf("MP_REACH_NLRI next hop of %d bytes overruns the attribute", nhl)
	}
	d.mpReach = mpAttr{
		ok:      true,
		afi:     binary.BigEndian.Uint16(v),
		safi:    v[2],
		nextHop: nextHopFrom(v[4 : 4+nhl]),
		nlri:    v[5+nhl:],
	}
	return nil
}

// nextHopFrom reads an IPv4 or IPv6 next hop (the global one when a
// link-local address follows).
func nextHopFrom(b []byte) netip.Addr {
	switch {
	case len(b) == 4:
		return netip.AddrFrom4([4]byte(b))
	case len(b) >= 16:
		return netip.AddrFrom16([16]byte(b[:16]))
	}
	return netip.Addr{}
}

func (d *decoder) parsePath(v []byte, asz int) error {
	for len(v) > 0 {
		if len(v) < 2 {
			return fmt.Errorf("segment header of %d bytes", len(v))
		}
		typ, cnt := v[0], int(v[1])
		if typ < segSet || typ > segConfedSet {
			return fmt.Errorf("segment type %d", typ)
		}
		if len(v) < 2+cnt*asz {
			return fmt.Errorf("segment of %d ASNs overruns the attribute", cnt)
		}
		v = v[2:]
		start := len(d.asns)
		if asz == 4 {
			for i := range cnt {
				d.asns = append(d.asns, binary.BigEndian.Uint32(v[4*i:]))
			}
		} else {
			for i := range cnt {
				d.asns = append(d.asns, uint32(binary.BigEndian.Uint16(v[2*i:])))
			}
		}
		v = v[cnt*asz:]
		if cnt == 0 {
			continue
		}
		d.segMeta = append(d.segMeta, segMeta{
			set:    typ == segSet || typ == segConfedSet,
			confed: typ == segConfedSeq || typ == segConfedSet,
			start:  start, end: start + cnt,
		})
	}
	return nil
}

// buildPath turns segMeta into d.segs, merging AS4_PATH (RFC 6793 section
// 4.2.3) when present.
func (d *decoder) buildPath() {
	d.segs = d.segs[:0]
	path := d.segMeta
	if d.as4Start >= 0 {
		path, as4 := d.segMeta[:d.as4Start], d.segMeta[d.as4Start:]
		n, n4 := pathLen(path), pathLen(as4)
		if n >= n4 {
			keep := n - n4
			for _, s := range path {
				if keep == 0 {
					break
				}
				switch {
				case s.confed:
					d.addSeg(s.set, s.start, s.end)
				case s.set:
					d.addSeg(true, s.start, s.end)
					keep--
				default:
					k := min(keep, s.end-s.start)
					d.addSeg(false, s.start, s.start+k)
					keep -= k
				}
			}
			for _, s := range as4 {
				d.addSeg(s.set, s.start, s.end)
			}
			return
		}
		// AS4_PATH longer than AS_PATH: ignore it.
		for _, s := range path {
			d.addSeg(s.set, s.start, s.end)
		}
		return
	}
	for _, s := range path {
		d.addSeg(s.set, s.start, s.end)
	}
}

// addSeg appends a segment of d.asns.
func (d *decoder) addSeg(set bool, start, end int) {
	d.segs = append(d.segs, bgp.Segment{Set: set, ASNs: d.asns[start:end:end]})
}

// pathLen counts a path as RFC 4271 does for path length: each ASN of a
// sequence, one per set, none for confederation segments.
func pathLen(segs []segMeta) int {
	n := 0
	for _, s := range segs {
		switch {
		case s.confed:
		case s.set:
			n++
		default:
			n += s.end - s.start
		}
	}
	return n
}
