package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// HTTP counts requests and their latency by route pattern (never by raw
// path, so ids and dates do not create series).
type HTTP struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	refused  *prometheus.CounterVec
}

// RefusalReasons are the values of the reason label of
// ixpobs_http_refused_requests_total.
var RefusalReasons = []string{"rate_limit", "uri_too_long", "body", "bad_query"}

// NewHTTP registers the HTTP metrics on reg.
func NewHTTP(reg prometheus.Registerer) *HTTP {
	f := promauto.With(reg)
	h := &HTTP{
		requests: f.NewCounterVec(prometheus.CounterOpts{
			Name: "ixpobs_http_requests_total",
			Help: "HTTP requests served, by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		duration: f.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ixpobs_http_request_duration_seconds",
			Help:    "Time to serve HTTP requests, by route pattern and method.",
			Buckets: []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
		refused: f.NewCounterVec(prometheus.CounterOpts{
			Name: "ixpobs_http_refused_requests_total",
			Help: "HTTP requests refused before routing: over the per-client rate limit (429), URI too long (414) or with a body (413).",
		}, []string{"reason"}),
	}
	for _, r := range RefusalReasons {
		h.refused.WithLabelValues(r)
	}
	return h
}

// Refused counts a request refused for reason (one of RefusalReasons).
func (h *HTTP) Refused(reason string) { h.refused.WithLabelValues(reason).Inc() }

// Middleware records every request served through a chi router.
func (h *HTTP) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		route := "unmatched"
		if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
			route = rc.RoutePattern()
		}
		method := r.Method
		switch method {
		case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodOptions:
		default:
			method = "other"
		}
		code := ww.Status()
		if code == 0 {
			code = http.StatusOK
		}
		h.requests.WithLabelValues(route, method, strconv.Itoa(code)).Inc()
		h.duration.WithLabelValues(route, method).Observe(time.Since(start).Seconds())
	})
}
