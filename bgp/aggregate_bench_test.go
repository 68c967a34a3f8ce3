package bgp

import (
	"encoding/binary"
	"net/netip"
	"runtime"
	"testing"
)

// benchRoutes calls fn for prefixes x peers routes: distinct prefixes
// (six in seven IPv4 /24, the others IPv6 /48), paths peer-transit-origin with a
// quarter of them taking a second transit, origins shared by ~10 prefixes.
func benchRoutes(prefixes, peers int, fn func(Route)) {
	var segs [1]Segment
	asns := make([]uint32, 0, 8)
	for i := range prefixes {
		var pfx netip.Prefix
		h := uint32(i) * 0x9e3779b1
		if i%7 == 0 {
			var a [16]byte
			binary.BigEndian.PutUint32(a[:], 0x20010000|uint32(i>>16))
			binary.BigEndian.PutUint16(a[4:], uint16(i))
			pfx = netip.PrefixFrom(netip.AddrFrom16(a), 48)
		} else {
			var a [4]byte
			binary.BigEndian.PutUint32(a[:], uint32(i)<<8)
			pfx = netip.PrefixFrom(netip.AddrFrom4(a), 24)
		}
		origin := 131072 + uint32(i/10)
		for p := range peers {
			peer := Peer{ASN: 64512 + uint32(p), Addr: netip.AddrFrom4([4]byte{10, 0, 0, byte(p + 1)})}
			asns = append(asns[:0], peer.ASN, 3356+uint32(p%5))
			if (h>>uint(p%8))&3 == 0 {
				asns = append(asns, 174)
			}
			asns = append(asns, origin)
			segs[0] = Segment{ASNs: asns}
			fn(Route{Peer: peer, Prefix: pfx, Path: segs[:]})
		}
	}
}

// BenchmarkAggregatorMemory loads 1 million distinct prefixes from 20 peers
// (20 million routes) and reports the live heap after the load and the
// peak heap while deriving the Summary:
//
//	go test ./bgp -run XXX -bench AggregatorMemory -benchtime 1x
func BenchmarkAggregatorMemory(b *testing.B) {
	const prefixes, peers = 1_000_000, 20
	for b.Loop() {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		a := NewAggregator()
		benchRoutes(prefixes, peers, a.Announce)
		runtime.GC()
		var loaded runtime.MemStats
		runtime.ReadMemStats(&loaded)
		s := a.Summary()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		if s.Routes != prefixes*peers || len(s.Prefixes) != prefixes {
			b.Fatalf("Summary has %d routes, %d prefixes; want %d, %d", s.Routes, len(s.Prefixes), prefixes*peers, prefixes)
		}
		live := loaded.HeapAlloc - before.HeapAlloc
		b.ReportMetric(float64(live)/(1<<20), "MiB-live")
		b.ReportMetric(float64(live)/float64(prefixes*peers), "B/route")
		b.ReportMetric(float64(after.HeapSys)/(1<<20), "MiB-heap-sys")
		runtime.KeepAlive(a)
	}
}

// BenchmarkAnnounce measures Announce per route on a table of 100,000
// prefixes from 20 peers.
func BenchmarkAnnounce(b *testing.B) {
	a := NewAggregator()
	n := 0
	for b.Loop() {
		benchRoutes(100_000, 20, a.Announce)
		n += 2_000_000
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "routes/s")
}
