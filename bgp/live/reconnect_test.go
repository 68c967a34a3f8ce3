package live_test

import (
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/bgp/live"
	"github.com/ixpobs/ixpobs/internal/birdtest"
)

// TestReconnectBackoff points an active peer at a listener that accepts
// and never answers (a peer that is away as far as BGP is concerned): every
// attempt is one accepted connection, and the gaps between attempts grow
// (window of 8 s plus a doubling delay from connect_retry 2 s: about 11.6,
// 15.2, 22.4 s). The first gap is left out: GoBGP's very first dial comes
// without its idle hold time, so that gap is longer than the next one.
func TestReconnectBackoff(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var mu sync.Mutex
	var accepts []time.Time
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			accepts = append(accepts, time.Now())
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	defer func() {
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	}()
	port := birdtest.FreePort(t, "127.0.0.1")
	c, stop := runCollector(t, collectorConfig(port, live.PeerConfig{
		Name: "away", Address: "127.0.0.2", Port: uint16(l.Addr().(*net.TCPAddr).Port), ASN: 65071,
		SessionConfig: live.SessionConfig{ConnectRetry: 2 * time.Second, ReconnectMax: time.Minute},
	}), newMemSink(), nil)
	const want = 5
	waitFor(t, 150*time.Second, strconv.Itoa(want)+" connection attempts", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(accepts) >= want
	})
	stop()
	mu.Lock()
	defer mu.Unlock()
	var gaps []time.Duration
	for i := 1; i < len(accepts); i++ {
		gaps = append(gaps, accepts[i].Sub(accepts[i-1]).Round(10*time.Millisecond))
	}
	t.Logf("gaps between connection attempts: %v", gaps)
	for i := 2; i < len(gaps); i++ {
		if gaps[i] <= gaps[i-1] {
			t.Errorf("gap %d (%v) not longer than gap %d (%v): no backoff", i, gaps[i], i-1, gaps[i-1])
		}
	}
	if s, _ := session(c, "127.0.0.2"); s.ReconnectAttempts < want-1 {
		t.Errorf("session reconnect attempts = %d, want >= %d", s.ReconnectAttempts, want-1)
	}
}

// TestActiveReconnect: the collector connects to a passive BIRD peer. When
// BIRD disables the session (Cease) and refuses connections for a while,
// the collector retries with backoff and the session comes back once BIRD
// accepts again. Shutdown then sends BIRD a Cease.
func TestActiveReconnect(t *testing.T) {
	port := birdtest.FreePort(t, "127.0.0.1")
	rs := birdtest.Peer{Name: "rs1", Local: "127.0.0.2", ASN: 65070, N4: 50, Passive: true, HostPort: birdtest.FreePort(t, "127.0.0.2")}
	b := birdtest.Start(t, birdtest.Config(port, 65000, rs))
	c, stop := runCollector(t, collectorConfig(port, live.PeerConfig{
		Name: "rs1", Address: "127.0.0.2", Port: uint16(rs.HostPort), ASN: 65070, IXPID: 5,
		SessionConfig: live.SessionConfig{ConnectRetry: 2 * time.Second, HoldTime: 9 * time.Second},
	}), newMemSink(), nil)
	up := func() bool { s, _ := session(c, "127.0.0.2"); return s.State == "established" && s.PrefixesIPv4 == 50 }
	waitFor(t, 30*time.Second, "first session", up)

	b.MustCtl(t, "disable", "rs1")
	waitFor(t, 10*time.Second, "session down", func() bool { s, _ := session(c, "127.0.0.2"); return s.State != "established" })
	if s, _ := session(c, "127.0.0.2"); !strings.Contains(s.LastError, "cease") {
		t.Errorf("last error = %q, want BIRD's Cease", s.LastError)
	}
	time.Sleep(6 * time.Second) // connections refused meanwhile
	if up() {
		t.Fatal("session up while BIRD's protocol is disabled")
	}
	b.MustCtl(t, "enable", "rs1")
	took := waitFor(t, 30*time.Second, "session back after BIRD accepts again", up)
	t.Logf("session back %v after BIRD was re-enabled", took)
	if s, _ := session(c, "127.0.0.2"); s.Flaps != 1 {
		t.Errorf("flaps = %d, want 1", s.Flaps)
	}
	stop()
	if out := b.MustCtl(t, "show", "protocols", "all", "rs1"); !strings.Contains(out, "Administrative shutdown") {
		t.Errorf("after collector shutdown BIRD shows %q, want a Cease (administrative shutdown)", out)
	}
}
