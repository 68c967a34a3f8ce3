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
//
// Sessions of active peers that go down are retried with exponential
// backoff (SessionConfig.ConnectRetry, ReconnectMax): GoBGP itself retries
// at a fixed interval, so the collector holds the peer administratively
// down between attempt windows (backoff.go).
//
// GTSM gap (GoBGP v4.8.0): for passive sessions GoBGP sets IP_MINTTL on the
// accepted socket after accept (pkg/server/fsm.go setPeerConnTTL), so
// segments that arrived before, such as an OPEN sent right after the TCP
// handshake, are not filtered: a speaker sending with TTL 254 immediately
// reached Established with a ttl_security 1 peer in a test. Segments after
// that are dropped. Prefer active sessions, or filter low TTLs in the
// firewall too, where GTSM matters.
//
// Known upstream leak (GoBGP v4.8.0, the newest v4 available here): each
// dynamic-neighbour session that ends from the remote side (TCP reset,
// NOTIFICATION received, hold timer) can leave one goroutine,
// github.com/eapache/channels.(*InfiniteChannel).infiniteBuffer, blocked
// for ever. In pkg/server/fsm.go, established() handles the reason by
// pushing it into the FSM's outgoing InfiniteChannel (`h.outgoing.In() <-
// err`, line 2063) to stop the send loop, which may already have returned;
// the item stays buffered. A dynamic neighbour is deleted when its session
// ends, and the FSM loop's exit calls cleanInfiniteChannel (util.go): Close
// then drainChannel, a non-blocking drain that returns as soon as no item
// is ready at that instant. The buffer goroutine, still holding the item,
// then blocks on its unbuffered output channel with no reader left. The
// channel and goroutine are unexported, and DeletePeer runs the same
// cleanup, so ixpobs cannot work around it through the API; the cost is
// one goroutine (about 2 KiB of stack plus the buffered message) per ended
// dynamic session. Static peers keep their FSM and channel across sessions.
// The fix belongs upstream: drain with a blocking range over Out() after
// Close (the buffer goroutine closes Out once empty).
package live
