package metrics

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Exchange is one IXP's indicators as exported.
type Exchange struct {
	ID            int64
	Name, Country string
	Region        string
	Members       int
	Connections   int
	// CapacityMbps: nil when unknown (connections without any port
	// speed): the series is absent, never 0.
	CapacityMbps *int64
	IPv6Members  int
	// RouteServerMembers is nil when unknown (a PeeringDB v1 snapshot has
	// no route-server flag): the series is then not exported.
	RouteServerMembers *int
}

// Country is one country's indicators as exported. Nil pointers are
// figures without data (no PeeringDB snapshot, no RIR file paired, no BGP
// collector): not exported, never 0.
type Country struct {
	Country            string
	Region             string
	IXPs, ActiveIXPs   *int
	Members            *int
	RegisteredASNs     *int
	LocalASNs          *int
	LocalParticipation *float64
	BGPReachability    *float64
	// ARDA: ARDA's four indicators now (registered_asn_share,
	// delegated_prefix_share, external_asn_share, ipv6_prefix_share),
	// only those known (a vantage point at a local exchange and RIR data).
	ARDA map[string]float64
}

// Source is one data source's health.
type Source struct {
	Name string
	// Up: the last run succeeded (false before any run).
	Up bool
	// LastSuccess: end of the last successful run (zero: never).
	LastSuccess time.Time
	// LastDuration of the last run.
	LastDuration time.Duration
	// Snapshot: the date the newest snapshot's data describes (dump or
	// file date, RIB time; zero: none); Objects: its object counts by kind.
	Snapshot time.Time
	Objects  map[string]int
	// MaxAge: how old the newest data may be before it is stale (zero:
	// no rule); Stale: it is older.
	MaxAge time.Duration
	Stale  bool
}

// Countries are the country indicators and the data date of each source
// they were computed from (source id → date: peeringdb, rir:<registry>).
type Countries struct {
	Countries []Country
	AsOf      map[string]time.Time
}

// Filter bounds the series: only the IXPs and countries of a region.
type Filter struct {
	// Region is a region id (lac, south-america, …); empty: all.
	Region string
}

// Data gives what the indicator collector exports; the dashboard server
// implements it from its caches.
type Data interface {
	MetricsExchanges(ctx context.Context, f Filter) ([]Exchange, error)
	MetricsCountries(ctx context.Context, f Filter) (Countries, error)
	MetricsSources(ctx context.Context) ([]Source, error)
}

// Indicators is a prometheus.Collector computing its values at scrape time.
type Indicators struct {
	data    Data
	filter  Filter
	log     *slog.Logger
	timeout time.Duration

	ixpInfo, ixpMembers, ixpConnections, ixpCapacity, ixpIPv6, ixpRS            *prometheus.Desc
	countryIXPs, countryActive, countryMembers, countryRegistered, countryLocal *prometheus.Desc
	countryParticipation, countryBGP, countryARDA, countrySource                *prometheus.Desc
	sourceUp, sourceLastSuccess, sourceDuration, sourceSnapshot, sourceObjects  *prometheus.Desc
	sourceStale, sourceMaxAge                                                   *prometheus.Desc
	collectSuccess, collectDuration                                             *prometheus.Desc
}

// NewIndicators returns the collector (register it on a registry).
func NewIndicators(data Data, f Filter, log *slog.Logger) *Indicators {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	// IXP series carry the id, not the display name: a rename keeps the
	// same series; ixpobs_ixp_info joins the name (… * on (ixp_id)
	// group_left (ixp) ixpobs_ixp_info).
	ixp := []string{"ixp_id", "country", "region"}
	cty := []string{"country", "region"}
	src := []string{"source"}
	d := prometheus.NewDesc
	return &Indicators{
		data: data, filter: f, log: log, timeout: 10 * time.Second,
		ixpInfo:              d("ixpobs_ixp_info", "Always 1: the IXP's display name (label ixp), country and region, to join on ixp_id.", []string{"ixp_id", "ixp", "country", "region"}, nil),
		ixpMembers:           d("ixpobs_ixp_members", "Distinct ASNs with at least one connection at the IXP (latest PeeringDB snapshot).", ixp, nil),
		ixpConnections:       d("ixpobs_ixp_connections", "Connections (PeeringDB netixlan) at the IXP.", ixp, nil),
		ixpCapacity:          d("ixpobs_ixp_capacity_bytes_per_second", "Sum of the port speeds of the IXP's connections.", ixp, nil),
		ixpIPv6:              d("ixpobs_ixp_ipv6_members", "Distinct ASNs with a connection that has an IPv6 address.", ixp, nil),
		ixpRS:                d("ixpobs_ixp_route_server_members", "Distinct ASNs with a connection marked as route-server peer.", ixp, nil),
		countryIXPs:          d("ixpobs_country_ixps", "IXPs located in the country.", cty, nil),
		countryActive:        d("ixpobs_country_active_ixps", "IXPs of the country with at least 3 members.", cty, nil),
		countryMembers:       d("ixpobs_country_ixp_members", "Distinct ASNs connected at an IXP of the country.", cty, nil),
		countryRegistered:    d("ixpobs_country_registered_asns", "ASNs allocated or assigned to the country in the RIR file paired with the PeeringDB snapshot (docs/INDICATORS.md); absent when its registry has none.", cty, nil),
		countryLocal:         d("ixpobs_country_registered_asns_at_local_ixps", "Registered ASNs of the country connected at an IXP of the country.", cty, nil),
		countryParticipation: d("ixpobs_country_local_participation_ratio", "Registered ASNs at local IXPs over registered ASNs.", cty, nil),
		countryBGP:           d("ixpobs_country_bgp_reachability_ratio", "Share of the country's registered ASNs reachable through a collector at a local IXP.", cty, nil),
		countryARDA: d("ixpobs_country_arda_ratio", "ARDA's indicators of the country from the vantage points at its exchanges (docs/INDICATORS.md, ARDA); absent when unknown.",
			[]string{"country", "region", "indicator"}, nil),
		sourceUp:          d("ixpobs_source_up", "1 if the last collection run of the source succeeded, 0 otherwise.", src, nil),
		sourceLastSuccess: d("ixpobs_source_last_success_timestamp_seconds", "Unix time of the end of the source's last successful run (0: never).", src, nil),
		sourceDuration:    d("ixpobs_source_last_run_duration_seconds", "Duration of the source's last collection run.", src, nil),
		sourceSnapshot:    d("ixpobs_source_data_timestamp_seconds", "Unix time of the data of the source's newest snapshot (the dump or file date, the RIB time), not of its collection.", src, nil),
		sourceStale:       d("ixpobs_source_stale", "1 if the source's newest data is older than its expected interval (see /api/v1/sources), 0 otherwise; absent without data or rule.", src, nil),
		sourceMaxAge:      d("ixpobs_source_max_age_seconds", "How old the source's newest data may be before it is stale.", src, nil),
		countrySource: d("ixpobs_country_source_timestamp_seconds", "Unix time of the data of each source the country series are computed from: the PeeringDB snapshot and each registry's paired RIR file.",
			src, nil),
		sourceObjects:   d("ixpobs_source_objects", "Objects in the source's newest snapshot, by kind.", []string{"source", "kind"}, nil),
		collectSuccess:  d("ixpobs_metrics_collect_success", "1 if computing the part of /metrics succeeded.", []string{"part"}, nil),
		collectDuration: d("ixpobs_metrics_collect_duration_seconds", "Time to compute the part of /metrics.", []string{"part"}, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *Indicators) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.ixpInfo, c.ixpMembers, c.ixpConnections, c.ixpCapacity, c.ixpIPv6, c.ixpRS,
		c.countryIXPs, c.countryActive, c.countryMembers, c.countryRegistered, c.countryLocal, c.countryParticipation, c.countryBGP, c.countryARDA, c.countrySource,
		c.sourceUp, c.sourceLastSuccess, c.sourceDuration, c.sourceSnapshot, c.sourceObjects, c.sourceStale, c.sourceMaxAge, c.collectSuccess, c.collectDuration} {
		ch <- d
	}
}

// Collect implements prometheus.Collector. Each part (sources, IXPs,
// countries) fails alone: the others are still exported, and
// ixpobs_metrics_collect_success says which failed.
func (c *Indicators) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	c.part(ch, "sources", func() error { return c.collectSources(ctx, ch) })
	c.part(ch, "ixps", func() error { return c.collectExchanges(ctx, ch) })
	c.part(ch, "countries", func() error { return c.collectCountries(ctx, ch) })
}

func (c *Indicators) part(ch chan<- prometheus.Metric, name string, fn func() error) {
	start := time.Now()
	err := fn()
	ok := 1.0
	if err != nil {
		ok = 0
		c.log.Warn("metrics: cannot compute", "part", name, "err", err)
	}
	ch <- prometheus.MustNewConstMetric(c.collectSuccess, prometheus.GaugeValue, ok, name)
	ch <- prometheus.MustNewConstMetric(c.collectDuration, prometheus.GaugeValue, time.Since(start).Seconds(), name)
}

func gauge(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
}

func unixSeconds(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixNano()) / 1e9
}

func (c *Indicators) collectSources(ctx context.Context, ch chan<- prometheus.Metric) error {
	srcs, err := c.data.MetricsSources(ctx)
	if err != nil {
		return err
	}
	for _, s := range srcs {
		up := 0.0
		if s.Up {
			up = 1
		}
		gauge(ch, c.sourceUp, up, s.Name)
		gauge(ch, c.sourceLastSuccess, unixSeconds(s.LastSuccess), s.Name)
		gauge(ch, c.sourceDuration, s.LastDuration.Seconds(), s.Name)
		if !s.Snapshot.IsZero() {
			gauge(ch, c.sourceSnapshot, unixSeconds(s.Snapshot), s.Name)
			if s.MaxAge > 0 {
				stale := 0.0
				if s.Stale {
					stale = 1
				}
				gauge(ch, c.sourceStale, stale, s.Name)
				gauge(ch, c.sourceMaxAge, s.MaxAge.Seconds(), s.Name)
			}
		}
		for kind, n := range s.Objects {
			gauge(ch, c.sourceObjects, float64(n), s.Name, kind)
		}
	}
	return nil
}

func (c *Indicators) collectExchanges(ctx context.Context, ch chan<- prometheus.Metric) error {
	xs, err := c.data.MetricsExchanges(ctx, c.filter)
	if err != nil {
		return err
	}
	for _, x := range xs {
		id := strconv.FormatInt(x.ID, 10)
		gauge(ch, c.ixpInfo, 1, id, x.Name, x.Country, x.Region)
		l := []string{id, x.Country, x.Region}
		gauge(ch, c.ixpMembers, float64(x.Members), l...)
		gauge(ch, c.ixpConnections, float64(x.Connections), l...)
		if x.CapacityMbps != nil {
			gauge(ch, c.ixpCapacity, float64(*x.CapacityMbps)*1e6/8, l...)
		}
		gauge(ch, c.ixpIPv6, float64(x.IPv6Members), l...)
		if x.RouteServerMembers != nil {
			gauge(ch, c.ixpRS, float64(*x.RouteServerMembers), l...)
		}
	}
	return nil
}

func (c *Indicators) collectCountries(ctx context.Context, ch chan<- prometheus.Metric) error {
	cs, err := c.data.MetricsCountries(ctx, c.filter)
	if err != nil {
		return err
	}
	for src, t := range cs.AsOf {
		gauge(ch, c.countrySource, unixSeconds(t), src)
	}
	for _, x := range cs.Countries {
		l := []string{x.Country, x.Region}
		for d, v := range map[*prometheus.Desc]*int{c.countryIXPs: x.IXPs, c.countryActive: x.ActiveIXPs, c.countryMembers: x.Members} {
			if v != nil {
				gauge(ch, d, float64(*v), l...)
			}
		}
		if x.RegisteredASNs != nil {
			gauge(ch, c.countryRegistered, float64(*x.RegisteredASNs), l...)
			gauge(ch, c.countryLocal, float64(*x.LocalASNs), l...)
		}
		if x.LocalParticipation != nil {
			gauge(ch, c.countryParticipation, *x.LocalParticipation, l...)
		}
		if x.BGPReachability != nil {
			gauge(ch, c.countryBGP, *x.BGPReachability, l...)
		}
		for ind, v := range x.ARDA {
			gauge(ch, c.countryARDA, v, x.Country, x.Region, ind)
		}
	}
	return nil
}
