package showbgp

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/ixpobs/ixpobs/bgp"
)

// header is Quagga's header of `show ip bgp`.
const header = `BGP table version is 0, local router ID is 203.0.113.254
Status codes: s suppressed, d damped, h history, * valid, > best, i - internal,
              r RIB-failure, S Stale, R Removed
Origin codes: i - IGP, e - EGP, ? - incomplete

   Network          Next Hop            Metric LocPrf Weight Path
`

// genLine is one route line as Quagga's route_vty_out prints it.
type genLine struct {
	status  string // up to 3 status codes
	network string // "" for the blank column of a further path
	nextHop string
	metric  int64 // -1: blank
	locPrf  int64 // -1: blank
	weight  uint32
	path    string
	origin  string
}

// writeLine writes l as Quagga does (bgp_route.c, route_vty_out): a
// network of 17 characters or more, or an IPv6 next hop of 16 or more,
// ends the line and the route goes on at the next column.
func writeLine(w *bytes.Buffer, l genLine) {
	fmt.Fprintf(w, "%-3s", l.status)
	switch {
	case l.network == "":
		w.WriteString(strings.Repeat(" ", 17))
	case len(l.network) >= 17:
		w.WriteString(l.network + "\n" + strings.Repeat(" ", 20))
	default:
		fmt.Fprintf(w, "%-17s", l.network)
	}
	switch {
	case !strings.Contains(l.nextHop, ":"):
		fmt.Fprintf(w, "%-16s", l.nextHop)
	case len(l.nextHop) >= 16:
		w.WriteString(l.nextHop + "\n" + strings.Repeat(" ", 36))
	default:
		fmt.Fprintf(w, "%-16s", l.nextHop)
	}
	if l.metric >= 0 {
		fmt.Fprintf(w, "%10d", l.metric)
	} else {
		w.WriteString(strings.Repeat(" ", 10))
	}
	if l.locPrf >= 0 {
		fmt.Fprintf(w, "%7d", l.locPrf)
	} else {
		w.WriteString(strings.Repeat(" ", 7))
	}
	fmt.Fprintf(w, "%7d ", l.weight)
	if l.path != "" {
		w.WriteString(l.path + " ")
	}
	w.WriteString(l.origin + "\n")
}

// dump is a generated dump and the valid routes it holds, in file order.
type dump struct {
	text   []byte
	routes []bgp.Route
	lines  int64
	skip   int64 // routes not valid, and the trailer line
	pfxs   int   // distinct prefixes of valid routes
	peers  int
}

type genPeer struct {
	asn    uint32
	v4, v6 netip.Addr
}

// genDump writes a dump of nPrefixes prefixes (a tenth of them IPv6) seen
// by some of nPeers peers, from seed.
func genDump(seed uint64, nPeers, nPrefixes int) dump {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	peers := make([]genPeer, nPeers)
	for i := range peers {
		asn := uint32(64496 + i)
		if i%4 == 3 {
			asn = 4200000000 + uint32(i)
		}
		peers[i] = genPeer{
			asn: asn,
			v4:  netip.AddrFrom4([4]byte{198, 51, 100, byte(10 + i)}),
			v6:  netip.MustParseAddr(fmt.Sprintf("2001:db8:100::a5%02x:%x:1", i, asn&0xffff)),
		}
	}
	var prefixes []netip.Prefix
	seen := map[netip.Prefix]bool{}
	for len(prefixes) < nPrefixes {
		var p netip.Prefix
		if len(prefixes) < nPrefixes*9/10 {
			bits := []int{8, 16, 19, 20, 22, 23, 24, 24, 24, 24, 32}[rng.IntN(11)]
			a := netip.AddrFrom4([4]byte{byte(1 + rng.IntN(222)), byte(rng.IntN(256)), byte(rng.IntN(256)), byte(rng.IntN(256))})
			p = netip.PrefixFrom(a, bits).Masked()
		} else {
			bits := []int{29, 32, 36, 40, 44, 48, 48, 48, 64}[rng.IntN(9)]
			var b [16]byte
			b[0], b[1] = 0x2a, byte(rng.IntN(16))
			for i := 2; i < 8; i++ {
				b[i] = byte(rng.IntN(256))
			}
			p = netip.PrefixFrom(netip.AddrFrom16(b), bits).Masked()
		}
		if !seen[p] {
			seen[p] = true
			prefixes = append(prefixes, p)
		}
	}
	slices.SortFunc(prefixes, func(a, b netip.Prefix) int {
		if a.Addr().Is4() != b.Addr().Is4() {
			if a.Addr().Is4() {
				return -1
			}
			return 1
		}
		if c := a.Addr().Compare(b.Addr()); c != 0 {
			return c
		}
		return a.Bits() - b.Bits()
	})

	var w bytes.Buffer
	w.WriteString(header)
	d := dump{}
	validPfx := map[netip.Prefix]bool{}
	validPeer := map[bgp.Peer]bool{}
	for _, p := range prefixes {
		order := rng.Perm(nPeers)[:1+rng.IntN(nPeers)]
		slices.Sort(order) // the peers of a prefix in a stable order, as a router lists them
		best := rng.IntN(len(order))
		for k, pi := range order {
			pr := peers[pi]
			l := genLine{status: "*", metric: -1, locPrf: -1, origin: []string{"i", "i", "i", "e", "?"}[rng.IntN(5)]}
			if k == best {
				l.status = "*>"
			}
			switch rng.IntN(40) {
			case 0:
				l.status = " h"
			case 1:
				l.status = "s"
			case 2:
				l.status = "*>i"
			}
			if k == 0 {
				l.network = networkText(p)
			}
			nh := pr.v4
			if p.Addr().Is6() {
				nh = pr.v6
				if rng.IntN(10) == 0 {
					nh = netip.MustParseAddr(fmt.Sprintf("fe80::%x", pi+1)) // short: no wrap
				}
			}
			l.nextHop = nh.String()
			if rng.IntN(3) == 0 {
				l.metric = int64(rng.IntN(1000))
			}
			if rng.IntN(10) == 0 {
				l.locPrf = 100
			}
			path := genPath(rng, pr.asn)
			l.path = formatPath(path)
			writeLine(&w, l)
			if strings.Contains(l.status, "*") {
				rt := bgp.Route{Peer: bgp.Peer{ASN: pr.asn, Addr: nh}, Prefix: p, Path: path}
				d.routes = append(d.routes, rt)
				validPfx[p] = true
				validPeer[rt.Peer] = true
			} else {
				d.skip++
			}
		}
	}
	fmt.Fprintf(&w, "\nTotal number of prefixes %d\n", len(prefixes))
	d.skip++
	d.text = w.Bytes()
	d.lines = int64(bytes.Count(d.text, []byte("\n")))
	d.pfxs, d.peers = len(validPfx), len(validPeer)
	return d
}

// networkText is p as the Network column shows it: classful networks
// without their length.
func networkText(p netip.Prefix) string {
	if p.Addr().Is4() {
		if bits, ok := classfulBits(p.Addr()); ok && bits == p.Bits() {
			return p.Addr().String()
		}
	}
	return p.String()
}

// genPath returns a path from peer: transit ASNs, sometimes prepending,
// asdot-sized ASNs, an AS_SET at the end or a confederation segment.
func genPath(rng *rand.Rand, peer uint32) []bgp.Segment {
	seq := []uint32{peer}
	for range rng.IntN(6) {
		asn := uint32(1 + rng.IntN(70000))
		if rng.IntN(20) == 0 {
			asn = 4200000000 + uint32(rng.IntN(1000))
		}
		seq = append(seq, asn)
		if rng.IntN(15) == 0 {
			seq = append(seq, asn, asn)
		}
	}
	path := []bgp.Segment{{ASNs: seq}}
	switch rng.IntN(50) {
	case 0:
		path = append(path, bgp.Segment{Set: true, ASNs: []uint32{64512, 64513}})
	case 1:
		path = append(path, bgp.Segment{ASNs: []uint32{65001, 65002}}, bgp.Segment{ASNs: []uint32{64514}})
	}
	return path
}

// formatPath writes a path as Quagga does (the second segment of
// genPath's confederation case is written as a confederation sequence).
func formatPath(path []bgp.Segment) string {
	var parts []string
	for i, s := range path {
		asns := make([]string, len(s.ASNs))
		for k, a := range s.ASNs {
			asns[k] = strconv.FormatUint(uint64(a), 10)
		}
		switch {
		case s.Set:
			parts = append(parts, "{"+strings.Join(asns, ",")+"}")
		case i == 1 && len(path) == 3:
			parts = append(parts, "("+strings.Join(asns, " ")+")")
		default:
			parts = append(parts, strings.Join(asns, " "))
		}
	}
	return strings.Join(parts, " ")
}
