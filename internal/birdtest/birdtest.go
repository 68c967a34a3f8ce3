// Package birdtest runs a BIRD 2 daemon for tests: a generated
// configuration with static routes and BGP sessions towards a collector on
// 127.0.0.1, its own control socket, and birdc commands. Tests that use it
// skip when BIRD is not installed, and fail under CI=true.
package birdtest

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/internal/testenv"
)

// FreePort returns a TCP port that was free on addr a moment ago.
func FreePort(t testing.TB, addr string) int {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(addr, "0"))
	if err != nil {
		t.Fatalf("listen on %s: %v", addr, err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Daemon is a BIRD 2 daemon running in the foreground with its own
// control socket in a temporary directory.
type Daemon struct {
	dir, sock string
	cmd       *exec.Cmd
	done      chan struct{} // closed when the process has exited
	err       error         // its exit status, set before done is closed
}

// Start runs BIRD with the configuration conf until the test ends.
func Start(t testing.TB, conf string) *Daemon {
	t.Helper()
	cf := filepath.Join(t.TempDir(), "bird.conf")
	if err := os.WriteFile(cf, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	return StartFile(t, cf)
}

// StartFile runs BIRD with the configuration file cf until the test ends,
// for configurations too large to build in memory.
func StartFile(t testing.TB, cf string) *Daemon {
	t.Helper()
	bin := testenv.LookPath(t, "bird")
	testenv.LookPath(t, "birdc")
	dir := t.TempDir()
	b := &Daemon{dir: dir, sock: filepath.Join(dir, "bird.ctl"), done: make(chan struct{})}
	logf, err := os.Create(filepath.Join(dir, "bird.log"))
	if err != nil {
		t.Fatal(err)
	}
	b.cmd = exec.Command(bin, "-f", "-c", cf, "-s", b.sock, "-P", filepath.Join(dir, "bird.pid"))
	b.cmd.Stdout, b.cmd.Stderr = logf, logf
	if err := b.cmd.Start(); err != nil {
		t.Fatalf("start bird: %v", err)
	}
	go func() { b.err = b.cmd.Wait(); logf.Close(); close(b.done) }()
	t.Cleanup(func() {
		_ = b.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-b.done:
		case <-time.After(5 * time.Second):
			_ = b.cmd.Process.Kill()
			<-b.done
		}
		if t.Failed() {
			log, _ := os.ReadFile(filepath.Join(dir, "bird.log"))
			t.Logf("bird log:\n%s", Tail(string(log), 3000))
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := os.Stat(b.sock); err == nil {
			if _, err := b.Ctl("show status"); err == nil {
				return b
			}
		}
		select {
		case <-b.done:
			log, _ := os.ReadFile(filepath.Join(dir, "bird.log"))
			t.Fatalf("bird exited: %v\n%s", b.err, Tail(string(log), 3000))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("bird control socket did not appear within 60s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Tail returns the last n bytes of s.
func Tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// PID is the process id of the daemon.
func (b *Daemon) PID() int { return b.cmd.Process.Pid }

// Ctl runs a birdc command.
func (b *Daemon) Ctl(args ...string) (string, error) {
	out, err := exec.Command("birdc", append([]string{"-s", b.sock}, args...)...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("birdc %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// MustCtl runs a birdc command and fails the test on error.
func (b *Daemon) MustCtl(t testing.TB, args ...string) string {
	t.Helper()
	out, err := b.Ctl(args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Peer describes one BGP protocol of the generated BIRD config.
type Peer struct {
	Name     string
	Local    string // BIRD's address, 127.0.0.x
	ASN      uint32
	N4, N6   int // static routes exported
	Offset   int // first route number, so peers announce different prefixes
	Passive  bool
	Hold     int
	HostPort int // BIRD's own port
	// Password sets a TCP MD5 signature password (RFC 2385) on the session.
	Password string
	// TTLSecurity enables GTSM (RFC 5082): BIRD sends with TTL 255 and
	// expects at least 256-Multihop.
	TTLSecurity bool
	// Multihop is the hop count of the multihop session, 0 for BIRD's
	// default (64). Without TTLSecurity BIRD sends with this TTL.
	Multihop int
}

// birdV4 and birdV6 return route i of the generated tables and the AS path
// the collector must see (BIRD prepends its own AS on export).

// V4Net is the IPv4 prefix of route i.
func V4Net(i int) netip.Prefix {
	// Spread as /24s over 10.0.0.0/8 for i < 65536, then 11.0.0.0/8, …
	// (distinct up to i < 16 << 16).
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{10 + byte(i>>16), byte(i >> 8), byte(i), 0}), 24)
}

// V6Net is the IPv6 prefix of route i.
// 2001:db8:i::/48 for i < 65536, then 2001:db9:…, 2001:dba:… (distinct
// up to i < 16 << 16).
func V6Net(i int) netip.Prefix {
	return netip.MustParsePrefix(fmt.Sprintf("2001:%x:%x::/48", 0xdb8+i>>16, i&0xffff))
}

// Path is the AS path the collector sees for route i of a peer.
func Path(peerASN uint32, i int, v6 bool) []uint32 {
	origin := uint32(65100 + i%100)
	if v6 {
		origin = uint32(65300 + i%10)
	}
	if i%3 == 0 {
		return []uint32{peerASN, 4200000000 + uint32(i%7), origin}
	}
	return []uint32{peerASN, origin}
}

// DiversePath is the AS path the collector sees for route i of a peer in
// a table with about `paths` distinct AS paths (route i uses path i %
// paths), shaped like a route server's table rather than Path's few
// hundred: after the peer's ASN, 1 to 5 ASNs (15 % of paths 2 ASNs long in
// all, 35 % 3, 30 % 4, 15 % 5, 5 % 6), transit hops from a pool of 2,000
// and origins from about 75,000 ASNs, a third of the origins and a quarter
// of the transit ASNs four-byte, and one path in ten with its origin
// prepended 1 to 3 times. Paths never contain 23456, private ASNs or the
// test ASNs 65000-65535.
func DiversePath(peerASN uint32, i, paths int) []uint32 {
	k := uint64(i % paths)
	h := mix(k)
	hops := 1 // ASNs after the peer's, the origin included
	switch r := h % 100; {
	case r >= 95:
		hops = 5
	case r >= 80:
		hops = 4
	case r >= 50:
		hops = 3
	case r >= 15:
		hops = 2
	}
	path := []uint32{peerASN}
	for j := uint64(1); j < uint64(hops); j++ {
		path = append(path, transitASN(mix(k<<3|j)))
	}
	origin := originASN(k)
	path = append(path, origin)
	if (h>>8)%10 == 0 {
		for range 1 + (h>>16)%3 {
			path = append(path, origin)
		}
	}
	return path
}

// originASN spreads path numbers over about 75,000 origins, a third of
// them four-byte (from 262144, the first LACNIC block).
func originASN(k uint64) uint32 {
	k %= 75000
	if k%3 == 0 {
		return uint32(262144 + k)
	}
	return asn16(1000 + k%60000)
}

// transitASN picks one of 2,000 transit ASNs, a quarter four-byte.
func transitASN(x uint64) uint32 {
	x %= 2000
	if x%4 == 0 {
		return uint32(327680 + x)
	}
	return asn16(100 + x)
}

// asn16 avoids AS_TRANS (23456).
func asn16(a uint64) uint32 {
	if a == 23456 {
		a++
	}
	return uint32(a)
}

// mix is the splitmix64 finaliser, a cheap deterministic hash.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// Prepends is the BIRD filter code that prepends path (without its first ASN, which BIRD adds on export).
func Prepends(path []uint32) string {
	var b strings.Builder
	// BIRD prepends in reverse; the first ASN of path is added by export.
	for j := len(path) - 1; j >= 1; j-- {
		fmt.Fprintf(&b, " bgp_path.prepend(%d);", path[j])
	}
	return b.String()
}

// Config generates a BIRD 2 config with static routes and one BGP
// protocol per peer, each connecting to the collector on 127.0.0.1.
func Config(collectorPort int, collectorASN uint32, peers ...Peer) string {
	var b strings.Builder
	b.WriteString("log stderr { warning, error, fatal };\nrouter id 127.0.0.2;\nprotocol device {}\n")
	for _, p := range peers {
		fmt.Fprintf(&b, "ipv4 table t4_%s;\nipv6 table t6_%s;\n", p.Name, p.Name)
		fmt.Fprintf(&b, "protocol static s4_%s { ipv4 { table t4_%s; };\n", p.Name, p.Name)
		for i := p.Offset; i < p.Offset+p.N4; i++ {
			fmt.Fprintf(&b, "  route %s unreachable {%s };\n", V4Net(i), Prepends(Path(p.ASN, i, false)))
		}
		b.WriteString("}\n")
		fmt.Fprintf(&b, "protocol static s6_%s { ipv6 { table t6_%s; };\n", p.Name, p.Name)
		for i := p.Offset; i < p.Offset+p.N6; i++ {
			fmt.Fprintf(&b, "  route %s unreachable {%s };\n", V6Net(i), Prepends(Path(p.ASN, i, true)))
		}
		b.WriteString("}\n")
		hold := p.Hold
		if hold == 0 {
			hold = 9
		}
		var opts strings.Builder
		if p.Passive {
			opts.WriteString(" passive;")
		}
		if p.Password != "" {
			fmt.Fprintf(&opts, " password %q;", p.Password)
		}
		if p.TTLSecurity {
			opts.WriteString(" ttl security on;")
		}
		multihop := "multihop;"
		if p.Multihop > 0 {
			multihop = fmt.Sprintf("multihop %d;", p.Multihop)
		}
		fmt.Fprintf(&b, `protocol bgp %s {
  local %s port %d as %d;
  neighbor 127.0.0.1 port %d as %d;
  %s connect retry time 1; error wait time 1, 2; hold time %d;%s
  ipv4 { table t4_%s; import all; export all; };
  ipv6 { table t6_%s; import all; export all; next hop address 2001:db8::1; };
}
`, p.Name, p.Local, p.HostPort, p.ASN, collectorPort, collectorASN, multihop, hold, opts.String(), p.Name, p.Name)
	}
	return b.String()
}
