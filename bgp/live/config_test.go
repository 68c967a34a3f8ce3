package live_test

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ixpobs/ixpobs/bgp/live"
)

func TestConfigValidate(t *testing.T) {
	base := func() live.Config {
		c := live.DefaultConfig()
		c.ASN, c.RouterID = 65000, "192.0.2.1"
		c.Peers = []live.PeerConfig{{Name: "rs1", Address: "192.0.2.10", ASN: 65010, IXPID: 1}}
		return c
	}
	for _, tc := range []struct {
		name   string
		modify func(*live.Config)
		want   string // substring of the error, "" for valid
	}{
		{"valid", func(*live.Config) {}, ""},
		{"no asn", func(c *live.Config) { c.ASN = 0 }, "asn: must be set"},
		{"ipv6 router id", func(c *live.Config) { c.RouterID = "2001:db8::1" }, "router_id"},
		{"port zero", func(c *live.Config) { c.ListenPort = 0 }, "listen_port: 0"},
		{"no listening is fine for active peers", func(c *live.Config) { c.ListenPort = -1 }, ""},
		{"passive peer without listening", func(c *live.Config) { c.ListenPort = -1; c.Peers[0].Passive = true }, "passive peer but listen_port is -1"},
		{"no peers", func(c *live.Config) { c.Peers = nil }, "no peers and no dynamic ranges"},
		{"bad address", func(c *live.Config) { c.Peers[0].Address = "rs1" }, `address "rs1" is not an IP address`},
		{"duplicate address", func(c *live.Config) { c.Peers = append(c.Peers, c.Peers[0]) }, "already used by peers[0]"},
		{"hold time 2s", func(c *live.Config) { c.Peers[0].HoldTime = 2 * time.Second }, "at least 3s (RFC 4271)"},
		{"hold time 3s", func(c *live.Config) { c.Peers[0].HoldTime = 3 * time.Second }, ""},
		{"fractional hold time", func(c *live.Config) { c.Peers[0].HoldTime = 3500 * time.Millisecond }, "whole seconds"},
		{"warn percent", func(c *live.Config) { c.Peers[0].MaxPrefix.WarnPercent = 101 }, "warn_percent 101"},
		{"dynamic host bits", func(c *live.Config) {
			c.Dynamic = []live.DynamicConfig{{Name: "lan", Prefix: "192.0.2.1/24"}}
		}, "host bits set"},
		{"dynamic without name", func(c *live.Config) { c.Dynamic = []live.DynamicConfig{{Prefix: "192.0.2.0/24"}} }, "name must be set"},
		{"dynamic without listening", func(c *live.Config) {
			c.ListenPort = -1
			c.Dynamic = []live.DynamicConfig{{Name: "lan", Prefix: "192.0.2.0/24"}}
		}, "dynamic neighbours need listening"},
		{"dynamic_promote_max -1 (never)", func(c *live.Config) { c.DynamicPromoteMax = -1 }, ""},
		{"dynamic_promote_max -2", func(c *live.Config) { c.DynamicPromoteMax = -2 }, "dynamic_promote_max: -2"},
		{"dynamic_promote_max over the cap", func(c *live.Config) { c.DynamicPromoteMax = live.MaxDynamicPromoteMax + 1 }, "dynamic_promote_max: 65537"},
		{"queue_size 99999999999", func(c *live.Config) { c.QueueSize = 99999999999 }, "queue_size: 99999999999: must be 0 (default 262144) to 4194304 events"},
		{"queue_size at the cap", func(c *live.Config) { c.QueueSize = live.MaxQueueSize }, ""},
		{"negative queue_size", func(c *live.Config) { c.QueueSize = -1 }, "queue_size: -1"},
		{"shutdown_grace a year", func(c *live.Config) { c.ShutdownGrace = 8760 * time.Hour }, "shutdown_grace: 8760h0m0s: must be 0 to 1m0s"},
		{"max_prefix over the cap", func(c *live.Config) { c.Peers[0].MaxPrefix.IPv4 = 4000000000 }, "max_prefix ipv4 4000000000"},
		{"restart_after over the cap", func(c *live.Config) { c.Peers[0].MaxPrefix.RestartAfter = 30 * 24 * time.Hour }, "max_prefix.restart_after 720h0m0s"},
		{"reconnect_max over the cap", func(c *live.Config) { c.Peers[0].ReconnectMax = 48 * time.Hour }, "reconnect_max 48h0m0s: at most 24h0m0s"},
		{"too many listen addresses", func(c *live.Config) {
			for range live.MaxListenAddresses + 1 {
				c.ListenAddresses = append(c.ListenAddresses, "127.0.0.1")
			}
		}, "listen_addresses: 65 addresses: at most 64"},
		{"too many peers", func(c *live.Config) {
			for i := range live.MaxPeers {
				c.Peers = append(c.Peers, live.PeerConfig{Address: netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}).String(), ASN: 65011})
			}
		}, "peers: 10001 peers: at most 10000"},
		{"long name", func(c *live.Config) { c.Peers[0].Name = strings.Repeat("x", 256) }, "name longer than 255 bytes"},
		{"eor_timeout under 1s", func(c *live.Config) { c.EORTimeout = time.Millisecond }, "eor_timeout: 1ms"},
		{"eor_timeout over the cap", func(c *live.Config) { c.EORTimeout = 2 * time.Hour }, "eor_timeout: 2h0m0s"},
		{"carry_max below eor_timeout", func(c *live.Config) { c.EORTimeout, c.CarryMax = time.Minute, time.Second }, "carry_max: 1s: must be at least eor_timeout (1m0s)"},
		{"carry_max over the cap", func(c *live.Config) { c.CarryMax = 8 * 24 * time.Hour }, "carry_max: 192h0m0s"},
		{"dynamic 0.0.0.0/0 refused", func(c *live.Config) {
			c.Dynamic = []live.DynamicConfig{{Name: "all", Prefix: "0.0.0.0/0"}}
		}, "prefix 0.0.0.0/0 is every address"},
		{"dynamic ::/0 refused", func(c *live.Config) {
			c.Dynamic = []live.DynamicConfig{{Name: "all", Prefix: "::/0"}}
		}, "prefix ::/0 is every address"},
		{"dynamic 0.0.0.0/0 with allow_all_addresses", func(c *live.Config) {
			c.AllowAllAddresses = true
			c.Dynamic = []live.DynamicConfig{{Name: "all", Prefix: "0.0.0.0/0"}}
		}, ""},
		{"dynamic 0.0.0.0/1 is not every address", func(c *live.Config) {
			c.Dynamic = []live.DynamicConfig{{Name: "half", Prefix: "0.0.0.0/1"}}
		}, ""},
		{"metrics on every address refused", func(c *live.Config) { c.MetricsListen = ":9477" }, `metrics_listen: ":9477" is not a loopback address`},
		{"metrics on 0.0.0.0 refused", func(c *live.Config) { c.MetricsListen = "0.0.0.0:9477" }, "not a loopback address"},
		{"metrics on a LAN address refused", func(c *live.Config) { c.MetricsListen = "192.0.2.1:9477" }, "not a loopback address"},
		{"metrics on a host name refused", func(c *live.Config) { c.MetricsListen = "collector.example:9477" }, "not a loopback address"},
		{"metrics on ::1", func(c *live.Config) { c.MetricsListen = "[::1]:9477" }, ""},
		{"metrics on localhost", func(c *live.Config) { c.MetricsListen = "localhost:9477" }, ""},
		{"metrics on 127.0.0.2", func(c *live.Config) { c.MetricsListen = "127.0.0.2:9477" }, ""},
		{"metrics public", func(c *live.Config) { c.MetricsListen, c.MetricsPublic = ":9477", true }, ""},
		{"metrics without a port", func(c *live.Config) { c.MetricsListen = "127.0.0.1" }, "metrics_listen"},
		{"host_name neutral", func(c *live.Config) { c.HostName = "bgp-collector.example" }, ""},
		{"host_name @machine", func(c *live.Config) { c.HostName = live.HostNameMachine }, ""},
		{"host_name 64 bytes", func(c *live.Config) { c.HostName = strings.Repeat("a", 64) }, ""},
		{"host_name 65 bytes", func(c *live.Config) { c.HostName = strings.Repeat("a", 65) }, "must be 1 to 64 bytes"},
		{"host_name with a space", func(c *live.Config) { c.HostName = "my host" }, `host_name: "my host": not a host name (' ': only letters`},
		{"host_name other @ value", func(c *live.Config) { c.HostName = "@host" }, `or "@machine" to send the machine's own host name`},
		{"host_name leading hyphen", func(c *live.Config) { c.HostName = "-x" }, "starting or ending with a hyphen"},
		{"host_name empty label", func(c *live.Config) { c.HostName = "a..b" }, "empty label"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := base()
			tc.modify(&c)
			err := c.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("Validate() = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestConfigYAMLStrict(t *testing.T) {
	const doc = `
asn: 65000
router_id: 192.0.2.1
listen_port: 1179
peers:
  - name: rs1.ix.example
    address: 192.0.2.10
    asn: 65010
    ixp_id: 171
    passive: true
    password: s3cret
    ttl_security: 1
    hold_time: 30s
    max_prefix: {ipv4: 250000, ipv6: 60000, warn_percent: 90, restart_after: 15m}
dynamic:
  - {name: lan, prefix: "192.0.2.0/24", ixp_id: 171}
dynamic_promote_max: 64
`
	cfg := live.DefaultConfig()
	dec := yaml.NewDecoder(strings.NewReader(doc))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	p := cfg.Peers[0]
	if p.HoldTime != 30*time.Second || p.MaxPrefix.RestartAfter != 15*time.Minute || p.TTLSecurity != 1 || p.IXPID != 171 || cfg.QueueSize != live.DefaultQueueSize || cfg.DynamicPromoteMax != 64 {
		t.Errorf("decoded %+v, want hold 30s, restart 15m, ttl 1, ixp 171, default queue size, dynamic_promote_max 64", cfg)
	}
	dec = yaml.NewDecoder(strings.NewReader("asn: 1\nrouterid: 192.0.2.1\n"))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err == nil {
		t.Error("Decode with unknown field routerid = nil, want an error")
	}
}

func TestHostNameOrDefault(t *testing.T) {
	for in, want := range map[string]string{"": live.DefaultHostName, "rs-collector": "rs-collector", live.HostNameMachine: live.HostNameMachine} {
		c := live.Config{HostName: in}
		if got := c.HostNameOrDefault(); got != want {
			t.Errorf("HostNameOrDefault(%q) = %q, want %q", in, got, want)
		}
	}
	if err := live.ValidHostName(live.DefaultHostName); err != nil {
		t.Errorf("the default host name is not valid: %v", err)
	}
}
