package dashboard

import (
	"cmp"
	"net/http"
	"slices"
	"strings"
	"time"
)

// briefData is the printable brief of a country: its figures with their
// source dates, their trend since the first observation, its exchanges,
// its neighbours and its region, a chart and a citation.
type briefData struct {
	*countryPageData
	RegionTotals *regionDetail        // the region of the breadcrumb (LAC or the continent)
	First        *countryHistoryPoint // the first observation with PeeringDB data
	Trend        *countChange         // since First (nil when First is the date shown)
	TopIXPs      []ixpSummary         // the largest exchanges, at most maxBriefIXPs
	MoreIXPs     int
	Chart        svgChart
	Today        string
	Self         string // the brief's own path and query, for the citation
}

const maxBriefIXPs = 10

// countryBrief serves /countries/{cc}/brief: one page a regulator can
// print and hand on (print CSS: A4 or Letter, two pages at most).
func (w *web) countryBrief(r *http.Request, p *page) error {
	if err := w.country(r, p); err != nil {
		return err
	}
	cd := p.Data.(*countryPageData)
	d := &briefData{countryPageData: cd, Today: dateString(w.s.Now()), Self: p.Self()}
	if d.Region != "" {
		rd, err := w.s.region(r.Context(), regionQuery{ID: d.Region, At: p.atOrLatestEnd(), Lang: p.lang})
		if err != nil {
			return err
		}
		d.RegionTotals = &rd
	}
	// Points up to the date shown; the first with PeeringDB figures.
	shown := cd.C.PeeringDBDate
	var pts []countryHistoryPoint
	for _, pt := range cd.History.Points {
		if shown == "" || pt.Date <= shown {
			pts = append(pts, pt)
		}
	}
	for i := range pts {
		if pts[i].NMembers != nil {
			d.First = &pts[i]
			break
		}
	}
	if d.First != nil && d.First.Date != shown && cd.C.NMembers != nil {
		ch := changeSince(cd.C.CountryStats, d.First.CountryStats)
		d.Trend = &ch
	}
	d.TopIXPs = slices.Clone(cd.C.IXPList)
	slices.SortFunc(d.TopIXPs, func(a, b ixpSummary) int {
		return cmp.Or(cmp.Compare(b.Members, a.Members), cmp.Compare(a.Name, b.Name))
	})
	if len(d.TopIXPs) > maxBriefIXPs {
		d.MoreIXPs = len(d.TopIXPs) - maxBriefIXPs
		d.TopIXPs = d.TopIXPs[:maxBriefIXPs]
	}
	var dates []time.Time
	members := svgSeries{Label: p.T("kpi.memberships")}
	ipv6 := svgSeries{Label: p.T("ind.ipv6_members")}
	for _, pt := range pts {
		t, err := time.Parse(time.DateOnly, pt.Date)
		if err != nil {
			continue
		}
		dates = append(dates, t)
		members.Values = append(members.Values, intPtrFloat(pt.NMembers))
		ipv6.Values = append(ipv6.Values, intPtrFloat(pt.NIPv6Members))
	}
	d.Chart = newSVGChart(p.T("country.chart_members"), dates, []svgSeries{members, ipv6}, true,
		func(v float64) string { return p.Int(int64(v)) },
		func(t time.Time) string { return p.Date(dateString(t)) })
	d.Chart.NoData = p.T("asof.no_data")
	p.Title = p.T("brief.title", cd.C.Name)
	p.Data = d
	return nil
}

func intPtrFloat(n *int) *float64 {
	if n == nil {
		return nil
	}
	f := float64(*n)
	return &f
}

// NoData formats an optional count, "no data" (translated) when unknown.
func (p *page) NoData(n *int) string {
	if n == nil {
		return p.T("asof.no_data")
	}
	return p.Int(int64(*n))
}

// ShareOrNoData formats an optional fraction as a percentage, "no data"
// when unknown.
func (p *page) ShareOrNoData(f *float64) string {
	if f == nil {
		return p.T("asof.no_data")
	}
	return p.Share(f)
}

// CapacityOrNoData formats an optional capacity, "no data" when unknown.
func (p *page) CapacityOrNoData(mbps *int64) string {
	if mbps == nil {
		return p.T("asof.no_data")
	}
	return p.Capacity(*mbps)
}

// AsOfPDB names the PeeringDB snapshot behind a figure ("PeeringDB: Jun
// 1, 2022"), or says there is none.
func (p *page) AsOfPDB(a asOf) string {
	if a.PeeringDB == "" {
		return p.T("asof.peeringdb", p.T("asof.no_data"))
	}
	return p.T("asof.peeringdb", p.Date(a.PeeringDB))
}

// AsOfRIR names the RIR files behind a figure, or says there is none.
func (p *page) AsOfRIR(a asOf) string {
	full := p.SourceDates(a)
	_, rest, _ := strings.Cut(full, " · ")
	return rest
}

// Upper upper-cases a code ("lacnic" → "LACNIC").
func (p *page) Upper(s string) string { return strings.ToUpper(s) }
