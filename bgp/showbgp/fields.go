package showbgp

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"net/netip"

	"github.com/ixpobs/ixpobs/bgp"
)

// parsePrefix parses the Network column: an IPv4 or IPv6 prefix, or an
// IPv4 address alone for a classful network. The prefix is masked.
func parsePrefix(b []byte) (netip.Prefix, error) {
	addrText, bitsText, hasLen := bytes.Cut(b, []byte("/"))
	a, ok := parseIPv4(addrText)
	if !ok {
		if bytes.IndexByte(addrText, ':') < 0 {
			return netip.Prefix{}, fmt.Errorf("bad network %q", clip(b))
		}
		var err error
		if a, err = netip.ParseAddr(string(addrText)); err != nil || a.Zone() != "" {
			return netip.Prefix{}, fmt.Errorf("bad network %q", clip(b))
		}
	}
	var bits int
	if hasLen {
		if bits, ok = parseBits(bitsText, a.BitLen()); !ok {
			return netip.Prefix{}, fmt.Errorf("bad network %q: prefix length", clip(b))
		}
	} else if bits, ok = classfulBits(a); !ok {
		return netip.Prefix{}, fmt.Errorf("bad network %q: no prefix length, and no class to infer it from", clip(b))
	}
	return netip.PrefixFrom(a, bits).Masked(), nil
}

// classfulBits is the length of a classful network shown without one:
// /8, /16 or /24 for class A, B and C addresses, /0 for 0.0.0.0 (the
// default route; Quagga also shows other prefixes of 0.0.0.0 so, which
// cannot be told apart). IPv6 networks and classes D and E always have a
// length.
func classfulBits(a netip.Addr) (int, bool) {
	if !a.Is4() {
		return 0, false
	}
	b := a.As4()
	switch {
	case b == [4]byte{}:
		return 0, true
	case b[0] < 128:
		return 8, true
	case b[0] < 192:
		return 16, true
	case b[0] < 224:
		return 24, true
	}
	return 0, false
}

// parseBits parses a prefix length of at most max, without leading zeros.
func parseBits(b []byte, max int) (int, bool) {
	if len(b) == 0 || len(b) > 3 || len(b) > 1 && b[0] == '0' || !isDecimal(b) {
		return 0, false
	}
	n := 0
	for _, c := range b {
		n = n*10 + int(c-'0')
	}
	return n, n <= max
}

// parseIPv4 parses a dotted-quad IPv4 address as netip.ParseAddr does
// (no leading zeros), without converting b to a string.
func parseIPv4(b []byte) (netip.Addr, bool) {
	var ip [4]byte
	i := 0
	for k := range 4 {
		if k > 0 {
			if i >= len(b) || b[i] != '.' {
				return netip.Addr{}, false
			}
			i++
		}
		start, v := i, 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' && i-start < 3 {
			v = v*10 + int(b[i]-'0')
			i++
		}
		if i == start || v > 255 || i-start > 1 && b[start] == '0' {
			return netip.Addr{}, false
		}
		ip[k] = byte(v)
	}
	return netip.AddrFrom4(ip), i == len(b)
}

// parseASN parses an ASN, asplain (up to 4294967295) or asdot
// ("1.10" = 65546).
func parseASN(b []byte) (uint32, bool) {
	var v uint64
	for i, c := range b {
		switch {
		case c >= '0' && c <= '9' && i < 10:
			v = v*10 + uint64(c-'0')
		case c == '.' && i > 0 && i <= 5 && v <= math.MaxUint16:
			lo, ok := parseUint(b[i+1:], math.MaxUint16)
			return uint32(v)<<16 | lo, ok
		default:
			return 0, false
		}
	}
	return uint32(v), len(b) > 0 && v <= math.MaxUint32
}

// parseUint parses a decimal number of at most max.
func parseUint(b []byte, max uint64) (uint32, bool) {
	if len(b) == 0 || len(b) > 10 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	return uint32(v), v <= max
}

// closer returns the bracket that closes open.
func closer(open byte) byte {
	switch open {
	case '{':
		return '}'
	case '[':
		return ']'
	}
	return ')'
}

// parsePath parses the AS path fields into p.segs (backed by p.asns):
// ASNs separated by spaces form AS_SEQUENCE segments, {a,b} is an AS_SET,
// and the confederation segments (a b) and [a,b] become a sequence and a
// set, as bgp/mrt reports them.
func (p *parser) parsePath(toks []token) error {
	p.asns, p.meta, p.segs = p.asns[:0], p.meta[:0], p.segs[:0]
	var open byte // the bracket of the segment being read, 0 outside
	start := 0    // first ASN of the segment being read
	for _, t := range toks {
		f := p.rt.field(t)
		for i := 0; i < len(f); {
			switch c := f[i]; c {
			case '{', '[', '(':
				if open != 0 {
					return fmt.Errorf("AS path %q: nested segments", clip(f))
				}
				p.endSegment(false, start)
				open, start = c, len(p.asns)
				i++
			case '}', ']', ')':
				if open == 0 || c != closer(open) {
					return fmt.Errorf("AS path %q: unbalanced %q", clip(f), c)
				}
				if len(p.asns) == start {
					return fmt.Errorf("AS path %q: empty segment", clip(f))
				}
				p.endSegment(open != '(', start)
				open, start = 0, len(p.asns)
				i++
			case ',':
				if open == 0 {
					return fmt.Errorf("AS path %q: comma outside a set", clip(f))
				}
				i++
			default:
				j := i
				for j < len(f) && (f[j] >= '0' && f[j] <= '9' || f[j] == '.') {
					j++
				}
				asn, ok := parseASN(f[i:j])
				if !ok {
					return fmt.Errorf("bad ASN in AS path: %q", clip(f))
				}
				p.asns = append(p.asns, asn)
				i = max(j, i+1)
			}
		}
	}
	if open != 0 {
		return errors.New("AS path: segment not closed")
	}
	p.endSegment(false, start)
	for _, m := range p.meta {
		p.segs = append(p.segs, bgp.Segment{Set: m.set, ASNs: p.asns[m.start:m.end:m.end]})
	}
	return nil
}

// endSegment ends the segment of the ASNs from start, if any.
func (p *parser) endSegment(set bool, start int) {
	if len(p.asns) > start {
		p.meta = append(p.meta, segMeta{set: set, start: start, end: len(p.asns)})
	}
}
