package ixp

import "testing"

func TestSourceIDs(t *testing.T) {
	tests := []struct{ got, want string }{
		{IXFSource("de-cix"), "ixf:de-cix"},
		{RIRSource("lacnic"), "rir:lacnic"},
		{BGPSource("rrc15"), "bgp:rrc15"},
		{AliceLGSource("ixbr"), "alicelg:ixbr"},
		{CanonicalSource("mrt:rrc15"), "bgp:rrc15"},
		{CanonicalSource("bgp:rrc15"), "bgp:rrc15"},
		{CanonicalSource("mrt"), "mrt"},
		{CanonicalSource(SourcePeeringDB), "peeringdb"},
		{CanonicalSource("ixf:mrt:x"), "ixf:mrt:x"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
