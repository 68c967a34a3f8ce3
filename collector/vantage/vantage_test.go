package vantage_test

import (
	"net/netip"
	"testing"

	"github.com/ixpobs/ixpobs/collector/vantage"
	"github.com/ixpobs/ixpobs/ixp"
)

func addrs(s ...string) []netip.Addr {
	out := make([]netip.Addr, len(s))
	for i, a := range s {
		out[i] = netip.MustParseAddr(a)
	}
	return out
}

func TestTie(t *testing.T) {
	lans := vantage.LANs([]ixp.ExchangePrefix{
		{IXID: 171, Prefix: "187.16.216.0/21"}, {IXID: 171, Prefix: "2001:12f8::/64"},
		{IXID: 177, Prefix: "45.6.52.0/22"},
		{IXID: 0, Prefix: "10.0.0.0/8"},   // unresolved exchange: skipped
		{IXID: 9, Prefix: "not a prefix"}, // skipped
	})
	if len(lans) != 3 {
		t.Fatalf("LANs = %v", lans)
	}
	tests := []struct {
		name     string
		addrs    []netip.Addr
		override int64
		want     vantage.Match
	}{
		{"both families at one exchange", addrs("187.16.216.1", "187.16.217.9", "2001:12f8::20", "45.6.52.1"), 0,
			vantage.Match{IXID: 171, By: "peer-addresses", Matched: 3, Addresses: 4}},
		{"IPv4-mapped", addrs("::ffff:45.6.52.7", "45.6.53.1"), 0, vantage.Match{IXID: 177, By: "peer-addresses", Matched: 2, Addresses: 2}},
		{"multihop: not tied", addrs("8.8.8.8", "1.1.1.1", "187.16.216.1"), 0, vantage.Match{Addresses: 3}},
		{"tie between exchanges", addrs("187.16.216.1", "45.6.52.1"), 0, vantage.Match{Addresses: 2}},
		{"override wins", addrs("187.16.216.1"), 710, vantage.Match{IXID: 710, By: "override", Addresses: 1}},
		{"no addresses", nil, 0, vantage.Match{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := vantage.Tie(tc.addrs, lans, tc.override); got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}
