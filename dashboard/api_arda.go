package dashboard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/ixpobs/ixpobs/geo"
	"github.com/ixpobs/ixpobs/indicator"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
)

// ARDA's four indicators (indicator/arda.go, docs/INDICATORS.md "ARDA"):
//
//	GET /api/v1/arda/countries/{cc}   at ?at=DATE and at every observation (csv: the history)
//	GET /api/v1/arda/regions/{region} every country of the region at ?at=DATE and the region's totals (csv)

// ardaVantageBase is a decoded BGP snapshot without its country (which
// comes from the PeeringDB view in force).
type ardaVantageBase struct {
	v indicator.Vantage
}

// ardaVantageOf decodes (and caches) one BGP snapshot as a vantage point:
// the ASNs on its AS paths (origins, link ends and peers) and its prefixes.
func (s *Server) ardaVantageOf(ctx context.Context, sn ixp.Snapshot) (*ardaVantageBase, error) {
	return s.ardaViews.get(ctx, sn.ID, func(ctx context.Context) (*ardaVantageBase, error) {
		c, err := s.collectorOf(ctx, sn)
		if err != nil {
			return nil, err
		}
		v := indicator.Vantage{Source: sn.Source, Type: c.Type, IXID: c.IXID, At: sn.At,
			Partial: !c.Counted(), PathASNs: map[ixp.ASN]bool{}, Prefixes: make([]indicator.SeenPrefix, 0, c.Prefixes)}
		prefixes, err := s.store.Objects(ctx, sn.Source, ixp.KindBGPPrefix, sn.At, store.Filter{})
		if err != nil {
			return nil, err
		}
		for _, r := range prefixes {
			var g ixp.BGPPrefixes
			if err := json.Unmarshal(r.Data, &g); err != nil {
				return nil, fmt.Errorf("decode %s prefixes of AS%d: %w", sn.Source, r.ID, err)
			}
			if g.Origin != 0 {
				v.PathASNs[g.Origin] = true
			}
			for _, p := range g.Prefixes {
				v.Prefixes = append(v.Prefixes, indicator.SeenPrefix{Prefix: p, IPv6: strings.Contains(p, ":"), Origin: g.Origin})
			}
			// A prefix with several origins counts for each of them.
			for _, m := range g.MOAS {
				for _, o := range m.Origins {
					if o != g.Origin {
						v.PathASNs[o] = true
						v.Prefixes = append(v.Prefixes, indicator.SeenPrefix{Prefix: m.Prefix, IPv6: strings.Contains(m.Prefix, ":"), Origin: o})
					}
				}
			}
		}
		links, err := s.store.Objects(ctx, sn.Source, ixp.KindBGPLink, sn.At, store.Filter{})
		if err != nil {
			return nil, err
		}
		for _, r := range links {
			var l ixp.BGPLinks
			if err := json.Unmarshal(r.Data, &l); err != nil {
				return nil, fmt.Errorf("decode %s links of AS%d: %w", sn.Source, r.ID, err)
			}
			v.PathASNs[l.A] = true
			for _, b := range l.B {
				v.PathASNs[b] = true
			}
		}
		peers, err := s.store.Objects(ctx, sn.Source, ixp.KindBGPPeer, sn.At, store.Filter{})
		if err != nil {
			return nil, err
		}
		for _, r := range peers {
			var p ixp.BGPPeer
			if err := json.Unmarshal(r.Data, &p); err != nil {
				return nil, fmt.Errorf("decode %s peer %d: %w", sn.Source, r.ID, err)
			}
			// A route-server neighbour counts when it sent routes the
			// snapshot holds (a collector peer always sent some).
			if p.PrefixesV4+p.PrefixesV6 > 0 {
				v.PathASNs[p.ASN] = true
			}
		}
		return &ardaVantageBase{v: v}, nil
	})
}

// ardaVantages returns every snapshot of every BGP source tied to an
// exchange of a country keep accepts, with that country (from the newest
// PeeringDB snapshot's exchanges).
func (s *Server) ardaVantages(ctx context.Context, keep func(cc string) bool) ([]indicator.Vantage, error) {
	view, err := s.latestExchanges(ctx)
	var ae *apiError
	if errors.Is(err, ixp.ErrNotFound) || errors.As(err, &ae) && ae.status == http.StatusNotFound {
		return nil, nil // no exchange known: no vantage point at one
	}
	if err != nil {
		return nil, err
	}
	srcs, err := s.sourcesWithPrefix(ctx, ixp.SourcePrefixBGP)
	if err != nil {
		return nil, err
	}
	var out []indicator.Vantage
	for _, src := range srcs {
		snaps, err := s.store.Snapshots(ctx, src)
		if err != nil {
			return nil, err
		}
		for _, sn := range snaps {
			c, err := s.collectorOf(ctx, sn)
			if err != nil {
				return nil, err
			}
			e, ok := view.exchange(c.IXID)
			if c.IXID == 0 || !ok || !keep(geo.Normalize(e.Country)) {
				continue
			}
			b, err := s.ardaVantageOf(ctx, sn)
			if err != nil {
				return nil, err
			}
			v := b.v
			v.Country = geo.Normalize(e.Country)
			out = append(out, v)
		}
	}
	return out, nil
}

// ardaRIR returns one RIR data set per RIR snapshot date: at each date,
// every RIR source's snapshot at or before it.
func (s *Server) ardaRIR(ctx context.Context) ([]indicator.RIRData, error) {
	srcs, err := s.sourcesWithPrefix(ctx, "rir:")
	if err != nil {
		return nil, err
	}
	var dates []time.Time
	for _, src := range srcs {
		snaps, err := s.store.Snapshots(ctx, src)
		if err != nil {
			return nil, err
		}
		for _, sn := range snaps {
			dates = append(dates, sn.At)
		}
	}
	slices.SortFunc(dates, func(a, b time.Time) int { return a.Compare(b) })
	dates = slices.Compact(dates)
	out := make([]indicator.RIRData, 0, len(dates))
	for _, d := range dates {
		snaps, err := s.snapshotsAt(ctx, "rir:", d)
		if err != nil {
			return nil, err
		}
		var key strings.Builder
		for _, rs := range snaps {
			fmt.Fprintf(&key, "%d,", rs.ID)
		}
		reg, err := s.registries.get(ctx, key.String(), func(ctx context.Context) (indicator.Registry, error) { return s.buildRegistry(ctx, snaps) })
		if err != nil {
			return nil, err
		}
		pfx, err := s.rirPrefixes.get(ctx, key.String(), func(ctx context.Context) (map[string][]string, error) {
			return s.delegatedPrefixes(ctx, snaps)
		})
		if err != nil {
			return nil, err
		}
		out = append(out, indicator.RIRData{At: d, ASNs: reg, Prefixes: pfx})
	}
	return out, nil
}

// delegatedPrefixes lists, per country, the allocated or assigned
// prefixes of the RIR snapshots.
func (s *Server) delegatedPrefixes(ctx context.Context, snaps []ixp.Snapshot) (map[string][]string, error) {
	out := map[string][]string{}
	for _, rs := range snaps {
		recs, err := s.store.Objects(ctx, rs.Source, ixp.KindPrefixDelegation, rs.At, store.Filter{})
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			var d ixp.PrefixDelegation
			if err := json.Unmarshal(r.Data, &d); err != nil {
				return nil, fmt.Errorf("decode %s prefix %d: %w", rs.Source, r.ID, err)
			}
			if d.Status != "allocated" && d.Status != "assigned" {
				continue
			}
			cc := geo.Normalize(d.Country)
			out[cc] = append(out[cc], d.Prefixes...)
		}
	}
	return out, nil
}

type ardaRule struct {
	VantageMaxAgeDays int `json:"vantage_max_age_days"`
	RIRWindowDays     int `json:"rir_window_days"`
}

func rule() ardaRule {
	r := indicator.DefaultPairing
	return ardaRule{VantageMaxAgeDays: int(r.VantageMaxAge / (24 * time.Hour)), RIRWindowDays: int(r.RIRWindow / (24 * time.Hour))}
}

type ardaCountry struct {
	Country string           `json:"country"`
	Name    string           `json:"name"`
	Rule    ardaRule         `json:"pairing_rule"`
	Current indicator.ARDA   `json:"current"`
	History []indicator.ARDA `json:"history"`
}

var ardaCSVHeader = []string{"country", "date", "vantage_points", "rir_date", "registered_asns", "reachable_registered_asns", "registered_asn_share",
	"delegated_prefixes", "announced_delegated_prefixes", "delegated_prefix_share", "reachable_asns", "external_asns", "external_asn_share",
	"local_origin_prefixes", "local_origin_ipv6_prefixes", "ipv6_prefix_share", "ipv6_origin_asns", "ipv6_origin_asn_share", "ipv6_prefix_share_change"}

func ardaRow(a indicator.ARDA) []string {
	var vs []string
	for _, v := range a.Vantages {
		vs = append(vs, v.Source+"@"+v.Date)
	}
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	return []string{a.Country, a.Date, strings.Join(vs, " "), str(a.RIRDate), optInt(a.RegisteredASNs), optInt(a.ReachableASNs), optFloat(a.ASNShare),
		optInt(a.DelegatedPrefixes), optInt(a.AnnouncedPrefixes), optFloat(a.PrefixShare), optInt(a.ReachableTotal), optInt(a.ExternalASNs), optFloat(a.ExternalShare),
		optInt(a.LocalPrefixes), optInt(a.IPv6Prefixes), optFloat(a.IPv6Share), optInt(a.IPv6ASNs), optFloat(a.IPv6ASNShare), optFloat(a.IPv6ShareChange)}
}

func (a ardaCountry) csvHeader() []string { return ardaCSVHeader }
func (a ardaCountry) csvRows() [][]string {
	rows := make([][]string, len(a.History))
	for i, h := range a.History {
		rows[i] = ardaRow(h)
	}
	return rows
}

// ardaAt is the date of ARDA's figures: the day asked, or today.
func (s *Server) ardaAt(at time.Time) time.Time {
	if at.IsZero() {
		at = s.Now().UTC()
	}
	return at
}

// ardaCountry answers GET /api/v1/arda/countries/{cc}.
func (s *Server) ardaCountry(ctx context.Context, q countryQuery) (ardaCountry, error) {
	cc, at := q.CC, s.ardaAt(q.At)
	vs, err := s.ardaVantages(ctx, func(c string) bool { return c == cc })
	if err != nil {
		return ardaCountry{}, err
	}
	rirs, err := s.ardaRIR(ctx)
	if err != nil {
		return ardaCountry{}, err
	}
	out := ardaCountry{Country: cc, Name: geo.Name(cc, q.Lang), Rule: rule(),
		Current: indicator.ComputeARDA(cc, at, vs, rirs, indicator.DefaultPairing, geo.Normalize),
		History: indicator.ARDAHistory(cc, vs, rirs, indicator.DefaultPairing, geo.Normalize)}
	return out, nil
}

type ardaRegion struct {
	Region    string           `json:"region"`
	Name      string           `json:"name"`
	Date      string           `json:"date"`
	Rule      ardaRule         `json:"pairing_rule"`
	Totals    indicator.ARDA   `json:"totals"`
	Countries []indicator.ARDA `json:"countries"`
}

func (a ardaRegion) csvHeader() []string { return ardaCSVHeader }
func (a ardaRegion) csvRows() [][]string {
	rows := make([][]string, len(a.Countries))
	for i, c := range a.Countries {
		rows[i] = ardaRow(c)
	}
	return rows
}

// ardaRegion answers GET /api/v1/arda/regions/{region}.
func (s *Server) ardaRegion(ctx context.Context, q regionQuery) (ardaRegion, error) {
	id := strings.ToLower(q.ID)
	reg, ok := geo.RegionByID(id)
	if !ok {
		return ardaRegion{}, noRegion(id)
	}
	at := s.ardaAt(q.At)
	vs, err := s.ardaVantages(ctx, func(c string) bool { return geo.InRegion(c, id) })
	if err != nil {
		return ardaRegion{}, err
	}
	rirs, err := s.ardaRIR(ctx)
	if err != nil {
		return ardaRegion{}, err
	}
	out := ardaRegion{Region: id, Name: reg.Name(q.Lang), Date: dateString(at), Rule: rule(), Countries: []indicator.ARDA{}}
	for _, cc := range geo.CountriesIn(id) {
		out.Countries = append(out.Countries, indicator.ComputeARDA(cc, at, vs, rirs, indicator.DefaultPairing, geo.Normalize))
	}
	out.Totals = indicator.SumARDA(id, out.Countries)
	return out, nil
}
