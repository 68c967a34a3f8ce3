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
// Whole tables: the collector watches End-of-RIB markers and passes each
// peer's "whole" moment (RouteSink.MarkWhole) through the queue after the
// routes it closes, or after Config.EORTimeout for a peer that never sends
// one; the bgp.Aggregator in whole-table mode then shows only whole
// tables, carrying a peer's last whole one through resets and reloads for
// at most Config.CarryMax.
//
// Host name (GoBGP v4.8.0): every OPEN carries the FQDN capability (73)
// with the process's host name, because capabilitiesFromConfig
// (pkg/server/fsm.go) calls os.Hostname unconditionally and no API or
// config field removes it. An observatory peering with third parties must
// not send the machine's name, so Config.HostName (default
// DefaultHostName, "collector") is the name sent: `ixpobs bgp`
// (cmd/ixpobs bgphost*.go) re-executes itself in place in a UTS namespace
// of its own with that host name before GoBGP starts (CAP_SYS_ADMIN at
// start, dropped before the re-execution), or runs in a container or pod
// named so, or refuses to start; HostNameMachine ("@machine") opts in to
// the machine's name. The collector does not patch GoBGP for it.
//
// Known upstream leak (GoBGP v4.8.0, the newest v4 available here), and
// how the collector avoids it. When a session ends from the remote side
// through a read or write failure (TCP reset, FIN, a peer restart) or a
// NOTIFICATION received, established() in pkg/server/fsm.go pushes the
// reason into the FSM's outgoing InfiniteChannel (`h.outgoing.In() <- err`,
// line 2063) to stop the send loop, which may already have returned; the
// item stays buffered. (Hold-timer expiry and collector-initiated closes
// do not push.) For a static peer this is harmless: the FSM and its
// channel live as long as the peer, handleFSMMessage drains the channel
// at every state change (server.go, drainChannel after the state update),
// and the channel is only closed when the peer is deleted or the server
// stops. A dynamic neighbour, however, is deleted as soon as its session
// ends, before that drain; the FSM loop's exit calls cleanInfiniteChannel
// (util.go): Close, then drainChannel, a non-blocking drain that returns
// before the buffer goroutine, just woken by the Close, offers the item.
// That goroutine, github.com/eapache/channels.(*InfiniteChannel).infiniteBuffer,
// then blocks for ever on an output channel nobody reads: about 2 KiB of
// stack plus the message, per ended dynamic session. The channel and the
// goroutine are unexported and DeletePeer runs the same cleanup, so the
// API offers no way to drain it.
//
// The collector therefore promotes dynamic neighbours (promote.go): once
// the first session of an address in a dynamic range has ended (GoBGP has
// deleted the dynamic neighbour by then), the address is added as a static
// passive peer with the range's settings (AS, password, GTSM, timers,
// families, ADD-PATH, reject-all export), so its later sessions reuse one
// FSM. The collector's view is unchanged: the session stays dynamic, with
// the range's name, IXP id and max-prefix handling (an over-limit session
// is closed with a Cease and may come back), and Session.Promoted is set.
// The costs: at most one leaked goroutine per address (its first session);
// two idle goroutines per promoted address; and, like every static peer,
// a promoted address is refused for GoBGP's idle hold time (5 s) after
// each session end, where a dynamic neighbour would be re-created at once.
// Config.DynamicPromoteMax (default 1024) caps the promoted addresses;
// beyond it addresses stay dynamic and leak as before, counted by
// ixpobs_bgp_dynamic_promote_skipped_total. TestFlapsStatic (120 session
// ends of static peers, no goroutine ignored) and TestFlapsDynamic (100
// flaps, leaks bounded by one per address) check both. The real fix
// belongs upstream: drain with a blocking range over Out() after Close
// (the buffer goroutine closes Out once empty).
package live
