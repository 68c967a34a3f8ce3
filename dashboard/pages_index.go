package dashboard

import (
	"cmp"
	"net/http"
	"slices"
	"strings"

	"github.com/ixpobs/ixpobs/geo"
)

// indexSortKeys are the sortable columns of the country and region
// indexes, each with how it orders two areas (ascending; unknown values
// last whatever the direction).
var indexSortKeys = map[string]func(a, b areaRow) int{
	"name":                func(a, b areaRow) int { return compareFolded(a.Name, b.Name) },
	"active_ixps":         func(a, b areaRow) int { return cmpOpt(a.ActiveIXPs, b.ActiveIXPs) },
	"members":             func(a, b areaRow) int { return cmpOpt(a.Members, b.Members) },
	"capacity":            func(a, b areaRow) int { return cmpOpt(a.Capacity, b.Capacity) },
	"ipv6_share":          func(a, b areaRow) int { return cmpOpt(a.IPv6Share, b.IPv6Share) },
	"registered_asns":     func(a, b areaRow) int { return cmpOpt(a.Registered, b.Registered) },
	"local_participation": func(a, b areaRow) int { return cmpOpt(a.LocalParticipation, b.LocalParticipation) },
}

// indexColumns are the columns of the indexes in order, with the
// catalogue label of each.
var indexColumns = [...]struct{ Key, Label string }{
	{"active_ixps", "kpi.active_ixps"}, {"members", "kpi.memberships"}, {"capacity", "kpi.capacity"},
	{"ipv6_share", "kpi.ipv6_share"}, {"registered_asns", "kpi.registered_asns"}, {"local_participation", "kpi.local_participation"},
}

// cmpOpt compares optional values; nil sorts as the smallest.
func cmpOpt[T cmp.Ordered](a, b *T) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	return cmp.Compare(*a, *b)
}

// areaRow is a row of the country or region index: unknown figures are
// nil ("no data" on the page).
type areaRow struct {
	ID, Name, Href, Group string
	ActiveIXPs, Members   *int
	Capacity              *int64
	IPv6Share             *float64
	Registered            *int
	LocalParticipation    *float64
	Uncovered             int // countries without RIR data (regions)
}

type indexHead struct {
	Key     string
	Link    methodLink
	Href    string
	Current string
	Numeric bool
}

type indexData struct {
	Rows    []areaRow
	Heads   []indexHead
	Name    indexHead
	Sort    string
	Region  string
	Regions []geo.Region
	API     string
	Date    string
}

// sortRows orders rows by the sort parameter ("-members" descending);
// unknown values stay last.
func sortRows(rows []areaRow, sortParam string) string {
	key, desc := strings.CutPrefix(sortParam, "-")
	f, ok := indexSortKeys[key]
	if !ok {
		key, desc, f = "members", true, indexSortKeys["members"]
	}
	slices.SortStableFunc(rows, func(a, b areaRow) int {
		c := f(a, b)
		if ak, bk := isKnown(key, a), isKnown(key, b); ak != bk {
			// Unknown last in both directions.
			if ak {
				return -1
			}
			return 1
		}
		if desc {
			c = -c
		}
		return cmp.Or(c, compareFolded(a.Name, b.Name))
	})
	if desc {
		return "-" + key
	}
	return key
}

// isKnown reports whether row's figure of the sort key is known.
func isKnown(key string, row areaRow) bool {
	switch key {
	case "active_ixps":
		return row.ActiveIXPs != nil
	case "members":
		return row.Members != nil
	case "capacity":
		return row.Capacity != nil
	case "ipv6_share":
		return row.IPv6Share != nil
	case "registered_asns":
		return row.Registered != nil
	case "local_participation":
		return row.LocalParticipation != nil
	}
	return true
}

func (p *page) indexHeads(current string) (name indexHead, heads []indexHead) {
	head := func(key string, link methodLink, numeric bool) indexHead {
		h := indexHead{Key: key, Link: link, Numeric: numeric}
		next := "-" + key
		if key == "name" {
			next = key
		}
		switch current {
		case key:
			h.Current, next = "ascending", "-"+key
		case "-" + key:
			h.Current, next = "descending", key
		}
		h.Href = p.Self("sort", next)
		return h
	}
	name = head("name", methodLink{Label: p.T("col.name")}, false)
	for _, c := range indexColumns {
		heads = append(heads, head(c.Key, p.Method(c.Label), true))
	}
	return name, heads
}

func countryRow(p *page, c countryJSON, href string) areaRow {
	return areaRow{ID: c.Country, Name: c.Name, Href: href, ActiveIXPs: c.NActiveIXPs, Members: c.NMembers, Capacity: c.NCapacity,
		IPv6Share: c.NIPv6Share, Registered: c.RegisteredASNs, LocalParticipation: c.LocalParticipation}
}

// countryIndex serves /countries: every country with an exchange or
// registered ASNs, its headline indicators, sortable, filtered by region.
func (w *web) countryIndex(r *http.Request, p *page) error {
	region := strings.ToLower(r.URL.Query().Get("region"))
	if _, ok := geo.RegionByID(region); !ok {
		region = ""
	}
	q := p.apiQuery()
	if region != "" {
		q.Set("region", region)
	}
	l, err := w.s.countryList(r.Context(), countriesQuery{At: p.atOrLatestEnd(), Region: region, Lang: p.lang})
	if err != nil {
		return err
	}
	d := &indexData{Region: region, Date: l.PeeringDBDate, API: withQuery("/api/v1/countries", q, "lang", "")}
	for _, c := range l.Data {
		if geo.Normalize(c.Country) == "" {
			continue // pseudo codes (EU, AP, ZZ)
		}
		if c.IXPs == 0 && (c.RegisteredASNs == nil || *c.RegisteredASNs == 0) {
			continue
		}
		d.Rows = append(d.Rows, countryRow(p, c, p.Href("/countries/"+c.Country)))
	}
	d.Sort = sortRows(d.Rows, r.URL.Query().Get("sort"))
	d.Name, d.Heads = p.indexHeads(d.Sort)
	for _, rg := range geo.Regions() {
		if rg.Kind != geo.KindSubregion {
			d.Regions = append(d.Regions, rg)
		}
	}
	p.SnapshotDate = l.PeeringDBDate
	p.Title = p.T("countries.title")
	p.Data = d
	return nil
}

// regionIndex serves /regions: the world, Latin America and the
// Caribbean, the continents and the UN M49 sub-regions with their
// headline indicators, sortable.
func (w *web) regionIndex(r *http.Request, p *page) error {
	d := &indexData{API: p.API("/regions")}
	for _, rg := range geo.Regions() {
		if rg.ID == "antarctica" {
			continue
		}
		rd, err := w.s.region(r.Context(), regionQuery{ID: rg.ID, At: p.atOrLatestEnd(), Lang: p.lang})
		if err != nil {
			return err
		}
		d.Date = rd.PeeringDBDate
		tot := rd.Totals
		row := areaRow{Href: p.Href("/regions/" + rg.ID), ActiveIXPs: tot.NActiveIXPs, Members: tot.NMembers, Capacity: tot.NCapacity,
			IPv6Share: tot.NIPv6Share, Registered: tot.RegisteredASNs, LocalParticipation: tot.LocalParticipation}
		row.ID, row.Name, row.Group, row.Uncovered = rg.ID, rd.Name, rg.Kind, rd.Totals.UncoveredCountries
		d.Rows = append(d.Rows, row)
	}
	d.Sort = sortRows(d.Rows, r.URL.Query().Get("sort"))
	d.Name, d.Heads = p.indexHeads(d.Sort)
	p.SnapshotDate = d.Date
	p.Title = p.T("regions.title")
	p.Data = d
	return nil
}
