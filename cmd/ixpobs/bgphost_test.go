//go:build linux

package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/osrg/gobgp/v4/pkg/packet/bgp"

	"github.com/ixpobs/ixpobs/bgp/live"
	"github.com/ixpobs/ixpobs/internal/birdtest"
	"github.com/ixpobs/ixpobs/internal/testenv"
)

// TestPlanHostName is the decision of `ixpobs bgp` about the host name
// GoBGP sends: keep the process's when it is the configured one (or the
// machine's was asked for), re-execute otherwise, and never re-execute a
// second time.
func TestPlanHostName(t *testing.T) {
	for _, tc := range []struct {
		want, current string
		reexecuted    bool
		step          hostNameStep
		err           string
	}{
		{"collector", "collector", false, hostNameKeep, ""},
		{"collector", "db1.corp.example", false, hostNameUnshare, ""},
		{live.HostNameMachine, "db1.corp.example", false, hostNameKeep, ""},
		{"collector", "collector", true, hostNameKeep, ""},
		{"collector", "db1.corp.example", true, 0, `re-executed in a UTS namespace of its own for host name "collector", the process's host name is "db1.corp.example"`},
	} {
		step, err := planHostName(tc.want, tc.current, tc.reexecuted)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("planHostName(%q, %q, %v) = %v, %v; want an error containing %q", tc.want, tc.current, tc.reexecuted, step, err, tc.err)
			}
			continue
		}
		if err != nil || step != tc.step {
			t.Errorf("planHostName(%q, %q, %v) = %v, %v; want %v", tc.want, tc.current, tc.reexecuted, step, err, tc.step)
		}
	}
}

// TestSetHostNameRefuses checks the refusal when the re-execution is not
// possible (in-process: no reexec) or fails (the error of a refused
// unshare is passed on): the message names the key, the names and the
// ways out.
func TestSetHostNameRefuses(t *testing.T) {
	machine, err := os.Hostname()
	if err != nil || machine == "neutral-test-name" {
		t.Skipf("host name %q, %v", machine, err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	noenv := func(string) string { return "" }
	for name, reexec := range map[string]reexecFunc{
		"in-process":    nil,
		"unshare EPERM": func(string) error { return fmt.Errorf("unshare(CLONE_NEWUTS): %w", syscall.EPERM) },
		"execve fails":  func(string) error { return errors.New("execve failed") },
	} {
		err := setHostName("neutral-test-name", noenv, reexec, log)
		for _, want := range []string{"bgp.host_name", strconv.Quote(machine), `"neutral-test-name"`, "CAP_SYS_ADMIN", `bgp.host_name: "@machine"`} {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s: setHostName = %v; want an error containing %s", name, err, want)
			}
		}
	}
	if err := setHostName(machine, noenv, nil, log); err != nil {
		t.Errorf("the machine's own name configured: %v", err)
	}
	if err := setHostName(live.HostNameMachine, noenv, nil, log); err != nil {
		t.Errorf("@machine: %v", err)
	}
}

// TestBGPHostNameOpen runs the ixpobs binary with a passive peer, connects
// to it as that peer (a raw TCP socket from 127.0.0.2) and decodes the
// OPEN it sends: capability 73 must carry the configured host name, never
// the machine's unless "@machine" is set. Run as root, it also runs the
// binary as an unprivileged user, with CAP_SYS_ADMIN as its only (ambient)
// capability as the systemd unit grants it, and with no capability, which
// must refuse to start.
func TestBGPHostNameOpen(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the ixpobs binary")
	}
	machine, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	if machine == live.DefaultHostName {
		t.Skipf("this machine is named %q, the default neutral name", machine)
	}
	bin := buildBinary(t)
	root := os.Geteuid() == 0

	t.Run("machine", func(t *testing.T) {
		r := startHostNameCollector(t, bin, `host_name: "@machine"`, nil)
		if got := r.openHostName(t); got != machine {
			t.Errorf("OPEN host name %q, want the machine's %q (opted in)", got, machine)
		}
		if r.ownUTS() {
			t.Error("@machine: the process runs in a UTS namespace of its own")
		}
		r.stop(t)
	})
	t.Run("default", func(t *testing.T) {
		if !root {
			testenv.Missing(t, "root (CAP_SYS_ADMIN) to run ixpobs bgp with the default neutral host name")
		}
		r := startHostNameCollector(t, bin, "", nil)
		if got := r.openHostName(t); got != live.DefaultHostName {
			t.Errorf("OPEN host name %q, want the default %q (the machine is %q)", got, live.DefaultHostName, machine)
		}
		// The process started is the collector (re-executed in place, so
		// kill -9 and supervisors see the right PID), in its own UTS
		// namespace.
		if !r.ownUTS() {
			t.Error("the collector's PID is not in a UTS namespace of its own")
		}
		if !logLine(r.logs.String(), "host name sent to every BGP peer", "host_name=collector") {
			t.Errorf("no log line naming the host name sent:\n%s", r.logs.String())
		}
		if r.capEff(t)&(1<<capSysAdmin) != 0 {
			t.Errorf("the collector kept CAP_SYS_ADMIN (CapEff %#x)", r.capEff(t))
		}
		r.stop(t)
	})
	t.Run("configured name", func(t *testing.T) {
		if !root {
			testenv.Missing(t, "root (CAP_SYS_ADMIN) to run ixpobs bgp with a neutral host name")
		}
		r := startHostNameCollector(t, bin, "host_name: rs-collector.example", nil)
		if got := r.openHostName(t); got != "rs-collector.example" {
			t.Errorf("OPEN host name %q, want rs-collector.example", got)
		}
		r.stop(t)
	})
	// Unprivileged: the binary and its directories must be reachable by
	// nobody (65534).
	nobody := func(t *testing.T, ambient []uintptr) *syscall.SysProcAttr {
		if !root {
			testenv.Missing(t, "root to run ixpobs bgp as an unprivileged user")
		}
		return &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}, AmbientCaps: ambient}
	}
	t.Run("unprivileged with ambient CAP_SYS_ADMIN", func(t *testing.T) {
		attr := nobody(t, []uintptr{capSysAdmin})
		r := startHostNameCollector(t, publicCopy(t, bin), "", attr)
		if got := r.openHostName(t); got != live.DefaultHostName {
			t.Errorf("OPEN host name %q, want %q", got, live.DefaultHostName)
		}
		if c := r.capEff(t); c != 0 {
			t.Errorf("the unprivileged collector has capabilities %#x after re-executing, want none (CAP_SYS_ADMIN dropped)", c)
		}
		r.stop(t)
	})
	t.Run("unprivileged refuses", func(t *testing.T) {
		attr := nobody(t, nil)
		r := startHostNameCollector(t, publicCopy(t, bin), "", attr)
		err := r.cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 1 {
			t.Fatalf("exit %v, want 1 (refused)\n%s", err, r.logs.String())
		}
		for _, want := range []string{"bgp.host_name", strconv.Quote(machine), `"collector"`, "operation not permitted", "CAP_SYS_ADMIN", `"@machine"`} {
			if !strings.Contains(r.logs.String(), want) {
				t.Errorf("the refusal does not say %s:\n%s", want, r.logs.String())
			}
		}
		if _, err := os.Stat(filepath.Join(r.dir, "bgp.db")); err == nil {
			t.Error("the store was created by a collector that refused to start")
		}
	})
}

// hostNameRun is one `ixpobs bgp` started by startHostNameCollector.
type hostNameRun struct {
	cmd  *exec.Cmd
	port int
	dir  string
	logs *lockedBuffer
}

// startHostNameCollector starts bin as `ixpobs bgp` listening on
// 127.0.0.1 for the passive peer 127.0.0.2 (AS65010), with extra in its
// bgp section, under attr.
func startHostNameCollector(t *testing.T, bin, extra string, attr *syscall.SysProcAttr) *hostNameRun {
	t.Helper()
	dir := t.TempDir()
	// Writable by an unprivileged collector (TempDir's parent is 0700).
	os.Chmod(filepath.Dir(dir), 0o711)
	os.Chmod(dir, 0o777)
	r := &hostNameRun{port: birdtest.FreePort(t, "127.0.0.1"), dir: dir, logs: &lockedBuffer{}}
	conf := filepath.Join(dir, "ixpobs.yaml")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(`db: %s
bgp:
  collector: rs-host
  snapshot_interval: 1h
  asn: 65000
  router_id: 127.0.0.1
  listen_addresses: [127.0.0.1]
  listen_port: %d
  metrics_listen: ""
  %s
  peers:
    - {name: rs1, address: 127.0.0.2, asn: 65010, passive: true}
`, filepath.Join(dir, "bgp.db"), r.port, extra)), 0o644); err != nil {
		t.Fatal(err)
	}
	r.cmd = exec.Command(bin, "bgp", "--config", conf)
	r.cmd.Env = append(os.Environ(), "IXPOBS_CONFIG=", "IXPOBS_DB=", hostNameEnv+"=")
	r.cmd.Stdout, r.cmd.Stderr = r.logs, r.logs
	r.cmd.SysProcAttr = attr
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		r.cmd.Process.Kill()
		r.cmd.Wait()
		if t.Failed() {
			t.Logf("ixpobs bgp log:\n%s", birdtest.Tail(r.logs.String(), 3000))
		}
	})
	return r
}

// openHostName connects as the peer and returns the host name of the
// FQDN capability in the collector's OPEN.
func (r *hostNameRun) openHostName(t *testing.T) string {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}, Timeout: time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := d.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(r.port)))
		if err == nil {
			name, err := readOpenHostName(conn)
			conn.Close()
			if err == nil {
				return name
			}
			t.Logf("reading the OPEN: %v", err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("no OPEN from the collector within 30s (last: %v)", err)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// readOpenHostName reads one BGP message from conn, which must be an
// OPEN with exactly one FQDN capability, and returns its host name.
func readOpenHostName(conn net.Conn) (string, error) {
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	hdr := make([]byte, bgp.BGP_HEADER_LENGTH)
	if _, err := io.ReadFull(conn, hdr); err != nil {
		return "", err
	}
	n := int(binary.BigEndian.Uint16(hdr[16:18]))
	if n < bgp.BGP_HEADER_LENGTH {
		return "", fmt.Errorf("message length %d", n)
	}
	msg := make([]byte, n)
	copy(msg, hdr)
	if _, err := io.ReadFull(conn, msg[bgp.BGP_HEADER_LENGTH:]); err != nil {
		return "", err
	}
	m, err := bgp.ParseBGPMessage(msg)
	if err != nil {
		return "", err
	}
	open, ok := m.Body.(*bgp.BGPOpen)
	if !ok {
		return "", fmt.Errorf("first message is %T, not an OPEN", m.Body)
	}
	var names []string
	for _, p := range open.OptParams {
		if c, ok := p.(*bgp.OptionParameterCapability); ok {
			for _, cp := range c.Capability {
				if f, ok := cp.(*bgp.CapFQDN); ok {
					names = append(names, f.HostName)
					if f.DomainName != "" {
						return "", fmt.Errorf("FQDN capability with domain name %q", f.DomainName)
					}
				}
			}
		}
	}
	if len(names) != 1 {
		return "", fmt.Errorf("OPEN has %d FQDN capabilities (%q), want 1", len(names), names)
	}
	return names[0], nil
}

// ownUTS reports whether the collector runs in another UTS namespace than
// the test.
func (r *hostNameRun) ownUTS() bool {
	theirs, err1 := os.Readlink(fmt.Sprintf("/proc/%d/ns/uts", r.cmd.Process.Pid))
	ours, err2 := os.Readlink("/proc/self/ns/uts")
	return err1 == nil && err2 == nil && theirs != ours
}

// capEff is the collector's effective capability set.
func (r *hostNameRun) capEff(t *testing.T) uint64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", r.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "CapEff:"); ok {
			c, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
	}
	t.Fatal("no CapEff in /proc/PID/status")
	return 0
}

// stop ends the collector with SIGTERM: it must exit 0.
func (r *hostNameRun) stop(t *testing.T) {
	t.Helper()
	r.cmd.Process.Signal(syscall.SIGTERM)
	if err := r.cmd.Wait(); err != nil {
		t.Errorf("ixpobs bgp after SIGTERM: %v", err)
	}
}

// publicCopy copies bin where an unprivileged user can run it.
func publicCopy(t *testing.T, bin string) string {
	t.Helper()
	dir := t.TempDir()
	os.Chmod(filepath.Dir(dir), 0o711)
	os.Chmod(dir, 0o755)
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "ixpobs")
	if err := os.WriteFile(p, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// logLine reports whether one line of logs contains every part.
func logLine(logs string, parts ...string) bool {
	for _, l := range strings.Split(logs, "\n") {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(l, p)
		}
		if all {
			return true
		}
	}
	return false
}
