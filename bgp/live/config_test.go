package live_test

import (
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
