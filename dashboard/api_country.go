package dashboard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/ixpobs/ixpobs/geo"
	"github.com/ixpobs/ixpobs/indicator"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
)

// countryState is the data behind every country and region answer at one
// date: the snapshots in force then (stateRef) and the figures of every
// country and area in that state (derivedState, aggregates.go).
type countryState struct {
	key       string    // identifies the snapshots behind the state
	date      time.Time // the date asked for (zero: latest)
	pdb       *ixp.Snapshot
	rirDates  map[string]string
	bgpDates  map[string]string // collector source → RIB date of the snapshot paired
	countries map[string]indicator.CountryStats
	areas     map[string]areaStats
}

// stateAt gathers the figures of the PeeringDB, RIR and BGP snapshots in
// force at at (the pairing rule of docs/INDICATORS.md; timeline.at).
func (s *Server) stateAt(ctx context.Context, at time.Time) (*countryState, error) {
	tl, err := s.timeline(ctx)
	if err != nil {
		return nil, err
	}
	ref := tl.at(at)
	if ref.pdb == nil && len(ref.rir) == 0 {
		if at.IsZero() {
			return nil, notFound("no_data", "no PeeringDB or RIR data yet: run a collection or an import")
		}
		return nil, notFound("no_data_at", "no PeeringDB or RIR data at or before %s", day(dateString(at)))
	}
	ds, err := s.stateFor(ctx, ref)
	if err != nil {
		return nil, err
	}
	return &countryState{key: ref.key, date: at, pdb: ref.pdb, rirDates: rirDates(ref.rir), bgpDates: bgpDates(ref.bgp), countries: ds.countries, areas: ds.areas}, nil
}

// areaStats returns the totals of an area (a region id or "world"):
// members distinct across the area.
func (cs *countryState) areaStats(id string) indicator.CountryStats {
	return cs.areas[id].CountryStats
}

// buildRegistry merges the ASN delegations of the RIR snapshots.
func (s *Server) buildRegistry(ctx context.Context, snaps []ixp.Snapshot) (indicator.Registry, error) {
	reg := indicator.Registry{}
	for _, rs := range snaps {
		recs, err := s.store.Objects(ctx, rs.Source, ixp.KindASNDelegation, rs.At, store.Filter{})
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			var d ixp.ASNDelegation
			if err := json.Unmarshal(r.Data, &d); err != nil {
				return nil, fmt.Errorf("decode %s ASN %d: %w", rs.Source, r.ID, err)
			}
			reg[d.ASN] = d.Country
		}
	}
	return reg, nil
}

type countryJSON struct {
	Country string `json:"country"`
	Name    string `json:"name"`
	Region  string `json:"region"`
	LAC     bool   `json:"lac"`
	// The PeeringDB figures as the API gives them: null when unknown (no
	// PeeringDB snapshot in force at the date; capacity when no port
	// speed is known; the IPv6 share without members), never 0. They
	// shadow the same JSON names of the embedded CountryStats.
	NIXPs        *int     `json:"ixps"`
	NActiveIXPs  *int     `json:"active_ixps"`
	NMembers     *int     `json:"members"`
	NConnections *int     `json:"connections"`
	NCapacity    *int64   `json:"capacity_mbps"`
	NIPv6Members *int     `json:"ipv6_members"`
	NIPv6Share   *float64 `json:"ipv6_share"`
	// AsOf names the snapshot of each source the figures come from.
	AsOf asOf `json:"as_of"`
	// BGP shadows the stats' BGP figures: null without a collector
	// snapshot within indicator.CollectorWindow of the PeeringDB
	// snapshot, with the RIB date of each collector used otherwise.
	BGP *countryBGP `json:"bgp"`
	indicator.CountryStats
}

// countryBGP are a country's BGP figures and the collector snapshots
// they come from (collector source → RIB date).
type countryBGP struct {
	indicator.CountryBGP
	AsOf map[string]string `json:"as_of"`
}

// asOf names the date of the snapshot of each source a figure comes from.
type asOf struct {
	PeeringDB string            `json:"peeringdb,omitempty"` // absent: no PeeringDB data then
	RIR       map[string]string `json:"rir,omitempty"`       // registry → file date
}

// countryAsOf returns the sources of a country's figures: the PeeringDB
// snapshot and the file of the registry serving it.
func (cs *countryState) countryAsOf(cc string) asOf {
	a := asOf{}
	if cs.pdb != nil {
		a.PeeringDB = dateString(cs.pdb.At)
	}
	reg := geo.RIROf(cc)
	if d, ok := cs.rirDates[reg]; ok {
		a.RIR = map[string]string{reg: d}
	}
	return a
}

// withFigures fills the nullable PeeringDB figures of c from its stats
// when PeeringDB data exists (known).
func (c countryJSON) withFigures(known bool) countryJSON {
	if !known {
		// Local ASNs need the PeeringDB members: unknown too.
		c.LocalASNs, c.LocalParticipation = nil, nil
		return c
	}
	st := c.CountryStats
	c.NIXPs, c.NActiveIXPs, c.NMembers, c.NConnections, c.NIPv6Members = &st.IXPs, &st.ActiveIXPs, &st.Members, &st.Connections, &st.IPv6Members
	if st.Connections == 0 || st.CapacityMbps > 0 {
		c.NCapacity = &st.CapacityMbps
	}
	if st.Members > 0 {
		c.NIPv6Share = &st.IPv6Share
	}
	return c
}

func (cs *countryState) countryJSON(cc string, lang string) countryJSON {
	return newCountryJSON(cc, lang, cs.countries[cc], cs.countryAsOf(cc), cs.bgpDates, cs.pdb != nil)
}

// newCountryJSON is a country's answer from its figures st, their
// sources a, the RIB date of each collector (the BGP figures are null
// without one) and whether PeeringDB data exists at the date.
func newCountryJSON(cc, lang string, st indicator.CountryStats, a asOf, bgpDates map[string]string, known bool) countryJSON {
	c := countryJSON{Country: cc, Name: geo.Name(cc, lang), Region: geo.RegionOf(cc), LAC: geo.InRegion(cc, geo.LAC),
		CountryStats: st, AsOf: a}
	if b := st.BGP; b != nil && len(bgpDates) > 0 {
		c.BGP = &countryBGP{CountryBGP: *b, AsOf: bgpDates}
	}
	return c.withFigures(known)
}

var countryCSVHeader = []string{"country", "name", "region", "lac", "ixps", "active_ixps", "members", "connections", "capacity_mbps",
	"ipv6_members", "ipv6_share", "registered_asns", "registered_asns_at_local_ixps", "local_participation", "peeringdb_date", "rir_date"}

func optInt(p *int) string {
	if p == nil {
		return ""
	}
	return strconv.Itoa(*p)
}

func optInt64(p *int64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatInt(*p, 10)
}

func optFloat(p *float64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(*p, 'f', 4, 64)
}

// csvRow is the row of c: unknown figures are empty cells; rir_date is
// "registry=date" for each file the registered figures come from.
func (c countryJSON) csvRow() []string {
	var rir []string
	for reg, d := range c.AsOf.RIR {
		rir = append(rir, reg+"="+d)
	}
	sort.Strings(rir)
	return []string{c.Country, c.Name, c.Region, strconv.FormatBool(c.LAC), optInt(c.NIXPs), optInt(c.NActiveIXPs),
		optInt(c.NMembers), optInt(c.NConnections), optInt64(c.NCapacity), optInt(c.NIPv6Members),
		optFloat(c.NIPv6Share), optInt(c.RegisteredASNs), optInt(c.LocalASNs), optFloat(c.LocalParticipation),
		c.AsOf.PeeringDB, strings.Join(rir, " ")}
}

type countryList struct {
	Date          string            `json:"date,omitempty"`
	PeeringDBDate string            `json:"peeringdb_date,omitempty"`
	RIRDates      map[string]string `json:"rir_dates"`
	Data          []countryJSON     `json:"data"`
}

func (l countryList) csvHeader() []string { return countryCSVHeader }
func (l countryList) csvRows() [][]string {
	rows := make([][]string, len(l.Data))
	for i, c := range l.Data {
		rows[i] = c.csvRow()
	}
	return rows
}

// langParam reads ?lang= (en, es or pt; anything else is en).
func langParam(q url.Values) string {
	switch l := q.Get("lang"); l {
	case "es", "pt":
		return l
	}
	return "en"
}

func (cs *countryState) header() (date, pdbDate string) {
	if cs.pdb != nil {
		pdbDate = dateString(cs.pdb.At)
	}
	if !cs.date.IsZero() {
		date = dateString(cs.date)
	}
	return date, pdbDate
}

// countriesQuery is the query of GET /api/v1/countries.
type countriesQuery struct {
	At     time.Time // the end of the day asked, zero for the newest data
	Region string    // a region id, "" for every country
	Lang   string    // names in en, es or pt
}

func parseCountriesQuery(r *http.Request) (countriesQuery, error) {
	q := r.URL.Query()
	at, err := atParam(q)
	if err != nil {
		return countriesQuery{}, err
	}
	region := strings.ToLower(q.Get("region"))
	if region != "" {
		if _, ok := geo.RegionByID(region); !ok {
			return countriesQuery{}, badRequest("bad_region", "unknown region %q", region)
		}
	}
	return countriesQuery{At: at, Region: region, Lang: langParam(q)}, nil
}

// countryList answers GET /api/v1/countries?at=DATE[&region=ID]: every
// country with an IXP or registered ASNs and its indicators.
func (s *Server) countryList(ctx context.Context, q countriesQuery) (countryList, error) {
	region := strings.ToLower(q.Region)
	if region != "" {
		if _, ok := geo.RegionByID(region); !ok {
			return countryList{}, badRequest("bad_region", "unknown region %q", region)
		}
	}
	cs, err := s.stateAt(ctx, q.At)
	if err != nil {
		return countryList{}, err
	}
	out := countryList{RIRDates: cs.rirDates, Data: []countryJSON{}}
	out.Date, out.PeeringDBDate = cs.header()
	lang := q.Lang
	for cc := range cs.countries {
		if region != "" && !geo.InRegion(cc, region) {
			continue
		}
		out.Data = append(out.Data, cs.countryJSON(cc, lang))
	}
	sort.Slice(out.Data, func(i, j int) bool { return out.Data[i].Country < out.Data[j].Country })
	return out, nil
}

// yearAgo is the observation a year-over-year change compares with: the
// PeeringDB snapshot indicator.YearBefore picks, with the RIR files the
// pairing rule gives it (as_of).
type yearAgo struct {
	Date string `json:"date"`
	AsOf asOf   `json:"as_of"`
	indicator.CountryStats
}

type countryDetail struct {
	Date          string            `json:"date,omitempty"`
	PeeringDBDate string            `json:"peeringdb_date,omitempty"`
	RIRDates      map[string]string `json:"rir_dates"`
	countryJSON
	Names     map[string]string  `json:"names"`
	Subregion string             `json:"subregion"`
	YearAgo   *yearAgo           `json:"year_ago,omitempty"`
	Change    map[string]float64 `json:"yoy_change,omitempty"`
	// NoYearAgo says why year_ago and yoy_change are absent.
	NoYearAgo string        `json:"no_year_ago,omitempty"`
	IXPList   []ixpSummary  `json:"ixp_list"`
	Neighbors []countryJSON `json:"neighbours"`
}

// countryCode reads the {cc} of a path: an ISO 3166-1 alpha-2 code.
func countryCode(raw string) (string, error) {
	cc := geo.Normalize(raw)
	if cc == "" {
		return "", badRequest("bad_country", "unknown country code %q (ISO 3166-1 alpha-2, e.g. BR)", raw)
	}
	return cc, nil
}

// yoyChange returns the year-over-year change of each indicator: the
// difference for counts and shares (shares in fractions).
func yoyChange(now, before indicator.CountryStats) map[string]float64 {
	ch := map[string]float64{
		"ixps":          float64(now.IXPs - before.IXPs),
		"active_ixps":   float64(now.ActiveIXPs - before.ActiveIXPs),
		"members":       float64(now.Members - before.Members),
		"connections":   float64(now.Connections - before.Connections),
		"capacity_mbps": float64(now.CapacityMbps - before.CapacityMbps),
		"ipv6_members":  float64(now.IPv6Members - before.IPv6Members),
		"ipv6_share":    now.IPv6Share - before.IPv6Share,
	}
	if now.RegisteredASNs != nil && before.RegisteredASNs != nil {
		ch["registered_asns"] = float64(*now.RegisteredASNs - *before.RegisteredASNs)
		ch["registered_asns_at_local_ixps"] = float64(*now.LocalASNs - *before.LocalASNs)
	}
	if now.LocalParticipation != nil && before.LocalParticipation != nil {
		ch["local_participation"] = *now.LocalParticipation - *before.LocalParticipation
	}
	return ch
}

// yearBefore returns the state to compare cs with for a year-over-year
// change: the PeeringDB snapshot 300 to 430 days before cs's (the nearest
// to a year; indicator.YearBefore), nil when there is none ("no earlier
// data": a change is never computed against a date without data), with
// the reason then.
func (s *Server) yearBefore(ctx context.Context, cs *countryState) (*countryState, string, error) {
	if cs.pdb == nil {
		return nil, "no PeeringDB snapshot at this date", nil
	}
	none := fmt.Sprintf("no PeeringDB snapshot 300 to 430 days before %s", dateString(cs.pdb.At))
	dates, err := s.snapshotDates(ctx)
	if err != nil {
		return nil, "", err
	}
	i, ok := indicator.YearBefore(cs.pdb.At, dates)
	if !ok {
		return nil, none, nil
	}
	prev, err := s.stateAt(ctx, ixp.EndOfDay(dates[i]))
	var ae *apiError
	if errors.As(err, &ae) && ae.status == http.StatusNotFound {
		return nil, none, nil
	}
	if err != nil {
		return nil, "", err
	}
	if prev.pdb == nil {
		return nil, none, nil
	}
	return prev, "", nil
}

// countryQuery names a country at a date: the query of
// /api/v1/countries/{cc} and /api/v1/arda/countries/{cc}.
type countryQuery struct {
	CC   string    // ISO code (countryCode)
	At   time.Time // the end of the day asked, zero for the newest data
	Lang string    // names in en, es or pt
}

// parseCountryQuery reads {cc}, ?at= and ?lang= of a request.
func parseCountryQuery(r *http.Request) (countryQuery, error) {
	cc, err := countryCode(chi.URLParam(r, "cc"))
	if err != nil {
		return countryQuery{}, err
	}
	q := r.URL.Query()
	at, err := atParam(q)
	if err != nil {
		return countryQuery{}, err
	}
	return countryQuery{CC: cc, At: at, Lang: langParam(q)}, nil
}

// country answers GET /api/v1/countries/{cc}?at=DATE.
func (s *Server) country(ctx context.Context, q countryQuery) (countryDetail, error) {
	cc := q.CC
	cs, err := s.stateAt(ctx, q.At)
	if err != nil {
		return countryDetail{}, err
	}
	lang := q.Lang
	st := cs.countries[cc]
	info, _ := geo.Country(cc)
	out := countryDetail{RIRDates: cs.rirDates, countryJSON: cs.countryJSON(cc, lang),
		Names: map[string]string{"en": info.NameEN, "es": info.NameES, "pt": info.NamePT}, Subregion: info.Subregion,
		IXPList: []ixpSummary{}, Neighbors: []countryJSON{}}
	out.Date, out.PeeringDBDate = cs.header()
	if cs.pdb != nil {
		ev, err := s.exchangesAt(ctx, *cs.pdb)
		if err != nil {
			return countryDetail{}, err
		}
		for _, e := range ev.exchanges {
			if geo.Normalize(e.Country) == cc {
				out.IXPList = append(out.IXPList, summarize(e, ev.stats[e.ID]))
			}
		}
	}
	sort.Slice(out.IXPList, func(i, j int) bool { return out.IXPList[i].Members > out.IXPList[j].Members })
	for _, n := range geo.Neighbours(cc) {
		if _, ok := cs.countries[n]; ok {
			out.Neighbors = append(out.Neighbors, cs.countryJSON(n, lang))
		}
	}
	prev, why, err := s.yearBefore(ctx, cs)
	if err != nil {
		return countryDetail{}, err
	}
	out.NoYearAgo = why
	if prev != nil {
		pst := prev.countries[cc]
		out.YearAgo = &yearAgo{Date: dateString(prev.pdb.At), AsOf: prev.countryAsOf(cc), CountryStats: pst}
		out.Change = yoyChange(st, pst)
	}
	return out, nil
}

// countryHistoryPoint is a country's figures at one PeeringDB snapshot,
// paired with the RIR file the rule picks (as_of names both).
type countryHistoryPoint struct {
	Date string `json:"date"`
	countryJSON
}

type countryHistory struct {
	Country string                `json:"country"`
	Points  []countryHistoryPoint `json:"points"`
}

func (h countryHistory) csvHeader() []string {
	return append([]string{"date"}, countryCSVHeader[4:]...)
}
func (h countryHistory) csvRows() [][]string {
	rows := make([][]string, len(h.Points))
	for i, p := range h.Points {
		rows[i] = append([]string{p.Date}, p.countryJSON.csvRow()[4:]...)
	}
	return rows
}

// snapshotDates returns the dates of the PeeringDB snapshots: the dates at
// which the country and area figures were observed (a composite figure
// steps at the PeeringDB dates it pairs; an RIR file alone makes no new
// point, and before the first PeeringDB snapshot there is none).
func (s *Server) snapshotDates(ctx context.Context) ([]time.Time, error) {
	// The timeline's dates, cached per store generation: listing the
	// snapshots again took 140 ms of a first page at 5,800 dates.
	tl, err := s.timeline(ctx)
	if err != nil {
		return nil, err
	}
	days, _ := tl.dates()
	return days, nil
}

// countryHistoryQuery is the query of /api/v1/countries/{cc}/history.
type countryHistoryQuery struct {
	CC   string // ISO code (countryCode)
	Lang string // names in en, es or pt
}

func parseCountryHistoryQuery(r *http.Request) (countryHistoryQuery, error) {
	cc, err := countryCode(chi.URLParam(r, "cc"))
	return countryHistoryQuery{CC: cc, Lang: langParam(r.URL.Query())}, err
}

// countryHistory answers GET /api/v1/countries/{cc}/history: the
// indicators at every PeeringDB snapshot, each with its as_of dates (from
// the stored figures of each state: aggregates.go).
func (s *Server) countryHistory(ctx context.Context, q countryHistoryQuery) (countryHistory, error) {
	cc := q.CC
	points, err := s.series(ctx, cc)
	if err != nil {
		return countryHistory{}, err
	}
	lang := q.Lang
	out := countryHistory{Country: cc, Points: make([]countryHistoryPoint, 0, len(points))}
	// The sources of each point: its PeeringDB snapshot, the file of the
	// country's registry (countryAsOf) and the RIB dump of each collector
	// paired with its date (bgp.as_of), as the country's answer at that
	// date gives them.
	regs := []string{geo.RIROf(cc)}
	for _, p := range points {
		st, err := p.countryAt(cc)
		if err != nil {
			return countryHistory{}, err
		}
		c := newCountryJSON(cc, lang, st, refAreaAsOf(p.ref, regs), bgpDates(p.ref.bgp), p.ref.pdb != nil)
		out.Points = append(out.Points, countryHistoryPoint{Date: dateString(p.date), countryJSON: c})
	}
	return out, nil
}

type regionDetail struct {
	Date          string             `json:"date,omitempty"`
	PeeringDBDate string             `json:"peeringdb_date,omitempty"`
	RIRDates      map[string]string  `json:"rir_dates"`
	Region        string             `json:"region"`
	Name          string             `json:"name"`
	Names         map[string]string  `json:"names"`
	Totals        areaTotals         `json:"totals"`
	YearAgo       *yearAgo           `json:"year_ago,omitempty"`
	Change        map[string]float64 `json:"yoy_change,omitempty"`
	// NoYearAgo says why year_ago and yoy_change are absent.
	NoYearAgo string        `json:"no_year_ago,omitempty"`
	Countries []countryJSON `json:"countries"`
}

func (d regionDetail) csvHeader() []string { return countryCSVHeader }
func (d regionDetail) csvRows() [][]string {
	return countryList{Data: d.Countries}.csvRows()
}

// areaTotals are the totals of a region (or the world) at one date, as
// the API gives them: the PeeringDB figures null without a PeeringDB
// snapshot (as for a country); the registered figures add up only the
// countries whose registry has a paired file, countries_without_rir_data
// says how many were left out, and null when none has one; as_of names the
// PeeringDB snapshot and the file of each registry used.
type areaTotals struct {
	NIXPs        *int     `json:"ixps"`
	NActiveIXPs  *int     `json:"active_ixps"`
	NMembers     *int     `json:"members"`
	NConnections *int     `json:"connections"`
	NCapacity    *int64   `json:"capacity_mbps"`
	NIPv6Members *int     `json:"ipv6_members"`
	NIPv6Share   *float64 `json:"ipv6_share"`
	AsOf         asOf     `json:"as_of"`
	indicator.CountryStats
}

// areaTotals returns the totals st of the area whose countries in
// selects, with their nulls and sources.
func (cs *countryState) areaTotals(st indicator.CountryStats, in func(cc string) bool) areaTotals {
	c := countryJSON{CountryStats: st}.withFigures(cs.pdb != nil)
	return areaTotals{NIXPs: c.NIXPs, NActiveIXPs: c.NActiveIXPs, NMembers: c.NMembers, NConnections: c.NConnections,
		NCapacity: c.NCapacity, NIPv6Members: c.NIPv6Members, NIPv6Share: c.NIPv6Share, AsOf: cs.areaAsOf(in), CountryStats: c.CountryStats}
}

// areaAsOf returns the sources of an area's figures: the PeeringDB
// snapshot and the file of each registry serving one of its countries.
func (cs *countryState) areaAsOf(in func(cc string) bool) asOf {
	a := asOf{}
	if cs.pdb != nil {
		a.PeeringDB = dateString(cs.pdb.At)
	}
	for _, c := range geo.Countries() {
		if !in(c.Code) {
			continue
		}
		reg := geo.RIROf(c.Code)
		if d, ok := cs.rirDates[reg]; ok {
			if a.RIR == nil {
				a.RIR = map[string]string{}
			}
			a.RIR[reg] = d
		}
	}
	return a
}

// areaChange is yoyChange for area totals: the registered figures change
// only when both dates count the same registries (a registry without a
// file at one of them would make a difference that is no change).
func areaChange(now, before indicator.CountryStats, nowAsOf, beforeAsOf asOf) map[string]float64 {
	ch := yoyChange(now, before)
	same := len(nowAsOf.RIR) == len(beforeAsOf.RIR)
	for reg := range nowAsOf.RIR {
		if _, ok := beforeAsOf.RIR[reg]; !ok {
			same = false
		}
	}
	if !same {
		for _, k := range []string{"registered_asns", "registered_asns_at_local_ixps", "local_participation"} {
			delete(ch, k)
		}
	}
	return ch
}

// regionQuery names a region at a date: the query of
// /api/v1/regions/{region} and /api/v1/arda/regions/{region}.
type regionQuery struct {
	ID   string    // a region id (lower case)
	At   time.Time // the end of the day asked, zero for the newest data
	Lang string    // names in en, es or pt
}

// parseRegionQuery reads {region}, ?at= and ?lang= of a request; an
// unknown region is a 404 before a bad date is a 400.
func parseRegionQuery(r *http.Request) (regionQuery, error) {
	id := strings.ToLower(chi.URLParam(r, "region"))
	if _, ok := geo.RegionByID(id); !ok {
		return regionQuery{}, noRegion(id)
	}
	q := r.URL.Query()
	at, err := atParam(q)
	if err != nil {
		return regionQuery{}, err
	}
	return regionQuery{ID: id, At: at, Lang: langParam(q)}, nil
}

func noRegion(id string) *apiError {
	return notFound("no_region", "no region %q (lac, south-america, europe, …; see /api/v1/regions)", id)
}

// region answers GET /api/v1/regions/{region}?at=DATE: totals (members
// distinct across the region) and every country of the region.
func (s *Server) region(ctx context.Context, q regionQuery) (regionDetail, error) {
	id := strings.ToLower(q.ID)
	reg, ok := geo.RegionByID(id)
	if !ok {
		return regionDetail{}, noRegion(id)
	}
	cs, err := s.stateAt(ctx, q.At)
	if err != nil {
		return regionDetail{}, err
	}
	lang := q.Lang
	totals, err := s.groupIndicators(ctx, cs, id)
	if err != nil {
		return regionDetail{}, err
	}
	in := func(cc string) bool { return geo.InRegion(cc, id) }
	out := regionDetail{RIRDates: cs.rirDates, Region: id, Name: reg.Name(lang),
		Names:  map[string]string{"en": reg.NameEN, "es": reg.NameES, "pt": reg.NamePT},
		Totals: cs.areaTotals(totals, in), Countries: []countryJSON{}}
	out.Date, out.PeeringDBDate = cs.header()
	for _, cc := range geo.CountriesIn(id) {
		out.Countries = append(out.Countries, cs.countryJSON(cc, lang))
	}
	prev, why, err := s.yearBefore(ctx, cs)
	if err != nil {
		return regionDetail{}, err
	}
	out.NoYearAgo = why
	if prev != nil {
		pst, err := s.groupIndicators(ctx, prev, id)
		if err != nil {
			return regionDetail{}, err
		}
		out.YearAgo = &yearAgo{Date: dateString(prev.pdb.At), AsOf: prev.areaAsOf(in), CountryStats: pst}
		out.Change = areaChange(totals, pst, out.Totals.AsOf, out.YearAgo.AsOf)
	}
	return out, nil
}

// groupIndicators returns (and caches) the totals of a region in a state.
func (s *Server) groupIndicators(ctx context.Context, cs *countryState, region string) (indicator.CountryStats, error) {
	return cs.areaStats(region), nil
}

type regionSummary struct {
	ID    string            `json:"id"`
	Kind  string            `json:"kind"`
	Name  string            `json:"name"`
	Names map[string]string `json:"names"`
}

// langQuery is the query of endpoints that only take ?lang=.
type langQuery struct{ Lang string }

func parseLangQuery(r *http.Request) (langQuery, error) {
	return langQuery{Lang: langParam(r.URL.Query())}, nil
}

// regionList is the answer of GET /api/v1/regions.
type regionList struct {
	Data []regionSummary `json:"data"`
}

// regions answers GET /api/v1/regions: the regions ixpobs knows.
func (s *Server) regions(ctx context.Context, q langQuery) (regionList, error) {
	lang := q.Lang
	var out []regionSummary
	for _, reg := range geo.Regions() {
		out = append(out, regionSummary{ID: reg.ID, Kind: string(reg.Kind), Name: reg.Name(lang),
			Names: map[string]string{"en": reg.NameEN, "es": reg.NameES, "pt": reg.NamePT}})
	}
	return regionList{Data: out}, nil
}

// A country's CSV is one row with the columns of /api/v1/countries (its
// IXPs and neighbours have their own answers: /api/v1/ixps?country=CC).
func (d countryDetail) csvHeader() []string { return countryCSVHeader }
func (d countryDetail) csvRows() [][]string { return [][]string{d.csvRow()} }
