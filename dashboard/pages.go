package dashboard

import (
	"cmp"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/ixpobs/ixpobs/geo"
	"github.com/ixpobs/ixpobs/indicator"
	"github.com/ixpobs/ixpobs/ixp"
)

// allIXPs returns every exchange at the date at ("" for latest) through the
// list API's method, page by page.
func (w *web) allIXPs(r *http.Request, at string) (ixpList, error) {
	var all ixpList
	for pg := 1; ; pg++ {
		l, err := w.s.ixpList(r.Context(), ixpListQuery{Window: pageOf(pg, 5000), At: endOfDate(at)})
		if err != nil {
			return all, err
		}
		all.SnapshotDate, all.Total = l.SnapshotDate, l.Total
		all.Data = append(all.Data, l.Data...)
		if len(all.Data) >= l.Total || len(l.Data) == 0 {
			return all, nil
		}
	}
}

// areaTotal is the indicators of an area (the world, a region, a
// country) as the countries and regions API computes them: members are
// distinct networks within the area.
type areaTotal struct {
	ID, Name string
	Href     string
	indicator.CountryStats
	Countries int // countries with an active exchange (world and regions)
}

func areaOf(p *page, id, name, href string, st indicator.CountryStats) areaTotal {
	return areaTotal{ID: id, Name: name, Href: href, CountryStats: st}
}

// growth is the change of an exchange or a country between two dates.
type growth struct {
	ID, Name, Country string
	Href              string
	Before, After     int
	Change            int
}

type overviewData struct {
	Date       string
	World      areaTotal
	LAC        areaTotal
	LACYearAgo *yearAgo
	LACChange  map[string]float64
	Regions    []areaTotal
	From       string // the earlier snapshot of the growth tables ("" when none)
	IXPGrowth  []growth
	LACIXPs    []growth
	CtryGrowth []growth
	LACCtries  []growth
	Countries  []areaTotal // leading countries by the map's indicator
	Map        mapView
	ListAPI    string
	FromAPI    string
	CountryAPI string
	LACAPI     string
	RIRDates   map[string]string
	WorldHist  regionHistory // growth over time of the world
	LACHist    regionHistory // and of Latin America and the Caribbean
	NoGrowth   bool          // no snapshot 300–430 days before the one shown
	NewIXPs    int           // exchanges absent from the earlier snapshot (not ranked)
}

// apiQuery is the query of an API call made for a page: the page's date
// and language, and the pairs given.
func (p *page) apiQuery(kv ...string) url.Values {
	q := url.Values{"lang": {p.lang}}
	if p.At != "" {
		q.Set("at", p.At)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	return q
}

// overview serves /: the world, Latin America and the Caribbean and the
// continents, fastest-growing exchanges and countries, and a world map.
func (w *web) overview(r *http.Request, p *page) error {
	if p.At == "" {
		if fs, err := w.s.firstStartOf(r.Context()); err != nil || fs != nil {
			if fs != nil {
				p.Name, p.Title, p.Data = "firststart", p.T("firststart.title"), fs
			}
			return err
		}
	}
	cur, err := w.allIXPs(r, p.At)
	if err != nil {
		return err
	}
	p.SnapshotDate = cur.SnapshotDate
	p.Title = p.T("overview.title")
	d := &overviewData{Date: cur.SnapshotDate, ListAPI: p.API("/ixps", "per_page", "5000"),
		CountryAPI: p.API("/countries"), LACAPI: p.API("/regions/" + geo.LAC)}

	countries, err := w.s.countryList(r.Context(), countriesQuery{At: p.atOrLatestEnd(), Lang: p.lang})
	if err != nil {
		return err
	}
	d.RIRDates = countries.RIRDates
	activeIn := map[string]int{} // region id → countries with an active IXP
	for _, c := range countries.Data {
		if c.ActiveIXPs == 0 {
			continue
		}
		activeIn["world"]++
		for _, rg := range geo.Regions() {
			if rg.Kind != geo.KindSubregion && geo.InRegion(c.Country, rg.ID) {
				activeIn[rg.ID]++
			}
		}
	}
	for _, rg := range geo.Regions() {
		if rg.Kind == geo.KindSubregion {
			continue
		}
		reg, err := w.s.region(r.Context(), regionQuery{ID: rg.ID, At: p.atOrLatestEnd(), Lang: p.lang})
		if err != nil {
			return err
		}
		a := areaOf(p, rg.ID, rg.Name(p.lang), p.Href("/regions/"+rg.ID), reg.Totals.CountryStats)
		a.Countries = activeIn[rg.ID]
		if rg.ID == geo.LAC {
			d.LAC, d.LACYearAgo, d.LACChange = a, reg.YearAgo, reg.Change
		} else {
			d.Regions = append(d.Regions, a)
		}
	}
	world, err := w.s.stateAt(r.Context(), p.atOrLatestEnd())
	if err != nil {
		return err
	}
	d.World = areaOf(p, "world", p.T("area.world"), "", world.areaStats(worldID))
	d.World.Countries = activeIn["world"]
	if d.WorldHist, err = w.areaHistory(r, p, worldID); err != nil {
		return err
	}
	if d.LACHist, err = w.areaHistory(r, p, geo.LAC); err != nil {
		return err
	}

	ind := r.URL.Query().Get("map")
	if _, ok := mapIndicators[ind]; !ok {
		ind = "ixps"
	}
	for _, c := range countries.Data {
		d.Countries = append(d.Countries, areaOf(p, c.Country, c.Name, w.countryHref(p, c.Country), c.CountryStats))
	}
	slices.SortFunc(d.Countries, func(a, b areaTotal) int {
		return cmp.Or(cmp.Compare(mapIndicators[ind](b), mapIndicators[ind](a)), cmp.Compare(a.Name, b.Name))
	})
	d.Map = w.world.view(p, ind, d.Countries)
	if len(d.Countries) > 20 {
		d.Countries = d.Countries[:20]
	}

	// Growth: between two real observations, the snapshot shown and the
	// one indicator.YearBefore picks (300 to 430 days earlier); with none,
	// no list ("no earlier data"), never a growth from nothing.
	snaps, err := w.s.store.Snapshots(r.Context(), ixp.SourcePeeringDB)
	if err != nil {
		return err
	}
	var curAt time.Time
	var times []time.Time
	for _, sn := range snaps {
		if dateString(sn.At) == cur.SnapshotDate {
			curAt = sn.At
		}
		times = append(times, sn.At)
	}
	i, ok := indicator.YearBefore(curAt, times)
	if curAt.IsZero() || !ok {
		d.NoGrowth = true
		p.Data = d
		return nil
	}
	if from := dateString(times[i]); from != cur.SnapshotDate {
		old, err := w.allIXPs(r, from)
		if err != nil {
			return err
		}
		ocv, err := w.s.countryList(r.Context(), countriesQuery{At: endOfDate(from), Lang: p.lang})
		if err != nil {
			return err
		}
		d.From, d.FromAPI = from, p.Href("/api/v1/ixps", "per_page", "5000", "at", from)
		d.IXPGrowth, d.LACIXPs, d.NewIXPs = w.ixpGrowth(p, old, cur)
		d.CtryGrowth, d.LACCtries = w.countryGrowth(p, ocv, countries)
	}
	p.Data = d
	return nil
}

// atOrLatestEnd is the end of the day shown, zero for latest: what an
// API's ?at= of the page's (valid) date gives.
func (p *page) atOrLatestEnd() time.Time { return endOfDate(p.At) }

// endOfDate is the end of a YYYY-MM-DD day, zero for "" (the newest data);
// date is one a page has checked.
func endOfDate(date string) time.Time {
	if date == "" {
		return time.Time{}
	}
	t, _ := ixp.Date(date)
	return ixp.EndOfDay(t)
}

// pageOf is the window of page pg (from 1) of perPage items.
func pageOf(pg, perPage int) window {
	return window{Page: pg, PerPage: perPage, Skip: (pg - 1) * perPage, Limit: perPage}
}

// topGrowth keeps the ten largest positive changes, of all rows and of
// those in Latin America and the Caribbean.
func topGrowth(all []growth) (world, lac []growth) {
	slices.SortFunc(all, func(a, b growth) int { return cmp.Or(cmp.Compare(b.Change, a.Change), cmp.Compare(a.Name, b.Name)) })
	for _, g := range all {
		if g.Change <= 0 {
			break
		}
		if len(world) < 10 {
			world = append(world, g)
		}
		if len(lac) < 10 && geo.InRegion(g.Country, geo.LAC) {
			lac = append(lac, g)
		}
	}
	return world, lac
}

// ixpGrowth compares the members of each exchange between two lists.
// An exchange absent from the earlier list is new, not growth: it is
// counted (newIXPs) and not ranked.
func (w *web) ixpGrowth(p *page, old, cur ixpList) (world, lac []growth, newIXPs int) {
	before := map[int64]int{}
	for _, x := range old.Data {
		before[x.ID] = x.Members
	}
	var all []growth
	for _, x := range cur.Data {
		b, ok := before[x.ID]
		if !ok {
			newIXPs++
			continue
		}
		id := strconv.FormatInt(x.ID, 10)
		all = append(all, growth{ID: id, Name: x.Name, Country: x.Country, Href: p.Href("/ixps/" + id),
			Before: b, After: x.Members, Change: x.Members - b})
	}
	world, lac = topGrowth(all)
	return world, lac, newIXPs
}

// countryGrowth compares the members (distinct networks at local
// exchanges) of each country between two answers of the countries API.
func (w *web) countryGrowth(p *page, old, cur countryList) (world, lac []growth) {
	before := map[string]int{}
	for _, c := range old.Data {
		before[c.Country] = c.Members
	}
	var all []growth
	for _, c := range cur.Data {
		all = append(all, growth{ID: c.Country, Name: c.Name, Country: c.Country, Href: w.countryHref(p, c.Country),
			Before: before[c.Country], After: c.Members, Change: c.Members - before[c.Country]})
	}
	return topGrowth(all)
}

// countryHref links a country to its page when that page exists, to the
// list of its exchanges otherwise.
func (w *web) countryHref(p *page, cc string) string {
	if w.pages["country"] != nil && geo.Normalize(cc) != "" {
		return p.Href("/countries/" + cc)
	}
	return p.Href("/ixps", "country", cc)
}

// ixpSortColumns are the sortable columns of the exchange list.
var ixpSortColumns = []string{"name", "country", "members", "connections", "capacity", "ipv6_members", "rs_members", "created"}

type ixpListData struct {
	List       ixpList
	Pages      int
	Sort       string
	Name       string
	Country    string
	Region     string
	Active     string
	PerPage    int
	Regions    []geo.Region
	SortKeys   []string
	API        string
	PerPageOpt []int
}

// ixpList serves /ixps with the filters, sort and pages of /api/v1/ixps.
func (w *web) ixpList(r *http.Request, p *page) error {
	q := r.URL.Query()
	if q.Get("sort") == "" {
		q.Set("sort", "-members")
	}
	if q.Get("per_page") == "" {
		q.Set("per_page", "50")
	}
	lq, err := parseIXPListQuery(q)
	if err != nil {
		return err
	}
	l, err := w.s.ixpList(r.Context(), lq)
	if err != nil {
		return err
	}
	p.SnapshotDate = l.SnapshotDate
	p.Title = p.T("ixps.title")
	d := &ixpListData{List: l, Pages: max(1, (l.Total+l.PerPage-1)/l.PerPage), Sort: q.Get("sort"), PerPage: l.PerPage,
		Name: q.Get("name"), Country: strings.ToUpper(q.Get("country")), Region: q.Get("region"), Active: q.Get("active"),
		SortKeys: ixpSortColumns, PerPageOpt: []int{25, 50, 100, 500}}
	for _, rg := range geo.Regions() {
		if rg.Kind != geo.KindSubregion {
			d.Regions = append(d.Regions, rg)
		}
	}
	api := url.Values{}
	for k, vs := range q {
		if k != "lang" && k != "format" {
			api[k] = vs
		}
	}
	d.API = withQuery("/api/v1/ixps", api)
	p.Data = d
	return nil
}

type ixpPageData struct {
	IXP        ixpDetail
	History    history
	Members    memberList
	Table      memberTable // the page of members the query asks for
	Events     []eventJSON // newest first, of the kind asked, at most maxEvents
	EventKind  string      // "", "join" or "leave"
	EventKinds []string
	EventsN    int // events of that kind
	EventList  eventList
	Latest     *historyPoint // the history point of the snapshot shown
	Previous   *historyPoint // the point before it
	DetailAPI  string
	HistoryAPI string
	MembersAPI string
	EventsAPI  string
	Sources    *sourcesAnswer // members per source and their agreement
	SourcesAPI string
	BGP        []bgpAgreement // collectors at the exchange against its members
}

const maxEvents = 100

// ixp serves /ixps/{id}: indicators, growth charts, members, joins and
// leaves.
func (w *web) ixp(r *http.Request, p *page) error {
	// The page's own {id} and ?at= (a bad date is the page's 400).
	q, err := parseIXPQuery(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	d := &ixpPageData{}
	if d.IXP, err = w.s.ixp(ctx, q); err != nil {
		return err
	}
	p.SnapshotDate, p.Title = d.IXP.SnapshotDate, d.IXP.Name
	if d.History, err = w.s.ixpHistory(ctx, ixpHistoryQuery{ID: q.ID}); err != nil {
		return err
	}
	for i := range d.History.Points {
		if d.History.Points[i].Date == d.IXP.SnapshotDate {
			d.Latest = &d.History.Points[i]
			if i > 0 {
				d.Previous = &d.History.Points[i-1]
			}
		}
	}
	if d.Members, err = w.s.members(ctx, membersQuery{ixpQuery: q}); err != nil {
		return err
	}
	eq := url.Values{}
	if p.At != "" {
		eq.Set("to", p.At)
	}
	to, _ := ixp.Date(p.At)
	if d.EventList, err = w.s.ixpEvents(ctx, eventsQuery{ID: q.ID, To: to}); err != nil {
		return err
	}
	d.EventKind = r.URL.Query().Get("ev")
	if d.EventKind != "join" && d.EventKind != "leave" {
		d.EventKind = ""
	}
	d.EventKinds = eventKinds[:]
	d.Events, d.EventsN = filterEvents(d.EventList.Data, d.EventKind)
	d.Table = p.filterMembers(d.Members.Data, r.URL.Query())
	sa, err := w.s.ixpSources(ctx, q)
	if err != nil {
		return err
	}
	d.Sources = &sa
	if d.BGP, err = w.ixpBGP(r, p, q, d.Members); err != nil {
		return err
	}
	id := strconv.FormatInt(d.IXP.ID, 10)
	d.SourcesAPI = p.API("/ixps/" + id + "/sources")
	d.DetailAPI = p.API("/ixps/" + id)
	d.HistoryAPI = "/api/v1/ixps/" + id + "/history"
	// The data links under the member table give its rows: every member
	// when it shows them all in ASN order, else the same search, sort and
	// page.
	d.MembersAPI = p.API("/ixps/" + id + "/members")
	if t := d.Table; t.Query != "" || t.Sort != "asn" || t.Pages > 1 {
		d.MembersAPI = p.API("/ixps/"+id+"/members", "name", t.Query, "sort", t.Sort, "page", strconv.Itoa(t.Page), "per_page", strconv.Itoa(memberPerPage))
	}
	d.EventsAPI = withQuery("/api/v1/ixps/"+id+"/events", eq)
	p.Data = d
	return nil
}

type networkPageData struct {
	Net networkDetail
	API string
	BGP *networkBGP
}

// network serves /networks/{asn}.
func (w *web) network(r *http.Request, p *page) error {
	q, err := parseASNQuery(r) // the page's own {asn} and ?at=
	if err != nil {
		return err
	}
	net, err := w.s.network(r.Context(), q)
	if err != nil {
		return err
	}
	d := &networkPageData{Net: net, API: p.API("/networks/" + chi.URLParam(r, "asn"))}
	p.SnapshotDate = d.Net.SnapshotDate
	if d.BGP, err = w.networkOrigins(r, p, q); err != nil {
		return err
	}
	p.Title = "AS" + strconv.FormatUint(uint64(d.Net.ASN), 10)
	if d.Net.Network != nil && d.Net.Network.Name != "" {
		p.Title += " " + d.Net.Network.Name
	}
	p.Data = d
	return nil
}

type sourcesPageData struct {
	Sources   []sourceHealth
	Snapshots []snapshotJSON // newest first
	Now       time.Time
}

// sources serves /sources: each data source with its health and
// snapshots.
func (w *web) sources(r *http.Request, p *page) error {
	a, err := w.s.sourceList(r.Context(), noQuery{})
	if err != nil {
		return err
	}
	d := &sourcesPageData{Now: w.s.Now(), Sources: a.Data}
	sv, err := w.s.snapshots(r.Context(), snapshotsQuery{})
	if err != nil {
		return err
	}
	for _, sn := range sv.Data {
		d.Snapshots = append([]snapshotJSON{sn}, d.Snapshots...)
	}
	p.Title = p.T("sources.title")
	p.Data = d
	return nil
}

type searchResult struct {
	Label, Detail, Href string
}

type searchData struct {
	Query     string
	IXPs      []searchResult
	Networks  []searchResult
	Countries []searchResult
	MoreIXPs  bool
	MoreNets  bool
}

var asnSearch = regexp.MustCompile(`(?i)^\s*(AS)?\s*([0-9]{1,10})\s*$`)

const maxSearchResults = 25

// search serves /search?q=: an ASN goes to its network, a country code to
// its country; anything else lists matching exchanges, networks and
// countries.
func (w *web) search(r *http.Request, p *page) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	p.Query, p.Title = q, p.T("search.title")
	d := &searchData{Query: q}
	p.Data = d
	if q == "" {
		return nil
	}
	if m := asnSearch.FindStringSubmatch(q); m != nil {
		if _, err := parseASN(m[2]); err == nil {
			return redirect(p.Href("/networks/" + m[2]))
		}
	}
	if len(q) == 2 {
		if c, ok := geo.Country(q); ok {
			return redirect(w.countryHref(p, c.Code))
		}
	}
	lq := fold(q)
	l, err := w.s.ixpList(r.Context(), ixpListQuery{Name: q, Sort: "members", Desc: true, Window: pageOf(1, maxSearchResults), At: p.atOrLatestEnd()})
	if err != nil {
		return err
	}
	p.SnapshotDate = l.SnapshotDate
	for _, x := range l.Data {
		d.IXPs = append(d.IXPs, searchResult{Label: x.Name, Detail: x.City + ", " + p.Country(x.Country), Href: p.Href("/ixps/" + strconv.FormatInt(x.ID, 10))})
	}
	d.MoreIXPs = l.Total > len(l.Data)
	for _, c := range geo.Countries() {
		for _, name := range []string{c.NameEN, c.NameES, c.NamePT} {
			if strings.Contains(fold(name), lq) {
				d.Countries = append(d.Countries, searchResult{Label: c.Name(p.lang), Detail: c.Code, Href: w.countryHref(p, c.Code)})
				break
			}
		}
	}
	at, err := atParam(r.URL.Query())
	if err != nil {
		return err
	}
	sn, err := w.s.snapshotFor(r.Context(), at)
	if err != nil {
		return err
	}
	names, err := w.s.networkNamesAt(r.Context(), sn)
	if err != nil {
		return err
	}
	for _, n := range names {
		if strings.Contains(fold(n.Name), lq) || strings.Contains(fold(n.AKA), lq) {
			asn := strconv.FormatUint(uint64(n.ASN), 10)
			d.Networks = append(d.Networks, searchResult{Label: n.Name, Detail: "AS" + asn, Href: p.Href("/networks/" + asn)})
		}
	}
	slices.SortFunc(d.Networks, func(a, b searchResult) int {
		return cmp.Or(cmp.Compare(len(a.Label), len(b.Label)), cmp.Compare(a.Label, b.Label))
	})
	if len(d.Networks) > maxSearchResults {
		d.Networks, d.MoreNets = d.Networks[:maxSearchResults], true
	}
	return nil
}

// growthBlock is one table of fastest growth.
type growthBlock struct {
	Page *page
	Rows []growth
	Key  string // catalogue key of the heading
	From string
}

// Growth wraps growth rows for the "growth" template.
func (p *page) Growth(rows []growth, key, from string) growthBlock {
	return growthBlock{Page: p, Rows: rows, Key: key, From: from}
}

type countryPageData struct {
	C          countryDetail
	Info       geo.Info
	Region     string // the breadcrumb's region: lac for its countries, else the continent
	History    countryHistory
	Neighbours []countryJSON // the country and its neighbours, by members
	API        string
	HistoryAPI string
}

// country serves /countries/{cc}: indicators, year-over-year change,
// growth, exchanges and the neighbouring countries.
func (w *web) country(r *http.Request, p *page) error {
	cc, err := countryCode(chi.URLParam(r, "cc"))
	if err != nil {
		return err
	}
	c, err := w.s.country(r.Context(), countryQuery{CC: cc, At: p.atOrLatestEnd(), Lang: p.lang})
	if err != nil {
		return err
	}
	d := &countryPageData{C: c}
	d.Info, _ = geo.Country(d.C.Country)
	d.Region = d.Info.Continent
	if d.C.LAC {
		d.Region = geo.LAC
	}
	if d.History, err = w.s.countryHistory(r.Context(), countryHistoryQuery{CC: cc, Lang: langParam(r.URL.Query())}); err != nil {
		return err
	}
	d.Neighbours = append([]countryJSON{d.C.countryJSON}, d.C.Neighbors...)
	slices.SortFunc(d.Neighbours, func(a, b countryJSON) int {
		return cmp.Or(cmp.Compare(b.Members, a.Members), cmp.Compare(a.Name, b.Name))
	})
	d.API = p.API("/countries/" + d.C.Country)
	d.HistoryAPI = "/api/v1/countries/" + d.C.Country + "/history"
	p.Title = d.C.Name
	p.SnapshotDate = d.C.PeeringDBDate
	p.Data = d
	return nil
}

type regionPageData struct {
	R         regionDetail
	History   regionHistory
	Countries []countryJSON // with an exchange or registered ASNs, by members
	Map       mapView
	API       string
	Kind      string
}

// region serves /regions/{region}: totals, year-over-year change, a map
// and the countries of the region.
func (w *web) region(r *http.Request, p *page) error {
	rd, err := w.s.region(r.Context(), regionQuery{ID: chi.URLParam(r, "region"), At: p.atOrLatestEnd(), Lang: p.lang})
	if err != nil {
		return err
	}
	d := &regionPageData{R: rd}
	if d.History, err = w.areaHistory(r, p, d.R.Region); err != nil {
		return err
	}
	if rg, ok := geo.RegionByID(d.R.Region); ok {
		d.Kind = rg.Kind
	}
	var areas []areaTotal
	for _, c := range d.R.Countries {
		if c.IXPs > 0 || c.RegisteredASNs != nil && *c.RegisteredASNs > 0 {
			d.Countries = append(d.Countries, c)
		}
		areas = append(areas, areaOf(p, c.Country, c.Name, "", c.CountryStats))
	}
	slices.SortFunc(d.Countries, func(a, b countryJSON) int {
		return cmp.Or(cmp.Compare(b.Members, a.Members), cmp.Compare(b.ActiveIXPs, a.ActiveIXPs), cmp.Compare(a.Name, b.Name))
	})
	ind := r.URL.Query().Get("map")
	if _, ok := mapIndicators[ind]; !ok {
		ind = "members"
	}
	d.Map = w.world.regionView(p, ind, areas, d.R.Region)
	d.API = p.API("/regions/" + d.R.Region)
	p.Title = d.R.Name
	p.SnapshotDate = d.R.PeeringDBDate
	p.Data = d
	return nil
}
