package dashboard

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
)

// ixpSummary is an exchange with its indicators at one snapshot.
type ixpSummary struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	NameLong string `json:"name_long,omitempty"`
	City     string `json:"city"`
	Country  string `json:"country"`
	Region   string `json:"region"`
	Created  string `json:"created,omitempty"`
	Website  string `json:"website,omitempty"`
	Active   bool   `json:"active"`
	ixp.ExchangeStats
	// RSMembers shadows the embedded count: null when a counted
	// connection's source has no route-server flag (PeeringDB v1
	// archives, 2010-2016), never a 0 that means nothing.
	RSMembers *int `json:"route_server_members"`
}

func summarize(e ixp.Exchange, st ixp.ExchangeStats) ixpSummary {
	return ixpSummary{ID: e.ID, Name: e.Name, NameLong: e.NameLong, City: e.City, Country: e.Country, Region: e.Region,
		Created: e.Created, Website: e.Website, Active: st.Active(), ExchangeStats: st, RSMembers: rsMembers(st)}
}

// rsMembers is an exchange's route-server members, nil when unknown.
func rsMembers(st ixp.ExchangeStats) *int {
	if st.RSUnknown {
		return nil
	}
	n := st.RSMembers
	return &n
}

// orMinus is n, or -1 when unknown (sorts below every known count).
func orMinus(n *int) int {
	if n == nil {
		return -1
	}
	return *n
}

// optNum is n as a filter value, NaN when unknown (matches no filter).
func optNum(n *int) float64 {
	if n == nil {
		return math.NaN()
	}
	return float64(*n)
}

var ixpCSVHeader = []string{"id", "name", "city", "country", "region", "created", "active", "members", "connections", "capacity_mbps", "ipv6_members", "route_server_members"}

func (x ixpSummary) csvRow() []string {
	return []string{strconv.FormatInt(x.ID, 10), x.Name, x.City, x.Country, x.Region, x.Created, strconv.FormatBool(x.Active),
		strconv.Itoa(x.Members), strconv.Itoa(x.Connections), strconv.FormatInt(x.CapacityMbps, 10),
		strconv.Itoa(x.IPv6Members), optInt(x.RSMembers)}
}

type ixpList struct {
	SnapshotDate string `json:"snapshot_date"`
	listMeta
	Data []ixpSummary `json:"data"`
}

// ixpFields are the filterable fields of /api/v1/ixps (country, region and
// name equality are the endpoint's own: exact code, region membership,
// substring of name or long name).
var ixpFields = map[string]fieldOf[ixpSummary]{
	"id":                   numField(func(x ixpSummary) float64 { return float64(x.ID) }),
	"name":                 strField(func(x ixpSummary) string { return x.Name }),
	"name_long":            strField(func(x ixpSummary) string { return x.NameLong }),
	"city":                 strField(func(x ixpSummary) string { return x.City }),
	"country":              strField(func(x ixpSummary) string { return x.Country }),
	"region":               strField(func(x ixpSummary) string { return x.Region }),
	"created":              strField(func(x ixpSummary) string { return x.Created }),
	"members":              numField(func(x ixpSummary) float64 { return float64(x.Members) }),
	"connections":          numField(func(x ixpSummary) float64 { return float64(x.Connections) }),
	"capacity_mbps":        numField(func(x ixpSummary) float64 { return float64(x.CapacityMbps) }),
	"ipv6_members":         numField(func(x ixpSummary) float64 { return float64(x.IPv6Members) }),
	"route_server_members": numField(func(x ixpSummary) float64 { return optNum(x.RSMembers) }),
}

var ixpListParams = params{names: append([]string{"country", "region", "name", "active"}, listParams...), filters: sortedKeys(ixpFields)}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (l ixpList) csvHeader() []string { return ixpCSVHeader }
func (l ixpList) csvRows() [][]string {
	rows := make([][]string, len(l.Data))
	for i, x := range l.Data {
		rows[i] = x.csvRow()
	}
	return rows
}

// snapshotFor returns the PeeringDB snapshot in force at at (the end of
// the day asked; zero for the newest).
func (s *Server) snapshotFor(ctx context.Context, at time.Time) (ixp.Snapshot, error) {
	sn, err := s.store.SnapshotAt(ctx, ixp.SourcePeeringDB, at)
	if err != nil {
		if at.IsZero() {
			return sn, notFound("no_data", "no PeeringDB data yet: run a collection or an import")
		}
		return sn, notFound("no_data_at", "no PeeringDB data at or before %s", day(at.Format(time.DateOnly)))
	}
	return sn, nil
}

var ixpSorts = map[string]func(a, b ixpSummary) bool{
	"id":           func(a, b ixpSummary) bool { return a.ID < b.ID },
	"name":         func(a, b ixpSummary) bool { return strings.ToLower(a.Name) < strings.ToLower(b.Name) },
	"country":      func(a, b ixpSummary) bool { return a.Country < b.Country },
	"members":      func(a, b ixpSummary) bool { return a.Members < b.Members },
	"connections":  func(a, b ixpSummary) bool { return a.Connections < b.Connections },
	"capacity":     func(a, b ixpSummary) bool { return a.CapacityMbps < b.CapacityMbps },
	"ipv6_members": func(a, b ixpSummary) bool { return a.IPv6Members < b.IPv6Members },
	"rs_members":   func(a, b ixpSummary) bool { return orMinus(a.RSMembers) < orMinus(b.RSMembers) },
	"created":      func(a, b ixpSummary) bool { return a.Created < b.Created },
}

// ixpListQuery is a query of GET /api/v1/ixps (and of the pages that list
// exchanges).
type ixpListQuery struct {
	Window  window // zero for page 1 of 100 (pageWindow's default)
	Sort    string // a key of ixpSorts ("" for id)
	Desc    bool
	Country string // ISO code, "" for every country
	Region  string // region id or PeeringDB region, "" for every region
	Name    string // substring of the name, long name or city (accents and case ignored)
	Active  *bool
	At      time.Time // the end of the day asked, zero for the newest snapshot
	// Filters holds PeeringDB-style filters on ixpFields (the names of
	// ixpListParams are skipped); nil for none.
	Filters url.Values
}

// parseIXPListQuery reads an ixpListQuery from a query string: filter by
// country, region, name (substring), active; sort by a column (prefix -
// for descending); PeeringDB-style filters on ixpFields; paginate with
// page and per_page or limit and skip.
func parseIXPListQuery(q url.Values) (ixpListQuery, error) {
	win, err := pageWindow(q)
	if err != nil {
		return ixpListQuery{}, err
	}
	out := ixpListQuery{Window: win, Filters: q}
	sortKey := q.Get("sort")
	out.Desc = strings.HasPrefix(sortKey, "-")
	out.Sort = strings.TrimPrefix(sortKey, "-")
	if _, ok := ixpSorts[cmp.Or(out.Sort, "id")]; !ok {
		return ixpListQuery{}, badRequest("bad_sort", "sort must be one of %s (prefix - for descending), not %q", strings.Join(sortedKeys(ixpSorts), ", "), out.Sort)
	}
	if v := q.Get("country"); v != "" {
		cc, ok := countryParam(v)
		if !ok {
			return ixpListQuery{}, badRequest("bad_country", "country must be an ISO 3166 code or a country name, not %q", v)
		}
		out.Country = cc
	}
	out.Region, out.Name = q.Get("region"), q.Get("name")
	if v := q.Get("active"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return ixpListQuery{}, badRequest("bad_bool", "active must be true or false, not %q", v).withParams("active", v)
		}
		out.Active = &b
	}
	if out.At, err = atParam(q); err != nil {
		return ixpListQuery{}, err
	}
	return out, nil
}

func parseIXPListRequest(r *http.Request) (ixpListQuery, error) {
	return parseIXPListQuery(r.URL.Query())
}

// ixpList answers an ixpListQuery: the exchanges of the snapshot in force
// at q.At that pass its filters, sorted, the window asked.
func (s *Server) ixpList(ctx context.Context, q ixpListQuery) (ixpList, error) {
	less, ok := ixpSorts[cmp.Or(q.Sort, "id")]
	if !ok {
		return ixpList{}, badRequest("bad_sort", "sort must be one of %s (prefix - for descending), not %q", strings.Join(sortedKeys(ixpSorts), ", "), q.Sort)
	}
	desc, win, country, active := q.Desc, q.Window, q.Country, q.Active
	if win.Limit == 0 {
		win = window{Page: 1, PerPage: 100, Limit: 100}
	}
	region := strings.ToLower(strings.TrimSpace(q.Region))
	name := fold(strings.TrimSpace(q.Name))
	sn, err := s.snapshotFor(ctx, q.At)
	if err != nil {
		return ixpList{}, err
	}
	v, err := s.exchangesAt(ctx, sn)
	if err != nil {
		return ixpList{}, err
	}
	var out []ixpSummary
	for _, e := range v.exchanges {
		if country != "" && e.Country != country {
			continue
		}
		if region != "" && strings.ToLower(e.Region) != region && !regionMatches(region, e.Country) {
			continue
		}
		if name != "" && !strings.Contains(fold(e.Name), name) && !strings.Contains(fold(e.NameLong), name) && !strings.Contains(fold(e.City), name) {
			continue
		}
		x := summarize(e, v.stats[e.ID])
		if active != nil && x.Active != *active {
			continue
		}
		out = append(out, x)
	}
	if out, err = filterList(q.Filters, ixpFields, ixpListParams.names, out); err != nil {
		return ixpList{}, err
	}
	sort.SliceStable(out, func(i, j int) bool {
		if desc {
			return less(out[j], out[i])
		}
		return less(out[i], out[j])
	})
	start, end := win.bounds(len(out))
	return ixpList{SnapshotDate: dateString(sn.At), listMeta: win.meta(len(out)), Data: nonNilSlice(out[start:end])}, nil
}

func nonNilSlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

type ixpDetail struct {
	SnapshotDate string `json:"snapshot_date"`
	ixpSummary
}

// ixpQuery names one exchange at a date: the query of
// /api/v1/ixps/{id}, /members and /sources.
type ixpQuery struct {
	ID int64
	At time.Time // the end of the day asked, zero for the newest snapshot
}

// parseIXPQuery reads {id} and ?at= of a request.
func parseIXPQuery(r *http.Request) (ixpQuery, error) {
	id, err := pathInt(chi.URLParam(r, "id"), "ixp id")
	if err != nil {
		return ixpQuery{}, err
	}
	at, err := atParam(r.URL.Query())
	return ixpQuery{ID: id, At: at}, err
}

// ixp answers GET /api/v1/ixps/{id}?at=DATE.
func (s *Server) ixp(ctx context.Context, q ixpQuery) (ixpDetail, error) {
	id := q.ID
	sn, err := s.snapshotFor(ctx, q.At)
	if err != nil {
		return ixpDetail{}, err
	}
	e, err := s.exchangeAt(ctx, id, sn)
	if err != nil {
		return ixpDetail{}, err
	}
	stats, err := s.store.ExchangeStats(ctx, sn.ID, id)
	if err != nil {
		return ixpDetail{}, err
	}
	var st ixp.ExchangeStats
	if len(stats) == 1 {
		st = stats[0]
	}
	return ixpDetail{SnapshotDate: dateString(sn.At), ixpSummary: summarize(e, st)}, nil
}

func (s *Server) exchangeAt(ctx context.Context, id int64, sn ixp.Snapshot) (ixp.Exchange, error) {
	var e ixp.Exchange
	recs, err := s.store.Objects(ctx, ixp.SourcePeeringDB, ixp.KindExchange, sn.At, store.Filter{ID: id})
	if err != nil {
		return e, err
	}
	if len(recs) == 0 {
		return e, notFound("no_ixp", "no IXP with id %d on %s", id, day(dateString(sn.At)))
	}
	err = json.Unmarshal(recs[0].Data, &e)
	return e, err
}

type member struct {
	ASN         ixp.ASN `json:"asn"`
	Name        string  `json:"name"`
	Speed       int64   `json:"speed_mbps"`
	IPv4        string  `json:"ipv4,omitempty"`
	IPv6        string  `json:"ipv6,omitempty"`
	RouteServer bool    `json:"route_server"`
	Since       string  `json:"since,omitempty"`
}

type memberList struct {
	SnapshotDate string `json:"snapshot_date"`
	IXPID        int64  `json:"ixp_id"`
	Members      int    `json:"members"`
	Connections  int    `json:"connections"`
	// With name, sort or paging asked: the rows matching name and the
	// window of them in data (page/per_page or skip/limit).
	Total   *int     `json:"total,omitempty"`
	Page    int      `json:"page,omitempty"`
	PerPage int      `json:"per_page,omitempty"`
	Skip    *int     `json:"skip,omitempty"`
	Limit   *int     `json:"limit,omitempty"`
	Data    []member `json:"data"`
}

func (l memberList) csvHeader() []string {
	return []string{"asn", "name", "speed_mbps", "ipv4", "ipv6", "route_server", "since"}
}

func (l memberList) csvRows() [][]string {
	rows := make([][]string, len(l.Data))
	for i, m := range l.Data {
		rows[i] = []string{strconv.FormatUint(uint64(m.ASN), 10), m.Name, strconv.FormatInt(m.Speed, 10), m.IPv4, m.IPv6, strconv.FormatBool(m.RouteServer), m.Since}
	}
	return rows
}

// membersQuery is the query of /api/v1/ixps/{id}/members: the search,
// sort and pages of the IXP page's member table (mq, msort, mpage there).
type membersQuery struct {
	ixpQuery
	Name   string  // part of the network's name or the start of its ASN (memberMatches); "" for every row
	Sort   string  // a key of memberSortKeys ("" for asn)
	Desc   bool    // descending
	Window *window // nil for every matching row
}

// filtered reports whether the query asks for less than every row in
// ASN order (the answer then says total and its window).
func (q membersQuery) filtered() bool { return q.Name != "" || q.Sort != "" || q.Window != nil }

// parseMembersQuery reads {id}, ?at=, ?name=, ?sort= and the paging
// parameters (page/per_page or limit/skip) of a request.
func parseMembersQuery(r *http.Request) (membersQuery, error) {
	iq, err := parseIXPQuery(r)
	if err != nil {
		return membersQuery{}, err
	}
	v := r.URL.Query()
	q := membersQuery{ixpQuery: iq, Name: strings.TrimSpace(v.Get("name"))}
	q.Sort, q.Desc = strings.CutPrefix(v.Get("sort"), "-")
	q.Desc = q.Desc && q.Sort != ""
	if _, ok := memberSortKeys[cmp.Or(q.Sort, "asn")]; !ok {
		return membersQuery{}, badRequest("bad_sort", "sort must be one of %s (prefix - for descending), not %q", strings.Join(sortedKeys(memberSortKeys), ", "), q.Sort)
	}
	for _, k := range []string{"page", "per_page", "limit", "skip"} {
		if v.Has(k) {
			win, err := pageWindow(v)
			if err != nil {
				return membersQuery{}, err
			}
			q.Window = &win
			break
		}
	}
	return q, nil
}

// members answers GET /api/v1/ixps/{id}/members?at=DATE: one row per
// connection, ordered by ASN; with name, sort or paging, the rows the
// IXP page's member table shows for the same search, sort and page.
func (s *Server) members(ctx context.Context, q membersQuery) (memberList, error) {
	id := q.ID
	sn, err := s.snapshotFor(ctx, q.At)
	if err != nil {
		return memberList{}, err
	}
	if _, err := s.exchangeAt(ctx, id, sn); err != nil {
		return memberList{}, err
	}
	conns, err := s.connectionsOf(ctx, sn, id)
	if err != nil {
		return memberList{}, err
	}
	var asns []ixp.ASN
	for _, c := range conns { // ordered by ASN
		if len(asns) == 0 || asns[len(asns)-1] != c.ASN {
			asns = append(asns, c.ASN)
		}
	}
	names, err := s.networkNamesOf(ctx, sn, asns)
	if err != nil {
		return memberList{}, err
	}
	out := memberList{SnapshotDate: dateString(sn.At), IXPID: id, Data: []member{}}
	for _, c := range conns {
		out.Data = append(out.Data, member{ASN: c.ASN, Name: names[c.ASN].Name, Speed: c.Speed, IPv4: c.IPv4, IPv6: c.IPv6, RouteServer: c.RouteServer, Since: c.Created})
	}
	out.Members, out.Connections = len(asns), len(out.Data)
	if q.filtered() {
		if _, ok := memberSortKeys[cmp.Or(q.Sort, "asn")]; !ok {
			return memberList{}, badRequest("bad_sort", "sort must be one of %s (prefix - for descending), not %q", strings.Join(sortedKeys(memberSortKeys), ", "), q.Sort)
		}
		rows := selectMembers(out.Data, q.Name, cmp.Or(q.Sort, "asn"), q.Desc)
		total := len(rows)
		out.Total = &total
		if w := q.Window; w != nil {
			start, end := w.bounds(total)
			rows = rows[start:end]
			m := w.meta(total)
			out.Page, out.PerPage, out.Skip, out.Limit = m.Page, m.PerPage, m.Skip, m.Limit
		}
		out.Data = nonNilSlice(rows)
	}
	return out, nil
}

type historyPoint struct {
	Date       string `json:"date"`
	SnapshotID int64  `json:"snapshot_id"`
	Active     bool   `json:"active"`
	ixp.ExchangeStats
	RSMembers *int `json:"route_server_members"` // null when unknown (see ixpSummary)
}

type history struct {
	IXPID  int64          `json:"ixp_id"`
	Points []historyPoint `json:"points"`
}

func (h history) csvHeader() []string {
	return []string{"date", "members", "connections", "capacity_mbps", "ipv6_members", "route_server_members", "active"}
}

func (h history) csvRows() [][]string {
	rows := make([][]string, len(h.Points))
	for i, p := range h.Points {
		rows[i] = []string{p.Date, strconv.Itoa(p.Members), strconv.Itoa(p.Connections), strconv.FormatInt(p.CapacityMbps, 10),
			strconv.Itoa(p.IPv6Members), optInt(p.RSMembers), strconv.FormatBool(p.Active)}
	}
	return rows
}

// ixpHistoryQuery names an exchange: the query of /api/v1/ixps/{id}/history.
type ixpHistoryQuery struct{ ID int64 }

func parseIXPHistoryQuery(r *http.Request) (ixpHistoryQuery, error) {
	id, err := pathInt(chi.URLParam(r, "id"), "ixp id")
	return ixpHistoryQuery{ID: id}, err
}

// ixpHistory answers GET /api/v1/ixps/{id}/history: one point per
// PeeringDB snapshot in which the exchange existed.
func (s *Server) ixpHistory(ctx context.Context, q ixpHistoryQuery) (history, error) {
	id := q.ID
	pts, err := s.store.ExchangeHistory(ctx, ixp.SourcePeeringDB, id)
	if err != nil {
		return history{}, err
	}
	if len(pts) == 0 {
		return history{}, notFound("no_ixp", "no IXP with id %d in any snapshot", id)
	}
	h := history{IXPID: id, Points: make([]historyPoint, len(pts))}
	for i, p := range pts {
		h.Points[i] = historyPoint{Date: dateString(p.At), SnapshotID: p.SnapshotID, Active: p.Active(), ExchangeStats: p.ExchangeStats, RSMembers: rsMembers(p.ExchangeStats)}
	}
	return h, nil
}

type eventList struct {
	IXPID int64  `json:"ixp_id"`
	From  string `json:"from"`
	// To is the date of the newest PeeringDB snapshot at or before the
	// asked end (the data's date, not the clock's): events are known up
	// to it.
	To     string      `json:"to"`
	Joins  int         `json:"joins"`
	Leaves int         `json:"leaves"`
	Data   []eventJSON `json:"data"`
}

type eventJSON struct {
	Date string  `json:"date"`
	Type string  `json:"type"`
	ASN  ixp.ASN `json:"asn"`
	// Name: the network's name in the version valid at a join, or just
	// before a leave (kept when a later snapshot deleted the network).
	Name string `json:"name,omitempty"`
}

func (l eventList) csvHeader() []string { return []string{"date", "type", "asn", "name"} }
func (l eventList) csvRows() [][]string {
	rows := make([][]string, len(l.Data))
	for i, e := range l.Data {
		rows[i] = []string{e.Date, e.Type, strconv.FormatUint(uint64(e.ASN), 10), e.Name}
	}
	return rows
}

// eventsQuery is the query of /api/v1/ixps/{id}/events.
type eventsQuery struct {
	ID       int64
	From, To time.Time // days; zero From for the beginning, zero To for today
}

func parseEventsQuery(r *http.Request) (eventsQuery, error) {
	id, err := pathInt(chi.URLParam(r, "id"), "ixp id")
	if err != nil {
		return eventsQuery{}, err
	}
	q := eventsQuery{ID: id}
	if q.From, err = queryDate(r.URL.Query(), "from"); err != nil {
		return eventsQuery{}, err
	}
	q.To, err = queryDate(r.URL.Query(), "to")
	return q, err
}

// ixpEvents answers GET /api/v1/ixps/{id}/events?from=&to=: the networks
// that joined (became members) and left between the two dates.
func (s *Server) ixpEvents(ctx context.Context, q eventsQuery) (eventList, error) {
	id, from, to := q.ID, q.From, q.To
	if to.IsZero() {
		to = s.Now().UTC()
	}
	to = ixp.EndOfDay(to)
	if !from.IsZero() && from.After(to) {
		return eventList{}, badRequest("bad_range", "from (%s) is after to (%s)", dateString(from), dateString(to))
	}
	if from.IsZero() {
		from = time.Unix(0, 0).UTC()
	}
	snaps, err := s.peeringDBSnapshots(ctx)
	if err != nil {
		return eventList{}, err
	}
	if len(snaps) == 0 {
		return eventList{}, notFound("no_data", "no PeeringDB data yet")
	}
	spans, err := s.spans.get(ctx, fmt.Sprintf("%d/%d", id, snaps[len(snaps)-1].ID), func(ctx context.Context) (map[ixp.ASN][]span, error) {
		versions, err := s.store.Versions(ctx, ixp.SourcePeeringDB, ixp.KindConnection, time.Unix(0, 0), time.Time{}, store.Filter{IXID: id})
		if err != nil {
			return nil, err
		}
		return membershipSpans(versions), nil
	})
	if err != nil {
		return eventList{}, err
	}
	events := membershipEvents(spans, snaps[0].At, from, to)
	names, err := s.eventNames(ctx, events)
	if err != nil {
		return eventList{}, err
	}
	// Up to the data's date: the newest snapshot at or before to.
	upTo := snaps[0].At
	for _, sn := range snaps {
		if !sn.At.After(to) && sn.At.After(upTo) {
			upTo = sn.At
		}
	}
	out := eventList{IXPID: id, From: dateString(from), To: dateString(upTo), Data: []eventJSON{}}
	for i, e := range events {
		out.Data = append(out.Data, eventJSON{Date: dateString(e.Date), Type: e.Type, ASN: e.ASN, Name: names[i]})
		if e.Type == "join" {
			out.Joins++
		} else {
			out.Leaves++
		}
	}
	return out, nil
}

// eventNames returns the name of the network of each event: from its
// PeeringDB network version valid at a join, or just before a leave (the
// last name known while it was a member, even when the snapshot of the
// leave deleted the network record).
func (s *Server) eventNames(ctx context.Context, events []ixp.Event) ([]string, error) {
	out := make([]string, len(events))
	versions, err := s.networkVersionsOf(ctx, events)
	if err != nil {
		return nil, err
	}
	decoded := map[*store.Version]string{} // each version decoded once
	for i, e := range events {
		vs := versions[e.ASN]
		var best *store.Version
		for j := range vs {
			v := &vs[j]
			var valid bool
			if e.Type == "leave" { // valid just before the leave
				valid = v.From.Before(e.Date) && (v.To.IsZero() || !v.To.Before(e.Date))
			} else { // valid at the join
				valid = !v.From.After(e.Date) && (v.To.IsZero() || v.To.After(e.Date))
			}
			if valid && (best == nil || v.From.After(best.From)) {
				best = v
			}
		}
		if best == nil {
			continue
		}
		name, ok := decoded[best]
		if !ok {
			var n netName
			if err := netNamePicker.decode(best.Data, &n); err != nil {
				return nil, fmt.Errorf("decode PeeringDB network %d (AS%d): %w", best.ID, e.ASN, err)
			}
			name, decoded[best] = n.Name, n.Name
		}
		out[i] = name
	}
	return out, nil
}

// networkVersionsOf returns every PeeringDB network version of the ASNs
// of events, by ASN: a query per store.MaxFilterASNs ASNs, not one per
// ASN (a first IXP page of a date names every member that joined or left
// up to it, thousands at the largest exchanges).
func (s *Server) networkVersionsOf(ctx context.Context, events []ixp.Event) (map[ixp.ASN][]store.Version, error) {
	seen := map[ixp.ASN]bool{}
	var asns []ixp.ASN
	for _, e := range events {
		if !seen[e.ASN] {
			seen[e.ASN] = true
			asns = append(asns, e.ASN)
		}
	}
	out := make(map[ixp.ASN][]store.Version, len(asns))
	for batch := range slices.Chunk(asns, store.MaxFilterASNs) {
		vs, err := s.store.Versions(ctx, ixp.SourcePeeringDB, ixp.KindNetwork, time.Unix(0, 0), time.Time{}, store.Filter{ASNs: batch})
		if err != nil {
			return nil, err
		}
		for _, v := range vs {
			out[v.ASN] = append(out[v.ASN], v)
		}
	}
	return out, nil
}

// span is a period of membership: [from, to), to zero while it lasts.
type span struct{ from, to time.Time }

// membershipSpans merges the validity intervals of an exchange's
// connections into membership periods per ASN: an ASN is a member while
// any of its connections is valid. A connection counts as membershipOf
// counts it (the same picker: its asn and state); one whose asn or state
// does not decode is left out.
func membershipSpans(versions []store.Version) map[ixp.ASN][]span {
	byASN := map[ixp.ASN][]span{}
	for _, v := range versions {
		var c memberConn
		if memberConnPicker.decode(v.Data, &c) != nil || !(ixp.Connection{State: c.State}).Counts() {
			continue
		}
		byASN[c.ASN] = append(byASN[c.ASN], span{v.From, v.To})
	}
	for asn, spans := range byASN {
		sort.Slice(spans, func(i, j int) bool { return spans[i].from.Before(spans[j].from) })
		merged := []span{spans[0]}
		for _, sp := range spans[1:] {
			last := &merged[len(merged)-1]
			if last.to.IsZero() || !sp.from.After(last.to) {
				if last.to.IsZero() || sp.to.IsZero() {
					last.to = time.Time{}
				} else if sp.to.After(last.to) {
					last.to = sp.to
				}
				continue
			}
			merged = append(merged, sp)
		}
		byASN[asn] = merged
	}
	return byASN
}

// membershipEvents lists the joins (starts of membership) and leaves (ends)
// in (from, to]. A network present in the first snapshot of the source did
// not join then: the history just starts there.
func membershipEvents(spans map[ixp.ASN][]span, first, from, to time.Time) []ixp.Event {
	var events []ixp.Event
	for asn, merged := range spans {
		for _, sp := range merged {
			if sp.from.After(from) && !sp.from.After(to) && sp.from.After(first) {
				events = append(events, ixp.Event{Date: sp.from, Type: "join", ASN: asn})
			}
			if !sp.to.IsZero() && sp.to.After(from) && !sp.to.After(to) {
				events = append(events, ixp.Event{Date: sp.to, Type: "leave", ASN: asn})
			}
		}
	}
	sort.Slice(events, func(i, j int) bool {
		if !events[i].Date.Equal(events[j].Date) {
			return events[i].Date.Before(events[j].Date)
		}
		if events[i].Type != events[j].Type {
			return events[i].Type < events[j].Type
		}
		return events[i].ASN < events[j].ASN
	})
	return events
}

// An exchange's CSV is one row with the columns of /api/v1/ixps.
func (d ixpDetail) csvHeader() []string { return ixpCSVHeader }
func (d ixpDetail) csvRows() [][]string { return [][]string{d.csvRow()} }
