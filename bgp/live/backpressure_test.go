package live_test

import (
	"github.com/ixpobs/ixpobs/internal/birdtest"
	"net/netip"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/bgp"
	"github.com/ixpobs/ixpobs/bgp/live"
)

// TestSlowSink: a sink far slower than the session, behind a tiny queue.
// The session stays established (GoBGP keeps reading), events are dropped
// and counted, the peer is marked incomplete, and once the sink catches up
// the resync from the Adj-RIB-In restores every route.
func TestSlowSink(t *testing.T) {
	const n4 = 3000
	port := birdtest.FreePort(t, "127.0.0.1")
	rs := birdtest.Peer{Name: "rs1", Local: "127.0.0.2", ASN: 65010, N4: n4, HostPort: birdtest.FreePort(t, "127.0.0.2"), Hold: 3}
	birdtest.Start(t, birdtest.Config(port, 65000, rs))
	sink := newMemSink()
	sink.delay = 200 * time.Microsecond
	cfg := collectorConfig(port, live.PeerConfig{Name: "rs1", Address: "127.0.0.2", ASN: 65010, Passive: true,
		SessionConfig: live.SessionConfig{HoldTime: 3 * time.Second}})
	cfg.QueueSize = 32
	c, _ := runCollector(t, cfg, sink, nil)
	peer := bgp.Peer{ASN: 65010, Addr: netip.MustParseAddr("127.0.0.2")}
	waitFor(t, 30*time.Second, "drops", func() bool { s, _ := session(c, "127.0.0.2"); return s.Dropped > 0 })
	waitFor(t, 60*time.Second, "resync to the full table", func() bool {
		s, _ := session(c, "127.0.0.2")
		v4, _ := sink.count(peer)
		return v4 == n4 && !s.Incomplete
	})
	s, _ := session(c, "127.0.0.2")
	t.Logf("dropped %d events, session %s, flaps %d", s.Dropped, s.State, s.Flaps)
	if s.State != "established" || s.Flaps != 0 || s.PrefixesIPv4 != n4 {
		t.Errorf("session = %+v, want established, no flap, %d prefixes", s, n4)
	}
}
