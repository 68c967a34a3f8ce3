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

	"github.com/ixpobs/ixpobs/collector/peeringdb"
	"github.com/ixpobs/ixpobs/geo"
)

// allIXPs returns every exchange at the date at ("" for latest) through the
// list API handler, page by page.
func (w *web) allIXPs(r *http.Request, at string) (ixpList, error) {
	var all ixpList
	for pg := 1; ; pg++ {
		q := url.Values{"per_page": {"5000"}, "page": {strconv.Itoa(pg)}}
		if at != "" {
			q.Set("at", at)
		}
		v, err := w.s.handleIXPList(withQueryRequest(r, q))
		if err != nil {
			return all, err
		}
		l := v.(ixpList)
		all.SnapshotDate, all.Total = l.SnapshotDate, l.Total
		all.Data = append(all.Data, l.Data...)
		if len(all.Data) >= l.Total || len(l.Data) == 0 {
			return all, nil
		}
	}
}

// areaTotal sums the indicators of the exchanges of an area.
type areaTotal struct {
	ID, Name     string
	Href         string
	IXPs         int // exchanges in PeeringDB
	ActiveIXPs   int // with at least ixp.ActiveMinMembers members
	Members      int // sum over exchanges: a network at two exchanges counts twice
	Connections  int
	CapacityMbps int64
	IPv6Members  int
	Countries    int // countries with an active exchange
}

func (a *areaTotal) add(x ixpSummary) {
	a.IXPs++
	if x.Active {
		a.ActiveIXPs++
	}
	a.Members += x.Members
	a.Connections += x.Connections
	a.CapacityMbps += x.CapacityMbps
	a.IPv6Members += x.IPv6Members
}

// growth is the change of an exchange or a country between two dates.
type growth struct {
	ID, Name, Country string
	Href              string
	Before, After     int
	Change            int
	CapBefore         int64
	CapAfter          int64
}

type overviewData struct {
	Date       string
	World      areaTotal
	LAC        areaTotal
	Regions    []areaTotal
	From       string // the earlier snapshot of the growth tables ("" when none)
	IXPGrowth  []growth
	LACIXPs    []growth
	CtryGrowth []growth
	LACCtries  []growth
	Countries  []areaTotal // by active exchanges, for the map's table
	Map        mapView
	ListAPI    string
	FromAPI    string
}

// overview serves /: world and region totals, fastest-growing exchanges
// and countries, and a world map.
func (w *web) overview(r *http.Request, p *page) error {
	cur, err := w.allIXPs(r, p.At)
	if err != nil {
		return err
	}
	p.SnapshotDate = cur.SnapshotDate
	p.Title = p.T("overview.title")
	d := &overviewData{Date: cur.SnapshotDate, ListAPI: p.API("/ixps", "per_page", "5000")}
	d.World = areaTotal{ID: "world", Name: p.T("area.world")}
	d.LAC = areaTotal{ID: geo.LAC, Name: p.RegionName(geo.LAC), Href: p.Href("/ixps", "region", geo.LAC)}
	byRegion := map[string]*areaTotal{}
	byCountry := map[string]*areaTotal{}
	for _, x := range cur.Data {
		d.World.add(x)
		if geo.InRegion(x.Country, geo.LAC) {
			d.LAC.add(x)
		}
		if id, ok := geo.ContinentID(x.Region); ok {
			if byRegion[id] == nil {
				byRegion[id] = &areaTotal{ID: id, Name: p.RegionName(id), Href: p.Href("/ixps", "region", x.Region)}
			}
			byRegion[id].add(x)
		}
		if x.Country != "" {
			if byCountry[x.Country] == nil {
				byCountry[x.Country] = &areaTotal{ID: x.Country, Name: p.Country(x.Country), Href: w.countryHref(p, x.Country)}
			}
			byCountry[x.Country].add(x)
		}
	}
	for _, c := range byCountry {
		if c.ActiveIXPs > 0 {
			d.World.Countries++
			if geo.InRegion(c.ID, geo.LAC) {
				d.LAC.Countries++
			}
			if rg := byRegion[geo.RegionOf(c.ID)]; rg != nil {
				rg.Countries++
			}
		}
	}
	for _, rg := range geo.Regions() {
		if t := byRegion[rg.ID]; t != nil {
			d.Regions = append(d.Regions, *t)
		}
	}
	for _, c := range byCountry {
		d.Countries = append(d.Countries, *c)
	}
	ind := r.URL.Query().Get("map")
	if _, ok := mapIndicators[ind]; !ok {
		ind = "ixps"
	}
	slices.SortFunc(d.Countries, func(a, b areaTotal) int {
		return cmp.Or(cmp.Compare(mapIndicators[ind](b), mapIndicators[ind](a)), cmp.Compare(a.Name, b.Name))
	})
	d.Map = w.world.view(p, ind, d.Countries)
	if len(d.Countries) > 20 {
		d.Countries = d.Countries[:20]
	}

	// Growth: against the snapshot in force a year before, or the oldest.
	at := p.atOrLatest()
	if at.IsZero() {
		p.Data = d
		return nil
	}
	prev, err := w.s.store.SnapshotAt(r.Context(), peeringdb.Source, at.AddDate(-1, 0, 0))
	if err != nil {
		snaps, serr := w.s.store.Snapshots(r.Context(), peeringdb.Source)
		if serr != nil || len(snaps) == 0 {
			p.Data = d
			return nil
		}
		prev = snaps[0]
	}
	if from := dateString(prev.At); from != cur.SnapshotDate {
		old, err := w.allIXPs(r, from)
		if err != nil {
			return err
		}
		d.From, d.FromAPI = from, p.Href("/api/v1/ixps", "per_page", "5000", "at", from)
		d.IXPGrowth, d.LACIXPs, d.CtryGrowth, d.LACCtries = w.growthTables(p, old, cur)
	}
	p.Data = d
	return nil
}

// growthTables compares two lists of exchanges: the ten exchanges and
// countries that gained most members, in the world and in LAC.
func (w *web) growthTables(p *page, old, cur ixpList) (ixps, lacIXPs, ctries, lacCtries []growth) {
	before := map[int64]ixpSummary{}
	for _, x := range old.Data {
		before[x.ID] = x
	}
	var all []growth
	byCountry := map[string]*growth{}
	for _, x := range cur.Data {
		b := before[x.ID]
		g := growth{ID: strconv.FormatInt(x.ID, 10), Name: x.Name, Country: x.Country, Href: p.Href("/ixps/" + strconv.FormatInt(x.ID, 10)),
			Before: b.Members, After: x.Members, Change: x.Members - b.Members, CapBefore: b.CapacityMbps, CapAfter: x.CapacityMbps}
		all = append(all, g)
		if x.Country == "" {
			continue
		}
		c := byCountry[x.Country]
		if c == nil {
			c = &growth{ID: x.Country, Name: p.Country(x.Country), Country: x.Country, Href: w.countryHref(p, x.Country)}
			byCountry[x.Country] = c
		}
		c.After += x.Members
		c.CapAfter += x.CapacityMbps
	}
	for _, x := range old.Data {
		if c := byCountry[x.Country]; c != nil {
			c.Before += x.Members
			c.CapBefore += x.CapacityMbps
		}
	}
	var countries []growth
	for _, c := range byCountry {
		c.Change = c.After - c.Before
		countries = append(countries, *c)
	}
	byChange := func(a, b growth) int { return cmp.Or(cmp.Compare(b.Change, a.Change), cmp.Compare(a.Name, b.Name)) }
	slices.SortFunc(all, byChange)
	slices.SortFunc(countries, byChange)
	top := func(gs []growth, lac bool) []growth {
		var out []growth
		for _, g := range gs {
			if g.Change <= 0 || len(out) == 10 {
				break
			}
			if !lac || geo.InRegion(g.Country, geo.LAC) {
				out = append(out, g)
			}
		}
		return out
	}
	return top(all, false), top(all, true), top(countries, false), top(countries, true)
}

// countryHref links a country to its page when that page exists, to the
// list of its exchanges otherwise.
func (w *web) countryHref(p *page, cc string) string {
	if w.pages["country"] != nil {
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
	v, err := w.s.handleIXPList(withQueryRequest(r, q))
	if err != nil {
		return err
	}
	l := v.(ixpList)
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
	Events     []eventJSON // newest first, at most maxEvents
	EventList  eventList
	Latest     *historyPoint // the history point of the snapshot shown
	Previous   *historyPoint // the point before it
	DetailAPI  string
	HistoryAPI string
	MembersAPI string
	EventsAPI  string
}

const maxEvents = 100

// ixp serves /ixps/{id}: indicators, growth charts, members, joins and
// leaves.
func (w *web) ixp(r *http.Request, p *page) error {
	v, err := w.s.handleIXP(r)
	if err != nil {
		return err
	}
	d := &ixpPageData{IXP: v.(ixpDetail)}
	p.SnapshotDate, p.Title = d.IXP.SnapshotDate, d.IXP.Name
	if v, err = w.s.handleIXPHistory(r); err != nil {
		return err
	}
	d.History = v.(history)
	for i := range d.History.Points {
		if d.History.Points[i].Date == d.IXP.SnapshotDate {
			d.Latest = &d.History.Points[i]
			if i > 0 {
				d.Previous = &d.History.Points[i-1]
			}
		}
	}
	if v, err = w.s.handleIXPMembers(r); err != nil {
		return err
	}
	d.Members = v.(memberList)
	eq := url.Values{}
	if p.At != "" {
		eq.Set("to", p.At)
	}
	if v, err = w.s.handleIXPEvents(withQueryRequest(r, eq)); err != nil {
		return err
	}
	d.EventList = v.(eventList)
	for i := len(d.EventList.Data) - 1; i >= 0 && len(d.Events) < maxEvents; i-- {
		d.Events = append(d.Events, d.EventList.Data[i])
	}
	id := strconv.FormatInt(d.IXP.ID, 10)
	d.DetailAPI = p.API("/ixps/" + id)
	d.HistoryAPI = "/api/v1/ixps/" + id + "/history"
	d.MembersAPI = p.API("/ixps/" + id + "/members")
	d.EventsAPI = withQuery("/api/v1/ixps/"+id+"/events", eq)
	p.Data = d
	return nil
}

type networkPageData struct {
	Net networkDetail
	API string
}

// network serves /networks/{asn}.
func (w *web) network(r *http.Request, p *page) error {
	v, err := w.s.handleNetwork(r)
	if err != nil {
		return err
	}
	d := &networkPageData{Net: v.(networkDetail), API: p.API("/networks/" + chi.URLParam(r, "asn"))}
	p.SnapshotDate = d.Net.SnapshotDate
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
	v, err := w.s.handleSources(r)
	if err != nil {
		return err
	}
	d := &sourcesPageData{Now: w.s.Now()}
	if m, ok := v.(map[string]any); ok {
		d.Sources, _ = m["data"].([]sourceHealth)
	}
	sv, err := w.s.handleSnapshots(withQueryRequest(r, url.Values{}))
	if err != nil {
		return err
	}
	for _, sn := range sv.(snapshotList).Data {
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

var asnQuery = regexp.MustCompile(`(?i)^\s*(AS)?\s*([0-9]{1,10})\s*$`)

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
	if m := asnQuery.FindStringSubmatch(q); m != nil {
		if _, err := parseASN(m[2]); err == nil {
			return redirect(p.Href("/networks/" + m[2]))
		}
	}
	if len(q) == 2 {
		if c, ok := geo.Country(q); ok {
			return redirect(w.countryHref(p, c.Code))
		}
	}
	lq := strings.ToLower(q)
	v, err := w.s.handleIXPList(withQueryRequest(r, url.Values{"name": {q}, "sort": {"-members"}, "per_page": {strconv.Itoa(maxSearchResults)}, "at": {p.At}}))
	if err != nil {
		return err
	}
	l := v.(ixpList)
	p.SnapshotDate = l.SnapshotDate
	for _, x := range l.Data {
		d.IXPs = append(d.IXPs, searchResult{Label: x.Name, Detail: x.City + ", " + p.Country(x.Country), Href: p.Href("/ixps/" + strconv.FormatInt(x.ID, 10))})
	}
	d.MoreIXPs = l.Total > len(l.Data)
	for _, c := range geo.Countries() {
		for _, name := range []string{c.NameEN, c.NameES, c.NamePT} {
			if strings.Contains(strings.ToLower(name), lq) {
				d.Countries = append(d.Countries, searchResult{Label: c.Name(p.lang), Detail: c.Code, Href: w.countryHref(p, c.Code)})
				break
			}
		}
	}
	sn, err := w.s.snapshotFor(r.Context(), r)
	if err != nil {
		return err
	}
	view, err := w.s.viewAt(r.Context(), sn)
	if err != nil {
		return err
	}
	for _, n := range view.networks {
		if strings.Contains(strings.ToLower(n.Name), lq) || strings.Contains(strings.ToLower(n.AKA), lq) {
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
