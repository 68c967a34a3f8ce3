package indicator

import (
	"sort"

	"github.com/ixpobs/ixpobs/ixp"
)

// Membership is who is connected at one exchange at one date.
type Membership struct {
	Exchange    ixp.Exchange
	Stats       ixp.ExchangeStats
	Members     []ixp.ASN // distinct, sorted
	IPv6Members []ixp.ASN // distinct, sorted: with a connection that has an IPv6 address
}

// CountryStats are the digital-divide indicators of a country (or of a
// group of countries) at one date. See docs/INDICATORS.md.
type CountryStats struct {
	IXPs         int   `json:"ixps"`
	ActiveIXPs   int   `json:"active_ixps"`
	Members      int   `json:"members"` // distinct ASNs connected at a local IXP
	Connections  int   `json:"connections"`
	CapacityMbps int64 `json:"capacity_mbps"`
	IPv6Members  int   `json:"ipv6_members"`
	// IPv6Share is IPv6Members / Members (0 without members).
	IPv6Share float64 `json:"ipv6_share"`
	// RegisteredASNs: ASNs allocated or assigned to the country in the
	// RIR files paired with the PeeringDB snapshot (indicator.Nearest,
	// docs/INDICATORS.md); nil when the country's registry has none.
	RegisteredASNs *int `json:"registered_asns"`
	// LocalASNs: registered ASNs with a connection at a local IXP.
	LocalASNs *int `json:"registered_asns_at_local_ixps"`
	// LocalParticipation: LocalASNs / RegisteredASNs.
	LocalParticipation *float64 `json:"local_participation"`
	// UncoveredCountries (totals of a group only): how many of the
	// group's countries have no RIR file paired, so are left out of the
	// registered figures.
	UncoveredCountries int `json:"countries_without_rir_data,omitempty"`

	// BGP figures, present when BGP collector data exists (see
	// AddBGP and docs/INDICATORS.md).
	BGP *CountryBGP `json:"bgp,omitempty"`
}

// CountryBGP are the BGP indicators of a country.
type CountryBGP struct {
	// RoutedPrefixes: distinct prefixes seen by any collector whose origin
	// ASN is registered to the country; IPv6Prefixes of them are IPv6.
	RoutedPrefixes int     `json:"routed_prefixes"`
	IPv6Prefixes   int     `json:"routed_ipv6_prefixes"`
	IPv6Share      float64 `json:"routed_ipv6_share"`
	// LocalPrefixes: those seen by a collector at an IXP of the country.
	LocalPrefixes int     `json:"locally_reachable_prefixes"`
	PrefixShare   float64 `json:"locally_reachable_prefix_share"`
	// ReachableASNs: registered ASNs of the country seen as origin by a
	// collector at a local IXP; Reachability = ReachableASNs / registered.
	LocalCollectors int      `json:"local_collectors"`
	ReachableASNs   *int     `json:"locally_reachable_asns"`
	Reachability    *float64 `json:"bgp_reachability"`
}

// CollectorView is what one BGP collector saw at a date.
type CollectorView struct {
	// Country of the IXP the collector is at ("" when not at an IXP).
	Country string
	// Origins seen as origin ASNs.
	Origins map[ixp.ASN]bool
	// Prefixes seen, with their first origin ASN.
	Prefixes []SeenPrefix
}

// SeenPrefix is a prefix seen by a collector.
type SeenPrefix struct {
	Prefix string
	IPv6   bool
	Origin ixp.ASN
}

// AddBGP adds the BGP indicators to every country of stats that has
// registered ASNs (a prefix belongs to the country its origin ASN is
// registered to).
func AddBGP(stats map[string]CountryStats, registry Registry, collectors []CollectorView, countryOf func(string) string) {
	if len(collectors) == 0 || registry == nil {
		return
	}
	type acc struct {
		routed, v6, local map[string]bool
		asns              map[ixp.ASN]bool
		collectors        int
	}
	byCC := map[string]*acc{}
	get := func(cc string) *acc {
		a := byCC[cc]
		if a == nil {
			a = &acc{routed: map[string]bool{}, v6: map[string]bool{}, local: map[string]bool{}, asns: map[ixp.ASN]bool{}}
			byCC[cc] = a
		}
		return a
	}
	for _, c := range collectors {
		local := countryOf(c.Country)
		if local != "" {
			get(local).collectors++
		}
		for _, p := range c.Prefixes {
			cc := countryOf(registry[p.Origin])
			if cc == "" {
				continue
			}
			a := get(cc)
			a.routed[p.Prefix] = true
			if p.IPv6 {
				a.v6[p.Prefix] = true
			}
			if cc == local {
				a.local[p.Prefix] = true
			}
		}
		if local != "" {
			for asn := range c.Origins {
				if countryOf(registry[asn]) == local {
					get(local).asns[asn] = true
				}
			}
		}
	}
	for cc, st := range stats {
		a := byCC[cc]
		if a == nil {
			a = get(cc)
		}
		b := &CountryBGP{RoutedPrefixes: len(a.routed), IPv6Prefixes: len(a.v6), LocalPrefixes: len(a.local), LocalCollectors: a.collectors}
		if b.RoutedPrefixes > 0 {
			b.IPv6Share = float64(b.IPv6Prefixes) / float64(b.RoutedPrefixes)
			b.PrefixShare = float64(b.LocalPrefixes) / float64(b.RoutedPrefixes)
		}
		if st.RegisteredASNs != nil {
			n := len(a.asns)
			b.ReachableASNs = &n
			if *st.RegisteredASNs > 0 {
				r := float64(n) / float64(*st.RegisteredASNs)
				b.Reachability = &r
			}
		}
		st.BGP = b
		stats[cc] = st
	}
}

// Registry maps ASNs to the country they are registered to.
type Registry map[ixp.ASN]string

// Covered reports whether the registered ASNs of a country are known: the
// registry that serves it has a file paired with the date (see Nearest).
// nil means every country is covered when registry is not nil.
type Covered func(cc string) bool

// CountryIndicators computes the indicators of every country that has an
// IXP or registered ASNs. countryOf normalises a country code (PeeringDB
// and RIR oddities such as "UK"); registry may be nil (no RIR data);
// covered says which countries' registries have a file (nil: all when
// registry is not nil). A country whose registry is not covered has
// unknown (nil) registered figures, never 0.
func CountryIndicators(exchanges []Membership, registry Registry, countryOf func(string) string, covered Covered) map[string]CountryStats {
	byCountry := map[string][]Membership{}
	for _, m := range exchanges {
		cc := countryOf(m.Exchange.Country)
		if cc == "" {
			continue
		}
		byCountry[cc] = append(byCountry[cc], m)
	}
	registered := map[string][]ixp.ASN{}
	for asn, cc := range registry {
		if cc = countryOf(cc); cc != "" {
			registered[cc] = append(registered[cc], asn)
		}
	}
	known := func(cc string) bool { return registry != nil && (covered == nil || covered(cc)) }
	out := map[string]CountryStats{}
	for cc, ms := range byCountry {
		out[cc] = aggregate(ms, registered[cc], known(cc))
	}
	for cc, asns := range registered {
		if _, ok := out[cc]; !ok && known(cc) {
			out[cc] = aggregate(nil, asns, true)
		}
	}
	return out
}

// GroupIndicators computes the indicators of a group of countries (a
// region): members are distinct across the whole group. The registered
// figures add up the covered countries only; UncoveredCountries says how
// many of the group's countries (countries, the group's list) were not.
func GroupIndicators(exchanges []Membership, registry Registry, countryOf func(string) string, inGroup func(cc string) bool, covered Covered, countries []string) CountryStats {
	known := func(cc string) bool { return registry != nil && (covered == nil || covered(cc)) }
	var ms []Membership
	for _, m := range exchanges {
		if cc := countryOf(m.Exchange.Country); cc != "" && inGroup(cc) {
			ms = append(ms, m)
		}
	}
	var reg []ixp.ASN
	for asn, cc := range registry {
		if cc = countryOf(cc); cc != "" && inGroup(cc) && known(cc) {
			reg = append(reg, asn)
		}
	}
	anyKnown, unknown := false, 0
	for _, cc := range countries {
		if known(cc) {
			anyKnown = true
		} else {
			unknown++
		}
	}
	st := aggregate(ms, reg, anyKnown)
	if anyKnown && unknown > 0 {
		st.UncoveredCountries = unknown
	}
	return st
}

func aggregate(ms []Membership, registered []ixp.ASN, haveRegistry bool) CountryStats {
	var st CountryStats
	members := map[ixp.ASN]bool{}
	v6 := map[ixp.ASN]bool{}
	for _, m := range ms {
		st.IXPs++
		if m.Stats.Active() {
			st.ActiveIXPs++
		}
		st.Connections += m.Stats.Connections
		st.CapacityMbps = ixp.AddMbps(st.CapacityMbps, m.Stats.CapacityMbps)
		for _, a := range m.Members {
			members[a] = true
		}
		for _, a := range m.IPv6Members {
			v6[a] = true
		}
	}
	st.Members, st.IPv6Members = len(members), len(v6)
	if st.Members > 0 {
		st.IPv6Share = float64(st.IPv6Members) / float64(st.Members)
	}
	if haveRegistry {
		n, local := len(registered), 0
		for _, a := range registered {
			if members[a] {
				local++
			}
		}
		st.RegisteredASNs, st.LocalASNs = &n, &local
		if n > 0 {
			share := float64(local) / float64(n)
			st.LocalParticipation = &share
		}
	}
	return st
}

// SortedASNs returns the keys of a set, sorted.
func SortedASNs(set map[ixp.ASN]bool) []ixp.ASN {
	out := make([]ixp.ASN, 0, len(set))
	for a := range set {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
