package dashboard

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/ixpobs/ixpobs/geo"
	"github.com/ixpobs/ixpobs/indicator"
)

// worldID is the area of every country, accepted by the region history
// beside the ids of geo.Regions.
const worldID = "world"

// worldNames name the world in the API's languages.
var worldNames = map[string]string{"en": "World", "es": "Mundo", "pt": "Mundo"}

// inArea reports whether country cc belongs to area id (a region id or
// "world").
func inArea(id, cc string) bool {
	return id == worldID || geo.InRegion(cc, id)
}

// areaIndicators returns (and caches) the totals of an area (a region or
// the world) in a state: members are distinct across the area.
func (s *Server) areaIndicators(ctx context.Context, cs *countryState, id string) (indicator.CountryStats, error) {
	return cs.areaStats(id), nil
}

type regionHistoryPoint struct {
	Date          string `json:"date"`
	PeeringDBDate string `json:"peeringdb_date"`
	// Countries with an active exchange.
	Countries int `json:"countries"`
	// AsOf names the PeeringDB snapshot and each registry's paired file.
	AsOf asOf `json:"as_of"`
	indicator.CountryStats
}

type regionHistory struct {
	Region string               `json:"region"`
	Name   string               `json:"name"`
	Points []regionHistoryPoint `json:"points"`
}

func (h regionHistory) csvHeader() []string {
	// The country columns without the trailing peeringdb_date (an area's
	// point has its own, third column); rir_date lists every registry's
	// file as REGISTRY=DATE, space-separated.
	return append(append([]string{"date", "peeringdb_date", "countries"}, countryCSVHeader[4:len(countryCSVHeader)-2]...), "rir_date")
}

func (h regionHistory) csvRows() [][]string {
	rows := make([][]string, len(h.Points))
	for i, p := range h.Points {
		row := countryJSON{CountryStats: p.CountryStats, AsOf: p.AsOf}.withFigures(true).csvRow()
		rows[i] = append(append([]string{p.Date, p.PeeringDBDate, strconv.Itoa(p.Countries)}, row[4:len(row)-2]...), row[len(row)-1])
	}
	return rows
}

// areaName returns the name of an area id in a language, false for an
// unknown id.
func areaName(id, lang string) (string, bool) {
	if id == worldID {
		return worldNames[lang], true
	}
	reg, ok := geo.RegionByID(id)
	if !ok {
		return "", false
	}
	return reg.Name(lang), true
}

// regionHistoryQuery is the query of /api/v1/regions/{region}/history.
type regionHistoryQuery struct {
	ID   string // a region id or "world"
	Lang string // names in en, es or pt
}

func parseRegionHistoryQuery(r *http.Request) (regionHistoryQuery, error) {
	return regionHistoryQuery{ID: chi.URLParam(r, "region"), Lang: langParam(r.URL.Query())}, nil
}

// regionHistory answers GET /api/v1/regions/{region}/history: the
// totals of a region, or of the world (region "world"), at every
// PeeringDB snapshot, with the RIR files the pairing rule picks (before the
// first PeeringDB snapshot the exchange figures are unknown: no point).
func (s *Server) regionHistory(ctx context.Context, q regionHistoryQuery) (regionHistory, error) {
	id := strings.ToLower(q.ID)
	name, ok := areaName(id, q.Lang)
	if !ok {
		return regionHistory{}, notFound("no_region", "no region %q (world, lac, south-america, europe, …; see /api/v1/regions)", id)
	}
	points, err := s.series(ctx, id)
	if err != nil {
		return regionHistory{}, err
	}
	out := regionHistory{Region: id, Name: name, Points: make([]regionHistoryPoint, 0, len(points))}
	// The registries serving the area's countries, looked up once (the
	// as_of of every point names their files).
	var regs []string
	for _, c := range geo.Countries() {
		if reg := geo.RIROf(c.Code); inArea(id, c.Code) && !slices.Contains(regs, reg) {
			regs = append(regs, reg)
		}
	}
	for _, p := range points {
		if p.ref.pdb == nil {
			continue // defensive: every date is a PeeringDB snapshot's
		}
		st, err := p.areaAt(id)
		if err != nil {
			return regionHistory{}, err
		}
		out.Points = append(out.Points, regionHistoryPoint{Date: dateString(p.date), PeeringDBDate: dateString(p.ref.pdb.At),
			Countries: st.Countries, CountryStats: st.CountryStats, AsOf: refAreaAsOf(p.ref, regs)})
	}
	return out, nil
}

// refAreaAsOf names the sources of an area's figures in a state: the
// PeeringDB snapshot and the file of each registry serving a country of
// the area (regs), as countryState.areaAsOf.
func refAreaAsOf(ref stateRef, regs []string) asOf {
	a := asOf{}
	if ref.pdb != nil {
		a.PeeringDB = dateString(ref.pdb.At)
	}
	for _, rs := range ref.rir {
		if reg := strings.TrimPrefix(rs.Source, "rir:"); slices.Contains(regs, reg) {
			if a.RIR == nil {
				a.RIR = map[string]string{}
			}
			a.RIR[reg] = dateString(rs.At)
		}
	}
	return a
}
