package indicator

import (
	"cmp"
	"net/netip"
	"slices"
	"sort"
	"time"

	"github.com/ixpobs/ixpobs/ixp"
)

// ARDA's four indicators (African Route-collectors Data Analyzer, Fanou et
// al., IJNM 2018), computed for any country from every vantage point at its
// exchanges. The exact formulas are in docs/INDICATORS.md ("ARDA").

// Vantage is what one vantage point at an exchange saw at one date: an
// Alice-LG route server, a route collector (RIS, RouteViews, PCH) or a
// live session.
type Vantage struct {
	Source  string    // store source, e.g. "bgp:rrc15"
	Type    string    // the collector type: "mrt", "showbgp", "live", "alicelg"
	IXID    int64     // PeeringDB exchange it peers at
	Country string    // country of that exchange
	At      time.Time // snapshot time
	// Partial marks a table that was not read whole (an Alice-LG run cut
	// by its budget): it never counts.
	Partial bool
	// PathASNs are the ASNs on any AS path the vantage received (peers,
	// transit ASNs and origins).
	PathASNs map[ixp.ASN]bool
	// Prefixes seen, with their first origin.
	Prefixes []SeenPrefix
}

// RIRData is one set of RIR delegated files (one date).
type RIRData struct {
	At       time.Time
	ASNs     Registry            // ASN -> country (allocated or assigned)
	Prefixes map[string][]string // country -> delegated prefixes (CIDR)
}

// PairingRule says which sources of different dates are combined into one
// ARDA observation (docs/INDICATORS.md, "ARDA", time rule).
type PairingRule struct {
	// VantageMaxAge: a vantage snapshot older than this at the
	// observation date is not combined.
	VantageMaxAge time.Duration
	// RIRWindow: the RIR data nearest to the observation date within
	// this distance, before or after; none: unknown.
	RIRWindow time.Duration
}

// DefaultPairing is the rule the dashboard uses: the written pairing rule
// of pairing.go (a collector snapshot is combined for CollectorWindow,
// RIR files are paired within RIRWindow).
var DefaultPairing = PairingRule{VantageMaxAge: CollectorWindow, RIRWindow: RIRWindow}

// NearestRIR returns the index of the RIR data nearest to at within window
// (an earlier one wins a tie), or -1: Nearest over the RIR dates.
func NearestRIR(rirs []RIRData, at time.Time, window time.Duration) int {
	dates := make([]time.Time, len(rirs))
	for i, r := range rirs {
		dates[i] = r.At
	}
	i, ok := Nearest(at, dates, window)
	if !ok {
		return -1
	}
	return i
}

// VantageRef names a vantage point an ARDA figure comes from, with the
// date of its snapshot.
type VantageRef struct {
	Source string `json:"source"`
	Type   string `json:"type"`
	IXPID  int64  `json:"ixp_id"`
	Date   string `json:"date"`
}

// ARDA are a country's four indicators at one observation. Every pointer
// is nil when unknown: no complete vantage point at a local exchange, or
// no RIR data paired with it.
type ARDA struct {
	Country  string       `json:"country"`
	Date     string       `json:"date"` // the observation: newest vantage snapshot combined
	Vantages []VantageRef `json:"vantage_points"`
	RIRDate  *string      `json:"rir_date"`

	// 1. registered ASNs of the country reachable at its exchanges.
	RegisteredASNs *int     `json:"registered_asns"`
	ReachableASNs  *int     `json:"reachable_registered_asns"`
	ASNShare       *float64 `json:"registered_asn_share"`
	// 2. delegated prefixes of the country announced at its exchanges.
	DelegatedPrefixes *int     `json:"delegated_prefixes"`
	AnnouncedPrefixes *int     `json:"announced_delegated_prefixes"`
	PrefixShare       *float64 `json:"delegated_prefix_share"`
	// 3. external (foreign) ASNs among those reachable locally.
	ReachableTotal *int     `json:"reachable_asns"`
	ExternalASNs   *int     `json:"external_asns"`
	ExternalShare  *float64 `json:"external_asn_share"`
	// 4. IPv6: prefixes originated by the country's ASNs seen at its
	// exchanges, their IPv6 share, and the registered ASNs originating
	// IPv6 there over those reachable.
	LocalPrefixes   *int     `json:"local_origin_prefixes"`
	IPv6Prefixes    *int     `json:"local_origin_ipv6_prefixes"`
	IPv6Share       *float64 `json:"ipv6_prefix_share"`
	IPv6ASNs        *int     `json:"ipv6_origin_asns"`
	IPv6ASNShare    *float64 `json:"ipv6_origin_asn_share"`
	IPv6ShareChange *float64 `json:"ipv6_prefix_share_change"` // since the previous observation (history only)
}

func ptr[T any](v T) *T { return &v }

func share(n, d int) *float64 {
	if d == 0 {
		return nil
	}
	return ptr(float64(n) / float64(d))
}

// ComputeARDA computes a country's indicators at date at from the vantage
// snapshots given (any country, any date: the rule picks) and the RIR
// data. countryOf normalises country codes.
func ComputeARDA(cc string, at time.Time, vantages []Vantage, rirs []RIRData, rule PairingRule, countryOf func(string) string) ARDA {
	out := ARDA{Country: cc, Vantages: []VantageRef{}}
	used := Select(cc, at, vantages, rule, countryOf)
	if len(used) == 0 {
		return out
	}
	var newest time.Time
	for _, v := range used {
		out.Vantages = append(out.Vantages, VantageRef{Source: v.Source, Type: v.Type, IXPID: v.IXID, Date: v.At.UTC().Format(time.DateOnly)})
		if v.At.After(newest) {
			newest = v.At
		}
	}
	out.Date = newest.UTC().Format(time.DateOnly)
	ri := NearestRIR(rirs, newest, rule.RIRWindow)
	if ri < 0 {
		return out
	}
	rir := rirs[ri]
	registered := 0
	for _, c := range rir.ASNs {
		if countryOf(c) == cc {
			registered++
		}
	}
	if registered == 0 {
		// The country's RIR file is not among the data: unknown.
		return out
	}
	out.RIRDate = ptr(rir.At.UTC().Format(time.DateOnly))
	local := func(asn ixp.ASN) bool { return countryOf(rir.ASNs[asn]) == cc }

	reach := map[ixp.ASN]bool{}
	for _, v := range used {
		for a := range v.PathASNs {
			reach[a] = true
		}
	}
	reachLocal := 0
	for a := range reach {
		if local(a) {
			reachLocal++
		}
	}
	out.RegisteredASNs, out.ReachableASNs, out.ASNShare = ptr(registered), ptr(reachLocal), share(reachLocal, registered)
	out.ReachableTotal, out.ExternalASNs = ptr(len(reach)), ptr(len(reach)-reachLocal)
	out.ExternalShare = share(len(reach)-reachLocal, len(reach))

	seen := seenSet(used)
	delegated := 0
	announced := 0
	for _, s := range rir.Prefixes[cc] {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			continue
		}
		delegated++
		if seen.overlaps(p.Masked()) {
			announced++
		}
	}
	if delegated > 0 {
		out.DelegatedPrefixes, out.AnnouncedPrefixes, out.PrefixShare = ptr(delegated), ptr(announced), share(announced, delegated)
	}

	v4, v6 := map[string]bool{}, map[string]bool{}
	v6asns := map[ixp.ASN]bool{}
	for _, v := range used {
		for _, p := range v.Prefixes {
			if !local(p.Origin) {
				continue
			}
			if p.IPv6 {
				v6[p.Prefix] = true
				v6asns[p.Origin] = true
			} else {
				v4[p.Prefix] = true
			}
		}
	}
	n := len(v4) + len(v6)
	out.LocalPrefixes, out.IPv6Prefixes, out.IPv6Share = ptr(n), ptr(len(v6)), share(len(v6), n)
	out.IPv6ASNs, out.IPv6ASNShare = ptr(len(v6asns)), share(len(v6asns), reachLocal)
	return out
}

// Select returns the vantage snapshots combined for cc at at: for each
// source at an exchange of cc, its newest complete snapshot at or before
// at and not older than rule.VantageMaxAge; sorted by source.
func Select(cc string, at time.Time, vantages []Vantage, rule PairingRule, countryOf func(string) string) []Vantage {
	best := map[string]Vantage{}
	for _, v := range vantages {
		if v.Partial || countryOf(v.Country) != cc || v.At.After(at) || at.Sub(v.At) > rule.VantageMaxAge {
			continue
		}
		if b, ok := best[v.Source]; !ok || v.At.After(b.At) {
			best[v.Source] = v
		}
	}
	out := make([]Vantage, 0, len(best))
	for _, v := range best {
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b Vantage) int { return cmp.Compare(a.Source, b.Source) })
	return out
}

// ARDAHistory computes one observation per distinct date of a complete
// snapshot of a vantage point at an exchange of cc, oldest first, with
// the IPv6 share's change since the previous observation.
func ARDAHistory(cc string, vantages []Vantage, rirs []RIRData, rule PairingRule, countryOf func(string) string) []ARDA {
	var dates []time.Time
	seen := map[time.Time]bool{}
	for _, v := range vantages {
		if v.Partial || countryOf(v.Country) != cc || seen[v.At] {
			continue
		}
		seen[v.At] = true
		dates = append(dates, v.At)
	}
	sort.Slice(dates, func(i, j int) bool { return dates[i].Before(dates[j]) })
	out := make([]ARDA, 0, len(dates))
	for _, d := range dates {
		a := ComputeARDA(cc, d, vantages, rirs, rule, countryOf)
		if len(out) > 0 {
			if prev := out[len(out)-1].IPv6Share; prev != nil && a.IPv6Share != nil {
				a.IPv6ShareChange = ptr(*a.IPv6Share - *prev)
			}
		}
		out = append(out, a)
	}
	return out
}

// prefixSet answers whether a prefix overlaps (contains or is contained
// in) any prefix of a set.
type prefixSet struct {
	exact  map[netip.Prefix]bool
	sorted []netip.Prefix // by address
}

func seenSet(vs []Vantage) prefixSet {
	s := prefixSet{exact: map[netip.Prefix]bool{}}
	for _, v := range vs {
		for _, sp := range v.Prefixes {
			p, err := netip.ParsePrefix(sp.Prefix)
			if err != nil {
				continue
			}
			p = p.Masked()
			if !s.exact[p] {
				s.exact[p] = true
				s.sorted = append(s.sorted, p)
			}
		}
	}
	slices.SortFunc(s.sorted, func(a, b netip.Prefix) int {
		if c := a.Addr().Compare(b.Addr()); c != 0 {
			return c
		}
		return cmp.Compare(a.Bits(), b.Bits())
	})
	return s
}

func (s prefixSet) overlaps(p netip.Prefix) bool {
	// A seen prefix covering p (p itself or less specific).
	for bits := p.Bits(); bits >= 0; bits-- {
		q, _ := p.Addr().Prefix(bits)
		if s.exact[q] {
			return true
		}
	}
	// A seen prefix inside p: the first seen address at or after p's.
	i, _ := slices.BinarySearchFunc(s.sorted, p.Addr(), func(q netip.Prefix, a netip.Addr) int { return q.Addr().Compare(a) })
	return i < len(s.sorted) && p.Contains(s.sorted[i].Addr())
}

// SumARDA adds up the countries' indicators (numerators and denominators
// of the countries where they are known) into an area's totals; an
// indicator no country knows stays unknown. Vantage points are listed
// once each.
func SumARDA(area string, countries []ARDA) ARDA {
	out := ARDA{Country: area, Vantages: []VantageRef{}}
	add := func(dst **int, v *int) {
		if v == nil {
			return
		}
		if *dst == nil {
			*dst = ptr(0)
		}
		**dst += *v
	}
	seen := map[VantageRef]bool{}
	for _, c := range countries {
		for _, v := range c.Vantages {
			if !seen[v] {
				seen[v] = true
				out.Vantages = append(out.Vantages, v)
			}
		}
		if c.Date > out.Date {
			out.Date = c.Date
		}
		if c.RIRDate != nil && (out.RIRDate == nil || *c.RIRDate > *out.RIRDate) {
			out.RIRDate = ptr(*c.RIRDate)
		}
		if c.ASNShare == nil {
			continue // not known for this country
		}
		add(&out.RegisteredASNs, c.RegisteredASNs)
		add(&out.ReachableASNs, c.ReachableASNs)
		add(&out.DelegatedPrefixes, c.DelegatedPrefixes)
		add(&out.AnnouncedPrefixes, c.AnnouncedPrefixes)
		add(&out.ReachableTotal, c.ReachableTotal)
		add(&out.ExternalASNs, c.ExternalASNs)
		add(&out.LocalPrefixes, c.LocalPrefixes)
		add(&out.IPv6Prefixes, c.IPv6Prefixes)
		add(&out.IPv6ASNs, c.IPv6ASNs)
	}
	ratio := func(n, d *int) *float64 {
		if n == nil || d == nil {
			return nil
		}
		return share(*n, *d)
	}
	out.ASNShare = ratio(out.ReachableASNs, out.RegisteredASNs)
	out.PrefixShare = ratio(out.AnnouncedPrefixes, out.DelegatedPrefixes)
	out.ExternalShare = ratio(out.ExternalASNs, out.ReachableTotal)
	out.IPv6Share = ratio(out.IPv6Prefixes, out.LocalPrefixes)
	out.IPv6ASNShare = ratio(out.IPv6ASNs, out.ReachableASNs)
	return out
}
