package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// bgpConfigYAML is a valid bgp section; extra lines are appended to it.
const bgpConfigYAML = `bgp:
  collector: rs-test
  asn: 65000
  router_id: 127.0.0.1
  listen_port: 1179
  host_name: "@machine"   # in-process: no re-execution in a UTS namespace
  peers:
    - {name: rs1, address: 192.0.2.1, asn: 65010}
`

// runBGPConfig runs `ixpobs bgp` with the bgp section plus extra and
// returns its exit code and stderr. Every case refuses the config before
// opening the store or any socket.
func runBGPConfig(t *testing.T, dir, extra string, args ...string) (int, string) {
	t.Helper()
	conf := filepath.Join(dir, "ixpobs.yaml")
	if err := os.WriteFile(conf, []byte("db: "+filepath.Join(dir, "x.db")+"\n"+bgpConfigYAML+extra), 0o600); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // a config that passes would stop at once
	code := run(ctx, append([]string{"bgp", "--config", conf}, args...), &bytes.Buffer{}, &stderr, func(string) string { return "" })
	return code, stderr.String()
}

// TestQueueSize99999999999 is the case: a queue of 99,999,999,999
// events made `ixpobs bgp` die of a fatal out-of-memory at start. It is
// now refused when the config is loaded, with the bound in the message.
func TestQueueSize99999999999(t *testing.T) {
	dir := t.TempDir()
	code, stderr := runBGPConfig(t, dir, "  queue_size: 99999999999\n")
	if code == 0 || !strings.Contains(stderr, "queue_size: 99999999999: must be 0 (default 262144) to 4194304 events") {
		t.Fatalf("exit %d, stderr %q: want a refusal naming queue_size and its bound", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "x.db")); err == nil {
		t.Error("the store was created for a refused config")
	}
}

// TestBGPConfigBounds checks the other refusals of issue 20 item 7 at
// config load: an all-addresses dynamic range, a public metrics listener
// (in the config and by flag), a memory limit out of range.
func TestBGPConfigBounds(t *testing.T) {
	for _, tc := range []struct {
		name, extra string
		args        []string
		want        string // "" when the config is accepted
	}{
		{"dynamic 0.0.0.0/0", "  dynamic: [{name: all, prefix: 0.0.0.0/0}]\n", nil, "prefix 0.0.0.0/0 is every address"},
		{"dynamic ::/0", "  dynamic: [{name: all, prefix: \"::/0\"}]\n", nil, "prefix ::/0 is every address"},
		{"dynamic 0.0.0.0/0 allowed", "  allow_all_addresses: true\n  dynamic: [{name: all, prefix: 0.0.0.0/0}]\n  metrics_listen: \"\"\n", nil, ""},
		{"metrics on every address", "  metrics_listen: \":9477\"\n", nil, `metrics_listen: ":9477" is not a loopback address`},
		{"metrics flag on every address", "", []string{"--metrics-listen", "0.0.0.0:9477"}, `--metrics-listen: metrics_listen: "0.0.0.0:9477" is not a loopback address`},
		{"metrics public", "  metrics_public: true\n  metrics_listen: \"127.0.0.1:0\"\n", []string{"--metrics-listen", ":0"}, ""},
		{"memory_limit too small", "  memory_limit: 1MiB\n", nil, "bgp.memory_limit 1MiB: must be 0 (none) or 64MiB to 1TiB"},
		{"memory_limit not a size", "  memory_limit: lots\n", nil, `size "lots"`},
		{"memory_limit overflow", "  memory_limit: 99999999999TiB\n", nil, `size "99999999999TiB"`},
		{"memory_limit 1400MiB", "  memory_limit: 1400MiB\n  metrics_listen: \"\"\n", nil, ""},
		{"snapshot_interval a week", "  snapshot_interval: 168h\n", nil, "bgp.snapshot_interval 168h0m0s: at most 24h0m0s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stderr := runBGPConfig(t, t.TempDir(), tc.extra, tc.args...)
			switch {
			case tc.want == "" && !strings.Contains(stderr, "x.db: context canceled"):
				// An accepted config goes on to open the store, which
				// the cancelled context stops.
				t.Errorf("exit %d, stderr %q: want the config accepted (the store opened)", code, stderr)
			case tc.want != "" && (code == 0 || !strings.Contains(stderr, tc.want)):
				t.Errorf("exit %d, stderr %q: want a refusal containing %q", code, stderr, tc.want)
			}
		})
	}
}

func TestParseByteSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want ByteSize
		ok   bool
	}{
		{"1400MiB", 1400 << 20, true}, {"2GiB", 2 << 30, true}, {"1500000000", 1500000000, true},
		{"2 GB", 2e9, true}, {"512KiB", 512 << 10, true}, {"0", 0, true},
		{"-1MiB", 0, false}, {"1.5GiB", 0, false}, {"", 0, false}, {"9223372036854775807KiB", 0, false},
	} {
		got, err := ParseByteSize(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseByteSize(%q) = %d, %v; want %d, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}
