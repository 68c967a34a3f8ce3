// Package live runs receive-only BGP sessions with IXP route servers and
// other neighbours through an embedded GoBGP v4 server, and feeds every route
// it receives to a RouteSink (the bgp.Aggregator).
//
// The collector never announces a route: the global and every per-neighbour
// export policy default to reject (RFC 8212), best-path selection is disabled
// and no API to add paths is exposed. Route events are read from GoBGP's
// Adj-RIB-In watcher and handed to the sink through a bounded queue, so a slow
// sink can never stall the BGP sessions; when the queue is full, events are
// dropped and counted, the peer is marked incomplete and later resynchronised
// from GoBGP's Adj-RIB-In.
//
// GoBGP's pkg/server has no recover(): a panic in a peer goroutine ends the
// process. Run the collector in its own process (`ixpobs bgp`), never inside
// the web server.
package live
