package indicator_test

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/indicator"
	"github.com/ixpobs/ixpobs/ixp"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func upper(cc string) string { return strings.ToUpper(cc) }

func asns(a ...ixp.ASN) map[ixp.ASN]bool {
	m := map[ixp.ASN]bool{}
	for _, x := range a {
		m[x] = true
	}
	return m
}

func TestARDAHandmade(t *testing.T) {
	rir := indicator.RIRData{At: day("2022-03-31"),
		ASNs:     indicator.Registry{1: "BR", 2: "BR", 3: "BR", 4: "BR", 10: "AR", 11: "US"},
		Prefixes: map[string][]string{"BR": {"10.0.0.0/16", "10.1.0.0/16", "10.2.0.0/16", "2001:db8::/32"}, "AR": {"11.0.0.0/8"}}}
	rs := indicator.Vantage{Source: "bgp:alicelg-ixbr-sp-rs1", Type: "alicelg", IXID: 171, Country: "br", At: day("2022-06-01"),
		PathASNs: asns(1, 2, 10, 11),
		Prefixes: []indicator.SeenPrefix{
			{Prefix: "10.0.1.0/24", Origin: 1},                 // inside 10.0.0.0/16
			{Prefix: "10.0.0.0/8", Origin: 2},                  // covers all three v4 blocks
			{Prefix: "2001:db8:1::/48", IPv6: true, Origin: 2}, // inside the v6 block
			{Prefix: "11.0.0.0/8", Origin: 10},
		}}
	partial := rs
	partial.Source, partial.Partial, partial.PathASNs = "bgp:other", true, asns(3, 4)
	stale := rs
	stale.Source, stale.At, stale.PathASNs = "bgp:stale", day("2022-03-01"), asns(3, 4)
	foreign := rs
	foreign.Source, foreign.Country, foreign.PathASNs = "bgp:ar", "AR", asns(3, 4)
	vs := []indicator.Vantage{rs, partial, stale, foreign}

	tests := []struct {
		name string
		at   time.Time
		rirs []indicator.RIRData
		want string
	}{
		{"full", day("2022-06-01"), []indicator.RIRData{rir},
			"v=1 rir=2022-03-31 asn=2/4 ext=2/4 pfx=4/4 v6=1/3 v6asn=1/2"},
		{"before any vantage", day("2022-05-31"), []indicator.RIRData{rir}, "v=0 unknown"},
		{"vantage too old", day("2022-07-05"), []indicator.RIRData{rir}, "v=0 unknown"},
		{"RIR outside window", day("2022-06-01"), []indicator.RIRData{{At: day("2021-01-01"), ASNs: rir.ASNs}}, "v=1 unknown"},
		{"no RIR file of the country", day("2022-06-01"), []indicator.RIRData{{At: day("2022-06-01"), ASNs: indicator.Registry{11: "US"}}}, "v=1 unknown"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := indicator.ComputeARDA("BR", tc.at, vs, tc.rirs, indicator.DefaultPairing, upper)
			if got := summary(a); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func summary(a indicator.ARDA) string {
	if a.ASNShare == nil {
		if a.RIRDate != nil || a.ReachableASNs != nil || a.IPv6Share != nil || a.PrefixShare != nil {
			return "unknown share with known parts"
		}
		return fmt.Sprintf("v=%d unknown", len(a.Vantages))
	}
	return fmt.Sprintf("v=%d rir=%s asn=%d/%d ext=%d/%d pfx=%d/%d v6=%d/%d v6asn=%d/%d", len(a.Vantages), *a.RIRDate,
		*a.ReachableASNs, *a.RegisteredASNs, *a.ExternalASNs, *a.ReachableTotal, *a.AnnouncedPrefixes, *a.DelegatedPrefixes,
		*a.IPv6Prefixes, *a.LocalPrefixes, *a.IPv6ASNs, *a.ReachableASNs)
}

func TestNearestRIR(t *testing.T) {
	rirs := []indicator.RIRData{{At: day("2022-01-01")}, {At: day("2022-03-01")}, {At: day("2022-05-01")}}
	w := 60 * 24 * time.Hour
	for _, tc := range []struct {
		at   string
		want int
	}{{"2022-03-01", 1}, {"2022-03-31", 1}, {"2022-04-01", 2}, {"2022-06-30", 2}, {"2022-07-01", -1}, {"2021-11-02", 0}, {"2021-11-01", -1}} {
		if got := indicator.NearestRIR(rirs, day(tc.at), w); got != tc.want {
			t.Errorf("NearestRIR(%s) = %d, want %d", tc.at, got, tc.want)
		}
	}
	// A tie goes to the earlier file.
	if got := indicator.NearestRIR(rirs, day("2022-01-30").Add(12*time.Hour), w); got != 0 {
		t.Errorf("tie: got %d, want 0", got)
	}
}

// GenARDA generates a country with n registered ASNs and a route server
// seeing about half of them plus foreign ASNs, with prefixes of both
// families (our own generator, not real data).
func GenARDA(seed uint64, n int) ([]indicator.Vantage, []indicator.RIRData) {
	r := rand.New(rand.NewPCG(seed, 1))
	rir := indicator.RIRData{At: day("2022-05-30"), ASNs: indicator.Registry{}, Prefixes: map[string][]string{}}
	v := indicator.Vantage{Source: "bgp:gen", Type: "alicelg", IXID: 1, Country: "BR", At: day("2022-06-01"), PathASNs: map[ixp.ASN]bool{}}
	for i := 0; i < n; i++ {
		asn := ixp.ASN(100000 + i)
		rir.ASNs[asn] = "BR"
		rir.ASNs[ixp.ASN(300000+i)] = "AR"
		b := netip.AddrFrom4([4]byte{byte(10 + i>>16), byte(i >> 8), byte(i), 0})
		rir.Prefixes["BR"] = append(rir.Prefixes["BR"], netip.PrefixFrom(b, 22+r.IntN(3)).Masked().String())
		if r.IntN(2) == 0 {
			continue
		}
		v.PathASNs[asn] = true
		if r.IntN(4) == 0 {
			v.PathASNs[ixp.ASN(300000+i)] = true
		}
		for k := 0; k < 1+r.IntN(3); k++ {
			p := netip.PrefixFrom(b, 20+r.IntN(6)).Masked()
			v.Prefixes = append(v.Prefixes, indicator.SeenPrefix{Prefix: p.String(), Origin: asn})
		}
		if r.IntN(3) == 0 {
			a6 := netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, byte(i >> 8), byte(i)})
			v.Prefixes = append(v.Prefixes, indicator.SeenPrefix{Prefix: netip.PrefixFrom(a6, 48).String(), IPv6: true, Origin: asn})
		}
	}
	return []indicator.Vantage{v}, []indicator.RIRData{rir}
}

// TestARDAIndependent checks ComputeARDA on generated data against a
// brute-force computation (every delegated prefix against every seen one).
func TestARDAIndependent(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		vs, rirs := GenARDA(seed, 300)
		a := indicator.ComputeARDA("BR", day("2022-06-01"), vs, rirs, indicator.DefaultPairing, upper)
		want := bruteARDA(vs, rirs)
		if got := summary(a); got != want {
			t.Errorf("seed %d: got %q, want %q", seed, got, want)
		}
	}
}

// bruteARDA computes the indicators of BR on generated data by brute
// force (every delegated prefix against every seen one).
func bruteARDA(vs []indicator.Vantage, rirs []indicator.RIRData) string {
	reg, reach, ext := 0, 0, 0
	for _, cc := range rirs[0].ASNs {
		if cc == "BR" {
			reg++
		}
	}
	for asn := range vs[0].PathASNs {
		if rirs[0].ASNs[asn] == "BR" {
			reach++
		} else {
			ext++
		}
	}
	ann := 0
	for _, d := range rirs[0].Prefixes["BR"] {
		dp := netip.MustParsePrefix(d)
		for _, s := range vs[0].Prefixes {
			if netip.MustParsePrefix(s.Prefix).Overlaps(dp) {
				ann++
				break
			}
		}
	}
	v6, all := map[string]bool{}, map[string]bool{}
	for _, s := range vs[0].Prefixes {
		all[s.Prefix] = true
		if s.IPv6 {
			v6[s.Prefix] = true
		}
	}
	return fmt.Sprintf("v=1 rir=2022-05-30 asn=%d/%d ext=%d/%d pfx=%d/%d v6=%d/%d v6asn=%d/%d", reach, reg, ext, reach+ext,
		ann, len(rirs[0].Prefixes["BR"]), len(v6), len(all), len(v6), reach)
}

func TestARDAHistory(t *testing.T) {
	vs, rirs := GenARDA(7, 50)
	second := vs[0]
	second.At = day("2022-06-15")
	second.Prefixes = append(second.Prefixes[:len(second.Prefixes):len(second.Prefixes)],
		indicator.SeenPrefix{Prefix: "2001:db8:ffff::/48", IPv6: true, Origin: 100000})
	h := indicator.ARDAHistory("BR", append(vs, second), rirs, indicator.DefaultPairing, upper)
	if len(h) != 2 || h[0].Date != "2022-06-01" || h[1].Date != "2022-06-15" {
		t.Fatalf("history dates: %+v", h)
	}
	if h[0].IPv6ShareChange != nil || h[1].IPv6ShareChange == nil || *h[1].IPv6ShareChange <= 0 {
		t.Errorf("IPv6 change: %v, %v", h[0].IPv6ShareChange, h[1].IPv6ShareChange)
	}
}

func BenchmarkARDA(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		vs, rirs := GenARDA(1, n)
		b.Run(fmt.Sprintf("asns=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				indicator.ComputeARDA("BR", day("2022-06-01"), vs, rirs, indicator.DefaultPairing, upper)
			}
		})
		if n > 1000 {
			continue // quadratic: a few seconds per run at 10,000
		}
		b.Run(fmt.Sprintf("brute-force/asns=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				bruteARDA(vs, rirs)
			}
		})
	}
}
