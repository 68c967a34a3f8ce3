package live_test

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/internal/birdtest"
	"github.com/ixpobs/ixpobs/internal/testenv"

	"github.com/ixpobs/ixpobs/bgp/live"
)

// tcpExt returns a counter of the TcpExt line of /proc/net/netstat (the
// test's network namespace), and false when it cannot be read.
func tcpExt(name string) (uint64, bool) {
	b, err := os.ReadFile("/proc/net/netstat")
	if err != nil {
		return 0, false
	}
	lines := strings.Split(string(b), "\n")
	for i := 0; i+1 < len(lines); i++ {
		if !strings.HasPrefix(lines[i], "TcpExt:") || !strings.HasPrefix(lines[i+1], "TcpExt:") {
			continue
		}
		names, vals := strings.Fields(lines[i]), strings.Fields(lines[i+1])
		for j := range names {
			if names[j] == name && j < len(vals) {
				v, err := strconv.ParseUint(vals[j], 10, 64)
				return v, err == nil
			}
		}
	}
	return 0, false
}

// requireMD5 skips when the kernel refuses TCP_MD5SIG on a loopback
// socket, with the kernel's error.
func requireMD5(t *testing.T) {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatalf("socket: %v", err)
	}
	defer syscall.Close(fd)
	// struct tcp_md5sig: sockaddr_storage (128 bytes), flags, prefixlen,
	// keylen (u16), ifindex (u32), key[80].
	var sig [128 + 8 + 80]byte
	sig[0] = syscall.AF_INET // little-endian sa_family
	copy(sig[4:8], []byte{127, 0, 0, 2})
	key := "probe"
	sig[130] = byte(len(key))
	copy(sig[136:], key)
	if err := syscall.SetsockoptString(fd, syscall.IPPROTO_TCP, 14 /* TCP_MD5SIG */, string(sig[:])); err != nil {
		testenv.Missing(t, "kernel refuses TCP_MD5SIG on loopback: setsockopt: %v", err)
	}
}

// birdState returns the BGP state BIRD shows for protocol proto
// ("Established", "Connect", "Active", ...).
func birdState(t testing.TB, b *birdtest.Daemon, proto string) string {
	t.Helper()
	out := b.MustCtl(t, "show", "protocols", "all", proto)
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "BGP" && f[1] == "state:" && len(f) >= 3 {
			return f[2]
		}
	}
	return "unknown"
}

// TestBIRDMD5 runs four BIRD sessions towards the collector. Only the one
// where both sides use the same TCP MD5 password (RFC 2385) is
// established; a wrong password, a missing one on BIRD's side and one that
// only BIRD sets never are, the kernel counts the rejected segments, and
// the collector keeps serving.
func TestBIRDMD5(t *testing.T) {
	requireMD5(t)
	const secret = "ix-p4ss word"
	port := birdtest.FreePort(t, "127.0.0.1")
	peers := []struct {
		bird      birdtest.Peer
		collector string // the collector's password for the peer
		want      bool   // established
	}{
		{birdtest.Peer{Name: "good", Local: "127.0.0.2", ASN: 65021, N4: 10, Password: secret}, secret, true},
		{birdtest.Peer{Name: "wrongpw", Local: "127.0.0.3", ASN: 65022, N4: 10, Password: "not the secret"}, secret, false},
		{birdtest.Peer{Name: "nopw", Local: "127.0.0.5", ASN: 65023, N4: 10}, secret, false},
		{birdtest.Peer{Name: "onlybird", Local: "127.0.0.6", ASN: 65024, N4: 10, Password: secret}, "", false},
	}
	var bps []birdtest.Peer
	var cps []live.PeerConfig
	for i := range peers {
		p := &peers[i]
		p.bird.Offset = i * 100
		p.bird.HostPort = birdtest.FreePort(t, p.bird.Local)
		bps = append(bps, p.bird)
		cps = append(cps, live.PeerConfig{
			Name: p.bird.Name, Address: p.bird.Local, ASN: p.bird.ASN, IXPID: 7, Passive: true,
			SessionConfig: live.SessionConfig{Password: p.collector, HoldTime: 9 * time.Second},
		})
	}
	md5Before := md5Drops()
	c, _ := runCollector(t, collectorConfig(port, cps...), newMemSink(), nil)
	b := birdtest.Start(t, birdtest.Config(port, 65000, bps...))

	waitFor(t, 30*time.Second, "the session with the matching password", func() bool {
		s, _ := session(c, "127.0.0.2")
		return s.State == "established" && s.PrefixesIPv4 == 10
	})
	// BIRD retries every second: give the others ten attempts each.
	time.Sleep(10 * time.Second)
	for _, p := range peers {
		s, _ := session(c, p.bird.Local)
		bs := birdState(t, b, p.bird.Name)
		t.Logf("%s: collector %s, BIRD %s", p.bird.Name, s.State, bs)
		if got := s.State == "established"; got != p.want {
			t.Errorf("%s (BIRD password %q, collector %q): established = %v, want %v",
				p.bird.Name, p.bird.Password, p.collector, got, p.want)
		}
		if got := bs == "Established"; got != p.want {
			t.Errorf("%s: BIRD state %s, want established = %v", p.bird.Name, bs, p.want)
		}
	}
	// Informational: on this kernel the counters stayed at 0 in the
	// refused cases (BIRD reports its connection attempts timing out).
	t.Logf("kernel TCPMD5NotFound+Unexpected+Failure: %d before, %d after", md5Before, md5Drops())
	// The process is up and the good session still is.
	if s, _ := session(c, "127.0.0.2"); s.State != "established" || s.Flaps != 0 {
		t.Errorf("good session = %+v after the refused ones, want established without flaps", s)
	}
}

// TestBIRDDynamicMD5Promotion: a BIRD peer of a dynamic range with a TCP
// MD5 password is established, BIRD disables and re-enables the session,
// and the new session is established with the address promoted to a
// static passive peer (with the range's password, GTSM and IXP id).
func TestBIRDDynamicMD5Promotion(t *testing.T) {
	requireMD5(t)
	const secret = "ix-p4ss word"
	port := birdtest.FreePort(t, "127.0.0.1")
	bp := birdtest.Peer{Name: "good", Local: "127.0.0.2", ASN: 65021, N4: 10, Password: secret, TTLSecurity: true,
		HostPort: birdtest.FreePort(t, "127.0.0.2")}
	cfg := collectorConfig(port)
	cfg.Dynamic = []live.DynamicConfig{{Name: "lan", Prefix: "127.0.0.2/31", IXPID: 7,
		SessionConfig: live.SessionConfig{Password: secret, TTLSecurity: 1, HoldTime: 9 * time.Second}}}
	c, _ := runCollector(t, cfg, newMemSink(), nil)
	b := birdtest.Start(t, birdtest.Config(port, 65000, bp))
	waitFor(t, 30*time.Second, "the dynamic MD5 session", func() bool {
		s, _ := session(c, "127.0.0.2")
		return s.State == "established" && s.PrefixesIPv4 == 10
	})
	b.MustCtl(t, "disable", "good")
	waitFor(t, 10*time.Second, "the address promoted after its session ended", func() bool {
		s, _ := session(c, "127.0.0.2")
		return s.State != "established" && s.Promoted
	})
	b.MustCtl(t, "enable", "good")
	took := waitFor(t, 40*time.Second, "the promoted MD5 session", func() bool {
		s, _ := session(c, "127.0.0.2")
		return s.State == "established" && s.PrefixesIPv4 == 10
	})
	t.Logf("promoted session established %v after BIRD was re-enabled", took)
	if s, _ := session(c, "127.0.0.2"); !s.Dynamic || !s.Promoted || s.IXPID != 7 || s.Name != "lan" || s.ASN != 65021 || s.Flaps != 1 {
		t.Errorf("session = %+v, want dynamic, promoted, range lan, ixp 7, asn 65021, 1 flap", s)
	}
	if bs := birdState(t, b, "good"); bs != "Established" {
		t.Errorf("BIRD state %s, want Established", bs)
	}
}

func md5Drops() uint64 {
	var n uint64
	for _, name := range []string{"TCPMD5NotFound", "TCPMD5Unexpected", "TCPMD5Failure"} {
		v, _ := tcpExt(name)
		n += v
	}
	return n
}

// TestBIRDTTLSecurity: GTSM (RFC 5082). BIRD with `ttl security on` (sends
// with TTL 255) is established with a collector peer at ttl_security 1.
// The refusal of low TTLs is tested with a raw speaker in
// TestTTLSecurityBoundary: BIRD 2.0.12 with `multihop 2` (sends with TTL 2)
// did not establish even with a collector peer without GTSM, so it cannot
// show that GTSM is what refuses it.
func TestBIRDTTLSecurity(t *testing.T) {
	port := birdtest.FreePort(t, "127.0.0.1")
	peers := []struct {
		bird   birdtest.Peer
		ttlSec uint8
		want   bool
	}{
		{birdtest.Peer{Name: "gtsm", Local: "127.0.0.2", ASN: 65031, N4: 10, TTLSecurity: true}, 1, true},
	}
	var bps []birdtest.Peer
	var cps []live.PeerConfig
	for i := range peers {
		p := &peers[i]
		p.bird.Offset = i * 100
		p.bird.HostPort = birdtest.FreePort(t, p.bird.Local)
		bps = append(bps, p.bird)
		cps = append(cps, live.PeerConfig{
			Name: p.bird.Name, Address: p.bird.Local, ASN: p.bird.ASN, IXPID: 7, Passive: true,
			SessionConfig: live.SessionConfig{TTLSecurity: p.ttlSec, HoldTime: 9 * time.Second},
		})
	}
	c, _ := runCollector(t, collectorConfig(port, cps...), newMemSink(), nil)
	b := birdtest.Start(t, birdtest.Config(port, 65000, bps...))
	waitFor(t, 30*time.Second, "the GTSM session", func() bool {
		s1, _ := session(c, "127.0.0.2")
		return s1.State == "established"
	})
	for _, p := range peers {
		s, _ := session(c, p.bird.Local)
		bs := birdState(t, b, p.bird.Name)
		t.Logf("%s: collector %s, BIRD %s", p.bird.Name, s.State, bs)
		if got := s.State == "established"; got != p.want {
			t.Errorf("%s (BIRD ttl security %v multihop %d, collector ttl_security %d): established = %v, want %v",
				p.bird.Name, p.bird.TTLSecurity, p.bird.Multihop, p.ttlSec, got, p.want)
		}
	}
}

// TestTTLSecurityBoundary checks the minimum TTL the collector derives
// from ttl_security, with a raw speaker that sets its outgoing TTL
// (IP_TTL): ttl_security N accepts TTL 256-N and refuses 255-N.
//
// The speaker sends its OPEN only after the collector's: GoBGP v4.8.0 sets
// IP_MINTTL on a passive session's socket after accept (setPeerConnTTL),
// so segments that reached the socket before that (an OPEN sent right
// after the handshake) are not filtered. See doc.go.
func TestTTLSecurityBoundary(t *testing.T) {
	port := birdtest.FreePort(t, "127.0.0.1")
	remote := "127.0.0.1:" + strconv.Itoa(port)
	cases := []struct {
		local  string
		ttlSec uint8
		ttl    int
		want   bool
	}{
		{"127.0.0.21", 1, 255, true},
		{"127.0.0.22", 1, 254, false},
		{"127.0.0.23", 2, 254, true},
		{"127.0.0.24", 2, 253, false},
		{"127.0.0.25", 0, 1, true},
	}
	var cps []live.PeerConfig
	for i, tc := range cases {
		cps = append(cps, live.PeerConfig{Address: tc.local, ASN: uint32(65060 + i), Passive: true,
			SessionConfig: live.SessionConfig{TTLSecurity: tc.ttlSec}})
	}
	c, _ := runCollector(t, collectorConfig(port, cps...), newMemSink(), nil)
	for i, tc := range cases {
		t.Run(fmt.Sprintf("ttl_security_%d_ttl_%d", tc.ttlSec, tc.ttl), func(t *testing.T) {
			got, conn, err := openWithTTL(tc.local, remote, uint32(65060+i), tc.ttl, 3*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if got != tc.want {
				t.Errorf("OPEN exchange with TTL %d to a peer with ttl_security %d completed = %v, want %v", tc.ttl, tc.ttlSec, got, tc.want)
			}
			if tc.want {
				waitFor(t, 5*time.Second, "collector session established", func() bool {
					s, _ := session(c, tc.local)
					return s.State == "established"
				})
			} else if s, _ := session(c, tc.local); s.State == "established" {
				t.Errorf("collector session established with TTL %d, ttl_security %d", tc.ttl, tc.ttlSec)
			}
		})
	}
}

// openWithTTL connects from local with outgoing TTL ttl, sends an OPEN and
// a KEEPALIVE once it has the collector's OPEN, and reports whether the
// collector answered with a KEEPALIVE (the session reached Established)
// within wait. The caller closes the connection.
func openWithTTL(local, remote string, asn uint32, ttl int, wait time.Duration) (bool, net.Conn, error) {
	d := net.Dialer{
		LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)},
		Timeout:   5 * time.Second,
		Control: func(_, _ string, rc syscall.RawConn) error {
			var serr error
			err := rc.Control(func(fd uintptr) {
				serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IP, syscall.IP_TTL, ttl)
			})
			if err != nil {
				return err
			}
			return serr
		},
	}
	conn, err := d.Dial("tcp", remote)
	if err != nil {
		return false, nil, fmt.Errorf("dial %s from %s: %w", remote, local, err)
	}
	id := netip.MustParseAddr(local).As4()
	_ = conn.SetReadDeadline(time.Now().Add(wait))
	for {
		m, err := readMsg(conn)
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				return false, conn, nil
			}
			return false, conn, fmt.Errorf("read from collector: %w", err)
		}
		switch m.typ {
		case msgOpen:
			if _, err := conn.Write(append(bgpMsg(msgOpen, openBody(asn, 90, id)), bgpMsg(msgKeepalive, nil)...)); err != nil {
				return false, conn, fmt.Errorf("send OPEN: %w", err)
			}
		case msgKeepalive:
			return true, conn, nil
		case msgNotification:
			return false, conn, fmt.Errorf("collector sent NOTIFICATION %x", m.body)
		}
	}
}
