package indicator_test

import (
	"strings"
	"testing"

	"github.com/ixpobs/ixpobs/indicator"
	"github.com/ixpobs/ixpobs/ixp"
)

func TestCountryIndicators(t *testing.T) {
	ms := []indicator.Membership{
		{Exchange: ixp.Exchange{ID: 1, Country: "BR"}, Stats: ixp.ExchangeStats{Members: 3, Connections: 4, CapacityMbps: 1000},
			Members: []ixp.ASN{1, 2, 3}, IPv6Members: []ixp.ASN{1}},
		{Exchange: ixp.Exchange{ID: 2, Country: "br"}, Stats: ixp.ExchangeStats{Members: 2, Connections: 2, CapacityMbps: 10},
			Members: []ixp.ASN{3, 9}, IPv6Members: []ixp.ASN{3}},
		{Exchange: ixp.Exchange{ID: 3, Country: "UK"}, Stats: ixp.ExchangeStats{Members: 1, Connections: 1}, Members: []ixp.ASN{5}},
	}
	reg := indicator.Registry{1: "BR", 2: "BR", 4: "BR", 9: "AR", 5: "GB", 7: "CL"}
	norm := func(cc string) string {
		cc = strings.ToUpper(cc)
		if cc == "UK" {
			return "GB"
		}
		return cc
	}
	got := indicator.CountryIndicators(ms, reg, norm, nil)
	br := got["BR"]
	if br.IXPs != 2 || br.ActiveIXPs != 1 || br.Members != 4 || br.Connections != 6 || br.CapacityMbps != 1010 || br.IPv6Members != 2 {
		t.Errorf("BR = %+v", br)
	}
	// Registered in BR: 1, 2, 4; at a BR IXP: 1, 2 (9 is Argentinian).
	if *br.RegisteredASNs != 3 || *br.LocalASNs != 2 || *br.LocalParticipation != 2.0/3 {
		t.Errorf("BR registered %d local %d participation %v, want 3, 2, 2/3", *br.RegisteredASNs, *br.LocalASNs, *br.LocalParticipation)
	}
	if gb := got["GB"]; gb.IXPs != 1 || *gb.LocalASNs != 1 {
		t.Errorf("GB (from UK) = %+v", gb)
	}
	if cl := got["CL"]; cl.IXPs != 0 || *cl.RegisteredASNs != 1 || *cl.LocalParticipation != 0 {
		t.Errorf("CL (no IXP) = %+v", cl)
	}
	if ar := got["AR"]; ar.IXPs != 0 || *ar.LocalASNs != 0 {
		t.Errorf("AR = %+v: AS9 registered in AR connects only in BR", ar)
	}
	noRIR := indicator.CountryIndicators(ms, nil, norm, nil)
	if noRIR["BR"].RegisteredASNs != nil || noRIR["BR"].LocalParticipation != nil {
		t.Errorf("without RIR data the registered figures must be absent: %+v", noRIR["BR"])
	}
	grp := indicator.GroupIndicators(ms, reg, norm, func(cc string) bool { return cc == "BR" || cc == "AR" }, nil, []string{"AR", "BR"})
	if grp.IXPs != 2 || grp.Members != 4 || *grp.RegisteredASNs != 4 || *grp.LocalASNs != 3 {
		t.Errorf("BR+AR = %+v registered %d local %d, want 2 IXPs, 4 members, 4 registered, 3 local", grp, *grp.RegisteredASNs, *grp.LocalASNs)
	}
}

// TestUncoveredRegistry: with only a LACNIC file, a country LACNIC does not
// serve has unknown registered ASNs (nil), not 0, and a group total adds
// the covered countries only and says how many were not.
func TestUncoveredRegistry(t *testing.T) {
	ms := []indicator.Membership{
		{Exchange: ixp.Exchange{ID: 1, Country: "BR"}, Members: []ixp.ASN{1}},
		{Exchange: ixp.Exchange{ID: 2, Country: "US"}, Members: []ixp.ASN{1, 7}},
	}
	reg := indicator.Registry{1: "BR", 2: "BR", 7: "US"} // AS7: a LACNIC delegation to a US address
	lacOnly := func(cc string) bool { return cc == "BR" }
	got := indicator.CountryIndicators(ms, reg, strings.ToUpper, lacOnly)
	if us := got["US"]; us.RegisteredASNs != nil || us.LocalParticipation != nil || us.Members != 2 {
		t.Errorf("US without its registry = %+v, want unknown registered figures and 2 members", us)
	}
	if br := got["BR"]; br.RegisteredASNs == nil || *br.RegisteredASNs != 2 || *br.LocalParticipation != 0.5 {
		t.Errorf("BR = %+v, want 2 registered, 50%%", br)
	}
	world := indicator.GroupIndicators(ms, reg, strings.ToUpper, func(string) bool { return true }, lacOnly, []string{"BR", "US"})
	if world.RegisteredASNs == nil || *world.RegisteredASNs != 2 || *world.LocalASNs != 1 || world.UncoveredCountries != 1 {
		t.Errorf("world = %+v, want 2 registered (BR only), 1 local, 1 country without RIR data", world)
	}
	none := indicator.GroupIndicators(ms, reg, strings.ToUpper, func(cc string) bool { return cc == "US" }, lacOnly, []string{"US"})
	if none.RegisteredASNs != nil || none.UncoveredCountries != 0 {
		t.Errorf("US-only group = %+v, want unknown registered figures", none)
	}
}

func TestAddBGP(t *testing.T) {
	reg := indicator.Registry{1: "BR", 2: "BR", 3: "AR"}
	stats := indicator.CountryIndicators(nil, reg, strings.ToUpper, nil)
	collectors := []indicator.CollectorView{
		{Country: "BR", Origins: map[ixp.ASN]bool{1: true, 3: true},
			Prefixes: []indicator.SeenPrefix{{Prefix: "10.0.0.0/8", Origin: 1}, {Prefix: "2001:db8::/32", IPv6: true, Origin: 1}, {Prefix: "11.0.0.0/8", Origin: 3}}},
		{Country: "", Origins: map[ixp.ASN]bool{2: true},
			Prefixes: []indicator.SeenPrefix{{Prefix: "12.0.0.0/8", Origin: 2}, {Prefix: "10.0.0.0/8", Origin: 1}}},
	}
	indicator.AddBGP(stats, reg, collectors, strings.ToUpper)
	br := stats["BR"].BGP
	if br == nil || br.RoutedPrefixes != 3 || br.IPv6Prefixes != 1 || br.LocalPrefixes != 2 || *br.ReachableASNs != 1 || *br.Reachability != 0.5 || br.LocalCollectors != 1 {
		t.Errorf("BR bgp = %+v", br)
	}
	// AS3 (AR) is seen at the Brazilian collector: routed, not local to AR.
	if ar := stats["AR"].BGP; ar.RoutedPrefixes != 1 || ar.LocalPrefixes != 0 || *ar.ReachableASNs != 0 {
		t.Errorf("AR bgp = %+v", ar)
	}
}
