package dashboard

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ixpobs/ixpobs/geo"
	"github.com/ixpobs/ixpobs/indicator"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/metrics"
)

// MetricsExchanges implements metrics.Data: the IXPs of the latest
// PeeringDB snapshot.
func (s *Server) MetricsExchanges(ctx context.Context, f metrics.Filter) ([]metrics.Exchange, error) {
	sn, err := s.store.SnapshotAt(ctx, ixp.SourcePeeringDB, time.Time{})
	if errors.Is(err, ixp.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	v, err := s.exchangesAt(ctx, sn)
	if err != nil {
		return nil, err
	}
	var out []metrics.Exchange
	for _, e := range v.exchanges {
		cc := geo.Normalize(e.Country)
		if f.Region != "" && !geo.InRegion(cc, f.Region) {
			continue
		}
		st := v.stats[e.ID]
		x := metrics.Exchange{ID: e.ID, Name: e.Name, Country: e.Country, Region: geo.RegionOf(cc),
			Members: st.Members, Connections: st.Connections, IPv6Members: st.IPv6Members, RouteServerMembers: rsMembers(st)}
		if st.Connections == 0 || st.CapacityMbps > 0 {
			// Connections without any port speed: capacity unknown.
			x.CapacityMbps = &st.CapacityMbps
		}
		out = append(out, x)
	}
	return out, nil
}

// MetricsCountries implements metrics.Data: every country's indicators
// now, as the API gives them (unknown figures nil: absent series), and
// the data date of each source they come from.
func (s *Server) MetricsCountries(ctx context.Context, f metrics.Filter) (metrics.Countries, error) {
	var res metrics.Countries
	cs, err := s.stateAt(ctx, time.Time{})
	var ae *apiError
	if errors.As(err, &ae) && ae.status == http.StatusNotFound {
		return res, nil
	}
	if err != nil {
		return res, err
	}
	res.AsOf = map[string]time.Time{}
	if cs.pdb != nil {
		res.AsOf[ixp.SourcePeeringDB] = cs.pdb.At
	}
	for reg, d := range cs.rirDates {
		if day, err := ixp.Date(d); err == nil {
			res.AsOf[ixp.RIRSource(reg)] = day
		}
	}
	var out []metrics.Country
	for cc := range cs.countries {
		if f.Region != "" && !geo.InRegion(cc, f.Region) {
			continue
		}
		c := cs.countryJSON(cc, "en")
		out = append(out, metrics.Country{Country: cc, Region: geo.RegionOf(cc), IXPs: c.NIXPs, ActiveIXPs: c.NActiveIXPs,
			Members: c.NMembers, RegisteredASNs: c.RegisteredASNs, LocalASNs: c.LocalASNs, LocalParticipation: c.LocalParticipation})
		if c.BGP != nil {
			out[len(out)-1].BGPReachability = c.BGP.Reachability
		}
	}
	if err := s.metricsARDA(ctx, f, out); err != nil {
		return res, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Country < out[j].Country })
	res.Countries = out
	return res, nil
}

// metricsARDA fills the known ARDA indicators of the countries now.
func (s *Server) metricsARDA(ctx context.Context, f metrics.Filter, out []metrics.Country) error {
	vs, err := s.ardaVantages(ctx, func(cc string) bool { return f.Region == "" || geo.InRegion(cc, f.Region) })
	if err != nil || len(vs) == 0 {
		return err
	}
	rirs, err := s.ardaRIR(ctx)
	if err != nil {
		return err
	}
	now := s.Now().UTC()
	for i := range out {
		a := indicator.ComputeARDA(out[i].Country, now, vs, rirs, indicator.DefaultPairing, geo.Normalize)
		m := map[string]float64{}
		for name, v := range map[string]*float64{"registered_asn_share": a.ASNShare, "delegated_prefix_share": a.PrefixShare,
			"external_asn_share": a.ExternalShare, "ipv6_prefix_share": a.IPv6Share} {
			if v != nil {
				m[name] = *v
			}
		}
		if len(m) > 0 {
			out[i].ARDA = m
		}
	}
	return nil
}

// MetricsSources implements metrics.Data: every configured source (from
// startup, up 0 until its first run), every source with runs or snapshots.
func (s *Server) MetricsSources(ctx context.Context) ([]metrics.Source, error) {
	byName := map[string]*metrics.Source{}
	get := func(name string) *metrics.Source {
		if byName[name] == nil {
			byName[name] = &metrics.Source{Name: name}
		}
		return byName[name]
	}
	for _, n := range s.sources {
		get(n)
	}
	sums, err := s.store.RunSummaries(ctx)
	if err != nil {
		return nil, err
	}
	for _, sum := range sums {
		src := get(sum.Last.Source)
		src.Up = sum.Last.OK
		src.LastSuccess = sum.LastSuccess
		src.LastDuration = sum.Last.Finished.Sub(sum.Last.Started)
	}
	names, err := s.store.Sources(ctx)
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		sn, err := s.store.SnapshotAt(ctx, n, time.Time{})
		if err != nil {
			continue
		}
		src := get(n)
		src.Snapshot, src.Objects = sn.At, sn.Counts
		// Freshness needs the two newest snapshots only (a live session's
		// cadence): two lookups, not the whole list, on every scrape.
		snaps := []ixp.Snapshot{sn}
		switch prev, err := s.store.SnapshotAt(ctx, n, sn.At.Add(-time.Nanosecond)); {
		case err == nil:
			snaps = []ixp.Snapshot{prev, sn}
		case !errors.Is(err, ixp.ErrNotFound):
			return nil, err
		}
		fr, err := s.freshnessOf(ctx, n, snaps)
		if err != nil {
			return nil, err
		}
		if fr != nil && fr.Stale != nil {
			src.Stale = *fr.Stale
			src.MaxAge = fr.maxAge
		}
	}
	out := make([]metrics.Source, 0, len(byName))
	for _, src := range byName {
		out = append(out, *src)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// handleMetrics serves /metrics: the process registry, plus the
// indicators computed now, bounded by ?region= (or the configured region).
func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	f := s.metricsFilter
	if region := strings.ToLower(r.URL.Query().Get("region")); region != "" {
		if _, ok := geo.RegionByID(region); !ok {
			http.Error(w, "unknown region "+region, http.StatusBadRequest)
			return
		}
		f.Region = region
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(metrics.NewIndicators(s, f, s.log))
	gatherers := prometheus.Gatherers{reg}
	if s.registry != nil {
		gatherers = append(gatherers, s.registry)
	}
	promhttp.HandlerFor(gatherers, promhttp.HandlerOpts{ErrorLog: slogErrorLog{s}, ErrorHandling: promhttp.ContinueOnError, EnableOpenMetrics: true}).ServeHTTP(w, r)
}

type slogErrorLog struct{ s *Server }

func (l slogErrorLog) Println(v ...any) { l.s.log.Warn("metrics", "err", v) }
