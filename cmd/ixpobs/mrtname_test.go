package main

import "testing"

func TestCollectorFromFile(t *testing.T) {
	for _, tt := range []struct{ path, want string }{
		{"/data/rrc15_bview.20240101.0000.gz", "rrc15"},
		{"rrc24.bview.20240101.0000.gz", "rrc24"},
		{"route-views.sg.rib.20240101.0000.bz2", "route-views.sg"},
		{"dl/route-collector.scl.pch.net-ipv4_bgp_routes.2026.11.27.gz", "pch-scl"},
		{"route-collector.decix-ny.lga.pch.net-ipv6_bgp_routes.2026.11.27.gz", "pch-decix-ny.lga"},
		{"bview.20240101.0000.gz", "mrt"},
		{"dump.mrt", "mrt"},
	} {
		if got := collectorFromFile(tt.path); got != tt.want {
			t.Errorf("collectorFromFile(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}
}
