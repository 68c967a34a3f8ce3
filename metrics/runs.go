package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Runs counts collection runs and their errors by kind.
type Runs struct {
	runs   *prometheus.CounterVec
	errors *prometheus.CounterVec
	quirks *prometheus.CounterVec
}

// NewRuns registers the run counters on reg.
func NewRuns(reg prometheus.Registerer) *Runs {
	f := promauto.With(reg)
	return &Runs{
		runs: f.NewCounterVec(prometheus.CounterOpts{
			Name: "ixpobs_source_runs_total",
			Help: "Collection runs of each source since the process started, by result (success or failure).",
		}, []string{"source", "result"}),
		errors: f.NewCounterVec(prometheus.CounterOpts{
			Name: "ixpobs_source_errors_total",
			Help: "Failed collection runs of each source since the process started, by error kind.",
		}, []string{"source", "kind"}),
		quirks: f.NewCounterVec(prometheus.CounterOpts{
			Name: "ixpobs_source_quirks_total",
			Help: "Values of published snapshots taken as unknown or dropped (out of range, invalid, duplicate keys, text replaced), by source and quirk, since the process started.",
		}, []string{"source", "quirk"}),
	}
}

// ObserveQuirks adds the quirks counted in one published snapshot.
func (m *Runs) ObserveQuirks(source string, quirks map[string]int) {
	for q, n := range quirks {
		m.quirks.WithLabelValues(source, q).Add(float64(n))
	}
}

// Init creates the series of a source at zero, so they exist from startup.
func (m *Runs) Init(source string) {
	m.runs.WithLabelValues(source, "success")
	m.runs.WithLabelValues(source, "failure")
}

// Observe records one run; kind is empty on success.
func (m *Runs) Observe(source, kind string) {
	if kind == "" {
		m.runs.WithLabelValues(source, "success").Inc()
		return
	}
	m.runs.WithLabelValues(source, "failure").Inc()
	m.errors.WithLabelValues(source, kind).Inc()
}
