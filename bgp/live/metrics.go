package live

import (
	"strconv"

	"github.com/osrg/gobgp/v4/pkg/metrics"
	"github.com/prometheus/client_golang/prometheus"
)

// peerLabels are in alphabetical order, as the text exposition sorts them.
var peerLabels = []string{"ixp_id", "peer", "peer_asn"}

func desc(name, help string, extra ...string) *prometheus.Desc {
	return prometheus.NewDesc("ixpobs_bgp_"+name, help, append(append([]string(nil), extra...), peerLabels...), nil)
}

var (
	descState = desc("session_state",
		"BGP FSM state of the session: 1 idle, 2 connect, 3 active, 4 opensent, 5 openconfirm, 6 established.")
	descEstablished = desc("session_established", "1 if the session is established, else 0.")
	descFlaps       = desc("session_flaps_total", "Transitions of the session out of established.")
	descPrefixes    = desc("prefixes_received", "Prefixes currently received in the session.", "family")
	descUpdates     = desc("updates_received_total", "UPDATE messages received that carried routes.")
	descAnnounced   = desc("announcements_received_total", "Paths announced by the peer.")
	descWithdrawn   = desc("withdrawals_received_total", "Paths withdrawn by the peer.")
	descLastUpdate  = desc("last_update_timestamp_seconds", "Unix time of the last UPDATE received, 0 if none.")
	descDropped     = desc("queue_dropped_total", "Route events dropped because the queue to the aggregator was full.")
	descIncomplete  = desc("session_incomplete", "1 while the aggregate misses some of the peer's changes (until resynchronised).")
	descLimitHits   = desc("prefix_limit_shutdowns_total", "Sessions closed because the peer exceeded max_prefix.")
	descQueueLen    = prometheus.NewDesc("ixpobs_bgp_queue_length", "Route events waiting for the aggregator.", nil, nil)
	descQueueCap    = prometheus.NewDesc("ixpobs_bgp_queue_capacity", "Capacity of the queue to the aggregator.", nil, nil)

	descPromoted = prometheus.NewDesc("ixpobs_bgp_dynamic_promoted",
		"Dynamic neighbours turned into static passive peers after their first session ended.", nil, nil)
	descPromoteMax = prometheus.NewDesc("ixpobs_bgp_dynamic_promote_max",
		"Cap on promoted dynamic neighbours (dynamic_promote_max); 0 when promotion is off.", nil, nil)
	descPromoteSkipped = prometheus.NewDesc("ixpobs_bgp_dynamic_promote_skipped_total",
		"Dynamic-neighbour sessions that ended with the cap reached; each may leave one GoBGP goroutine behind.", nil, nil)
	descPromoteFailures = prometheus.NewDesc("ixpobs_bgp_dynamic_promote_failures_total",
		"Promotions that GoBGP refused (the address had connected again); retried at the next session end.", nil, nil)
)

// sessionMetrics exposes Sessions() at scrape time.
type sessionMetrics struct{ c *Collector }

func (m *sessionMetrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descState, descEstablished, descFlaps, descPrefixes, descUpdates,
		descAnnounced, descWithdrawn, descLastUpdate, descDropped, descIncomplete, descLimitHits, descQueueLen, descQueueCap,
		descPromoted, descPromoteMax, descPromoteSkipped, descPromoteFailures} {
		ch <- d
	}
}

func (m *sessionMetrics) Collect(ch chan<- prometheus.Metric) {
	n, capacity := m.c.QueueLen()
	ch <- prometheus.MustNewConstMetric(descQueueLen, prometheus.GaugeValue, float64(n))
	ch <- prometheus.MustNewConstMetric(descQueueCap, prometheus.GaugeValue, float64(capacity))
	promoted, limit, skipped, failures := m.c.PromotionStats()
	ch <- prometheus.MustNewConstMetric(descPromoted, prometheus.GaugeValue, float64(promoted))
	ch <- prometheus.MustNewConstMetric(descPromoteMax, prometheus.GaugeValue, float64(limit))
	ch <- prometheus.MustNewConstMetric(descPromoteSkipped, prometheus.CounterValue, float64(skipped))
	ch <- prometheus.MustNewConstMetric(descPromoteFailures, prometheus.CounterValue, float64(failures))
	for _, s := range m.c.Sessions() {
		l := []string{strconv.Itoa(s.IXPID), s.Address.String(), strconv.FormatUint(uint64(s.ASN), 10)}
		gauge := func(d *prometheus.Desc, v float64, extra ...string) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, append(extra, l...)...)
		}
		counter := func(d *prometheus.Desc, v uint64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), l...)
		}
		gauge(descState, float64(stateNumber(s.State)))
		gauge(descEstablished, b2f(s.State == "established"))
		counter(descFlaps, s.Flaps)
		gauge(descPrefixes, float64(s.PrefixesIPv4), "ipv4")
		gauge(descPrefixes, float64(s.PrefixesIPv6), "ipv6")
		counter(descUpdates, s.Updates)
		counter(descAnnounced, s.Announcements)
		counter(descWithdrawn, s.Withdrawals)
		last := 0.0
		if !s.LastUpdate.IsZero() {
			last = float64(s.LastUpdate.UnixNano()) / 1e9
		}
		gauge(descLastUpdate, last)
		counter(descDropped, s.Dropped)
		gauge(descIncomplete, b2f(s.Incomplete))
		counter(descLimitHits, s.PrefixLimitHits)
	}
}

func stateNumber(s string) int {
	switch s {
	case "idle":
		return 1
	case "connect":
		return 2
	case "active":
		return 3
	case "opensent":
		return 4
	case "openconfirm":
		return 5
	case "established":
		return 6
	}
	return 0
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// gobgpMetrics delegates to GoBGP's metrics.NewBgpCollector while the
// server runs (its Collect would block before Serve starts). Note that
// GoBGP's collector walks every Adj-RIB-In on each scrape.
type gobgpMetrics struct{ c *Collector }

func (m *gobgpMetrics) Describe(ch chan<- *prometheus.Desc) {
	metrics.NewBgpCollector(nil).Describe(ch)
}

func (m *gobgpMetrics) Collect(ch chan<- prometheus.Metric) {
	m.c.mu.Lock()
	srv, ok := m.c.srv, m.c.running
	m.c.mu.Unlock()
	if !ok || srv == nil {
		return
	}
	metrics.NewBgpCollector(srv).Collect(ch)
}
