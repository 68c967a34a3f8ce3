package alicelg

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/ixpobs/ixpobs/internal/safehttp"
)

// Metrics are the fetcher's Prometheus series, labelled by looking glass
// (the configured name) and, for requests, by API endpoint
// (routeservers, neighbors, routes_received). A nil *Metrics records
// nothing.
type Metrics struct {
	requests *prometheus.CounterVec
	errors   *prometheus.CounterVec
	routes   *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// Endpoints are the values of the endpoint label.
var Endpoints = []string{"routeservers", "neighbors", "routes_received"}

// NewMetrics registers the fetcher's series on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	f := promauto.With(reg)
	return &Metrics{
		requests: f.NewCounterVec(prometheus.CounterOpts{
			Name: "ixpobs_alicelg_requests_total",
			Help: "Requests made to Alice-LG looking glasses, by glass and API endpoint (whatever their outcome).",
		}, []string{"glass", "endpoint"}),
		errors: f.NewCounterVec(prometheus.CounterOpts{
			Name: "ixpobs_alicelg_errors_total",
			Help: "Failed Alice-LG reads by glass and kind: http_4xx, http_5xx, http_429, timeout, network, decode, pagination, budget, canceled, ...",
		}, []string{"glass", "kind"}),
		routes: f.NewCounterVec(prometheus.CounterOpts{
			Name: "ixpobs_alicelg_routes_fetched_total",
			Help: "Received routes read from Alice-LG route servers' pages, by glass (routes that could not be read are not counted).",
		}, []string{"glass"}),
		duration: f.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ixpobs_alicelg_request_duration_seconds",
			Help:    "Duration of Alice-LG requests (the pacing wait excluded), by glass and API endpoint.",
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"glass", "endpoint"}),
	}
}

// Init creates a glass's counter series at zero, so they exist from
// startup.
func (m *Metrics) Init(glass string) {
	if m == nil {
		return
	}
	for _, e := range Endpoints {
		m.requests.WithLabelValues(glass, e)
	}
	m.routes.WithLabelValues(glass)
}

func (m *Metrics) request(glass, endpoint string, d time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(glass, endpoint).Inc()
	m.duration.WithLabelValues(glass, endpoint).Observe(d.Seconds())
}

func (m *Metrics) failed(glass, kind string) {
	if m == nil {
		return
	}
	m.errors.WithLabelValues(glass, kind).Inc()
}

func (m *Metrics) fetched(glass string, n int) {
	if m == nil || n == 0 {
		return
	}
	m.routes.WithLabelValues(glass).Add(float64(n))
}

// errorKind classifies a failed request for ixpobs_alicelg_errors_total.
func errorKind(err error) string {
	var de *decodeError
	switch {
	case errors.Is(err, ErrBudget):
		return "budget"
	case errors.As(err, &de):
		return "decode"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	}
	return safehttp.Kind(err)
}

// decodeError is an answer that is not the JSON the endpoint gives.
type decodeError struct{ err error }

func (e *decodeError) Error() string { return "decode answer: " + e.err.Error() }
func (e *decodeError) Unwrap() error { return e.err }
