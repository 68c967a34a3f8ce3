// Package showbgp reads routing table dumps in the text format of Cisco's
// and Quagga's `show ip bgp` (IPv4) and `show bgp ipv6` (IPv6), plain,
// gzip or bzip2, as a stream of routes.
//
// PCH (Packet Clearing House) runs route collectors at more than 225 IXPs,
// many in Latin America where no other collector is, and publishes one such
// dump per collector, day and address family:
//
//	https://www.pch.net/resources/Routing_Data/IPv4_daily_snapshots/{YYYY}/{MM}/route-collector.{NAME}.pch.net/route-collector.{NAME}.pch.net-ipv4_bgp_routes.{YYYY}.{MM}.{DD}.gz
//	https://www.pch.net/resources/Routing_Data/IPv6_daily_snapshots/{YYYY}/{MM}/route-collector.{NAME}.pch.net/route-collector.{NAME}.pch.net-ipv6_bgp_routes.{YYYY}.{MM}.{DD}.gz
//
// # The format
//
// A header ("BGP table version is ...", the status and origin code legends)
// ends with the column header line, which gives the column positions:
//
//	   Network          Next Hop            Metric LocPrf Weight Path
//	*> 1.0.0.0/24       198.32.160.13            0             0 13335 i
//	*                   198.32.160.200           0             0 6939 13335 i
//	*  3.0.0.0          207.126.96.1            20             0 6461 701 80 i
//	*> 2001:db8::/32    2001:7f8:1::a500:6939:1
//	                                             0             0 6939 64500 {64501,64502} ?
//
// Then one route per line: the status codes in the columns before Network
// (* valid, > best, = multipath, s suppressed, d damped, h history,
// i internal, r RIB-failure, S stale, R removed, and the other letters
// of Cisco's legends), the network, the next hop, the Metric and LocPrf
// (blank when the route has none), the Weight, the AS path and the origin
// code (i, e or ?).
//
//   - A blank Network column means the network of the previous route: one
//     line per path, several paths per prefix.
//   - An IPv4 network shown without a length is classful: /8, /16 or /24 by
//     its leading bits, and 0.0.0.0 is the default route /0.
//   - A network or next hop too long for its column ends the line, and the
//     route goes on on the next one (or two: an IPv6 route can take three
//     lines). A route's lines are put together until its last field is an
//     origin code; a line that goes on a route has blank status and
//     network columns.
//   - The Weight is always printed; the path is the fields between it and
//     the origin code. Which number after the next hop is the Weight is
//     told by the column positions of the header (the number ending
//     nearest the end of the Weight column), since Metric and LocPrf may
//     be blank.
//   - AS paths: asplain ASNs up to 4294967295, or asdot ("1.10" is 65546);
//     {a,b} is an AS_SET; the confederation segments (a b) and [a,b] are
//     kept as a sequence and a set, as bgp/mrt does.
//   - Lines may end in CRLF.
//
// # What is kept and skipped
//
// Read gives every valid route (a "*" among its status codes) to its
// callback, as a bgp.Route: Peer is the first ASN of the path (0 for an
// empty path) with the next hop as address, Prefix is masked, PathID is 0.
// Routes without "*" are skipped and counted in Stats.Skipped, as are the
// lines after the column header that are not routes (a trailing "Total
// number of prefixes 945123" or "Displayed 945123 out of 2341234 total
// prefixes", another header); blank lines are ignored. A malformed route
// (bad network, next hop or ASN, no origin code, no network to continue)
// is skipped and counted in Stats.Errors, or stops Read with an
// *ixp.ParseError when Reader.Strict is set; of a route that is not
// valid, only the network is read (the routes after it may continue it).
//
// Bad input never passes as a complete dump: an input without a column
// header line is an error wrapping ixp.ErrInvalid; an empty input, a
// compressed stream that ends early or an input that ends inside a route
// is an error wrapping ixp.ErrTruncated, and Stats.Complete stays false.
package showbgp
