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
	// newest RIR file on or before the date; nil without RIR data.
	RegisteredASNs *int `json:"registered_asns"`
	// LocalASNs: registered ASNs with a connection at a local IXP.
	LocalASNs *int `json:"registered_asns_at_local_ixps"`
	// LocalParticipation: LocalASNs / RegisteredASNs.
	LocalParticipation *float64 `json:"local_participation"`
}

// Registry maps ASNs to the country they are registered to.
type Registry map[ixp.ASN]string

// CountryIndicators computes the indicators of every country that has an
// IXP or registered ASNs. countryOf normalises a country code (PeeringDB
// and RIR oddities such as "UK"); registry may be nil (no RIR data).
func CountryIndicators(exchanges []Membership, registry Registry, countryOf func(string) string) map[string]CountryStats {
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
	out := map[string]CountryStats{}
	for cc, ms := range byCountry {
		out[cc] = aggregate(ms, registered[cc], registry != nil)
	}
	for cc, asns := range registered {
		if _, ok := out[cc]; !ok {
			out[cc] = aggregate(nil, asns, true)
		}
	}
	return out
}

// GroupIndicators computes the indicators of a group of countries (a
// region): members are distinct across the whole group.
func GroupIndicators(exchanges []Membership, registry Registry, countryOf func(string) string, inGroup func(cc string) bool) CountryStats {
	var ms []Membership
	for _, m := range exchanges {
		if cc := countryOf(m.Exchange.Country); cc != "" && inGroup(cc) {
			ms = append(ms, m)
		}
	}
	var reg []ixp.ASN
	for asn, cc := range registry {
		if cc = countryOf(cc); cc != "" && inGroup(cc) {
			reg = append(reg, asn)
		}
	}
	return aggregate(ms, reg, registry != nil)
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
		st.CapacityMbps += m.Stats.CapacityMbps
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
